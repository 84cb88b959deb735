//! Where the agent's samples go.

use crate::Sample;

/// The agent's output: RabbitMQ ([`crate::NotifierSink`]) or, when everything
/// runs in one process, the local pipelines (`nephometer run`).
///
/// `publish` is called from the pollsters' worker threads, with at most
/// `batch_size` samples at a time, and may block (it only delays the
/// pollster that produced the samples).
pub trait SampleSink: Send + Sync {
    /// Sends one batch; an error is logged by the agent and the batch is
    /// not retried by it (a sink that buffers does so itself).
    fn publish(&self, samples: Vec<Sample>) -> Result<(), String>;
}
