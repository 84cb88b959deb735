//! Helpers for writing Nephometer components in Rust.
//!
//! A transformer is a type implementing [`transformer::Guest`], exported with
//! [`export_transformer!`]:
//!
//! ```ignore
//! use nepho_guest::transformer::{Guest, SampleBatch, ComponentError};
//! struct Passthrough;
//! impl Guest for Passthrough {
//!     fn init() -> Result<(), ComponentError> { Ok(()) }
//!     fn handle(batch: SampleBatch) -> Result<SampleBatch, ComponentError> { Ok(batch) }
//!     fn flush() -> Result<SampleBatch, ComponentError> { Ok(SampleBatch::default()) }
//! }
//! nepho_guest::export_transformer!(Passthrough);
//! ```
//!
//! Batches keep all their strings in one arena (see `wit/types.wit`);
//! [`BatchText`] reads spans and [`SampleBatchBuilder`] writes them.

mod arena;
pub mod event;
pub mod meter;
pub mod publisher;
pub mod transformer;

pub use arena::{BatchText, EventBatchBuilder, SampleBatchBuilder, SampleFields};
pub use event::export_event_definition;
pub use meter::export_meter_definition;
pub use publisher::export_publisher;
pub use transformer::export_transformer;
