//! The SQL of statistics queries: from samples only (the reference), or
//! from rollups and samples (`rollup_plan.rs` decides which parts).
//!
//! Every statistics query returns the same columns: the keys `b` (period
//! number), `unit`, `g0..` (groupby values), then first and last sample
//! time, count, sum, minimum, maximum, average, then the spread (see
//! [`Spread`]) if stddev is asked, then the distinct resource, user and
//! project counts that are asked, in that order. Rows come unordered: the caller sorts them by the keys
//! (cheaper than sorting in the database, whose text order follows the
//! locale's collation).

use crate::compile::{reads_resource_row, sample_condition};
use crate::db::{Arg, Dialect, Sql};
use crate::error::Result;
use crate::query::Filter;
use crate::read_samples::FROM_SAMPLES;
use crate::rollup::CELL_US;
use crate::rollup_plan::Plan;

/// A groupby field as a column expression.
pub(crate) enum Group {
    Column(&'static str),
    Metadata(String),
}

/// What a statistics query computes.
pub(crate) struct Query<'a> {
    pub filter: &'a Filter,
    pub groups: &'a [Group],
    /// `(start, length, end)` of the periods (µs), or one period for all.
    pub periods: Option<(i64, i64, i64)>,
    pub stddev: bool,
    /// Distinct counts of resource_id, user_id, project_id.
    pub cardinality: [bool; 3],
}

/// What the spread column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Spread {
    /// The population standard deviation.
    Stddev,
    /// The population variance (its square root is the deviation).
    Variance,
}

const CARDINALITY: [&str; 3] = ["resource_id", "user_id", "project_id"];

fn keys(groups: &[Group]) -> Vec<String> {
    ["b".to_string(), "unit".to_string()]
        .into_iter()
        .chain((0..groups.len()).map(|i| format!("g{i}")))
        .collect()
}

