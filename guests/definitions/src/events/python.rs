//! Python's view of JSON values, where Ceilometer's behaviour depends on it:
//! `str()`, `repr()`, `int()`, `float()`, `==`, and `str.casefold()`.
//!
//! The `repr` of an object lists its keys in the map's order: document
//! order, like Python's dicts, as this crate enables serde_json's
//! `preserve_order`.

use serde_json::Value;

/// Python's type name of the value (`NoneType`, `bool`, `int`, `float`,
/// `str`, `list`, `dict`), as error messages print it.
pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

/// Python's truthiness (`bool(value)`).
pub fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// Python's `str(value)`.
pub fn str_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => repr(other),
    }
}

/// Python's `repr(value)`.
pub fn repr(value: &Value) -> String {
    match value {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.to_string(),
            (None, Some(u), _) => u.to_string(),
            (None, None, Some(f)) => float_repr(f),
            _ => n.to_string(),
        },
        Value::String(s) => repr_str(s),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(repr).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!("{}: {}", repr_str(k), repr(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Python's `repr()` of a string: single quotes unless the text contains a
/// single quote and no double quote; backslash escapes for the quote,
/// backslashes, and characters Python does not print.
pub fn repr_str(text: &str) -> String {
    let quote = if text.contains('\'') && !text.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(text.len() + 2);
    out.push(quote);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if is_printable(c) => out.push(c),
            c if (c as u32) <= 0xff => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) <= 0xffff => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push(quote);
    out
}

/// An approximation of Python's `str.isprintable()` for one character:
/// controls, separators other than the space, format characters, private
/// use and noncharacters are not printable.
fn is_printable(c: char) -> bool {
    let code = c as u32;
    !(c.is_control()
        || matches!(
            code,
            0xa0 | 0xad | 0x1680 | 0x3000 | 0xfeff | 0x61c | 0x180e
        )
        || (0x2000..=0x200f).contains(&code)
        || (0x2028..=0x202f).contains(&code)
        || (0x205f..=0x206f).contains(&code)
        || (0xfff9..=0xfffb).contains(&code)
        || (0xe000..=0xf8ff).contains(&code)
        || (0xf0000..).contains(&code)
        || code & 0xfffe == 0xfffe
        || (0xfdd0..=0xfdef).contains(&code))
}

/// Python's `repr()` of a float: the shortest round-tripping digits, in
/// positional notation with at least one decimal (`1.0`, `0.0001`) when the
/// decimal exponent is in -4..16, else scientific (`1e-05`, `1.5e+16`).
pub fn float_repr(value: f64) -> String {
    if value.is_nan() {
        return "nan".into();
    }
    if value.is_infinite() {
        return if value > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    let scientific = format!("{value:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let point = exponent + 1;
    if !(-4 < point && point <= 16) {
        let (first, rest) = digits.split_at(1);
        let fraction = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        return format!(
            "{sign}{first}{fraction}e{exp_sign}{:02}",
            exponent.unsigned_abs()
        );
    }
    let len = digits.len() as i32;
    if point <= 0 {
        format!(
            "{sign}0.{}{digits}",
            "0".repeat(point.unsigned_abs() as usize)
        )
    } else if point >= len {
        format!("{sign}{digits}{}.0", "0".repeat((point - len) as usize))
    } else {
        let (whole, fraction) = digits.split_at(point as usize);
        format!("{sign}{whole}.{fraction}")
    }
}

/// Whether Python's `str.strip()` removes the character.
fn is_python_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Whether `text` is a run of ASCII digits with single underscores between
/// digits (Python's numeric literal rule).
fn is_digit_part(text: &str) -> bool {
    !text.is_empty()
        && !text.starts_with('_')
        && !text.ends_with('_')
        && !text.contains("__")
        && text.chars().all(|c| c.is_ascii_digit() || c == '_')
}

/// 2**63, the first float beyond `i64`.
const TWO_TO_63: f64 = 9_223_372_036_854_775_808.0;

/// Python's `int(value)`: booleans, integers, floats (truncated toward
/// zero) and base-10 strings (surrounding whitespace, a sign and `_`
/// separators allowed). Values outside `i64` are refused.
pub fn int_of(value: &Value) -> Result<i64, String> {
    match value {
        Value::Bool(b) => Ok(i64::from(*b)),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Ok(i)
            } else if let Some(u) = n.as_u64() {
                Err(format!("int {u} does not fit in 64 bits"))
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                if f.is_nan() {
                    Err("cannot convert float NaN to integer".into())
                } else if f.is_infinite() {
                    Err("cannot convert float infinity to integer".into())
                } else if (-TWO_TO_63..TWO_TO_63).contains(&f.trunc()) {
                    Ok(f.trunc() as i64)
                } else {
                    Err(format!(
                        "int {} does not fit in 64 bits",
                        float_repr(f.trunc())
                    ))
                }
            }
        }
        Value::String(text) => {
            let invalid = || format!("invalid literal for int() with base 10: {}", repr_str(text));
            let trimmed = text.trim_matches(is_python_space);
            let unsigned = trimmed.strip_prefix(['+', '-']).unwrap_or(trimmed);
            if !is_digit_part(unsigned) {
                return Err(invalid());
            }
            let digits: String = trimmed.chars().filter(|c| *c != '_').collect();
            digits
                .parse::<i64>()
                .map_err(|_| format!("int {digits} does not fit in 64 bits"))
        }
        other => Err(format!(
            "int() argument must be a string, a bytes-like object or a real number, not '{}'",
            type_name(other)
        )),
    }
}

/// Python's `float(value)`: booleans, numbers and strings (surrounding
/// whitespace, `_` separators, `inf`/`infinity`/`nan` in any case).
pub fn float_of(value: &Value) -> Result<f64, String> {
    match value {
        Value::Bool(b) => Ok(if *b { 1.0 } else { 0.0 }),
        Value::Number(n) => Ok(n.as_f64().unwrap_or(f64::NAN)),
        Value::String(text) => parse_python_float(text)
            .ok_or_else(|| format!("could not convert string to float: {}", repr_str(text))),
        other => Err(format!(
            "float() argument must be a string or a real number, not '{}'",
            type_name(other)
        )),
    }
}

fn parse_python_float(text: &str) -> Option<f64> {
    let trimmed = text.trim_matches(is_python_space);
    let (negative, unsigned) = match trimmed.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, trimmed.strip_prefix('+').unwrap_or(trimmed)),
    };
    let special = match unsigned.to_ascii_lowercase().as_str() {
        "inf" | "infinity" => Some(f64::INFINITY),
        "nan" => Some(f64::NAN),
        _ => None,
    };
    if let Some(value) = special {
        return Some(if negative { -value } else { value });
    }
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => (&unsigned[..at], Some(&unsigned[at + 1..])),
        None => (unsigned, None),
    };
    let (whole, fraction) = match mantissa.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (mantissa, None),
    };
    let whole_ok = whole.is_empty() || is_digit_part(whole);
    let fraction_ok = fraction.is_none_or(|f| f.is_empty() || is_digit_part(f));
    let has_digits = !whole.is_empty() || fraction.is_some_and(|f| !f.is_empty());
    let exponent_ok =
        exponent.is_none_or(|e| is_digit_part(e.strip_prefix(['+', '-']).unwrap_or(e)));
    if !(whole_ok && fraction_ok && has_digits && exponent_ok) {
        return None;
    }
    let cleaned: String = unsigned.chars().filter(|c| *c != '_').collect();
    let value = cleaned.parse::<f64>().ok()?;
    Some(if negative { -value } else { value })
}

