//! Stored records in the JSON shapes of Ceilometer's v2 API (WSME types
//! `OldSample`, `Sample`, `Meter`, `Resource`, `Statistics`, `Event`,
//! `Trait`). Timestamps are naive UTC `isoformat()`; metadata is flattened
//! to string values as `flatten_metadata`.

use base64::Engine as _;
use nepho_storage::{Event, Meter, Resource, Sample, Trait, TraitValue};
use serde_json::{Map, Value, json};

/// Python's `str()` of a JSON leaf, as Ceilometer renders metadata values
/// (`None`, `True`, `1.5`, lists as their `repr`). Computed by the signing
/// code, which must render values exactly so.
fn py_str(value: &Value) -> String {
    nepho_signing::hmac_input_pairs(&json!({ "v": value }))
        .pop()
        .map(|(_, text)| text)
        .unwrap_or_default()
}

/// Ceilometer's `flatten_metadata`: nested keys joined with `.` after the
/// first level and `:` below it (`{"a": {"b": {"c": 1}}}` gives `a.b:c`),
/// every value its Python `str()`.
pub(crate) fn flatten_metadata(metadata: &Value) -> Map<String, Value> {
    let mut out = Map::new();
    let Value::Object(top) = metadata else {
        return out;
    };
    let mut pairs = nepho_signing::hmac_input_pairs(metadata);
    // The signing pairs leave out a top-level `message_signature`; metadata keeps it.
    if let Some(value) = top.get(nepho_signing::SIGNATURE_KEY)
        && !value.is_object()
    {
        pairs.push((nepho_signing::SIGNATURE_KEY.to_string(), py_str(value)));
    }
    for (name, text) in pairs {
        let colons = name.replace('.', ":");
        let key = colons.replacen(':', ".", 1);
        out.insert(key, Value::String(text));
    }
    out
}

/// A sample in the old format (`GET /v2/meters/{name}`).
pub(crate) fn old_sample(s: &Sample) -> Value {
    json!({
        "source": s.source,
        "counter_name": s.name,
        "counter_type": s.sample_type,
        "counter_unit": s.unit,
        "counter_volume": s.volume,
        "user_id": s.user_id,
        "project_id": s.project_id,
        "resource_id": s.resource_id,
        "timestamp": s.timestamp.to_string(),
        "recorded_at": s.recorded_at.to_string(),
        "resource_metadata": flatten_metadata(&s.resource_metadata),
        "message_id": s.message_id,
    })
}

/// A sample (`GET /v2/samples`, complex queries).
pub(crate) fn sample(s: &Sample) -> Value {
    json!({
        "id": s.message_id,
        "meter": s.name,
        "type": s.sample_type,
        "unit": s.unit,
        "volume": s.volume,
        "user_id": s.user_id,
        "project_id": s.project_id,
        "resource_id": s.resource_id,
        "source": s.source,
        "timestamp": s.timestamp.to_string(),
        "recorded_at": s.recorded_at.to_string(),
        "metadata": flatten_metadata(&s.resource_metadata),
    })
}

/// Ceilometer's `meter_id`: base64 of `<resource_id>+<name>` (with Python's
/// `None` for the unique listing, which has no resource).
fn meter_id(resource_id: Option<&str>, name: &str) -> String {
    base64::engine::general_purpose::STANDARD
        .encode(format!("{}+{name}", resource_id.unwrap_or("None")))
}

/// A meter; `unique` leaves resource, project, user and source null.
pub(crate) fn meter(m: &Meter, unique: bool) -> Value {
    if unique {
        return json!({
            "name": m.name,
            "type": m.sample_type,
            "unit": m.unit,
            "resource_id": null,
            "project_id": null,
            "user_id": null,
            "source": null,
            "meter_id": meter_id(None, &m.name),
        });
    }
    json!({
        "name": m.name,
        "type": m.sample_type,
        "unit": m.unit,
        "resource_id": m.resource_id,
        "project_id": m.project_id,
        "user_id": m.user_id,
        "source": m.source,
        "meter_id": meter_id(Some(&m.resource_id), &m.name),
    })
}

/// A link of a resource.
pub(crate) fn link(rel: &str, href: String) -> Value {
    json!({ "href": href, "rel": rel })
}

/// A resource with its links.
pub(crate) fn resource(r: &Resource, links: Vec<Value>) -> Value {
    json!({
        "resource_id": r.resource_id,
        "project_id": r.project_id,
        "user_id": r.user_id,
        "first_sample_timestamp": r.first_sample_timestamp.to_string(),
        "last_sample_timestamp": r.last_sample_timestamp.to_string(),
        "metadata": flatten_metadata(&r.metadata),
        "links": links,
        "source": r.source,
    })
}

/// A trait with its value as text (datetimes in `isoformat()`).
pub(crate) fn trait_value(t: &Trait) -> Value {
    let value = match &t.value {
        TraitValue::Text(s) => s.clone(),
        TraitValue::Int(i) => i.to_string(),
        TraitValue::Float(f) => py_str(&json!(f)),
        TraitValue::Datetime(d) => d.clone(),
    };
    json!({ "name": t.name, "type": t.value.type_name(), "value": value })
}

/// An event.
pub(crate) fn event(e: &Event) -> Value {
    json!({
        "message_id": e.message_id,
        "event_type": e.event_type,
        "generated": e.generated.to_string(),
        "traits": e.traits.iter().map(trait_value).collect::<Vec<_>>(),
        "raw": e.raw,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_flattens_as_ceilometer() {
        let flat = flatten_metadata(&json!({
            "a": {"b": {"c": 1}},
            "flavor": {"name": "m1.tiny", "ram": 512.0},
            "ok": true,
            "none": null,
            "tags": ["x"],
            "dotted.key": "v",
            "message_signature": "kept",
        }));
        assert_eq!(
            Value::Object(flat),
            json!({
                "a.b:c": "1",
                "flavor.name": "m1.tiny",
                "flavor.ram": "512.0",
                "ok": "True",
                "none": "None",
                "tags": "[b'x']",
                "dotted.key": "v",
                "message_signature": "kept",
            })
        );
        assert!(flatten_metadata(&json!(null)).is_empty());
    }

    #[test]
    fn meter_ids_are_base64_of_resource_and_name() {
        assert_eq!(meter_id(Some("r1"), "cpu"), "cjErY3B1");
        assert_eq!(meter_id(None, "cpu"), "Tm9uZStjcHU=");
    }
}
