//! Ceilometer 11.0.0 (Rocky) sample transformers, reimplemented:
//! `accumulator`, `aggregator`, `arithmetic`, `delta`, `rate_of_change`, `unit_conversion`.
//!
//! * [`Transformer::from_config`] builds one from its pipeline.yaml name and parameters;
//!   [`Transformer::handle_sample`] and [`Transformer::flush`] behave like Ceilometer's
//!   `handle_sample` / `flush` wrapped in the sink's error handling.
//! * [`Chain`] is a sink's transformer list with `SampleSink` publish/flush semantics.
//! * What Ceilometer logs (dropped samples, bad options, evaluation errors) is collected
//!   as [`LogRecord`]s for the caller to log.
//! * Python expressions (`target.scale`, arithmetic's `target.expr`) are evaluated by a
//!   small safe evaluator, see [`expr`].
//!
//! Known differences, all edge cases: samples built by a transformer get an empty `id`
//! (Ceilometer: a fresh uuid1); non-string `target.name/unit/type` become their Python
//! `str()`; regexes use fancy-regex syntax (close to Python `re`); non-object
//! `source`/`target`/`map_from`/`map_to` are configuration errors.

pub mod accumulator;
pub mod aggregator;
pub mod arithmetic;
mod chain;
mod conversion;
pub mod delta;
pub mod expr;
mod log;
mod mapping;
mod metadata;
mod py;
pub mod rate_of_change;
mod sample;
pub mod timestamp;
mod transformer;
pub mod unit_conversion;

pub use chain::Chain;
pub use log::{Log, LogLevel, LogRecord};
pub use metadata::Metadata;
pub use sample::{SOURCE_DEFAULT, Sample};
pub use transformer::{Kind, NAMES, Transformer};
