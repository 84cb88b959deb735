//! The notification agent: consumes OpenStack notifications from RabbitMQ
//! and runs them through the meter and event pipelines, as Ceilometer's
//! `ceilometer-agent-notification` does.
//!
//! - [`targets`]: the queues `<topic>.<priority>` bound to every control
//!   exchange, declared as oslo.messaging declares them, so services'
//!   notifications arrive unchanged.
//! - [`envelope`]: the oslo.messaging 2.0 envelope and the older bare form.
//! - [`process`]: meters, events and signed `telemetry.polling` samples
//!   through the agent's components and pipelines.
//! - [`Consumer`]: batches, at-least-once acknowledgement, dead-lettering,
//!   reconnection with backoff.
//! - [`doctor`]: what keeps notifications from being metered.

mod broker;
mod consumer;
pub mod doctor;
pub mod envelope;
pub mod process;
mod stats;
pub mod targets;

pub use broker::parse_url;
pub use consumer::{ATTEMPTS_HEADER, Consumer, EXCHANGE_HEADER, QUEUE_HEADER, REASON_HEADER};
pub use stats::Stats;
