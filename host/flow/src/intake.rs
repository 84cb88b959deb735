//! Samples that come in from outside as JSON: Ceilometer sample dicts (what
//! `sample.as_dict()` gives, as in a replay file) and meter messages (the
//! signed wire form of polled and API-posted samples, with `counter_*` keys).
//!
//! A meter message must carry a valid `message_signature` for the
//! configured `telemetry_secret` (an empty secret turns the check off, as in
//! Ceilometer); one that does not is refused, never half-accepted.

use nepho_runtime::OwnedSample;
use nepho_runtime::bindings::MeterType;
use serde_json::Value;

/// Why an incoming sample was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum IntakeError {
    /// Not a JSON object.
    #[error("a sample must be a JSON object")]
    NotAnObject,
    /// A required field is missing or null.
    #[error("field `{0}` is required")]
    Missing(&'static str),
    /// A field has the wrong type or value.
    #[error("field `{field}`: {problem}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// A meter message whose signature does not match the telemetry secret.
    #[error(
        "message_signature does not match (wrong telemetry_secret, or the message was altered)"
    )]
    BadSignature,
}

/// The field names of the two shapes.
struct Shape {
    name: &'static str,
    kind: &'static str,
    unit: &'static str,
    volume: &'static str,
    id: &'static str,
}

const SAMPLE_DICT: Shape = Shape {
    name: "name",
    kind: "type",
    unit: "unit",
    volume: "volume",
    id: "id",
};

const METER_MESSAGE: Shape = Shape {
    name: "counter_name",
    kind: "counter_type",
    unit: "counter_unit",
    volume: "counter_volume",
    id: "message_id",
};

/// Reads one sample from a sample dict or a meter message. A meter message
/// is verified against `secret` first.
pub fn sample_from_json(value: &Value, secret: &str) -> Result<OwnedSample, IntakeError> {
    let object = value.as_object().ok_or(IntakeError::NotAnObject)?;
    let shape = if object.contains_key("counter_name") {
        if !nepho_signing::verify_signature(value, secret) {
            return Err(IntakeError::BadSignature);
        }
        &METER_MESSAGE
    } else {
        &SAMPLE_DICT
    };
    let text = |field: &'static str| -> Result<String, IntakeError> {
        match object.get(field) {
            Some(Value::String(s)) => Ok(s.clone()),
            None | Some(Value::Null) => Err(IntakeError::Missing(field)),
            Some(other) => Err(IntakeError::Invalid {
                field,
                problem: format!("expected a string, got {other}"),
            }),
        }
    };
    let optional_text = |field: &'static str| -> Result<Option<String>, IntakeError> {
        match object.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(IntakeError::Invalid {
                field,
                problem: format!("expected a string or null, got {other}"),
            }),
        }
    };
    let meter_type = meter_type(shape.kind, &text(shape.kind)?)?;
    let volume = volume(object.get(shape.volume), shape.volume)?;
    let resource_metadata = match object.get("resource_metadata") {
        None | Some(Value::Null) => "{}".to_owned(),
        Some(metadata @ Value::Object(_)) => metadata.to_string(),
        Some(other) => {
            return Err(IntakeError::Invalid {
                field: "resource_metadata",
                problem: format!("expected an object, got {other}"),
            });
        }
    };
    let monotonic_time = match object.get("monotonic_time") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => n.as_f64(),
        Some(other) => {
            return Err(IntakeError::Invalid {
                field: "monotonic_time",
                problem: format!("expected a number or null, got {other}"),
            });
        }
    };
    Ok(OwnedSample {
        name: text(shape.name)?,
        meter_type,
        unit: text(shape.unit)?,
        volume,
        user_id: optional_text("user_id")?,
        project_id: optional_text("project_id")?,
        resource_id: text("resource_id")?,
        timestamp: text("timestamp")?,
        resource_metadata,
        source: optional_text("source")?.unwrap_or_else(|| "openstack".to_owned()),
        id: text(shape.id)?,
        monotonic_time,
    })
}

