//! The built-in `transform-passthrough` component: returns every batch
//! unchanged. It is the baseline for measuring the cost of the component
//! boundary, and a placeholder transformer for pipelines that need none.

use nepho_guest::transformer::{ComponentError, Guest, SampleBatch};

struct Passthrough;

impl Guest for Passthrough {
    fn init() -> Result<(), ComponentError> {
        Ok(())
    }

    fn handle(batch: SampleBatch) -> Result<SampleBatch, ComponentError> {
        Ok(batch)
    }

    fn flush() -> Result<SampleBatch, ComponentError> {
        Ok(SampleBatch::default())
    }
}

nepho_guest::export_transformer!(Passthrough);
