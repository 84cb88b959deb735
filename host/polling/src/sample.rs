//! A polled sample made complete by the agent, and its signed meter message.

use serde_json::{Map, Number, Value};

use crate::{PolledSample, SampleType};

/// A sample as the agent sends it: what the pollster read, plus the
/// cycle's timestamp, a sample id and the source.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// The meter name.
    pub name: String,
    /// Gauge, delta or cumulative.
    pub sample_type: SampleType,
    /// The unit.
    pub unit: String,
    /// The value.
    pub volume: f64,
    /// The owning user, if known.
    pub user_id: Option<String>,
    /// The owning project, if known.
    pub project_id: Option<String>,
    /// The resource.
    pub resource_id: String,
    /// The cycle's timestamp, naive UTC ISO 8601 (`utcnow().isoformat()`).
    pub timestamp: String,
    /// `resource_metadata`.
    pub resource_metadata: Map<String, Value>,
    /// `source` (`openstack`, `hardware`).
    pub source: String,
    /// The sample id (`message_id`): a random (version 4) UUID.
    pub id: String,
    /// When the value was read, in seconds of a monotonic clock.
    pub monotonic_time: Option<f64>,
}

impl Sample {
    /// Completes a polled sample with the cycle's timestamp and a new id.
    pub fn from_polled(polled: PolledSample, timestamp: &str, source: &str) -> Sample {
        Sample {
            name: polled.name,
            sample_type: polled.sample_type,
            unit: polled.unit,
            volume: polled.volume,
            user_id: polled.user_id,
            project_id: polled.project_id,
            resource_id: polled.resource_id,
            timestamp: timestamp.to_owned(),
            resource_metadata: polled.resource_metadata,
            source: source.to_owned(),
            // Time-ordered (UUIDv7): new ids land at the end of the
            // storage's unique index, not all over it.
            id: uuid::Uuid::now_v7().to_string(),
            monotonic_time: polled.monotonic_time,
        }
    }

    /// Ceilometer's `meter_message_from_counter`: the wire form, signed with
    /// `secret` (`message_signature`; empty when the secret is empty).
    pub fn meter_message(&self, secret: &str) -> Value {
        self.clone().into_meter_message(secret)
    }

    /// [`Sample::meter_message`], moving the sample's fields into the message.
    pub fn into_meter_message(self, secret: &str) -> Value {
        let text = |s: Option<String>| s.map_or(Value::Null, Value::String);
        let mut m = Map::new();
        m.insert("source".into(), Value::String(self.source));
        m.insert("counter_name".into(), Value::String(self.name));
        m.insert(
            "counter_type".into(),
            Value::String(self.sample_type.as_str().to_owned()),
        );
        m.insert("counter_unit".into(), Value::String(self.unit));
        m.insert("counter_volume".into(), volume_json(self.volume));
        m.insert("user_id".into(), text(self.user_id));
        m.insert("user_name".into(), Value::Null);
        m.insert("project_id".into(), text(self.project_id));
        m.insert("project_name".into(), Value::Null);
        m.insert("resource_id".into(), Value::String(self.resource_id));
        m.insert("timestamp".into(), Value::String(self.timestamp));
        m.insert(
            "resource_metadata".into(),
            Value::Object(self.resource_metadata),
        );
        m.insert("message_id".into(), Value::String(self.id));
        m.insert(
            "monotonic_time".into(),
            self.monotonic_time
                .and_then(Number::from_f64)
                .map_or(Value::Null, Value::Number),
        );
        let mut message = Value::Object(m);
        // The message is an object, so signing cannot fail.
        let _ = nepho_signing::sign_message(&mut message, secret);
        message
    }
}

/// A volume as JSON: integral values within ±2^53 as integers (Ceilometer's
/// counters are Python ints), others as floats; a non-finite value as null.
pub(crate) fn volume_json(volume: f64) -> Value {
    const EXACT: f64 = 9_007_199_254_740_992.0;
    if volume.fract() == 0.0 && volume.abs() <= EXACT {
        // In range and integral: the conversion is exact.
        #[allow(clippy::cast_possible_truncation)]
        return Value::from(volume as i64);
    }
    Number::from_f64(volume).map_or(Value::Null, Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn polled() -> PolledSample {
        PolledSample {
            name: "cpu".into(),
            sample_type: SampleType::Cumulative,
            unit: "ns".into(),
            volume: 1_500_000_000.0,
            user_id: Some("u".into()),
            project_id: None,
            resource_id: "r".into(),
            resource_metadata: serde_json::json!({"cpu_number": 2})
                .as_object()
                .cloned()
                .unwrap_or_default(),
            monotonic_time: Some(12.5),
        }
    }

    #[test]
    fn the_meter_message_has_ceilometers_fields_and_a_valid_signature() {
        let s = Sample::from_polled(polled(), "2024-01-01T00:00:00", "openstack");
        let m = s.meter_message("secret");
        assert_eq!(m["counter_name"], "cpu");
        assert_eq!(m["counter_type"], "cumulative");
        assert_eq!(m["counter_volume"], serde_json::json!(1_500_000_000_i64));
        assert_eq!(m["user_id"], "u");
        assert_eq!(m["project_id"], Value::Null);
        assert_eq!(m["timestamp"], "2024-01-01T00:00:00");
        assert_eq!(m["monotonic_time"], 12.5);
        assert_eq!(m["resource_metadata"]["cpu_number"], 2);
        assert_eq!(m["message_id"], s.id.as_str());
        assert!(nepho_signing::verify_signature(&m, "secret"));
        assert!(!nepho_signing::verify_signature(&m, "other"));
    }

    #[test]
    fn ids_are_unique_and_volumes_keep_their_fraction() {
        let a = Sample::from_polled(polled(), "t", "openstack");
        let b = Sample::from_polled(polled(), "t", "openstack");
        assert_ne!(a.id, b.id);
        assert_eq!(volume_json(2048.5), serde_json::json!(2048.5));
        assert_eq!(volume_json(-3.0), serde_json::json!(-3));
        assert_eq!(volume_json(f64::NAN), Value::Null);
    }
}
