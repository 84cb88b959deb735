//! Whether, and how, a statistics query can read rollups.
//!
//! The rollups can answer for whole cells, so a query can use them when
//! every condition of its filter holds for all samples of a rollup row or
//! for none: conditions on the meter and the resource row (ids, source,
//! metadata) anywhere in the filter, and comparisons of `timestamp` at the
//! top level (ANDed), which cut the time line into an interval. Whatever
//! the cells cannot give exactly is read from `samples`:
//! - the parts of the interval not covering whole cells (its ends, and the
//!   cells that a period boundary cuts in two when the periods are not on
//!   the cell grid), the "partial" intervals;
//! - samples above the rollup watermark, not yet rolled up.
//!
//! Filters on anything else (volume, message id, recorded_at, `timestamp`
//! under OR or NOT, `ne`) and queries that would read more than half their
//! time range from samples anyway get no plan: the caller reads samples
//! only.

use crate::query::{Filter, Op, Value};
use crate::rollup::{CELL_US, cell_floor};
use crate::time::Timestamp;

/// Most partial intervals a plan reads from samples.
const MAX_PARTIAL: usize = 32;

/// Most periods looked at for cut cells.
const MAX_PERIODS: i64 = 100_000;

/// How to read a statistics query from rollups and samples.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Plan {
    /// The filter without its top-level `timestamp` conditions.
    pub residual: Filter,
    /// Sample times covered, `[lo, hi)`; `None` is unbounded.
    pub lo: Option<i64>,
    pub hi: Option<i64>,
    /// Rollup cells used: `cells_from <= bucket < cells_to` (`None`:
    /// unbounded).
    pub cells_from: Option<i64>,
    pub cells_to: Option<i64>,
    /// Periods `(start, length)` whose boundaries cut cells: rollup rows of
    /// those cells are left out (their samples are in `partial`).
    pub cut_cells: Option<(i64, i64)>,
    /// Intervals `[a, b)` read from samples whatever the watermark.
    pub partial: Vec<(i64, i64)>,
}

/// Fields a rollup row has one value of (all its samples share them).
fn row_field(field: &str) -> bool {
    matches!(
        field,
        "meter"
            | "counter_name"
            | "name"
            | "type"
            | "counter_type"
            | "unit"
            | "counter_unit"
            | "user_id"
            | "user"
            | "project_id"
            | "project"
            | "resource_id"
            | "resource"
            | "source"
    ) || field
        .strip_prefix("metadata.")
        .or_else(|| field.strip_prefix("resource_metadata."))
        .is_some_and(|k| !k.is_empty())
}

fn only_row_fields(f: &Filter) -> bool {
    match f {
        Filter::And(parts) | Filter::Or(parts) => parts.iter().all(only_row_fields),
        Filter::Not(inner) => only_row_fields(inner),
        Filter::Cmp { field, .. } | Filter::In { field, .. } => row_field(field),
    }
}

fn time_value(v: &Value) -> Option<i64> {
    match v {
        Value::Datetime(t) => Some(t.micros()),
        Value::Text(s) => Timestamp::parse(s).ok().map(Timestamp::micros),
        _ => None,
    }
}

/// `[lo, hi)` from a top-level time comparison, narrowing the bounds.
fn narrow(lo: &mut Option<i64>, hi: &mut Option<i64>, op: Op, t: i64) -> Option<()> {
    let mut up = |v: i64| *lo = Some(lo.map_or(v, |l| l.max(v)));
    match op {
        Op::Ge => up(t),
        Op::Gt => up(t.checked_add(1)?),
        Op::Eq => {
            up(t);
            let v = t.checked_add(1)?;
            *hi = Some(hi.map_or(v, |h| h.min(v)));
        }
        Op::Lt => *hi = Some(hi.map_or(t, |h| h.min(t))),
        Op::Le => {
            let v = t.checked_add(1)?;
            *hi = Some(hi.map_or(v, |h| h.min(v)));
        }
        Op::Ne => return None,
    }
    Some(())
}

