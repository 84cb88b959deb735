//! Run-time values of the expression subset and the namespaces names resolve in.

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::sample::Sample;

/// A Python value as seen by an expression.
#[derive(Debug, Clone)]
pub enum Val<'a> {
    /// `None`
    None,
    /// `bool`
    Bool(bool),
    /// `int` (limited to `i64`; overflowing arithmetic falls back to `float`)
    Int(i64),
    /// `float`
    Float(f64),
    /// `str`
    Str(Cow<'a, str>),
    /// Ceilometer's `Namespace` over a JSON object: attribute access, missing keys give
    /// an empty namespace.
    Ns(&'a Map<String, Value>),
    /// A plain `dict` (a JSON object found inside a list).
    Dict(&'a Map<String, Value>),
    /// A `list`.
    List(&'a [Value]),
    /// The `Namespace` built from `sample.as_dict()`.
    Sample(&'a Sample),
    /// An empty `Namespace` (what every missing name or attribute yields).
    Empty,
}

/// Resolves free names (Ceilometer evaluates with a `Namespace` as locals, so an unknown
/// name is an empty namespace, never a builtin).
pub trait Scope<'a> {
    /// The value bound to `name`.
    fn lookup(&self, name: &str) -> Val<'a>;
}

/// Scale expressions: names are the fields of one sample.
pub struct SampleScope<'a>(pub &'a Sample);

impl<'a> Scope<'a> for SampleScope<'a> {
    fn lookup(&self, name: &str) -> Val<'a> {
        sample_attr(self.0, name)
    }
}

impl<'a> Val<'a> {
    /// Converts a JSON value; objects become namespaces when `ns` is set, else dicts.
    pub fn from_json(v: &'a Value, ns: bool) -> Val<'a> {
        match v {
            Value::Null => Val::None,
            Value::Bool(b) => Val::Bool(*b),
            Value::Number(n) => match n.as_i64() {
                Some(i) => Val::Int(i),
                None => Val::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            Value::String(s) => Val::Str(Cow::Borrowed(s)),
            Value::Array(a) => Val::List(a),
            Value::Object(o) if ns => Val::Ns(o),
            Value::Object(o) => Val::Dict(o),
        }
    }

    /// Python truthiness.
    pub fn truthy(&self) -> bool {
        match self {
            Val::None | Val::Empty => false,
            Val::Bool(b) => *b,
            Val::Int(i) => *i != 0,
            Val::Float(f) => *f != 0.0,
            Val::Str(s) => !s.is_empty(),
            Val::Ns(m) | Val::Dict(m) => !m.is_empty(),
            Val::List(l) => !l.is_empty(),
            Val::Sample(_) => true,
        }
    }

    /// Python type name, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Val::None => "NoneType",
            Val::Bool(_) => "bool",
            Val::Int(_) => "int",
            Val::Float(_) => "float",
            Val::Str(_) => "str",
            Val::Ns(_) | Val::Sample(_) | Val::Empty => "Namespace",
            Val::Dict(_) => "dict",
            Val::List(_) => "list",
        }
    }

    /// The value as a number (`bool`, `int`, `float`), else `None`.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Val::Bool(b) => Some(f64::from(u8::from(*b))),
            Val::Int(i) => Some(*i as f64),
            Val::Float(f) => Some(*f),
            _ => None,
        }
    }
}

/// Attribute `name` of the namespace built from `sample.as_dict()`.
pub fn sample_attr<'a>(s: &'a Sample, name: &str) -> Val<'a> {
    let opt = |o: &'a Option<String>| match o {
        Some(v) => Val::Str(Cow::Borrowed(v.as_str())),
        None => Val::None,
    };
    match name {
        "name" => Val::Str(Cow::Borrowed(&s.name)),
        "type" => Val::Str(Cow::Borrowed(&s.r#type)),
        "unit" => Val::Str(Cow::Borrowed(&s.unit)),
        "volume" => Val::Float(s.volume),
        "user_id" => opt(&s.user_id),
        "project_id" => opt(&s.project_id),
        "resource_id" => Val::Str(Cow::Borrowed(&s.resource_id)),
        "timestamp" => Val::Str(Cow::Borrowed(&s.timestamp)),
        // `Sample(resource_metadata=None)` stores `{}`.
        "resource_metadata" => match s.resource_metadata.value() {
            Value::Null => Val::Empty,
            other => Val::from_json(other, true),
        },
        "source" => Val::Str(Cow::Borrowed(&s.source)),
        "id" => Val::Str(Cow::Borrowed(&s.id)),
        "monotonic_time" => s.monotonic_time.map_or(Val::None, Val::Float),
        _ => Val::Empty,
    }
}
