//! Ceilometer's event converter (`event_definitions.yaml`): notifications
//! become events with typed traits.
//!
//! A definitions file is a list of `{event_type: glob | [globs], traits:
//! {name: spec}}`. Globs starting with `!` exclude (only exclusions means
//! "everything else"). The LAST definition in the file that matches wins, so
//! YAML merges (`<<: *instance_traits`) can specialise earlier ones. Unless
//! unmatched notifications are dropped, a catch-all with only the default
//! traits handles the rest.

mod definition;
pub(crate) mod glob;
pub mod python;
mod traits;
mod yaml;

#[cfg(test)]
mod conformance_tests;
#[cfg(test)]
mod tests;

use std::borrow::Cow;

use serde_json::{Map, Value, json};

pub use definition::EventDefinition;
pub use glob::Glob;
pub use traits::{TEXT_LIMIT, TraitDefinition, TraitType};

use crate::envelope;
use crate::source::{DefinitionFile, item_lines};
use traits::PathCache;
use yaml::Node;

/// The `[event]` options that change conversion.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventOptions {
    /// `drop_unmatched_notifications`: no catch-all definition is added.
    pub drop_unmatched: bool,
    /// `store_raw`: the priorities (`info`, `error`, ...) whose events keep
    /// the whole notification in `raw`. Compared case-insensitively.
    pub store_raw: Vec<String>,
}

/// Something found while loading definitions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadWarning {
    /// The file.
    pub file: String,
    /// The line where the definition starts (or where YAML broke; 1 if unknown).
    pub line: usize,
    /// The definition's 0-based position in the file's list, if about one.
    pub index: Option<usize>,
    /// The definition's `event_type` as written, if about one that has it.
    pub event_type: Option<String>,
    /// What is wrong.
    pub message: String,
    /// Whether the definition (or the whole file) was left out.
    pub skipped: bool,
}

impl std::fmt::Display for LoadWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: ", self.file, self.line)?;
        if let Some(index) = self.index {
            write!(f, "event definition #{index}")?;
            if let Some(event_type) = &self.event_type {
                write!(f, " (event_type {event_type})")?;
            }
            f.write_str(": ")?;
        }
        f.write_str(&self.message)?;
        if self.skipped {
            f.write_str(if self.index.is_some() {
                " (definition skipped)"
            } else {
                " (file skipped)"
            })?;
        }
        Ok(())
    }
}

/// A trait's value.
#[derive(Debug, Clone, PartialEq)]
pub enum TraitValue {
    /// Text (dtype 1, or 0 for the `none` type), at most 255 characters.
    Text(String),
    /// An integer (dtype 2).
    Int(i64),
    /// A float (dtype 3).
    Float(f64),
    /// A naive UTC date and time in ISO 8601 (dtype 4), as Python's
    /// `isoformat()` prints it: `2012-05-08T20:23:47.985999`.
    Datetime(String),
}

impl TraitValue {
    /// The value as JSON (a non-finite float becomes null).
    pub fn to_json(&self) -> Value {
        match self {
            TraitValue::Text(s) | TraitValue::Datetime(s) => Value::String(s.clone()),
            TraitValue::Int(i) => Value::from(*i),
            TraitValue::Float(f) => {
                serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number)
            }
        }
    }
}

/// One trait of an event.
#[derive(Debug, Clone, PartialEq)]
pub struct Trait {
    /// The trait's name.
    pub name: String,
    /// Ceilometer's type number: 1 text, 2 int, 3 float, 4 datetime (0 none).
    pub dtype: u8,
    /// The value.
    pub value: TraitValue,
}

/// An event (Ceilometer's `models.Event`).
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The notification's message id.
    pub message_id: String,
    /// The notification's event type.
    pub event_type: String,
    /// When the notification was sent: naive UTC ISO 8601.
    pub generated: String,
    /// The traits, in Ceilometer's order (the default traits first, then the
    /// definition's own in file order).
    pub traits: Vec<Trait>,
    /// The whole notification, as received, when its priority is stored raw.
    pub raw: Option<Value>,
}

impl Event {
    /// Ceilometer's `Event.serialize()`: `{message_id, event_type, generated,
    /// traits: [[name, dtype, value], ...], raw}` (`raw` is `{}` when not kept).
    pub fn serialize(&self) -> Value {
        let traits: Vec<Value> = self
            .traits
            .iter()
            .map(|t| json!([t.name, t.dtype, t.value.to_json()]))
            .collect();
        json!({
            "message_id": self.message_id,
            "event_type": self.event_type,
            "generated": self.generated,
            "traits": traits,
            "raw": self.raw.clone().unwrap_or_else(|| Value::Object(Map::new())),
        })
    }
}

/// The definitions listed in one file, or why the file is skipped.
fn parse_file(file: &DefinitionFile) -> Result<Vec<Node>, LoadWarning> {
    let skipped = |line: usize, message: String| LoadWarning {
        file: file.name.clone(),
        line,
        index: None,
        event_type: None,
        message,
        skipped: true,
    };
    match Node::parse(&file.text) {
        Ok(Node::Seq(items)) => Ok(items),
        Ok(Node::Null) => Ok(Vec::new()),
        Ok(other) => {
            let kind = python::type_name(&other.to_json());
            Err(skipped(
                1,
                format!("the file must hold a list of definitions, not a {kind}"),
            ))
        }
        Err((line, message)) => Err(skipped(line, message)),
    }
}

