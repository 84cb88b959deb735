//! Runs samples and events through Ceilometer's pipelines.
//!
//! A batch that comes in (from notifications, polling, the API or a replay)
//! is offered to every pipeline, that is every (source, sink) pair of
//! `pipeline.yaml`: the source's meter filter picks the samples, the sink runs
//! them through its transformer components in order, then hands the result to
//! each of its publishers. After every batch each pipeline's sink is flushed,
//! as Ceilometer's `PublishContext` does. A publisher encodes in its component
//! and the host delivers; one publisher's failure is logged and never stops
//! the others. Events follow `event_pipeline.yaml` the same way, without
//! transformers.

mod agent;
mod database;
mod flows;
mod intake;
mod outlet;
mod select;
mod sink;

pub use agent::Agent;
pub use intake::{IntakeError, sample_from_json, sample_from_json_text};
pub use outlet::{Capture, Captured, PublishFailure};
