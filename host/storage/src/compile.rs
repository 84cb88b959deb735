//! Filters compiled to SQL conditions. Field names map to fixed column
//! expressions; every value is bound as a parameter. Unknown fields and
//! values of the wrong type are errors naming the field.
//!
//! Sample queries see `samples s JOIN meters m JOIN resources r` (those
//! of statistics merged in the client leave `r` out when the filter does
//! not read it, [`reads_resource_row`]); event queries see `events e JOIN
//! event_types et`.

use crate::db::{Arg, Sql};
use crate::error::{Error, Result};
use crate::query::{Filter, Op, Value};
use crate::time::Timestamp;

/// The kind of a column, deciding which values it accepts.
#[derive(Clone, Copy)]
enum Kind {
    Text,
    Number,
    Time,
}

/// Most comparisons one filter may hold (each `in` value counts as one).
/// SQLite refuses expressions nested deeper than 1,000 and PostgreSQL
/// takes at most 65,535 parameters, and a query the API's callers can
/// build must never reach either limit (a metadata comparison binds two).
pub const MAX_FILTER_TERMS: usize = 400;

/// Appends the condition for `filter` over samples.
pub(crate) fn sample_condition(sql: &mut Sql, filter: &Filter) -> Result<()> {
    check_size(filter)?;
    condition(sql, filter, &sample_leaf)
}

/// Appends the condition for `filter` over events.
pub(crate) fn event_condition(sql: &mut Sql, filter: &Filter) -> Result<()> {
    check_size(filter)?;
    condition(sql, filter, &event_leaf)
}

/// Refuses a filter with more than [`MAX_FILTER_TERMS`] comparisons,
/// naming the field of the first one past the limit.
fn check_size(filter: &Filter) -> Result<()> {
    fn walk<'a>(filter: &'a Filter, count: &mut usize) -> Option<&'a str> {
        match filter {
            Filter::And(parts) | Filter::Or(parts) => {
                parts.iter().find_map(|part| walk(part, count))
            }
            Filter::Not(inner) => walk(inner, count),
            Filter::Cmp { field, .. } => {
                *count += 1;
                (*count > MAX_FILTER_TERMS).then_some(field.as_str())
            }
            Filter::In { field, values } => {
                *count += values.len();
                (*count > MAX_FILTER_TERMS).then_some(field.as_str())
            }
        }
    }
    let mut count = 0;
    match walk(filter, &mut count) {
        Some(field) => Err(Error::query(
            field,
            format!("the filter holds more than {MAX_FILTER_TERMS} comparisons"),
        )),
        None => Ok(()),
    }
}

type Leaf = dyn Fn(&mut Sql, &str, Op, &Value) -> Result<()>;

fn condition(sql: &mut Sql, filter: &Filter, leaf: &Leaf) -> Result<()> {
    match filter {
        Filter::And(parts) | Filter::Or(parts) if parts.is_empty() => {
            sql.push(if matches!(filter, Filter::And(_)) {
                "(1=1)"
            } else {
                "(1=0)"
            });
        }
        Filter::And(parts) | Filter::Or(parts) => {
            let joiner = if matches!(filter, Filter::And(_)) {
                " AND "
            } else {
                " OR "
            };
            sql.push("(");
            for (i, p) in parts.iter().enumerate() {
                if i > 0 {
                    sql.push(joiner);
                }
                condition(sql, p, leaf)?;
            }
            sql.push(")");
        }
        Filter::Not(inner) => {
            sql.push("(NOT ");
            condition(sql, inner, leaf)?;
            sql.push(")");
        }
        Filter::Cmp { field, op, value } => leaf(sql, field, *op, value)?,
        Filter::In { field, values } => {
            if values.is_empty() {
                // Still check the field exists.
                leaf(&mut Sql::new(sql.dialect), field, Op::Eq, &Value::Int(0)).or_else(
                    |e| match e {
                        Error::InvalidQuery { .. } if is_known(field, leaf) => Ok(()),
                        e => Err(e),
                    },
                )?;
                sql.push("(1=0)");
            } else {
                sql.push("(");
                for (i, v) in values.iter().enumerate() {
                    if i > 0 {
                        sql.push(" OR ");
                    }
                    leaf(sql, field, Op::Eq, v)?;
                }
                sql.push(")");
            }
        }
    }
    Ok(())
}

fn is_known(field: &str, leaf: &Leaf) -> bool {
    let mut probe = Sql::new(crate::db::Dialect::Sqlite);
    [
        Value::Text(String::new()),
        Value::Int(0),
        Value::Datetime(Timestamp(0)),
    ]
    .iter()
    .any(|v| leaf(&mut probe, field, Op::Eq, v).is_ok())
}