fn cell_ceil(t: i64) -> Option<i64> {
    let f = cell_floor(t);
    if f == t {
        Some(t)
    } else {
        f.checked_add(CELL_US)
    }
}

/// Adds to `partial` what of `[x, y)` whole cells do not cover; returns
/// whether any whole cell lies in it.
fn split(x: Option<i64>, y: Option<i64>, partial: &mut Vec<(i64, i64)>) -> Option<bool> {
    let from = match x {
        Some(v) => Some(cell_ceil(v)?),
        None => None,
    };
    let to = y.map(cell_floor);
    let whole = match (from, to) {
        (Some(f), Some(t)) => f < t,
        _ => true,
    };
    if !whole {
        if let (Some(a), Some(b)) = (x, y) {
            push(partial, a, b);
        }
        return Some(false);
    }
    if let (Some(a), Some(f)) = (x, from)
        && a < f
    {
        push(partial, a, f);
    }
    if let (Some(t), Some(b)) = (to, y)
        && t < b
    {
        push(partial, t, b);
    }
    Some(true)
}

/// Appends `[a, b)`, merged with the last interval when they touch.
fn push(partial: &mut Vec<(i64, i64)>, a: i64, b: i64) {
    if a >= b {
        return;
    }
    match partial.last_mut() {
        Some(last) if last.1 == a => last.1 = b,
        _ => partial.push((a, b)),
    }
}

