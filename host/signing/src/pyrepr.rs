//! Python 3's `str()` and `repr()` of the values Ceilometer signs.
//!
//! A message's leaf values reach `str()` as the Python objects `json.loads`
//! makes (`str`, `int`, `float`, `bool`, `None`), except that arrays first
//! pass through Ceilometer's `decode_unicode`, which turns every string
//! inside them, object keys included, into UTF-8 `bytes` and rebuilds
//! objects with their keys in sorted order. `str()` of a list or dict is
//! the `repr()` of its elements, so strings inside arrays render as
//! `b'…'` literals.

use core::fmt::Write as _;

use serde_json::{Map, Number, Value};

/// Python's `str(value)` for a leaf value of a message; arrays are taken as
/// having passed through `decode_unicode` first.
#[cfg(test)]
pub(crate) fn py_str(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => {
            let mut out = String::new();
            push_py_str_of_non_string(other, &mut out);
            out
        }
    }
}

/// Appends Python's `str(value)` of a leaf value that is not a string
/// (strings are their own `str()`).
pub(crate) fn push_py_str_of_non_string(value: &Value, out: &mut String) {
    repr_decoded(value, out);
}

/// Appends Python's `repr()` of `decode_unicode(value)`.
fn repr_decoded(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("None"),
        Value::Bool(true) => out.push_str("True"),
        Value::Bool(false) => out.push_str("False"),
        Value::Number(n) => push_number(n, out),
        Value::String(s) => push_bytes_repr(s.as_bytes(), out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                repr_decoded(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => push_dict(map, out),
    }
}

/// Appends the `repr()` of a dict rebuilt by `decode_unicode`: keys sorted,
/// keys and string values as `bytes`.
fn push_dict(map: &Map<String, Value>, out: &mut String) {
    let mut entries: Vec<(&String, &Value)> = map.iter().collect();
    entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
    out.push('{');
    for (i, (key, value)) in entries.into_iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        push_bytes_repr(key.as_bytes(), out);
        out.push_str(": ");
        repr_decoded(value, out);
    }
    out.push('}');
}

/// Appends Python's `str()` of the number `json.loads` would have made:
/// integers in decimal, floats as [`float_repr`].
fn push_number(n: &Number, out: &mut String) {
    if let Some(u) = n.as_u64() {
        let _ = write!(out, "{u}");
    } else if let Some(i) = n.as_i64() {
        let _ = write!(out, "{i}");
    } else if n.is_f64() {
        out.push_str(&float_repr(n.as_f64().unwrap_or(f64::NAN)));
    } else {
        // Only reachable with serde_json's `arbitrary_precision`: an integer
        // beyond 64 bits, kept as its digits, which is what Python prints.
        let _ = write!(out, "{n}");
    }
}

/// Python 3's `repr()` (and `str()`) of a float: the shortest digits that
/// round-trip, in fixed notation when the decimal exponent is in
/// `-4 <= exp < 16` (with a `.0` on integral values), otherwise in
/// exponent notation with a signed, at least two-digit exponent
/// (`1e-05`, `1.5e+16`).
pub(crate) fn float_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".to_owned();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    let sign = if x.is_sign_negative() { "-" } else { "" };
    if x == 0.0 {
        return format!("{sign}0.0");
    }
    let (digits, exp) = shortest_digits(x.abs());
    // Python's `decpt`: the value is 0.DIGITS x 10^decpt.
    let decpt = exp + 1;
    let body = if decpt <= -4 || decpt > 16 {
        let (first, rest) = digits.split_at(1.min(digits.len()));
        let dot = if rest.is_empty() { "" } else { "." };
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{first}{dot}{rest}e{esign}{:02}", exp.unsigned_abs())
    } else if decpt <= 0 {
        let zeros = "0".repeat(decpt.unsigned_abs() as usize);
        format!("0.{zeros}{digits}")
    } else {
        let point = decpt.unsigned_abs() as usize;
        if point >= digits.len() {
            let zeros = "0".repeat(point - digits.len());
            format!("{digits}{zeros}.0")
        } else {
            let (int, frac) = digits.split_at(point);
            format!("{int}.{frac}")
        }
    };
    format!("{sign}{body}")
}

