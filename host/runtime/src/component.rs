//! One loaded component: its compiled code, pre-linked template, policy, and
//! the single long-lived instance that serves its calls, supervised.
//!
//! Calls into a component are serialised (one instance, one store). A trap
//! kills the instance (a trapped component instance can never be entered
//! again); the next call after the backoff makes a fresh one from the
//! pre-linked template, and too many traps in a window open the crash-loop
//! breaker until the component is reloaded.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use nepho_policy::ComponentSpec;
use wasmtime::component::InstancePre;
use wasmtime::{Store, Trap};

use crate::batch::check_sample_batch;
use crate::bindings::{ComponentError, SampleBatch, event, meter, publisher, transformer};
use crate::contract::{ComponentKind, Contract};
use crate::engine::{EPOCH_TICK, Runtime};
use crate::error::{CallError, LoadFailure};
use crate::host::HostState;

/// The typed, instantiated exports of a component.
pub(crate) enum Exports {
    Meter(meter::MeterDefinition),
    Event(event::EventDefinition),
    Transformer(transformer::Transformer),
    Publisher(publisher::Publisher),
}

/// A running instance: its store and its exports.
pub(crate) struct Live {
    pub(crate) store: Store<HostState>,
    pub(crate) exports: Exports,
}

/// Supervision state, guarded by the component's mutex.
struct Slot {
    live: Option<Live>,
    /// Set when a reload replaced this component; calls then go to the successor.
    retired: bool,
    traps: VecDeque<Instant>,
    consecutive_traps: u32,
    restart_at: Option<Instant>,
    breaker_open: bool,
}

/// A loaded component. Immutable but for its supervised instance.
pub struct LoadedComponent {
    /// What the configuration and policy say about it.
    pub spec: ComponentSpec,
    /// What it targets and imports.
    pub contract: Contract,
    /// SHA-256 of its bytes.
    pub digest: String,
    runtime: Runtime,
    pre: InstancePre<HostState>,
    config: Arc<serde_json::Map<String, serde_json::Value>>,
    slot: Mutex<Slot>,
}

impl std::fmt::Debug for LoadedComponent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedComponent")
            .field("name", &self.spec.name)
            .field("kind", &self.contract.kind)
            .field("digest", &self.digest)
            .finish()
    }
}

/// Outcome of one guest call, before supervision looks at it.
pub(crate) type GuestResult<T> = wasmtime::Result<Result<T, ComponentError>>;

fn component_error_text(error: ComponentError) -> String {
    match error {
        ComponentError::InvalidConfig(m) => format!("invalid configuration: {m}"),
        ComponentError::InvalidInput(m) => format!("invalid input: {m}"),
        ComponentError::Other(m) => m,
    }
}

impl LoadedComponent {
    /// Pre-links `component` and makes its first instance, calling `init` so a
    /// bad configuration is caught at load time.
    pub(crate) fn new(
        runtime: &Runtime,
        spec: ComponentSpec,
        contract: Contract,
        digest: String,
        component: &wasmtime::component::Component,
    ) -> Result<Self, LoadFailure> {
        let pre = runtime
            .inner
            .linker
            .instantiate_pre(component)
            .map_err(LoadFailure::Instantiate)?;
        let config = Arc::new(spec.config.clone());
        let loaded = LoadedComponent {
            spec,
            contract,
            digest,
            runtime: runtime.clone(),
            pre,
            config,
            slot: Mutex::new(Slot {
                live: None,
                retired: false,
                traps: VecDeque::new(),
                consecutive_traps: 0,
                restart_at: None,
                breaker_open: false,
            }),
        };
        let live = loaded.instantiate().map_err(|failure| match failure {
            InstantiateFailure::Wasm(e) => LoadFailure::Instantiate(e),
            InstantiateFailure::Init(message) => LoadFailure::Config(message),
        })?;
        loaded.lock().live = Some(live);
        Ok(loaded)
    }

