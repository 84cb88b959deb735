//! The simple query of `GET` lists (`q.field`, `q.op`, `q.value`,
//! `q.type`, repeated), validated and scoped as Ceilometer's
//! `query_to_kwargs` does, and turned into a storage [`Filter`].
//!
//! - Fields are those of the storage call (sample lists: `user`,
//!   `project`, `resource`, `meter`, `source`, `message_id`, `timestamp`,
//!   `search_offset`; `user_id`, `project_id`, `resource_id` name the first
//!   three), plus `metadata.<key>` / `resource_metadata.<key>`. Another
//!   field is a 400 listing the valid keys.
//! - `timestamp` takes `lt le gt ge`; every other field only `eq`.
//! - `search_offset` (minutes) widens the timestamp bounds, but not beyond
//!   the years 1 to 9999 (a 400 naming it).
//! - A non-admin naming another project gets 401; without a project
//!   condition one on their own project is added.
//! - Several conditions on one field: the last wins, as in Ceilometer.

use nepho_storage::{Filter, Op, Timestamp, Value};

use crate::error::ApiError;
use crate::params::Params;
use crate::query::value::{SAMPLE_TYPES, literal, typed};

/// The operators of the simple query.
pub(crate) const OPERATORS: [&str; 6] = ["lt", "le", "eq", "ne", "ge", "gt"];

/// One `q.*` condition as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Condition {
    /// `q.field`.
    pub field: String,
    /// `q.op` (one of [`OPERATORS`]; `eq` when not given).
    pub op: String,
    /// `q.value`.
    pub value: String,
    /// `q.type`, when not empty.
    pub kind: Option<String>,
}

impl Condition {
    fn repr(&self) -> String {
        let kind = self
            .kind
            .as_ref()
            .map_or_else(|| "None".to_string(), |k| format!("'{k}'"));
        format!(
            "<Query '{}' {} '{}' {}>",
            self.field, self.op, self.value, kind
        )
    }
}

/// Reads the `q.*` parameters, paired by position as WSME pairs them.
pub(crate) fn conditions(params: &Params) -> Result<Vec<Condition>, ApiError> {
    let fields = params.all("q.field");
    let values = params.all("q.value");
    let ops = params.all("q.op");
    let kinds = params.all("q.type");
    if values.len() != fields.len() {
        return Err(ApiError::invalid_input(
            "q",
            &format!("{} q.field, {} q.value", fields.len(), values.len()),
            "every q.field needs a q.value (Mandatory field missing.)",
        ));
    }
    if ops.len() > fields.len() || kinds.len() > fields.len() {
        return Err(ApiError::invalid_input(
            "q",
            &format!(
                "{} q.field, {} q.op, {} q.type",
                fields.len(),
                ops.len(),
                kinds.len()
            ),
            "more q.op or q.type than q.field",
        ));
    }
    let mut out = Vec::with_capacity(fields.len());
    for (i, field) in fields.iter().enumerate() {
        let op = ops
            .get(i)
            .copied()
            .filter(|o| !o.is_empty())
            .unwrap_or("eq");
        if !OPERATORS.contains(&op) {
            return Err(ApiError::invalid_input(
                "op",
                op,
                &format!("Value should be one of: {}", OPERATORS.join(", ")),
            ));
        }
        out.push(Condition {
            field: (*field).to_string(),
            op: op.to_string(),
            value: values[i].to_string(),
            kind: kinds
                .get(i)
                .filter(|k| !k.is_empty())
                .map(|k| (*k).to_string()),
        });
    }
    Ok(out)
}

/// What a list queries, which decides its valid fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    /// Samples and statistics (`SampleFilter`).
    Samples,
    /// `GET /v2/meters` (no timestamps).
    Meters,
    /// `GET /v2/resources`.
    Resources,
}

impl Target {
    fn keys(self) -> &'static [&'static str] {
        match self {
            Target::Samples => &[
                "message_id",
                "meter",
                "project",
                "resource",
                "search_offset",
                "source",
                "timestamp",
                "user",
            ],
            Target::Meters => &["project", "resource", "source", "user"],
            Target::Resources => &[
                "project",
                "resource",
                "search_offset",
                "source",
                "timestamp",
                "user",
            ],
        }
    }

    fn timestamps(self) -> bool {
        self != Target::Meters
    }
}

