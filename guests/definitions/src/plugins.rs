//! Ceilometer's trait plugins (`ceilometer.event.trait_plugin`): `split`,
//! `bitfield`, `timedelta` and `map`. A field spec `{fields, plugin}` hands
//! the plugin every `(full path, value)` match of its fields; the plugin
//! returns values (Python `None` as `Option::None`) and log warnings.
//!
//! ```
//! use nepho_definitions::plugins::Plugin;
//! use serde_json::json;
//! let plugin = Plugin::from_config(&json!("timedelta")).unwrap();
//! let matches = [
//!     ("payload.created_at".to_string(), json!("2012-05-08 20:23:41")),
//!     ("payload.launched_at".to_string(), json!("2012-05-08 20:23:47.985999")),
//! ];
//! assert_eq!(plugin.trait_value(&matches).value, Some(json!(6.985999)));
//! ```

use serde_json::{Map, Value};

use crate::events::python;
use crate::timeutil;

/// A configured trait plugin.
#[derive(Debug, Clone, PartialEq)]
pub enum Plugin {
    /// `split(separator='.', segment=0, max_split=None)` (deprecated upstream
    /// in favour of the jsonpath `split` extension).
    Split(Split),
    /// `bitfield(initial_bitfield=0, flags=[{path, bit, value?}])`.
    Bitfield(Bitfield),
    /// `timedelta`: the absolute number of seconds between exactly two dates.
    Timedelta,
    /// `map(values={...}, default=None, case_sensitive=True)`.
    Map(MapValues),
}

/// The `split` plugin's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    /// The separator; `None` splits on runs of whitespace (Python's `sep=None`).
    pub separator: Option<String>,
    /// Which piece to return; negative counts from the end.
    pub segment: i64,
    /// At most this many splits; `None` or negative means no limit.
    pub max_split: Option<i64>,
}

/// The `bitfield` plugin's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Bitfield {
    /// The value flags are OR-ed into.
    pub initial: i64,
    /// The flags, in order.
    pub flags: Vec<Flag>,
}

/// One flag of the `bitfield` plugin.
#[derive(Debug, Clone, PartialEq)]
pub struct Flag {
    /// The full path a match must have (`payload.foo`); a non-string path in
    /// the configuration never matches.
    pub path: Option<String>,
    /// The bit to set (0 is the least significant).
    pub bit: u32,
    /// If present, the matched value must equal this (Python `==`).
    pub value: Option<Value>,
}

/// The `map` plugin's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct MapValues {
    /// `(key, target)` pairs; keys are case-folded when not case-sensitive.
    pub values: Vec<(String, Value)>,
    /// The value for unknown keys (`Null` is Python's `None`: no value).
    pub default: Value,
    /// Whether string keys compare case-sensitively.
    pub case_sensitive: bool,
}

/// What a plugin returned for one field: every value (Python `None` as
/// `None`) and the warnings Ceilometer would log.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PluginValues {
    /// The values, one per match for `split` and `map`, one for the others.
    pub values: Vec<Option<Value>>,
    /// Warnings, in order.
    pub warnings: Vec<String>,
}

/// The value Ceilometer keeps for one field (the first non-`None` value the
/// plugin returned) and the warnings, joined with `; `.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PluginOutput {
    /// The value, if any.
    pub value: Option<Value>,
    /// The warning, if any.
    pub warning: Option<String>,
}

impl Plugin {
    /// Builds a plugin from a field spec's `plugin` entry: a name, or
    /// `{name, parameters}`. Parameters are checked here, so converting never
    /// fails; unknown parameters are ignored, as in Ceilometer.
    pub fn from_config(spec: &Value) -> Result<Plugin, String> {
        match spec {
            Value::String(name) => Plugin::new(name, &Value::Null),
            Value::Object(map) => match map.get("name") {
                Some(Value::String(name)) => {
                    Plugin::new(name, map.get("parameters").unwrap_or(&Value::Null))
                }
                Some(other) => Err(format!(
                    "No plugin named {} available",
                    python::str_of(other)
                )),
                None => Err("Plugin specified, but no plugin name supplied".into()),
            },
            other => Err(format!(
                "plugin must be a name or {{name, parameters}}, not {}",
                python::repr(other)
            )),
        }
    }

