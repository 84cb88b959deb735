//! Statistics (Ceilometer's `get_meter_statistics`, sqlalchemy driver), in
//! one grouped query: rows grouped by period bucket, unit and the groupby
//! fields. Where the rollups can answer exactly (`rollup_plan.rs`), whole
//! 300-second cells come from `sample_rollups` and the rest from `samples`
//! (`stats_sql.rs`), read in one snapshot with the rollup watermark;
//! otherwise everything comes from `samples`. When no period boundary
//! cuts a cell, the groupby fields are resource row columns and no
//! distinct count is asked, whole cells come from the rollup pages and the
//! parts are merged in Rust instead of grouped by the database
//! (`stats_cells.rs`).
//!
//! Periods follow Ceilometer's `iter_period`: buckets start at the query's
//! lower timestamp bound (or the first matching sample) and step `period`
//! seconds; there are `ceil((end - start) / period)` of them, `end` being
//! the query's upper bound (or the last matching sample), and only buckets
//! with samples are returned. As upstream, without an upper bound a sample
//! exactly at `start + n * period` falls outside the last bucket (and a
//! single sample timestamp gives no bucket at all). Rows are ordered by
//! period, unit and groupby values (text compared bytewise, a missing
//! value first), the same on both backends.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::Arc;

use crate::compile::sample_condition;
use crate::db::{Pool, Row, Sql, Tx};
use crate::error::{Error, Result};
use crate::locks;
use crate::model::{Shown, Statistics};
use crate::query::Filter;
use crate::rollup_plan::{Plan, plan};
use crate::stats_out::RowSink;
use crate::stats_sql::{Group, Query, Spread};
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

/// `BEGIN` of the read transaction on PostgreSQL: one snapshot for the
/// watermark and the queries; plans made for the actual bounds and
/// watermark (a cached generic plan cannot know that `id > watermark` is a
/// handful of rows); and memory enough to group a few hundred thousand
/// rows without spilling to disk (the server default is 4 MB).
const PG_BEGIN_READ: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; \
     SET LOCAL plan_cache_mode = force_custom_plan; SET LOCAL work_mem = '64MB'";

/// Computes statistics, handing the rows to `each` in order, in batches
/// (each awaited before more rows are made); see the module
/// documentation. `rollups`: read rollups where they answer exactly. An
/// error from `each` ends the query with that error.
pub(crate) async fn statistics<F, Fut>(
    pool: &Pool,
    filter: &Filter,
    period: Option<u64>,
    groupby: &[String],
    aggregates: &[Aggregate],
    rollups: bool,
    each: F,
) -> Result<()>
where
    F: FnMut(Vec<Statistics>) -> Fut,
    Fut: Future<Output = Result<()>>,
{
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
    // Unknown fields and bad values are errors whichever way is read.
    sample_condition(&mut Sql::new(d), filter)?;

    let mut tx = pool.begin_with("BEGIN", PG_BEGIN_READ).await?;
    let watermark = if rollups {
        Some(locks::watermark(&mut tx).await?)
    } else {
        None
    };

    // Periods, as iter_period: (start, length, exclusive end).
    let mut periods = None;
    if let Some(pus) = period_us {
        let (lo, hi) = filter.time_bounds("timestamp");
        let (start, end) = match (lo, hi) {
            (Some(s), Some(e)) => (s.micros(), e.micros()),
            _ => {
                let Some((min, max)) = span(&mut tx, filter, watermark).await? else {
                    tx.commit().await?;
                    return Ok(());
                };
                (
                    lo.map_or(min, Timestamp::micros),
                    hi.map_or(max, Timestamp::micros),
                )
            }
        };
        if end <= start {
            tx.commit().await?;
            return Ok(());
        }
        // Bounds are within years 1..9999, so their difference fits; the
        // period may be as long as it likes (one bucket then).
        let span = end - start;
        let n = span / pus + i64::from(span % pus != 0);
        periods = Some((start, pus, start.saturating_add(n.saturating_mul(pus))));
    }

    let stddev = aggregates.contains(&Aggregate::Stddev);
    let cardinality = ["resource_id", "user_id", "project_id"]
        .map(|f| aggregates.contains(&Aggregate::Cardinality(f.to_string())));
    let query = Query {
        filter,
        groups: &groups,
        periods,
        stddev,
        cardinality,
    };
    let chosen: Option<(Plan, i64)> = watermark.and_then(|w| plan(filter, periods).map(|p| (p, w)));
    let shown = shown_fields(aggregates);
    let done = |t: Totals| finish(t, aggregates, shown, period, periods);
    let mut out = RowSink::new(each);
    match &chosen {
        Some((p, w)) if crate::stats_cells::applies(&query, p) => {
            crate::stats_cells::totals(&mut tx, &query, &fields, p, *w, done, &mut out).await?;
            tx.commit().await?;
        }
        _ => {
            let (sql, spread) = match &chosen {
                Some((p, w)) => (
                    crate::stats_sql::from_rollups(d, &query, p, *w)?,
                    Spread::Variance,
                ),
                None => crate::stats_sql::from_samples(d, &query)?,
            };
            let mut rows = tx.fetch(&sql).await?;
            tx.commit().await?;
            sort(&mut rows, 2 + groups.len());
            let columns = Columns {
                spread: stddev.then_some(spread),
                cardinality,
                periods: periods.is_some(),
            };
            let mut shared = Shared::new(&fields);
            for row in rows {
                if let Some(t) = decode(row, groups.len(), &columns, &mut shared)? {
                    out.push(done(t));
                    if out.full() {
                        out.flush().await?;
                    }
                }
            }
        }
    }
    out.flush().await
}