/// A compiled simple query.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Compiled {
    /// The storage filter (scoping included).
    pub filter: Filter,
    /// The query's own lower timestamp bound, before `search_offset`.
    pub start: Option<Timestamp>,
    /// The query's own upper timestamp bound, before `search_offset`.
    pub end: Option<Timestamp>,
}

fn is_metadata(field: &str) -> bool {
    field.starts_with("metadata.") || field.starts_with("resource_metadata.")
}

/// The storage field a query key reads.
fn storage_field(key: &str) -> &str {
    match key {
        "user" => "user_id",
        "project" => "project_id",
        "resource" => "resource_id",
        other => other,
    }
}

fn translate(field: &str) -> &str {
    match field {
        "user_id" => "user",
        "project_id" => "project",
        "resource_id" => "resource",
        other => other,
    }
}

/// `0001-01-01T00:00:00` and `9999-12-31T23:59:59.999999` in microseconds
/// since the epoch: the range of Python's `datetime`, and of a timestamp a
/// query may reach after `search_offset` (Ceilometer fails with an
/// `OverflowError` beyond it).
const FIRST_MICROS: i64 = -62_135_596_800_000_000;
const LAST_MICROS: i64 = 253_402_300_799_999_999;

fn parse_time(value: &str) -> Result<Timestamp, ApiError> {
    Timestamp::parse(value)
        .map_err(|_| ApiError::invalid_input("timestamp", value, "invalid timestamp format"))
}

