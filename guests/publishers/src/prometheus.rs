//! `prometheus://host[:port]/metrics/job/<job>[/<label>/<value>...]`: the
//! Pushgateway text format, `text/plain` (Ceilometer sends the malformed
//! `plain/text`; the host gets the correct type). HTTP options as `http`.
//!
//! As Ceilometer master's `PrometheusPublisher`: metric names with `.` and
//! `-` replaced by `_`; `# TYPE <name> counter|gauge` before the first line
//! of each metric of a push (delta samples get no TYPE line); lines
//! `name{resource_id="..", user_id="..", project_id=".."} <volume>` with
//! `None` for a missing id and the volume as Python's `str()`.
//! When the URL path has no grouping labels (anything but
//! `/metrics/job/<job>/<label>/<value>...`), one delivery per resource, in
//! order of first appearance, with header `path-suffix` =
//! `/resource_id/<quote(resource_id, safe='')>`; otherwise one delivery.
//!
//! One deliberate difference: label values are escaped as the text format
//! requires (`\` `"` and newline); Ceilometer writes them raw, which makes
//! the Pushgateway refuse the whole push. Ids without those characters
//! are unaffected. Events are rejected (Ceilometer raises `NotImplementedError`).

use std::collections::HashSet;

use nepho_definitions::events::python::float_repr;

use crate::encoder::{Encoder, Settings};
use crate::http::checked_params;
use crate::model::finite_samples;
use crate::url::{PublisherUrl, quote_all};
use crate::{Delivery, Event, MeterType, Output, PublishError, Sample};

/// The content type of a Pushgateway delivery.
pub const CONTENT_TYPE: &str = "text/plain";

/// The Prometheus publisher's encoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrometheusEncoder {
    /// Whether the URL path carries grouping labels after the job.
    pub has_grouping: bool,
}

/// A label value escaped for the text exposition format.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The lines of one sample; `typed` holds the metrics already given a TYPE.
fn sample_text(s: &Sample, typed: &mut HashSet<String>, out: &mut String) {
    let name = s.name.replace(['.', '-'], "_");
    let kind = match s.meter_type {
        MeterType::Cumulative => Some("counter"),
        MeterType::Gauge => Some("gauge"),
        MeterType::Delta => None,
    };
    if let Some(kind) = kind
        && typed.insert(name.clone())
    {
        out.push_str(&format!("# TYPE {name} {kind}\n"));
    }
    out.push_str(&format!(
        "{name}{{resource_id=\"{}\", user_id=\"{}\", project_id=\"{}\"}} {}\n",
        label(&s.resource_id),
        label(s.user_id.as_deref().unwrap_or("None")),
        label(s.project_id.as_deref().unwrap_or("None")),
        float_repr(s.volume)
    ));
}

impl Encoder for PrometheusEncoder {
    fn from_settings(settings: &Settings) -> Result<Self, String> {
        let url = PublisherUrl::parse(&settings.url);
        url.expect_scheme(&["prometheus"])?;
        checked_params(&url, "prometheus")?;
        let has_grouping = url.path.starts_with("/metrics/job/")
            && url.path.split('/').filter(|s| !s.is_empty()).count() > 3;
        Ok(PrometheusEncoder { has_grouping })
    }

    fn samples(&mut self, samples: &[Sample], _now: u64) -> Result<Output, PublishError> {
        let mut out = Output::default();
        let samples = finite_samples(samples, &mut out.warnings);
        if samples.is_empty() {
            return Ok(out);
        }
        if self.has_grouping {
            let mut typed = HashSet::new();
            let mut body = String::new();
            for s in samples {
                sample_text(s, &mut typed, &mut body);
            }
            out.deliveries.push(Delivery::new(CONTENT_TYPE, body));
            return Ok(out);
        }
        let mut resources: Vec<(&str, String, HashSet<String>)> = Vec::new();
        for s in samples {
            let at = match resources.iter().position(|(rid, ..)| *rid == s.resource_id) {
                Some(at) => at,
                None => {
                    resources.push((&s.resource_id, String::new(), HashSet::new()));
                    resources.len() - 1
                }
            };
            let (_, body, typed) = &mut resources[at];
            sample_text(s, typed, body);
        }
        for (rid, body, _) in resources {
            let suffix = format!("/resource_id/{}", quote_all(rid));
            out.deliveries
                .push(Delivery::new(CONTENT_TYPE, body).with_header("path-suffix", &suffix));
        }
        Ok(out)
    }

    fn events(&mut self, events: &[Event], _now: u64) -> Result<Output, PublishError> {
        if events.is_empty() {
            return Ok(Output::default());
        }
        Err(PublishError::Reject(
            "the prometheus publisher does not publish events".into(),
        ))
    }
}

#[cfg(test)]
mod tests;
