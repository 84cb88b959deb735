//! The simple query of `GET /v2/events`, as Ceilometer's (Newton) events
//! controller reads it, and the scoping of events:
//!
//! - `event_type` and `message_id` take only `eq`; `start_timestamp` only
//!   `ge`; `end_timestamp` only `le`;
//! - any other field is a trait, compared with any operator, its value of
//!   `q.type` (`string` by default; `integer`, `float`, `datetime`);
//! - a non-admin sees the events whose `project_id` and `user_id` traits
//!   are theirs; an admin the events of their own project and those
//!   without a `project_id` trait.

use nepho_storage::{Filter, Op, Timestamp, Value};

use crate::error::ApiError;
use crate::query::simple::Condition;
use crate::query::value::{EVENT_TYPES, typed};

/// Whose events a caller sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum EventScope {
    /// An admin: events of this project, and events without a project.
    Admin {
        /// The admin's own project.
        project: String,
    },
    /// Anyone else: their own events only.
    Owner {
        /// The caller's user.
        user: String,
        /// The caller's project.
        project: String,
    },
}

impl EventScope {
    /// The condition that keeps an event visible.
    pub(crate) fn filter(&self) -> Filter {
        match self {
            EventScope::Owner { user, project } => {
                Filter::eq("project_id", project.as_str()).and(Filter::eq("user_id", user.as_str()))
            }
            EventScope::Admin { project } => Filter::Or(vec![
                Filter::eq("project_id", project.as_str()),
                // No project_id trait at all: every text is >= "".
                Filter::Not(Box::new(Filter::cmp("project_id", Op::Ge, ""))),
            ]),
        }
    }
}

fn op_of(name: &str) -> Op {
    match name {
        "lt" => Op::Lt,
        "le" => Op::Le,
        "ne" => Op::Ne,
        "ge" => Op::Ge,
        "gt" => Op::Gt,
        _ => Op::Eq,
    }
}

fn only(c: &Condition, op: &str) -> Result<(), ApiError> {
    if c.op == op {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "Operator {} is not supported. Only `{op}' operator is available for field {}",
            c.op, c.field
        )))
    }
}

fn time(c: &Condition) -> Result<Timestamp, ApiError> {
    Timestamp::parse(&c.value)
        .map_err(|_| ApiError::invalid_input(&c.field, &c.value, "invalid timestamp format"))
}

/// Compiles the event query, scoped.
pub(crate) fn compile(conditions: &[Condition], scope: &EventScope) -> Result<Filter, ApiError> {
    let mut filter = scope.filter();
    for c in conditions {
        let condition = match c.field.as_str() {
            "event_type" | "message_id" => {
                only(c, "eq")?;
                Filter::eq(c.field.as_str(), c.value.as_str())
            }
            "start_timestamp" => {
                only(c, "ge")?;
                Filter::cmp("generated", Op::Ge, time(c)?)
            }
            "end_timestamp" => {
                only(c, "le")?;
                Filter::cmp("generated", Op::Le, time(c)?)
            }
            name => {
                let kind = c.kind.as_deref().unwrap_or("string");
                let value = typed(&c.value, kind, &EVENT_TYPES)?;
                let field = match name {
                    "project_id" | "user_id" if matches!(value, Value::Text(_)) => name.to_string(),
                    _ => format!("traits.{name}"),
                };
                Filter::cmp(field, op_of(&c.op), value)
            }
        };
        filter = filter.and(condition);
    }
    Ok(filter)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(field: &str, op: &str, value: &str, kind: Option<&str>) -> Condition {
        Condition {
            field: field.into(),
            op: op.into(),
            value: value.into(),
            kind: kind.map(Into::into),
        }
    }

    #[test]
    fn traits_are_typed_and_fields_checked() {
        let owner = EventScope::Owner {
            user: "u".into(),
            project: "p".into(),
        };
        let f = compile(
            &[
                c("event_type", "eq", "compute.instance.create.end", None),
                c("memory_mb", "ge", "512", Some("integer")),
                c("host", "ne", "h1", None),
            ],
            &owner,
        )
        .expect("valid");
        assert_eq!(
            f,
            owner
                .filter()
                .and(Filter::eq("event_type", "compute.instance.create.end"))
                .and(Filter::cmp("traits.memory_mb", Op::Ge, 512i64))
                .and(Filter::cmp("traits.host", Op::Ne, "h1"))
        );
        let e = compile(&[c("event_type", "gt", "x", None)], &owner).expect_err("refused");
        assert_eq!(
            e.message,
            "Operator gt is not supported. Only `eq' operator is available for field event_type"
        );
        let e = compile(&[c("start_timestamp", "le", "2026-01-01", None)], &owner)
            .expect_err("refused");
        assert!(e.message.contains("Only `ge'"), "{}", e.message);
        let e = compile(&[c("size", "eq", "1", Some("boolean"))], &owner).expect_err("refused");
        assert!(e.message.contains("The data type boolean is not supported"));
    }
}
