//! Ceilometer's publisher encodings, shared by the built-in `publish-*`
//! components. A publisher only encodes: it turns samples and events into
//! [`Delivery`] values that the host sends to the destination. Each scheme
//! module implements [`Encoder`].

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
