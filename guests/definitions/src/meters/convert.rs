//! Ceilometer's `MeterDefinition.to_samples` and `Sample.from_notification`:
//! one notification through one definition.

use std::borrow::Cow;
use std::cell::OnceCell;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::definition::{Dialect, MeterDefinition};
use super::user_metadata::add_reserved_user_metadata;
use crate::events::python::truthy;

/// A sample as Ceilometer's conversion builds it, before the pipeline's
/// volume check. Values keep their JSON types, as in Ceilometer's dict.
#[derive(Debug, Clone, PartialEq)]
pub struct MeterSample {
    /// Meter name.
    pub name: Value,
    /// Meter type.
    pub meter_type: Value,
    /// Unit.
    pub unit: Value,
    /// Volume: possibly null or not a number (the pipeline drops those).
    pub volume: Value,
    /// User id or null.
    pub user_id: Value,
    /// Project id or null.
    pub project_id: Value,
    /// Resource id or null.
    pub resource_id: Value,
    /// The timestamp as Ceilometer serialises it.
    pub timestamp: String,
    /// Resource metadata (a JSON object), shared by the samples of a
    /// notification that have the same metadata.
    pub resource_metadata: Arc<Value>,
}

/// Everything a conversion reports besides its samples.
pub type Warnings = Vec<String>;

/// The attribute values of the samples being built: one value per attribute,
/// or one list per attribute with `lookup`.
struct Draft<'a> {
    name: Vec<Cow<'a, Value>>,
    meter_type: Vec<Cow<'a, Value>>,
    volume: Vec<Cow<'a, Value>>,
    unit: Vec<Cow<'a, Value>>,
    timestamp: Vec<Cow<'a, Value>>,
    user_id: Vec<Cow<'a, Value>>,
    project_id: Vec<Cow<'a, Value>>,
    resource_id: Vec<Cow<'a, Value>>,
}

impl<'a> Draft<'a> {
    fn slot(&mut self, attribute: &str) -> Option<&mut Vec<Cow<'a, Value>>> {
        Some(match attribute {
            "name" => &mut self.name,
            "type" => &mut self.meter_type,
            "volume" => &mut self.volume,
            "unit" => &mut self.unit,
            "timestamp" => &mut self.timestamp,
            "user_id" => &mut self.user_id,
            "project_id" => &mut self.project_id,
            "resource_id" => &mut self.resource_id,
            _ => return None,
        })
    }
}

fn single(values: Vec<Cow<'_, Value>>) -> Cow<'_, Value> {
    values.into_iter().next().unwrap_or(Cow::Owned(Value::Null))
}

fn text(value: &str) -> Cow<'static, Value> {
    Cow::Owned(Value::String(value.to_owned()))
}

