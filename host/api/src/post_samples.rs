//! The body of `POST /v2/meters/{name}`: a list of `OldSample`, validated
//! as WSME and Ceilometer's `MeterController.post` validate it, then turned
//! into signed meter messages (`publisher/utils.meter_message_from_counter`).
//!
//! Every sample of the body is checked before anything is published or
//! stored: one bad sample refuses the whole request.

use nepho_storage::{StoredSample, Timestamp};
use serde_json::{Map, Value, json};

use crate::error::ApiError;
use crate::identity::Identity;

/// The meter types (`ceilometer/sample.py` `TYPES`).
pub(crate) const TYPES: [&str; 3] = ["gauge", "delta", "cumulative"];

/// The source of samples that name none (Ceilometer's `sample_source`).
pub(crate) const DEFAULT_SOURCE: &str = "openstack";

const ATTRIBUTES: [&str; 12] = [
    "counter_name",
    "counter_type",
    "counter_unit",
    "counter_volume",
    "message_id",
    "project_id",
    "recorded_at",
    "resource_id",
    "resource_metadata",
    "source",
    "timestamp",
    "user_id",
];

const MANDATORY: [&str; 5] = [
    "counter_name",
    "counter_type",
    "counter_unit",
    "counter_volume",
    "resource_id",
];

/// A posted sample, every field checked.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NewSample {
    /// Meter name.
    pub name: String,
    /// Meter type.
    pub kind: String,
    /// Unit.
    pub unit: String,
    /// Volume.
    pub volume: f64,
    /// User (the caller's unless given).
    pub user_id: String,
    /// Project (the caller's unless given).
    pub project_id: String,
    /// Resource.
    pub resource_id: String,
    /// `<project>:<source>`.
    pub source: String,
    /// Naive UTC.
    pub timestamp: Timestamp,
    /// `recorded_at` as posted (echoed back, not stored).
    pub recorded_at: Option<Timestamp>,
    /// The flattened metadata as posted (echoed back).
    pub flat_metadata: Map<String, Value>,
    /// The metadata with dotted keys nested again (stored).
    pub metadata: Value,
    /// New sample id.
    pub message_id: String,
}

/// Python's type name of a JSON value, as WSME's "Wrong type" names it.
fn python_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

fn shown(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn wrong_type(field: &str, value: &Value, expected: &str) -> ApiError {
    ApiError::invalid_input(
        field,
        &shown(value),
        &format!(
            "Wrong type. Expected '<class '{expected}'>', got '<class '{}'>'",
            python_type(value)
        ),
    )
}

/// A text attribute: absent and null are `None`.
fn text(object: &Map<String, Value>, field: &str) -> Result<Option<String>, ApiError> {
    match object.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(wrong_type(field, other, "str")),
    }
}

fn datetime(object: &Map<String, Value>, field: &str) -> Result<Option<Timestamp>, ApiError> {
    match text(object, field)? {
        None => Ok(None),
        Some(s) if s.is_empty() => Ok(None),
        Some(s) => Timestamp::parse(&s)
            .map(Some)
            .map_err(|e| ApiError::invalid_input(field, &s, &e)),
    }
}

fn volume(value: &Value) -> Result<f64, ApiError> {
    let number = match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    match number {
        Some(v) if v.is_finite() => Ok(v),
        Some(_) => Err(ApiError::invalid_input(
            "counter_volume",
            &shown(value),
            "The volume must be a finite number",
        )),
        None => Err(wrong_type("counter_volume", value, "float")),
    }
}

/// `resource_metadata`: an object of string values (WSME's `{text: text}`).
fn flat_metadata(object: &Map<String, Value>) -> Result<Map<String, Value>, ApiError> {
    match object.get("resource_metadata") {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(map)) => {
            for value in map.values() {
                if !value.is_string() {
                    return Err(wrong_type("resource_metadata", value, "str"));
                }
            }
            // flatten_metadata of a flat dict of strings only rewrites
            // keys with several dots (`a.b.c` → `a.b:c`), as Ceilometer.
            Ok(map
                .iter()
                .map(|(k, v)| (k.replace('.', ":").replacen(':', ".", 1), v.clone()))
                .collect())
        }
        Some(other) => Err(wrong_type("resource_metadata", other, "dict")),
    }
}

/// Ceilometer's `restore_nesting(d, separator='.')`.
pub(crate) fn restore_nesting(flat: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for (key, value) in flat {
        match key.split_once('.') {
            None => {
                out.insert(key.clone(), value.clone());
            }
            Some((top, rest)) => {
                let mut nested = match out.remove(top) {
                    Some(Value::Object(m)) => m,
                    _ => Map::new(),
                };
                nested.insert(rest.to_string(), value.clone());
                out.insert(top.to_string(), Value::Object(restore_nesting(&nested)));
            }
        }
    }
    out
}

