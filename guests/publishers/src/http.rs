//! `http://` and `https://` (`?timeout=5&max_retries=2&batch=True&verify_ssl=True&raw_only=False`):
//! JSON POST bodies, `application/json`, no headers (the host handles the
//! target URL, authentication, timeout and retries from the URL).
//!
//! As Ceilometer master's `HttpPublisher`: samples are `sample.as_dict()`
//! (not signed meter messages), as one JSON list when `batch` (default) or
//! one object per delivery otherwise; events are `event.serialize()`, or
//! with `raw_only` the `payload` of each event's raw notification (events
//! without one are left out). An empty batch gives no delivery.

use nepho_definitions::events::python::truthy;
use serde_json::Value;

use crate::encoder::{Encoder, Settings};
use crate::model::finite_samples;
use crate::url::{Params, PublisherUrl};
use crate::{Delivery, Event, Output, PublishError, Sample, pyjson};

/// The content type of an HTTP delivery.
pub const CONTENT_TYPE: &str = "application/json";

/// Checks the options the HTTP-based publishers share and returns the
/// query parameters. Stricter than Ceilometer, which silently falls back
/// to the default for a non-integer `timeout` or `max_retries`.
pub(crate) fn checked_params(url: &PublisherUrl, publisher: &str) -> Result<Params, String> {
    if url.hostname().is_none() {
        return Err(format!(
            "{publisher} publisher: the hostname of an endpoint is required"
        ));
    }
    url.port()
        .map_err(|e| format!("{publisher} publisher: port: {e}"))?;
    let params = url.params(false);
    params.int("timeout", 5)?;
    params.int("max_retries", 2)?;
    Ok(params)
}

/// The HTTP publisher's encoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpEncoder {
    /// `batch`: one delivery per batch rather than per record.
    pub batch: bool,
    /// `raw_only`: events as their raw notification payloads.
    pub raw_only: bool,
}

impl HttpEncoder {
    fn post(&self, records: Vec<Value>) -> Output {
        let mut output = Output::default();
        if self.batch {
            if !records.is_empty() {
                let body = pyjson::dumps(&Value::Array(records));
                output.deliveries.push(Delivery::new(CONTENT_TYPE, body));
            }
        } else {
            for record in &records {
                output
                    .deliveries
                    .push(Delivery::new(CONTENT_TYPE, pyjson::dumps(record)));
            }
        }
        output
    }
}

impl Encoder for HttpEncoder {
    fn from_settings(settings: &Settings) -> Result<Self, String> {
        let url = PublisherUrl::parse(&settings.url);
        url.expect_scheme(&["http", "https"])?;
        let params = checked_params(&url, "http")?;
        Ok(HttpEncoder {
            batch: params.flag("batch", true),
            raw_only: params.flag("raw_only", false),
        })
    }

    fn samples(&mut self, samples: &[Sample], _now: u64) -> Result<Output, PublishError> {
        let mut warnings = Vec::new();
        let records = finite_samples(samples, &mut warnings)
            .into_iter()
            .map(Sample::as_dict)
            .collect();
        let mut output = self.post(records);
        output.warnings = warnings;
        Ok(output)
    }

    fn events(&mut self, events: &[Event], _now: u64) -> Result<Output, PublishError> {
        let records = if self.raw_only {
            events
                .iter()
                .filter_map(|e| e.raw.get("payload").filter(|p| truthy(p)).cloned())
                .collect()
        } else {
            events.iter().map(Event::serialize).collect()
        };
        Ok(self.post(records))
    }
}

#[cfg(test)]
mod tests;
