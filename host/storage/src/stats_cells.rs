//! Statistics merged here from rollup rows and samples instead of grouped
//! by the database, when the query allows it ([`applies`]): its periods
//! lie on the cell grid and are at most two cells long, and it groups by
//! columns of the resource row only (`resource_id`, `user_id`,
//! `project_id`, `source`), without distinct counts.
//!
//! The database then sends numbers only (period number, meter and resource
//! row ids, and each part's count, sum, mean, squared deviations, extremes
//! and times: `stats_sql::parts_from_rollups`), and the group values are
//! read once per resource row. Grouping a large answer (a rollup row per
//! resource and period) is cheaper here than in the database, which would
//! hash every row's text values and send them with every row: the parts
//! are sorted by period, unit and the rank of their group values, and each
//! run of equal keys merged (counts, sums and extremes add up; means and
//! squared deviations combine as in Chan et al.'s pairwise update).

use std::collections::{BTreeSet, HashMap};

use crate::bulk::in_list_int;
use crate::db::{Numbers, Sql, Tx};
use crate::error::{Error, Result};
use crate::rollup::CELL_US;
use crate::rollup_plan::Plan;
use crate::stats::Totals;
use crate::stats_sql::{Group, Query};

/// Ids per lookup statement (SQLite's parameters stay few).
const LOOKUP_CHUNK: usize = 500;

/// Longest period merged here: with longer ones each group has many parts
/// (a rollup row per cell), which the database reduces before sending more
/// cheaply than they travel (measured in docs/performance.md).
const MAX_PERIOD_US: i64 = 2 * CELL_US;

/// Whether `q` with `plan` can be merged here.
pub(crate) fn applies(q: &Query, plan: &Plan) -> bool {
    let short_periods = q
        .periods
        .is_some_and(|(_, length, _)| length <= MAX_PERIOD_US);
    short_periods
        && plan.cut_cells.is_none()
        && !q.cardinality.contains(&true)
        && q.groups.iter().all(|g| matches!(g, Group::Column(_)))
}

/// One rollup row or sample, as the database sent it; while a group is
/// merged, its running aggregates.
#[derive(Clone, Copy)]
struct Part {
    period: i64,
    /// The meter id, then the rank of its unit.
    meter: i64,
    /// The resource row id, then the rank of its group values.
    resource: i64,
    n: i64,
    total: f64,
    mean: f64,
    m2: f64,
    min: f64,
    max: f64,
    first: i64,
    last: i64,
}

fn part(row: &dyn Numbers) -> Result<Part> {
    Ok(Part {
        period: row.int(0)?,
        meter: row.int(1)?,
        resource: row.int(2)?,
        n: row.int(3)?,
        total: row.float(4)?,
        mean: row.float(5)?,
        m2: row.float(6)?,
        min: row.float(7)?,
        max: row.float(8)?,
        first: row.int(9)?,
        last: row.int(10)?,
    })
}

impl Part {
    /// The key parts are sorted and merged by (once ranks replaced ids).
    fn key(&self) -> (i64, i64, i64) {
        (self.period, self.meter, self.resource)
    }

    /// Merges `p` (of the same key) into this part.
    fn add(&mut self, p: &Part) {
        let n = self.n + p.n;
        let delta = p.mean - self.mean;
        let (na, nb, nn) = (self.n as f64, p.n as f64, n as f64);
        self.mean += delta * nb / nn;
        self.m2 += p.m2 + delta * delta * na * nb / nn;
        self.n = n;
        self.total += p.total;
        self.min = self.min.min(p.min);
        self.max = self.max.max(p.max);
        self.first = self.first.min(p.first);
        self.last = self.last.max(p.last);
    }
}

