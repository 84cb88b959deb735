//! Reading samples, meters and resources.

use std::collections::BTreeMap;

use crate::compile::{sample_column_is, sample_condition, sample_field_alias};
use crate::db::{Arg, Dialect, Pool, Row, Sql};
use crate::error::Result;
use crate::model::{Meter, Resource, Sample};
use crate::query::{Filter, Op, Value};
use crate::time::Timestamp;

/// The joins every sample query starts from.
pub(crate) const FROM_SAMPLES: &str = " FROM samples s JOIN meters m ON m.id = s.meter_id \
     JOIN resources r ON r.id = s.resource_pk ";

pub(crate) fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or(serde_json::Value::Null)
}

pub(crate) const SAMPLE_COLUMNS: &str = "SELECT s.message_id, m.name, m.type, m.unit, s.volume, r.user_id, \
     r.project_id, r.resource_id, r.source, s.ts, s.recorded_at, r.metadata, \
     s.message_signature, s.monotonic_time";

pub(crate) fn sample_row(row: &Row) -> Result<Sample> {
    Ok(Sample {
        message_id: row.text(0)?,
        name: row.text(1)?,
        sample_type: row.text(2)?,
        unit: row.text(3)?,
        volume: row.float(4)?,
        user_id: row.opt_text(5)?,
        project_id: row.opt_text(6)?,
        resource_id: row.text(7)?,
        source: row.text(8)?,
        timestamp: Timestamp(row.int(9)?),
        recorded_at: Timestamp(row.int(10)?),
        resource_metadata: json(&row.text(11)?),
        message_signature: row.opt_text(12)?,
        monotonic_time: row.opt_float(13)?,
    })
}

/// [`FROM_SAMPLES`] on SQLite for a filter naming one meter row: `samples`
/// is the outer loop (`CROSS JOIN` fixes SQLite's join order), so with
/// `s.meter_id` fixed the `(meter_id, ts)` index gives the rows newest
/// first.
const FROM_SAMPLES_OF_ONE_METER_SQLITE: &str = " FROM samples s CROSS JOIN meters m \
     ON m.id = s.meter_id JOIN resources r ON r.id = s.resource_pk ";

/// Samples matching `filter`, newest first.
pub(crate) async fn samples(pool: &Pool, filter: &Filter, max: Option<u64>) -> Result<Vec<Sample>> {
    let d = pool.dialect();
    // PostgreSQL reads `samples_ts` backwards with an incremental sort
    // either way (2 ms at 10 M samples).
    let meter = match d {
        Dialect::Sqlite => one_meter_id(pool, filter).await?,
        Dialect::Postgres => None,
    };
    let mut sql = Sql::new(d);
    sql.push(SAMPLE_COLUMNS);
    sql.push(match meter {
        Some(_) => FROM_SAMPLES_OF_ONE_METER_SQLITE,
        None => FROM_SAMPLES,
    });
    sql.push("WHERE (");
    sample_condition(&mut sql, filter)?;
    sql.push(")");
    if let Some(id) = meter {
        sql.push(" AND s.meter_id = ").bind(Arg::Int(id));
    }
    sql.push(" ORDER BY s.ts DESC, s.id DESC");
    sql.limit(max);
    pool.fetch(&sql).await?.iter().map(sample_row).collect()
}

/// Whether `field` is the sample's or its meter row's, other than the
/// message id: a condition on it leaves the meter's `(meter_id, ts)` index
/// the best way to the latest samples (one on the message id or the
/// resource row's fields does not: their own indexes are narrower).
fn of_sample_or_meter(field: &str) -> bool {
    field != "message_id" && sample_field_alias(field).is_some_and(|a| a != "r")
}

