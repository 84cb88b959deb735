//! Python semantics on JSON values: arithmetic (`operator.add` & co.),
//! comparisons, `int()` coercion and `repr(float)`.
//!
//! JSON maps onto Python as `null`→`None`, booleans→`bool` (an `int`),
//! integers→`int`, other numbers→`float`, strings→`str`, arrays→`list`,
//! objects→`dict`. Python ints are unbounded; here they are `i128`, and a
//! result beyond 64 bits becomes a float in JSON.

use std::cmp::Ordering;

use serde_json::{Number, Value};

use crate::ast::ArithOp;

/// Why a Python operation failed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PyError {
    /// A `TypeError` (the arithmetic extension swallows these).
    Type(String),
    /// Any other exception (`ZeroDivisionError`, `MemoryError`, ...).
    Other(String),
}

/// A Python view of a value.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Py<'v> {
    None,
    Int(i128),
    Float(f64),
    Bool(bool),
    Str(&'v str),
    List(&'v [Value]),
    Dict,
}

impl<'v> Py<'v> {
    /// The Python object a JSON value decodes to.
    pub(crate) fn of(value: &'v Value) -> Py<'v> {
        match value {
            Value::Null => Py::None,
            Value::Bool(b) => Py::Bool(*b),
            Value::Number(n) => number(n),
            Value::String(s) => Py::Str(s),
            Value::Array(a) => Py::List(a),
            Value::Object(_) => Py::Dict,
        }
    }

    fn type_name(self) -> &'static str {
        match self {
            Py::None => "NoneType",
            Py::Int(_) => "int",
            Py::Float(_) => "float",
            Py::Bool(_) => "bool",
            Py::Str(_) => "str",
            Py::List(_) => "list",
            Py::Dict => "dict",
        }
    }

    /// The value as an int if it is one (`bool` included).
    fn as_int(self) -> Option<i128> {
        match self {
            Py::Int(i) => Some(i),
            Py::Bool(b) => Some(i128::from(b)),
            _ => None,
        }
    }

    /// The value as a number (`bool` included).
    fn as_num(self) -> Option<Num> {
        match self {
            Py::Float(f) => Some(Num::Float(f)),
            other => other.as_int().map(Num::Int),
        }
    }
}

fn number(n: &Number) -> Py<'static> {
    if let Some(i) = n.as_i64() {
        Py::Int(i128::from(i))
    } else if let Some(u) = n.as_u64() {
        Py::Int(i128::from(u))
    } else {
        Py::Float(n.as_f64().unwrap_or(f64::NAN))
    }
}

#[derive(Debug, Clone, Copy)]
enum Num {
    Int(i128),
    Float(f64),
}

impl Num {
    fn float(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Float(f) => f,
        }
    }
}

/// The largest string or list an operation may build (Python would raise
/// `MemoryError` somewhere above this).
const MAX_BUILT_LEN: usize = 1 << 26;

/// A Python int as JSON.
pub(crate) fn int_value(i: i128) -> Value {
    if let Ok(v) = i64::try_from(i) {
        Value::from(v)
    } else if let Ok(v) = u64::try_from(i) {
        Value::from(v)
    } else {
        Number::from_f64(i as f64).map_or(Value::Null, Value::Number)
    }
}

fn float_value(f: f64) -> Result<Value, PyError> {
    Number::from_f64(f)
        .map(Value::Number)
        .ok_or_else(|| PyError::Other(format!("float result {f} has no JSON form")))
}

fn num_value(n: Num) -> Result<Value, PyError> {
    match n {
        Num::Int(i) => Ok(int_value(i)),
        Num::Float(f) => float_value(f),
    }
}

fn repeat_count(times: i128) -> usize {
    usize::try_from(times.max(0)).unwrap_or(usize::MAX)
}