impl MeterDefinition {
    /// Converts `notification` (which this definition matched) into samples,
    /// appending warnings. `defaults` holds the notification's default
    /// metadata, computed once for all definitions that need it. An error means the notification cannot be
    /// converted at all (an unparseable timestamp).
    pub fn to_samples(
        &self,
        notification: &Value,
        defaults: &OnceCell<Arc<Value>>,
        warnings: &mut Warnings,
    ) -> Result<Vec<MeterSample>, String> {
        let lookup = !self.lookup.is_empty();
        let mut metadata = Map::new();
        for (key, spec) in &self.metadata {
            let parsed = spec.parse(notification, false);
            warnings.extend(parsed.warning);
            if let Some(value) = parsed.values.into_iter().next().filter(|v| truthy(v)) {
                metadata.insert(key.clone(), value.into_owned());
            }
        }
        if let Some(spec) = &self.user_metadata {
            let parsed = spec.parse(notification, false);
            warnings.extend(parsed.warning);
            if let Some(Value::Object(source)) = parsed.values.first().map(|v| v.as_ref()) {
                add_reserved_user_metadata(source, &mut metadata);
            }
        }
        let user = self.fallback_user_id.parse(notification, false);
        let project = self.fallback_project_id.parse(notification, false);
        let mut draft = Draft {
            name: vec![text(&self.name)],
            meter_type: vec![text(&self.meter_type)],
            volume: vec![Cow::Owned(Value::Null)],
            unit: vec![text(&self.unit)],
            timestamp: vec![Cow::Owned(Value::Null)],
            user_id: vec![single(user.values)],
            project_id: vec![single(project.values)],
            resource_id: vec![Cow::Owned(Value::Null)],
        };
        for (attribute, spec) in &self.attributes {
            let parsed = spec.parse(notification, lookup);
            warnings.extend(parsed.warning);
            let keep = if lookup {
                self.lookup.iter().any(|l| l == attribute)
                    || *attribute == "name"
                    || !parsed.values.is_empty()
            } else {
                !parsed.values.is_empty() && !parsed.values[0].is_null()
            };
            if keep && let Some(slot) = draft.slot(attribute) {
                *slot = parsed.values;
            }
        }
        let metadata = if metadata.is_empty() {
            Arc::clone(defaults.get_or_init(|| Arc::new(default_metadata(notification))))
        } else {
            Arc::new(Value::Object(metadata))
        };
        if !lookup {
            let sample = self.finish(
                notification,
                [
                    draft.name,
                    draft.meter_type,
                    draft.volume,
                    draft.unit,
                    draft.timestamp,
                    draft.user_id,
                    draft.project_id,
                    draft.resource_id,
                ]
                .map(single),
                &metadata,
            )?;
            return Ok(vec![sample]);
        }
        let count = draft.name.len();
        if count == 0 {
            return Ok(Vec::new());
        }
        let columns = [
            ("name", draft.name),
            ("type", draft.meter_type),
            ("volume", draft.volume),
            ("unit", draft.unit),
            ("timestamp", draft.timestamp),
            ("user_id", draft.user_id),
            ("project_id", draft.project_id),
            ("resource_id", draft.resource_id),
        ];
        for (attribute, values) in &columns {
            let n = values.len();
            let repeatable = n == 1 && !self.lookup.iter().any(|l| l == attribute);
            if n != count && !repeatable {
                let fetched = if n == 1 && values[0].is_null() { 0 } else { n };
                warnings.push(format!(
                    "Only {fetched} fetched meters contain \"{attribute}\" field instead of {count}."
                ));
                return Ok(Vec::new());
            }
        }
        let pick = |values: &Vec<Cow<'_, Value>>, i: usize| -> Cow<'static, Value> {
            let value = if values.len() == 1 {
                &values[0]
            } else {
                &values[i]
            };
            Cow::Owned(value.as_ref().clone())
        };
        let mut samples = Vec::with_capacity(count);
        for i in 0..count {
            let row = [0, 1, 2, 3, 4, 5, 6, 7].map(|c| pick(&columns[c].1, i));
            samples.push(self.finish(notification, row, &metadata)?);
        }
        Ok(samples)
    }

    /// `Sample.from_notification`: metadata defaulting and the timestamp.
    fn finish(
        &self,
        notification: &Value,
        row: [Cow<'_, Value>; 8],
        metadata: &Arc<Value>,
    ) -> Result<MeterSample, String> {
        let [
            name,
            meter_type,
            volume,
            unit,
            timestamp,
            user_id,
            project_id,
            resource_id,
        ] = row;
        let resource_metadata = Arc::clone(metadata);
        let timestamp = if truthy(&timestamp) {
            timestamp.into_owned()
        } else {
            match self.dialect {
                Dialect::Current => notification
                    .pointer("/metadata/timestamp")
                    .cloned()
                    .unwrap_or(Value::Null),
                Dialect::Mitaka => notification
                    .get("timestamp")
                    .cloned()
                    .unwrap_or(Value::Null),
            }
        };
        let timestamp = match self.dialect {
            Dialect::Current => crate::timeutil::isotime_of(&timestamp)?,
            Dialect::Mitaka => super::field::python_str(&timestamp),
        };
        Ok(MeterSample {
            name: name.into_owned(),
            meter_type: meter_type.into_owned(),
            unit: unit.into_owned(),
            volume: volume.into_owned(),
            user_id: user_id.into_owned(),
            project_id: project_id.into_owned(),
            resource_id: resource_id.into_owned(),
            timestamp,
            resource_metadata,
        })
    }
}

/// Without configured metadata, the payload (if an object) plus `event_type`
/// and `host` (the publisher id).
fn default_metadata(notification: &Value) -> Value {
    let mut metadata = match notification.get("payload") {
        Some(Value::Object(payload)) => payload.clone(),
        _ => Map::new(),
    };
    metadata.insert(
        "event_type".into(),
        notification
            .get("event_type")
            .cloned()
            .unwrap_or(Value::Null),
    );
    metadata.insert(
        "host".into(),
        notification
            .get("publisher_id")
            .cloned()
            .unwrap_or(Value::Null),
    );
    Value::Object(metadata)
}