/// The shortest significant digits that round-trip to `x` (finite, > 0),
/// and the decimal exponent of the first: `x ~ D.DDD x 10^exp`.
///
/// Rust's `{:e}` finds them, but where the exact value of `x` lies exactly
/// half-way between two such candidates it rounds up, while Python's dtoa
/// takes the even one (`83523373492798.125` prints as `…798.12`). That
/// tie is detected on the exact expansion of `x` and settled as dtoa does.
fn shortest_digits(x: f64) -> (String, i32) {
    let (digits, exp) = split_sci(&format!("{x:e}"));
    if !tie_possible(x, digits.len()) {
        return (digits, exp);
    }
    // An f64's exact decimal expansion has at most 767 significant digits.
    let (exact, exact_exp) = split_sci(&format!("{x:.800e}"));
    let exact = exact.trim_end_matches('0');
    let n = digits.len();
    if exact.len() != n + 1 || !exact.ends_with('5') {
        return (digits, exp);
    }
    let down = exact[..n].to_owned();
    let (up, up_exp) = increment(&down, exact_exp);
    let round_trips = |d: &str, e: i32| {
        format!("{d}e{}", e - digit_count(d) + 1)
            .parse::<f64>()
            .is_ok_and(|y| y.to_bits() == x.to_bits())
    };
    // Both candidates are as near; dtoa takes the even one when it
    // round-trips (it may not next to a power of two).
    let candidates = [(down, exact_exp), (up, up_exp)];
    let [(a, ae), (b, be)] = candidates;
    let a_even = a
        .bytes()
        .last()
        .is_some_and(|d| matches!(d, b'0' | b'2' | b'4' | b'6' | b'8'));
    let (first, second) = if a_even {
        ((a, ae), (b, be))
    } else {
        ((b, be), (a, ae))
    };
    if round_trips(&first.0, first.1) {
        first
    } else if round_trips(&second.0, second.1) {
        second
    } else {
        (digits, exp)
    }
}

/// Whether the exact decimal expansion of `x` (finite, > 0) can have
/// exactly `n + 1` significant digits, the only case in which Rust's
/// shortest `n` digits may differ from dtoa's. Cheap, so the exact
/// 800-digit expansion is only written for the rare candidates.
///
/// `x = m * 2^e` with `m` odd. For `e >= 0` below 2^53 the shortest digits
/// are the integer's own, so there is no tie; larger integers take the exact
/// path. For `e < 0` the expansion is `m * 5^-e` shifted, whose digit count
/// is exact in 128-bit integers while `5^-e` stays below 10^18; beyond that
/// it has more than 18 digits, more than `n + 1` can be.
fn tie_possible(x: f64, n: usize) -> bool {
    let bits = x.to_bits();
    let biased = i32::try_from((bits >> 52) & 0x7ff).unwrap_or(0);
    let fraction = bits & ((1u64 << 52) - 1);
    let (mut m, mut e) = if biased == 0 {
        (fraction, -1074)
    } else {
        (fraction | (1u64 << 52), biased - 1075)
    };
    if m == 0 {
        return false;
    }
    let zeros = m.trailing_zeros();
    m >>= zeros;
    e += i32::try_from(zeros).unwrap_or(0);
    if e >= 0 {
        return x >= 9_007_199_254_740_992.0;
    }
    let k = e.unsigned_abs();
    if k > 25 {
        return false;
    }
    let exact = u128::from(m) * 5u128.pow(k);
    let digits = exact.checked_ilog10().map_or(1, |d| d as usize + 1);
    digits == n + 1
}

