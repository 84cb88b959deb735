//! The agent: the component set and the pipelines over it, reloaded together.

use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;
use nepho_policy::Plan;
use nepho_runtime::bindings::{EventBatch, SampleBatch};
use nepho_runtime::{ComponentSet, Reload, ReloadError, ReloadReport, Runtime};

use crate::flows::{Flows, Mode};
use crate::outlet::{Capture, PublishFailure};

/// Runs samples and events through the configured pipelines.
///
/// Reload ([`Reload::reload`]) builds the new pipelines first (publisher
/// URLs, destination grants, transports), then swaps the components, then
/// the pipelines; if anything fails nothing changes. Samples that replaced
/// transformers held back are published through the rest of their sink.
pub struct Agent {
    set: Arc<ComponentSet>,
    flows: ArcSwap<Flows>,
    mode: Mode,
    secret: Mutex<String>,
    /// Serialises reloads.
    reloading: Mutex<()>,
}

impl Agent {
    /// Starts the components and the pipelines of `plan`. `test://`
    /// publishers publish to `capture`; with `replay` every sink publishes
    /// there instead of to its publishers.
    pub fn start(
        runtime: Runtime,
        plan: Plan,
        capture: Arc<Capture>,
        replay: bool,
    ) -> Result<Agent, ReloadError> {
        let mode = if replay {
            Mode::CaptureOnly(capture)
        } else {
            Mode::Deliver(capture)
        };
        let agent = Agent {
            set: Arc::new(ComponentSet::new(runtime)),
            flows: ArcSwap::from_pointee(Flows::default()),
            mode,
            secret: Mutex::new(String::new()),
            reloading: Mutex::new(()),
        };
        agent.reload(plan)?;
        Ok(agent)
    }

    /// The running components.
    pub fn components(&self) -> &Arc<ComponentSet> {
        &self.set
    }

    /// The `telemetry_secret` incoming meter messages are verified with.
    pub fn telemetry_secret(&self) -> String {
        self.secret
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Offers a batch of samples to every sample pipeline and flushes them.
    /// Every publisher is tried; the failures are returned (and logged).
    pub fn publish_samples(&self, batch: &SampleBatch) -> Result<(), Vec<PublishFailure>> {
        let failures = self.flows.load_full().publish_samples(&self.set, batch);
        if failures.is_empty() {
            Ok(())
        } else {
            Err(failures)
        }
    }

    /// Offers a batch of events to every event pipeline.
    pub fn publish_events(&self, batch: &EventBatch) -> Result<(), Vec<PublishFailure>> {
        let failures = self.flows.load_full().publish_events(&self.set, batch);
        if failures.is_empty() {
            Ok(())
        } else {
            Err(failures)
        }
    }

    /// Flushes every sample pipeline without new input (at the end of a
    /// replay, or before shutdown).
    pub fn flush(&self) -> Result<(), Vec<PublishFailure>> {
        self.publish_samples(&SampleBatch::empty())
    }
}

impl Reload for Agent {
    fn current_plan(&self) -> Option<Plan> {
        self.set.plan()
    }

    fn reload(&self, plan: Plan) -> Result<ReloadReport, ReloadError> {
        let _one_at_a_time = self.reloading.lock().unwrap_or_else(|p| p.into_inner());
        let previous = self.flows.load_full();
        let mut databases = previous.databases();
        let flows = Flows::build(&plan, &self.mode, &previous.transports(), &mut databases)
            .map_err(ReloadError)?;
        let secret = plan.pipelines.telemetry_secret.clone();
        let report = self.set.apply(plan)?;
        self.flows.store(Arc::new(flows));
        *self.secret.lock().unwrap_or_else(|p| p.into_inner()) = secret;
        let current = self.flows.load_full();
        for (component, batch) in report.flushed.clone() {
            for failure in current.publish_released(&self.set, &component, batch) {
                tracing::error!("Samples released on reload not published: {failure}");
            }
        }
        Ok(report)
    }
}
