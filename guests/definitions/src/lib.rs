//! Ceilometer's declarative definitions, as a library shared by the built-in
//! meter- and event-definition components and by native tools and benchmarks:
//! `meters.yaml` ([`meters`]) and `event_definitions.yaml`.

pub mod envelope;
pub mod events;
mod ids;
pub mod ipmi;
pub mod matching;
pub mod meters;
pub mod plugins;
pub mod source;
pub mod timeutil;

pub use ids::sample_id;
