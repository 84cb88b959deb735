//! Ceilometer's publisher encodings, shared by the built-in `publish-*`
//! components. A publisher only encodes: it turns samples and events into
//! [`Delivery`] values that the host sends to the destination. Each scheme
//! module implements [`Encoder`] and documents its deliveries:
//!
//! | scheme | deliveries per batch | content type | headers |
//! |---|---|---|---|
//! | [`file`](mod@file) | 1 (one line per record) | `text/plain` | — |
//! | [`http`] (`https`) | 1 (`batch`, default) or 1 per record | `application/json` | — |
//! | [`udp`] | 1 per sample; events rejected | `application/msgpack` | — |
//! | [`notifier`] | 1 per notification and topic | `application/json` | `routing-key` |
//! | [`prometheus`] | 1, or 1 per resource without grouping labels; events rejected | `text/plain` | `path-suffix` |
//! | [`gnocchi`] | measures, then 1 `resource` and 1 `resource-update` per resource | `application/json` | `gnocchi-role`, `resource-type`, `resource-id` |
//!
//! Shapes follow Ceilometer master (27.0.0 and later); the contract's
//! volume is a float, so it always renders as a Python float (`1.0`).
//! With the `component` feature, `publisher_component!` makes a
//! component of an encoder.

#[cfg(feature = "component")]
pub mod component;
mod delivery;
mod encoder;
pub mod file;
pub mod gnocchi;
pub mod http;
pub mod model;
pub mod msgpack;
pub mod notifier;
pub mod prometheus;
pub mod pyjson;
pub mod pytime;
pub mod udp;
pub mod url;

#[cfg(test)]
mod fixtures;

pub use delivery::{Delivery, Output, PublishError};
pub use encoder::{DEFAULT_HOST, DEFAULT_SECRET, Encoder, Settings};
pub use model::{Event, MeterType, Sample, Trait, TraitValue};
