//! Trait definitions (Ceilometer's `TraitDefinition` on top of
//! `declarative.Definition`): where a trait's value comes from, its type,
//! and the conversion to that type.

use std::collections::HashMap;

use nepho_jsonpath::JsonPath;
use serde_json::Value;

use super::python;
use super::{Trait, TraitValue};
use crate::plugins::Plugin;
use crate::timeutil;

/// Text traits are cut to this many characters (the storage column size).
pub const TEXT_LIMIT: usize = 255;

/// A trait's type, as configured (`type: text|int|float|datetime`, any case).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraitType {
    /// `none` (dtype 0): accepted by Ceilometer, converted like text.
    None,
    /// `text` (dtype 1), the default.
    Text,
    /// `int` (dtype 2).
    Int,
    /// `float` (dtype 3).
    Float,
    /// `datetime` (dtype 4).
    Datetime,
}

impl TraitType {
    /// Ceilometer's `get_type_by_name`: the upper-cased name plus `_TYPE`.
    pub fn from_name(name: &str) -> Option<TraitType> {
        match name.to_uppercase().as_str() {
            "NONE" => Some(TraitType::None),
            "TEXT" => Some(TraitType::Text),
            "INT" => Some(TraitType::Int),
            "FLOAT" => Some(TraitType::Float),
            "DATETIME" => Some(TraitType::Datetime),
            _ => None,
        }
    }

    /// The storage type number.
    pub fn dtype(self) -> u8 {
        match self {
            TraitType::None => 0,
            TraitType::Text => 1,
            TraitType::Int => 2,
            TraitType::Float => 3,
            TraitType::Datetime => 4,
        }
    }

    /// Ceilometer's `Trait.convert_value`.
    pub fn convert(self, value: &Value) -> Result<TraitValue, String> {
        Ok(match self {
            TraitType::Int => TraitValue::Int(python::int_of(value)?),
            TraitType::Float => TraitValue::Float(python::float_of(value)?),
            TraitType::Datetime => TraitValue::Datetime(timeutil::normalized_isotime_of(value)?),
            TraitType::Text | TraitType::None => {
                TraitValue::Text(python::str_of(value).chars().take(TEXT_LIMIT).collect())
            }
        })
    }
}

/// Parsed jsonpath expressions, shared by the definitions of one load
/// (Ceilometer's `GETTERS_CACHE`).
pub type PathCache = HashMap<String, JsonPath>;

/// Where a trait's value comes from.
#[derive(Debug, Clone)]
enum Getter {
    /// `fields: <int>`: this value, always.
    Constant(Value),
    /// A jsonpath expression.
    Path(JsonPath),
}

/// One trait of an event definition.
#[derive(Debug, Clone)]
pub struct TraitDefinition {
    /// The trait's name.
    pub name: String,
    /// Its type.
    pub trait_type: TraitType,
    getter: Getter,
    plugin: Option<Plugin>,
}

/// The expression for a `fields` value: a string, one element of a list, or
/// `(e1)|(e2)|...`; `Ok(None)` for an integer (or boolean) constant; an
/// error for values jsonpath cannot parse (null, floats, mappings).
fn expression(fields: &Value) -> Result<Option<String>, ()> {
    match fields {
        Value::String(s) => Ok(Some(s.clone())),
        Value::Array(items) if items.len() == 1 => match &items[0] {
            Value::Array(_) => Err(()),
            item => expression(item),
        },
        Value::Array(items) => Ok(Some(
            items
                .iter()
                .map(|i| format!("({})", python::str_of(i)))
                .collect::<Vec<_>>()
                .join("|"),
        )),
        Value::Bool(_) => Ok(None),
        Value::Number(n) if !n.is_f64() => Ok(None),
        _ => Err(()),
    }
}

impl TraitDefinition {
    /// Builds the trait `name` from its configuration: an expression, a list
    /// of expressions, or `{type, fields, plugin}`. Returns the definition and
    /// the plugin's load warning, if any.
    pub fn new(
        name: &str,
        config: &Value,
        cache: &mut PathCache,
    ) -> Result<(TraitDefinition, Option<String>), String> {
        let (fields, plugin, type_name) = match config {
            Value::Object(map) => {
                let fields = map
                    .get("fields")
                    .ok_or_else(|| format!("The field 'fields' is required for {name}"))?;
                let plugin = map
                    .get("plugin")
                    .map(|spec| Plugin::from_config(spec).map_err(|e| format!("{e} for {name}")))
                    .transpose()?;
                (fields, plugin, map.get("type").unwrap_or(&Value::Null))
            }
            other => (other, None, &Value::Null),
        };
        let getter = match expression(fields) {
            Err(()) => {
                return Err(format!(
                    "Parse error in JSONPath specification '{}' for {name}: not an expression",
                    python::str_of(fields)
                ));
            }
            Ok(None) => Getter::Constant(if let Value::Array(items) = fields {
                items[0].clone()
            } else {
                fields.clone()
            }),
            Ok(Some(text)) => Getter::Path(match cache.get(&text) {
                Some(path) => path.clone(),
                None => {
                    let path = JsonPath::parse(&text).map_err(|e| {
                        format!("Parse error in JSONPath specification '{text}' for {name}: {e}")
                    })?;
                    cache.insert(text, path.clone());
                    path
                }
            }),
        };
        let trait_type = match type_name {
            Value::Null if !matches!(config, Value::Object(map) if map.contains_key("type")) => {
                Some(TraitType::Text)
            }
            Value::String(s) => TraitType::from_name(s),
            _ => None,
        }
        .ok_or_else(|| {
            format!(
                "Invalid trait type '{}' for trait {name}",
                python::str_of(type_name)
            )
        })?;
        let warning = plugin.as_ref().and_then(Plugin::load_warning);
        Ok((
            TraitDefinition {
                name: name.to_owned(),
                trait_type,
                getter,
                plugin,
            },
            warning,
        ))
    }