    /// Builds the plugin `name` with `parameters` (an object, or null for none).
    pub fn new(name: &str, parameters: &Value) -> Result<Plugin, String> {
        let empty = Map::new();
        let parameters = match parameters {
            Value::Null => &empty,
            Value::Object(map) => map,
            other => {
                return Err(format!(
                    "{name}: parameters must be a mapping, not {}",
                    python::repr(other)
                ));
            }
        };
        let plugin = match name {
            "split" => Plugin::Split(Split::new(parameters)?),
            "bitfield" => Plugin::Bitfield(Bitfield::new(parameters)?),
            "timedelta" => Plugin::Timedelta,
            "map" => Plugin::Map(MapValues::new(parameters)?),
            other => return Err(format!("No plugin named {other} available")),
        };
        Ok(plugin)
    }

    /// The plugin's name.
    pub fn name(&self) -> &'static str {
        match self {
            Plugin::Split(_) => "split",
            Plugin::Bitfield(_) => "bitfield",
            Plugin::Timedelta => "timedelta",
            Plugin::Map(_) => "map",
        }
    }

    /// Whether the plugin may be used where every value is wanted (meter
    /// definitions with `lookup`); only `split` may.
    pub fn supports_all_values(&self) -> bool {
        matches!(self, Plugin::Split(_))
    }

    /// The warning Ceilometer logs when it loads the plugin (`split` is deprecated).
    pub fn load_warning(&self) -> Option<String> {
        let Plugin::Split(split) = self else {
            return None;
        };
        Some(format!(
            "split plugin is deprecated, add \".`split({}, {}, {})`\" to your jsonpath instead",
            split.separator.as_deref().unwrap_or("None"),
            split.segment,
            split.max_split.unwrap_or(-1)
        ))
    }

    /// Every value the plugin returns for `matches` (`(full path, value)`).
    pub fn trait_values(&self, matches: &[(String, Value)]) -> PluginValues {
        match self {
            Plugin::Split(split) => PluginValues {
                values: matches
                    .iter()
                    .map(|(_, value)| split.segment_of(value))
                    .collect(),
                warnings: Vec::new(),
            },
            Plugin::Bitfield(bitfield) => PluginValues {
                values: vec![Some(Value::from(bitfield.value(matches)))],
                warnings: Vec::new(),
            },
            Plugin::Timedelta => match timedelta(matches) {
                Ok(seconds) => PluginValues {
                    values: vec![Some(seconds)],
                    warnings: Vec::new(),
                },
                Err(warning) => PluginValues {
                    values: vec![None],
                    warnings: vec![warning],
                },
            },
            Plugin::Map(map) => {
                let mut out = PluginValues::default();
                for (path, value) in matches {
                    let mapped = map.lookup(value).cloned().unwrap_or_else(|| {
                        out.warnings.push(format!(
                            "Unknown value {} found when mapping {path}, mapping to default value of {}",
                            python::repr(value),
                            python::repr(&map.default)
                        ));
                        map.default.clone()
                    });
                    out.values.push(Some(mapped).filter(|v| !v.is_null()));
                }
                out
            }
        }
    }

    /// The value Ceilometer keeps for one field: the first value that is not
    /// `None`, with the warnings.
    pub fn trait_value(&self, matches: &[(String, Value)]) -> PluginOutput {
        let PluginValues { values, warnings } = self.trait_values(matches);
        PluginOutput {
            value: values.into_iter().flatten().next(),
            warning: (!warnings.is_empty()).then(|| warnings.join("; ")),
        }
    }
}

/// An integer parameter (Python accepts `bool` where it wants an `int`).
fn int_parameter(
    parameters: &Map<String, Value>,
    plugin: &str,
    name: &str,
) -> Result<Option<i64>, String> {
    match parameters.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(i64::from(*b))),
        Some(Value::Number(n)) if n.as_i64().is_some() => Ok(n.as_i64()),
        Some(other) => Err(format!(
            "{plugin}: {name} must be an integer, not {}",
            python::repr(other)
        )),
    }
}

impl Split {
    fn new(parameters: &Map<String, Value>) -> Result<Split, String> {
        let separator = match parameters.get("separator") {
            None => Some(".".to_owned()),
            Some(Value::Null) => None,
            Some(Value::String(s)) if s.is_empty() => return Err("split: empty separator".into()),
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => {
                return Err(format!(
                    "split: separator must be a string, not {}",
                    python::repr(other)
                ));
            }
        };
        if parameters.get("segment").is_some_and(Value::is_null) {
            return Err("split: segment must be an integer, not None".into());
        }
        Ok(Split {
            separator,
            segment: int_parameter(parameters, "split", "segment")?.unwrap_or(0),
            max_split: int_parameter(parameters, "split", "max_split")?,
        })
    }

