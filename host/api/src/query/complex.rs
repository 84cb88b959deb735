//! The complex query of `POST /v2/query/samples`: `{filter, orderby,
//! limit}`, where `filter` and `orderby` are JSON (as strings, as the
//! client sends them). Validated as Ceilometer's `ValidatedComplexQuery`
//! schema:
//!
//! - a leaf is `{OP: {FIELD: VALUE}}` with OP one of `= != < > <= =< >= =>`
//!   (any case) and VALUE a string, number or boolean; `{"in": {FIELD:
//!   [VALUE, ...]}}` with at least one value;
//! - `{"and"|"or": [FILTER, FILTER, ...]}` (two or more) and `{"not": FILTER}`;
//! - FIELD is a sample field (`counter_name`, `counter_type`,
//!   `counter_unit`, `counter_volume`, `user_id`, `project_id`,
//!   `resource_id`, `source`, `timestamp`, `recorded_at`, `message_id`),
//!   an alias (`meter`, `type`, `unit`, `volume`, `user`, `project`,
//!   `resource`) or `metadata.<key>`;
//! - `orderby` is `[{FIELD: "asc"|"desc"}, ...]`.
//!
//! A non-admin's filter is ANDed with their project, and naming another
//! project anywhere in it is a 401, as in Ceilometer.

use nepho_storage::{Filter, Op, SampleOrder, Timestamp, Value};
use serde_json::Value as Json;

use crate::error::ApiError;
use crate::params::enforce_limit;

/// A validated complex query.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ComplexQuery {
    /// The filter, scoping included.
    pub filter: Filter,
    /// The ordering.
    pub orderby: Vec<SampleOrder>,
    /// At most this many samples.
    pub limit: u64,
}

const FIELDS: [&str; 11] = [
    "counter_name",
    "counter_type",
    "counter_unit",
    "counter_volume",
    "user_id",
    "project_id",
    "resource_id",
    "source",
    "timestamp",
    "recorded_at",
    "message_id",
];

/// Ceilometer's name mapping, applied before validation of the field.
fn canonical(field: &str) -> &str {
    match field {
        "user" => "user_id",
        "project" => "project_id",
        "resource" => "resource_id",
        "meter" => "counter_name",
        "type" => "counter_type",
        "unit" => "counter_unit",
        "volume" => "counter_volume",
        other => other,
    }
}

fn filter_error(message: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request(format!("Filter expression not valid: {message}"))
}

fn orderby_error(message: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request(format!("Order-by expression not valid: {message}"))
}

/// The one `(key, value)` of an object node.
fn single<'a>(
    node: &'a Json,
    what: &str,
    error: fn(String) -> ApiError,
) -> Result<(&'a str, &'a Json), ApiError> {
    let object = node
        .as_object()
        .ok_or_else(|| error(format!("{what} must be an object, got {node}")))?;
    let mut entries = object.iter();
    match (entries.next(), entries.next()) {
        (Some((k, v)), None) => Ok((k.as_str(), v)),
        _ => Err(error(format!(
            "{what} must have exactly one key, got {node}"
        ))),
    }
}

/// The storage field for a query field, checked; `metadata.<key>` only
/// where `metadata_allowed` (filters, not orderings).
fn field_of(field: &str, metadata_allowed: bool) -> Result<String, String> {
    let name = canonical(field);
    if FIELDS.contains(&name) {
        return Ok(name.to_string());
    }
    if metadata_allowed
        && let Some(key) = name.strip_prefix("metadata.")
        && !key.is_empty()
        && !key.chars().any(char::is_whitespace)
    {
        return Ok(format!("metadata.{key}"));
    }
    let extra = if metadata_allowed {
        ", metadata.<key>"
    } else {
        ""
    };
    Err(format!(
        "unknown field {field:?}; valid: {}, user, project, resource, meter, type, unit, volume{extra}",
        FIELDS.join(", ")
    ))
}

/// A leaf's value, typed; timestamps parsed.
fn leaf_value(field: &str, value: &Json) -> Result<Value, ApiError> {
    let typed = match value {
        Json::String(s) => Value::Text(s.clone()),
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        other => {
            return Err(filter_error(format!(
                "the value of {field:?} must be a string, number or boolean, got {other}"
            )));
        }
    };
    if field == "timestamp" || field == "recorded_at" {
        let Value::Text(text) = &typed else {
            return Err(filter_error(format!(
                "{field} must be an ISO 8601 string, got {value}"
            )));
        };
        return Timestamp::parse(text).map(Value::Datetime).map_err(|_| {
            ApiError::bad_request(format!("Failed to parse the timestamp value {text}"))
        });
    }
    Ok(typed)
}

