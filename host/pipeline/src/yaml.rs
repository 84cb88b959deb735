//! Loading YAML text into a `serde_yaml_ng::Value` and reading fields of it
//! with Python's notions of truthiness.

use serde_yaml_ng::{Mapping, Value};

/// A YAML syntax problem: 1-based line and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub line: usize,
    pub message: String,
}

/// Parses one YAML document (an empty document is `Null`), resolving `<<` merge keys.
pub(crate) fn load(text: &str) -> Result<Value, SyntaxError> {
    let to_error = |e: serde_yaml_ng::Error| SyntaxError {
        line: e.location().map_or(1, |l| l.line()),
        message: format!("Invalid YAML: {e}"),
    };
    let mut value = if has_no_content(text) {
        Value::Null
    } else {
        serde_yaml_ng::from_str::<Value>(text).map_err(to_error)?
    };
    value.apply_merge().map_err(to_error)?;
    if let Some(tag) = find_tag(&value) {
        return Err(SyntaxError {
            line: text
                .lines()
                .position(|l| l.contains(&tag))
                .map_or(1, |i| i + 1),
            message: format!("Invalid YAML: unsupported tag {tag}"),
        });
    }
    Ok(value)
}

/// Whether the text holds only blanks, comments and document markers.
fn has_no_content(text: &str) -> bool {
    text.lines().all(|l| {
        let t = l.trim();
        t.is_empty() || t.starts_with('#') || t == "---" || t == "..."
    })
}

/// The first application-specific tag (`!foo`) in the tree; `yaml.safe_load` rejects them.
fn find_tag(value: &Value) -> Option<String> {
    match value {
        Value::Tagged(t) => Some(t.tag.to_string()),
        Value::Sequence(items) => items.iter().find_map(find_tag),
        Value::Mapping(map) => map
            .iter()
            .find_map(|(k, v)| find_tag(k).or_else(|| find_tag(v))),
        _ => None,
    }
}

/// `map.get(key)` for a string key.
pub(crate) fn get<'v>(map: &'v Mapping, key: &str) -> Option<&'v Value> {
    map.get(key)
}

/// Python truthiness: `None`, `False`, `0`, `0.0`, `""`, `[]` and `{}` are false.
pub(crate) fn is_falsy(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Sequence(s) => s.is_empty(),
        Value::Mapping(m) => m.is_empty(),
        Value::Tagged(_) => false,
    }
}

/// Why a value is not a list of strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ListError {
    /// Not a sequence.
    NotAList,
    /// Entry at this 0-based index is not a string.
    NotAString(usize),
}

/// Reads a sequence of strings.
pub(crate) fn string_list(value: &Value) -> Result<Vec<String>, ListError> {
    let Value::Sequence(items) = value else {
        return Err(ListError::NotAList);
    };
    items
        .iter()
        .enumerate()
        .map(|(i, v)| match v {
            Value::String(s) => Ok(s.clone()),
            _ => Err(ListError::NotAString(i)),
        })
        .collect()
}

/// Reads an optional list of strings where any falsy value means "empty"
/// (`cfg.get(key) or []`).
pub(crate) fn optional_string_list(value: Option<&Value>) -> Result<Vec<String>, ListError> {
    match value {
        None => Ok(Vec::new()),
        Some(v) if is_falsy(v) => Ok(Vec::new()),
        Some(v) => string_list(v),
    }
}

/// Converts YAML to JSON. Non-string mapping keys are written as their YAML
/// scalar text; non-finite floats are rejected (JSON cannot hold them).
pub(crate) fn to_json(value: &Value) -> Result<serde_json::Value, String> {
    Ok(match value {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into()
            } else if let Some(u) = n.as_u64() {
                u.into()
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                serde_json::Number::from_f64(f)
                    .map(serde_json::Value::Number)
                    .ok_or_else(|| format!("unsupported non-finite number {n}"))?
            }
        }
        Value::String(s) => serde_json::Value::String(s.clone()),
        Value::Sequence(items) => {
            serde_json::Value::Array(items.iter().map(to_json).collect::<Result<_, _>>()?)
        }
        Value::Mapping(map) => {
            let mut out = serde_json::Map::new();
            for (k, v) in map {
                out.insert(key_text(k)?, to_json(v)?);
            }
            serde_json::Value::Object(out)
        }
        Value::Tagged(t) => return Err(format!("unsupported tag {}", t.tag)),
    })
}

/// Text of a mapping key.
fn key_text(key: &Value) -> Result<String, String> {
    match key {
        Value::String(s) => Ok(s.clone()),
        Value::Null => Ok("null".to_owned()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) => Ok(n.to_string()),
        _ => Err("unsupported non-scalar mapping key".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_text_is_null() {
        assert_eq!(load(""), Ok(Value::Null));
        assert_eq!(load("---\n# nothing\n"), Ok(Value::Null));
    }

    #[test]
    fn syntax_error_has_line() {
        let e = load("a: 1\nb: [\n").unwrap_err();
        assert!(e.line >= 2, "{e:?}");
        assert!(e.message.starts_with("Invalid YAML: "));
    }

    #[test]
    fn unknown_tag_rejected() {
        let e = load("a: 1\nb: !foo x\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert_eq!(e.message, "Invalid YAML: unsupported tag !foo");
    }

    #[test]
    fn merge_keys_apply() {
        let v = load("base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n").unwrap();
        let other = v.get("other").unwrap();
        assert_eq!(other.get("x"), Some(&Value::from(1)));
    }

    #[test]
    fn truthiness() {
        for text in ["null", "false", "0", "0.0", "''", "[]", "{}"] {
            assert!(is_falsy(&load(text).unwrap()), "{text}");
        }
        for text in ["true", "1", "x", "[0]", "{a: 1}"] {
            assert!(!is_falsy(&load(text).unwrap()), "{text}");
        }
    }

    #[test]
    fn json_conversion() {
        let v = load("a: [1, -2, 1.5, True, null, 'x']\n1: y\n").unwrap();
        assert_eq!(
            to_json(&v).unwrap(),
            serde_json::json!({"a": [1, -2, 1.5, true, null, "x"], "1": "y"})
        );
        assert!(to_json(&load("a: .inf").unwrap()).is_err());
    }
}