/// The fields of a sample dict, borrowed from its JSON text; metadata stays text.
#[derive(serde::Deserialize)]
struct SampleDictText<'a> {
    #[serde(borrow)]
    name: Option<std::borrow::Cow<'a, str>>,
    #[serde(rename = "type", borrow)]
    kind: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    unit: Option<std::borrow::Cow<'a, str>>,
    volume: Option<Value>,
    #[serde(borrow)]
    user_id: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    project_id: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    resource_id: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    timestamp: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    resource_metadata: Option<&'a serde_json::value::RawValue>,
    #[serde(borrow)]
    source: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    id: Option<std::borrow::Cow<'a, str>>,
    monotonic_time: Option<f64>,
    #[serde(borrow)]
    counter_name: Option<std::borrow::Cow<'a, str>>,
}

/// Reads one sample from JSON text: like [`sample_from_json`], but a sample
/// dict is read without building a tree, its metadata kept as the text it
/// came in (the fast path for intake; meter messages take the checked path).
pub fn sample_from_json_text(text: &str, secret: &str) -> Result<OwnedSample, IntakeError> {
    let slow = || {
        let value: Value = serde_json::from_str(text).map_err(|e| IntakeError::Invalid {
            field: "(document)",
            problem: e.to_string(),
        })?;
        sample_from_json(&value, secret)
    };
    let Ok(dict) = serde_json::from_str::<SampleDictText<'_>>(text) else {
        return slow();
    };
    if dict.counter_name.is_some() {
        return slow();
    }
    let required = |field: &'static str, value: Option<std::borrow::Cow<'_, str>>| {
        value
            .map(|v| v.into_owned())
            .ok_or(IntakeError::Missing(field))
    };
    let meter_type = meter_type(
        "type",
        dict.kind.as_deref().ok_or(IntakeError::Missing("type"))?,
    )?;
    let resource_metadata = match dict.resource_metadata.map(|raw| raw.get()) {
        None | Some("null") => "{}".to_owned(),
        Some(raw) if raw.starts_with('{') => raw.to_owned(),
        Some(other) => {
            return Err(IntakeError::Invalid {
                field: "resource_metadata",
                problem: format!("expected an object, got {other}"),
            });
        }
    };
    Ok(OwnedSample {
        name: required("name", dict.name)?,
        meter_type,
        unit: required("unit", dict.unit)?,
        volume: volume(dict.volume.as_ref(), "volume")?,
        user_id: dict.user_id.map(|v| v.into_owned()),
        project_id: dict.project_id.map(|v| v.into_owned()),
        resource_id: required("resource_id", dict.resource_id)?,
        timestamp: required("timestamp", dict.timestamp)?,
        resource_metadata,
        source: dict
            .source
            .map_or_else(|| "openstack".to_owned(), |v| v.into_owned()),
        id: required("id", dict.id)?,
        monotonic_time: dict.monotonic_time,
    })
}

/// A meter type by its name in `field`.
fn meter_type(field: &'static str, name: &str) -> Result<MeterType, IntakeError> {
    match name {
        "gauge" => Ok(MeterType::Gauge),
        "delta" => Ok(MeterType::Delta),
        "cumulative" => Ok(MeterType::Cumulative),
        other => Err(IntakeError::Invalid {
            field,
            problem: format!("`{other}` is not gauge, delta or cumulative"),
        }),
    }
}