fn qualified(keys: &[String], table: &str) -> String {
    keys.iter()
        .map(|k| format!("{table}.{k}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `, <expr> AS g0, ..` for the groupby fields.
fn group_columns(sql: &mut Sql, groups: &[Group]) {
    for (i, g) in groups.iter().enumerate() {
        match g {
            Group::Column(c) => sql.push(&format!(", {c} AS g{i}")),
            Group::Metadata(_) => sql.push(&format!(", mg{i}.value AS g{i}")),
        };
    }
}

/// The joins metadata groupby fields need (an inner join, as upstream:
/// samples without the key are left out).
fn group_joins(sql: &mut Sql, groups: &[Group]) {
    for (i, g) in groups.iter().enumerate() {
        if let Group::Metadata(key) = g {
            sql.push(&format!(
                " JOIN metadata_text mg{i} ON mg{i}.resource_pk = r.id AND mg{i}.meta_key = "
            ))
            .bind(Arg::Text(key.clone()))
            .push(" ");
        }
    }
}

/// The period number of `column` (a sample time or a cell start).
fn period_number(sql: &mut Sql, column: &str, periods: Option<(i64, i64, i64)>) {
    match periods {
        Some((start, length, _)) => {
            sql.push("(")
                .push(column)
                .push(" - ")
                .bind(Arg::Int(start))
                .push(") / ")
                .bind(Arg::Int(length));
        }
        None => {
            sql.push("CAST(0 AS BIGINT)");
        }
    }
}

/// The statistics from samples only. Returns the SQL and its spread.
pub(crate) fn from_samples(d: Dialect, q: &Query) -> Result<(Sql, Spread)> {
    let two_pass = q.stddev && d == Dialect::Sqlite;
    let mut sql = Sql::new(d);
    sql.push("WITH base AS (SELECT ");
    period_number(&mut sql, "s.ts", q.periods);
    sql.push(" AS b, m.unit AS unit");
    group_columns(&mut sql, q.groups);
    sql.push(
        ", s.ts AS ts, s.volume AS v, r.resource_id AS c_resource_id, \
         r.user_id AS c_user_id, r.project_id AS c_project_id",
    )
    .push(FROM_SAMPLES);
    group_joins(&mut sql, q.groups);
    sql.push("WHERE ");
    sample_condition(&mut sql, q.filter)?;
    if let Some((start, _, end)) = q.periods {
        sql.push(" AND s.ts >= ")
            .bind(Arg::Int(start))
            .push(" AND s.ts < ")
            .bind(Arg::Int(end));
    }
    sql.push(")");
    let keys = keys(q.groups);
    if two_pass {
        sql.push(&format!(
            ", means AS (SELECT {}, avg(base.v) AS mean FROM base GROUP BY {})",
            qualified(&keys, "base"),
            qualified(&keys, "base")
        ));
    }
    sql.push(&format!(
        " SELECT {}, min(base.ts), max(base.ts), count(*), sum(base.v), min(base.v), \
         max(base.v), avg(base.v)",
        qualified(&keys, "base")
    ));
    if q.stddev && two_pass {
        sql.push(", avg((base.v - means.mean) * (base.v - means.mean))");
    } else if q.stddev {
        sql.push(", stddev_pop(base.v)");
    }
    for (field, asked) in CARDINALITY.iter().zip(q.cardinality) {
        if asked {
            sql.push(&format!(", count(DISTINCT base.c_{field})"));
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
    sql.push(&format!(" GROUP BY {}", qualified(&keys, "base")));
    let spread = if two_pass {
        Spread::Variance
    } else {
        Spread::Stddev
    };
    Ok((sql, spread))
}

/// `[lo, hi)` conditions on `column`.
fn time_range(sql: &mut Sql, column: &str, lo: Option<i64>, hi: Option<i64>) {
    if let Some(lo) = lo {
        sql.push(" AND ")
            .push(column)
            .push(" >= ")
            .bind(Arg::Int(lo));
    }
    if let Some(hi) = hi {
        sql.push(" AND ")
            .push(column)
            .push(" < ")
            .bind(Arg::Int(hi));
    }
}

/// The rollup rows a plan uses: `FROM .. WHERE ..` over `ru`, `m`, `r`.
fn rollup_rows(sql: &mut Sql, plan: &Plan, groups: &[Group]) -> Result<()> {
    sql.push(
        " FROM sample_rollups ru JOIN meters m ON m.id = ru.meter_id \
         JOIN resources r ON r.id = ru.resource_pk",
    );
    group_joins(sql, groups);
    sql.push(" WHERE ");
    sample_condition(sql, &plan.residual)?;
    time_range(sql, "ru.bucket", plan.cells_from, plan.cells_to);
    if let Some((start, length)) = plan.cut_cells {
        // Only cells within one period (a cell start is >= the start).
        sql.push(" AND (ru.bucket - ")
            .bind(Arg::Int(start))
            .push(") / ")
            .bind(Arg::Int(length))
            .push(" = (ru.bucket + ")
            .bind(Arg::Int(CELL_US - 1))
            .push(" - ")
            .bind(Arg::Int(start))
            .push(") / ")
            .bind(Arg::Int(length));
    }
    Ok(())
}

/// Which samples a branch of a plan reads.
enum SampleRows<'a> {
    /// One partial interval, whatever the watermark.
    Partial(i64, i64),
    /// Above the watermark, outside the partial intervals.
    Tail(i64, &'a [(i64, i64)]),
}

/// `FROM .. WHERE ..` over `s`, `m` and, if `with_resources`, `r` for a
/// branch of a plan.
fn sample_rows(
    sql: &mut Sql,
    plan: &Plan,
    groups: &[Group],
    rows: SampleRows,
    with_resources: bool,
) -> Result<()> {
    match (&rows, with_resources) {
        (SampleRows::Partial(..), true) => sql.push(FROM_SAMPLES),
        (SampleRows::Partial(..), false) => {
            sql.push(" FROM samples s JOIN meters m ON m.id = s.meter_id ")
        }
        // Samples first (SQLite keeps a CROSS JOIN's order): few rows by
        // id, then their meter and resource row by key.
        (SampleRows::Tail(..), true) => {
            sql.push(" FROM samples s CROSS JOIN meters m CROSS JOIN resources r ")
        }
        (SampleRows::Tail(..), false) => sql.push(" FROM samples s CROSS JOIN meters m "),
    };
    group_joins(sql, groups);
    sql.push(" WHERE ");
    if let SampleRows::Tail(..) = rows {
        sql.push("m.id = s.meter_id AND ");
        if with_resources {
            sql.push("r.id = s.resource_pk AND ");
        }
    }
    sample_condition(sql, &plan.residual)?;
    match rows {
        SampleRows::Partial(a, b) => time_range(sql, "s.ts", Some(a), Some(b)),
        SampleRows::Tail(watermark, partial) => {
            // By id only: `+s.ts` keeps SQLite from choosing a time index
            // (which would visit every sample of the range).
            sql.push(" AND s.id > ").bind(Arg::Int(watermark));
            time_range(sql, "+s.ts", plan.lo, plan.hi);
            for &(a, b) in partial {
                sql.push(" AND NOT (+s.ts >= ")
                    .bind(Arg::Int(a))
                    .push(" AND +s.ts < ")
                    .bind(Arg::Int(b))
                    .push(")");
            }
        }
    }
    Ok(())
}

/// The branches of a plan's samples part.
fn sample_branches<'a>(plan: &'a Plan, watermark: i64) -> Vec<SampleRows<'a>> {
    plan.partial
        .iter()
        .map(|&(a, b)| SampleRows::Partial(a, b))
        .chain(std::iter::once(SampleRows::Tail(watermark, &plan.partial)))
        .collect()
}

/// The statistics from rollups and samples, as `plan` says; `watermark`
/// must be read in the same snapshot. The spread is a variance.
pub(crate) fn from_rollups(d: Dialect, q: &Query, plan: &Plan, watermark: i64) -> Result<Sql> {
    let mut sql = Sql::new(d);
    sql.push("WITH parts AS (SELECT ");
    period_number(&mut sql, "ru.bucket", q.periods);
    sql.push(" AS b, m.unit AS unit");
    group_columns(&mut sql, q.groups);
    sql.push(
        ", ru.n AS n, ru.total AS total, ru.mean AS mean, ru.m2 AS m2, ru.vmin AS vmin, \
         ru.vmax AS vmax, ru.first_ts AS first_ts, ru.last_ts AS last_ts, \
         r.resource_id AS c_resource_id, r.user_id AS c_user_id, r.project_id AS c_project_id",
    );
    rollup_rows(&mut sql, plan, q.groups)?;
    for rows in sample_branches(plan, watermark) {
        sql.push(" UNION ALL SELECT ");
        period_number(&mut sql, "s.ts", q.periods);
        sql.push(", m.unit");
        group_columns(&mut sql, q.groups);
        sql.push(
            ", 1, s.volume, s.volume, CAST(0 AS DOUBLE PRECISION), s.volume, s.volume, s.ts, \
             s.ts, r.resource_id, r.user_id, r.project_id",
        );
        sample_rows(&mut sql, plan, q.groups, rows, true)?;
    }
    sql.push(")");
    let keys = keys(q.groups);
    let source = if q.stddev {
        // The mean of each group, for the squared deviations of its parts.
        sql.push(&format!(
            ", spread AS (SELECT parts.*, sum(parts.total) OVER w \
             / CAST(sum(parts.n) OVER w AS DOUBLE PRECISION) AS mu FROM parts \
             WINDOW w AS (PARTITION BY {}))",
            qualified(&keys, "parts")
        ));
        "spread"
    } else {
        "parts"
    };
    let k = qualified(&keys, source);
    sql.push(&format!(
        " SELECT {k}, min({source}.first_ts), max({source}.last_ts), \
         CAST(sum({source}.n) AS BIGINT), sum({source}.total), min({source}.vmin), \
         max({source}.vmax), sum({source}.total) / CAST(sum({source}.n) AS DOUBLE PRECISION)"
    ));
    if q.stddev {
        sql.push(&format!(
            ", sum({source}.m2 + {source}.n * ({source}.mean - {source}.mu) \
             * ({source}.mean - {source}.mu)) / CAST(sum({source}.n) AS DOUBLE PRECISION)"
        ));
    }
    for (field, asked) in CARDINALITY.iter().zip(q.cardinality) {
        if asked {
            sql.push(&format!(", count(DISTINCT {source}.c_{field})"));
        }
    }
    sql.push(&format!(" FROM {source} GROUP BY {k}"));
    Ok(sql)
}

/// First and last sample time matching `filter`, from samples.
pub(crate) fn span_from_samples(d: Dialect, filter: &Filter) -> Result<Sql> {
    let mut sql = Sql::new(d);
    sql.push("SELECT min(s.ts), max(s.ts)")
        .push(FROM_SAMPLES)
        .push("WHERE ");
    sample_condition(&mut sql, filter)?;
    Ok(sql)
}

/// First and last sample time of a plan, from rollups and samples.
pub(crate) fn span_from_rollups(d: Dialect, plan: &Plan, watermark: i64) -> Result<Sql> {
    let mut sql = Sql::new(d);
    sql.push("SELECT min(f), max(l) FROM (SELECT min(ru.first_ts) AS f, max(ru.last_ts) AS l");
    rollup_rows(&mut sql, plan, &[])?;
    for rows in sample_branches(plan, watermark) {
        sql.push(" UNION ALL SELECT min(s.ts), max(s.ts)");
        sample_rows(&mut sql, plan, &[], rows, true)?;
    }
    sql.push(") span");
    Ok(sql)
}

/// `JOIN resources r` on the `resource_pk` of `alias` when the plan's
/// filter reads the resource row (see [`pages`]).
fn join_resources_if_read(sql: &mut Sql, plan: &Plan, alias: &str) {
    if reads_resource_row(&plan.residual) {
        sql.push(&format!("JOIN resources r ON r.id = {alias}.resource_pk "));
    }
}

/// The rollup pages starting in `[from, to)` (`None`: unbounded) of the
/// meters and resource rows a plan reads (for `stats_cells.rs`): meter id,
/// resource row id and the page. The caller keeps the cells from
/// `plan.cells_from` to `plan.cells_to`; the plan must not cut cells.
/// Like [`cells`] and [`parts_from_samples`], it joins the resource rows
/// only when the filter reads them: the caller looks up each row's group
/// values itself, and every page, rollup row and sample has its resource
/// row (a foreign key on SQLite; on PostgreSQL the writers' lock and the
/// epoch keep expiry from removing a row a sample is being written
/// against, `expire.rs`). At 10 M samples the full-shape statistics
/// joined 230,000 rows to their resources for nothing.
pub(crate) fn pages(d: Dialect, plan: &Plan, from: Option<i64>, to: Option<i64>) -> Result<Sql> {
    let mut sql = Sql::new(d);
    sql.push(
        "SELECT rp.meter_id, rp.resource_pk, rp.cells FROM rollup_pages rp \
         JOIN meters m ON m.id = rp.meter_id ",
    );
    join_resources_if_read(&mut sql, plan, "rp");
    sql.push("WHERE ");
    sample_condition(&mut sql, &plan.residual)?;
    time_range(&mut sql, "rp.page", from, to);
    Ok(sql)
}

/// The rollup rows of cells starting in `[from, to)` (`None`: unbounded)
/// of the meters and resource rows a plan reads, within the plan's cells
/// (for `stats_cells.rs`, where the hours have no pages yet): meter id,
/// resource row id, cell start, count, sum, mean, squared deviations,
/// minimum, maximum, first and last time.
pub(crate) fn cells(d: Dialect, plan: &Plan, from: Option<i64>, to: Option<i64>) -> Result<Sql> {
    let mut sql = Sql::new(d);
    sql.push(
        "SELECT ru.meter_id, ru.resource_pk, ru.bucket, ru.n, ru.total, ru.mean, ru.m2, \
         ru.vmin, ru.vmax, ru.first_ts, ru.last_ts FROM sample_rollups ru \
         JOIN meters m ON m.id = ru.meter_id ",
    );
    join_resources_if_read(&mut sql, plan, "ru");
    sql.push("WHERE ");
    sample_condition(&mut sql, &plan.residual)?;
    time_range(&mut sql, "ru.bucket", plan.cells_from, plan.cells_to);
    time_range(&mut sql, "ru.bucket", from, to);
    Ok(sql)
}

/// The samples a plan reads (the partial intervals and those above the
/// watermark) as parts, numbers only (for `stats_cells.rs`): per sample
/// the period number, meter id, resource row id, count (1), sum, mean,
/// squared deviations (0), minimum, maximum, first and last time.
pub(crate) fn parts_from_samples(
    d: Dialect,
    q: &Query,
    plan: &Plan,
    watermark: i64,
) -> Result<Sql> {
    let mut sql = Sql::new(d);
    for (i, rows) in sample_branches(plan, watermark).into_iter().enumerate() {
        sql.push(if i == 0 {
            "SELECT "
        } else {
            " UNION ALL SELECT "
        });
        period_number(&mut sql, "s.ts", q.periods);
        sql.push(
            ", s.meter_id, s.resource_pk, CAST(1 AS BIGINT), s.volume, s.volume, CAST(0 AS DOUBLE PRECISION), \
             s.volume, s.volume, s.ts, s.ts",
        );
        sample_rows(
            &mut sql,
            plan,
            &[],
            rows,
            reads_resource_row(&plan.residual),
        )?;
    }
    Ok(sql)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::Op;
    use crate::rollup_plan::plan;
    use crate::time::Timestamp;

    /// The three queries of the merge in the client for `filter` over two
    /// days, on both dialects.
    fn merge_queries(filter: Filter) -> Vec<String> {
        let t0 = 1_000 * 12 * CELL_US;
        let f = filter
            .and(Filter::cmp("timestamp", Op::Ge, Timestamp(t0)))
            .and(Filter::cmp(
                "timestamp",
                Op::Lt,
                Timestamp(t0 + 48 * 12 * CELL_US),
            ));
        let p = plan(&f, None).expect("a plan");
        let q = Query {
            filter: &f,
            groups: &[],
            periods: Some((t0, CELL_US, t0 + 48 * 12 * CELL_US)),
            stddev: true,
            cardinality: [false; 3],
        };
        [Dialect::Postgres, Dialect::Sqlite]
            .into_iter()
            .flat_map(|d| {
                [
                    pages(d, &p, Some(t0), None).unwrap().text,
                    cells(d, &p, None, Some(t0)).unwrap().text,
                    parts_from_samples(d, &q, &p, 7).unwrap().text,
                ]
            })
            .collect()
    }

    #[test]
    fn resources_are_joined_exactly_when_the_filter_reads_them() {
        for sql in merge_queries(Filter::eq("meter", "cpu").and(Filter::eq("unit", "%"))) {
            assert!(!sql.contains("resources r"), "{sql}");
            assert!(!sql.contains("r."), "{sql}");
        }
        let reading = [
            Filter::eq("resource_id", "vm-1"),
            Filter::eq("project", "p"),
            Filter::In {
                field: "user_id".into(),
                values: vec!["u".into()],
            },
            Filter::eq("source", "openstack"),
            Filter::eq("resource_metadata.flavor", "m1.tiny"),
            Filter::Not(Box::new(Filter::cmp("metadata.vcpus", Op::Ge, 2i64))),
        ];
        for f in reading {
            for sql in merge_queries(Filter::eq("meter", "cpu").and(f.clone())) {
                assert!(sql.contains("resources r"), "{f:?}: {sql}");
            }
        }
    }
}