/// Orders rows by their first `keys` cells (period, unit, groupby values):
/// by period first, on a compact copy of the key, then each period's rows
/// among themselves (a few hundred or thousand rows, close together in
/// memory, rather than comparisons all over a large result).
fn sort(rows: &mut [Row], keys: usize) {
    rows.sort_by_cached_key(|r| r.opt_int(0).ok().flatten().unwrap_or(0));
    let mut start = 0;
    while start < rows.len() {
        let b = rows[start].opt_int(0).ok().flatten();
        let end = start
            + rows[start..]
                .iter()
                .position(|r| r.opt_int(0).ok().flatten() != b)
                .unwrap_or(rows.len() - start);
        rows[start..end].sort_unstable_by(|x, y| x.cmp_prefix(y, keys));
        start = end;
    }
}

/// First and last sample time matching `filter` (`None` if none match),
/// from rollups and samples when they can answer.
async fn span(tx: &mut Tx, filter: &Filter, watermark: Option<i64>) -> Result<Option<(i64, i64)>> {
    let d = tx.dialect();
    let sql = match watermark.and_then(|w| plan(filter, None).map(|p| (p, w))) {
        Some((p, w)) => crate::stats_sql::span_from_rollups(d, &p, w)?,
        None => crate::stats_sql::span_from_samples(d, filter)?,
    };
    let rows = tx.fetch(&sql).await?;
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    Ok(match (row.opt_int(0)?, row.opt_int(1)?) {
        (Some(min), Some(max)) => Some((min, max)),
        _ => None,
    })
}

/// The optional columns of a result row.
struct Columns {
    /// The spread column, when stddev is asked.
    spread: Option<Spread>,
    /// Which distinct counts follow (resource_id, user_id, project_id).
    cardinality: [bool; 3],
    /// Whether the first column is a period number.
    periods: bool,
}

/// One group's aggregates, however they were computed.
pub(crate) struct Totals {
    /// The period number (0 without periods).
    pub period: i64,
    pub unit: Arc<str>,
    /// The groupby fields and their values (`None` without groupby).
    pub groupby: Option<Arc<Groupby>>,
    /// First and last sample time.
    pub first: i64,
    pub last: i64,
    pub count: u64,
    pub sum: f64,
    pub min: f64,
    pub max: f64,
    pub avg: f64,
    /// The population standard deviation, when computed.
    pub stddev: Option<f64>,
    /// Distinct resource, user and project counts, those computed.
    pub distinct: [Option<f64>; 3],
}

/// A group's values by groupby field.
pub(crate) type Groupby = BTreeMap<String, Option<String>>;

/// Units and groupby maps made once and shared by the rows that have them
/// (a group has a row per period).
pub(crate) struct Shared<'a> {
    fields: &'a [String],
    groups: HashMap<Vec<Option<String>>, Arc<Groupby>>,
    unit: Arc<str>,
}