/// Splits Rust's `{:e}` output (`"1.2345e-5"`) into its digits without the
/// point (`"12345"`) and the exponent (`-5`).
fn split_sci(sci: &str) -> (String, i32) {
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci, "0"));
    let digits = mantissa.chars().filter(char::is_ascii_digit).collect();
    (digits, exp.parse().unwrap_or(0))
}

/// Number of digits, as an exponent offset.
fn digit_count(digits: &str) -> i32 {
    i32::try_from(digits.len()).unwrap_or(i32::MAX)
}

/// Adds one in the last place of `digits` (first digit at 10^`exp`),
/// dropping trailing zeros: `("129", 0)` gives `("13", 0)`, `("99", 4)`
/// gives `("1", 5)`.
fn increment(digits: &str, exp: i32) -> (String, i32) {
    let mut bytes = digits.as_bytes().to_vec();
    let mut carry = true;
    for b in bytes.iter_mut().rev() {
        if !carry {
            break;
        }
        if *b == b'9' {
            *b = b'0';
        } else {
            *b += 1;
            carry = false;
        }
    }
    let mut out: String = bytes.into_iter().map(char::from).collect();
    let mut exp = exp;
    if carry {
        out.insert(0, '1');
        exp += 1;
    }
    let trimmed = out.trim_end_matches('0');
    let trimmed = if trimmed.is_empty() { "0" } else { trimmed };
    (trimmed.to_owned(), exp)
}

/// Appends Python's `repr()` of a `bytes` object: `b'…'`, or `b"…"` when the
/// bytes hold a `'` and no `"`; backslash, the quote, `\t`, `\n` and `\r`
/// escaped; other bytes below 0x20 or from 0x7f up as lowercase `\xhh`.
fn push_bytes_repr(bytes: &[u8], out: &mut String) {
    let quote = if bytes.contains(&b'\'') && !bytes.contains(&b'"') {
        '"'
    } else {
        '\''
    };
    out.push('b');
    out.push(quote);
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            _ if char::from(b) == quote => {
                out.push('\\');
                out.push(quote);
            }
            0x20..=0x7e => out.push(char::from(b)),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    out.push(quote);
}

#[cfg(test)]
mod tests {
    use super::{float_repr, py_str, split_sci, tie_possible};
    use serde_json::{Value, json};

    #[test]
    fn scalars() {
        assert_eq!(py_str(&json!(null)), "None");
        assert_eq!(py_str(&json!(true)), "True");
        assert_eq!(py_str(&json!(false)), "False");
        assert_eq!(py_str(&json!(1_200_000_000)), "1200000000");
        assert_eq!(py_str(&json!(-7)), "-7");
        assert_eq!(py_str(&json!(u64::MAX)), "18446744073709551615");
        assert_eq!(py_str(&json!(i64::MIN)), "-9223372036854775808");
        assert_eq!(py_str(&json!(1.5)), "1.5");
        assert_eq!(py_str(&json!("Béз 'q' \"d\"\n")), "Béз 'q' \"d\"\n");
    }

