//! Statistics (Ceilometer's `get_meter_statistics`, sqlalchemy driver), in
//! one grouped query: rows grouped by period bucket, unit and the groupby
//! fields.
//!
//! Periods follow Ceilometer's `iter_period`: buckets start at the query's
//! lower timestamp bound (or the first matching sample) and step `period`
//! seconds; there are `ceil((end - start) / period)` of them, `end` being
//! the query's upper bound (or the last matching sample), and only buckets
//! with samples are returned. As upstream, without an upper bound a sample
//! exactly at `start + n * period` falls outside the last bucket (and a
//! single sample timestamp gives no bucket at all).

use std::collections::BTreeMap;

use crate::compile::sample_condition;
use crate::db::{Arg, Dialect, Pool, Sql};
use crate::error::{Error, Result};
use crate::model::Statistics;
use crate::query::Filter;
use crate::read_samples::FROM_SAMPLES;
use crate::time::Timestamp;

/// A selectable aggregate (`aggregate.func` / `aggregate.param`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Aggregate {
    /// `avg`
    Avg,
    /// `sum`
    Sum,
    /// `min`
    Min,
    /// `max`
    Max,
    /// `count`
    Count,
    /// `stddev`: population standard deviation (Ceilometer's `stddev_pop`).
    Stddev,
    /// `cardinality/<field>`: distinct `resource_id`, `user_id` or `project_id`.
    Cardinality(String),
}

impl Aggregate {
    /// Parses `func` and its optional `param`, as the API receives them.
    pub fn parse(func: &str, param: Option<&str>) -> Result<Aggregate> {
        let plain = |a: Aggregate| match param {
            None | Some("") => Ok(a),
            Some(p) => Err(Error::query(
                "aggregate.param",
                format!("{func} takes no parameter, got {p:?}"),
            )),
        };
        match func {
            "avg" => plain(Aggregate::Avg),
            "sum" => plain(Aggregate::Sum),
            "min" => plain(Aggregate::Min),
            "max" => plain(Aggregate::Max),
            "count" => plain(Aggregate::Count),
            "stddev" => plain(Aggregate::Stddev),
            "cardinality" => match param {
                Some(p @ ("resource_id" | "user_id" | "project_id")) => {
                    Ok(Aggregate::Cardinality(p.to_string()))
                }
                _ => Err(Error::query(
                    "aggregate.param",
                    format!("cardinality needs resource_id, user_id or project_id, got {param:?}"),
                )),
            },
            _ => Err(Error::query(
                "aggregate.func",
                format!("invalid aggregation function: {func}"),
            )),
        }
    }

    /// The key in `Statistics::aggregate` (`stddev`, `cardinality/user_id`, ...).
    pub fn key(&self) -> String {
        match self {
            Aggregate::Avg => "avg".into(),
            Aggregate::Sum => "sum".into(),
            Aggregate::Min => "min".into(),
            Aggregate::Max => "max".into(),
            Aggregate::Count => "count".into(),
            Aggregate::Stddev => "stddev".into(),
            Aggregate::Cardinality(p) => format!("cardinality/{p}"),
        }
    }
}