/// A number as Python compares it.
#[derive(Clone, Copy)]
enum Num {
    Int(i128),
    Float(f64),
}

fn as_num(value: &Value) -> Option<Num> {
    match value {
        Value::Bool(b) => Some(Num::Int(i128::from(*b))),
        Value::Number(n) => Some(match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => Num::Int(i128::from(i)),
            (None, Some(u)) => Num::Int(i128::from(u)),
            _ => Num::Float(n.as_f64().unwrap_or(f64::NAN)),
        }),
        _ => None,
    }
}

fn num_equals(a: Num, b: Num) -> bool {
    match (a, b) {
        (Num::Int(x), Num::Int(y)) => x == y,
        (Num::Float(x), Num::Float(y)) => x == y,
        (Num::Int(i), Num::Float(f)) | (Num::Float(f), Num::Int(i)) => {
            f.is_finite() && f.fract() == 0.0 && f.abs() < 1.7e38 && f as i128 == i
        }
    }
}

/// Python's `a == b` (`1 == 1.0 == True`, containers compared deeply).
pub fn equals(a: &Value, b: &Value) -> bool {
    if let (Some(x), Some(y)) = (as_num(a), as_num(b)) {
        return num_equals(x, y);
    }
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| equals(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| equals(v, w)))
        }
        _ => false,
    }
}

