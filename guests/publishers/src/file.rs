//! `file://path?max_bytes=N&backup_count=M&json`: one log line per sample
//! or event, in ONE `text/plain` delivery per batch (the host appends it to
//! the file and rotates line-wise).
//!
//! Lines as Ceilometer master's `FilePublisher` logs them: `repr(sample.as_dict())`
//! or, with `json`, `json.dumps(sample.as_dict())`; events as
//! `event.as_dict()` (traits as `{name, dtype, value}` dicts, datetimes as
//! `datetime.datetime(...)`) or `json.dumps(event.as_dict(), default=str)`.

use nepho_definitions::events::python::{float_repr, repr, repr_str};
use serde_json::{Map, Value};

use crate::encoder::{Encoder, Settings};
use crate::model::finite_samples;
use crate::pytime::{datetime_repr, datetime_str};
use crate::url::PublisherUrl;
use crate::{Delivery, Event, Output, PublishError, Sample, TraitValue, pyjson};

/// The content type of a file delivery.
pub const CONTENT_TYPE: &str = "text/plain";

/// The file publisher's encoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEncoder {
    /// Whether lines are JSON (`json` given) rather than Python reprs.
    pub json: bool,
}

impl Encoder for FileEncoder {
    fn from_settings(settings: &Settings) -> Result<Self, String> {
        let url = PublisherUrl::parse(&settings.url);
        url.expect_scheme(&["file"])?;
        if url.path.is_empty() {
            return Err("file publisher: the path is required (file:///path/to/file)".into());
        }
        let params = url.params(true);
        // Ceilometer only reads these when both are given, and then refuses
        // non-numbers (blank values included); the host does the rotation.
        if params.has("max_bytes") && params.has("backup_count") {
            for name in ["max_bytes", "backup_count"] {
                for value in params.all(name) {
                    if value.trim().parse::<i64>().is_err() {
                        return Err(format!("option {name}: {value:?} is not an integer"));
                    }
                }
            }
        }
        Ok(FileEncoder {
            json: params.has("json"),
        })
    }

    fn samples(&mut self, samples: &[Sample], _now: u64) -> Result<Output, PublishError> {
        let mut output = Output::default();
        let mut body = String::new();
        for sample in finite_samples(samples, &mut output.warnings) {
            let dict = sample.as_dict();
            body.push_str(&if self.json {
                pyjson::dumps(&dict)
            } else {
                repr(&dict)
            });
            body.push('\n');
        }
        if !body.is_empty() {
            output.deliveries.push(Delivery::new(CONTENT_TYPE, body));
        }
        Ok(output)
    }

    fn events(&mut self, events: &[Event], _now: u64) -> Result<Output, PublishError> {
        let mut body = String::new();
        for event in events {
            body.push_str(&if self.json {
                event_json(event)
            } else {
                event_repr(event)
            });
            body.push('\n');
        }
        let mut output = Output::default();
        if !body.is_empty() {
            output.deliveries.push(Delivery::new(CONTENT_TYPE, body));
        }
        Ok(output)
    }
}

/// `repr(event.as_dict())`.
fn event_repr(event: &Event) -> String {
    let traits: Vec<String> = event
        .traits
        .iter()
        .map(|t| {
            let value = match &t.value {
                TraitValue::Text(s) => repr_str(s),
                TraitValue::Int(i) => i.to_string(),
                TraitValue::Float(f) => float_repr(*f),
                TraitValue::Datetime(d) => datetime_repr(d),
            };
            format!(
                "{{'name': {}, 'dtype': {}, 'value': {value}}}",
                repr_str(&t.name),
                t.value.dtype()
            )
        })
        .collect();
    format!(
        "{{'message_id': {}, 'event_type': {}, 'generated': {}, 'traits': [{}], 'raw': {}}}",
        repr_str(&event.message_id),
        repr_str(&event.event_type),
        datetime_repr(&event.generated),
        traits.join(", "),
        repr(&event.raw)
    )
}

/// `json.dumps(event.as_dict(), default=str)`: datetimes become `str(dt)`.
fn event_json(event: &Event) -> String {
    let traits = event
        .traits
        .iter()
        .map(|t| {
            let value = match &t.value {
                TraitValue::Datetime(d) => Value::String(datetime_str(d)),
                other => other.to_json(),
            };
            let mut map = Map::new();
            map.insert("name".into(), Value::String(t.name.clone()));
            map.insert("dtype".into(), Value::from(t.value.dtype()));
            map.insert("value".into(), value);
            Value::Object(map)
        })
        .collect();
    let mut map = Map::new();
    map.insert("message_id".into(), Value::String(event.message_id.clone()));
    map.insert("event_type".into(), Value::String(event.event_type.clone()));
    map.insert(
        "generated".into(),
        Value::String(datetime_str(&event.generated)),
    );
    map.insert("traits".into(), Value::Array(traits));
    map.insert("raw".into(), event.raw.clone());
    pyjson::dumps(&Value::Object(map))
}

#[cfg(test)]
mod tests;
