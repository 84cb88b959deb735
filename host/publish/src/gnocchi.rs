//! `gnocchi://host:8041[/prefix]` or `gnocchi://?endpoint=http://host:8041`, with `token=..` or
//! `auth_mode=noauth&user_id=..&project_id=..` or basic-auth userinfo:
//! posts measures to Gnocchi's batch API and creates the resources Gnocchi does not know yet.

use std::time::Duration;

use crate::http::{HttpClient, Reply};
use crate::{Delivery, DeliveryError, OpenError, PublisherUrl, Transport, options};

/// The delivery header naming what a delivery is for.
pub(crate) const ROLE: &str = "gnocchi-role";
/// The delivery header naming the Gnocchi resource type of a `resource` delivery.
pub(crate) const RESOURCE_TYPE: &str = "resource-type";
/// The delivery header naming the resource of a `resource-update` delivery.
pub(crate) const RESOURCE_ID: &str = "resource-id";
/// Ceilometer's default `timeout` for Gnocchi.
const DEFAULT_TIMEOUT: Duration = Duration::from_millis(6050);
/// Headers that steer this transport and are not sent to Gnocchi.
const CONTROL_HEADERS: &[&str] = &[ROLE, RESOURCE_TYPE, RESOURCE_ID];

/// Sends measures (and resources when needed) to Gnocchi.
pub(crate) struct GnocchiTransport {
    client: HttpClient,
    endpoint: String,
    auth_headers: Vec<(String, String)>,
    url: PublisherUrl,
}

impl GnocchiTransport {
    pub(crate) fn open(url: &PublisherUrl) -> Result<Self, OpenError> {
        let endpoint = match (options::text(url, "endpoint"), url.host().is_empty()) {
            (Some(_), false) => {
                return Err(OpenError::option(
                    url,
                    "endpoint",
                    "give the Gnocchi address either as the URL's host (gnocchi://host:8041) or as `endpoint`, not both",
                ));
            }
            (Some(endpoint), true) => endpoint.to_string(),
            (None, false) => {
                let scheme = if options::boolean(url, "https", false)? {
                    "https"
                } else {
                    "http"
                };
                format!("{scheme}://{}{}", url.authority(), url.path())
            }
            (None, true) => {
                return Err(OpenError::option(
                    url,
                    "endpoint",
                    "the Gnocchi publisher needs the API address, as in gnocchi://127.0.0.1:8041 or gnocchi://?endpoint=http://127.0.0.1:8041",
                ));
            }
        };
        let parsed = PublisherUrl::parse(&endpoint)
            .map_err(|e| OpenError::option(url, "endpoint", e.to_string()))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_empty() {
            return Err(OpenError::option(
                url,
                "endpoint",
                format!(
                    "`{}` is not an http:// or https:// address with a host",
                    parsed.destination()
                ),
            ));
        }
        let mut auth_headers = Vec::new();
        if let Some(token) = options::text(url, "token") {
            auth_headers.push(("X-Auth-Token".to_string(), token.to_string()));
        }
        match options::text(url, "auth_mode") {
            None | Some("basic") | Some("keystone") => {}
            Some("noauth") => {
                for (param, header) in [
                    ("user_id", "X-User-Id"),
                    ("project_id", "X-Project-Id"),
                    ("roles", "X-Roles"),
                ] {
                    if let Some(value) = options::text(url, param) {
                        auth_headers.push((header.to_string(), value.to_string()));
                    } else if param != "roles" {
                        return Err(OpenError::option(
                            url,
                            param,
                            format!("auth_mode=noauth needs `{param}`"),
                        ));
                    }
                }
            }
            Some(other) => {
                return Err(OpenError::option(
                    url,
                    "auth_mode",
                    format!("`{other}` is not one of basic, keystone, noauth"),
                ));
            }
        }
        Ok(Self {
            client: HttpClient::from_url(url, DEFAULT_TIMEOUT)?,
            endpoint: endpoint.trim_end_matches('/').to_string(),
            auth_headers,
            url: url.clone(),
        })
    }

    fn headers(&self, delivery: &Delivery) -> Vec<(String, String)> {
        let mut headers = self.auth_headers.clone();
        headers.extend(
            delivery
                .headers
                .iter()
                .filter(|(name, _)| !CONTROL_HEADERS.iter().any(|c| name.eq_ignore_ascii_case(c)))
                .cloned(),
        );
        headers
    }

