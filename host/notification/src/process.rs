//! What a batch of decoded notifications produces, handed on: meters through
//! the meter-definitions component and the sample pipelines, events through
//! the event-definitions component and the event pipelines, and signed
//! `telemetry.polling` samples (from polling agents) verified and published
//! on through the sample pipelines.
//!
//! Routing by priority follows Ceilometer's endpoints: meters take `info` and
//! `sample`, events take `info` and `error`, `telemetry.polling` comes at
//! `sample`.

use std::sync::Arc;

use nepho_flow::{Agent, sample_from_json};
use nepho_runtime::bindings::{EventBatch, SampleBatch};
use nepho_runtime::{NotificationBatchBuilder, OwnedSample};
use serde_json::Value;

use crate::envelope::Decoded;

/// The event type of samples sent by polling agents.
pub const TELEMETRY_POLLING: &str = "telemetry.polling";

/// Why a batch was not handed on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HandleError {
    /// A component failed (an error it reported, a trap, a stopped component).
    /// May be caused by one message: the batch is retried message by message.
    #[error("component `{component}`: {reason}")]
    Component {
        /// The component.
        component: String,
        /// What went wrong.
        reason: String,
    },
    /// A publisher did not take the output (a downstream outage, usually).
    #[error("{0}")]
    Publish(String),
}

/// Why one message is refused before any component sees it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RefuseError {
    /// A `telemetry.polling` notification whose payload is not `{"samples": [...]}`.
    #[error("telemetry.polling payload: {0}")]
    Payload(String),
    /// A polled sample that is not valid or not signed with the telemetry secret.
    #[error("telemetry.polling sample {index}: {reason}")]
    Sample {
        /// Its position in `payload.samples`.
        index: usize,
        /// What is wrong with it.
        reason: String,
    },
}

/// What one message asks for, checked before the batch runs.
#[derive(Debug)]
pub enum Work<'a> {
    /// A notification for the definitions components.
    Notification(&'a Decoded),
    /// Verified samples from a polling agent.
    Polled(&'a [OwnedSample]),
}

/// Runs batches through an agent's components and pipelines.
pub struct Handler {
    agent: Arc<Agent>,
    meters: Option<String>,
    events: Option<String>,
}

/// What a batch converted to, waiting to be published.
#[derive(Debug, Default)]
pub struct Converted {
    /// Samples from the meter definitions.
    pub meters: Option<SampleBatch>,
    /// Samples from polling agents.
    pub polled: Option<SampleBatch>,
    /// Events from the event definitions.
    pub events: Option<EventBatch>,
}

/// Counts of what a batch produced.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Produced {
    /// Samples published (meters and polled).
    pub samples: usize,
    /// Events published.
    pub events: usize,
}

impl Handler {
    /// A handler over `agent`, with the meter and event components named.
    pub fn new(agent: Arc<Agent>, meters: Option<String>, events: Option<String>) -> Self {
        Handler {
            agent,
            meters,
            events,
        }
    }

    /// Checks one message: `telemetry.polling` samples are read and verified
    /// here (and returned), so a forged or broken one is refused alone.
    pub fn check(&self, message: &Decoded) -> Result<Option<Vec<OwnedSample>>, RefuseError> {
        if message.event_type != TELEMETRY_POLLING {
            return Ok(None);
        }
        let value: Value = serde_json::from_str(&message.body)
            .map_err(|e| RefuseError::Payload(format!("not JSON: {e}")))?;
        let samples = value
            .get("payload")
            .and_then(|p| p.get("samples"))
            .and_then(Value::as_array)
            .ok_or_else(|| {
                RefuseError::Payload("expected an object with a `samples` list".into())
            })?;
        let secret = self.agent.telemetry_secret();
        samples
            .iter()
            .enumerate()
            .map(|(index, sample)| {
                sample_from_json(sample, &secret).map_err(|e| RefuseError::Sample {
                    index,
                    reason: e.to_string(),
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    /// Converts and publishes a batch of checked messages; `Ok` only when
    /// every publisher took everything they produced.
    pub fn handle(&self, work: &[Work<'_>]) -> Result<Produced, HandleError> {
        let converted = self.convert(work)?;
        self.publish(&converted)
    }

    /// Converts a batch of checked messages with the definitions components.
    pub fn convert(&self, work: &[Work<'_>]) -> Result<Converted, HandleError> {
        let mut meters = NotificationBatchBuilder::default();
        let mut events = NotificationBatchBuilder::default();
        let mut polled: Vec<&OwnedSample> = Vec::new();
        for item in work {
            match item {
                Work::Polled(samples) => polled.extend(samples.iter()),
                Work::Notification(n) => {
                    let priority = n.priority.as_str();
                    if self.meters.is_some() && matches!(priority, "info" | "sample") {
                        meters.push(&n.event_type, priority, &n.body);
                    }
                    if self.events.is_some() && matches!(priority, "info" | "error") {
                        events.push(&n.event_type, priority, &n.body);
                    }
                }
            }
        }
        let mut converted = Converted::default();
        if let Some(component) = &self.meters
            && !meters.is_empty()
        {
            let samples = self
                .agent
                .components()
                .convert_meters(component, &meters.finish())
                .map_err(|e| HandleError::Component {
                    component: component.clone(),
                    reason: e.to_string(),
                })?;
            converted.meters = Some(samples);
        }
        if !polled.is_empty() {
            converted.polled = Some(SampleBatch::from_samples(polled));
        }
        if let Some(component) = &self.events
            && !events.is_empty()
        {
            let batch = self
                .agent
                .components()
                .convert_events(component, &events.finish())
                .map_err(|e| HandleError::Component {
                    component: component.clone(),
                    reason: e.to_string(),
                })?;
            converted.events = Some(batch);
        }
        Ok(converted)
    }

    /// Publishes what [`Handler::convert`] produced: meters, polled samples,
    /// then events.
    pub fn publish(&self, converted: &Converted) -> Result<Produced, HandleError> {
        let mut produced = Produced::default();
        for samples in converted.meters.iter().chain(&converted.polled) {
            produced.samples += samples.samples.len();
            self.publish_samples(samples)?;
        }
        if let Some(batch) = &converted.events {
            produced.events += batch.events.len();
            if !batch.events.is_empty() {
                self.agent.publish_events(batch).map_err(|failures| {
                    HandleError::Publish(nepho_flow::PublishFailure::joined(&failures))
                })?;
            }
        }
        Ok(produced)
    }

    fn publish_samples(&self, samples: &SampleBatch) -> Result<(), HandleError> {
        if samples.samples.is_empty() {
            return Ok(());
        }
        self.agent
            .publish_samples(samples)
            .map_err(|failures| HandleError::Publish(nepho_flow::PublishFailure::joined(&failures)))
    }
}