/// Python's `str.casefold()`, approximated by lowercasing plus the common
/// full foldings (`ß` → `ss`, final sigma).
pub fn casefold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        match c {
            'ß' => out.push_str("ss"),
            'ς' => out.push('σ'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn str_and_repr_follow_python() {
        assert_eq!(str_of(&json!("a")), "a");
        assert_eq!(str_of(&json!(12)), "12");
        assert_eq!(str_of(&json!(1.0)), "1.0");
        assert_eq!(str_of(&json!(true)), "True");
        assert_eq!(str_of(&json!(null)), "None");
        assert_eq!(str_of(&json!([1, "a", null, 2.5])), "[1, 'a', None, 2.5]");
        assert_eq!(
            str_of(&json!({"b": [], "a": "x'y"})),
            "{'b': [], 'a': \"x'y\"}"
        );
        assert_eq!(repr_str("it's \"q\"\n\\"), "'it\\'s \"q\"\\n\\\\'");
        assert_eq!(repr_str("\u{1}\u{e9}\u{a0}"), "'\\x01\u{e9}\\xa0'");
    }

    #[test]
    fn float_repr_matches_python() {
        let cases = [
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (0.1, "0.1"),
            (6.985999, "6.985999"),
            (1e-4, "0.0001"),
            (1e-5, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1.2345e20, "1.2345e+20"),
            (123456789.125, "123456789.125"),
            (f64::INFINITY, "inf"),
            (1e300, "1e+300"),
        ];
        for (value, expected) in cases {
            assert_eq!(float_repr(value), expected, "{value}");
        }
    }

    #[test]
    fn int_follows_python() {
        assert_eq!(int_of(&json!("12")), Ok(12));
        assert_eq!(int_of(&json!(" -1_000 \n")), Ok(-1000));
        assert_eq!(int_of(&json!("007")), Ok(7));
        assert_eq!(int_of(&json!(3.7)), Ok(3));
        assert_eq!(int_of(&json!(-3.7)), Ok(-3));
        assert_eq!(int_of(&json!(true)), Ok(1));
        assert_eq!(
            int_of(&json!("3.7")),
            Err("invalid literal for int() with base 10: '3.7'".into())
        );
        assert!(int_of(&json!("1__0")).is_err());
        assert!(int_of(&json!("_1")).is_err());
        assert!(int_of(&json!("")).is_err());
        assert!(int_of(&json!("99999999999999999999")).is_err());
        assert_eq!(
            int_of(&json!([1])),
            Err(
                "int() argument must be a string, a bytes-like object or a real number, not 'list'"
                    .into()
            )
        );
    }

    #[test]
    fn float_follows_python() {
        assert_eq!(float_of(&json!("1.5")), Ok(1.5));
        assert_eq!(float_of(&json!(" 1_0.2_5e1_0 ")), Ok(10.25e10));
        assert_eq!(float_of(&json!(".5")), Ok(0.5));
        assert_eq!(float_of(&json!("5.")), Ok(5.0));
        assert_eq!(float_of(&json!("-Infinity")), Ok(f64::NEG_INFINITY));
        assert!(float_of(&json!("nan")).unwrap().is_nan());
        assert_eq!(float_of(&json!(3)), Ok(3.0));
        assert_eq!(float_of(&json!(false)), Ok(0.0));
        for bad in [".", "e5", "1e", "1_", "1._5", "0x10", "abc", ""] {
            assert!(float_of(&json!(bad)).is_err(), "{bad}");
        }
        assert_eq!(
            float_of(&json!("abc")),
            Err("could not convert string to float: 'abc'".into())
        );
    }

    #[test]
    fn equality_follows_python() {
        assert!(equals(&json!(1), &json!(1.0)));
        assert!(equals(&json!(true), &json!(1)));
        assert!(!equals(&json!("1"), &json!(1)));
        assert!(equals(&json!([1, {"a": 2.0}]), &json!([true, {"a": 2}])));
        assert!(!equals(&json!(0.5), &json!(0)));
        assert_eq!(casefold("Straße ÉTÉ"), "strasse été");
    }
}