/// The plan for `filter`, with `periods` `(start, length, end)` when the
/// query has periods (`end` exclusive), or `None` when the rollups cannot
/// answer it exactly, or not usefully.
pub(crate) fn plan(filter: &Filter, periods: Option<(i64, i64, i64)>) -> Option<Plan> {
    let conjuncts: Vec<&Filter> = match filter {
        Filter::And(parts) => parts.iter().collect(),
        f => vec![f],
    };
    let (mut lo, mut hi) = (None, None);
    let mut residual = Vec::new();
    for c in conjuncts {
        match c {
            Filter::Cmp {
                field, op, value, ..
            } if field == "timestamp" => narrow(&mut lo, &mut hi, *op, time_value(value)?)?,
            f if only_row_fields(f) => residual.push(f.clone()),
            _ => return None,
        }
    }
    if let Some((start, _, end)) = periods {
        lo = Some(lo.map_or(start, |l| l.max(start)));
        hi = Some(hi.map_or(end, |h| h.min(end)));
    }
    if let (Some(l), Some(h)) = (lo, hi)
        && l >= h
    {
        return None;
    }
    let mut partial = Vec::new();
    let mut cut_cells = None;
    let any_whole = match periods {
        Some((start, length, _)) if start.rem_euclid(CELL_US) != 0 || length % CELL_US != 0 => {
            // Period boundaries cut cells: split the interval at each.
            cut_cells = Some((start, length));
            let (l, h) = (lo?, hi?);
            if length < CELL_US || h.checked_sub(l)? / length > MAX_PERIODS {
                return None;
            }
            let mut any = false;
            let first = (l - start) / length;
            let mut k = first;
            loop {
                let a = start.checked_add(k.checked_mul(length)?)?.max(l);
                if a >= h {
                    break;
                }
                let b = start.checked_add((k + 1).checked_mul(length)?)?.min(h);
                any |= split(Some(a), Some(b), &mut partial)?;
                if partial.len() > MAX_PARTIAL {
                    return None;
                }
                k += 1;
            }
            any
        }
        _ => split(lo, hi, &mut partial)?,
    };
    if !any_whole {
        return None;
    }
    if let (Some(l), Some(h)) = (lo, hi) {
        let raw: i128 = partial.iter().map(|(a, b)| i128::from(b - a)).sum();
        if raw * 2 > i128::from(h) - i128::from(l) {
            return None;
        }
    }
    Some(Plan {
        residual: Filter::And(residual),
        lo,
        hi,
        cells_from: match lo {
            Some(v) => Some(cell_ceil(v)?),
            None => None,
        },
        cells_to: hi.map(cell_floor),
        cut_cells,
        partial,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000_000;
    const T0: i64 = 1_000 * CELL_US;

    fn between(a: i64, b: i64) -> Filter {
        Filter::eq("meter", "cpu")
            .and(Filter::cmp("timestamp", Op::Ge, Timestamp(a)))
            .and(Filter::cmp("timestamp", Op::Lt, Timestamp(b)))
    }

    #[test]
    fn aligned_periods_read_only_the_ends_from_samples() {
        let p = plan(
            &between(T0, T0 + 12 * CELL_US),
            Some((T0, CELL_US, T0 + 12 * CELL_US)),
        )
        .unwrap();
        assert_eq!(p.partial, []);
        assert_eq!(
            (p.cells_from, p.cells_to),
            (Some(T0), Some(T0 + 12 * CELL_US))
        );
        assert_eq!(p.cut_cells, None);
        assert_eq!(p.residual, Filter::And(vec![Filter::eq("meter", "cpu")]));

        // Bounds off the grid: the cells they cut come from samples.
        let (a, b) = (T0 + MIN, T0 + 12 * CELL_US + 2 * MIN);
        let p = plan(&between(a, b), None).unwrap();
        assert_eq!(p.partial, [(a, T0 + CELL_US), (T0 + 12 * CELL_US, b)]);
        assert_eq!(
            (p.cells_from, p.cells_to),
            (Some(T0 + CELL_US), Some(T0 + 12 * CELL_US))
        );
    }

    #[test]
    fn periods_off_the_grid_cut_cells() {
        // 450 s periods from T0: every other boundary cuts a cell.
        let len = 450_000_000;
        let end = T0 + 4 * len;
        let p = plan(&between(T0, end), Some((T0, len, end))).unwrap();
        assert_eq!(p.cut_cells, Some((T0, len)));
        assert_eq!(
            p.partial,
            [
                (T0 + CELL_US, T0 + 2 * CELL_US),
                (T0 + 4 * CELL_US, T0 + 5 * CELL_US)
            ]
        );
    }

    #[test]
    fn no_plan_when_rollups_cannot_answer() {
        let day = 24 * 60 * MIN;
        let cases = [
            between(T0, T0 + day).and(Filter::cmp("volume", Op::Gt, 1.0)),
            between(T0, T0 + day).and(Filter::eq("message_id", "x")),
            between(T0, T0 + day).and(Filter::Or(vec![
                Filter::cmp("timestamp", Op::Lt, Timestamp(T0 + MIN)),
                Filter::eq("resource_id", "r"),
            ])),
            between(T0, T0 + day).and(Filter::cmp("timestamp", Op::Ne, Timestamp(T0))),
            // Within one cell: nothing whole.
            between(T0 + MIN, T0 + 2 * MIN),
            // More than half from samples.
            between(T0 + MIN, T0 + 2 * CELL_US + 2 * MIN),
        ];
        for f in cases {
            assert_eq!(plan(&f, None), None, "{f:?}");
        }
        // Periods shorter than a cell: every cell is cut.
        assert_eq!(
            plan(&between(T0, T0 + day), Some((T0, MIN, T0 + day))),
            None
        );
    }

    #[test]
    fn unbounded_and_strict_bounds() {
        let p = plan(
            &Filter::eq("resource_metadata.flavor.name", "m1.tiny"),
            None,
        )
        .unwrap();
        assert_eq!(
            (p.lo, p.hi, p.cells_from, p.cells_to),
            (None, None, None, None)
        );
        // `gt` at a cell start: the sample exactly there is excluded, so
        // that cell comes from samples.
        let f = Filter::cmp("timestamp", Op::Gt, Timestamp(T0));
        let p = plan(&f, None).unwrap();
        assert_eq!(p.partial, [(T0 + 1, T0 + CELL_US)]);
        assert_eq!(p.cells_from, Some(T0 + CELL_US));
    }
}