/// Every loaded event definition, in matching order.
#[derive(Debug, Clone, Default)]
pub struct EventDefinitions {
    /// Reversed file order (the last definition is tried first), then the
    /// implicit catch-all if any.
    definitions: Vec<EventDefinition>,
    store_raw: Vec<String>,
}

impl EventDefinitions {
    /// Loads definition files in order; definitions of later files take
    /// precedence, like later definitions within a file. A broken definition
    /// is reported (file, line, position, event_type) and left out; the
    /// others still load. A file that is not YAML or not a list is skipped.
    pub fn load(
        files: &[DefinitionFile],
        options: &EventOptions,
    ) -> (EventDefinitions, Vec<LoadWarning>) {
        let mut in_file_order = Vec::new();
        let mut warnings = Vec::new();
        let mut cache = PathCache::new();
        for file in files {
            let items = match parse_file(file) {
                Ok(items) => items,
                Err(warning) => {
                    warnings.push(warning);
                    continue;
                }
            };
            let lines = item_lines(&file.text, items.len());
            for (index, item) in items.iter().enumerate() {
                let warning = |message: String, skipped: bool| LoadWarning {
                    file: file.name.clone(),
                    line: lines.get(index).copied().unwrap_or(1),
                    index: Some(index),
                    event_type: item.get("event_type").map(|t| python::str_of(&t.to_json())),
                    message,
                    skipped,
                };
                match EventDefinition::new(item, &mut cache) {
                    Ok((definition, notices)) => {
                        warnings.extend(notices.into_iter().map(|n| warning(n, false)));
                        in_file_order.push(definition);
                    }
                    Err(message) => warnings.push(warning(message, true)),
                }
            }
        }
        in_file_order.reverse();
        let mut definitions = in_file_order;
        if !options.drop_unmatched && !definitions.iter().any(EventDefinition::is_catchall) {
            match EventDefinition::catch_all(&mut cache) {
                Ok(catch_all) => definitions.push(catch_all),
                Err(message) => warnings.push(LoadWarning {
                    file: String::new(),
                    line: 1,
                    index: None,
                    event_type: Some("*".into()),
                    message: format!("the implicit catch-all definition: {message}"),
                    skipped: true,
                }),
            }
        }
        let store_raw = options
            .store_raw
            .iter()
            .map(|level| level.to_lowercase())
            .collect();
        (
            EventDefinitions {
                definitions,
                store_raw,
            },
            warnings,
        )
    }

    /// How many definitions are in use (the implicit catch-all included).
    pub fn len(&self) -> usize {
        self.definitions.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.definitions.is_empty()
    }

    /// The definition that handles `event_type`, if any.
    pub fn definition_for(&self, event_type: &str) -> Option<&EventDefinition> {
        self.definitions.iter().find(|d| d.matches(event_type))
    }

    /// Converts a notification (either envelope) into an event; see
    /// [`EventDefinitions::convert_with_warnings`].
    pub fn convert(
        &self,
        notification: &Value,
        priority: Option<&str>,
    ) -> Result<Option<Event>, String> {
        self.convert_with_warnings(notification, priority, &mut Vec::new())
    }

    /// Converts a notification into an event. `Ok(None)`: no definition
    /// matches (only when unmatched notifications are dropped). An error (no
    /// event type or message id, an unparseable timestamp, a trait that does
    /// not convert) means Ceilometer would fail the whole notification.
    /// `priority` is the notification's priority (`info`, `error`, ...);
    /// without one, a legacy notification's `priority` field is used. Plugin
    /// warnings are appended to `warnings`.
    pub fn convert_with_warnings(
        &self,
        notification: &Value,
        priority: Option<&str>,
        warnings: &mut Vec<String>,
    ) -> Result<Option<Event>, String> {
        let priority = priority.map(str::to_owned).or_else(|| {
            envelope::is_legacy(notification)
                .then(|| {
                    notification
                        .get("priority")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                })
                .flatten()
        });
        let current: Cow<'_, Value> = if envelope::is_legacy(notification) {
            Cow::Owned(envelope::to_current(notification.clone()))
        } else {
            Cow::Borrowed(notification)
        };
        let event_type = match current.get("event_type") {
            Some(Value::String(event_type)) => event_type.as_str(),
            Some(other) => {
                return Err(format!(
                    "event_type {} is not a string",
                    python::repr(other)
                ));
            }
            None => return Err("the notification has no event_type".into()),
        };
        let message_id = current
            .pointer("/metadata/message_id")
            .map(python::str_of)
            .ok_or("the notification has no metadata.message_id")?;
        let Some(definition) = self.definition_for(event_type) else {
            return Ok(None);
        };
        let keep_raw = priority.is_some_and(|p| self.store_raw.contains(&p.to_lowercase()));
        let raw = keep_raw.then(|| notification.clone());
        definition
            .to_event(&current, (event_type, message_id), raw, warnings)
            .map(Some)
    }
}
