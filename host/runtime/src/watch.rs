//! Hot reload: watch the configuration, the policy directory and the component
//! files, and apply a new plan when they change.
//!
//! Editors save in several steps (write a temporary file, rename, touch), so
//! events are debounced: a reload starts once the watched files have been
//! quiet for the debounce interval. A configuration that does not parse, or a
//! component that does not load, leaves the running set untouched and is
//! logged; fixing the file triggers the next reload.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::Duration;

use nepho_policy::{ComponentSource, Plan};
use notify::{RecommendedWatcher, RecursiveMode, Watcher};

use crate::set::{ComponentSet, ReloadError, ReloadReport};

/// Something that runs a [`Plan`] and can be given a new one: the component
/// set alone, or an agent that also runs pipelines over it.
pub trait Reload: Send + Sync {
    /// The plan last applied.
    fn current_plan(&self) -> Option<Plan>;
    /// Makes `plan` the running one, or leaves everything as it was.
    fn reload(&self, plan: Plan) -> Result<ReloadReport, ReloadError>;
}

impl Reload for ComponentSet {
    fn current_plan(&self) -> Option<Plan> {
        self.plan()
    }

    fn reload(&self, plan: Plan) -> Result<ReloadReport, ReloadError> {
        self.apply(plan)
    }
}

/// What one reload attempt came to.
#[derive(Debug)]
pub enum ReloadOutcome {
    /// The new plan runs.
    Applied(ReloadReport),
    /// The configuration or policies did not validate; the old set runs on.
    InvalidPlan(nepho_policy::Diagnostics),
    /// A component did not load; the old set runs on.
    RolledBack(ReloadError),
}

/// A running watcher. Dropping it stops watching.
pub struct ReloadWatcher {
    stop: Option<mpsc::Sender<WatchMessage>>,
    thread: Option<JoinHandle<()>>,
}

enum WatchMessage {
    Changed(PathBuf),
    Stop,
}

/// The directories to watch for `plan`: those of the configuration file and of
/// every component file, and the policy directory. Directories, not files, so
/// that an editor's rename-into-place is seen.
fn watched_dirs(config_file: &Path, plan: Option<&Plan>) -> BTreeSet<PathBuf> {
    let mut dirs = BTreeSet::new();
    let parent = |path: &Path| {
        path.parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."))
    };
    dirs.insert(parent(config_file));
    if let Some(plan) = plan {
        if let Some(dir) = &plan.policy_dir {
            dirs.insert(dir.clone());
        }
        for component in &plan.components {
            if let ComponentSource::File(path) = &component.source {
                dirs.insert(parent(path));
            }
            dirs.extend(component.watched.iter().cloned());
        }
        for file in plan.pipelines.files() {
            dirs.insert(parent(file));
        }
    }
    dirs
}

/// Whether a change to `path` can matter to the running plan.
fn relevant(path: &Path, config_file: &Path, plan: Option<&Plan>) -> bool {
    if path == config_file {
        return true;
    }
    let Some(plan) = plan else { return true };
    if plan.pipelines.files().any(|file| file == path) {
        return true;
    }
    if plan
        .policy_dir
        .as_deref()
        .is_some_and(|dir| path.parent() == Some(dir))
    {
        return path.extension().is_some_and(|e| e == "toml");
    }
    plan.components.iter().any(|c| {
        matches!(&c.source, ComponentSource::File(p) if p == path)
            || c.watched
                .iter()
                .any(|w| w == path || path.parent() == Some(w.as_path()))
    })
}

/// Reloads `set` from `config_file` once. The outcome is also logged.
pub fn reload_from<T: Reload + ?Sized>(config_file: &Path, set: &T) -> ReloadOutcome {
    let plan = match Plan::load(config_file) {
        Ok(plan) => plan,
        Err(errors) => {
            tracing::error!("Configuration rejected; the running components stay:\n{errors}");
            return ReloadOutcome::InvalidPlan(errors);
        }
    };
    match set.reload(plan) {
        Ok(report) => {
            if !report.is_noop() {
                tracing::info!(
                    added = ?report.added,
                    changed = ?report.changed,
                    removed = ?report.removed,
                    "Components reloaded."
                );
            }
            ReloadOutcome::Applied(report)
        }
        Err(errors) => {
            tracing::error!("Reload rolled back; the running components stay:\n{errors}");
            ReloadOutcome::RolledBack(errors)
        }
    }
}

impl ReloadWatcher {
    /// Watches what `set`'s plan was loaded from and reloads it after changes,
    /// passing each outcome to `on_reload` (after logging it).
    pub fn start<T: Reload + ?Sized + 'static>(
        config_file: PathBuf,
        set: Arc<T>,
        debounce: Duration,
        on_reload: impl Fn(ReloadOutcome) + Send + 'static,
    ) -> notify::Result<Self> {
        let config_file = std::path::absolute(&config_file).unwrap_or(config_file);
        let (sender, receiver) = mpsc::channel();
        let events = sender.clone();
        let mut watcher: RecommendedWatcher =
            notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
                if let Ok(event) = event {
                    for path in event.paths {
                        let _ = events.send(WatchMessage::Changed(path));
                    }
                }
            })?;
        let mut watching = BTreeSet::new();
        sync_watches(
            &mut watcher,
            &mut watching,
            watched_dirs(&config_file, set.current_plan().as_ref()),
        );
        let thread = std::thread::Builder::new()
            .name("nepho-reload".into())
            .spawn(move || {
                let mut pending = false;
                loop {
                    let message = if pending {
                        receiver.recv_timeout(debounce)
                    } else {
                        receiver.recv().map_err(|_| RecvTimeoutError::Disconnected)
                    };
                    match message {
                        Ok(WatchMessage::Stop) | Err(RecvTimeoutError::Disconnected) => break,
                        Ok(WatchMessage::Changed(path)) => {
                            if relevant(&path, &config_file, set.current_plan().as_ref()) {
                                pending = true;
                            }
                        }
                        Err(RecvTimeoutError::Timeout) => {
                            pending = false;
                            let outcome = reload_from(&config_file, &*set);
                            sync_watches(
                                &mut watcher,
                                &mut watching,
                                watched_dirs(&config_file, set.current_plan().as_ref()),
                            );
                            on_reload(outcome);
                        }
                    }
                }
            })?;
        Ok(ReloadWatcher {
            stop: Some(sender),
            thread: Some(thread),
        })
    }
}

/// Watches `wanted` and stops watching what is no longer wanted.
fn sync_watches(
    watcher: &mut RecommendedWatcher,
    watching: &mut BTreeSet<PathBuf>,
    wanted: BTreeSet<PathBuf>,
) {
    for gone in watching.difference(&wanted) {
        let _ = watcher.unwatch(gone);
    }
    for dir in wanted.difference(watching) {
        if let Err(error) = watcher.watch(dir, RecursiveMode::NonRecursive) {
            tracing::warn!(dir = %dir.display(), %error, "Cannot watch a directory; changes there need a restart.");
        }
    }
    *watching = wanted;
}

impl Drop for ReloadWatcher {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(WatchMessage::Stop);
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