    /// Makes a fresh instance from the pre-linked template, runs `init`, and
    /// drops it; the running instance is untouched. This is the cost of a
    /// restart after a trap, and what the benchmarks measure as instantiation.
    pub fn instantiate_detached(&self) -> Result<(), String> {
        self.instantiate()
            .map(drop)
            .map_err(|failure| failure.to_string())
    }

    /// The component's name.
    pub fn name(&self) -> &str {
        &self.spec.name
    }

    /// Its role.
    pub fn kind(&self) -> ComponentKind {
        self.contract.kind
    }

    fn lock(&self) -> MutexGuard<'_, Slot> {
        self.slot
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Makes a fresh instance from the pre-linked template and runs `init`.
    fn instantiate(&self) -> Result<Live, InstantiateFailure> {
        let state = HostState::new(&self.spec, Arc::clone(&self.config));
        let mut store = Store::new(&self.runtime.inner.engine, state);
        store.limiter(|state| &mut state.memory);
        store.epoch_deadline_trap();
        store.set_epoch_deadline(self.deadline_ticks());
        let exports = match self.contract.kind {
            ComponentKind::Transformer => {
                let pre = transformer::TransformerPre::new(self.pre.clone())
                    .map_err(InstantiateFailure::Wasm)?;
                Exports::Transformer(
                    pre.instantiate(&mut store)
                        .map_err(InstantiateFailure::Wasm)?,
                )
            }
            ComponentKind::MeterDefinition => {
                let pre = meter::MeterDefinitionPre::new(self.pre.clone())
                    .map_err(InstantiateFailure::Wasm)?;
                Exports::Meter(
                    pre.instantiate(&mut store)
                        .map_err(InstantiateFailure::Wasm)?,
                )
            }
            ComponentKind::EventDefinition => {
                let pre = event::EventDefinitionPre::new(self.pre.clone())
                    .map_err(InstantiateFailure::Wasm)?;
                Exports::Event(
                    pre.instantiate(&mut store)
                        .map_err(InstantiateFailure::Wasm)?,
                )
            }
            ComponentKind::Publisher => {
                let pre = publisher::PublisherPre::new(self.pre.clone())
                    .map_err(InstantiateFailure::Wasm)?;
                Exports::Publisher(
                    pre.instantiate(&mut store)
                        .map_err(InstantiateFailure::Wasm)?,
                )
            }
        };
        let init = match &exports {
            Exports::Transformer(t) => t.nephometer_telemetry_transform().call_init(&mut store),
            Exports::Meter(m) => m.nephometer_telemetry_meter().call_init(&mut store),
            Exports::Event(e) => e.nephometer_telemetry_event().call_init(&mut store),
            Exports::Publisher(p) => p.nephometer_telemetry_publish().call_init(&mut store),
        };
        match init {
            Ok(Ok(())) => Ok(Live { store, exports }),
            Ok(Err(error)) => Err(InstantiateFailure::Init(component_error_text(error))),
            Err(trap) => Err(InstantiateFailure::Wasm(trap)),
        }
    }

    fn deadline_ticks(&self) -> u64 {
        let tick = EPOCH_TICK.as_nanos().max(1);
        (self.spec.sandbox.max_call.as_nanos().div_ceil(tick) as u64).max(1)
    }

    /// Marks the component replaced. Calls already running finish; later calls
    /// get [`CallError`]-free redirection by the component set. Returns what a
    /// transformer still held (its `flush`), so a reload loses nothing.
    pub(crate) fn retire(&self) -> Option<SampleBatch> {
        let mut slot = self.lock();
        slot.retired = true;
        let live = slot.live.take()?;
        drop(slot);
        let mut live = live;
        match &live.exports {
            Exports::Transformer(t) => {
                live.store.set_epoch_deadline(self.deadline_ticks());
                match t
                    .nephometer_telemetry_transform()
                    .call_flush(&mut live.store)
                {
                    Ok(Ok(batch)) => Some(batch),
                    Ok(Err(error)) => {
                        tracing::warn!(
                            component = self.name(),
                            "Flush before reload failed: {}",
                            component_error_text(error)
                        );
                        None
                    }
                    Err(trap) => {
                        tracing::warn!(
                            component = self.name(),
                            "Flush before reload trapped: {trap:#}"
                        );
                        None
                    }
                }
            }
            _ => None,
        }
    }

