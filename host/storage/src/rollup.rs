//! The rollup table, `sample_rollups`: per meter, resource row and cell of
//! [`CELL_US`] (300 s of sample time, aligned to the epoch), the count,
//! sum, mean, sum of squared deviations from the mean (`m2`), minimum,
//! maximum and first and last sample time of the samples whose id is at
//! most `storage_state.watermark`.
//!
//! Rollups are maintained after the write, not in it: a maintenance step
//! learns the highest sample id whose write transaction has ended (on
//! PostgreSQL by reading the id sequence, then waiting for the write
//! transactions in flight at that moment; ids come from a sequence, so
//! later writes get higher ones; on SQLite under its write lock),
//! aggregates the
//! samples between the watermark and that id, merges them into the rollups
//! and moves the watermark, in one transaction. So a write pays nothing per
//! sample for the rollups, a redelivered sample (skipped by the insert) is
//! never counted, and a reader that reads the watermark and the rollups in
//! one snapshot counts every sample exactly once: from the rollups up to
//! the watermark, from `samples` above it (see `stats.rs`).
//!
//! After this process has stored [`STEP_AFTER`] samples since its last
//! step, a write starts a step in a task of its own (the writer does not
//! wait for it); [`catch_up`] runs steps until none is left.
//! Expiry (`expire.rs`) removes the rollups of expired cells and recomputes
//! the cell the cut-off falls in, under the same maintenance lock. Either
//! way the rollup pages follow in the same transaction: a step writes the
//! pages of the hours that are over and makes again those of earlier hours
//! whose rows changed; expiry those of the hour it cuts
//! (`rollup_pages.rs`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};

use std::time::{Duration, Instant};

use crate::db::{Arg, Dialect, Pool, Sql, Tx};
use crate::error::{Error, Result};
use crate::locks;
use crate::rollup_pages::{self, Touched, page_floor};

/// The rollup cell: 300 seconds, in microseconds.
pub(crate) const CELL_US: i64 = 300 * 1_000_000;

/// Samples this process stores between two maintenance steps.
const STEP_AFTER: u64 = 50_000;

/// Most sample ids one step aggregates (bounds its transaction).
const STEP_IDS: i64 = 500_000;

/// How long a step waits for write transactions in progress to end.
const SETTLE_WAIT: Duration = Duration::from_secs(30);

/// The start of the cell holding `ts`.
pub(crate) fn cell_floor(ts: i64) -> i64 {
    ts - ts.rem_euclid(CELL_US)
}

/// When the next maintenance step is due, for one [`crate::Storage`].
#[derive(Debug, Default)]
pub(crate) struct Maintenance {
    stored_since_step: AtomicU64,
    running: AtomicBool,
    /// The watermark at this storage's last ANALYZE (`analyze.rs`).
    analyzed_at: AtomicI64,
}

/// Clears the `running` flag however the step ends (also if its task is
/// dropped).
struct Running(Arc<Maintenance>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.running.store(false, Ordering::SeqCst);
    }
}

impl Maintenance {
    /// Called after a committed write of `stored` new samples: when a step
    /// is due and none is running for this storage, starts one as a task of
    /// its own, so the writer goes on with its next batch. A failed step is
    /// logged, not returned (the samples are stored); it is tried again
    /// after the next writes.
    pub(crate) fn after_write(self: &Arc<Self>, pool: &Pool, stored: u64) {
        let total = self.stored_since_step.fetch_add(stored, Ordering::SeqCst) + stored;
        if total < STEP_AFTER || self.running.swap(true, Ordering::SeqCst) {
            return;
        }
        self.stored_since_step.store(0, Ordering::SeqCst);
        let running = Running(self.clone());
        let pool = pool.clone();
        tokio::spawn(async move {
            match step(&pool, STEP_IDS).await {
                Ok((_, watermark)) => {
                    let last = &running.0.analyzed_at;
                    if let Err(e) = crate::analyze::if_grown(&pool, last, watermark).await {
                        tracing::warn!("ANALYZE of the storage tables failed: {e}");
                    }
                }
                Err(e) => {
                    running
                        .0
                        .stored_since_step
                        .fetch_add(total, Ordering::SeqCst);
                    tracing::warn!(
                        "Rollup maintenance failed (the samples are stored; retried after the next writes): {e}"
                    );
                }
            }
            drop(running);
        });
    }
}

