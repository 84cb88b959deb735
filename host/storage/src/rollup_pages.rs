//! Rollup pages, `rollup_pages`: the `sample_rollups` rows of one meter,
//! resource row and hour ([`PAGE_US`], twelve cells, aligned to the
//! epoch), packed into one binary value. Statistics that read many cells
//! (`stats_cells.rs`) read a page where they would read twelve rows: the
//! database's cost, and the client's, is per row far more than per byte.
//!
//! Pages are derived data, written once their hour is over
//! ([`after_step`]): for every hour before `storage_state.pages_before`
//! they hold exactly the rollup rows, and statistics read the cells from
//! that hour on from `sample_rollups`. A page is written once, when its
//! hour is sealed, unless samples come late: then a rollup step makes it
//! again from the rows in the same transaction, as expiry does for the
//! hour it cuts ([`expire`]). A page holds its cells in time order,
//! [`CELL_BYTES`] each: the cell start, count, sum, mean, squared
//! deviations, minimum, maximum, first and last sample time, big-endian
//! (as PostgreSQL's `int8send` and `float8send` write them, which pack
//! pages there without the rows leaving the server).

use std::collections::{BTreeMap, BTreeSet};

use crate::acc::Acc;
use crate::bulk::{Columns, in_list_int};
use crate::db::{Arg, Dialect, Numbers, Pool, Sql, Tx};
use crate::error::{Error, Result};
use crate::locks;
use crate::rollup::CELL_US;
use crate::time::Timestamp;

/// A page: twelve cells, one hour of sample time, in microseconds.
pub(crate) const PAGE_US: i64 = 12 * CELL_US;

/// Bytes per cell in a page.
pub(crate) const CELL_BYTES: usize = 72;

/// The start of the page holding `ts`.
pub(crate) fn page_floor(ts: i64) -> i64 {
    ts - ts.rem_euclid(PAGE_US)
}

/// One rollup row: a cell of one meter and resource row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Cell {
    /// The cell's start.
    pub bucket: i64,
    /// Its samples' aggregates.
    pub acc: Acc,
}

/// Cells (in time order) as a page value.
pub(crate) fn encode(cells: &[Cell]) -> Vec<u8> {
    let mut out = Vec::with_capacity(cells.len() * CELL_BYTES);
    for Cell { bucket, acc: a } in cells {
        for v in [*bucket, a.n] {
            out.extend_from_slice(&v.to_be_bytes());
        }
        for v in [a.total, a.mean, a.m2, a.min, a.max] {
            out.extend_from_slice(&v.to_be_bytes());
        }
        for v in [a.first, a.last] {
            out.extend_from_slice(&v.to_be_bytes());
        }
    }
    out
}

/// Calls `each` with the cells of a page value.
pub(crate) fn decode(page: &[u8], mut each: impl FnMut(Cell)) -> Result<()> {
    if !page.len().is_multiple_of(CELL_BYTES) {
        return Err(Error::Database(format!(
            "rollup page of {} bytes is not a whole number of {CELL_BYTES}-byte cells",
            page.len()
        )));
    }
    for c in page.chunks_exact(CELL_BYTES) {
        let word = |i: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&c[i * 8..i * 8 + 8]);
            b
        };
        each(Cell {
            bucket: i64::from_be_bytes(word(0)),
            acc: Acc {
                n: i64::from_be_bytes(word(1)),
                total: f64::from_be_bytes(word(2)),
                mean: f64::from_be_bytes(word(3)),
                m2: f64::from_be_bytes(word(4)),
                min: f64::from_be_bytes(word(5)),
                max: f64::from_be_bytes(word(6)),
                first: i64::from_be_bytes(word(7)),
                last: i64::from_be_bytes(word(8)),
            },
        });
    }
    Ok(())
}

/// What a rollup step changed.
#[derive(Debug, Default)]
pub(crate) struct Touched {
    /// Per `(meter id, page start)`, the resource rows whose cells changed.
    pub pages: BTreeMap<(i64, i64), BTreeSet<i64>>,
    /// The start of the latest cell changed.
    pub latest: Option<i64>,
}

impl Touched {
    /// Notes a changed cell.
    pub(crate) fn cell(&mut self, meter: i64, bucket: i64, resource: i64) {
        self.pages
            .entry((meter, page_floor(bucket)))
            .or_default()
            .insert(resource);
        self.latest = Some(self.latest.map_or(bucket, |l| l.max(bucket)));
    }
}

