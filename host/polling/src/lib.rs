//! Ceilometer's polling agent (`ceilometer-polling`), natively.
//!
//! [`pollster`] is the contract every pollster and discovery implements
//! (the compute and host pollsters here, the SNMP and IPMI pollsters in
//! `nepho-hardware`); [`Registry`] groups them by namespace as Ceilometer's
//! stevedore namespaces `ceilometer.poll.<namespace>` and
//! `ceilometer.discover.<namespace>` do. [`PollingAgent`] runs the selected
//! pollsters on polling.yaml's sources and hands the samples to a
//! [`SampleSink`]: RabbitMQ ([`NotifierSink`]) or the local pipelines.

mod agent;
pub mod compute;
mod cycle_cache;
pub mod local_host;
mod notifier;
pub mod pollster;
mod registry;
mod sample;
mod sink;
mod state_log;
mod timestamp;

pub use agent::{CycleReport, DEFAULT_BATCH_SIZE, PollingAgent, RunningAgent};
pub use cycle_cache::CycleCache;
pub use notifier::{EVENT_TYPE, NotifierOptions, NotifierSink, PUBLISHER_ID};
pub use pollster::{
    Discovery, Polled, PolledSample, Pollster, Resource, ResourceFailure, SampleType,
};
pub use registry::{CENTRAL, COMPUTE, IPMI, Registry, Selection};
pub use sample::Sample;
pub use sink::SampleSink;
pub use state_log::StateLog;
pub use timestamp::{isoformat, python_str};