/// Validates the body. `caller` gives the default user and project;
/// `limited_to` is a non-admin's project.
pub(crate) fn validate(
    body: &Value,
    meter: &str,
    caller: &Identity,
    limited_to: Option<&str>,
    now: Timestamp,
) -> Result<Vec<NewSample>, ApiError> {
    let Value::Array(items) = body else {
        return Err(ApiError::invalid_input(
            "samples",
            &shown(body),
            "a list of samples is expected",
        ));
    };
    if items.is_empty() {
        return Err(ApiError::bad_request(
            "Samples should be included in request body",
        ));
    }
    // WSME reads the whole body first, then Ceilometer checks each sample.
    let mut objects = Vec::with_capacity(items.len());
    for item in items {
        let Value::Object(object) = item else {
            return Err(wrong_type("samples", item, "dict"));
        };
        let mut unknown: Vec<&str> = object
            .keys()
            .map(String::as_str)
            .filter(|k| !ATTRIBUTES.contains(k))
            .collect();
        if !unknown.is_empty() {
            unknown.sort_unstable();
            let noun = if unknown.len() > 1 {
                "attributes"
            } else {
                "attribute"
            };
            return Err(ApiError::bad_request(format!(
                "Unknown {noun} for argument samples: {}",
                unknown.join(", ")
            )));
        }
        for field in MANDATORY {
            if matches!(object.get(field), None | Some(Value::Null)) {
                return Err(ApiError::invalid_input(
                    field,
                    "None",
                    "Mandatory field missing.",
                ));
            }
        }
        for field in ["source", "counter_name", "counter_type", "counter_unit"] {
            text(object, field)?;
        }
        for field in ["user_id", "project_id", "resource_id", "message_id"] {
            text(object, field)?;
        }
        datetime(object, "timestamp")?;
        datetime(object, "recorded_at")?;
        flat_metadata(object)?;
        objects.push(object);
    }
    let mut out = Vec::with_capacity(objects.len());
    for object in objects {
        let name = text(object, "counter_name")?.unwrap_or_default();
        if name != meter {
            return Err(ApiError::invalid_input(
                "counter_name",
                &name,
                &format!("should be {meter}"),
            ));
        }
        if let Some(id) = text(object, "message_id")?.filter(|id| !id.is_empty()) {
            return Err(ApiError::invalid_input(
                "message_id",
                &id,
                "The message_id must not be set",
            ));
        }
        let kind = text(object, "counter_type")?.unwrap_or_default();
        if !TYPES.contains(&kind.as_str()) {
            return Err(ApiError::invalid_input(
                "counter_type",
                &kind,
                &format!("The counter type must be: {}", TYPES.join(", ")),
            ));
        }
        let or = |value: Option<String>, default: &str| {
            value
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| default.to_string())
        };
        let user_id = or(text(object, "user_id")?, &caller.user_id);
        let project_id = or(text(object, "project_id")?, &caller.project_id);
        let source = format!(
            "{project_id}:{}",
            or(text(object, "source")?, DEFAULT_SOURCE)
        );
        if let Some(own) = limited_to
            && own != project_id
        {
            return Err(ApiError::invalid_input(
                "project_id",
                &project_id,
                "can not post samples to other projects",
            ));
        }
        let flat = flat_metadata(object)?;
        let metadata = Value::Object(restore_nesting(&flat));
        let volume = match object.get("counter_volume") {
            Some(v) => volume(v)?,
            None => {
                return Err(ApiError::invalid_input(
                    "counter_volume",
                    "None",
                    "Mandatory field missing.",
                ));
            }
        };
        out.push(NewSample {
            name,
            kind,
            unit: text(object, "counter_unit")?.unwrap_or_default(),
            volume,
            user_id,
            project_id,
            resource_id: text(object, "resource_id")?.unwrap_or_default(),
            source,
            timestamp: datetime(object, "timestamp")?.unwrap_or(now),
            recorded_at: datetime(object, "recorded_at")?,
            flat_metadata: flat,
            metadata,
            // Time-ordered (UUIDv7), as the polling agent's ids.
            message_id: uuid::Uuid::now_v7().to_string(),
        });
    }
    Ok(out)
}

impl NewSample {
    /// The signed meter message.
    pub(crate) fn message(&self, secret: &str) -> Value {
        let mut message = json!({
            "source": self.source,
            "counter_name": self.name,
            "counter_type": self.kind,
            "counter_unit": self.unit,
            "counter_volume": self.volume,
            "user_id": self.user_id,
            "project_id": self.project_id,
            "resource_id": self.resource_id,
            "timestamp": self.timestamp.to_string(),
            "resource_metadata": self.metadata,
            "message_id": self.message_id,
            "monotonic_time": null,
        });
        // `message` is an object: signing cannot fail.
        let _ = nepho_signing::sign_message(&mut message, secret);
        message
    }

    /// The record to store directly (`direct=true`).
    pub(crate) fn stored(&self, signature: Option<String>) -> StoredSample {
        StoredSample {
            name: self.name.clone(),
            sample_type: self.kind.clone(),
            unit: self.unit.clone(),
            volume: self.volume,
            user_id: Some(self.user_id.clone()),
            project_id: Some(self.project_id.clone()),
            resource_id: self.resource_id.clone(),
            timestamp: self.timestamp.to_string(),
            resource_metadata: (&self.metadata).into(),
            source: self.source.clone(),
            message_id: self.message_id.clone(),
            message_signature: signature,
            recorded_at: None,
            monotonic_time: None,
        }
    }