/// Validates `conditions` for `target`, scopes them to `project` (a
/// non-admin's), and compiles them; `meter` (the meter of the path, for
/// `/v2/meters/{name}`) replaces any `meter` condition, as in Ceilometer.
pub(crate) fn compile(
    conditions: &[Condition],
    target: Target,
    project: Option<&str>,
    meter: Option<&str>,
) -> Result<Compiled, ApiError> {
    // A non-admin may only name their own project.
    if let Some(own) = project {
        for c in conditions {
            if (c.field == "project" || c.field == "project_id") && c.value != own {
                return Err(ApiError::project_not_authorized(&c.value));
            }
        }
    }
    let keys = target.keys();
    let mut has_timestamp = false;
    let mut has_offset = false;
    for c in conditions {
        let allowed = match c.field.as_str() {
            "timestamp" => {
                has_timestamp = true;
                &["lt", "le", "gt", "ge"][..]
            }
            "search_offset" => {
                has_offset = true;
                &["eq"][..]
            }
            _ => continue,
        };
        if !target.timestamps() {
            return Err(ApiError::unknown_argument(
                &c.field,
                "not valid for this resource",
            ));
        }
        if !allowed.contains(&c.op.as_str()) {
            return Err(ApiError::invalid_input(
                "op",
                &c.op,
                &format!("unimplemented operator for {}", c.field),
            ));
        }
    }
    if has_offset && !has_timestamp {
        return Err(ApiError::invalid_input(
            "field",
            "search_offset",
            "search_offset cannot be used without timestamp",
        ));
    }
    let mut fields: Vec<(String, Value)> = Vec::new();
    let mut set = |field: String, value: Value| {
        fields.retain(|(f, _)| *f != field);
        fields.push((field, value));
    };
    let mut start: Option<(Op, Timestamp)> = None;
    let mut end: Option<(Op, Timestamp)> = None;
    let mut offset_minutes = 0i64;
    for c in conditions {
        match c.field.as_str() {
            "timestamp" => {
                let t = parse_time(&c.value)?;
                match c.op.as_str() {
                    "lt" => end = Some((Op::Lt, t)),
                    "le" => end = Some((Op::Le, t)),
                    "gt" => start = Some((Op::Gt, t)),
                    _ => start = Some((Op::Ge, t)),
                }
                continue;
            }
            "search_offset" => {
                offset_minutes = crate::params::parse_int("search_offset", &c.value)?;
                continue;
            }
            _ => {}
        }
        let key = translate(&c.field);
        if !keys.contains(&key) && !is_metadata(&c.field) {
            let listed: Vec<String> = conditions.iter().map(Condition::repr).collect();
            let valid: Vec<String> = keys.iter().map(|k| format!("'{k}'")).collect();
            return Err(ApiError::unknown_argument(
                key,
                &format!(
                    "unrecognized field in query: [{}], valid keys: [{}]",
                    listed.join(", "),
                    valid.join(", ")
                ),
            ));
        }
        if c.op != "eq" {
            return Err(ApiError::invalid_input(
                "op",
                &c.op,
                &format!("unimplemented operator for {}", c.field),
            ));
        }
        if is_metadata(&c.field) {
            let value = match &c.kind {
                Some(kind) => typed(&c.value, kind, &SAMPLE_TYPES)?,
                None => literal(&c.value),
            };
            let key = c
                .field
                .strip_prefix("resource_")
                .unwrap_or(&c.field)
                .to_string();
            set(key, value);
        } else {
            set(storage_field(key).to_string(), Value::Text(c.value.clone()));
        }
    }
    if let Some(name) = meter {
        set("meter".to_string(), Value::Text(name.to_string()));
    }
    if let Some(own) = project
        && !conditions.iter().any(|c| c.field == "project_id")
    {
        set("project_id".to_string(), Value::Text(own.to_string()));
    }
    let widen = |t: Timestamp, sign: i64| {
        offset_minutes
            .checked_mul(sign * 60_000_000)
            .and_then(|offset| t.micros().checked_add(offset))
            .filter(|micros| (FIRST_MICROS..=LAST_MICROS).contains(micros))
            .map(Timestamp)
            .ok_or_else(|| {
                ApiError::invalid_input(
                    "search_offset",
                    &offset_minutes.to_string(),
                    "it widens the timestamps beyond the years 1 to 9999",
                )
            })
    };
    let mut filter = Filter::all();
    for (field, value) in fields {
        filter = filter.and(Filter::eq(field, value));
    }
    if let Some((op, t)) = start {
        filter = filter.and(Filter::cmp("timestamp", op, widen(t, -1)?));
    }
    if let Some((op, t)) = end {
        filter = filter.and(Filter::cmp("timestamp", op, widen(t, 1)?));
    }
    Ok(Compiled {
        filter,
        start: start.map(|(_, t)| t),
        end: end.map(|(_, t)| t),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(field: &str, op: &str, value: &str) -> Condition {
        Condition {
            field: field.into(),
            op: op.into(),
            value: value.into(),
            kind: None,
        }
    }

    #[test]
    fn fields_are_translated_and_non_admins_scoped() {
        let q = compile(
            &[
                c("resource_id", "eq", "r1"),
                c("metadata.flavor", "eq", "2"),
            ],
            Target::Samples,
            Some("p1"),
            None,
        )
        .expect("valid");
        assert_eq!(
            q.filter,
            Filter::eq("resource_id", "r1")
                .and(Filter::eq("metadata.flavor", 2i64))
                .and(Filter::eq("project_id", "p1"))
        );
        let own = compile(
            &[c("project_id", "eq", "p1")],
            Target::Samples,
            Some("p1"),
            None,
        )
        .expect("own project");
        assert_eq!(
            own.filter,
            Filter::all().and(Filter::eq("project_id", "p1"))
        );
        let other = compile(
            &[c("project", "eq", "p2")],
            Target::Meters,
            Some("p1"),
            None,
        )
        .expect_err("refused");
        assert_eq!(other.status, 401);
        assert_eq!(other.message, "Not Authorized to access project p2");
    }

    #[test]
    fn timestamps_and_search_offset() {
        let q = compile(
            &[
                c("timestamp", "ge", "2026-01-01T00:10:00"),
                c("timestamp", "lt", "2026-01-01T01:00:00"),
                c("search_offset", "eq", "10"),
            ],
            Target::Samples,
            None,
            None,
        )
        .expect("valid");
        assert_eq!(q.start.unwrap().to_string(), "2026-01-01T00:10:00");
        assert_eq!(
            q.filter,
            Filter::all()
                .and(Filter::cmp(
                    "timestamp",
                    Op::Ge,
                    Timestamp::parse("2026-01-01T00:00:00").unwrap()
                ))
                .and(Filter::cmp(
                    "timestamp",
                    Op::Lt,
                    Timestamp::parse("2026-01-01T01:10:00").unwrap()
                ))
        );
    }

    #[test]
    fn search_offset_cannot_widen_beyond_the_years_a_timestamp_has() {
        assert_eq!(
            Timestamp::parse("0001-01-01T00:00:00").map(Timestamp::micros),
            Ok(FIRST_MICROS)
        );
        assert_eq!(
            Timestamp::parse("9999-12-31T23:59:59.999999").map(Timestamp::micros),
            Ok(LAST_MICROS)
        );
        let query = |offset: &str| {
            compile(
                &[
                    c("timestamp", "ge", "0001-01-01T00:10:00"),
                    c("timestamp", "le", "9999-12-31T23:49:59.999999"),
                    c("search_offset", "eq", offset),
                ],
                Target::Samples,
                None,
                None,
            )
        };
        assert!(query("10").is_ok(), "down to the first and up to the last");
        for offset in [
            "11",
            "-9999999999999",
            "200000000000",
            "9223372036854775807",
        ] {
            let e = query(offset).expect_err("out of range");
            assert_eq!(e.status, 400);
            assert_eq!(
                e.message,
                format!(
                    "Invalid input for field/attribute search_offset. Value: '{offset}'. \
                     it widens the timestamps beyond the years 1 to 9999"
                )
            );
        }
    }

    #[test]
    fn errors_as_ceilometer() {
        let cases = [
            (
                vec![c("colour", "eq", "red")],
                Target::Samples,
                "Unknown argument: \"colour\": unrecognized field in query: [<Query 'colour' eq 'red' None>], valid keys: ['message_id', 'meter', 'project', 'resource', 'search_offset', 'source', 'timestamp', 'user']",
            ),
            (
                vec![c("resource_id", "gt", "r")],
                Target::Samples,
                "Invalid input for field/attribute op. Value: 'gt'. unimplemented operator for resource_id",
            ),
            (
                vec![c("timestamp", "eq", "2026-01-01")],
                Target::Samples,
                "Invalid input for field/attribute op. Value: 'eq'. unimplemented operator for timestamp",
            ),
            (
                vec![c("timestamp", "gt", "yesterday")],
                Target::Samples,
                "Invalid input for field/attribute timestamp. Value: 'yesterday'. invalid timestamp format",
            ),
            (
                vec![c("timestamp", "gt", "2026-01-01")],
                Target::Meters,
                "Unknown argument: \"timestamp\": not valid for this resource",
            ),
            (
                vec![c("search_offset", "eq", "5")],
                Target::Resources,
                "Invalid input for field/attribute field. Value: 'search_offset'. search_offset cannot be used without timestamp",
            ),
        ];
        for (conditions, target, expected) in cases {
            let e = compile(&conditions, target, None, None).expect_err("refused");
            assert_eq!(e.status, 400);
            assert_eq!(e.message, expected);
        }
    }

    #[test]
    fn conditions_pair_by_position_and_check_the_operator() {
        let p = Params::parse(Some(
            "q.field=a&q.field=b&q.op=eq&q.op=&q.value=1&q.value=2&q.type=&q.type=integer",
        ));
        let got = conditions(&p).expect("valid");
        assert_eq!(got[1].op, "eq", "empty op is eq");
        assert_eq!(got[1].kind.as_deref(), Some("integer"));
        assert_eq!(got[0].kind, None);
        let bad =
            conditions(&Params::parse(Some("q.field=a&q.op=like&q.value=1"))).expect_err("refused");
        assert_eq!(
            bad.message,
            "Invalid input for field/attribute op. Value: 'like'. Value should be one of: lt, le, eq, ne, ge, gt"
        );
        assert!(conditions(&Params::parse(Some("q.field=a"))).is_err());
    }
}
