//! Glue between the transformer world and `nepho-transformers`: one instance
//! holds one configured transformer; batches are converted to and from the
//! library's samples. Each built-in transformer component is one line:
//! `transform_support::ceilometer_transformer!("rate_of_change");`.
//!
//! Configuration: `parameters`, the transformer's parameters exactly as in
//! Ceilometer's `pipeline.yaml` (a JSON object; absent means none).

mod convert;

use std::sync::Mutex;

use nepho_guest::transformer::{ComponentError, SampleBatch, config, log};
use nepho_transformers::{LogLevel, Transformer};

#[doc(hidden)]
pub use nepho_guest;

static TRANSFORMER: Mutex<Option<Transformer>> = Mutex::new(None);

fn with_transformer<T>(work: impl FnOnce(&mut Transformer) -> T) -> Result<T, ComponentError> {
    let mut slot = TRANSFORMER
        .lock()
        .map_err(|_| ComponentError::Other("transformer state poisoned".into()))?;
    let transformer = slot
        .as_mut()
        .ok_or_else(|| ComponentError::Other("called before init".into()))?;
    let result = work(transformer);
    for record in transformer.take_log() {
        let level = match record.level {
            LogLevel::Warning => log::Level::Warn,
            LogLevel::Error => log::Level::Error,
        };
        log::log(level, &record.message);
    }
    Ok(result)
}

/// Builds the transformer `name` from the configured `parameters`.
pub fn init(name: &str) -> Result<(), ComponentError> {
    let parameters = match config::get("parameters") {
        None => serde_json::Value::Null,
        Some(json) => serde_json::from_str(&json)
            .map_err(|e| ComponentError::InvalidConfig(format!("parameters: {e}")))?,
    };
    let transformer = Transformer::from_config(name, &parameters)
        .map_err(|e| ComponentError::InvalidConfig(format!("{name}: {e}")))?;
    *TRANSFORMER
        .lock()
        .map_err(|_| ComponentError::Other("transformer state poisoned".into()))? =
        Some(transformer);
    with_transformer(|_| ())
}

/// Runs every sample of `batch` through the transformer.
pub fn handle(batch: SampleBatch) -> Result<SampleBatch, ComponentError> {
    let samples = convert::from_batch(&batch);
    let outputs = with_transformer(|t| {
        samples
            .into_iter()
            .filter_map(|s| t.handle_sample(s))
            .collect::<Vec<_>>()
    })?;
    Ok(convert::to_batch(&outputs))
}

/// Emits what the transformer holds back.
pub fn flush() -> Result<SampleBatch, ComponentError> {
    let outputs = with_transformer(|t| t.flush())?;
    Ok(convert::to_batch(&outputs))
}

/// Defines and exports a transformer component for Ceilometer's transformer `name`.
#[macro_export]
macro_rules! ceilometer_transformer {
    ($name:literal) => {
        struct Component;

        impl nepho_guest::transformer::Guest for Component {
            fn init() -> Result<(), nepho_guest::transformer::ComponentError> {
                $crate::init($name)
            }

            fn handle(
                batch: nepho_guest::transformer::SampleBatch,
            ) -> Result<
                nepho_guest::transformer::SampleBatch,
                nepho_guest::transformer::ComponentError,
            > {
                $crate::handle(batch)
            }

            fn flush() -> Result<
                nepho_guest::transformer::SampleBatch,
                nepho_guest::transformer::ComponentError,
            > {
                $crate::flush()
            }
        }

        nepho_guest::export_transformer!(Component);
    };
}