/// After a rollup step changed the rows `touched` (in `tx`, holding the
/// maintenance lock): makes again the pages of the hours with pages that
/// it changed (samples that came late), then writes the pages of the hours
/// now over and moves `pages_before` past them. An hour is over once the
/// hour after it has ended too (an hour for stragglers): by the latest
/// cell rolled up, and by the clock (a cell dated in the future seals
/// nothing ahead of it). Returns the hours it wrote pages for, `[from,
/// to)`, if any (for [`mark_committed`] once `tx` is committed).
pub(crate) async fn after_step(tx: &mut Tx, touched: &Touched) -> Result<Option<(i64, i64)>> {
    let sealed = locks::pages_before(tx).await?;
    for (&(meter, page), resources) in &touched.pages {
        if page < sealed {
            refresh(tx, meter, page, resources).await?;
        }
    }
    let Some(latest) = touched.latest else {
        return Ok(None);
    };
    let now = Timestamp::now().micros();
    let over = page_floor(latest.min(now)).saturating_sub(PAGE_US);
    if over <= sealed {
        return Ok(None);
    }
    let d = tx.dialect();
    let mut rows = Sql::new(d);
    rows.push("meter_id IN (SELECT id FROM meters)");
    write(tx, sealed, over, rows).await?;
    let mut sql = Sql::new(d);
    sql.push("UPDATE storage_state SET pages_before = ")
        .bind(Arg::Int(over))
        .push(" WHERE id = 1");
    tx.execute(&sql).await?;
    Ok(Some((sealed, over)))
}

/// Reads once the pages of the hours `[from, to)` that a committed step
/// wrote (PostgreSQL; nothing on SQLite). The server marks a row's
/// inserting transaction as committed in the row itself (its hint bits)
/// the first time it reads the row after the commit. Read now, the pages
/// are still in its buffers and are written to disk once, marked; read
/// first by a statistics query, they would all be dirtied and written
/// again by that query (20,500 buffers, 50 ms of a 10 M-sample full
/// statistics read, `EXPLAIN (ANALYZE, BUFFERS)`).
pub(crate) async fn mark_committed(pool: &Pool, from: i64, to: i64) -> Result<()> {
    if pool.dialect() != Dialect::Postgres {
        return Ok(());
    }
    let mut sql = Sql::new(Dialect::Postgres);
    sql.push(
        "SELECT count(*) FROM rollup_pages WHERE meter_id IN (SELECT id FROM meters) AND page >= ",
    )
    .bind(Arg::Int(from))
    .push(" AND page < ")
    .bind(Arg::Int(to));
    pool.fetch(&sql).await?;
    Ok(())
}

/// Makes again the pages at `page` of `meter` and `resources` from their
/// rollup rows.
async fn refresh(tx: &mut Tx, meter: i64, page: i64, resources: &BTreeSet<i64>) -> Result<()> {
    let d = tx.dialect();
    let resources: Vec<i64> = resources.iter().copied().collect();
    let per_statement = match d {
        // One array argument, however many.
        Dialect::Postgres => resources.len().max(1),
        Dialect::Sqlite => SQLITE_RESOURCES_PER_STATEMENT,
    };
    for chunk in resources.chunks(per_statement) {
        let mut rows = Sql::new(d);
        rows.push("meter_id = ").bind(Arg::Int(meter)).push(" AND ");
        in_list_int(&mut rows, "resource_pk", chunk);
        write(tx, page, page.saturating_add(PAGE_US), rows).await?;
    }
    Ok(())
}

/// After expiry removed the rollup rows before a cut-off in the hour
/// starting at `page` (in `tx`, holding the maintenance lock): removes the
/// pages before that hour and that hour's, and makes that hour's again
/// from the rows left if it has pages.
pub(crate) async fn expire(tx: &mut Tx, page: i64) -> Result<()> {
    let d = tx.dialect();
    let mut sql = Sql::new(d);
    sql.push("DELETE FROM rollup_pages WHERE meter_id IN (SELECT id FROM meters) AND page <= ")
        .bind(Arg::Int(page));
    tx.execute(&sql).await?;
    if page < locks::pages_before(tx).await? {
        let mut rows = Sql::new(d);
        rows.push("meter_id IN (SELECT id FROM meters)");
        write(tx, page, page.saturating_add(PAGE_US), rows).await?;
    }
    Ok(())
}

/// Resource rows per statement of [`refresh`] on SQLite (its parameters
/// stay few).
const SQLITE_RESOURCES_PER_STATEMENT: usize = 500;

/// The page start of the cell start in column `bucket`, as SQL.
fn page_of(bucket: &str) -> String {
    format!("({bucket} - (({bucket} % {PAGE_US}) + {PAGE_US}) % {PAGE_US})")
}

