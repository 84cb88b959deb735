//! Python's `json.dumps(value)` with its defaults: `ensure_ascii=True`,
//! separators `", "` and `": "`, floats as `repr()`, keys in map order.

use core::fmt::Write as _;

use nepho_definitions::events::python::float_repr;
use serde_json::{Number, Value};

/// `json.dumps(value)` as Python 3 writes it.
pub fn dumps(value: &Value) -> String {
    let mut out = String::new();
    write_value(value, &mut out);
    out
}

fn write_value(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => write_number(n, out),
        Value::String(s) => write_str(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_str(key, out);
                out.push_str(": ");
                write_value(item, out);
            }
            out.push('}');
        }
    }
}

fn write_number(n: &Number, out: &mut String) {
    if let Some(i) = n.as_i64() {
        let _ = write!(out, "{i}");
    } else if let Some(u) = n.as_u64() {
        let _ = write!(out, "{u}");
    } else {
        out.push_str(&float_repr(n.as_f64().unwrap_or(f64::NAN)));
    }
}

/// A JSON string literal with every character outside printable ASCII
/// escaped, as `ensure_ascii` does (UTF-16 surrogate pairs beyond the BMP).
fn write_str(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            c => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::dumps;
    use serde_json::json;

    #[test]
    fn separators_and_literals_follow_python() {
        let v = json!({"a": [1, 2.0, null, true, false], "b": {}, "c": []});
        assert_eq!(
            dumps(&v),
            r#"{"a": [1, 2.0, null, true, false], "b": {}, "c": []}"#
        );
    }

    #[test]
    fn floats_are_python_reprs() {
        assert_eq!(dumps(&json!(1e20)), "1e+20");
        assert_eq!(dumps(&json!(0.1)), "0.1");
        assert_eq!(dumps(&json!(1e-5)), "1e-05");
        assert_eq!(dumps(&json!(-3)), "-3");
        assert_eq!(dumps(&json!(u64::MAX)), "18446744073709551615");
    }

    #[test]
    fn non_ascii_is_escaped_like_ensure_ascii() {
        assert_eq!(dumps(&json!("é\u{1F600}")), r#""\u00e9\ud83d\ude00""#);
        assert_eq!(
            dumps(&json!("q\"\\\n\u{1}\u{7f}/")),
            r#""q\"\\\n\u0001\u007f/""#
        );
    }

    #[test]
    fn key_order_is_kept() {
        let v: serde_json::Value = serde_json::from_str(r#"{"z": 1, "a": 2}"#).unwrap();
        assert_eq!(dumps(&v), r#"{"z": 1, "a": 2}"#);
    }
}
