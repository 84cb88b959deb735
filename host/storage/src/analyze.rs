//! Planner statistics where nothing else keeps them: SQLite always, and
//! PostgreSQL servers with autovacuum off.
//!
//! Both databases plan queries from per-table statistics. PostgreSQL's
//! autovacuum refreshes them as tables grow; on a server with autovacuum
//! off nothing does, and statistics queries over tables that grew without
//! them get plans several times slower (docs/performance.md: 5–12 s
//! instead of 3.4 s for one shape). SQLite never gathers them by itself,
//! and without them it reads a meter's samples for one resource through
//! the meter's index, every sample of the meter (2.8 s at 10 M samples),
//! instead of through the resource's (4 ms). So after a rollup step that
//! finds the rolled-up samples at least doubled since the last time (and
//! at least [`FIRST`]), the maintenance task analyzes the storage's
//! tables: on SQLite always, on PostgreSQL when autovacuum is off.

use std::sync::atomic::{AtomicI64, Ordering};

use crate::db::{Dialect, Pool, Sql};
use crate::error::Result;
use crate::locks;

/// Rolled-up samples before the first ANALYZE.
const FIRST: i64 = 100_000;

/// The tables analyzed, those whose statistics the statistics and sample
/// queries are planned from. Without statistics of `rollup_pages`
/// PostgreSQL expects 50 pages where a read of 20 hours finds 20,000 and
/// plans for that: then, when the pages were still joined to their
/// resource rows, it probed the resources' index once per page instead of
/// hashing the resources (the full-shape statistics at 10 M samples:
/// 0.81 / 0.69 / 0.58 s for three runs, 0.56 / 0.53 / 0.45 s with them).
const TABLES: [&str; 5] = [
    "samples",
    "sample_rollups",
    "rollup_pages",
    "resources",
    "meters",
];

/// Index entries SQLite's ANALYZE reads per index (`analysis_limit`):
/// exact statistics up to a million samples, estimates past it (0.38 s at
/// 10 M samples where reading every entry takes 3.5 s, under the write
/// lock). Far fewer (20,000) made a meter look small enough that the
/// latest samples of all meters were read through the meter index and
/// sorted (8.75 s at 10 M instead of 3 ms).
const SQLITE_ANALYSIS_LIMIT: &str = "PRAGMA analysis_limit = 1000000";

/// Analyzes the tables if due (see the module documentation): `watermark`
/// is the rollup watermark after a step, `last` the watermark of the last
/// ANALYZE by this storage (0 before the first).
pub(crate) async fn if_grown(pool: &Pool, last: &AtomicI64, watermark: i64) -> Result<()> {
    let before = last.load(Ordering::SeqCst);
    if watermark < FIRST.max(before.saturating_mul(2)) {
        return Ok(());
    }
    last.store(watermark, Ordering::SeqCst);
    match pool.dialect() {
        Dialect::Postgres => {
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
            sql.push(&format!("ANALYZE {}", TABLES.join(", ")));
            pool.fetch(&sql).await?;
        }
        Dialect::Sqlite => {
            // One connection for the limit and the ANALYZEs, which take
            // the write lock anyway.
            let mut tx = pool
                .begin_with(locks::SQLITE_BEGIN_MAINTENANCE, locks::PG_BEGIN_MAINTENANCE)
                .await?;
            let mut sql = Sql::new(Dialect::Sqlite);
            sql.push(SQLITE_ANALYSIS_LIMIT);
            tx.execute(&sql).await?;
            for table in TABLES {
                let mut sql = Sql::new(Dialect::Sqlite);
                sql.push(&format!("ANALYZE {table}"));
                tx.execute(&sql).await?;
            }
            tx.commit().await?;
        }
    }
    tracing::debug!("analyzed the storage tables at rollup watermark {watermark}");
    Ok(())
}
