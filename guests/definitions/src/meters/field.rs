//! A definition's field spec: a jsonpath, a constant, or fields through a plugin.

use std::borrow::Cow;

use nepho_jsonpath::JsonPath;
use serde_json::Value;

use crate::plugins::Plugin;

/// How one attribute of a definition is computed from a notification
/// (Ceilometer's `declarative.Definition`).
#[derive(Debug, Clone)]
pub enum FieldSpec {
    /// An integer constant (`volume: 1`).
    Constant(Value),
    /// A jsonpath expression; a list of expressions becomes `(e1)|(e2)|...`.
    Path(JsonPath),
    /// `{fields: ..., plugin: ...}`: the matches go through a trait plugin.
    Plugin {
        /// The expression.
        path: JsonPath,
        /// The plugin.
        plugin: Plugin,
    },
}

/// What parsing a field yielded, with a plugin's warning if any.
#[derive(Debug, Default)]
pub struct Parsed<'a> {
    /// The values (one at most unless all values were asked for).
    pub values: Vec<Cow<'a, Value>>,
    /// A plugin's warning.
    pub warning: Option<String>,
}

/// The jsonpath expression of a `fields` value (a list becomes
/// `(e1)|(e2)|...`), or `None` for an integer constant.
fn fields_expression(fields: &Value) -> Option<String> {
    match fields {
        Value::Array(items) if items.len() == 1 => fields_expression(&items[0]),
        Value::Array(items) => Some(
            items
                .iter()
                .map(|item| format!("({})", python_str(item)))
                .collect::<Vec<_>>()
                .join("|"),
        ),
        Value::Number(n) if n.is_i64() || n.is_u64() => None,
        Value::Bool(_) => None,
        other => Some(python_str(other)),
    }
}

/// Python's `str()` of a JSON value.
pub use crate::events::python::str_of as python_str;

impl FieldSpec {
    /// Builds the spec of `attribute` from its configuration value.
    pub fn new(attribute: &str, config: &Value) -> Result<FieldSpec, String> {
        let (fields, plugin) = match config {
            Value::Object(map) => {
                let fields = map
                    .get("fields")
                    .ok_or_else(|| format!("The field 'fields' is required for {attribute}"))?;
                let plugin = map.get("plugin").map(Plugin::from_config).transpose()?;
                (fields, plugin)
            }
            other => (other, None),
        };
        let Some(expression) = fields_expression(fields) else {
            return Ok(FieldSpec::Constant(fields.clone()));
        };
        let path = JsonPath::parse(&expression).map_err(|e| {
            format!("Parse error in JSONPath specification '{expression}' for {attribute}: {e}")
        })?;
        Ok(match plugin {
            Some(plugin) => FieldSpec::Plugin { path, plugin },
            None => FieldSpec::Path(path),
        })
    }

    /// Ceilometer's `Definition.parse`: the first non-null match, or with
    /// `all_values` every match (nulls included).
    pub fn parse<'a>(&self, notification: &'a Value, all_values: bool) -> Parsed<'a> {
        match self {
            FieldSpec::Constant(value) => Parsed {
                values: vec![Cow::Owned(value.clone())],
                warning: None,
            },
            FieldSpec::Path(path) => {
                let found = path.values(notification);
                let mut values: Vec<Cow<'a, Value>> = found
                    .into_iter()
                    .filter(|v| all_values || !v.is_null())
                    .collect();
                if !all_values {
                    values.truncate(1);
                }
                Parsed {
                    values,
                    warning: None,
                }
            }
            FieldSpec::Plugin { path, plugin } => {
                let matches: Vec<(String, Value)> = path
                    .find(notification)
                    .into_iter()
                    .filter(|m| all_values || !m.value.is_null())
                    .map(|m| (m.path, m.value.into_owned()))
                    .collect();
                let output = plugin.trait_value(&matches);
                Parsed {
                    values: output.value.map(Cow::Owned).into_iter().collect(),
                    warning: output.warning,
                }
            }
        }
    }
}