impl<'a> Shared<'a> {
    pub(crate) fn new(fields: &'a [String]) -> Shared<'a> {
        Shared {
            fields,
            groups: HashMap::new(),
            unit: Arc::from(""),
        }
    }

    /// The groupby map of `values` (in the order of the fields).
    pub(crate) fn groupby(&mut self, values: Vec<Option<String>>) -> Option<Arc<Groupby>> {
        if self.fields.is_empty() {
            return None;
        }
        let fields = self.fields;
        let map = self.groups.entry(values).or_insert_with_key(|v| {
            Arc::new(fields.iter().cloned().zip(v.iter().cloned()).collect())
        });
        Some(map.clone())
    }

    /// `unit`, shared with the last row's if equal.
    pub(crate) fn unit(&mut self, unit: &str) -> Arc<str> {
        if &*self.unit != unit {
            self.unit = Arc::from(unit);
        }
        self.unit.clone()
    }
}

/// The aggregates of one result row (`None` for an empty group).
fn decode(
    mut row: Row,
    groups: usize,
    columns: &Columns,
    shared: &mut Shared,
) -> Result<Option<Totals>> {
    let at = |i: usize| 2 + groups + i;
    let count = u64::try_from(row.int(at(2))?).unwrap_or(0);
    if count == 0 {
        return Ok(None);
    }
    let mut next = 7;
    let stddev = match columns.spread {
        Some(spread) => {
            next += 1;
            row.opt_float(at(7))?.map(|v| match spread {
                Spread::Variance => v.max(0.0).sqrt(),
                Spread::Stddev => v,
            })
        }
        None => None,
    };
    let mut distinct = [None; 3];
    for (slot, asked) in distinct.iter_mut().zip(columns.cardinality) {
        if asked {
            *slot = row.opt_float(at(next))?;
            next += 1;
        }
    }
    let values = (0..groups)
        .map(|i| row.take_opt_text(2 + i))
        .collect::<Result<Vec<_>>>()?;
    Ok(Some(Totals {
        period: if columns.periods { row.int(0)? } else { 0 },
        unit: shared.unit(&row.take_opt_text(1)?.unwrap_or_default()),
        groupby: shared.groupby(values),
        first: row.int(at(0))?,
        last: row.int(at(1))?,
        count,
        sum: row.float(at(3))?,
        min: row.float(at(4))?,
        max: row.float(at(5))?,
        avg: row.float(at(6))?,
        stddev,
        distinct,
    }))
}

/// Which of count, min, max, avg and sum the rows give (all without
/// selected aggregates, else the selected ones), and the duration.
fn shown_fields(aggregates: &[Aggregate]) -> Shown {
    let mut shown = Shown(Shown::DURATION);
    for (aggregate, bit) in [
        (Aggregate::Count, Shown::COUNT),
        (Aggregate::Min, Shown::MIN),
        (Aggregate::Max, Shown::MAX),
        (Aggregate::Avg, Shown::AVG),
        (Aggregate::Sum, Shown::SUM),
    ] {
        if aggregates.is_empty() || aggregates.contains(&aggregate) {
            shown.0 |= bit;
        }
    }
    shown
}

/// One group as [`Statistics`], giving the fields `shown`.
fn finish(
    t: Totals,
    aggregates: &[Aggregate],
    shown: Shown,
    period: Option<u64>,
    periods: Option<(i64, i64, i64)>,
) -> Statistics {
    let tsmin = Timestamp(t.first);
    let tsmax = Timestamp(t.last);
    let aggregate = if aggregates.is_empty() {
        None
    } else {
        let mut map = BTreeMap::new();
        for a in aggregates {
            let value = match a {
                Aggregate::Avg => Some(t.avg),
                Aggregate::Sum => Some(t.sum),
                Aggregate::Min => Some(t.min),
                Aggregate::Max => Some(t.max),
                Aggregate::Count => Some(t.count as f64),
                Aggregate::Stddev => t.stddev,
                Aggregate::Cardinality(f) => match f.as_str() {
                    "resource_id" => t.distinct[0],
                    "user_id" => t.distinct[1],
                    _ => t.distinct[2],
                },
            };
            if let Some(v) = value {
                map.insert(a.key(), v);
            }
        }
        Some(Box::new(map))
    };
    let (p, period_start, period_end) = match (periods, period) {
        (Some((start, pus, _)), Some(p)) => {
            let ps = start + t.period * pus;
            (p, Timestamp(ps), Timestamp(ps + pus))
        }
        _ => (0, tsmin, tsmax),
    };
    Statistics {
        groupby: t.groupby,
        unit: t.unit,
        period: p,
        period_start,
        period_end,
        shown,
        count: t.count,
        values: [t.min, t.max, t.avg, t.sum],
        aggregate,
        first: tsmin,
        last: tsmax,
    }
}
