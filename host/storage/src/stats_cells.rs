//! Statistics merged here from rollup pages and samples instead of
//! grouped by the database, when the query allows it ([`applies`]): no
//! period boundary cuts a rollup cell (no period, or periods on the cell
//! grid), and it groups by columns of the resource row only
//! (`resource_id`, `user_id`, `project_id`, `source`), without distinct
//! counts.
//!
//! The database then sends numbers only: per sample read from `samples`
//! (`stats_sql::parts_from_samples`: those above the watermark and at the
//! ends of the time range) its period number, meter and resource row ids,
//! value and time, first; then the whole cells, a stretch of hours at a
//! time: from the rollup pages for the hours that have them
//! (`rollup_pages.rs`: an hour of cells of a meter and resource row per
//! row), from the rollup rows for the latest hours, not over yet. The
//! unit and group values of each meter and resource row are read once,
//! when it is first met (`stats_slots.rs`). After each stretch the periods
//! it completed go out, in order (`stats_merge.rs`), so memory holds the
//! periods of one stretch, not the whole answer.

use std::future::Future;
use std::sync::Arc;

use crate::acc::Acc;
use crate::db::Tx;
use crate::error::Result;
use crate::model::Statistics;
use crate::rollup_pages::{self, PAGE_US, page_floor};
use crate::rollup_plan::Plan;
use crate::stats::{Groupby, Totals};
use crate::stats_merge::Merge;
use crate::stats_out::RowSink;
use crate::stats_slots::Sources;
use crate::stats_sql::{Group, Query};

/// Pages read per statement, about (the stretch of hours adapts to it).
const PAGES_PER_READ: i64 = 20_000;

/// The first stretch read: six hours.
const FIRST_STRETCH: i64 = 6 * PAGE_US;

/// The longest stretch read: about a year.
const MAX_STRETCH: i64 = 366 * 24 * PAGE_US;

/// Whether `q` with `plan` can be merged here.
pub(crate) fn applies(q: &Query, plan: &Plan) -> bool {
    plan.cut_cells.is_none()
        && !q.cardinality.contains(&true)
        && q.groups.iter().all(|g| matches!(g, Group::Column(_)))
}

/// The groups of `q` in period, unit and group value order, from rollup
/// pages up to `watermark` and samples above it, read in `tx`, each made a
/// row by `finish` and handed to `out` as soon as its period is complete.
pub(crate) async fn totals<F, Fut>(
    tx: &mut Tx,
    q: &Query<'_>,
    fields: &[String],
    plan: &Plan,
    watermark: i64,
    finish: impl Fn(Totals) -> Statistics,
    out: &mut RowSink<F>,
) -> Result<()>
where
    F: FnMut(Vec<Statistics>) -> Fut,
    Fut: Future<Output = Result<()>>,
{
    let d = tx.dialect();
    let sealed = crate::locks::pages_before(tx).await?;
    let mut sources = Sources::new(q, fields)?;
    let mut merge = Merge::default();
    // The samples first: those not rolled up yet (normally up to a
    // rollup step's worth) and those of the range's cut ends.
    let sql = crate::stats_sql::parts_from_samples(d, q, plan, watermark)?;
    let mut samples = Vec::new();
    tx.for_each_row(&sql, |row| {
        let source = sources.of(row.int(1)?, row.int(2)?);
        samples.push((row.int(0)?, source, Acc::from_row(row, 3)?));
        Ok(())
    })
    .await?;
    merge.set_samples(samples);
    sources.resolve(tx, &mut merge).await?;

    let (cells_from, cells_to) = (plan.cells_from, plan.cells_to);
    let Some((start, length, end)) = q.periods else {
        // One period: memory holds a part per source whatever is read.
        read_cells(
            tx,
            plan,
            (cells_from.map(page_floor), cells_to),
            sealed,
            &mut sources,
            &mut merge,
            |_| 0,
        )
        .await?;
        sources.resolve(tx, &mut merge).await?;
        return flush(&mut merge, None, &sources, &finish, out).await;
    };
    let period_of = |bucket: i64| (bucket - start) / length;
    let mut from = page_floor(cells_from.unwrap_or(start));
    let mut stretch = FIRST_STRETCH;
    loop {
        let next = from.saturating_add(stretch);
        // The last stretch: up to the plan's end, or unbounded.
        let last = match cells_to {
            Some(to) => next >= to,
            None => next >= end,
        };
        let to = if last { cells_to } else { Some(next) };
        let read = read_cells(
            tx,
            plan,
            (Some(from), to),
            sealed,
            &mut sources,
            &mut merge,
            period_of,
        )
        .await?;
        sources.resolve(tx, &mut merge).await?;
        let Some(to) = to.filter(|_| !last) else {
            break;
        };
        // Every cell before `to` is in: the periods ending by then are whole.
        let complete = (to - start).div_euclid(length);
        flush(&mut merge, Some(complete), &sources, &finish, out).await?;
        stretch = next_stretch(stretch, read);
        from = to;
    }
    flush(&mut merge, None, &sources, &finish, out).await
}

