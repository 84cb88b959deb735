//! Ceilometer's declarative meters (`meters.yaml`): loading definitions from
//! files, matching notifications, and converting them into samples.

mod convert;
mod definition;
mod field;
mod user_metadata;

pub use convert::{MeterSample, Warnings};
pub use definition::{Dialect, MeterDefinition, SAMPLE_ATTRIBUTES};
pub use field::{FieldSpec, python_str};
pub use user_metadata::add_reserved_user_metadata;

use serde_json::Value;

use crate::source::{DefinitionFile, LoadError, item_lines, parse_yaml};

/// How many distinct event types the match cache remembers.
const MATCH_CACHE_LIMIT: usize = 4096;

/// Every loaded meter definition, in Ceilometer's emission order.
#[derive(Debug, Default)]
pub struct MeterDefinitions {
    definitions: Vec<MeterDefinition>,
    /// The definitions matching each event type seen (pattern matching is
    /// the same for every notification of a type).
    matches: std::sync::RwLock<std::collections::HashMap<String, std::sync::Arc<[usize]>>>,
    /// Whether Ironic's IPMI sensor notifications are converted too, as
    /// Ceilometer's notification agent always does (current dialect only).
    ipmi: bool,
}

impl MeterDefinitions {
    /// Loads definition files in order (directories in configured order, files
    /// sorted within each). Each file's `metric:` list is walked in reverse and
    /// the first definition seen per name wins, as in Ceilometer. A broken
    /// definition is reported (file, line, name) and skipped; the others load.
    pub fn load(files: &[DefinitionFile], dialect: Dialect) -> (MeterDefinitions, Vec<LoadError>) {
        let mut definitions: Vec<MeterDefinition> = Vec::new();
        let mut errors = Vec::new();
        for file in files {
            let document = match parse_yaml(file) {
                Ok(document) => document,
                Err(error) => {
                    errors.push(error);
                    continue;
                }
            };
            let Some(items) = document.get("metric").and_then(Value::as_array) else {
                errors.push(LoadError::file(
                    file,
                    1,
                    "the file has no `metric:` list".into(),
                ));
                continue;
            };
            let lines = item_lines(&file.text, items.len());
            for (index, item) in items.iter().enumerate().rev() {
                let name = item.get("name").map(python_str);
                let line = lines.get(index).copied().unwrap_or(1);
                if let Some(name) = &name
                    && definitions.iter().any(|d| &d.name == name)
                {
                    errors.push(LoadError::new(
                        file,
                        line,
                        Some(name),
                        format!("Skipping duplicate meter definition {name}"),
                    ));
                    continue;
                }
                match MeterDefinition::new(item, dialect) {
                    Ok(definition) => definitions.push(definition),
                    Err(message) => errors.push(LoadError::new(
                        file,
                        line,
                        name.as_deref(),
                        format!("Error loading meter definition: {message}"),
                    )),
                }
            }
        }
        (
            MeterDefinitions {
                definitions,
                matches: Default::default(),
                ipmi: dialect == Dialect::Current,
            },
            errors,
        )
    }

    /// The indices of the definitions matching `event_type`, cached.
    fn matching(&self, event_type: &str) -> std::sync::Arc<[usize]> {
        if let Some(found) = self
            .matches
            .read()
            .ok()
            .and_then(|m| m.get(event_type).cloned())
        {
            return found;
        }
        let found: std::sync::Arc<[usize]> = (0..self.definitions.len())
            .filter(|&i| self.definitions[i].matches(event_type))
            .collect();
        if let Ok(mut cache) = self.matches.write() {
            if cache.len() >= MATCH_CACHE_LIMIT {
                cache.clear();
            }
            cache.insert(event_type.to_owned(), std::sync::Arc::clone(&found));
        }
        found
    }

    /// How many definitions loaded.
    pub fn len(&self) -> usize {
        self.definitions.len()
    }

    /// Whether none loaded.
    pub fn is_empty(&self) -> bool {
        self.definitions.is_empty()
    }

    /// Converts one notification with every matching definition. Samples
    /// whose volume is not a number are kept here; see [`volume_number`].
    pub fn convert(
        &self,
        notification: &Value,
        warnings: &mut Warnings,
    ) -> Result<Vec<MeterSample>, String> {
        let Some(event_type) = notification.get("event_type").and_then(Value::as_str) else {
            return Err("the notification has no event_type".into());
        };
        let mut samples = Vec::new();
        let defaults = std::cell::OnceCell::new();
        if self.ipmi && crate::ipmi::handles(event_type) {
            samples.extend(crate::ipmi::convert(notification, warnings));
        }
        for &index in self.matching(event_type).iter() {
            let definition = &self.definitions[index];
            samples.extend(definition.to_samples(notification, &defaults, warnings)?);
        }
        Ok(samples)
    }
}

/// The volume as the pipeline accepts it (Python's `float(volume)`), or
/// `None` when Ceilometer's pipeline would drop the sample.
pub fn volume_number(volume: &Value) -> Option<f64> {
    match volume {
        Value::Number(n) => n.as_f64(),
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        Value::String(s) => {
            let t = s.trim().replace('_', "");
            let lower = t.to_ascii_lowercase();
            let unsigned = lower.trim_start_matches(['+', '-']);
            match unsigned {
                "nan" => Some(f64::NAN),
                "inf" | "infinity" => Some(if lower.starts_with('-') {
                    f64::NEG_INFINITY
                } else {
                    f64::INFINITY
                }),
                _ if t.is_empty()
                    || t.contains(|c: char| c.is_ascii_alphabetic() && c != 'e' && c != 'E') =>
                {
                    None
                }
                _ => t.parse::<f64>().ok(),
            }
        }
        _ => None,
    }
}