/// The meter row of a filter that names one meter (an equality on the
/// meter's name, alone or in a top-level AND whose other parts compare
/// only fields [`of_sample_or_meter`]) when that name has exactly one row.
/// With the name alone SQLite cannot know that one meter row matches: it
/// read the meter's samples and sorted them all (31.8 s for the latest
/// 100 at 10 M samples, docs/performance.md).
async fn one_meter_id(pool: &Pool, filter: &Filter) -> Result<Option<i64>> {
    let named = |f: &Filter| match f {
        Filter::Cmp {
            field,
            op: Op::Eq,
            value: Value::Text(name),
        } if sample_column_is(field, "m.name") => Some(name.clone()),
        _ => None,
    };
    let compares_sample_or_meter =
        |f: &Filter| matches!(f, Filter::Cmp { field, .. } if of_sample_or_meter(field));
    let name = match filter {
        Filter::And(parts) if parts.iter().all(compares_sample_or_meter) => {
            parts.iter().find_map(named)
        }
        Filter::And(_) => None,
        other => named(other),
    };
    let Some(name) = name else {
        return Ok(None);
    };
    let mut sql = Sql::new(pool.dialect());
    sql.push("SELECT id FROM meters WHERE name = ")
        .bind(Arg::Text(name))
        .push(" LIMIT 2");
    let rows = pool.fetch(&sql).await?;
    Ok(match rows.as_slice() {
        [row] => Some(row.int(0)?),
        _ => None,
    })
}

/// Distinct (meter, resource, project, user, source) combinations.
pub(crate) async fn meters(pool: &Pool, filter: &Filter, max: Option<u64>) -> Result<Vec<Meter>> {
    let mut sql = Sql::new(pool.dialect());
    sql.push(
        "SELECT DISTINCT m.name, m.type, m.unit, r.resource_id, r.project_id, r.user_id, r.source",
    )
    .push(FROM_SAMPLES)
    .push("WHERE ");
    sample_condition(&mut sql, filter)?;
    sql.push(" ORDER BY 1, 2, 3, 4, 5, 6, 7");
    sql.limit(max);
    pool.fetch(&sql)
        .await?
        .iter()
        .map(|row| {
            Ok(Meter {
                name: row.text(0)?,
                sample_type: row.text(1)?,
                unit: row.text(2)?,
                resource_id: row.text(3)?,
                project_id: row.opt_text(4)?,
                user_id: row.opt_text(5)?,
                source: row.text(6)?,
            })
        })
        .collect()
}

/// Resources with samples matching `filter`: the latest sample's resource
/// row, the span of the matching samples, the meters seen.
pub(crate) async fn resources(
    pool: &Pool,
    filter: &Filter,
    max: Option<u64>,
) -> Result<Vec<Resource>> {
    let mut sql = Sql::new(pool.dialect());
    sql.push(
        "SELECT resource_id, user_id, project_id, source, metadata, first_ts, last_ts FROM (\
         SELECT r.resource_id, r.user_id, r.project_id, r.source, r.metadata, \
         min(s.ts) OVER (PARTITION BY r.resource_id) AS first_ts, \
         max(s.ts) OVER (PARTITION BY r.resource_id) AS last_ts, \
         row_number() OVER (PARTITION BY r.resource_id ORDER BY s.ts DESC, s.id DESC) AS rn",
    )
    .push(FROM_SAMPLES)
    .push("WHERE ");
    sample_condition(&mut sql, filter)?;
    sql.push(") t WHERE rn = 1 ORDER BY resource_id");
    sql.limit(max);
    let mut out: Vec<Resource> = pool
        .fetch(&sql)
        .await?
        .iter()
        .map(|row| {
            Ok(Resource {
                resource_id: row.text(0)?,
                user_id: row.opt_text(1)?,
                project_id: row.opt_text(2)?,
                source: row.text(3)?,
                metadata: json(&row.text(4)?),
                first_sample_timestamp: Timestamp(row.int(5)?),
                last_sample_timestamp: Timestamp(row.int(6)?),
                meters: Vec::new(),
            })
        })
        .collect::<Result<_>>()?;
    if out.is_empty() {
        return Ok(out);
    }
    // Meter names per resource, for the API's links.
    let ids: Vec<String> = out.iter().map(|r| r.resource_id.clone()).collect();
    let mut by_resource: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for chunk in ids.chunks(500) {
        let mut sql = Sql::new(pool.dialect());
        sql.push("SELECT DISTINCT r.resource_id, m.name")
            .push(FROM_SAMPLES)
            .push("WHERE ");
        sample_condition(&mut sql, filter)?;
        sql.push(" AND ");
        crate::bulk::in_list(&mut sql, "r.resource_id", chunk);
        sql.push(" ORDER BY 1, 2");
        for row in pool.fetch(&sql).await? {
            by_resource
                .entry(row.text(0)?)
                .or_default()
                .push(row.text(1)?);
        }
    }
    for r in &mut out {
        r.meters = by_resource.remove(&r.resource_id).unwrap_or_default();
    }
    Ok(out)
}