    /// Ceilometer's `Definition.parse`: the constant, or the first non-null
    /// match (through the plugin if there is one, which sees every non-null
    /// match with its full path).
    fn value(&self, notification: &Value, warnings: &mut Vec<String>) -> Option<Value> {
        let path = match &self.getter {
            Getter::Constant(value) => return Some(value.clone()),
            Getter::Path(path) => path,
        };
        let found = path.find(notification);
        let mut matches = found.into_iter().filter(|m| !m.value.is_null());
        let Some(plugin) = &self.plugin else {
            return matches.next().map(|m| m.value.into_owned());
        };
        let matches: Vec<(String, Value)> =
            matches.map(|m| (m.path, m.value.into_owned())).collect();
        let output = plugin.trait_values(&matches);
        warnings.extend(
            output
                .warnings
                .into_iter()
                .map(|w| format!("trait {}: {w}", self.name)),
        );
        output.values.into_iter().flatten().next()
    }

    /// Ceilometer's `to_trait`: `None` when there is no value (or an empty
    /// string for a non-text type); an error when the conversion fails.
    pub fn to_trait(
        &self,
        notification: &Value,
        warnings: &mut Vec<String>,
    ) -> Result<Option<Trait>, String> {
        let Some(value) = self.value(notification, warnings) else {
            return Ok(None);
        };
        if self.trait_type != TraitType::Text && value.as_str() == Some("") {
            return Ok(None);
        }
        let converted = self
            .trait_type
            .convert(&value)
            .map_err(|e| format!("trait {}: {e}", self.name))?;
        Ok(Some(Trait {
            name: self.name.clone(),
            dtype: self.trait_type.dtype(),
            value: converted,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn conversions_follow_ceilometer() {
        assert_eq!(
            TraitType::Int.convert(&json!("12")),
            Ok(TraitValue::Int(12))
        );
        assert_eq!(TraitType::Int.convert(&json!(3.7)), Ok(TraitValue::Int(3)));
        assert!(TraitType::Int.convert(&json!("3.7")).is_err());
        assert_eq!(
            TraitType::Float.convert(&json!("1.5")),
            Ok(TraitValue::Float(1.5))
        );
        assert_eq!(
            TraitType::Float.convert(&json!(2)),
            Ok(TraitValue::Float(2.0))
        );
        assert_eq!(
            TraitType::Datetime.convert(&json!("2012-05-08 20:23:47.985999+01:00")),
            Ok(TraitValue::Datetime("2012-05-08T19:23:47.985999".into()))
        );
        assert!(
            TraitType::Datetime
                .convert(&json!("2015-01-30T16: 38: 43.233621"))
                .is_err()
        );
        assert_eq!(
            TraitType::Text.convert(&json!(2)),
            Ok(TraitValue::Text("2".into()))
        );
        assert_eq!(
            TraitType::Text.convert(&json!(["a"])),
            Ok(TraitValue::Text("['a']".into()))
        );
        let long = "é".repeat(300);
        assert_eq!(
            TraitType::Text.convert(&json!(long)),
            Ok(TraitValue::Text("é".repeat(255)))
        );
    }

    #[test]
    fn type_names_are_case_insensitive() {
        assert_eq!(TraitType::from_name("Int"), Some(TraitType::Int));
        assert_eq!(TraitType::from_name("DATETIME"), Some(TraitType::Datetime));
        assert_eq!(TraitType::from_name("none"), Some(TraitType::None));
        assert_eq!(TraitType::from_name("string"), None);
    }

    #[test]
    fn bad_trait_configurations_are_reported() {
        let mut cache = PathCache::new();
        let err =
            |config: Value| TraitDefinition::new("t", &config, &mut PathCache::new()).unwrap_err();
        assert_eq!(
            err(json!({"type": "int"})),
            "The field 'fields' is required for t"
        );
        assert_eq!(
            err(json!({"type": "integer", "fields": 1})),
            "Invalid trait type 'integer' for trait t"
        );
        assert_eq!(
            err(json!({"type": null, "fields": 1})),
            "Invalid trait type 'None' for trait t"
        );
        assert_eq!(
            err(json!({"fields": 1, "plugin": "nope"})),
            "No plugin named nope available for t"
        );
        assert_eq!(
            err(json!({"fields": 1, "plugin": {"parameters": {}}})),
            "Plugin specified, but no plugin name supplied for t"
        );
        let (constant, warning) =
            TraitDefinition::new("t", &json!({"type": "int", "fields": 7}), &mut cache).unwrap();
        assert!(warning.is_none());
        let trait_ = constant
            .to_trait(&json!({}), &mut Vec::new())
            .unwrap()
            .unwrap();
        assert_eq!((trait_.dtype, trait_.value), (2, TraitValue::Int(7)));
    }
}
