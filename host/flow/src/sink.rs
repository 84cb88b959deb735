//! One sink: its transformer chain and its publishers (Ceilometer's
//! `SampleSink` and `EventSink`).

use std::borrow::Cow;

use nepho_runtime::ComponentSet;
use nepho_runtime::bindings::{EventBatch, SampleBatch};

use crate::outlet::{Outlet, PublishFailure};

/// A sink of the running pipelines.
#[derive(Clone)]
pub(crate) struct RunningSink {
    /// The sink's name in the pipeline file.
    pub(crate) name: String,
    /// Its transformer components, in order.
    pub(crate) transformers: Vec<String>,
    /// Its publishers.
    pub(crate) outlets: Vec<Outlet>,
}

impl RunningSink {
    /// Runs `batch` through transformers `start..` and publishes what comes
    /// out. A transformer that fails drops the batch (logged), as Ceilometer
    /// drops a sample whose transformer raises.
    pub(crate) fn publish_samples(
        &self,
        set: &ComponentSet,
        batch: Cow<'_, SampleBatch>,
        start: usize,
        failures: &mut Vec<PublishFailure>,
    ) {
        let mut current = batch;
        for transformer in self.transformers.iter().skip(start) {
            if current.samples.is_empty() {
                return;
            }
            match set.transform(transformer, &current) {
                Ok(output) => current = Cow::Owned(output),
                Err(error) => {
                    tracing::error!(
                        sink = %self.name,
                        "Transformer {transformer} failed; {} samples dropped: {error}",
                        current.samples.len()
                    );
                    return;
                }
            }
        }
        if current.samples.is_empty() {
            return;
        }
        for outlet in &self.outlets {
            if let Err(failure) = outlet.samples(set, &self.name, &current) {
                tracing::error!("Continue after error from publisher: {failure}");
                failures.push(failure);
            }
        }
    }

    /// Flushes every transformer in order; what transformer `i` releases
    /// goes through transformers `i+1..` and is published.
    pub(crate) fn flush(&self, set: &ComponentSet, failures: &mut Vec<PublishFailure>) {
        for (index, transformer) in self.transformers.iter().enumerate() {
            match set.flush(transformer) {
                Ok(released) if !released.samples.is_empty() => {
                    self.publish_samples(set, Cow::Owned(released), index + 1, failures);
                }
                Ok(_) => {}
                Err(error) => {
                    tracing::error!(sink = %self.name, "Flushing transformer {transformer} failed: {error}");
                }
            }
        }
    }

    /// Publishes events to every publisher.
    pub(crate) fn publish_events(
        &self,
        set: &ComponentSet,
        batch: &EventBatch,
        failures: &mut Vec<PublishFailure>,
    ) {
        if batch.events.is_empty() {
            return;
        }
        for outlet in &self.outlets {
            if let Err(failure) = outlet.events(set, &self.name, batch) {
                tracing::error!("Continue after error from publisher: {failure}");
                failures.push(failure);
            }
        }
    }
}
