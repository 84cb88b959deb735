//! Planner statistics on PostgreSQL servers that do not keep them.
//!
//! PostgreSQL plans queries from per-table statistics that autovacuum
//! refreshes as tables grow. On a server with autovacuum off nothing
//! refreshes them, and statistics queries over tables that grew without
//! them get plans several times slower (docs/performance.md: 5–12 s
//! instead of 3.4 s for one shape). So when autovacuum is off, after a
//! rollup step that finds the rolled-up samples at least doubled since the
//! last time (and at least [`FIRST`]), the maintenance task analyzes the
//! storage's tables itself. With autovacuum on it leaves them to it.

use std::sync::atomic::{AtomicI64, Ordering};

use crate::db::{Dialect, Pool, Sql};
use crate::error::Result;

/// Rolled-up samples before the first ANALYZE.
const FIRST: i64 = 100_000;

/// The tables analyzed, those whose statistics the statistics and sample
/// queries are planned from.
const TABLES: &str = "ANALYZE samples, sample_rollups, resources, meters";

/// Analyzes the tables if due (see the module documentation): `watermark`
/// is the rollup watermark after a step, `last` the watermark of the last
/// ANALYZE by this storage (0 before the first).
pub(crate) async fn if_grown(pool: &Pool, last: &AtomicI64, watermark: i64) -> Result<()> {
    if pool.dialect() != Dialect::Postgres {
        return Ok(());
    }
    let before = last.load(Ordering::SeqCst);
    if watermark < FIRST.max(before.saturating_mul(2)) {
        return Ok(());
    }
    last.store(watermark, Ordering::SeqCst);
    let mut sql = Sql::new(Dialect::Postgres);
    sql.push("SELECT current_setting('autovacuum')");
    let autovacuum = pool
        .fetch(&sql)
        .await?
        .first()
        .map(|r| r.text(0))
        .transpose()?
        .unwrap_or_default();
    if autovacuum == "on" {
        return Ok(());
    }
    let mut sql = Sql::new(Dialect::Postgres);
    sql.push(TABLES);
    pool.fetch(&sql).await?;
    tracing::debug!("analyzed the storage tables at rollup watermark {watermark}");
    Ok(())
}
