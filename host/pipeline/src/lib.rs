//! Ceilometer's `pipeline.yaml`, `event_pipeline.yaml` and `polling.yaml`:
//! parsing, validation with Ceilometer's rules and messages, and meter/event
//! name filters.
//!
//! * [`parse_pipeline`] — sample pipelines (`meters:` filters; sinks may carry
//!   Rocky-era `transformers:`; pre-Ocata `interval`/`resources`/`discovery` on
//!   sources are read and validated).
//! * [`parse_event_pipeline`] — event pipelines (`events:` filters, no transformers).
//! * [`parse_polling`] — polling sources (`interval`, `meters`, `resources`, `discovery`).
//!
//! Every problem found is returned (not only the first, unlike Ceilometer), as a
//! [`ConfigError`] displaying `file:line: message`, ordered by line. No input panics.

mod error;
mod fields;
mod filter;
mod fnmatch;
mod interval;
mod locate;
mod model;
mod pipeline;
mod polling;
mod report;
mod sink;
mod source;
mod yaml;

#[cfg(test)]
mod tests;

pub use error::ConfigError;
pub use filter::{Filter, FilterError};
pub use fnmatch::Glob;
pub use model::{
    PipelineConfig, PipelineKind, PipelineLink, PollingConfig, PollingSource, Sink, Source,
    TRANSFORMER_NAMES, TransformerSpec, pipeline_name,
};

/// Parses and validates a sample pipeline file (`pipeline.yaml`).
///
/// `file_name` is only used in error reports.
pub fn parse_pipeline(file_name: &str, text: &str) -> Result<PipelineConfig, Vec<ConfigError>> {
    pipeline::parse(file_name, text, PipelineKind::Sample, &[])
}

/// Parses a sample pipeline file in which, besides Rocky's six transformers,
/// the transformer names in `extra_transformers` (components the operator
/// configured) are known.
pub fn parse_pipeline_with(
    file_name: &str,
    text: &str,
    extra_transformers: &[String],
) -> Result<PipelineConfig, Vec<ConfigError>> {
    pipeline::parse(file_name, text, PipelineKind::Sample, extra_transformers)
}

/// Parses and validates an event pipeline file (`event_pipeline.yaml`).
///
/// `file_name` is only used in error reports.
pub fn parse_event_pipeline(
    file_name: &str,
    text: &str,
) -> Result<PipelineConfig, Vec<ConfigError>> {
    pipeline::parse(file_name, text, PipelineKind::Event, &[])
}

/// Parses and validates a polling file (`polling.yaml`).
///
/// `file_name` is only used in error reports.
pub fn parse_polling(file_name: &str, text: &str) -> Result<PollingConfig, Vec<ConfigError>> {
    polling::parse(file_name, text)
}
