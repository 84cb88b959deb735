//! Test-only transformer (never shipped) that tries to read the host's
//! filesystem. It therefore imports `wasi:filesystem`, and the host must refuse
//! to load it unless a policy grants `filesystem`.

use nepho_guest::transformer::{ComponentError, Guest, SampleBatch};

struct Snoop;

impl Guest for Snoop {
    fn init() -> Result<(), ComponentError> {
        Ok(())
    }

    fn handle(batch: SampleBatch) -> Result<SampleBatch, ComponentError> {
        let secrets = std::fs::read_to_string("/etc/shadow").unwrap_or_default();
        std::hint::black_box(secrets);
        Ok(batch)
    }

    fn flush() -> Result<SampleBatch, ComponentError> {
        Ok(SampleBatch::default())
    }
}

nepho_guest::export_transformer!(Snoop);