    /// Runs `call` on the live instance, under the time limit, recreating the
    /// instance after a trap once the backoff has passed. `Ok(None)` means the
    /// component was retired and the caller must look up its successor.
    pub(crate) fn call<T>(
        &self,
        call: impl FnOnce(&mut Store<HostState>, &Exports) -> Result<GuestResult<T>, CallError>,
    ) -> Result<Option<T>, CallError> {
        let mut slot = self.lock();
        if slot.retired {
            return Ok(None);
        }
        if slot.breaker_open {
            let restart = &self.spec.sandbox.restart;
            return Err(CallError::CrashLoop {
                component: self.name().to_owned(),
                traps: restart.crash_loop_traps,
                window: restart.crash_loop_window,
            });
        }
        if slot.live.is_none() {
            let now = Instant::now();
            if let Some(at) = slot.restart_at.filter(|at| *at > now) {
                return Err(CallError::BackingOff {
                    component: self.name().to_owned(),
                    ready_in: at - now,
                });
            }
            match self.instantiate() {
                Ok(live) => {
                    tracing::info!(
                        component = self.name(),
                        "Component `{}` restarted from its pre-linked template.",
                        self.name()
                    );
                    slot.live = Some(live);
                }
                Err(failure) => return Err(self.record_trap(&mut slot, failure.to_string())),
            }
        }
        let Some(live) = slot.live.as_mut() else {
            return Err(CallError::Unknown(self.name().to_owned()));
        };
        live.store.set_epoch_deadline(self.deadline_ticks());
        live.store.data_mut().begin_call();
        let outcome = call(&mut live.store, &live.exports)?;
        let dropped = live.store.data().log_lines_dropped;
        if dropped > 0 {
            tracing::warn!(
                component = self.name(),
                "Dropped {dropped} log lines over the per-call budget."
            );
        }
        match outcome {
            Ok(Ok(value)) => {
                slot.consecutive_traps = 0;
                Ok(Some(value))
            }
            Ok(Err(error)) => Err(CallError::Reported {
                component: self.name().to_owned(),
                message: component_error_text(error),
            }),
            Err(trap) => {
                let reason = explain_trap(&trap, live.store.data(), &self.spec);
                slot.live = None;
                Err(self.record_trap(&mut slot, reason))
            }
        }
    }

    /// Counts a trap, schedules the restart or opens the breaker, and logs one line.
    fn record_trap(&self, slot: &mut Slot, reason: String) -> CallError {
        let restart = &self.spec.sandbox.restart;
        let now = Instant::now();
        slot.traps.push_back(now);
        while slot
            .traps
            .front()
            .is_some_and(|t| now.duration_since(*t) > restart.crash_loop_window)
        {
            slot.traps.pop_front();
        }
        slot.consecutive_traps += 1;
        if slot.traps.len() as u32 >= restart.crash_loop_traps {
            slot.breaker_open = true;
            tracing::error!(
                component = self.name(),
                "Component `{}` {reason}; stopped: {} traps within {:?} opened the crash-loop breaker.",
                self.name(),
                slot.traps.len(),
                restart.crash_loop_window
            );
            return CallError::CrashLoop {
                component: self.name().to_owned(),
                traps: slot.traps.len() as u32,
                window: restart.crash_loop_window,
            };
        }
        let exponent = slot.consecutive_traps.saturating_sub(1).min(20);
        let backoff = restart
            .backoff_initial
            .saturating_mul(1 << exponent)
            .min(restart.backoff_max);
        slot.restart_at = Some(now + backoff);
        tracing::error!(
            component = self.name(),
            "Component `{}` {reason}; restarting in {backoff:?}.",
            self.name()
        );
        CallError::Trapped {
            component: self.name().to_owned(),
            reason,
            restart_in: backoff,
        }
    }

