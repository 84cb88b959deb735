//! Ceilometer's publisher encodings, shared by the built-in `publish-*`
//! components. A publisher only encodes: it turns samples and events into
//! [`Delivery`] values that the host sends to the destination.

mod delivery;
pub mod model;
pub mod msgpack;
pub mod pyjson;
pub mod pytime;
pub mod url;

pub use delivery::{Delivery, Output, PublishError};
pub use model::{Event, MeterType, Sample, Trait, TraitValue};
