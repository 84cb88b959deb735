//! `prometheus://host[:port]/metrics/job/<job>[/<label>/<value>...]`: POSTs to a Pushgateway at
//! `http://host[:port]<path><path-suffix>`, with the HTTP publisher's options.

use std::time::Duration;

use crate::http::{HTTP_OPTIONS, HttpClient, post_logged};
use crate::{Delivery, DeliveryError, OpenError, PublisherUrl, Transport, options};

/// The delivery header whose value is appended to the URL path (e.g. `/resource_id/<rid>`).
pub(crate) const PATH_SUFFIX: &str = "path-suffix";

/// Posts each delivery to the Pushgateway.
pub(crate) struct PrometheusTransport {
    client: HttpClient,
    base: String,
    query: String,
    url: PublisherUrl,
}

impl PrometheusTransport {
    pub(crate) fn open(url: &PublisherUrl) -> Result<Self, OpenError> {
        if url.host().is_empty() {
            return Err(OpenError::option(
                url,
                "host",
                "the Prometheus publisher needs the Pushgateway's host",
            ));
        }
        if !url.path().starts_with("/metrics/job/") || url.path().len() <= "/metrics/job/".len() {
            return Err(OpenError::option(
                url,
                "path",
                "the Pushgateway path must be /metrics/job/<job>[/<label>/<value>...]",
            ));
        }
        Ok(Self {
            client: HttpClient::from_url(url, Duration::from_secs(5))?,
            base: format!(
                "http://{}{}",
                url.authority(),
                url.path().trim_end_matches('/')
            ),
            query: url.query_without(HTTP_OPTIONS),
            url: url.clone(),
        })
    }
}

/// A suffix may only add path segments below the granted destination.
fn valid_suffix(suffix: &str) -> bool {
    if suffix.is_empty() {
        return true;
    }
    let Some(rest) = suffix.strip_prefix('/') else {
        return false;
    };
    !suffix.contains(['?', '#'])
        && !suffix.chars().any(char::is_whitespace)
        && rest
            .split('/')
            .all(|segment| !segment.is_empty() && segment != "." && segment != "..")
}

impl Transport for PrometheusTransport {
    fn deliver(&self, deliveries: &[Delivery]) -> Result<(), DeliveryError> {
        for delivery in deliveries {
            let suffix = options::header(&delivery.headers, PATH_SUFFIX).unwrap_or("");
            if !valid_suffix(suffix) {
                return Err(DeliveryError::new(
                    &self.url,
                    format!(
                        "the `{PATH_SUFFIX}` header `{suffix}` must be `/`-separated label/value segments (no `?`, `#`, `.` or `..` segments)"
                    ),
                ));
            }
            let mut target = format!("{}{suffix}", self.base);
            if !self.query.is_empty() {
                target.push('?');
                target.push_str(&self.query);
            }
            let headers: Vec<(String, String)> = delivery
                .headers
                .iter()
                .filter(|(name, _)| !name.eq_ignore_ascii_case(PATH_SUFFIX))
                .cloned()
                .collect();
            post_logged(&self.client, &self.url, &target, delivery, &headers)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::valid_suffix;

    #[test]
    fn suffixes_stay_below_the_destination() {
        assert!(valid_suffix(""));
        assert!(valid_suffix("/resource_id/abc-1"));
        assert!(!valid_suffix("resource_id/abc"));
        assert!(!valid_suffix("/../admin"));
        assert!(!valid_suffix("/a?b=c"));
        assert!(!valid_suffix("/a//b"));
        assert!(!valid_suffix("/a b"));
    }
}