    /// `str(value).split(separator, max_split)[segment]`, or `None` when
    /// there is no such piece.
    fn segment_of(&self, value: &Value) -> Option<Value> {
        let text = python::str_of(value);
        let limit = self
            .max_split
            .filter(|n| *n >= 0)
            .map(|n| usize::try_from(n).unwrap_or(usize::MAX));
        let pieces = match &self.separator {
            Some(separator) => split_on(&text, separator, limit),
            None => split_whitespace(&text, limit),
        };
        let index = if self.segment < 0 {
            pieces.len() as i64 + self.segment
        } else {
            self.segment
        };
        usize::try_from(index)
            .ok()
            .and_then(|i| pieces.get(i))
            .map(|piece| Value::String((*piece).to_owned()))
    }
}

/// Python's `text.split(separator, limit)` with a separator.
fn split_on<'a>(text: &'a str, separator: &str, limit: Option<usize>) -> Vec<&'a str> {
    match limit {
        Some(n) => text.splitn(n.saturating_add(1), separator).collect(),
        None => text.split(separator).collect(),
    }
}

/// Python's `text.split(None, limit)`: runs of whitespace separate, leading
/// and trailing whitespace is dropped (trailing kept in a last, unsplit piece).
fn split_whitespace(text: &str, limit: Option<usize>) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut rest = text;
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            break;
        }
        if limit.is_some_and(|n| pieces.len() >= n) {
            pieces.push(rest);
            break;
        }
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        pieces.push(&rest[..end]);
        rest = &rest[end..];
    }
    pieces
}

impl Bitfield {
    fn new(parameters: &Map<String, Value>) -> Result<Bitfield, String> {
        let initial = int_parameter(parameters, "bitfield", "initial_bitfield")?.unwrap_or(0);
        let flags = match parameters.get("flags") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(flags)) => flags.iter().map(Flag::new).collect::<Result<_, _>>()?,
            Some(other) => {
                return Err(format!(
                    "bitfield: flags must be a list, not {}",
                    python::repr(other)
                ));
            }
        };
        Ok(Bitfield { initial, flags })
    }

    fn value(&self, matches: &[(String, Value)]) -> i64 {
        let mut bitfield = self.initial;
        for flag in &self.flags {
            let Some(path) = &flag.path else { continue };
            // `dict(match_list)`: the last match of a path wins.
            let Some((_, matched)) = matches.iter().rev().find(|(p, _)| p == path) else {
                continue;
            };
            if flag
                .value
                .as_ref()
                .is_none_or(|expected| python::equals(matched, expected))
            {
                bitfield |= 1i64 << flag.bit;
            }
        }
        bitfield
    }
}

impl Flag {
    fn new(config: &Value) -> Result<Flag, String> {
        let Value::Object(map) = config else {
            return Err(format!(
                "bitfield: a flag must be a mapping, not {}",
                python::repr(config)
            ));
        };
        let path = match map.get("path") {
            Some(Value::String(path)) => Some(path.clone()),
            Some(_) => None,
            None => return Err("bitfield: a flag has no path".into()),
        };
        let bit = map.get("bit").ok_or("bitfield: a flag has no bit")?;
        let bit = python::int_of(bit).map_err(|e| format!("bitfield: bad bit: {e}"))?;
        let bit = u32::try_from(bit)
            .ok()
            .filter(|b| *b < 63)
            .ok_or(format!("bitfield: bit {bit} is not in 0..62"))?;
        Ok(Flag {
            path,
            bit,
            value: map.get("value").cloned(),
        })
    }
}

impl MapValues {
    fn new(parameters: &Map<String, Value>) -> Result<MapValues, String> {
        let values = parameters.get("values").unwrap_or(&Value::Null);
        if !crate::events::python::truthy(values) {
            return Err("The 'values' parameter is required for the map trait plugin".into());
        }
        let Value::Object(values) = values else {
            return Err(
                "The 'values' parameter needs to be a dict for the map trait plugin".into(),
            );
        };
        let case_sensitive = parameters
            .get("case_sensitive")
            .is_none_or(crate::events::python::truthy);
        let values = values
            .iter()
            .map(|(key, target)| {
                (
                    if case_sensitive {
                        key.clone()
                    } else {
                        python::casefold(key)
                    },
                    target.clone(),
                )
            })
            .collect();
        Ok(MapValues {
            values,
            default: parameters.get("default").cloned().unwrap_or(Value::Null),
            case_sensitive,
        })
    }