    /// The sample as the response shows it (`OldSample`).
    pub(crate) fn echo(&self) -> Value {
        let mut out = json!({
            "source": self.source,
            "counter_name": self.name,
            "counter_type": self.kind,
            "counter_unit": self.unit,
            "counter_volume": self.volume,
            "user_id": self.user_id,
            "project_id": self.project_id,
            "resource_id": self.resource_id,
            "timestamp": self.timestamp.to_string(),
            "resource_metadata": self.flat_metadata,
            "message_id": self.message_id,
        });
        if let (Some(at), Value::Object(map)) = (self.recorded_at, &mut out) {
            map.insert("recorded_at".into(), json!(at.to_string()));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller() -> Identity {
        Identity {
            user_id: "u1".into(),
            project_id: "p1".into(),
            roles: vec![],
            user_name: None,
            project_name: None,
        }
    }

    fn one(sample: Value, limited: Option<&str>) -> Result<NewSample, ApiError> {
        validate(&json!([sample]), "cpu", &caller(), limited, Timestamp(0)).map(|mut v| v.remove(0))
    }

    #[test]
    fn defaults_source_and_nesting_as_ceilometer() {
        let s = one(
            json!({"counter_name": "cpu", "counter_type": "gauge", "counter_unit": "%",
                   "counter_volume": "3.5", "resource_id": "r1",
                   "resource_metadata": {"a.b": "c", "x": "y", "d.e.f": "g"}}),
            Some("p1"),
        )
        .expect("valid");
        assert_eq!((s.user_id.as_str(), s.project_id.as_str()), ("u1", "p1"));
        assert_eq!(s.source, "p1:openstack");
        assert_eq!(s.volume, 3.5);
        assert_eq!(s.timestamp, Timestamp(0), "now");
        assert_eq!(
            s.metadata,
            json!({"a": {"b": "c"}, "x": "y", "d": {"e:f": "g"}})
        );
        let message = s.message("secret");
        assert!(nepho_signing::verify_signature(&message, "secret"));
        assert_eq!(message["counter_volume"], json!(3.5));
        assert_eq!(message["timestamp"], "1970-01-01T00:00:00");
        assert_eq!(message["source"], "p1:openstack");
    }

    #[test]
    fn each_rule_names_its_field() {
        let base = json!({"counter_name": "cpu", "counter_type": "gauge", "counter_unit": "%",
                          "counter_volume": 1, "resource_id": "r1"});
        let with = |k: &str, v: Value| {
            let mut s = base.clone();
            s[k] = v;
            s
        };
        let cases = [
            (
                with("counter_name", json!("mem")),
                None,
                "field/attribute counter_name. Value: 'mem'. should be cpu",
            ),
            (
                with("message_id", json!("m")),
                None,
                "The message_id must not be set",
            ),
            (
                with("counter_type", json!("rate")),
                None,
                "The counter type must be: gauge, delta, cumulative",
            ),
            (
                with("counter_volume", json!("lots")),
                None,
                "field/attribute counter_volume. Value: 'lots'. Wrong type",
            ),
            (with("counter_volume", json!(true)), None, "counter_volume"),
            (
                with("resource_id", json!(5)),
                None,
                "resource_id. Value: '5'. Wrong type. Expected '<class 'str'>', got '<class 'int'>'",
            ),
            (
                with("timestamp", json!("noon")),
                None,
                "field/attribute timestamp. Value: 'noon'",
            ),
            (
                with("resource_metadata", json!({"a": 1})),
                None,
                "resource_metadata",
            ),
            (
                with("resource_metadata", json!("a")),
                None,
                "Expected '<class 'dict'>'",
            ),
            (
                with("project_id", json!("p2")),
                Some("p1"),
                "field/attribute project_id. Value: 'p2'. can not post samples to other projects",
            ),
            (
                with("colour", json!("red")),
                None,
                "Unknown attribute for argument samples: colour",
            ),
            (
                with("counter_unit", Value::Null),
                None,
                "counter_unit. Value: 'None'. Mandatory field missing.",
            ),
        ];
        for (sample, limited, expected) in cases {
            let e = one(sample.clone(), limited).expect_err("refused");
            assert_eq!(e.status, 400, "{sample}");
            assert!(e.message.contains(expected), "{sample}: {}", e.message);
        }
        // An admin may post to another project.
        assert!(one(with("project_id", json!("p2")), None).is_ok());
        let e = validate(&json!([]), "cpu", &caller(), None, Timestamp(0))
            .err()
            .unwrap();
        assert_eq!(e.message, "Samples should be included in request body");
        let e = validate(&json!({"a": 1}), "cpu", &caller(), None, Timestamp(0))
            .err()
            .unwrap();
        assert!(
            e.message.contains("field/attribute samples"),
            "{}",
            e.message
        );
    }
}
