//! Counters of what the consumer did, readable while it runs.

use std::sync::atomic::{AtomicU64, Ordering};

/// What the consumer has done since it started.
#[derive(Debug, Default)]
pub struct Stats {
    /// Messages received (redeliveries included).
    pub received: AtomicU64,
    /// Messages acknowledged after what they produced was handed on.
    pub acked: AtomicU64,
    /// Messages returned to their queue (nack with requeue, or republished
    /// with a higher attempt count).
    pub requeued: AtomicU64,
    /// Messages moved to the dead-letter queue.
    pub dead_lettered: AtomicU64,
    /// Batches handed to the components.
    pub batches: AtomicU64,
    /// Connections made (1 + reconnects).
    pub connections: AtomicU64,
}

impl Stats {
    pub(crate) fn add(counter: &AtomicU64, n: usize) {
        counter.fetch_add(n as u64, Ordering::Relaxed);
    }

    /// A counter's value.
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}