/// A volume: a number, or a string holding one (Ceilometer's pipeline turns
/// such strings into floats; anything else is dropped there).
fn volume(value: Option<&Value>, field: &'static str) -> Result<f64, IntakeError> {
    let invalid = |problem: String| IntakeError::Invalid { field, problem };
    match value {
        None | Some(Value::Null) => Err(IntakeError::Missing(field)),
        Some(Value::Number(n)) => n
            .as_f64()
            .ok_or_else(|| invalid(format!("{n} is not a number"))),
        Some(Value::String(s)) => s
            .trim()
            .parse::<f64>()
            .map_err(|_| invalid(format!("`{s}` is not a number"))),
        Some(other) => Err(invalid(format!("expected a number, got {other}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn dict() -> Value {
        json!({
            "name": "cpu", "type": "cumulative", "unit": "ns", "volume": 120000000000u64,
            "user_id": "u", "project_id": null, "resource_id": "r1",
            "timestamp": "2026-11-23T10:00:00", "resource_metadata": {"cpu_number": 2},
            "source": "openstack", "id": "id-1", "monotonic_time": 12.5
        })
    }

    #[test]
    fn a_sample_dict_is_read_field_by_field() {
        let sample = sample_from_json(&dict(), "secret").unwrap();
        assert_eq!(sample.name, "cpu");
        assert_eq!(sample.meter_type, MeterType::Cumulative);
        assert_eq!(sample.volume, 120e9);
        assert_eq!(sample.user_id.as_deref(), Some("u"));
        assert_eq!(sample.project_id, None);
        assert_eq!(sample.resource_metadata, r#"{"cpu_number":2}"#);
        assert_eq!(sample.monotonic_time, Some(12.5));
        assert_eq!(sample.id, "id-1");
    }

    #[test]
    fn the_text_path_reads_the_same_sample_and_keeps_metadata_text() {
        let text = dict().to_string();
        let mut expected = sample_from_json(&dict(), "").unwrap();
        let fast = sample_from_json_text(&text, "").unwrap();
        assert_eq!(fast.resource_metadata, r#"{"cpu_number":2}"#);
        expected.resource_metadata = fast.resource_metadata.clone();
        assert_eq!(fast, expected);
        let spaced = r#"{"name": "m", "type": "gauge", "unit": "B", "volume": "3",
            "resource_id": "r", "timestamp": "t", "id": "i", "resource_metadata": {"a": [1, 2]}}"#;
        let sample = sample_from_json_text(spaced, "").unwrap();
        assert_eq!(sample.resource_metadata, r#"{"a": [1, 2]}"#);
        assert_eq!((sample.volume, sample.source.as_str()), (3.0, "openstack"));
        assert_eq!(
            sample_from_json_text(r#"{"name": "m", "type": "gauge"}"#, ""),
            Err(IntakeError::Missing("unit"))
        );
        // Meter messages go through signature verification.
        let message = meter_message("s3cret").to_string();
        assert!(sample_from_json_text(&message, "s3cret").is_ok());
        assert_eq!(
            sample_from_json_text(&message, "wrong"),
            Err(IntakeError::BadSignature)
        );
        assert!(sample_from_json_text("[1", "").is_err());
    }

    #[test]
    fn bad_fields_are_named() {
        let mut bad = dict();
        bad["type"] = json!("counter");
        assert_eq!(
            sample_from_json(&bad, "").unwrap_err().to_string(),
            "field `type`: `counter` is not gauge, delta or cumulative"
        );
        let mut bad = dict();
        bad["volume"] = json!("lots");
        assert!(
            sample_from_json(&bad, "")
                .unwrap_err()
                .to_string()
                .contains("`volume`")
        );
        let mut bad = dict();
        bad.as_object_mut().unwrap().remove("resource_id");
        assert_eq!(
            sample_from_json(&bad, "").unwrap_err(),
            IntakeError::Missing("resource_id")
        );
        let mut string_volume = dict();
        string_volume["volume"] = json!(" 2.5 ");
        assert_eq!(sample_from_json(&string_volume, "").unwrap().volume, 2.5);
    }

    fn meter_message(secret: &str) -> Value {
        let mut message = json!({
            "source": "openstack", "counter_name": "cpu", "counter_type": "cumulative",
            "counter_unit": "ns", "counter_volume": 5, "user_id": null, "project_id": "p",
            "resource_id": "r", "timestamp": "2026-11-23T10:00:00", "resource_metadata": {},
            "message_id": "m-1", "monotonic_time": null
        });
        nepho_signing::sign_message(&mut message, secret).unwrap();
        message
    }

    #[test]
    fn a_signed_meter_message_is_accepted_and_a_forged_one_refused() {
        let message = meter_message("s3cret");
        let sample = sample_from_json(&message, "s3cret").unwrap();
        assert_eq!((sample.name.as_str(), sample.volume), ("cpu", 5.0));
        assert_eq!(sample.id, "m-1");
        assert_eq!(
            sample_from_json(&message, "other").unwrap_err(),
            IntakeError::BadSignature
        );
        let mut altered = message.clone();
        altered["counter_volume"] = json!(6);
        assert_eq!(
            sample_from_json(&altered, "s3cret").unwrap_err(),
            IntakeError::BadSignature
        );
        // An empty secret turns verification off, as in Ceilometer.
        assert!(sample_from_json(&altered, "").is_ok());
    }
}
