//! Ceilometer's publisher encodings, shared by the built-in `publish-*`
//! components. A publisher only encodes: it turns samples and events into
//! [`Delivery`] values that the host sends to the destination.
