//! Nephometer's metering and event storage: Ceilometer's sqlalchemy storage
//! driver (≤ Pike) on SQLite or PostgreSQL through sqlx.
//!
//! - [`Storage`] is the async API; [`BlockingStorage`] wraps it with its own
//!   tokio runtime for callers on plain threads (the pipeline's workers).
//! - Writes come in batches, each batch one transaction: all of it is stored
//!   or none. Samples and events are idempotent on their message id: a
//!   redelivered record is skipped and not counted.
//! - Errors tell retryable from permanent: [`Error::is_retryable`] is true
//!   for [`Error::Unavailable`] (database unreachable, connection lost) and
//!   [`Error::Conflict`] (lost a race: deadlock, serialisation, SQLite busy);
//!   the caller should keep the batch and try again. Bad records
//!   ([`Error::InvalidRecord`]), bad queries ([`Error::InvalidQuery`]) and
//!   other database errors are permanent.
//! - Queries take a [`Filter`], compiled to parameterised SQL (values are
//!   always bound, never spliced into the SQL text).

mod acc;
mod analyze;
mod bulk;
mod compile;
mod db;
mod error;
mod expire;
mod insert_samples;
mod key_memo;
mod locks;
mod metadata;
mod model;
mod open;
mod query;
mod read_api;
mod read_events;
mod read_samples;
mod rollup;
mod rollup_pages;
mod rollup_plan;
mod sample_key;
mod sqlite_rows;
mod stats;
mod stats_cells;
mod stats_merge;
mod stats_out;
mod stats_slots;
mod stats_sql;
mod sync;
mod time;
mod write_events;
mod write_samples;

use std::time::Duration;

pub use compile::MAX_FILTER_TERMS;
pub use error::{Error, Result};
pub use model::{
    Event, Expired, Meter, Resource, ResourceMetadata, Sample, Statistics, StoredEvent,
    StoredSample, Trait, TraitValue,
};
pub use open::{Options, sqlite_url};
pub use query::{Filter, Op, Value};
pub use read_api::SampleOrder;
pub use stats::Aggregate;
pub use sync::BlockingStorage;
pub use time::Timestamp;

/// A connection pool to the metering database, schema migrated.
#[derive(Debug, Clone)]
pub struct Storage {
    pool: db::Pool,
    ids: std::sync::Arc<write_samples::IdCache>,
    rollups: std::sync::Arc<rollup::Maintenance>,
    options: Options,
}

