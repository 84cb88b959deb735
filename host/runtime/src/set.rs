//! The running set of components, and reload: load what changed, swap
//! atomically, roll back on any failure.
//!
//! Startup and reload share one path ([`ComponentSet::apply`]): the new plan is
//! diffed against the running one; every added or changed component is read,
//! compiled (or taken from the cache), checked against its contract and
//! policy, pre-linked and instantiated with `init` *before* anything is
//! swapped. If any of that fails, the running set stays as it was and the
//! errors are returned. Otherwise the new map replaces the old in one atomic
//! store, and each replaced component is retired: calls already inside it
//! finish, later calls go to its successor, and a transformer's held-back
//! samples are flushed into the report.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;
use nepho_policy::{ComponentSource, ComponentSpec, Plan};

use crate::bindings::{Delivery, EventBatch, NotificationBatch, PublishError, SampleBatch};
use crate::cache::digest;
use crate::component::{Exports, GuestResult, LoadedComponent};
use crate::contract::{ComponentKind, Contract};
use crate::engine::Runtime;
use crate::error::{CallError, LoadError, LoadFailure};
use crate::host::HostState;
use wasmtime::Store;

type ComponentMap = BTreeMap<String, Arc<LoadedComponent>>;

/// What a reload did.
#[derive(Debug, Default)]
pub struct ReloadReport {
    /// Components that were not running before.
    pub added: Vec<String>,
    /// Components whose code, configuration or policy changed.
    pub changed: Vec<String>,
    /// Components no longer configured.
    pub removed: Vec<String>,
    /// Samples that replaced transformers still held, flushed before they were dropped.
    pub flushed: Vec<(String, SampleBatch)>,
}

impl ReloadReport {
    /// Whether the reload changed nothing.
    pub fn is_noop(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }
}

/// Why a reload was rolled back: every component that failed to load.
#[derive(Debug, thiserror::Error)]
#[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
pub struct ReloadError(pub Vec<LoadError>);

/// The components the agent runs, swappable as a whole.
pub struct ComponentSet {
    runtime: Runtime,
    current: ArcSwap<ComponentMap>,
    plan: Mutex<Option<Plan>>,
    /// Serialises reloads (calls are never blocked by it).
    reloading: Mutex<()>,
}

impl std::fmt::Debug for ComponentSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ComponentSet")
            .field("components", &self.names())
            .finish()
    }
}

/// Reads a component's bytes from the built-ins or its file.
pub(crate) fn read_source(
    runtime: &Runtime,
    source: &ComponentSource,
) -> Result<Vec<u8>, LoadFailure> {
    match source {
        ComponentSource::Builtin(name) => runtime
            .inner
            .builtins
            .iter()
            .find(|(builtin, _)| builtin == name)
            .map(|(_, bytes)| bytes.to_vec())
            .ok_or_else(|| LoadFailure::UnknownBuiltin {
                name: name.clone(),
                known: runtime.builtin_names().collect::<Vec<_>>().join(", "),
            }),
        ComponentSource::File(path) => Ok(std::fs::read(path)?),
    }
}

/// Loads one component completely, or says why not.
fn load(
    runtime: &Runtime,
    spec: &ComponentSpec,
    bytes: &[u8],
    digest: String,
) -> Result<LoadedComponent, LoadFailure> {
    let component = runtime
        .inner
        .cache
        .component(&runtime.inner.engine, bytes, &digest)
        .map_err(LoadFailure::Compile)?;
    let contract = Contract::read(&runtime.inner.engine, &component)?;
    contract.check_grants(&spec.sandbox.grants)?;
    LoadedComponent::new(runtime, spec.clone(), contract, digest, &component)
}

impl ComponentSet {
    /// An empty set; [`ComponentSet::apply`] loads a plan into it.
    pub fn new(runtime: Runtime) -> Self {
        ComponentSet {
            runtime,
            current: ArcSwap::from_pointee(ComponentMap::new()),
            plan: Mutex::new(None),
            reloading: Mutex::new(()),
        }
    }

    /// Loads a plan into a new set; every component must load.
    pub fn start(runtime: Runtime, plan: Plan) -> Result<Self, ReloadError> {
        let set = ComponentSet::new(runtime);
        set.apply(plan)?;
        Ok(set)
    }

    /// Makes `plan` the running set: loads what is new or changed, and swaps
    /// only if all of it loaded. On error nothing changes.
    pub fn apply(&self, plan: Plan) -> Result<ReloadReport, ReloadError> {
        let _one_at_a_time = self.reloading.lock().unwrap_or_else(|p| p.into_inner());
        let old = self.current.load_full();
        let mut next = ComponentMap::new();
        let mut report = ReloadReport::default();
        let mut errors = Vec::new();
        for spec in &plan.components {
            let error = |reason| LoadError {
                location: spec.source_location.clone(),
                name: spec.name.clone(),
                source_name: spec.source.clone(),
                reason,
            };
            let bytes = match read_source(&self.runtime, &spec.source) {
                Ok(bytes) => bytes,
                Err(reason) => {
                    errors.push(error(reason));
                    continue;
                }
            };
            let digest = digest(&bytes);
            match old.get(&spec.name) {
                Some(running) if running.spec == *spec && running.digest == digest => {
                    next.insert(spec.name.clone(), Arc::clone(running));
                    continue;
                }
                Some(_) => report.changed.push(spec.name.clone()),
                None => report.added.push(spec.name.clone()),
            }
            match load(&self.runtime, spec, &bytes, digest) {
                Ok(loaded) => {
                    next.insert(spec.name.clone(), Arc::new(loaded));
                }
                Err(reason) => errors.push(error(reason)),
            }
        }
        if !errors.is_empty() {
            return Err(ReloadError(errors));
        }
        report.removed = old
            .keys()
            .filter(|name| !next.contains_key(*name))
            .cloned()
            .collect();
        self.current.store(Arc::new(next));
        for name in report.changed.iter().chain(&report.removed) {
            if let Some(retired) = old.get(name)
                && let Some(batch) = retired.retire().filter(|b| !b.samples.is_empty())
            {
                report.flushed.push((name.clone(), batch));
            }
        }
        *self.plan.lock().unwrap_or_else(|p| p.into_inner()) = Some(plan);
        Ok(report)
    }