    /// The target of `key` (Python dict lookup: strings by text, folded
    /// unless case-sensitive; numbers and booleans by numeric value against
    /// keys written as numbers).
    fn lookup(&self, key: &Value) -> Option<&Value> {
        let found = match key {
            Value::String(text) => {
                let folded = if self.case_sensitive {
                    text.clone()
                } else {
                    python::casefold(text)
                };
                // Folding may merge keys; the last one wins, as in a dict comprehension.
                self.values.iter().rev().find(|(k, _)| *k == folded)
            }
            Value::Number(_) | Value::Bool(_) => self
                .values
                .iter()
                .find(|(k, _)| numeric_key(k).is_some_and(|n| python::equals(&n, key))),
            _ => None,
        };
        found.map(|(_, target)| target)
    }
}

/// A mapping key that YAML wrote as a number or boolean (JSON keeps only its text).
fn numeric_key(key: &str) -> Option<Value> {
    match key {
        "true" | "True" => Some(Value::Bool(true)),
        "false" | "False" => Some(Value::Bool(false)),
        _ => key.parse::<i64>().map(Value::from).ok().or_else(|| {
            key.parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .map(Value::from)
        }),
    }
}

/// The `timedelta` plugin: `abs((end - start).total_seconds())` of exactly
/// two matched dates, or the warning Ceilometer logs.
fn timedelta(matches: &[(String, Value)]) -> Result<Value, String> {
    let [(start_path, start), (end_path, end)] = matches else {
        return Err(
            "Timedelta plugin is required two timestamp fields to create timedelta value.".into(),
        );
    };
    let parsed = timeutil::parse_isotime_value(start)
        .and_then(|s| Ok((s, timeutil::parse_isotime_value(end)?)));
    let (start, end) = parsed.map_err(|err| {
        format!("Failed to parse date from set fields, both fields {start_path} and {end_path} must be datetime: {err}")
    })?;
    let seconds = timeutil::total_seconds_between(&start, &end).abs();
    Ok(serde_json::Number::from_f64(seconds).map_or(Value::Null, Value::Number))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn matches(pairs: &[(&str, Value)]) -> Vec<(String, Value)> {
        pairs
            .iter()
            .map(|(p, v)| ((*p).to_owned(), v.clone()))
            .collect()
    }

    #[test]
    fn split_returns_the_segment_of_each_match() {
        let plugin = Plugin::from_config(
            &json!({"name": "split", "parameters": {"segment": 1, "max_split": 1}}),
        )
        .unwrap();
        let m = matches(&[
            ("publisher_id", json!("compute.host.example.com")),
            ("x", json!(12)),
        ]);
        assert_eq!(
            plugin.trait_values(&m).values,
            vec![Some(json!("host.example.com")), None]
        );
        assert_eq!(
            plugin.trait_value(&m).value,
            Some(json!("host.example.com"))
        );
        assert_eq!(
            plugin.load_warning().unwrap(),
            "split plugin is deprecated, add \".`split(., 1, 1)`\" to your jsonpath instead"
        );
        let last = Plugin::from_config(
            &json!({"name": "split", "parameters": {"separator": "-", "segment": -1}}),
        )
        .unwrap();
        assert_eq!(
            last.trait_value(&matches(&[("p", json!("a-b-c"))])).value,
            Some(json!("c"))
        );
        let default = Plugin::from_config(&json!("split")).unwrap();
        assert_eq!(
            default.trait_value(&matches(&[("p", json!(1.5))])).value,
            Some(json!("1"))
        );
        let spaces = Plugin::from_config(&json!({"name": "split", "parameters": {"separator": null, "segment": 1, "max_split": 1}})).unwrap();
        assert_eq!(
            spaces
                .trait_value(&matches(&[("p", json!("  a  b  c "))]))
                .value,
            Some(json!("b  c "))
        );
        assert!(plugin.supports_all_values());
        assert!(
            Plugin::from_config(&json!({"name": "split", "parameters": {"separator": ""}}))
                .is_err()
        );
        assert!(
            Plugin::from_config(&json!({"name": "split", "parameters": {"segment": "1"}})).is_err()
        );
    }

    #[test]
    fn bitfield_sets_flags_for_matching_full_paths() {
        let plugin = Plugin::from_config(&json!({"name": "bitfield", "parameters": {
            "initial_bitfield": 65536,
            "flags": [
                {"path": "payload.foo", "bit": 0, "value": 12},
                {"path": "payload.foo", "bit": 1, "value": 13},
                {"path": "payload.thing.*", "bit": 2},
                {"path": "payload.bar", "bit": "3"},
            ]
        }}))
        .unwrap();
        let m = matches(&[("payload.foo", json!(12.0)), ("payload.bar", json!("x"))]);
        assert_eq!(plugin.trait_value(&m).value, Some(json!(65536 | 1 | 8)));
        assert_eq!(plugin.trait_value(&[]).value, Some(json!(65536)));
        assert!(
            Plugin::from_config(
                &json!({"name": "bitfield", "parameters": {"flags": [{"path": "a"}]}})
            )
            .is_err()
        );
        assert!(
            Plugin::from_config(
                &json!({"name": "bitfield", "parameters": {"flags": [{"path": "a", "bit": -1}]}})
            )
            .is_err()
        );
    }

    #[test]
    fn timedelta_needs_exactly_two_dates() {
        let plugin = Plugin::from_config(&json!({"name": "timedelta"})).unwrap();
        let two = matches(&[
            ("a", json!("2012-05-08T20:23:47.985999")),
            ("b", json!("2012-05-08 20:23:41")),
        ]);
        assert_eq!(
            plugin.trait_value(&two),
            PluginOutput {
                value: Some(json!(6.985999)),
                warning: None
            }
        );
        let one = plugin.trait_value(&two[..1]);
        assert_eq!(one.value, None);
        assert_eq!(
            one.warning.as_deref(),
            Some("Timedelta plugin is required two timestamp fields to create timedelta value.")
        );
        let bad = plugin.trait_value(&matches(&[
            ("a", json!("2012-05-08")),
            ("b", json!("soon")),
        ]));
        assert_eq!(bad.value, None);
        assert_eq!(
            bad.warning.as_deref(),
            Some(
                "Failed to parse date from set fields, both fields a and b must be datetime: \
                 Unable to parse date string 'soon'"
            )
        );
        assert!(!plugin.supports_all_values());
    }

    #[test]
    fn map_translates_values() {
        let plugin = Plugin::from_config(&json!({"name": "map", "parameters": {
            "values": {"ACTIVE": "up", "1": "one", "Gone": null},
            "default": "unknown",
            "case_sensitive": false
        }}))
        .unwrap();
        let m = matches(&[
            ("a", json!("active")),
            ("b", json!(1.0)),
            ("c", json!("other")),
        ]);
        let out = plugin.trait_values(&m);
        assert_eq!(
            out.values,
            vec![
                Some(json!("up")),
                Some(json!("one")),
                Some(json!("unknown"))
            ]
        );
        assert_eq!(
            out.warnings,
            vec![
                "Unknown value 'other' found when mapping c, mapping to default value of 'unknown'"
                    .to_owned()
            ]
        );
        assert_eq!(
            plugin
                .trait_value(&matches(&[("a", json!("gone")), ("b", json!("Active"))]))
                .value,
            Some(json!("up"))
        );
        let strict =
            Plugin::from_config(&json!({"name": "map", "parameters": {"values": {"A": 1}}}))
                .unwrap();
        let out = strict.trait_value(&matches(&[("a", json!("a"))]));
        assert_eq!(out.value, None);
        assert!(
            out.warning
                .unwrap()
                .ends_with("mapping to default value of None")
        );
        assert_eq!(
            Plugin::from_config(&json!("map")).unwrap_err(),
            "The 'values' parameter is required for the map trait plugin"
        );
        assert_eq!(
            Plugin::from_config(&json!({"name": "map", "parameters": {"values": ["a"]}}))
                .unwrap_err(),
            "The 'values' parameter needs to be a dict for the map trait plugin"
        );
    }

    #[test]
    fn bad_configurations_are_reported() {
        assert_eq!(
            Plugin::from_config(&json!("nope")).unwrap_err(),
            "No plugin named nope available"
        );
        assert_eq!(
            Plugin::from_config(&json!({"parameters": {}})).unwrap_err(),
            "Plugin specified, but no plugin name supplied"
        );
        assert!(Plugin::from_config(&json!({"name": "split", "parameters": [1]})).is_err());
        assert!(Plugin::from_config(&json!(3)).is_err());
    }
}
