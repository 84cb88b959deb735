//! The samples insert of a batch, binding the batch's own strings (message
//! ids, signatures) instead of copies: one `INSERT .. SELECT FROM UNNEST`
//! on PostgreSQL, multi-row `VALUES` statements on SQLite. Ids already
//! stored, or repeated within the batch, are skipped (`ON CONFLICT
//! (message_id) DO NOTHING`); the result is how many rows were inserted.
//!
//! On PostgreSQL `ON CONFLICT` costs a speculative insertion per row (a
//! probe of the unique index before the insert, then the insert), so a
//! batch is first inserted plainly ([`Dedup::Fail`]): the unique index
//! rejects a redelivered id, and the caller then writes the batch again
//! with [`Dedup::Skip`]. Redeliveries are rare; the plain insert is the
//! common case.

use crate::db::Tx;
use crate::error::{Error, Result};

/// The sample rows of a batch, column by column.
#[derive(Default)]
pub(crate) struct SampleColumns<'a> {
    pub meter_id: Vec<i64>,
    pub resource_pk: Vec<i64>,
    pub volume: Vec<f64>,
    pub ts: Vec<i64>,
    pub recorded_at: Vec<i64>,
    pub message_id: Vec<&'a str>,
    pub message_signature: Vec<Option<&'a str>>,
    pub monotonic_time: Vec<Option<f64>>,
}

impl<'a> SampleColumns<'a> {
    pub fn with_capacity(n: usize) -> SampleColumns<'a> {
        SampleColumns {
            meter_id: Vec::with_capacity(n),
            resource_pk: Vec::with_capacity(n),
            volume: Vec::with_capacity(n),
            ts: Vec::with_capacity(n),
            recorded_at: Vec::with_capacity(n),
            message_id: Vec::with_capacity(n),
            message_signature: Vec::with_capacity(n),
            monotonic_time: Vec::with_capacity(n),
        }
    }

    fn len(&self) -> usize {
        self.message_id.len()
    }
}

const COLUMNS: &str = "meter_id, resource_pk, volume, ts, recorded_at, message_id, \
     message_signature, monotonic_time";

const PG_INSERT: &str = "INSERT INTO samples (meter_id, resource_pk, volume, ts, recorded_at, \
     message_id, message_signature, monotonic_time) \
     SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::float8[], $4::bigint[], $5::bigint[], \
     $6::text[], $7::text[], $8::float8[])";

const PG_INSERT_SKIPPING: &str = "INSERT INTO samples (meter_id, resource_pk, volume, ts, \
     recorded_at, message_id, message_signature, monotonic_time) \
     SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::float8[], $4::bigint[], $5::bigint[], \
     $6::text[], $7::text[], $8::float8[]) ON CONFLICT (message_id) DO NOTHING";

/// PostgreSQL's SQLSTATE for a unique violation.
const UNIQUE_VIOLATION: &str = "23505";

/// What the insert does with a message id already stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dedup {
    /// Fails the statement (and so the transaction): [`Inserted::Duplicate`].
    Fail,
    /// Skips the row.
    Skip,
}

/// The outcome of [`insert`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Inserted {
    /// This many rows were new.
    Rows(u64),
    /// A message id is stored already (only with [`Dedup::Fail`]); the
    /// transaction is aborted.
    Duplicate,
}

/// Rows per SQLite statement: 8 parameters each, under SQLite's 32,766.
const SQLITE_ROWS: usize = 1000;

/// Inserts `rows`; returns how many were new. SQLite always skips stored
/// ids (its conflict check is cheap).
pub(crate) async fn insert(
    tx: &mut Tx,
    rows: &SampleColumns<'_>,
    dedup: Dedup,
) -> Result<Inserted> {
    if let Some(conn) = tx.postgres() {
        let statement = match dedup {
            Dedup::Fail => PG_INSERT,
            Dedup::Skip => PG_INSERT_SKIPPING,
        };
        let done = sqlx::query(statement)
            .bind(rows.meter_id.as_slice())
            .bind(rows.resource_pk.as_slice())
            .bind(rows.volume.as_slice())
            .bind(rows.ts.as_slice())
            .bind(rows.recorded_at.as_slice())
            .bind(rows.message_id.as_slice())
            .bind(rows.message_signature.as_slice())
            .bind(rows.monotonic_time.as_slice())
            .execute(conn)
            .await;
        return match done {
            Ok(done) => Ok(Inserted::Rows(done.rows_affected())),
            Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some(UNIQUE_VIOLATION) => {
                Ok(Inserted::Duplicate)
            }
            Err(e) => Err(e.into()),
        };
    }
    let conn = tx
        .sqlite()
        .ok_or_else(|| Error::Database("no connection for the samples insert".into()))?;
    let n = rows.len();
    let full = sqlite_statement(SQLITE_ROWS.min(n));
    let mut stored = 0;
    let mut from = 0;
    while from < n {
        let take = SQLITE_ROWS.min(n - from);
        let partial;
        let text = if take == SQLITE_ROWS.min(n) {
            full.as_str()
        } else {
            partial = sqlite_statement(take);
            partial.as_str()
        };
        let mut q = sqlx::query(text);
        for i in from..from + take {
            q = q
                .bind(rows.meter_id[i])
                .bind(rows.resource_pk[i])
                .bind(rows.volume[i])
                .bind(rows.ts[i])
                .bind(rows.recorded_at[i])
                .bind(rows.message_id[i])
                .bind(rows.message_signature[i])
                .bind(rows.monotonic_time[i]);
        }
        stored += q.execute(&mut *conn).await?.rows_affected();
        from += take;
    }
    Ok(Inserted::Rows(stored))
}

/// `INSERT .. VALUES (?, ..), ..` for `rows` rows.
fn sqlite_statement(rows: usize) -> String {
    let mut sql = String::with_capacity(64 + rows * 20);
    sql.push_str("INSERT INTO samples (");
    sql.push_str(COLUMNS);
    sql.push_str(") VALUES ");
    for r in 0..rows {
        if r > 0 {
            sql.push(',');
        }
        sql.push_str("(?,?,?,?,?,?,?,?)");
    }
    sql.push_str(" ON CONFLICT (message_id) DO NOTHING");
    sql
}
