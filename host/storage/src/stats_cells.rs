//! Statistics merged here from rollup pages and samples instead of
//! grouped by the database, when the query allows it ([`applies`]): no
//! period boundary cuts a rollup cell (no period, or periods on the cell
//! grid), and it groups by columns of the resource row only
//! (`resource_id`, `user_id`, `project_id`, `source`), without distinct
//! counts.
//!
//! The database then sends numbers only: the rollup pages of the whole
//! cells (`rollup_pages.rs`: an hour of cells of a meter and resource row
//! per row) and, per sample read from `samples`, its period number, meter
//! and resource row ids, value and time (`stats_sql::parts_from_samples`);
//! the group values are read once per resource row. Each part gets the
//! rank of its unit and group values; the parts of each period, unit and
//! group are merged (counts, sums and extremes add up; means and squared
//! deviations combine as in Chan et al.'s pairwise update), through a grid
//! of periods by groups when most of it is filled, by sorting otherwise.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use crate::bulk::in_list_int;
use crate::db::{Numbers, Sql, Tx};
use crate::error::{Error, Result};
use crate::rollup_pages;
use crate::rollup_plan::Plan;
use crate::stats::{Groupby, Shared, Totals};
use crate::stats_sql::{Group, Query};

/// Ids per lookup statement (SQLite's parameters stay few).
const LOOKUP_CHUNK: usize = 500;

/// Whether `q` with `plan` can be merged here.
pub(crate) fn applies(q: &Query, plan: &Plan) -> bool {
    plan.cut_cells.is_none()
        && !q.cardinality.contains(&true)
        && q.groups.iter().all(|g| matches!(g, Group::Column(_)))
}

/// One rollup cell or sample, as the database sent it; while a group is
/// merged, its running aggregates.
#[derive(Clone, Copy)]
struct Part {
    period: i64,
    /// Where it came from (an index into the meter and resource row pairs
    /// read), then its unit and group (`unit rank * groups + group rank`).
    source: usize,
    n: i64,
    total: f64,
    mean: f64,
    m2: f64,
    min: f64,
    max: f64,
    first: i64,
    last: i64,
}

