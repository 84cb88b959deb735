//! Expiry (`time_to_live`), as Ceilometer's `clear_expired_metering_data`:
//! samples older than the TTL, then meters and resource rows (with their
//! metadata rows) left without samples; events older than their TTL with
//! their traits. Each step is its own transaction, as upstream.

use std::time::Duration;

use crate::db::{Arg, Pool, Sql};
use crate::error::Result;
use crate::model::Expired;
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
        let mut sql = Sql::new(d);
        sql.push("DELETE FROM samples WHERE ts < ")
            .bind(Arg::Int(cutoff(ttl)));
        out.samples = run(pool, vec![sql]).await?[0];

        let mut sql = Sql::new(d);
        sql.push(
            "DELETE FROM meters WHERE NOT EXISTS \
             (SELECT 1 FROM samples s WHERE s.meter_id = meters.id)",
        );
        out.meters = run(pool, vec![sql]).await?[0];

        let orphan = "SELECT r.id FROM resources r WHERE NOT EXISTS \
                      (SELECT 1 FROM samples s WHERE s.resource_pk = r.id)";
        let mut statements = Vec::new();
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
            statements.push(sql);
        }
        let mut sql = Sql::new(d);
        sql.push(&format!("DELETE FROM resources WHERE id IN ({orphan})"));
        statements.push(sql);
        out.resources = run(pool, statements).await?[4];
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