/// Runs maintenance steps until the rollups hold every sample whose write
/// had ended when this started.
pub(crate) async fn catch_up(pool: &Pool) -> Result<()> {
    while !step(pool, STEP_IDS).await?.0 {}
    Ok(())
}

/// One step: aggregates at most `max_ids` sample ids above the watermark.
/// Returns whether the rollups have caught up, and the watermark.
async fn step(pool: &Pool, max_ids: i64) -> Result<(bool, i64)> {
    let d = pool.dialect();
    let high = match d {
        Dialect::Postgres => Some(settled_id(pool).await?),
        // Read under SQLite's write lock, below.
        Dialect::Sqlite => None,
    };
    let mut tx = pool
        .begin_with(locks::SQLITE_BEGIN_MAINTENANCE, locks::PG_BEGIN_MAINTENANCE)
        .await?;
    let high = match high {
        Some(h) => h,
        None => {
            let mut sql = Sql::new(d);
            sql.push("SELECT coalesce(max(id), 0) FROM samples");
            first_int(&mut tx, &sql).await?
        }
    };
    let watermark = locks::watermark(&mut tx).await?;
    if watermark >= high {
        tx.commit().await?;
        return Ok((true, watermark));
    }
    let upto = high.min(watermark.saturating_add(max_ids));
    let mut condition = Sql::new(d);
    condition
        .push("id > ")
        .bind(Arg::Int(watermark))
        .push(" AND id <= ")
        .bind(Arg::Int(upto));
    let touched = aggregate(&mut tx, condition).await?;
    let sealed = rollup_pages::after_step(&mut tx, &touched).await?;
    let mut sql = Sql::new(d);
    sql.push("UPDATE storage_state SET watermark = ")
        .bind(Arg::Int(upto))
        .push(" WHERE id = 1");
    tx.execute(&sql).await?;
    tx.commit().await?;
    if let Some((from, to)) = sealed {
        // The step is done; this only saves the first reader work.
        if let Err(e) = rollup_pages::mark_committed(pool, from, to).await {
            tracing::debug!("reading the new rollup pages once failed: {e}");
        }
    }
    Ok((upto >= high, upto))
}