    #[test]
    #[expect(
        clippy::excessive_precision,
        reason = "the tie cases are written as the exact binary values"
    )]
    fn floats_match_python_repr() {
        // Expected values are Python 3's repr() of the same floats.
        let cases: &[(f64, &str)] = &[
            (1.5, "1.5"),
            (1.0, "1.0"),
            (-2.0, "-2.0"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (0.1, "0.1"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1e-4, "0.0001"),
            (1.5e-4, "0.00015"),
            (1e-5, "1e-05"),
            (1.234e-7, "1.234e-07"),
            (123.456, "123.456"),
            (1e15, "1000000000000000.0"),
            (9_999_999_999_999_998.0, "9999999999999998.0"),
            (1e16, "1e+16"),
            (1.5e16, "1.5e+16"),
            (2e16 + 8.0, "2.000000000000001e+16"),
            // Exact ties between two shortest candidates: Python takes the
            // even digit, where Rust's formatter would round up.
            (-83_523_373_492_798.125, "-83523373492798.12"),
            (262_328_159_203_694.125, "262328159203694.12"),
            (-86_744_794_176_052.625, "-86744794176052.62"),
            // A tie next to a power of two, where the even candidate does
            // not round-trip: 2**-24 is 5.9604644775390625e-08.
            (5.960_464_477_539_062_5e-8, "5.960464477539063e-08"),
            (1e22, "1e+22"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (5e-324, "5e-324"),
            (2.2250738585072014e-308, "2.2250738585072014e-308"),
            (1e100, "1e+100"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
        ];
        for &(x, want) in cases {
            assert_eq!(float_repr(x), want, "repr of {x:e}");
        }
    }

    /// The cheap tie check never skips a tie: on values built to tie and on
    /// pseudo-random ones, the answer equals the one the exact expansion gives.
    #[test]
    fn the_tie_check_never_skips_a_tie() {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut values: Vec<f64> = Vec::new();
        for _ in 0..20_000 {
            values.push(f64::from_bits(next() >> 1));
            // Short dyadic fractions, where ties live.
            let m = (next() >> 40) as f64;
            let k = (next() % 30) as i32;
            values.push(m / 2f64.powi(k));
        }
        for x in values.into_iter().filter(|x| x.is_finite() && *x > 0.0) {
            let (digits, _) = split_sci(&format!("{x:e}"));
            let (exact, _) = split_sci(&format!("{x:.800e}"));
            let exact = exact.trim_end_matches('0');
            let tie = exact.len() == digits.len() + 1 && exact.ends_with('5');
            if tie {
                assert!(tie_possible(x, digits.len()), "missed the tie of {x:e}");
            }
        }
    }

    #[test]
    fn parsed_floats_stay_floats() {
        let v: Value = serde_json::from_str(r#"[1.0, 1e2, 2.5E-5, 100]"#).unwrap_or_default();
        assert_eq!(py_str(&v), "[1.0, 100.0, 2.5e-05, 100]");
    }

    #[test]
    fn lists_render_strings_as_bytes() {
        assert_eq!(py_str(&json!(["c"])), "[b'c']");
        assert_eq!(py_str(&json!(["x", "y"])), "[b'x', b'y']");
        assert_eq!(py_str(&json!([])), "[]");
        assert_eq!(py_str(&json!([[], [[]]])), "[[], [[]]]");
        assert_eq!(
            py_str(&json!([1, 1.5, true, null, "s"])),
            "[1, 1.5, True, None, b's']"
        );
    }

    #[test]
    fn bytes_repr_quotes_and_escapes() {
        assert_eq!(py_str(&json!(["it's"])), r#"[b"it's"]"#);
        assert_eq!(py_str(&json!(["say \"hi\""])), r#"[b'say "hi"']"#);
        assert_eq!(py_str(&json!(["'\""])), r#"[b'\'"']"#);
        assert_eq!(py_str(&json!(["a\\b"])), r"[b'a\\b']");
        assert_eq!(
            py_str(&json!(["\t\n\r\u{0}\u{1f}\u{7f}"])),
            r"[b'\t\n\r\x00\x1f\x7f']"
        );
        assert_eq!(py_str(&json!(["é"])), r"[b'\xc3\xa9']");
        assert_eq!(
            py_str(&json!(["з€😀"])),
            r"[b'\xd0\xb7\xe2\x82\xac\xf0\x9f\x98\x80']"
        );
    }

    #[test]
    fn dicts_in_lists_are_sorted_with_bytes_keys() {
        let v = json!([{"b": "B", "a": [1, {"z": null, "é": false}], "c": {}}]);
        assert_eq!(
            py_str(&v),
            r"[{b'a': [1, {b'z': None, b'\xc3\xa9': False}], b'b': b'B', b'c': {}}]"
        );
    }
}