    fn post(&self, target: &str, delivery: &Delivery) -> Result<Reply, DeliveryError> {
        let content_type = content_type(delivery);
        self.client.send(
            "POST",
            target,
            content_type,
            &self.headers(delivery),
            &delivery.body,
        )
    }

    fn create_resources(&self, resources: &[(&Delivery, &str)]) -> Result<(), DeliveryError> {
        for (delivery, resource_type) in resources {
            let target = format!("{}/v1/resource/{resource_type}", self.endpoint);
            let reply = self.post(&target, delivery)?;
            match reply.status {
                200..=299 => {
                    tracing::debug!(url = %self.url, resource_type, "Gnocchi resource created")
                }
                409 => {
                    tracing::debug!(url = %self.url, resource_type, "Gnocchi resource already exists")
                }
                status => {
                    tracing::error!(url = %self.url, status, resource_type, response = %reply.body, "Gnocchi refused to create a resource")
                }
            }
        }
        Ok(())
    }
}

fn content_type(delivery: &Delivery) -> &str {
    if delivery.content_type.is_empty() {
        "application/json"
    } else {
        &delivery.content_type
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn encode_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A resource type must be a plain name, so it cannot change the request path.
fn valid_resource_type(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
}

impl Transport for GnocchiTransport {
    fn deliver(&self, deliveries: &[Delivery]) -> Result<(), DeliveryError> {
        let mut measures = Vec::new();
        let mut resources = Vec::new();
        let mut updates = Vec::new();
        for (index, delivery) in deliveries.iter().enumerate() {
            let role = options::header(&delivery.headers, ROLE).unwrap_or("");
            let resource_type = options::header(&delivery.headers, RESOURCE_TYPE).unwrap_or("");
            let bad = |reason: String| {
                DeliveryError::new(&self.url, format!("delivery {index}: {reason}"))
            };
            match role {
                "measures" => measures.push(delivery),
                "resource" | "resource-update" => {
                    if !valid_resource_type(resource_type) {
                        return Err(bad(format!(
                            "header `{RESOURCE_TYPE}` must be a resource type name (letters, digits, `_`, `-`), got `{resource_type}`"
                        )));
                    }
                    if role == "resource" {
                        resources.push((delivery, resource_type));
                    } else {
                        let id = options::header(&delivery.headers, RESOURCE_ID).unwrap_or("");
                        if id.is_empty() {
                            return Err(bad(format!(
                                "a resource-update needs the `{RESOURCE_ID}` header"
                            )));
                        }
                        updates.push((delivery, resource_type, id));
                    }
                }
                other => {
                    return Err(bad(format!(
                        "header `{ROLE}` must be measures, resource or resource-update, got `{other}`"
                    )));
                }
            }
        }
        let batch = format!(
            "{}/v1/batch/resources/metrics/measures?create_metrics=true",
            self.endpoint
        );
        for delivery in measures {
            let mut reply = self.post(&batch, delivery)?;
            if reply.status == 400 && reply.body.contains("Unknown resources") {
                tracing::debug!(url = %self.url, "Gnocchi reports unknown resources, creating them");
                self.create_resources(&resources)?;
                reply = self.post(&batch, delivery)?;
            }
            if reply.status >= 400 {
                tracing::error!(url = %self.url, status = reply.status, response = %reply.body, "Gnocchi refused the measures; they are dropped");
            }
        }
        for (delivery, resource_type, id) in updates {
            let target = format!(
                "{}/v1/resource/{resource_type}/{}",
                self.endpoint,
                encode_segment(id)
            );
            let reply = self.client.send(
                "PATCH",
                &target,
                content_type(delivery),
                &self.headers(delivery),
                &delivery.body,
            )?;
            if reply.status >= 400 {
                tracing::error!(url = %self.url, status = reply.status, resource_type, response = %reply.body, "Gnocchi refused a resource update");
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{encode_segment, valid_resource_type};

    #[test]
    fn resource_ids_and_types_cannot_escape_the_path() {
        assert_eq!(encode_segment("a/b c"), "a%2Fb%20c");
        assert_eq!(encode_segment("ok-1.2_~"), "ok-1.2_~");
        assert!(valid_resource_type("instance_disk"));
        assert!(!valid_resource_type("../x"));
        assert!(!valid_resource_type(""));
    }
}
