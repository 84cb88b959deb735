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

fn fields_expression(fields: &Value, attribute: &str) -> Result<Option<String>, String> {
    match fields {
        Value::String(s) => Ok(Some(s.clone())),
        Value::Array(items) if items.len() == 1 => fields_expression(&items[0], attribute),
        Value::Array(items) => {
            let parts: Result<Vec<String>, String> = items
                .iter()
                .map(|item| match item {
                    Value::String(s) => Ok(format!("({s})")),
                    other => Ok(format!("({})", python_str(other))),
                })
                .collect();
            Ok(Some(parts?.join("|")))
        }
        Value::Number(n) if n.is_i64() || n.is_u64() => Ok(None),
        Value::Bool(_) => Ok(None),
        other => Ok(Some(python_str(other))),
    }
    .map_err(|e: String| format!("{attribute}: {e}"))
}

/// Python's `str()` of a JSON value, for the rare non-string spec.
pub fn python_str(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        other => other.to_string(),
    }
}

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
        let Some(expression) = fields_expression(fields, attribute)? else {
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

    /// Whether this spec is a constant.
    pub fn is_constant(&self) -> bool {
        matches!(self, FieldSpec::Constant(_))
    }
}
