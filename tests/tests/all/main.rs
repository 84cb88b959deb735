//! Nephometer's integration tests: one binary (one link step), with real
//! components built from `guests/` and real files on disk.

mod builtins;
mod definitions_reload;
mod event_conformance;
mod isolation;
mod meter_conformance;
mod notifications;
mod pipelines;
mod polyglot;
mod reload;
mod support;
mod transformer_conformance;
