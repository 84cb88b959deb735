//! The polling agent (Ceilometer's `AgentManager` and `PollingTask`).
//!
//! Every distinct polling.yaml interval is one task with its own thread,
//! run immediately and then every interval. A task's cycle takes one
//! timestamp, a fresh [`CycleCache`] and discovery cache, and starts each of
//! its pollsters on a thread of its own; a pollster whose previous run has
//! not finished is skipped (and logged), so a slow or hung pollster never
//! delays the others.

mod discover;
mod entry;

use std::collections::BTreeMap;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nepho_pipeline::PollingConfig;

use crate::timestamp::{isoformat, now_micros};
use crate::{CycleCache, SampleSink, Selection};
use discover::Discoverer;
use entry::{Entry, Shared, SourceSlot};

/// Ceilometer's `[polling] batch_size` default.
pub const DEFAULT_BATCH_SIZE: usize = 50;

/// What one cycle of a task shares.
pub(crate) struct Cycle {
    /// `utcnow().isoformat()` at the start of the cycle, given to every sample.
    pub(crate) timestamp: String,
    /// Inspector results, shared by the pollsters.
    pub(crate) cache: CycleCache,
    /// Discovery results, shared by the pollsters and sources.
    pub(crate) discovery: CycleCache,
}

/// The pollsters of one interval.
struct Task {
    interval: u64,
    entries: Vec<Arc<Entry>>,
}

/// The polling agent: polling.yaml's sources joined to the selected
/// pollsters, grouped by interval.
pub struct PollingAgent {
    tasks: Vec<Arc<Task>>,
    shared: Arc<Shared>,
}

/// What [`PollingAgent::poll_once`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CycleReport {
    /// Samples handed to the sink.
    pub samples: usize,
    /// Pollsters started.
    pub started: usize,
    /// Pollsters skipped because their previous run was still going on.
    pub skipped_busy: Vec<String>,
}

impl PollingAgent {
    /// Joins every source to every selected pollster its meter filter
    /// accepts; `batch_size` samples at most go into one message (0: one
    /// sample per message, as Ceilometer).
    pub fn new(
        polling: &PollingConfig,
        selection: Selection,
        sink: Arc<dyn SampleSink>,
        batch_size: usize,
    ) -> Self {
        let mut by_interval: BTreeMap<u64, Vec<Entry>> = BTreeMap::new();
        for source in &polling.sources {
            let entries = by_interval.entry(source.interval).or_default();
            for pollster in &selection.pollsters {
                if !source.meters.matches(pollster.name()) {
                    continue;
                }
                // A pollster is one entry of its task, whatever its name
                // (two namespaces may register pollsters of one meter name).
                let at = match entries
                    .iter()
                    .position(|e| Arc::ptr_eq(&e.pollster, pollster))
                {
                    Some(at) => at,
                    None => {
                        entries.push(Entry::new(Arc::clone(pollster)));
                        entries.len() - 1
                    }
                };
                entries[at].sources.push(SourceSlot::new(source.clone()));
            }
        }
        let tasks = by_interval
            .into_iter()
            .filter(|(_, entries)| !entries.is_empty())
            .map(|(interval, entries)| {
                Arc::new(Task {
                    interval,
                    entries: entries.into_iter().map(Arc::new).collect(),
                })
            })
            .collect();
        PollingAgent {
            tasks,
            shared: Arc::new(Shared {
                discoverer: Discoverer::new(selection),
                sink,
                batch_size,
            }),
        }
    }

    /// The intervals of the tasks, ascending, each with its pollsters' names.
    pub fn tasks(&self) -> Vec<(u64, Vec<String>)> {
        self.tasks
            .iter()
            .map(|t| {
                let names = t
                    .entries
                    .iter()
                    .map(|e| e.pollster.name().to_owned())
                    .collect();
                (t.interval, names)
            })
            .collect()
    }

    /// Runs one cycle of every task now and waits for its pollsters.
    pub fn poll_once(&self) -> CycleReport {
        let mut report = CycleReport::default();
        let mut handles = Vec::new();
        for task in &self.tasks {
            let (started, skipped) = start_cycle(task, &self.shared);
            report.skipped_busy.extend(skipped);
            handles.extend(started);
        }
        report.started = handles.len();
        for handle in handles {
            report.samples += handle.join().unwrap_or(0);
        }
        report
    }

    /// Starts every task's thread: each runs a cycle now, then every interval,
    /// until the returned handle is dropped.
    pub fn start(self) -> RunningAgent {
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let mut threads = Vec::new();
        for task in &self.tasks {
            let (task, shared, stop) = (
                Arc::clone(task),
                Arc::clone(&self.shared),
                Arc::clone(&stop),
            );
            let spawned = std::thread::Builder::new()
                .name(format!("polling-{}s", task.interval))
                .spawn(move || schedule(&task, &shared, &stop));
            match spawned {
                Ok(handle) => threads.push(handle),
                Err(error) => tracing::error!(%error, "cannot start a polling task thread"),
            }
        }
        tracing::info!(tasks = ?self.tasks(), "polling agent started");
        RunningAgent { stop, threads }
    }
}

/// A started agent; dropping it stops the tasks (pollster runs under way
/// finish on their own threads).
pub struct RunningAgent {
    stop: Arc<(Mutex<bool>, Condvar)>,
    threads: Vec<JoinHandle<()>>,
}

impl Drop for RunningAgent {
    fn drop(&mut self) {
        let (flag, wake) = &*self.stop;
        *flag.lock().unwrap_or_else(PoisonError::into_inner) = true;
        wake.notify_all();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// A task's loop: a cycle now, then one per interval (a late cycle does not
/// cause catch-up cycles).
fn schedule(task: &Arc<Task>, shared: &Arc<Shared>, stop: &(Mutex<bool>, Condvar)) {
    let interval = Duration::from_secs(task.interval);
    let mut next = Instant::now();
    loop {
        let (_, skipped) = start_cycle(task, shared);
        for name in skipped {
            tracing::warn!(pollster = %name, interval = task.interval, "pollster {name} is still running from the previous cycle; skipped this cycle");
        }
        next += interval;
        let now = Instant::now();
        if next < now {
            next = now;
        }
        let (flag, wake) = stop;
        let mut stopped = flag.lock().unwrap_or_else(PoisonError::into_inner);
        while !*stopped {
            let left = next.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            stopped = wake
                .wait_timeout(stopped, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        if *stopped {
            return;
        }
    }
}

/// Starts one cycle of a task: its pollsters on their own threads. Returns
/// their handles and the names of those still busy.
fn start_cycle(task: &Task, shared: &Arc<Shared>) -> (Vec<JoinHandle<usize>>, Vec<String>) {
    let cycle = Arc::new(Cycle {
        timestamp: isoformat(now_micros()),
        cache: CycleCache::new(),
        discovery: CycleCache::new(),
    });
    let mut handles = Vec::new();
    let mut skipped = Vec::new();
    for entry in &task.entries {
        let Some(guard) = entry.claim() else {
            skipped.push(entry.pollster.name().to_owned());
            continue;
        };
        let (entry, cycle, shared) = (Arc::clone(entry), Arc::clone(&cycle), Arc::clone(shared));
        let spawned = std::thread::Builder::new()
            .name(format!("pollster-{}", entry.pollster.name()))
            .spawn(move || {
                let _guard = guard;
                entry.run(&cycle, &shared)
            });
        match spawned {
            Ok(handle) => handles.push(handle),
            Err(error) => tracing::error!(%error, "cannot start a pollster thread"),
        }
    }
    (handles, skipped)
}

#[cfg(test)]
mod tests;