/// A groupby field as a column expression of the base query.
enum Group {
    Column(&'static str),
    Metadata(String),
}

fn group(field: &str) -> Result<Group> {
    Ok(match field {
        "user_id" => Group::Column("r.user_id"),
        "project_id" => Group::Column("r.project_id"),
        "resource_id" => Group::Column("r.resource_id"),
        "source" => Group::Column("r.source"),
        _ => match field
            .strip_prefix("resource_metadata.")
            .or_else(|| field.strip_prefix("metadata."))
            .filter(|k| !k.is_empty())
        {
            Some(k) => Group::Metadata(k.to_string()),
            None => {
                return Err(Error::query(
                    field,
                    "cannot group by this field; valid: user_id, project_id, resource_id, \
                     source, resource_metadata.<key>",
                ));
            }
        },
    })
}

/// Computes statistics; see the module documentation.
pub(crate) async fn statistics(
    pool: &Pool,
    filter: &Filter,
    period: Option<u64>,
    groupby: &[String],
    aggregates: &[Aggregate],
) -> Result<Vec<Statistics>> {
    let d = pool.dialect();
    let mut fields: Vec<String> = Vec::new();
    for g in groupby {
        if !fields.contains(g) {
            fields.push(g.clone());
        }
    }
    let groups: Vec<Group> = fields.iter().map(|f| group(f)).collect::<Result<_>>()?;
    let period = period.filter(|p| *p > 0);
    let period_us = match period {
        Some(p) => Some(
            i64::try_from(p)
                .ok()
                .and_then(|p| p.checked_mul(1_000_000))
                .ok_or_else(|| Error::query("period", "too large"))?,
        ),
        None => None,
    };

    // Bucket range, as iter_period.
    let mut range: Option<(i64, i64)> = None; // (start, exclusive end)
    if let Some(pus) = period_us {
        let (lo, hi) = filter.time_bounds("timestamp");
        let (start, end) = match (lo, hi) {
            (Some(s), Some(e)) => (s.micros(), e.micros()),
            _ => {
                let mut sql = Sql::new(d);
                sql.push("SELECT min(s.ts), max(s.ts)")
                    .push(FROM_SAMPLES)
                    .push("WHERE ");
                sample_condition(&mut sql, filter)?;
                let rows = pool.fetch(&sql).await?;
                let Some(row) = rows.first() else {
                    return Ok(Vec::new());
                };
                let (Some(min), Some(max)) = (row.opt_int(0)?, row.opt_int(1)?) else {
                    return Ok(Vec::new());
                };
                (
                    lo.map_or(min, Timestamp::micros),
                    hi.map_or(max, Timestamp::micros),
                )
            }
        };
        if end <= start {
            return Ok(Vec::new());
        }
        let n = (end - start + pus - 1) / pus;
        range = Some((start, start.saturating_add(n.saturating_mul(pus))));
    }

    let stddev = aggregates.contains(&Aggregate::Stddev);
    let two_pass = stddev && d == Dialect::Sqlite;
    let mut sql = Sql::new(d);
    sql.push("WITH base AS (SELECT ");
    match (range, period_us) {
        (Some((start, _)), Some(pus)) => {
            sql.push("(s.ts - ")
                .bind(Arg::Int(start))
                .push(") / ")
                .bind(Arg::Int(pus));
        }
        _ => {
            sql.push("0");
        }
    }
    sql.push(" AS b, m.unit AS unit");
    for (i, g) in groups.iter().enumerate() {
        match g {
            Group::Column(c) => sql.push(&format!(", {c} AS g{i}")),
            Group::Metadata(_) => sql.push(&format!(", mg{i}.value AS g{i}")),
        };
    }
    sql.push(
        ", s.ts AS ts, s.volume AS v, r.resource_id AS c_resource_id, \
         r.user_id AS c_user_id, r.project_id AS c_project_id",
    )
    .push(FROM_SAMPLES);
    for (i, g) in groups.iter().enumerate() {
        if let Group::Metadata(key) = g {
            // As upstream: an inner join, samples without the key are left out.
            sql.push(&format!(
                "JOIN metadata_text mg{i} ON mg{i}.resource_pk = r.id AND mg{i}.meta_key = "
            ))
            .bind(Arg::Text(key.clone()))
            .push(" ");
        }
    }
    sql.push("WHERE ");
    sample_condition(&mut sql, filter)?;
    if let Some((start, end)) = range {
        sql.push(" AND s.ts >= ")
            .bind(Arg::Int(start))
            .push(" AND s.ts < ")
            .bind(Arg::Int(end));
    }
    sql.push(")");
    let keys: Vec<String> = std::iter::once("b".to_string())
        .chain(std::iter::once("unit".to_string()))
        .chain((0..groups.len()).map(|i| format!("g{i}")))
        .collect();
    let qualified = |t: &str| {
        keys.iter()
            .map(|k| format!("{t}.{k}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if two_pass {
        sql.push(&format!(
            ", means AS (SELECT {}, avg(base.v) AS mean FROM base GROUP BY {})",
            qualified("base"),
            qualified("base")
        ));
    }
    sql.push(&format!(
        " SELECT {}, min(base.ts), max(base.ts), count(*), sum(base.v), min(base.v), \
         max(base.v), avg(base.v), ",
        qualified("base")
    ));
    if !stddev {
        sql.push("NULL");
    } else if two_pass {
        sql.push("avg((base.v - means.mean) * (base.v - means.mean))");
    } else {
        sql.push("stddev_pop(base.v)");
    }
    for field in ["resource_id", "user_id", "project_id"] {
        if aggregates.contains(&Aggregate::Cardinality(field.to_string())) {
            sql.push(&format!(", count(DISTINCT base.c_{field})"));
        } else {
            sql.push(", NULL");
        }
    }
    sql.push(" FROM base");
    if two_pass {
        let on: Vec<String> = keys
            .iter()
            .map(|k| format!("base.{k} IS means.{k}"))
            .collect();
        sql.push(&format!(" JOIN means ON {}", on.join(" AND ")));
    }
    sql.push(&format!(
        " GROUP BY {} ORDER BY {}",
        qualified("base"),
        qualified("base")
    ));

    let ng = groups.len();
    let show_all = aggregates.is_empty();
    let shown = |a: Aggregate| show_all || aggregates.contains(&a);
    let mut out = Vec::new();
    for row in pool.fetch(&sql).await? {
        let at = |i: usize| 2 + ng + i;
        let count = u64::try_from(row.int(at(2))?).unwrap_or(0);
        if count == 0 {
            continue;
        }
        let tsmin = Timestamp(row.int(at(0))?);
        let tsmax = Timestamp(row.int(at(1))?);
        let sum = row.float(at(3))?;
        let min = row.float(at(4))?;
        let max = row.float(at(5))?;
        let avg = row.float(at(6))?;
        let stddev_value = row
            .opt_float(at(7))?
            .map(|v| if two_pass { v.max(0.0).sqrt() } else { v });
        let groupby_map = (!fields.is_empty())
            .then(|| {
                fields
                    .iter()
                    .enumerate()
                    .map(|(i, f)| Ok((f.clone(), row.opt_text(2 + i)?)))
                    .collect::<Result<BTreeMap<_, _>>>()
            })
            .transpose()?;
        let aggregate = if show_all {
            None
        } else {
            let mut map = BTreeMap::new();
            for a in aggregates {
                let value = match a {
                    Aggregate::Avg => Some(avg),
                    Aggregate::Sum => Some(sum),
                    Aggregate::Min => Some(min),
                    Aggregate::Max => Some(max),
                    Aggregate::Count => Some(count as f64),
                    Aggregate::Stddev => stddev_value,
                    Aggregate::Cardinality(f) => {
                        let col = match f.as_str() {
                            "resource_id" => 8,
                            "user_id" => 9,
                            _ => 10,
                        };
                        row.opt_float(at(col))?
                    }
                };
                if let Some(v) = value {
                    map.insert(a.key(), v);
                }
            }
            Some(map)
        };
        let (p, period_start, period_end) = match (range, period, period_us) {
            (Some((start, _)), Some(p), Some(pus)) => {
                let b = row.int(0)?;
                let ps = start + b * pus;
                (p, Timestamp(ps), Timestamp(ps + pus))
            }
            _ => (0, tsmin, tsmax),
        };
        out.push(Statistics {
            groupby: groupby_map,
            unit: row.text(1)?,
            count: shown(Aggregate::Count).then_some(count),
            min: shown(Aggregate::Min).then_some(min),
            max: shown(Aggregate::Max).then_some(max),
            avg: shown(Aggregate::Avg).then_some(avg),
            sum: shown(Aggregate::Sum).then_some(sum),
            aggregate,
            duration: Some(tsmin.seconds_until(tsmax)),
            duration_start: Some(tsmin),
            duration_end: Some(tsmax),
            period: p,
            period_start,
            period_end,
        });
    }
    Ok(out)
}
