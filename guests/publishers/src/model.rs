//! Samples and events with owned fields, and the dictionaries Ceilometer
//! builds from them: `Sample.as_dict()`, `Event.serialize()`, the signed
//! meter message and the signed event message.
//!
//! Shapes are Ceilometer master's (27.0.0 and later): `as_dict()` and meter
//! messages carry `user_name` and `project_name`, which are always `None`
//! here as the contract's samples have no names.

use serde_json::{Map, Number, Value};

/// Ceilometer's three meter types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeterType {
    /// `gauge`.
    Gauge,
    /// `delta`.
    Delta,
    /// `cumulative`.
    Cumulative,
}

impl MeterType {
    /// Ceilometer's name of the type.
    pub fn as_str(self) -> &'static str {
        match self {
            MeterType::Gauge => "gauge",
            MeterType::Delta => "delta",
            MeterType::Cumulative => "cumulative",
        }
    }
}

/// One sample, as a publisher sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Meter name.
    pub name: String,
    /// Meter type.
    pub meter_type: MeterType,
    /// Unit.
    pub unit: String,
    /// Value. The contract carries a float, so it renders as a Python float
    /// (`1.0`), never as an int.
    pub volume: f64,
    /// User id.
    pub user_id: Option<String>,
    /// Project id.
    pub project_id: Option<String>,
    /// Resource id.
    pub resource_id: String,
    /// Timestamp, as written by the producer.
    pub timestamp: String,
    /// Resource metadata (a JSON object, in its original key order).
    pub resource_metadata: Value,
    /// Source.
    pub source: String,
    /// Sample id.
    pub id: String,
    /// Monotonic time in seconds.
    pub monotonic_time: Option<f64>,
}

/// A float as a JSON number; `null` for NaN and infinities, which JSON
/// cannot carry (see [`finite_samples`]).
pub fn float(value: f64) -> Value {
    Number::from_f64(value).map_or(Value::Null, Value::Number)
}

fn opt_str(value: Option<&str>) -> Value {
    value.map_or(Value::Null, |s| Value::String(s.to_owned()))
}

fn string(value: &str) -> Value {
    Value::String(value.to_owned())
}

impl Sample {
    /// Ceilometer master's `sample.as_dict()`, in its key order.
    pub fn as_dict(&self) -> Value {
        let mut map = Map::new();
        map.insert("name".into(), string(&self.name));
        map.insert("type".into(), string(self.meter_type.as_str()));
        map.insert("unit".into(), string(&self.unit));
        map.insert("volume".into(), float(self.volume));
        map.insert("user_id".into(), opt_str(self.user_id.as_deref()));
        map.insert("user_name".into(), Value::Null);
        map.insert("project_id".into(), opt_str(self.project_id.as_deref()));
        map.insert("project_name".into(), Value::Null);
        map.insert("resource_id".into(), string(&self.resource_id));
        map.insert("timestamp".into(), string(&self.timestamp));
        map.insert("resource_metadata".into(), self.resource_metadata.clone());
        map.insert("source".into(), string(&self.source));
        map.insert("id".into(), string(&self.id));
        map.insert(
            "monotonic_time".into(),
            self.monotonic_time.map_or(Value::Null, float),
        );
        Value::Object(map)
    }

    /// Ceilometer master's `meter_message_from_counter(sample, secret)`: the
    /// wire meter message, signed (`message_signature` last).
    pub fn meter_message(&self, secret: &str) -> Value {
        let mut map = Map::new();
        map.insert("source".into(), string(&self.source));
        map.insert("counter_name".into(), string(&self.name));
        map.insert("counter_type".into(), string(self.meter_type.as_str()));
        map.insert("counter_unit".into(), string(&self.unit));
        map.insert("counter_volume".into(), float(self.volume));
        map.insert("user_id".into(), opt_str(self.user_id.as_deref()));
        map.insert("user_name".into(), Value::Null);
        map.insert("project_id".into(), opt_str(self.project_id.as_deref()));
        map.insert("project_name".into(), Value::Null);
        map.insert("resource_id".into(), string(&self.resource_id));
        map.insert("timestamp".into(), string(&self.timestamp));
        map.insert("resource_metadata".into(), self.resource_metadata.clone());
        map.insert("message_id".into(), string(&self.id));
        map.insert(
            "monotonic_time".into(),
            self.monotonic_time.map_or(Value::Null, float),
        );
        let mut message = Value::Object(map);
        // Cannot fail: the message is an object.
        let _ = nepho_signing::sign_message(&mut message, secret);
        message
    }
}

/// The samples whose volume JSON can carry, and a warning for each other.
pub fn finite_samples<'a>(samples: &'a [Sample], warnings: &mut Vec<String>) -> Vec<&'a Sample> {
    samples
        .iter()
        .filter(|s| {
            let ok = s.volume.is_finite();
            if !ok {
                warnings.push(format!(
                    "Dropping sample {} of resource {}: volume {} cannot be encoded",
                    s.name, s.resource_id, s.volume
                ));
            }
            ok
        })
        .collect()
}

/// The value of an event trait.
#[derive(Debug, Clone, PartialEq)]
pub enum TraitValue {
    /// Text (dtype 1).
    Text(String),
    /// Integer (dtype 2).
    Int(i64),
    /// Float (dtype 3).
    Float(f64),
    /// Date and time as an ISO 8601 string (dtype 4).
    Datetime(String),
}

impl TraitValue {
    /// Ceilometer's trait type number.
    pub fn dtype(&self) -> i64 {
        match self {
            TraitValue::Text(_) => 1,
            TraitValue::Int(_) => 2,
            TraitValue::Float(_) => 3,
            TraitValue::Datetime(_) => 4,
        }
    }

    /// The value as `serialize()` gives it (datetimes as their ISO text).
    pub fn to_json(&self) -> Value {
        match self {
            TraitValue::Text(s) | TraitValue::Datetime(s) => string(s),
            TraitValue::Int(i) => Value::from(*i),
            TraitValue::Float(f) => float(*f),
        }
    }
}

/// One trait of an event.
#[derive(Debug, Clone, PartialEq)]
pub struct Trait {
    /// Name.
    pub name: String,
    /// Value.
    pub value: TraitValue,
}

/// One event, as a publisher sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The notification's message id.
    pub message_id: String,
    /// Event type.
    pub event_type: String,
    /// When the event was generated (ISO 8601, naive UTC).
    pub generated: String,
    /// Traits, in order.
    pub traits: Vec<Trait>,
    /// The raw notification, `{}` when not kept.
    pub raw: Value,
}

impl Event {
    /// Ceilometer's `event.serialize()`: traits as `[name, dtype, value]`.
    pub fn serialize(&self) -> Value {
        let traits = self
            .traits
            .iter()
            .map(|t| {
                Value::Array(vec![
                    string(&t.name),
                    Value::from(t.value.dtype()),
                    t.value.to_json(),
                ])
            })
            .collect();
        let mut map = Map::new();
        map.insert("message_id".into(), string(&self.message_id));
        map.insert("event_type".into(), string(&self.event_type));
        map.insert("generated".into(), string(&self.generated));
        map.insert("traits".into(), Value::Array(traits));
        map.insert("raw".into(), self.raw.clone());
        Value::Object(map)
    }

    /// Ceilometer's `message_from_event(event, secret)`: the serialized
    /// event with its `message_signature`.
    pub fn signed_message(&self, secret: &str) -> Value {
        let mut message = self.serialize();
        let _ = nepho_signing::sign_message(&mut message, secret);
        message
    }
}

#[cfg(test)]
mod tests;