impl Part {
    /// The key parts are sorted and merged by, once `source` is the unit
    /// and group: period, unit, group values.
    fn key(&self) -> (i64, usize) {
        (self.period, self.source)
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

/// A sample row of `stats_sql::parts_from_samples` as a part of `source`.
fn part(row: &dyn Numbers, source: usize) -> Result<Part> {
    Ok(Part {
        period: row.int(0)?,
        source,
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

/// The meter and resource row pairs read, numbered in the order met.
#[derive(Default)]
struct Sources {
    index: HashMap<(i64, i64), usize>,
    pairs: Vec<(i64, i64)>,
}

impl Sources {
    fn of(&mut self, meter: i64, resource: i64) -> usize {
        *self.index.entry((meter, resource)).or_insert_with(|| {
            self.pairs.push((meter, resource));
            self.pairs.len() - 1
        })
    }
}

/// The groups of `q` in period, unit and group value order, from rollup
/// pages up to `watermark` and samples above it, read in `tx`, each
/// passed through `finish`.
pub(crate) async fn totals<T>(
    tx: &mut Tx,
    q: &Query<'_>,
    fields: &[String],
    plan: &Plan,
    watermark: i64,
    finish: impl Fn(Totals) -> T,
) -> Result<Vec<T>> {
    let d = tx.dialect();
    // Without periods, one period of all.
    let (start, length, periods) = match q.periods {
        Some((start, length, end)) => (
            start,
            length,
            usize::try_from((end - start) / length).unwrap_or(usize::MAX),
        ),
        None => (0, 0, 1),
    };
    let period_of = |bucket: i64| {
        if length > 0 {
            (bucket - start) / length
        } else {
            0
        }
    };
    let mut parts: Vec<Part> = Vec::new();
    let mut sources = Sources::default();
    // Whole cells, from the rollup pages.
    let (from, to) = (
        plan.cells_from.unwrap_or(i64::MIN),
        plan.cells_to.unwrap_or(i64::MAX),
    );
    let sql = crate::stats_sql::pages(d, plan)?;
    tx.for_each_row(&sql, |row| {
        let source = sources.of(row.int(0)?, row.int(1)?);
        // A page's cells of one period (periods longer than a cell) are
        // merged before they are kept: one part where there were twelve.
        let first_of_page = parts.len();
        rollup_pages::decode(row.bytes(2)?, |c| {
            if c.bucket < from || c.bucket >= to {
                return;
            }
            let p = Part {
                period: period_of(c.bucket),
                source,
                n: c.n,
                total: c.total,
                mean: c.mean,
                m2: c.m2,
                min: c.min,
                max: c.max,
                first: c.first,
                last: c.last,
            };
            let kept = parts.len();
            match parts.last_mut() {
                Some(last) if kept > first_of_page && last.period == p.period => last.add(&p),
                _ => parts.push(p),
            }
        })
    })
    .await?;
    // The rest, from samples.
    let sql = crate::stats_sql::parts_from_samples(d, q, plan, watermark)?;
    tx.for_each_row(&sql, |row| {
        let source = sources.of(row.int(1)?, row.int(2)?);
        parts.push(part(row, source)?);
        Ok(())
    })
    .await?;
    if parts.is_empty() {
        return Ok(Vec::new());
    }

    let meters: BTreeSet<i64> = sources.pairs.iter().map(|p| p.0).collect();
    let resources: BTreeSet<i64> = sources.pairs.iter().map(|p| p.1).collect();
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
    // (bytewise, a missing value first); each source gets the place of its
    // unit and group among them, so parts order by integers.
    let unit_rank = rank(&units);
    let group_rank = rank(&values);
    let groups = group_rank.sorted.len();
    let place: Vec<usize> = sources
        .pairs
        .iter()
        .map(|(meter, resource)| {
            let u = unit_rank.index.get(meter).ok_or_else(|| {
                Error::Database(format!("meter {meter} vanished during the read"))
            })?;
            let g = group_rank.index.get(resource).ok_or_else(|| {
                Error::Database(format!("resource row {resource} vanished during the read"))
            })?;
            Ok(u * groups + g)
        })
        .collect::<Result<_>>()?;
    for p in &mut parts {
        p.source = place[p.source];
    }

    // Each unit and groupby map made once, shared by its rows.
    let mut shared = Shared::new(fields);
    let units: Vec<Arc<str>> = unit_rank
        .sorted
        .iter()
        .map(|u| Arc::from(u.first().cloned().flatten().unwrap_or_default()))
        .collect();
    let groupbys: Vec<Option<Arc<Groupby>>> = group_rank
        .sorted
        .into_iter()
        .map(|values| shared.groupby(values))
        .collect();
    let done = |run: &Part| {
        let unit = units[run.source / groups].clone();
        let groupby = groupbys[run.source % groups].clone();
        finish(totals_of(unit, groupby, run))
    };

    let slots = units.len().saturating_mul(groups);
    Ok(match merge_in_grid(&mut parts, periods, slots) {
        Some(order) => order.iter().map(|&i| done(&parts[i as usize])).collect(),
        None => sort_and_merge(parts).iter().map(done).collect(),
    })
}

/// The parts merged by key, in key order.
fn sort_and_merge(mut parts: Vec<Part>) -> Vec<Part> {
    parts.sort_unstable_by_key(Part::key);
    let mut out: Vec<Part> = Vec::new();
    for p in parts {
        match out.last_mut() {
            Some(run) if run.key() == p.key() => run.add(&p),
            _ => out.push(p),
        }
    }
    out
}

/// Merges the parts of each key into the first of them, through a grid
/// of `periods` rows of `slots` (units times groups) holding the index of
/// each key's first part; returns those indexes in key order. Only when
/// that grid is small beside the parts (a few empty slots per part at
/// most) and every part has its place in it; otherwise `None`, with the
/// parts untouched. Saves sorting when most groups have a value in most
/// periods, as per-resource series do.
fn merge_in_grid(parts: &mut [Part], periods: usize, slots: usize) -> Option<Vec<u32>> {
    let size = periods.checked_mul(slots)?;
    if size > parts.len().saturating_mul(4).max(1 << 16) || u32::try_from(parts.len()).is_err() {
        return None;
    }
    let place = |p: &Part| {
        let period = usize::try_from(p.period).ok().filter(|&i| i < periods)?;
        Some(period * slots + p.source).filter(|&at| p.source < slots && at < size)
    };
    if !parts.iter().all(|p| place(p).is_some()) {
        return None;
    }
    const EMPTY: u32 = u32::MAX;
    let mut grid = vec![EMPTY; size];
    for i in 0..parts.len() {
        let at = place(&parts[i])?;
        match grid[at] {
            EMPTY => grid[at] = i as u32,
            first => {
                // The first part of a key comes before the others.
                let (before, from_i) = parts.split_at_mut(i);
                before[first as usize].add(&from_i[0]);
            }
        }
    }
    grid.retain(|&i| i != EMPTY);
    Some(grid)
}

fn totals_of(unit: Arc<str>, groupby: Option<Arc<Groupby>>, r: &Part) -> Totals {
    let n = r.n as f64;
    Totals {
        period: r.period,
        unit,
        groupby,
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
    use super::{Part, merge_in_grid, sort_and_merge};

    /// A part of `values` taken at times `first..`, one a second.
    fn part_of(values: &[f64], first: i64) -> Part {
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        Part {
            period: 0,
            source: 0,
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

    #[test]
    fn the_grid_merges_as_sorting_does_and_declines_what_it_cannot_hold() {
        // Parts of 3 periods x 4 slots, some keys twice, in no order.
        let mut parts = Vec::new();
        for i in 0..40i64 {
            let mut p = part_of(&[i as f64, (i * 7 % 11) as f64], i);
            p.period = i * 5 % 3;
            p.source = (i * 3 % 4) as usize;
            if i % 6 != 5 {
                parts.push(p);
            }
        }
        let sorted = sort_and_merge(parts.clone());
        let mut merged = parts.clone();
        let order = merge_in_grid(&mut merged, 3, 4).expect("a grid of 12 slots");
        let grid: Vec<Part> = order.iter().map(|&i| merged[i as usize]).collect();
        assert_eq!(grid.len(), sorted.len());
        for (g, s) in grid.iter().zip(&sorted) {
            assert_eq!(g.key(), s.key());
            assert_eq!((g.n, g.first, g.last), (s.n, s.first, s.last));
            assert_eq!((g.min, g.max), (s.min, s.max));
            assert!((g.total - s.total).abs() < 1e-9 && (g.m2 - s.m2).abs() < 1e-6);
        }
        // A period outside the grid, or a grid far larger than the parts:
        // declined, the parts untouched.
        let mut untouched = parts.clone();
        assert!(merge_in_grid(&mut untouched, 2, 4).is_none());
        assert!(merge_in_grid(&mut untouched, 1 << 20, 4).is_none());
        assert!(
            untouched
                .iter()
                .zip(&parts)
                .all(|(a, b)| a.n == b.n && a.total == b.total)
        );
    }
}
