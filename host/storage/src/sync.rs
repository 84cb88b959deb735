//! A blocking facade for callers on plain threads: it owns a small tokio
//! runtime and runs each call to completion on it. Several threads may call
//! at once (calls share the connection pool). Must not be called from inside
//! an async runtime: that is refused with an error rather than a panic.

use std::time::Duration;

use crate::error::{Error, Result};
use crate::model::{
    Event, Expired, Meter, Resource, Sample, Statistics, StoredEvent, StoredSample,
};
use crate::open::Options;
use crate::query::Filter;
use crate::stats::Aggregate;
use crate::{Backend, Storage};

/// [`Storage`] with blocking methods.
#[derive(Debug)]
pub struct BlockingStorage {
    runtime: tokio::runtime::Runtime,
    storage: Storage,
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("nepho-storage")
        .enable_all()
        .build()
        .map_err(|e| Error::Config(format!("cannot start the storage runtime: {e}")))
}

impl BlockingStorage {
    /// Opens `url` (see [`Storage::open`]).
    pub fn open(url: &str) -> Result<BlockingStorage> {
        BlockingStorage::open_with(url, &Options::default())
    }

    /// Opens `url` with options.
    pub fn open_with(url: &str, options: &Options) -> Result<BlockingStorage> {
        outside_runtime()?;
        let runtime = runtime()?;
        let storage = runtime.block_on(Storage::open_with(url, options))?;
        Ok(BlockingStorage { runtime, storage })
    }

    /// The async storage, for callers that have a runtime of their own.
    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        self.storage.backend()
    }

    fn run<T>(&self, f: impl std::future::Future<Output = Result<T>>) -> Result<T> {
        outside_runtime()?;
        self.runtime.block_on(f)
    }

    /// See [`Storage::record_samples`].
    pub fn record_samples(&self, samples: &[StoredSample]) -> Result<usize> {
        self.run(self.storage.record_samples(samples))
    }

    /// See [`Storage::record_events`].
    pub fn record_events(&self, events: &[StoredEvent]) -> Result<usize> {
        self.run(self.storage.record_events(events))
    }

    /// See [`Storage::clear_expired`].
    pub fn clear_expired(
        &self,
        samples_ttl: Option<Duration>,
        events_ttl: Option<Duration>,
    ) -> Result<Expired> {
        self.run(self.storage.clear_expired(samples_ttl, events_ttl))
    }

    /// See [`Storage::meters`].
    pub fn meters(&self, filter: &Filter, limit: Option<u64>) -> Result<Vec<Meter>> {
        self.run(self.storage.meters(filter, limit))
    }

    /// See [`Storage::samples`].
    pub fn samples(&self, filter: &Filter, limit: Option<u64>) -> Result<Vec<Sample>> {
        self.run(self.storage.samples(filter, limit))
    }

    /// See [`Storage::sample`].
    pub fn sample(&self, message_id: &str) -> Result<Option<Sample>> {
        self.run(self.storage.sample(message_id))
    }

    /// See [`Storage::resources`].
    pub fn resources(&self, filter: &Filter, limit: Option<u64>) -> Result<Vec<Resource>> {
        self.run(self.storage.resources(filter, limit))
    }

    /// See [`Storage::resource`].
    pub fn resource(&self, resource_id: &str) -> Result<Option<Resource>> {
        self.run(self.storage.resource(resource_id))
    }

    /// See [`Storage::statistics`].
    pub fn statistics(
        &self,
        filter: &Filter,
        period: Option<u64>,
        groupby: &[String],
        aggregates: &[Aggregate],
    ) -> Result<Vec<Statistics>> {
        self.run(self.storage.statistics(filter, period, groupby, aggregates))
    }

    /// See [`Storage::statistics_each`]: `each` is called with each batch
    /// of rows, in order.
    pub fn statistics_each(
        &self,
        filter: &Filter,
        period: Option<u64>,
        groupby: &[String],
        aggregates: &[Aggregate],
        mut each: impl FnMut(Vec<Statistics>) -> Result<()>,
    ) -> Result<()> {
        self.run(
            self.storage
                .statistics_each(filter, period, groupby, aggregates, |batch| {
                    std::future::ready(each(batch))
                }),
        )
    }

    /// See [`Storage::refresh_rollups`].
    pub fn refresh_rollups(&self) -> Result<()> {
        self.run(self.storage.refresh_rollups())
    }

    /// See [`Storage::events`].
    pub fn events(&self, filter: &Filter, limit: Option<u64>) -> Result<Vec<Event>> {
        self.run(self.storage.events(filter, limit))
    }

    /// See [`Storage::event`].
    pub fn event(&self, message_id: &str) -> Result<Option<Event>> {
        self.run(self.storage.event(message_id))
    }

    /// See [`Storage::event_types`].
    pub fn event_types(&self) -> Result<Vec<String>> {
        self.run(self.storage.event_types())
    }
}

fn outside_runtime() -> Result<()> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(Error::Config(
            "BlockingStorage called from inside an async runtime; use Storage there".into(),
        ));
    }
    Ok(())
}

impl Drop for BlockingStorage {
    fn drop(&mut self) {
        if tokio::runtime::Handle::try_current().is_err() {
            let storage = self.storage.clone();
            self.runtime.block_on(async move { storage.close().await });
        }
    }
}
