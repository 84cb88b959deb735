//! PostgreSQL advisory locks that take the place of per-row checks, and
//! `storage_state`, the one-row table of shared counters.
//!
//! - The writers' lock: every sample write transaction holds it shared
//!   (taken in its `BEGIN`). Held exclusively it means no write is in
//!   flight and none starts: the expirer takes it to delete meters and
//!   resource rows without samples (then bumps `epoch`, so writers forget
//!   remembered ids). Its holders, listed in `pg_locks`, are the writes in
//!   flight, which rollup maintenance waits out (`rollup.rs`).
//! - The maintenance lock, exclusive: rollup maintenance and sample expiry
//!   take turns, so the rollups always describe exactly the stored samples
//!   up to `watermark`.
//!
//! SQLite needs neither: it has one writer at a time, and its maintenance
//! transactions start with `BEGIN IMMEDIATE`.

use crate::db::{Sql, Tx};
use crate::error::{Error, Result};

/// `BEGIN` of a sample write transaction on PostgreSQL: the writers' lock,
/// shared, until the transaction ends.
pub(crate) const PG_BEGIN_WRITE: &str = "BEGIN; SELECT pg_advisory_xact_lock_shared(1852141672, 1)";

/// [`PG_BEGIN_WRITE`], committing without waiting for the log to reach
/// disk (`Options::asynchronous_commit`).
pub(crate) const PG_BEGIN_WRITE_ASYNC: &str = "BEGIN; \
     SELECT pg_advisory_xact_lock_shared(1852141672, 1); SET LOCAL synchronous_commit = off";

/// The virtual transaction ids of the write transactions holding the
/// writers' lock in this database now.
pub(crate) const PG_WRITERS_IN_FLIGHT: &str = "SELECT virtualtransaction FROM pg_locks \
     WHERE locktype = 'advisory' AND classid = 1852141672 AND objid = 1 AND objsubid = 2 \
     AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())";

/// `BEGIN` with the writers' lock held exclusively: waits for the write
/// transactions in flight, and holds new ones back until this one ends.
pub(crate) const PG_BEGIN_EXCLUSIVE: &str = "BEGIN; SELECT pg_advisory_xact_lock(1852141672, 1)";

/// `BEGIN` with the maintenance lock (rollups and sample expiry), and
/// memory enough to group a step's samples by hash (up to 500,000 samples
/// in some 100,000 cells) without spilling to disk (the server default is
/// 4 MB).
pub(crate) const PG_BEGIN_MAINTENANCE: &str =
    "BEGIN; SELECT pg_advisory_xact_lock(1852141672, 2); SET LOCAL work_mem = '64MB'";

/// `BEGIN` on SQLite for maintenance: the database's write lock at once.
pub(crate) const SQLITE_BEGIN_MAINTENANCE: &str = "BEGIN IMMEDIATE";

/// The current expiry epoch (read after the lock is taken, so it is the
/// epoch this transaction works in).
pub(crate) async fn epoch(tx: &mut Tx) -> Result<i64> {
    state(tx, "epoch").await
}

/// The rollup watermark: samples with ids up to it are in the rollups.
pub(crate) async fn watermark(tx: &mut Tx) -> Result<i64> {
    state(tx, "watermark").await
}

/// The first hour without rollup pages: the pages of every earlier hour
/// hold exactly its rollup rows (`rollup_pages.rs`).
pub(crate) async fn pages_before(tx: &mut Tx) -> Result<i64> {
    state(tx, "pages_before").await
}

async fn state(tx: &mut Tx, column: &'static str) -> Result<i64> {
    let mut sql = Sql::new(tx.dialect());
    sql.push("SELECT ")
        .push(column)
        .push(" FROM storage_state WHERE id = 1");
    let rows = tx.fetch(&sql).await?;
    rows.first()
        .ok_or_else(|| Error::Database("storage_state has no row".into()))?
        .int(0)
}
