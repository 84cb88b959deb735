//! Typing a query value as Ceilometer's `Query._get_value_as_type` does:
//! with `q.type` the value is converted to that type (400 when it cannot
//! be); without, a metadata value goes through Python's `ast.literal_eval`
//! (so `42` is an integer, `1.5` a float, `True` a boolean and `'x'` the
//! string `x`) and stays the plain string when it is no literal.

use nepho_storage::{Timestamp, Value};

use crate::error::ApiError;
use crate::params::strict_bool;

/// The types a simple query may name.
pub(crate) const SAMPLE_TYPES: [&str; 5] = ["integer", "float", "string", "boolean", "datetime"];

/// The types an event query may name (no boolean traits).
pub(crate) const EVENT_TYPES: [&str; 4] = ["integer", "float", "string", "datetime"];

fn python_list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|t| format!("'{t}'")).collect();
    format!("[{}]", quoted.join(", "))
}

/// Converts `value` to `kind`, one of `supported`.
pub(crate) fn typed(value: &str, kind: &str, supported: &[&str]) -> Result<Value, ApiError> {
    if !supported.contains(&kind) {
        return Err(ApiError::bad_request(format!(
            "The data type {kind} is not supported. The supported data type list is: {}",
            python_list(supported)
        )));
    }
    let unconvertible = || {
        ApiError::bad_request(format!(
            "Unable to convert the value {value} to the expected data type {kind}."
        ))
    };
    Ok(match kind {
        "integer" => Value::Int(python_int(value).ok_or_else(unconvertible)?),
        "float" => Value::Float(python_float(value).ok_or_else(unconvertible)?),
        "boolean" => Value::Bool(strict_bool(value).ok_or_else(unconvertible)?),
        "datetime" => Value::Datetime(Timestamp::parse(value).map_err(|_| unconvertible())?),
        _ => Value::Text(value.to_string()),
    })
}

/// Python's `int(text)`.
fn python_int(text: &str) -> Option<i64> {
    let t = text.trim();
    if t.starts_with('_') || t.ends_with('_') || t.contains("__") {
        return None;
    }
    t.replace('_', "").parse().ok()
}

/// Python's `float(text)` (`inf`, `nan` included).
fn python_float(text: &str) -> Option<f64> {
    let t = text.trim();
    if t.starts_with('_') || t.ends_with('_') || t.contains("__") {
        return None;
    }
    t.replace('_', "").parse().ok()
}

/// `ast.literal_eval(text)` for the literals a metadata query can use,
/// else the text itself.
pub(crate) fn literal(text: &str) -> Value {
    let t = text.trim_start_matches([' ', '\t']).trim_end();
    match t {
        "True" => return Value::Bool(true),
        "False" => return Value::Bool(false),
        _ => {}
    }
    if let Some(inner) = quoted(t) {
        return Value::Text(inner.to_string());
    }
    let (sign, digits) = match t.strip_prefix('-') {
        Some(rest) => (-1.0, rest.trim_start()),
        None => (1.0, t.strip_prefix('+').map_or(t, str::trim_start)),
    };
    if is_int_literal(digits) {
        if let Ok(n) = digits.replace('_', "").parse::<i64>() {
            return Value::Int(if sign < 0.0 { -n } else { n });
        }
        return Value::Text(text.to_string());
    }
    if is_float_literal(digits)
        && let Ok(f) = digits.replace('_', "").parse::<f64>()
    {
        return Value::Float(sign * f);
    }
    Value::Text(text.to_string())
}

/// The content of a `'...'` or `"..."` literal without escapes.
fn quoted(t: &str) -> Option<&str> {
    let quote = t.chars().next().filter(|c| *c == '\'' || *c == '"')?;
    let inner = t.strip_prefix(quote)?.strip_suffix(quote)?;
    (!inner.contains(quote) && !inner.contains('\\')).then_some(inner)
}

/// A decimal integer literal: `0`, or digits not starting with 0, `_` between digits.
fn is_int_literal(t: &str) -> bool {
    let groups_ok = !t.is_empty()
        && t.split('_')
            .all(|g| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit()));
    groups_ok && (!t.starts_with('0') || t.bytes().all(|b| b == b'0' || b == b'_'))
}

/// A decimal float literal: `1.5`, `.5`, `5.`, `1e3`, `1.5E-2`.
fn is_float_literal(t: &str) -> bool {
    let (mantissa, exponent) = match t.find(['e', 'E']) {
        Some(i) => (&t[..i], Some(&t[i + 1..])),
        None => (t, None),
    };
    let digits = |s: &str| {
        s.split('_')
            .all(|g| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit()))
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((a, b)) => {
            (!a.is_empty() || !b.is_empty())
                && (a.is_empty() || digits(a))
                && (b.is_empty() || digits(b))
        }
        None => exponent.is_some() && digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        digits(e)
    });
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_as_python() {
        assert_eq!(literal("42"), Value::Int(42));
        assert_eq!(literal("-7"), Value::Int(-7));
        assert_eq!(literal("1_000"), Value::Int(1000));
        assert_eq!(literal("1.5"), Value::Float(1.5));
        assert_eq!(literal(".5"), Value::Float(0.5));
        assert_eq!(literal("2e3"), Value::Float(2000.0));
        assert_eq!(literal("True"), Value::Bool(true));
        assert_eq!(literal("'m1.tiny'"), Value::Text("m1.tiny".into()));
        // No literal: the text itself.
        for text in [
            "m1.tiny",
            "007",
            "true",
            "inf",
            "1.2.3",
            "'; DROP TABLE samples; --",
            "[1]",
        ] {
            assert_eq!(literal(text), Value::Text(text.into()), "{text}");
        }
        assert_eq!(
            literal("99999999999999999999"),
            Value::Text("99999999999999999999".into())
        );
    }

    #[test]
    fn typed_values_and_their_errors() {
        assert_eq!(
            typed(" 5 ", "integer", &SAMPLE_TYPES).unwrap(),
            Value::Int(5)
        );
        assert_eq!(
            typed("5", "string", &SAMPLE_TYPES).unwrap(),
            Value::Text("5".into())
        );
        assert_eq!(
            typed("no", "boolean", &SAMPLE_TYPES).unwrap(),
            Value::Bool(false)
        );
        assert!(matches!(
            typed("2015-01-01T00:00:00+01:00", "datetime", &SAMPLE_TYPES).unwrap(),
            Value::Datetime(t) if t.to_string() == "2014-12-31T23:00:00"
        ));
        let e = typed("abc", "integer", &SAMPLE_TYPES).err().unwrap();
        assert_eq!(
            e.message,
            "Unable to convert the value abc to the expected data type integer."
        );
        let e = typed("1", "boolean", &EVENT_TYPES).err().unwrap();
        assert_eq!(
            e.message,
            "The data type boolean is not supported. The supported data type list is: \
             ['integer', 'float', 'string', 'datetime']"
        );
    }
}
