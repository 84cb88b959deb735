//! The query AST the API builds (from simple `q.*` queries or complex query
//! JSON) and storage compiles to parameterised SQL.

use crate::time::Timestamp;

/// A comparison operator (Ceilometer's `lt le eq ne ge gt`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `=`
    Eq,
    /// `<>`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl Op {
    /// Parses Ceilometer's names (`eq`, `ne`, `lt`, `le`, `gt`, `ge`) and the
    /// complex query's symbols (`=`, `!=`, `<`, `<=`, `=<`, `>`, `>=`, `=>`).
    pub fn parse(text: &str) -> Option<Op> {
        Some(match text.to_ascii_lowercase().as_str() {
            "eq" | "=" => Op::Eq,
            "ne" | "!=" => Op::Ne,
            "lt" | "<" => Op::Lt,
            "le" | "<=" | "=<" => Op::Le,
            "gt" | ">" => Op::Gt,
            "ge" | ">=" | "=>" => Op::Ge,
            _ => return None,
        })
    }

    pub(crate) fn sql(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "<>",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
        }
    }
}

/// A typed value (Ceilometer's `q.type`: string, integer, float, boolean,
/// datetime). The type decides which metadata or trait table a metadata or
/// trait query reads, as in Ceilometer.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `string`
    Text(String),
    /// `integer`
    Int(i64),
    /// `float`
    Float(f64),
    /// `boolean`
    Bool(bool),
    /// `datetime`
    Datetime(Timestamp),
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Text(s.to_string())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Text(s)
    }
}
impl From<i64> for Value {
    fn from(v: i64) -> Value {
        Value::Int(v)
    }
}
impl From<f64> for Value {
    fn from(v: f64) -> Value {
        Value::Float(v)
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Value {
        Value::Bool(v)
    }
}
impl From<Timestamp> for Value {
    fn from(v: Timestamp) -> Value {
        Value::Datetime(v)
    }
}

/// A filter expression.
///
/// Sample fields (samples, meters, resources, statistics): `meter` (aliases
/// `counter_name`, `name`), `type` (`counter_type`), `unit` (`counter_unit`),
/// `volume` (`counter_volume`), `user_id` (`user`), `project_id` (`project`),
/// `resource_id` (`resource`), `source`, `message_id`, `timestamp`,
/// `recorded_at`, and `metadata.<key>` / `resource_metadata.<key>` (nested
/// keys joined with `.`).
///
/// Event fields: `event_type`, `message_id`, `generated` (alias `timestamp`),
/// `traits.<name>` (alias `trait.<name>`), and `project_id` / `user_id`, which
/// are the text traits of those names (how Ceilometer scopes events).
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// All must hold (empty: always true).
    And(Vec<Filter>),
    /// One must hold (empty: always false).
    Or(Vec<Filter>),
    /// Must not hold.
    Not(Box<Filter>),
    /// `field op value`.
    Cmp {
        /// Field name.
        field: String,
        /// Operator.
        op: Op,
        /// Value.
        value: Value,
    },
    /// `field` equals one of `values` (empty: always false).
    In {
        /// Field name.
        field: String,
        /// Values.
        values: Vec<Value>,
    },
}

impl Default for Filter {
    fn default() -> Filter {
        Filter::all()
    }
}

impl Filter {
    /// Matches everything.
    pub fn all() -> Filter {
        Filter::And(Vec::new())
    }

    /// `field op value`.
    pub fn cmp(field: impl Into<String>, op: Op, value: impl Into<Value>) -> Filter {
        Filter::Cmp {
            field: field.into(),
            op,
            value: value.into(),
        }
    }

    /// `field = value`.
    pub fn eq(field: impl Into<String>, value: impl Into<Value>) -> Filter {
        Filter::cmp(field, Op::Eq, value)
    }

    /// `self AND other` (flattening nested ANDs).
    pub fn and(self, other: Filter) -> Filter {
        let mut parts = match self {
            Filter::And(v) => v,
            f => vec![f],
        };
        match other {
            Filter::And(v) => parts.extend(v),
            f => parts.push(f),
        }
        Filter::And(parts)
    }

    /// Bounds on `field` implied by the top-level conjunction: the largest
    /// lower bound (`gt`/`ge`) and the smallest upper bound (`lt`/`le`) whose
    /// values are datetimes. Used for statistics periods, as Ceilometer's
    /// `start_timestamp` / `end_timestamp`.
    pub fn time_bounds(&self, field: &str) -> (Option<Timestamp>, Option<Timestamp>) {
        let mut start: Option<Timestamp> = None;
        let mut end: Option<Timestamp> = None;
        let mut visit = |f: &Filter| {
            if let Filter::Cmp {
                field: name,
                op,
                value,
            } = f
                && name == field
            {
                let t = match value {
                    Value::Datetime(t) => Some(*t),
                    Value::Text(s) => Timestamp::parse(s).ok(),
                    _ => None,
                };
                if let Some(t) = t {
                    match op {
                        Op::Gt | Op::Ge => start = Some(start.map_or(t, |s| s.max(t))),
                        Op::Lt | Op::Le => end = Some(end.map_or(t, |e| e.min(t))),
                        _ => {}
                    }
                }
            }
        };
        match self {
            Filter::And(parts) => parts.iter().for_each(&mut visit),
            f => visit(f),
        }
        (start, end)
    }
}
