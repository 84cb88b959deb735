//! Where statistics rows go as they are made: into batches of about
//! [`BATCH_ROWS`] (a batch is handed over once it is full and the period
//! being made is complete), each handed to the caller's receiver and
//! awaited before more are made, so a slow receiver (an HTTP client reading a large
//! answer) holds the query back instead of the answer piling up in memory.

use std::future::Future;

use crate::error::Result;
use crate::model::Statistics;

/// Rows per batch handed over (more by the rest of a period at most).
pub(crate) const BATCH_ROWS: usize = 4096;

/// Batches rows for a receiver `each`.
pub(crate) struct RowSink<F> {
    batch: Vec<Statistics>,
    each: F,
}

impl<F, Fut> RowSink<F>
where
    F: FnMut(Vec<Statistics>) -> Fut,
    Fut: Future<Output = Result<()>>,
{
    pub(crate) fn new(each: F) -> RowSink<F> {
        RowSink {
            batch: Vec::new(),
            each,
        }
    }

    /// Adds a row to the batch.
    pub(crate) fn push(&mut self, row: Statistics) {
        self.batch.push(row);
    }

    /// Whether the batch should be handed over before more rows are made.
    pub(crate) fn full(&self) -> bool {
        self.batch.len() >= BATCH_ROWS
    }

    /// Hands over the rows batched, if any, and waits for the receiver.
    pub(crate) async fn flush(&mut self) -> Result<()> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH_ROWS));
        (self.each)(batch).await
    }
}