fn column(sql: &mut Sql, field: &str, col: &str, kind: Kind, op: Op, value: &Value) -> Result<()> {
    let arg = typed_arg(field, kind, value)?;
    sql.push(col).push(" ").push(op.sql()).push(" ").bind(arg);
    Ok(())
}

fn typed_arg(field: &str, kind: Kind, value: &Value) -> Result<Arg> {
    match (kind, value) {
        (Kind::Text, Value::Text(s)) => Ok(Arg::Text(s.clone())),
        (Kind::Text, _) => Err(Error::query(field, "expects a string value")),
        (Kind::Number, Value::Int(i)) => Ok(Arg::Float(*i as f64)),
        (Kind::Number, Value::Float(f)) if f.is_finite() => Ok(Arg::Float(*f)),
        (Kind::Number, Value::Text(s)) => s
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(Arg::Float)
            .ok_or_else(|| Error::query(field, format!("expects a number, got {s:?}"))),
        (Kind::Number, _) => Err(Error::query(field, "expects a number")),
        (Kind::Time, Value::Datetime(t)) => Ok(Arg::Int(t.micros())),
        (Kind::Time, Value::Text(s)) => Timestamp::parse(s)
            .map(|t| Arg::Int(t.micros()))
            .map_err(|e| Error::query(field, e)),
        (Kind::Time, _) => Err(Error::query(field, "expects a datetime")),
    }
}

/// A metadata key from `metadata.<key>` or `resource_metadata.<key>`.
fn metadata_key(field: &str) -> Option<&str> {
    field
        .strip_prefix("metadata.")
        .or_else(|| field.strip_prefix("resource_metadata."))
}

/// The column a sample query field names, and its kind (`None`: a
/// metadata or unknown field).
fn sample_column(field: &str) -> Option<(&'static str, Kind)> {
    Some(match field {
        "meter" | "counter_name" | "name" => ("m.name", Kind::Text),
        "type" | "counter_type" => ("m.type", Kind::Text),
        "unit" | "counter_unit" => ("m.unit", Kind::Text),
        "volume" | "counter_volume" => ("s.volume", Kind::Number),
        "user_id" | "user" => ("r.user_id", Kind::Text),
        "project_id" | "project" => ("r.project_id", Kind::Text),
        "resource_id" | "resource" => ("r.resource_id", Kind::Text),
        "source" => ("r.source", Kind::Text),
        "message_id" => ("s.message_id", Kind::Text),
        "timestamp" => ("s.ts", Kind::Time),
        "recorded_at" => ("s.recorded_at", Kind::Time),
        _ => return None,
    })
}

/// Whether sample query field `field` names `column` (such as `m.name`,
/// which `meter`, `counter_name` and `name` all name).
pub(crate) fn sample_column_is(field: &str, column: &str) -> bool {
    sample_column(field).is_some_and(|(c, _)| c == column)
}

/// The table alias (`s`, `m` or `r`) of the column a sample query field
/// names (`None`: a metadata or unknown field).
pub(crate) fn sample_field_alias(field: &str) -> Option<&'static str> {
    sample_column(field)
        .and_then(|(column, _)| column.split_once('.'))
        .map(|(alias, _)| alias)
}

/// Whether the condition for `filter` over samples reads the resource row
/// (`r`): a resource field, a metadata field, or an unknown field (whose
/// error comes when the condition is compiled). Statistics that group in
/// the client leave `resources` out of their joins when it does not.
pub(crate) fn reads_resource_row(filter: &Filter) -> bool {
    let names_resource = |field: &str| sample_field_alias(field).is_none_or(|a| a == "r");
    match filter {
        Filter::And(parts) | Filter::Or(parts) => parts.iter().any(reads_resource_row),
        Filter::Not(inner) => reads_resource_row(inner),
        Filter::Cmp { field, .. } | Filter::In { field, .. } => names_resource(field),
    }
}

fn sample_leaf(sql: &mut Sql, field: &str, op: Op, value: &Value) -> Result<()> {
    let Some((col, kind)) = sample_column(field) else {
        let Some(key) = metadata_key(field).filter(|k| !k.is_empty()) else {
            return Err(Error::query(
                field,
                "unknown field; valid: meter, type, unit, volume, user_id, project_id, \
                 resource_id, source, message_id, timestamp, recorded_at, metadata.<key>",
            ));
        };
        return metadata_leaf(sql, field, key, op, value);
    };
    column(sql, field, col, kind, op, value)
}

