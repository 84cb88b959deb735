//! Expiry (`time_to_live`), as Ceilometer's `clear_expired_metering_data`:
//! samples older than the TTL (with the rollups of their cells), then
//! meters and resource rows (with their metadata rows) left without
//! samples; events older than their TTL with their traits.
//!
//! Three transactions: samples and rollups under the maintenance lock (so
//! rollup maintenance sees them before or after, never half-way); meters
//! and resource rows under the writers' lock held exclusively (no write in
//! flight can be using their ids), which bumps the epoch that tells
//! writers to forget remembered ids (PostgreSQL; see `locks.rs`); events.

use std::time::Duration;

use crate::db::{Arg, Dialect, Pool, Sql};
use crate::error::Result;
use crate::locks;
use crate::model::Expired;
use crate::rollup;
use crate::time::Timestamp;

fn cutoff(ttl: Duration) -> i64 {
    let ttl = i64::try_from(ttl.as_micros()).unwrap_or(i64::MAX);
    Timestamp::now().micros().saturating_sub(ttl)
}

async fn run(pool: &Pool, statements: Vec<Sql>) -> Result<Vec<u64>> {
    let mut tx = pool.begin().await?;
    let mut counts = Vec::with_capacity(statements.len());
    for sql in &statements {
        counts.push(tx.execute(sql).await?);
    }
    tx.commit().await?;
    Ok(counts)
}

/// Deletes what is older than the TTLs; `None` keeps for ever.
pub(crate) async fn clear_expired(
    pool: &Pool,
    samples_ttl: Option<Duration>,
    events_ttl: Option<Duration>,
) -> Result<Expired> {
    let d = pool.dialect();
    let mut out = Expired::default();
    if let Some(ttl) = samples_ttl {
        let cut = cutoff(ttl);
        out.samples = expire_samples(pool, cut).await?;
        let (meters, resources) = expire_orphans(pool).await?;
        out.meters = meters;
        out.resources = resources;
    }
    if let Some(ttl) = events_ttl {
        let cut = cutoff(ttl);
        let mut statements = Vec::new();
        for table in ["trait_text", "trait_int", "trait_float", "trait_datetime"] {
            let mut sql = Sql::new(d);
            sql.push(&format!(
                "DELETE FROM {table} WHERE event_id IN (SELECT id FROM events WHERE generated < "
            ))
            .bind(Arg::Int(cut))
            .push(")");
            statements.push(sql);
        }
        let mut sql = Sql::new(d);
        sql.push("DELETE FROM events WHERE generated < ")
            .bind(Arg::Int(cut));
        statements.push(sql);
        out.events = run(pool, statements).await?[4];
    }
    Ok(out)
}

/// Samples before `cut`, and their rollups.
async fn expire_samples(pool: &Pool, cut: i64) -> Result<u64> {
    let mut tx = pool
        .begin_with(locks::SQLITE_BEGIN_MAINTENANCE, locks::PG_BEGIN_MAINTENANCE)
        .await?;
    let watermark = locks::watermark(&mut tx).await?;
    let mut sql = Sql::new(tx.dialect());
    sql.push("DELETE FROM samples WHERE ts < ")
        .bind(Arg::Int(cut));
    let deleted = tx.execute(&sql).await?;
    rollup::expire(&mut tx, cut, watermark).await?;
    tx.commit().await?;
    Ok(deleted)
}

/// Meters and resource rows without samples; returns how many of each.
async fn expire_orphans(pool: &Pool) -> Result<(u64, u64)> {
    let d = pool.dialect();
    let mut tx = pool
        .begin_with(locks::SQLITE_BEGIN_MAINTENANCE, locks::PG_BEGIN_EXCLUSIVE)
        .await?;
    let mut sql = Sql::new(d);
    sql.push(
        "DELETE FROM meters WHERE NOT EXISTS \
         (SELECT 1 FROM samples s WHERE s.meter_id = meters.id)",
    );
    let meters = tx.execute(&sql).await?;
    let orphan = "SELECT r.id FROM resources r WHERE NOT EXISTS \
                  (SELECT 1 FROM samples s WHERE s.resource_pk = r.id)";
    for table in [
        "metadata_text",
        "metadata_int",
        "metadata_float",
        "metadata_bool",
    ] {
        let mut sql = Sql::new(d);
        sql.push(&format!(
            "DELETE FROM {table} WHERE resource_pk IN ({orphan})"
        ));
        tx.execute(&sql).await?;
    }
    let mut sql = Sql::new(d);
    sql.push(&format!("DELETE FROM resources WHERE id IN ({orphan})"));
    let resources = tx.execute(&sql).await?;
    if d == Dialect::Postgres && meters + resources > 0 {
        let mut sql = Sql::new(d);
        sql.push("UPDATE storage_state SET epoch = epoch + 1 WHERE id = 1");
        tx.execute(&sql).await?;
    }
    tx.commit().await?;
    Ok((meters, resources))
}