fn repeat_str(s: &str, times: i128) -> Result<Value, PyError> {
    let n = repeat_count(times);
    if s.len().saturating_mul(n) > MAX_BUILT_LEN {
        return Err(PyError::Other("MemoryError".into()));
    }
    Ok(Value::String(s.repeat(n)))
}

fn repeat_list(l: &[Value], times: i128) -> Result<Value, PyError> {
    let n = repeat_count(times);
    if l.len().saturating_mul(n) > MAX_BUILT_LEN {
        return Err(PyError::Other("MemoryError".into()));
    }
    let mut out = Vec::with_capacity(l.len() * n);
    for _ in 0..n {
        out.extend_from_slice(l);
    }
    Ok(Value::Array(out))
}

/// `operator.add/sub/mul/truediv(a, b)`.
pub(crate) fn arith(op: ArithOp, a: Py<'_>, b: Py<'_>) -> Result<Value, PyError> {
    let unsupported = || {
        let sym = match op {
            ArithOp::Add => "+",
            ArithOp::Sub => "-",
            ArithOp::Mul => "*",
            ArithOp::Div => "/",
        };
        PyError::Type(format!(
            "unsupported operand type(s) for {sym}: '{}' and '{}'",
            a.type_name(),
            b.type_name()
        ))
    };
    if let (Some(x), Some(y)) = (a.as_num(), b.as_num()) {
        let result = match (op, x, y) {
            (ArithOp::Add, Num::Int(x), Num::Int(y)) => x.checked_add(y).map(Num::Int),
            (ArithOp::Sub, Num::Int(x), Num::Int(y)) => x.checked_sub(y).map(Num::Int),
            (ArithOp::Mul, Num::Int(x), Num::Int(y)) => x.checked_mul(y).map(Num::Int),
            (ArithOp::Div, _, _) => {
                if y.float() == 0.0 {
                    return Err(PyError::Other("ZeroDivisionError: division by zero".into()));
                }
                Some(Num::Float(x.float() / y.float()))
            }
            _ => None,
        };
        let result = result.unwrap_or_else(|| {
            let (x, y) = (x.float(), y.float());
            Num::Float(match op {
                ArithOp::Add => x + y,
                ArithOp::Sub => x - y,
                ArithOp::Mul => x * y,
                ArithOp::Div => x / y,
            })
        });
        return num_value(result);
    }
    match (op, a, b) {
        (ArithOp::Add, Py::Str(x), Py::Str(y)) => {
            let mut s = String::with_capacity(x.len() + y.len());
            s.push_str(x);
            s.push_str(y);
            Ok(Value::String(s))
        }
        (ArithOp::Add, Py::List(x), Py::List(y)) => {
            let mut l = Vec::with_capacity(x.len() + y.len());
            l.extend_from_slice(x);
            l.extend_from_slice(y);
            Ok(Value::Array(l))
        }
        (ArithOp::Mul, Py::Str(s), n) | (ArithOp::Mul, n, Py::Str(s)) => match n.as_int() {
            Some(n) => repeat_str(s, n),
            None => Err(unsupported()),
        },
        (ArithOp::Mul, Py::List(l), n) | (ArithOp::Mul, n, Py::List(l)) => match n.as_int() {
            Some(n) => repeat_list(l, n),
            None => Err(unsupported()),
        },
        _ => Err(unsupported()),
    }
}

/// Exact comparison of an int with a float, as Python does it.
fn cmp_int_float(i: i128, f: f64) -> Option<Ordering> {
    if f.is_nan() {
        return None;
    }
    const LIMIT: f64 = 1.7014118346046923e38; // 2**127
    if f >= LIMIT {
        return Some(Ordering::Less);
    }
    if f < -LIMIT {
        return Some(Ordering::Greater);
    }
    let t = f.trunc();
    Some(i.cmp(&(t as i128)).then(if f > t {
        Ordering::Less
    } else if f < t {
        Ordering::Greater
    } else {
        Ordering::Equal
    }))
}

