//! Polling intervals: Ceilometer reads them with Python's `int(value)`.

use serde_yaml_ng::Value;

/// `Invalid interval value`: not convertible with `int()`.
pub(crate) const INVALID: &str = "Invalid interval value";
/// `Interval value should > 0` (sic): zero or negative.
pub(crate) const NOT_POSITIVE: &str = "Interval value should > 0";

/// Reads an interval in seconds as `int(value)` would, then requires it to be > 0.
///
/// Accepted: integers, floats (truncated toward zero, so `0.5` is not > 0) and
/// strings Python's `int()` parses (`" 300 "`, `"+300"`, `"1_000"`). Rejected as
/// invalid: other strings, non-finite floats, booleans, null, lists and mappings
/// (upstream crashes with `TypeError` on most of those; it would take `true` as 1).
pub(crate) fn parse_interval(value: &Value) -> Result<u64, &'static str> {
    let n: i128 = match value {
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into()
            } else if let Some(u) = n.as_u64() {
                u.into()
            } else {
                let f = n.as_f64().filter(|f| f.is_finite()).ok_or(INVALID)?;
                let t = f.trunc();
                if t.abs() > 1e30 {
                    return Err(INVALID);
                }
                t as i128
            }
        }
        Value::String(s) => python_int(s).ok_or(INVALID)?,
        _ => return Err(INVALID),
    };
    if n <= 0 {
        return Err(NOT_POSITIVE);
    }
    u64::try_from(n).map_err(|_| INVALID)
}

/// Python `int(str)` in base 10 for ASCII digits: surrounding whitespace, an
/// optional sign, digits with single `_` separators between digits.
fn python_int(text: &str) -> Option<i128> {
    let s = text.trim();
    let (negative, digits) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
    {
        return None;
    }
    let mut value: i128 = 0;
    for c in digits.chars().filter(|&c| c != '_') {
        let d = c.to_digit(10)?;
        value = value.checked_mul(10)?.checked_add(d.into())?;
    }
    Some(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(yaml: &str) -> Result<u64, &'static str> {
        parse_interval(&serde_yaml_ng::from_str(yaml).unwrap())
    }

    #[test]
    fn accepted_forms() {
        assert_eq!(parse("300"), Ok(300));
        assert_eq!(parse("'600'"), Ok(600));
        assert_eq!(parse("' 60 '"), Ok(60));
        assert_eq!(parse("'+5'"), Ok(5));
        assert_eq!(parse("'1_000'"), Ok(1000));
        assert_eq!(parse("'007'"), Ok(7));
        assert_eq!(parse("2.9"), Ok(2));
    }

    #[test]
    fn invalid_forms() {
        for y in [
            "'abc'",
            "'3.5'",
            "''",
            "'1__0'",
            "'_1'",
            "null",
            "true",
            "[1]",
            "{a: 1}",
            ".inf",
            ".nan",
            "'99999999999999999999999999'",
        ] {
            assert_eq!(parse(y), Err(INVALID), "{y}");
        }
    }

    #[test]
    fn not_positive() {
        for y in ["0", "-5", "'-5'", "0.5", "-0.5"] {
            assert_eq!(parse(y), Err(NOT_POSITIVE), "{y}");
        }
    }
}