/// The groups of `q` in period, unit and group value order, from rollups
/// up to `watermark` and samples above it, read in `tx`.
pub(crate) async fn totals(
    tx: &mut Tx,
    q: &Query<'_>,
    plan: &Plan,
    watermark: i64,
) -> Result<Vec<Totals>> {
    let d = tx.dialect();
    let sql = crate::stats_sql::parts_from_rollups(d, q, plan, watermark)?;
    let mut parts = Vec::new();
    tx.for_each_row(&sql, |row| {
        parts.push(part(row)?);
        Ok(())
    })
    .await?;
    if parts.is_empty() {
        return Ok(Vec::new());
    }

    let meters: BTreeSet<i64> = parts.iter().map(|p| p.meter).collect();
    let resources: BTreeSet<i64> = parts.iter().map(|p| p.resource).collect();
    let units = lookup(tx, "SELECT id, unit FROM meters WHERE ", &meters).await?;
    let columns: Vec<&str> = q
        .groups
        .iter()
        .map(|g| match g {
            Group::Column(c) => Ok(*c),
            Group::Metadata(_) => Err(Error::Database(
                "merged statistics cannot group by metadata".into(),
            )),
        })
        .collect::<Result<_>>()?;
    let select = format!(
        "SELECT r.id{} FROM resources r WHERE ",
        columns.iter().map(|c| format!(", {c}")).collect::<String>()
    );
    let values = lookup(tx, &select, &resources).await?;

    // Units and group values ranked in the order rows are returned
    // (bytewise, a missing value first): each part's meter and resource
    // row ids are replaced by those ranks, so parts sort by integers.
    let unit_rank = rank(&units);
    let group_rank = rank(&values);
    for p in &mut parts {
        p.meter =
            *unit_rank.index.get(&p.meter).ok_or_else(|| {
                Error::Database(format!("meter {} vanished during the read", p.meter))
            })? as i64;
        p.resource = *group_rank.index.get(&p.resource).ok_or_else(|| {
            Error::Database(format!(
                "resource row {} vanished during the read",
                p.resource
            ))
        })? as i64;
    }
    parts.sort_unstable_by_key(Part::key);

    let mut out = Vec::new();
    let mut iter = parts.iter();
    let Some(&first) = iter.next() else {
        return Ok(out);
    };
    let emit = |out: &mut Vec<Totals>, run: &Part| {
        let unit = units_of(&unit_rank.sorted[run.meter as usize]);
        let values = group_rank.sorted[run.resource as usize].clone();
        out.push(finish(unit, values, run));
    };
    let mut run = first;
    for p in iter {
        if p.key() == run.key() {
            run.add(p);
        } else {
            emit(&mut out, &run);
            run = *p;
        }
    }
    emit(&mut out, &run);
    Ok(out)
}

/// The unit of a meters row (its one looked-up column).
fn units_of(values: &[Option<String>]) -> String {
    values.first().cloned().flatten().unwrap_or_default()
}

fn finish(unit: String, values: Vec<Option<String>>, r: &Part) -> Totals {
    let n = r.n as f64;
    Totals {
        period: r.period,
        unit,
        values,
        first: r.first,
        last: r.last,
        count: u64::try_from(r.n).unwrap_or(0),
        sum: r.total,
        min: r.min,
        max: r.max,
        avg: r.total / n,
        stddev: Some((r.m2 / n).max(0.0).sqrt()),
        distinct: [None; 3],
    }
}

/// Rows of `select` (an id column, then text columns) for `ids`, by id.
async fn lookup(
    tx: &mut Tx,
    select: &str,
    ids: &BTreeSet<i64>,
) -> Result<HashMap<i64, Vec<Option<String>>>> {
    let ids: Vec<i64> = ids.iter().copied().collect();
    let mut found = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(LOOKUP_CHUNK) {
        let mut sql = Sql::new(tx.dialect());
        sql.push(select);
        in_list_int(&mut sql, "id", chunk);
        for mut row in tx.fetch(&sql).await? {
            let id = row.int(0)?;
            let width = row.0.len();
            let values = (1..width)
                .map(|i| row.take_opt_text(i))
                .collect::<Result<Vec<_>>>()?;
            found.insert(id, values);
        }
    }
    Ok(found)
}

/// Distinct value lists in order, and each id's place among them.
struct Ranked {
    sorted: Vec<Vec<Option<String>>>,
    index: HashMap<i64, usize>,
}

fn rank(rows: &HashMap<i64, Vec<Option<String>>>) -> Ranked {
    let sorted: Vec<Vec<Option<String>>> = rows
        .values()
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let place: HashMap<&Vec<Option<String>>, usize> =
        sorted.iter().enumerate().map(|(i, v)| (v, i)).collect();
    let index = rows.iter().map(|(id, v)| (*id, place[v])).collect();
    Ranked { sorted, index }
}

#[cfg(test)]
mod tests {
    use super::Part;

    /// A part of `values` taken at times `first..`, one a second.
    fn part_of(values: &[f64], first: i64) -> Part {
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        Part {
            period: 0,
            meter: 0,
            resource: 0,
            n: values.len() as i64,
            total: values.iter().sum(),
            mean,
            m2: values.iter().map(|v| (v - mean) * (v - mean)).sum(),
            min: values.iter().copied().fold(f64::INFINITY, f64::min),
            max: values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            first,
            last: first + values.len() as i64 - 1,
        }
    }

    #[test]
    fn merged_parts_equal_the_whole_computed_at_once() {
        let groups: [&[f64]; 4] = [&[1.0, 2.0, 4.0], &[10.0, 11.0], &[7.0], &[-3.5, 0.25]];
        let mut run = part_of(groups[0], 100);
        let mut at = 100 + groups[0].len() as i64;
        for g in &groups[1..] {
            run.add(&part_of(g, at));
            at += g.len() as i64;
        }
        let all: Vec<f64> = groups.concat();
        let whole = part_of(&all, 100);
        assert_eq!(run.n, whole.n);
        assert_eq!((run.min, run.max), (whole.min, whole.max));
        assert_eq!((run.first, run.last), (whole.first, whole.last));
        for (got, want) in [
            (run.total, whole.total),
            (run.mean, whole.mean),
            (run.m2, whole.m2),
        ] {
            assert!((got - want).abs() < 1e-9, "{got} vs {want}");
        }
    }
}