/// The highest sample id whose write transaction has ended (PostgreSQL),
/// without holding writers back: the sequence's last value, once the write
/// transactions that held the writers' lock just after it was read have
/// ended. A writer takes that lock before any sample id
/// ([`locks::PG_BEGIN_WRITE`]), so one that took an id up to that value was
/// either over or holding the lock then.
async fn settled_id(pool: &Pool) -> Result<i64> {
    let mut sql = Sql::new(Dialect::Postgres);
    sql.push(
        "SELECT coalesce(pg_sequence_last_value(pg_get_serial_sequence('samples', 'id')::regclass), 0)",
    );
    let high = pool
        .fetch(&sql)
        .await?
        .first()
        .map(|r| r.opt_int(0))
        .transpose()?
        .flatten()
        .unwrap_or(0);
    let mut sql = Sql::new(Dialect::Postgres);
    sql.push(locks::PG_WRITERS_IN_FLIGHT);
    let writers: Vec<String> = pool
        .fetch(&sql)
        .await?
        .iter()
        .map(|r| r.text(0))
        .collect::<Result<_>>()?;
    let mut pause = Duration::from_millis(2);
    let started = Instant::now();
    while !writers.is_empty() {
        let mut sql = Sql::new(Dialect::Postgres);
        sql.push(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'virtualxid' AND virtualxid = ANY(",
        )
        .bind(Arg::TextArr(writers.clone()))
        .push(")");
        let left = pool
            .fetch(&sql)
            .await?
            .first()
            .map(|r| r.int(0))
            .transpose()?
            .unwrap_or(0);
        if left == 0 {
            break;
        }
        if started.elapsed() > SETTLE_WAIT {
            return Err(Error::Conflict(format!(
                "{left} sample writes still in progress after {SETTLE_WAIT:?}"
            )));
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(100));
    }
    Ok(high)
}

async fn first_int(tx: &mut Tx, sql: &Sql) -> Result<i64> {
    Ok(tx
        .fetch(sql)
        .await?
        .first()
        .map(|r| r.opt_int(0))
        .transpose()?
        .flatten()
        .unwrap_or(0))
}

/// Merges the samples matching `condition` (over `samples`' own columns,
/// with its arguments bound) into the rollups; returns the cells changed.
pub(crate) async fn aggregate(tx: &mut Tx, condition: Sql) -> Result<Touched> {
    let d = tx.dialect();
    let mut sql = Sql::new(d);
    sql.push(
        "INSERT INTO sample_rollups (meter_id, bucket, resource_pk, n, total, mean, m2, \
         vmin, vmax, first_ts, last_ts) ",
    );
    // The cell size is a constant of the schema, not a value: written in.
    let cell = format!("(ts - ((ts % {CELL_US}) + {CELL_US}) % {CELL_US})");
    // Arguments of `condition` keep their numbers: it comes first.
    let (cond_text, cond_args) = (condition.text, condition.args);
    match d {
        Dialect::Postgres => {
            // No ORDER BY: one step runs at a time (the maintenance lock),
            // so the upsert's order cannot deadlock, and grouping by hash
            // saves sorting the samples (which spilled to disk at 50,000).
            sql.push(&format!(
                "SELECT meter_id, {cell}, resource_pk, count(*), sum(volume), avg(volume), \
                 coalesce(var_pop(volume), 0) * count(*), min(volume), max(volume), min(ts), \
                 max(ts) FROM samples WHERE {cond_text} GROUP BY 1, 2, 3"
            ));
        }
        Dialect::Sqlite => {
            // Two passes for the squared deviations: the mean per group by
            // a window, then the sum.
            sql.push(&format!(
                "SELECT meter_id, bucket, resource_pk, count(*), sum(v), avg(v), \
                 sum((v - mu) * (v - mu)), min(v), max(v), min(ts), max(ts) FROM \
                 (SELECT meter_id, {cell} AS bucket, resource_pk, ts, volume AS v, \
                 avg(volume) OVER (PARTITION BY meter_id, {cell}, resource_pk) AS mu \
                 FROM samples WHERE {cond_text}) WHERE 1 = 1 GROUP BY meter_id, bucket, resource_pk"
            ));
        }
    }
    sql.args = cond_args;
    let (least, greatest) = match d {
        Dialect::Postgres => ("LEAST", "GREATEST"),
        Dialect::Sqlite => ("min", "max"),
    };
    sql.push(&format!(
        " ON CONFLICT (meter_id, bucket, resource_pk) DO UPDATE SET \
         n = sample_rollups.n + excluded.n, \
         total = sample_rollups.total + excluded.total, \
         mean = sample_rollups.mean + (excluded.mean - sample_rollups.mean) * excluded.n \
           / (sample_rollups.n + excluded.n), \
         m2 = sample_rollups.m2 + excluded.m2 + (excluded.mean - sample_rollups.mean) \
           * (excluded.mean - sample_rollups.mean) * sample_rollups.n * excluded.n \
           / (sample_rollups.n + excluded.n), \
         vmin = {least}(sample_rollups.vmin, excluded.vmin), \
         vmax = {greatest}(sample_rollups.vmax, excluded.vmax), \
         first_ts = {least}(sample_rollups.first_ts, excluded.first_ts), \
         last_ts = {greatest}(sample_rollups.last_ts, excluded.last_ts) \
         RETURNING meter_id, bucket, resource_pk"
    ));
    let mut touched = Touched::default();
    tx.for_each_row(&sql, |row| {
        touched.cell(row.int(0)?, row.int(1)?, row.int(2)?);
        Ok(())
    })
    .await?;
    Ok(touched)
}

/// After the samples before `cutoff` were deleted (in `tx`, holding the
/// maintenance lock): removes the rollups of the cells wholly before it and
/// recomputes the cell it falls in from the samples left there whose ids are
/// at most `watermark`.
pub(crate) async fn expire(tx: &mut Tx, cutoff: i64, watermark: i64) -> Result<()> {
    let d = tx.dialect();
    let cell = cell_floor(cutoff);
    let mut sql = Sql::new(d);
    // By meter, so the primary key (meter_id, bucket, ..) is used.
    sql.push("DELETE FROM sample_rollups WHERE meter_id IN (SELECT id FROM meters) AND bucket ")
        .push(if cutoff == cell { "< " } else { "<= " })
        .bind(Arg::Int(cell));
    tx.execute(&sql).await?;
    if cutoff != cell {
        let mut condition = Sql::new(d);
        condition
            .push("ts >= ")
            .bind(Arg::Int(cell))
            .push(" AND ts < ")
            .bind(Arg::Int(cell.saturating_add(CELL_US)))
            .push(" AND id <= ")
            .bind(Arg::Int(watermark));
        aggregate(tx, condition).await?;
    }
    rollup_pages::expire(tx, page_floor(cell)).await
}