/// Hands to `out` the groups of the periods before `before` (all with
/// `None`), waiting for it whenever a batch is full.
async fn flush<F, Fut>(
    merge: &mut Merge,
    before: Option<i64>,
    sources: &Sources<'_>,
    finish: &impl Fn(Totals) -> Statistics,
    out: &mut RowSink<F>,
) -> Result<()>
where
    F: FnMut(Vec<Statistics>) -> Fut,
    Fut: Future<Output = Result<()>>,
{
    loop {
        let more = merge.emit_next(before, &mut |period, slot, acc| {
            let (unit, groupby) = sources.shown[slot as usize].clone();
            out.push(finish(totals_of(period, unit, groupby, acc)));
            Ok(())
        })?;
        if !more {
            return Ok(());
        }
        if out.full() {
            out.flush().await?;
        }
    }
}

/// The stretch to read next after `stretch` gave `pages` pages: about
/// [`PAGES_PER_READ`] pages at the density seen, in whole hours.
fn next_stretch(stretch: i64, pages: i64) -> i64 {
    let wanted = if pages == 0 {
        stretch.saturating_mul(8)
    } else {
        let scaled = i128::from(stretch) * i128::from(PAGES_PER_READ) / i128::from(pages);
        i64::try_from(scaled.min(i128::from(stretch) * 8)).unwrap_or(MAX_STRETCH)
    };
    (wanted - wanted.rem_euclid(PAGE_US)).clamp(PAGE_US, MAX_STRETCH)
}

/// Reads the cells starting in `[from, to)` (`None`: unbounded) and in
/// the plan's range, and adds them to `merge`, in the period `period_of`
/// their start: from pages for the hours before `sealed`, from rollup rows
/// after. Returns how many pages and rows were read.
async fn read_cells(
    tx: &mut Tx,
    plan: &Plan,
    (from, to): (Option<i64>, Option<i64>),
    sealed: i64,
    sources: &mut Sources<'_>,
    merge: &mut Merge,
    period_of: impl Fn(i64) -> i64,
) -> Result<i64> {
    let (cells_from, cells_to) = (
        plan.cells_from.unwrap_or(i64::MIN),
        plan.cells_to.unwrap_or(i64::MAX),
    );
    let d = tx.dialect();
    let mut read = 0;
    if from.is_none_or(|f| f < sealed) {
        let paged_to = Some(to.map_or(sealed, |t| t.min(sealed)));
        let sql = crate::stats_sql::pages(d, plan, from, paged_to)?;
        tx.for_each_row(&sql, |row| {
            let source = sources.of(row.int(0)?, row.int(1)?);
            read += 1;
            // A page's cells of one period (periods longer than a cell) are
            // merged here first: one part where there were up to twelve.
            let mut run: Option<(i64, Acc)> = None;
            rollup_pages::decode(row.bytes(2)?, |c| {
                if c.bucket < cells_from || c.bucket >= cells_to {
                    return;
                }
                let period = period_of(c.bucket);
                match &mut run {
                    Some((p, acc)) if *p == period => acc.add(&c.acc),
                    _ => {
                        if let Some((p, acc)) = run.replace((period, c.acc)) {
                            merge.add(p, source, &acc);
                        }
                    }
                }
            })?;
            if let Some((p, acc)) = run {
                merge.add(p, source, &acc);
            }
            Ok(())
        })
        .await?;
    }
    if to.is_none_or(|t| t > sealed) {
        let rows_from = Some(from.map_or(sealed, |f| f.max(sealed)));
        let sql = crate::stats_sql::cells(d, plan, rows_from, to)?;
        tx.for_each_row(&sql, |row| {
            let source = sources.of(row.int(0)?, row.int(1)?);
            read += 1;
            merge.add(period_of(row.int(2)?), source, &Acc::from_row(row, 3)?);
            Ok(())
        })
        .await?;
    }
    Ok(read)
}

fn totals_of(period: i64, unit: Arc<str>, groupby: Option<Arc<Groupby>>, r: &Acc) -> Totals {
    let n = r.n as f64;
    Totals {
        period,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stretches_aim_at_a_number_of_pages_in_whole_hours() {
        // 1,000 pages an hour: 20 hours.
        assert_eq!(next_stretch(6 * PAGE_US, 6_000), 20 * PAGE_US);
        // Sparse: at most eight times longer at a time; none: eight times.
        assert_eq!(next_stretch(6 * PAGE_US, 1), 48 * PAGE_US);
        assert_eq!(next_stretch(6 * PAGE_US, 0), 48 * PAGE_US);
        // Dense: never under an hour; never over the longest.
        assert_eq!(next_stretch(PAGE_US, 1_000_000), PAGE_US);
        assert_eq!(next_stretch(MAX_STRETCH, 0), MAX_STRETCH);
    }
}