    /// Checks a sample batch against the output limits.
    pub(crate) fn check_samples(&self, batch: &SampleBatch) -> Result<(), CallError> {
        let sandbox = &self.spec.sandbox;
        check_sample_batch(batch, sandbox.max_output_records, sandbox.max_output_bytes).map_err(
            |error| {
                tracing::error!(
                    component = self.name(),
                    "Component `{}` {error}; output discarded.",
                    self.name()
                );
                CallError::Output {
                    component: self.name().to_owned(),
                    error,
                }
            },
        )
    }

    /// Checks an event batch against the output limits.
    pub(crate) fn check_events(
        &self,
        batch: &crate::bindings::EventBatch,
    ) -> Result<(), CallError> {
        let sandbox = &self.spec.sandbox;
        crate::batch::check_event_batch(batch, sandbox.max_output_records, sandbox.max_output_bytes)
            .map_err(|error| {
                tracing::error!(
                    component = self.name(),
                    "Component `{}` {error}; output discarded.",
                    self.name()
                );
                CallError::Output {
                    component: self.name().to_owned(),
                    error,
                }
            })
    }

    /// Checks a publisher's deliveries against the output limits (an
    /// encoding error passes: it is the publisher's answer, not output).
    pub(crate) fn check_deliveries(
        &self,
        outcome: &Result<Vec<crate::bindings::Delivery>, crate::bindings::PublishError>,
    ) -> Result<(), CallError> {
        let Ok(deliveries) = outcome else {
            return Ok(());
        };
        let sandbox = &self.spec.sandbox;
        crate::batch::check_deliveries(
            deliveries,
            sandbox.max_output_records,
            sandbox.max_output_bytes,
        )
        .map_err(|error| {
            tracing::error!(
                component = self.name(),
                "Component `{}` {error}; output discarded.",
                self.name()
            );
            CallError::Output {
                component: self.name().to_owned(),
                error,
            }
        })
    }

    /// Reports a wrong-kind call.
    pub(crate) fn wrong_kind(&self, wanted: ComponentKind) -> CallError {
        CallError::WrongKind {
            component: self.name().to_owned(),
            actual: self.kind(),
            wanted,
        }
    }
}

/// Why making an instance failed.
enum InstantiateFailure {
    Wasm(wasmtime::Error),
    Init(String),
}

impl std::fmt::Display for InstantiateFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InstantiateFailure::Wasm(e) => write!(f, "failed to restart: {e:#}"),
            InstantiateFailure::Init(m) => write!(f, "rejected its configuration on restart: {m}"),
        }
    }
}

/// Words for a trap: the time limit, the memory cap, or the trap itself with
/// whatever the guest printed to stderr (a panic message).
fn explain_trap(trap: &wasmtime::Error, state: &HostState, spec: &ComponentSpec) -> String {
    if trap.downcast_ref::<Trap>() == Some(&Trap::Interrupt) {
        return format!(
            "ran past its {} ms call limit and was interrupted",
            spec.sandbox.max_call.as_millis()
        );
    }
    if state.memory.refused() {
        return format!(
            "exceeded its memory cap of {} MiB",
            state.memory.max_bytes() >> 20
        );
    }
    let detail = trap
        .downcast_ref::<Trap>()
        .map_or_else(|| format!("{trap:#}"), |t| t.to_string());
    let stderr = state.stderr_text();
    if stderr.is_empty() {
        format!("trapped: {detail}")
    } else {
        format!("trapped: {detail} ({stderr})")
    }
}