    /// The plan last applied.
    pub fn plan(&self) -> Option<Plan> {
        self.plan.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The names of the running components.
    pub fn names(&self) -> Vec<String> {
        self.current.load().keys().cloned().collect()
    }

    /// The running component called `name`.
    pub fn get(&self, name: &str) -> Option<Arc<LoadedComponent>> {
        self.current.load().get(name).cloned()
    }

    /// Every running component.
    pub fn components(&self) -> Vec<Arc<LoadedComponent>> {
        self.current.load().values().cloned().collect()
    }

    /// Calls the current version of `name`, following reloads (if the
    /// version it reached was retired meanwhile, the call goes to its
    /// successor). `invoke` makes the guest call, or gives `None` when the
    /// component is not a `wanted`; `check` vets the output against the
    /// component's limits.
    fn call_current<T>(
        &self,
        name: &str,
        wanted: ComponentKind,
        invoke: impl Fn(&mut Store<HostState>, &Exports) -> Option<GuestResult<T>>,
        check: impl Fn(&LoadedComponent, &T) -> Result<(), CallError>,
    ) -> Result<T, CallError> {
        loop {
            let component = self
                .get(name)
                .ok_or_else(|| CallError::Unknown(name.to_owned()))?;
            let output = component.call(|store, exports| {
                invoke(store, exports).ok_or_else(|| component.wrong_kind(wanted))
            })?;
            if let Some(value) = output {
                check(&component, &value)?;
                return Ok(value);
            }
        }
    }

    /// Runs a batch through the transformer `name`.
    pub fn transform(&self, name: &str, batch: &SampleBatch) -> Result<SampleBatch, CallError> {
        let invoke = |store: &mut Store<HostState>, exports: &Exports| match exports {
            Exports::Transformer(t) => {
                Some(t.nephometer_telemetry_transform().call_handle(store, batch))
            }
            _ => None,
        };
        self.call_current(
            name,
            ComponentKind::Transformer,
            invoke,
            LoadedComponent::check_samples,
        )
    }

    /// Asks the transformer `name` for what it holds back.
    pub fn flush(&self, name: &str) -> Result<SampleBatch, CallError> {
        let invoke = |store: &mut Store<HostState>, exports: &Exports| match exports {
            Exports::Transformer(t) => Some(t.nephometer_telemetry_transform().call_flush(store)),
            _ => None,
        };
        self.call_current(
            name,
            ComponentKind::Transformer,
            invoke,
            LoadedComponent::check_samples,
        )
    }

    /// Converts a batch of notifications with the meter-definition component `name`.
    pub fn convert_meters(
        &self,
        name: &str,
        batch: &NotificationBatch,
    ) -> Result<SampleBatch, CallError> {
        let invoke = |store: &mut Store<HostState>, exports: &Exports| match exports {
            Exports::Meter(m) => Some(m.nephometer_telemetry_meter().call_convert(store, batch)),
            _ => None,
        };
        self.call_current(
            name,
            ComponentKind::MeterDefinition,
            invoke,
            LoadedComponent::check_samples,
        )
    }

    /// Converts a batch of notifications with the event-definition component `name`.
    pub fn convert_events(
        &self,
        name: &str,
        batch: &NotificationBatch,
    ) -> Result<EventBatch, CallError> {
        let invoke = |store: &mut Store<HostState>, exports: &Exports| match exports {
            Exports::Event(e) => Some(e.nephometer_telemetry_event().call_convert(store, batch)),
            _ => None,
        };
        self.call_current(
            name,
            ComponentKind::EventDefinition,
            invoke,
            LoadedComponent::check_events,
        )
    }

    /// Encodes a batch of samples with the publisher `name`. The inner
    /// result is the publisher's own answer (deliveries, or why it could not
    /// encode); the outer one says whether the call itself succeeded.
    pub fn publish_samples(
        &self,
        name: &str,
        batch: &SampleBatch,
    ) -> Result<Result<Vec<Delivery>, PublishError>, CallError> {
        let invoke = |store: &mut Store<HostState>, exports: &Exports| match exports {
            Exports::Publisher(p) => Some(
                p.nephometer_telemetry_publish()
                    .call_publish_samples(store, batch)
                    .map(Ok),
            ),
            _ => None,
        };
        self.call_current(
            name,
            ComponentKind::Publisher,
            invoke,
            LoadedComponent::check_deliveries,
        )
    }

    /// Encodes a batch of events with the publisher `name` (see
    /// [`ComponentSet::publish_samples`]).
    pub fn publish_events(
        &self,
        name: &str,
        batch: &EventBatch,
    ) -> Result<Result<Vec<Delivery>, PublishError>, CallError> {
        let invoke = |store: &mut Store<HostState>, exports: &Exports| match exports {
            Exports::Publisher(p) => Some(
                p.nephometer_telemetry_publish()
                    .call_publish_events(store, batch)
                    .map(Ok),
            ),
            _ => None,
        };
        self.call_current(
            name,
            ComponentKind::Publisher,
            invoke,
            LoadedComponent::check_deliveries,
        )
    }
}
