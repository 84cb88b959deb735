//! One pollster in one polling task, with the sources that run it: what a
//! cycle does for it (Ceilometer's `_internal_pollster_run`, source by
//! source).

use std::collections::HashSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use nepho_pipeline::PollingSource;

use crate::agent::Cycle;
use crate::agent::discover::Discoverer;
use crate::state_log::StateLog;
use crate::{Pollster, Resource, ResourceFailure, Sample, SampleSink};

/// One source that runs the pollster, with the resources it must never
/// poll again (Ceilometer's per source-and-pollster blacklist).
pub(crate) struct SourceSlot {
    pub(crate) source: PollingSource,
    blacklist: Mutex<HashSet<String>>,
}

impl SourceSlot {
    pub(crate) fn new(source: PollingSource) -> Self {
        SourceSlot {
            source,
            blacklist: Mutex::new(HashSet::new()),
        }
    }
}

/// A pollster of a task and its sources.
pub(crate) struct Entry {
    pub(crate) pollster: Arc<dyn Pollster>,
    pub(crate) sources: Vec<SourceSlot>,
    /// Set while a cycle's run of this pollster is going on.
    busy: AtomicBool,
    /// Transient failures by source, logged when they change.
    failures: StateLog,
    /// Sink failures, logged when they change.
    sink_log: StateLog,
}

/// Clears the busy flag when the run ends, also by a panic.
pub(crate) struct BusyGuard(Arc<Entry>);

impl Drop for BusyGuard {
    fn drop(&mut self) {
        self.0.busy.store(false, Ordering::SeqCst);
    }
}

/// What the agent shares with every run.
pub(crate) struct Shared {
    pub(crate) discoverer: Discoverer,
    pub(crate) sink: Arc<dyn SampleSink>,
    pub(crate) batch_size: usize,
}

impl Entry {
    pub(crate) fn new(pollster: Arc<dyn Pollster>) -> Self {
        Entry {
            pollster,
            sources: Vec::new(),
            busy: AtomicBool::new(false),
            failures: StateLog::new(),
            sink_log: StateLog::new(),
        }
    }

    /// Marks the pollster busy; `None` when it still is from an earlier cycle.
    pub(crate) fn claim(self: &Arc<Self>) -> Option<BusyGuard> {
        if self.busy.swap(true, Ordering::SeqCst) {
            None
        } else {
            Some(BusyGuard(Arc::clone(self)))
        }
    }

    /// One cycle of this pollster over its sources; returns the number of
    /// samples handed to the sink.
    pub(crate) fn run(&self, cycle: &Cycle, shared: &Shared) -> usize {
        let name = self.pollster.name();
        // A resource is polled once per pollster per cycle, whichever sources name it.
        let mut history: HashSet<String> = HashSet::new();
        let mut sent = 0;
        for slot in &self.sources {
            let source = &slot.source;
            let mut candidates: Vec<Resource> =
                source.resources.iter().map(Resource::new).collect();
            candidates.extend(
                shared
                    .discoverer
                    .discover(&source.discovery, &cycle.discovery),
            );
            if candidates.is_empty()
                && let Some(default) = self.pollster.default_discovery()
            {
                candidates = shared
                    .discoverer
                    .discover(&[default.to_owned()], &cycle.discovery);
            }
            let resources: Vec<Resource> = {
                let blacklist = slot
                    .blacklist
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                candidates
                    .into_iter()
                    .filter(|r| history.insert(r.key.clone()) && !blacklist.contains(&r.key))
                    .collect()
            };
            if resources.is_empty() {
                tracing::debug!(pollster = name, source = %source.name, "Skip pollster {name}, no resources found this cycle");
                continue;
            }
            tracing::debug!(pollster = name, source = %source.name, resources = resources.len(), "Polling pollster {name} in the context of {}", source.name);
            let polled = catch_unwind(AssertUnwindSafe(|| {
                self.pollster.poll(&cycle.cache, &resources)
            }));
            let Ok(polled) = polled else {
                let reason = "the pollster panicked";
                if self.failures.problem(&source.name, reason) {
                    tracing::error!(pollster = name, source = %source.name, "Continue after error from {name}: {reason}");
                }
                continue;
            };
            sent += self.send(polled.samples, cycle, shared);
            self.settle(slot, polled.failures);
        }
        sent
    }

    /// Completes and sends the samples in batches of `batch_size`.
    fn send(&self, polled: Vec<crate::PolledSample>, cycle: &Cycle, shared: &Shared) -> usize {
        if polled.is_empty() {
            return 0;
        }
        let source = self.pollster.sample_source();
        let samples: Vec<Sample> = polled
            .into_iter()
            .map(|p| Sample::from_polled(p, &cycle.timestamp, source))
            .collect();
        let chunk = if shared.batch_size == 0 {
            1
        } else {
            shared.batch_size
        };
        let mut sent = 0;
        let mut samples = samples.into_iter().peekable();
        while samples.peek().is_some() {
            let batch: Vec<Sample> = samples.by_ref().take(chunk).collect();
            let len = batch.len();
            match shared.sink.publish(batch) {
                Ok(()) => {
                    sent += len;
                    if self.sink_log.ok("sink") {
                        tracing::info!(
                            pollster = self.pollster.name(),
                            "samples are delivered again"
                        );
                    }
                }
                Err(error) => {
                    if self.sink_log.problem("sink", &error) {
                        tracing::warn!(pollster = self.pollster.name(), %error, samples = len, "could not send polled samples");
                    }
                }
            }
        }
        sent
    }

    /// Blacklists the permanent failures and logs the others when they change.
    fn settle(&self, slot: &SourceSlot, failures: Vec<ResourceFailure>) {
        let name = self.pollster.name();
        let source = &slot.source.name;
        let (permanent, transient): (Vec<_>, Vec<_>) =
            failures.into_iter().partition(|f| f.permanent);
        if !permanent.is_empty() {
            let keys: Vec<String> = permanent
                .iter()
                .map(|f| self.pollster.shown_key(&f.resource))
                .collect();
            tracing::error!(pollster = name, source = %source, reason = %permanent[0].reason,
                "Prevent pollster {name} from polling {keys:?} on source {source} anymore!");
            let mut blacklist = slot
                .blacklist
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            blacklist.extend(permanent.into_iter().map(|f| f.resource));
        }
        if transient.is_empty() {
            if self.failures.ok(source) {
                tracing::info!(pollster = name, source = %source, "pollster {name} polls every resource again");
            }
            return;
        }
        let mut reasons: Vec<&str> = transient.iter().map(|f| f.reason.as_str()).collect();
        reasons.sort_unstable();
        reasons.dedup();
        let summary = reasons.join("; ");
        if self.failures.problem(source, &summary) {
            let keys: Vec<String> = transient
                .iter()
                .map(|f| self.pollster.shown_key(&f.resource))
                .collect();
            tracing::warn!(pollster = name, source = %source, resources = ?keys,
                "Continue after error from {name}: {summary}");
        } else {
            tracing::debug!(pollster = name, source = %source, failed = transient.len(), "still failing: {summary}");
        }
    }
}