/// Writes (inserts or replaces) the pages of the hours `[from, to)` of the
/// rollup rows matching `rows` (a condition over `sample_rollups`' meter
/// and resource columns, its arguments first).
async fn write(tx: &mut Tx, from: i64, to: i64, rows: Sql) -> Result<()> {
    let d = tx.dialect();
    let upsert = "ON CONFLICT (meter_id, page, resource_pk) DO UPDATE SET cells = excluded.cells";
    let page = page_of("bucket");
    match d {
        Dialect::Postgres => {
            // Packed by the server: its send functions write each number
            // as the page format has it (big-endian), so the rows never
            // travel.
            let mut sql = Sql::new(d);
            sql.args = rows.args;
            sql.push(&format!(
                "INSERT INTO rollup_pages (meter_id, page, resource_pk, cells) \
                 SELECT meter_id, {page}, resource_pk, string_agg(int8send(bucket) || int8send(n) \
                 || float8send(total) || float8send(mean) || float8send(m2) || float8send(vmin) \
                 || float8send(vmax) || int8send(first_ts) || int8send(last_ts), ''::bytea \
                 ORDER BY bucket) FROM sample_rollups WHERE {} AND bucket >= ",
                rows.text
            ))
            .bind(Arg::Int(from))
            .push(" AND bucket < ")
            .bind(Arg::Int(to))
            .push(&format!(" GROUP BY meter_id, {page}, resource_pk {upsert}"));
            tx.execute(&sql).await?;
        }
        Dialect::Sqlite => {
            let mut sql = Sql::new(d);
            sql.args = rows.args;
            sql.push(&format!(
                "SELECT meter_id, resource_pk, bucket, n, total, mean, m2, vmin, vmax, first_ts, \
                 last_ts FROM sample_rollups WHERE {} AND bucket >= ",
                rows.text
            ))
            .bind(Arg::Int(from))
            .push(" AND bucket < ")
            .bind(Arg::Int(to))
            .push(" ORDER BY meter_id, resource_pk, bucket");
            let mut found: Vec<((i64, i64, i64), Cell)> = Vec::new();
            tx.for_each_row(&sql, |row| {
                let cell = cell(row, 2)?;
                found.push(((row.int(0)?, row.int(1)?, page_floor(cell.bucket)), cell));
                Ok(())
            })
            .await?;
            let mut columns = Columns {
                cols: vec![
                    ("meter_id", "BIGINT[]", Vec::new()),
                    ("page", "BIGINT[]", Vec::new()),
                    ("resource_pk", "BIGINT[]", Vec::new()),
                    ("cells", "BYTEA[]", Vec::new()),
                ],
            };
            for run in found.chunk_by(|a, b| a.0 == b.0) {
                let cells: Vec<Cell> = run.iter().map(|r| r.1).collect();
                let (meter, resource, page) = run[0].0;
                let values = [
                    Arg::Int(meter),
                    Arg::Int(page),
                    Arg::Int(resource),
                    Arg::Bytes(encode(&cells)),
                ];
                for (col, v) in columns.cols.iter_mut().zip(values) {
                    col.2.push(v);
                }
            }
            if columns.len() > 0 {
                for sql in columns.insert(d, "rollup_pages", upsert) {
                    tx.execute(&sql).await?;
                }
            }
        }
    }
    Ok(())
}

/// A rollup row's cell from column `at` on: bucket, n, total, mean, m2,
/// minimum, maximum, first and last time.
fn cell(row: &dyn Numbers, at: usize) -> Result<Cell> {
    Ok(Cell {
        bucket: row.int(at)?,
        acc: Acc::from_row(row, at + 1)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_gives_back_its_cells_bit_for_bit() {
        let cells = [
            Cell {
                bucket: -PAGE_US,
                acc: Acc {
                    n: 3,
                    total: 0.1 + 0.2,
                    mean: 0.1,
                    m2: f64::MIN_POSITIVE,
                    min: -0.0,
                    max: f64::MAX,
                    first: -PAGE_US,
                    last: -PAGE_US + 7,
                },
            },
            Cell {
                bucket: -PAGE_US + CELL_US,
                acc: Acc {
                    n: i64::MAX,
                    total: 1e300,
                    mean: -2.5,
                    m2: 0.0,
                    min: f64::MIN,
                    max: 4.0,
                    first: i64::MIN,
                    last: i64::MAX,
                },
            },
        ];
        let page = encode(&cells);
        assert_eq!(page.len(), 2 * CELL_BYTES);
        let mut back = Vec::new();
        decode(&page, |c| back.push(c)).unwrap();
        assert_eq!(back.len(), 2);
        for (c, d) in back.iter().zip(&cells) {
            assert_eq!(c.bucket, d.bucket);
            let (a, b) = (c.acc, d.acc);
            assert_eq!(a.n, b.n);
            assert_eq!((a.first, a.last), (b.first, b.last));
            for (x, y) in [
                (a.total, b.total),
                (a.mean, b.mean),
                (a.m2, b.m2),
                (a.min, b.min),
                (a.max, b.max),
            ] {
                assert_eq!(x.to_bits(), y.to_bits());
            }
        }
    }

    #[test]
    fn a_torn_page_is_an_error_naming_its_length() {
        let page = encode(&[Cell {
            bucket: 0,
            acc: Acc {
                n: 1,
                total: 1.0,
                mean: 1.0,
                m2: 0.0,
                min: 1.0,
                max: 1.0,
                first: 0,
                last: 0,
            },
        }]);
        let err = decode(&page[..CELL_BYTES - 1], |_| {}).unwrap_err();
        assert!(err.to_string().contains("71 bytes"), "{err}");
    }

    #[test]
    fn pages_start_on_the_hour_before_and_after_the_epoch() {
        assert_eq!(page_floor(0), 0);
        assert_eq!(page_floor(PAGE_US - 1), 0);
        assert_eq!(page_floor(PAGE_US), PAGE_US);
        assert_eq!(page_floor(-1), -PAGE_US);
    }
}