fn cmp_num(a: Num, b: Num) -> Option<Ordering> {
    match (a, b) {
        (Num::Int(x), Num::Int(y)) => Some(x.cmp(&y)),
        (Num::Int(x), Num::Float(y)) => cmp_int_float(x, y),
        (Num::Float(x), Num::Int(y)) => cmp_int_float(y, x).map(Ordering::reverse),
        (Num::Float(x), Num::Float(y)) => x.partial_cmp(&y),
    }
}

/// Python `a == b`.
pub(crate) fn eq(a: Py<'_>, b: Py<'_>) -> bool {
    if let (Some(x), Some(y)) = (a.as_num(), b.as_num()) {
        return cmp_num(x, y) == Some(Ordering::Equal);
    }
    match (a, b) {
        (Py::None, Py::None) => true,
        (Py::Str(x), Py::Str(y)) => x == y,
        (Py::List(x), Py::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| eq(Py::of(x), Py::of(y)))
        }
        _ => false,
    }
}

/// Python `a == b` on JSON values (dicts compared by content).
pub(crate) fn values_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| values_eq(v, w)))
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| values_eq(x, y))
        }
        _ => eq(Py::of(a), Py::of(b)),
    }
}

/// Python `a < b` (and friends through the returned ordering): numbers,
/// strings and lists compare; anything else is a `TypeError`.
pub(crate) fn compare(a: Py<'_>, b: Py<'_>) -> Result<Option<Ordering>, PyError> {
    if let (Some(x), Some(y)) = (a.as_num(), b.as_num()) {
        return Ok(cmp_num(x, y));
    }
    match (a, b) {
        (Py::Str(x), Py::Str(y)) => Ok(Some(x.cmp(y))),
        (Py::List(x), Py::List(y)) => {
            for (x, y) in x.iter().zip(y) {
                if !values_eq(x, y) {
                    return compare(Py::of(x), Py::of(y));
                }
            }
            Ok(Some(x.len().cmp(&y.len())))
        }
        _ => Err(PyError::Type(format!(
            "'<' not supported between instances of '{}' and '{}'",
            a.type_name(),
            b.type_name()
        ))),
    }
}

/// Python `a < b`.
pub(crate) fn less(a: &Value, b: &Value) -> Result<bool, PyError> {
    Ok(compare(Py::of(a), Py::of(b))? == Some(Ordering::Less))
}

/// Python `int(value)`: `Ok(None)` for a `ValueError` (the filter skips the
/// item), `Err` for a `TypeError`.
pub(crate) fn to_int(value: Py<'_>) -> Result<Option<i128>, PyError> {
    match value {
        Py::Int(i) => Ok(Some(i)),
        Py::Bool(b) => Ok(Some(i128::from(b))),
        Py::Float(f) if f.is_nan() => Ok(None),
        Py::Float(f) if f.is_infinite() => Err(PyError::Other("OverflowError".into())),
        Py::Float(f) => Ok(Some(f.trunc() as i128)),
        Py::Str(s) => Ok(parse_int(s)),
        other => Err(PyError::Type(format!(
            "int() argument must be a string, a bytes-like object or a real number, not '{}'",
            other.type_name()
        ))),
    }
}

/// `int(str)`: surrounding whitespace, a sign, digits with single
/// underscores between them.
fn parse_int(s: &str) -> Option<i128> {
    let s = s.trim_matches(crate::lexer::is_py_space);
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
    {
        return None;
    }
    let mut n: i128 = 0;
    for c in digits.chars() {
        if c == '_' {
            continue;
        }
        let d = c.to_digit(10)?;
        n = n.saturating_mul(10).saturating_add(i128::from(d));
    }
    Some(if negative { -n } else { n })
}

/// Python's `repr(float)`.
pub(crate) fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if (-4..16).contains(&exp) {
        let s = format!("{f}");
        if s.contains('.') { s } else { format!("{s}.0") }
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    }
}