/// Converts a filter node.
fn node(tree: &Json, depth: usize) -> Result<Filter, ApiError> {
    if depth > 64 {
        return Err(filter_error("nested more than 64 levels deep"));
    }
    let (op, operand) = single(tree, "a filter", filter_error)?;
    let lower = op.to_ascii_lowercase();
    match lower.as_str() {
        "and" | "or" => {
            let parts = operand.as_array().filter(|a| a.len() >= 2).ok_or_else(|| {
                filter_error(format!(
                    "{op:?} needs a list of at least two filters, got {operand}"
                ))
            })?;
            let parts = parts
                .iter()
                .map(|p| node(p, depth + 1))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(if lower == "and" {
                Filter::And(parts)
            } else {
                Filter::Or(parts)
            })
        }
        "not" => Ok(Filter::Not(Box::new(node(operand, depth + 1)?))),
        "in" => {
            let (field, values) = single(operand, "an \"in\" operand", filter_error)?;
            let name = field_of(field, true).map_err(filter_error)?;
            let values = values.as_array().filter(|v| !v.is_empty()).ok_or_else(|| {
                filter_error(format!(
                    "\"in\" needs a non-empty list of values for {field:?}, got {values}"
                ))
            })?;
            let values = values
                .iter()
                .map(|v| match v {
                    Json::Bool(_) => Err(filter_error(format!(
                        "\"in\" values must be strings or numbers, got {v}"
                    ))),
                    v => leaf_value(&name, v),
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Filter::In {
                field: name,
                values,
            })
        }
        "=~" => Err(ApiError::new(
            axum::http::StatusCode::NOT_IMPLEMENTED,
            "Filter expression not valid: the regular expression operator =~ is not \
             implemented by Nephometer's SQL storage",
        )),
        _ => {
            let op = Op::parse(&lower).ok_or_else(|| {
                filter_error(format!(
                    "unknown operator {op:?}; valid: =, !=, <, >, <=, =<, >=, =>, in, and, or, not"
                ))
            })?;
            let (field, value) = single(operand, "a comparison", filter_error)?;
            let name = field_of(field, true).map_err(filter_error)?;
            Ok(Filter::Cmp {
                value: leaf_value(&name, value)?,
                field: name,
                op,
            })
        }
    }
}

/// Every project named by a leaf on `project_id` (or `project`).
fn projects_named(filter: &Filter, out: &mut Vec<String>) {
    match filter {
        Filter::And(parts) | Filter::Or(parts) => parts.iter().for_each(|p| projects_named(p, out)),
        Filter::Not(inner) => projects_named(inner, out),
        Filter::Cmp { field, value, .. } if field == "project_id" => out.push(show(value)),
        Filter::In { field, values } if field == "project_id" => {
            out.extend(values.iter().map(show));
        }
        _ => {}
    }
}

fn show(value: &Value) -> String {
    match value {
        Value::Text(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Datetime(t) => t.to_string(),
    }
}

/// Reads a JSON-encoded part of the body (a string, as the client sends
/// it; an already decoded JSON value is taken too).
fn embedded(part: &Json, error: fn(String) -> ApiError) -> Result<Option<Json>, ApiError> {
    match part {
        Json::Null => Ok(None),
        Json::String(text) => serde_json::from_str(text)
            .map(Some)
            .map_err(|e| error(format!("{e}"))),
        other => Ok(Some(other.clone())),
    }
}

/// Validates the body of `POST /v2/query/samples`; `project` is a
/// non-admin's own project.
pub(crate) fn parse(
    body: &Json,
    project: Option<&str>,
    default_limit: u64,
) -> Result<ComplexQuery, ApiError> {
    let object = body.as_object().ok_or_else(|| {
        ApiError::invalid_input("body", &body.to_string(), "a JSON object is expected")
    })?;
    if let Some(unknown) = object
        .keys()
        .find(|k| !matches!(k.as_str(), "filter" | "orderby" | "limit"))
    {
        return Err(ApiError::bad_request(format!(
            "Unknown attribute for argument body: {unknown}"
        )));
    }
    let mut filter = match object.get("filter") {
        Some(part) => match embedded(part, filter_error)? {
            Some(tree) => node(&tree, 0)?,
            None => Filter::all(),
        },
        None => Filter::all(),
    };
    if let Some(own) = project {
        let mut named = Vec::new();
        projects_named(&filter, &mut named);
        if let Some(other) = named.iter().find(|p| *p != own) {
            return Err(ApiError::project_not_authorized(other));
        }
        filter = Filter::eq("project_id", own).and(filter);
    }
    let mut orderby = Vec::new();
    if let Some(part) = object.get("orderby")
        && let Some(tree) = embedded(part, orderby_error)?
    {
        let terms = tree
            .as_array()
            .ok_or_else(|| orderby_error(format!("a list is expected, got {tree}")))?;
        for term in terms {
            let (field, direction) = single(term, "an order-by term", orderby_error)?;
            let name = field_of(field, false).map_err(orderby_error)?;
            let descending = match direction.as_str().map(str::to_ascii_lowercase).as_deref() {
                Some("asc") => false,
                Some("desc") => true,
                _ => {
                    return Err(orderby_error(format!(
                        "the direction of {field:?} must be \"asc\" or \"desc\", got {direction}"
                    )));
                }
            };
            orderby.push(SampleOrder {
                field: name,
                descending,
            });
        }
    }
    let limit = match object.get("limit") {
        None | Some(Json::Null) => None,
        Some(Json::Number(n)) => Some(n.as_i64().ok_or_else(|| {
            ApiError::invalid_input("limit", &n.to_string(), "unable to convert to int")
        })?),
        Some(Json::String(s)) => Some(crate::params::parse_int("limit", s)?),
        Some(other) => {
            return Err(ApiError::invalid_input(
                "limit",
                &other.to_string(),
                "unable to convert to int",
            ));
        }
    };
    Ok(ComplexQuery {
        filter,
        orderby,
        limit: enforce_limit(limit, default_limit)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(filter: &str) -> Json {
        json!({ "filter": filter })
    }

    #[test]
    fn the_documented_example_compiles() {
        let q = parse(
            &json!({
                "filter": r#"{"and": [{"=": {"counter_name": "cpu_util"}}, {">": {"counter_volume": 0.23}},
                              {"or": [{">": {"timestamp": "2013-12-01T18:00:00"}}, {"NOT": {"in": {"resource": ["a", 2]}}}]}]}"#,
                "orderby": r#"[{"counter_volume": "ASC"}, {"timestamp": "desc"}]"#,
                "limit": "42"
            }),
            None,
            100,
        )
        .expect("valid");
        assert_eq!(q.limit, 42);
        assert_eq!(q.orderby.len(), 2);
        assert!(!q.orderby[0].descending && q.orderby[1].descending);
        let Filter::And(parts) = &q.filter else {
            panic!("{:?}", q.filter)
        };
        assert_eq!(parts[0], Filter::eq("counter_name", "cpu_util"));
        assert_eq!(parts[1], Filter::cmp("counter_volume", Op::Gt, 0.23));
    }

    #[test]
    fn non_admins_are_scoped_and_cannot_name_other_projects() {
        let q = parse(&body(r#"{"=": {"project": "p1"}}"#), Some("p1"), 100).expect("own");
        assert_eq!(
            q.filter,
            Filter::eq("project_id", "p1").and(Filter::eq("project_id", "p1"))
        );
        for other in [
            r#"{"=": {"project_id": "p2"}}"#,
            r#"{"or": [{"=": {"user": "u"}}, {"not": {"=": {"project": "p2"}}}]}"#,
            r#"{"in": {"project_id": ["p1", "p2"]}}"#,
        ] {
            let e = parse(&body(other), Some("p1"), 100).expect_err("refused");
            assert_eq!(e.status, 401, "{other}");
            assert_eq!(e.message, "Not Authorized to access project p2");
        }
        let none = parse(&json!({}), Some("p1"), 100).expect("no filter");
        assert_eq!(
            none.filter,
            Filter::eq("project_id", "p1").and(Filter::all())
        );
        assert_eq!(none.limit, 100);
    }

    #[test]
    fn bad_filters_are_400s_naming_the_problem() {
        let cases = [
            (r#"{"=": {"colour": "red"}}"#, "unknown field \"colour\""),
            (r#"{"like": {"user": "u"}}"#, "unknown operator \"like\""),
            (r#"{"and": [{"=": {"user": "u"}}]}"#, "at least two filters"),
            (r#"{"=": {"user": "u", "project": "p"}}"#, "exactly one key"),
            (
                r#"{"=": {"user": null}}"#,
                "must be a string, number or boolean",
            ),
            (r#"{"in": {"user": []}}"#, "non-empty list"),
            (
                r#"{"=": {"timestamp": "noon"}}"#,
                "Failed to parse the timestamp value noon",
            ),
            ("{\"=\": ", "Filter expression not valid: EOF"),
            (
                r#"{"=": {"resource_metadata.a": 1}}"#,
                "unknown field \"resource_metadata.a\"",
            ),
        ];
        for (filter, expected) in cases {
            let e = parse(&body(filter), None, 100).expect_err("refused");
            assert_eq!(e.status, 400, "{filter}");
            assert!(e.message.contains(expected), "{filter}: {}", e.message);
        }
        let e = parse(&json!({"orderby": r#"[{"metadata.a": "asc"}]"#}), None, 100)
            .expect_err("refused");
        assert!(
            e.message
                .starts_with("Order-by expression not valid: unknown field"),
            "{}",
            e.message
        );
        let e =
            parse(&json!({"orderby": r#"[{"volume": "up"}]"#}), None, 100).expect_err("refused");
        assert!(e.message.contains("\"asc\" or \"desc\""), "{}", e.message);
        let e = parse(&json!({"limit": 0}), None, 100).expect_err("refused");
        assert_eq!(e.message, "Limit must be positive");
        let e = parse(&json!({"filters": "{}"}), None, 100).expect_err("refused");
        assert_eq!(e.message, "Unknown attribute for argument body: filters");
        let e = parse(&body(r#"{"=~": {"user": "u.*"}}"#), None, 100).expect_err("refused");
        assert_eq!(e.status, 501);
    }
}