/// Which backend a [`Storage`] uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite (a file, or in memory).
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl Storage {
    /// Opens `url` (Ceilometer's `[database] connection`: `sqlite://` or
    /// `sqlite::memory:` in memory, `sqlite:///relative.db`,
    /// `sqlite:////absolute.db`, `postgresql://user@host[:port]/db`) with
    /// default [`Options`], and applies pending migrations.
    pub async fn open(url: &str) -> Result<Storage> {
        Storage::open_with(url, &Options::default()).await
    }

    /// [`Storage::open`] with options.
    pub async fn open_with(url: &str, options: &Options) -> Result<Storage> {
        Ok(Storage {
            pool: open::connect(url, options).await?,
            ids: Default::default(),
            rollups: Default::default(),
            options: options.clone(),
        })
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        match self.pool.dialect() {
            db::Dialect::Sqlite => Backend::Sqlite,
            db::Dialect::Postgres => Backend::Postgres,
        }
    }

    /// Stores a batch of samples in one transaction (all or nothing) and
    /// returns how many were new (ids already stored are skipped). One
    /// invalid record refuses the whole batch with [`Error::InvalidRecord`].
    pub async fn record_samples(&self, samples: &[StoredSample]) -> Result<usize> {
        let durable = !self.options.asynchronous_commit;
        write_samples::record_samples(&self.pool, &self.ids, &self.rollups, durable, samples).await
    }

    /// Stores a batch of events in one transaction; returns how many were new.
    pub async fn record_events(&self, events: &[StoredEvent]) -> Result<usize> {
        write_events::record_events(&self.pool, events).await
    }

    /// Deletes samples older than `samples_ttl` (then meters and resources
    /// left without samples) and events older than `events_ttl`. `None`
    /// keeps that kind for ever.
    pub async fn clear_expired(
        &self,
        samples_ttl: Option<Duration>,
        events_ttl: Option<Duration>,
    ) -> Result<Expired> {
        // Meters and resource rows may go: forget their ids.
        self.ids.clear();
        expire::clear_expired(&self.pool, samples_ttl, events_ttl).await
    }

    /// Distinct meters (name, type, unit, resource, project, user, source)
    /// with samples matching `filter`.
    pub async fn meters(&self, filter: &Filter, limit: Option<u64>) -> Result<Vec<Meter>> {
        read_samples::meters(&self.pool, filter, limit).await
    }

    /// Samples matching `filter`, newest first.
    pub async fn samples(&self, filter: &Filter, limit: Option<u64>) -> Result<Vec<Sample>> {
        read_samples::samples(&self.pool, filter, limit).await
    }

    /// One sample by id.
    pub async fn sample(&self, message_id: &str) -> Result<Option<Sample>> {
        let f = Filter::eq("message_id", message_id);
        Ok(self.samples(&f, Some(1)).await?.into_iter().next())
    }

    /// Resources with samples matching `filter`, by resource id.
    pub async fn resources(&self, filter: &Filter, limit: Option<u64>) -> Result<Vec<Resource>> {
        read_samples::resources(&self.pool, filter, limit).await
    }

    /// One resource by id (over all its samples).
    pub async fn resource(&self, resource_id: &str) -> Result<Option<Resource>> {
        let f = Filter::eq("resource_id", resource_id);
        Ok(self.resources(&f, Some(1)).await?.into_iter().next())
    }

    /// Statistics of the samples matching `filter` (normally including a
    /// `meter` condition): per period of `period` seconds (`None` or 0: one
    /// period), per unit and per `groupby` field (`user_id`, `project_id`,
    /// `resource_id`, `source`, `resource_metadata.<key>`). With no
    /// `aggregates` the standard ones (count, min, max, avg, sum) are given;
    /// otherwise only the selected ones, also in `Statistics::aggregate`.
    /// Rows are ordered by period, unit and groupby values.
    pub async fn statistics(
        &self,
        filter: &Filter,
        period: Option<u64>,
        groupby: &[String],
        aggregates: &[Aggregate],
    ) -> Result<Vec<Statistics>> {
        let mut rows = Vec::new();
        self.statistics_each(filter, period, groupby, aggregates, |batch| {
            rows.extend(batch);
            std::future::ready(Ok(()))
        })
        .await?;
        Ok(rows)
    }

    /// [`Storage::statistics`], handing the rows over in order, in batches
    /// as they are made, instead of collecting them: about 4,096 rows a
    /// batch, or more when one period has more (without a period, all the
    /// rows are one period). The
    /// future `each` returns is awaited before more rows are made, so a
    /// slow receiver holds the query back rather than rows piling up.
    /// Where the rows are merged from rollups (groupby on resource fields,
    /// periods on the 300-second grid), memory then holds the periods of
    /// the stretch of time being read, not the whole answer. An error
    /// from `each` ends the query with it.
    pub async fn statistics_each<F, Fut>(
        &self,
        filter: &Filter,
        period: Option<u64>,
        groupby: &[String],
        aggregates: &[Aggregate],
        each: F,
    ) -> Result<()>
    where
        F: FnMut(Vec<Statistics>) -> Fut,
        Fut: std::future::Future<Output = Result<()>>,
    {
        stats::statistics(
            &self.pool,
            filter,
            period,
            groupby,
            aggregates,
            self.options.rollup_statistics,
            each,
        )
        .await
    }

    /// Brings the rollup table up to date with every sample stored so far.
    /// Writes do this themselves every 50,000 samples or so; call it after
    /// a bulk load, or periodically, so statistics read as few samples as
    /// possible.
    pub async fn refresh_rollups(&self) -> Result<()> {
        rollup::catch_up(&self.pool).await
    }

    /// Events matching `filter`, oldest first.
    pub async fn events(&self, filter: &Filter, limit: Option<u64>) -> Result<Vec<Event>> {
        read_events::events(&self.pool, filter, limit).await
    }

    /// One event by message id.
    pub async fn event(&self, message_id: &str) -> Result<Option<Event>> {
        let f = Filter::eq("message_id", message_id);
        Ok(self.events(&f, Some(1)).await?.into_iter().next())
    }

    /// All event types, sorted.
    pub async fn event_types(&self) -> Result<Vec<String>> {
        read_events::event_types(&self.pool).await
    }

    /// Closes the pool's connections.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}