/// Ceilometer's metaquery: the value's type picks the table.
fn metadata_leaf(sql: &mut Sql, field: &str, key: &str, op: Op, value: &Value) -> Result<()> {
    let (table, arg) = match value {
        Value::Text(s) => ("metadata_text", Arg::Text(s.clone())),
        Value::Int(i) => ("metadata_int", Arg::Int(*i)),
        Value::Float(f) if f.is_finite() => ("metadata_float", Arg::Float(*f)),
        Value::Bool(b) => ("metadata_bool", Arg::Bool(*b)),
        _ => {
            return Err(Error::query(
                field,
                "metadata values must be a string, integer, float or boolean",
            ));
        }
    };
    sql.push("EXISTS (SELECT 1 FROM ")
        .push(table)
        .push(" mq WHERE mq.resource_pk = r.id AND mq.meta_key = ")
        .bind(Arg::Text(key.to_string()))
        .push(" AND mq.value ")
        .push(op.sql())
        .push(" ")
        .bind(arg)
        .push(")");
    Ok(())
}

fn event_leaf(sql: &mut Sql, field: &str, op: Op, value: &Value) -> Result<()> {
    match field {
        "event_type" => column(sql, field, "et.name", Kind::Text, op, value),
        "message_id" => column(sql, field, "e.message_id", Kind::Text, op, value),
        "generated" | "timestamp" => column(sql, field, "e.generated", Kind::Time, op, value),
        "project_id" | "user_id" => {
            let Value::Text(_) = value else {
                return Err(Error::query(field, "expects a string value"));
            };
            trait_leaf(sql, field, field, op, value)
        }
        _ => {
            let name = field
                .strip_prefix("traits.")
                .or_else(|| field.strip_prefix("trait."))
                .filter(|n| !n.is_empty());
            match name {
                Some(name) => trait_leaf(sql, field, name, op, value),
                None => Err(Error::query(
                    field,
                    "unknown field; valid: event_type, message_id, generated, project_id, \
                     user_id, traits.<name>",
                )),
            }
        }
    }
}

/// A trait query: the value's type picks the trait table, as Ceilometer.
fn trait_leaf(sql: &mut Sql, field: &str, name: &str, op: Op, value: &Value) -> Result<()> {
    let (table, arg) = match value {
        Value::Text(s) => ("trait_text", Arg::Text(s.clone())),
        Value::Int(i) => ("trait_int", Arg::Int(*i)),
        Value::Float(f) if f.is_finite() => ("trait_float", Arg::Float(*f)),
        Value::Datetime(t) => ("trait_datetime", Arg::Int(t.micros())),
        _ => {
            return Err(Error::query(
                field,
                "trait values must be a string, integer, float or datetime",
            ));
        }
    };
    sql.push("EXISTS (SELECT 1 FROM ")
        .push(table)
        .push(" tq WHERE tq.event_id = e.id AND tq.key = ")
        .bind(Arg::Text(name.to_string()))
        .push(" AND tq.value ")
        .push(op.sql())
        .push(" ")
        .bind(arg)
        .push(")");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Dialect;

    #[test]
    fn values_are_bound_never_inlined() {
        let mut sql = Sql::new(Dialect::Postgres);
        let f = Filter::eq("resource_id", "'; DROP TABLE samples; --")
            .and(Filter::eq("metadata.a.b", 3i64));
        sample_condition(&mut sql, &f).unwrap();
        assert!(!sql.text.contains("DROP"), "{}", sql.text);
        assert_eq!(sql.args.len(), 3);
        assert!(sql.text.contains("metadata_int"));
    }

    #[test]
    fn only_resource_and_metadata_fields_read_the_resource_row() {
        let meter_and_time = Filter::eq("meter", "cpu")
            .and(Filter::eq("timestamp", "2026-12-07T00:00:00"))
            .and(Filter::eq("volume", 1i64));
        assert!(!reads_resource_row(&meter_and_time));
        for field in [
            "project_id",
            "user",
            "resource",
            "source",
            "metadata.flavor",
        ] {
            let f = Filter::eq("meter", "cpu").and(Filter::Not(Box::new(Filter::eq(field, "x"))));
            assert!(reads_resource_row(&f), "{field}");
        }
    }

    #[test]
    fn unknown_fields_and_bad_types_name_the_field() {
        let mut sql = Sql::new(Dialect::Sqlite);
        for f in [
            Filter::eq("colour", "red"),
            Filter::eq("user_id", 3i64),
            Filter::eq("timestamp", "yesterday"),
            Filter::In {
                field: "nope".into(),
                values: vec![],
            },
        ] {
            let field = match &f {
                Filter::Cmp { field, .. } | Filter::In { field, .. } => field.clone(),
                _ => unreachable!(),
            };
            match sample_condition(&mut sql, &f) {
                Err(Error::InvalidQuery { field: got, .. }) => assert_eq!(got, field),
                other => panic!("{other:?}"),
            }
        }
        assert!(event_condition(&mut sql, &Filter::eq("colour", "red")).is_err());
        assert!(event_condition(&mut sql, &Filter::eq("traits.colour", "red")).is_ok());
    }
}
