//! Ceilometer's message signatures, computed exactly as
//! `ceilometer/publisher/utils.py` computes them.
//!
//! A signature is the lowercase hex HMAC-SHA256, keyed with the UTF-8
//! `telemetry_secret`, over the message's flattened `(name, value)` pairs
//! (see [`hmac_input_pairs`]): for each pair the name's UTF-8 bytes and then
//! the value's UTF-8 bytes, with no separators. Values are rendered as
//! Python 3's `str()` renders them, quirks included (lists become
//! `"[b'c']"`).
//!
//! An empty secret turns signing off: [`compute_signature`] returns `""` and
//! [`verify_signature`] accepts every message.
//!
//! No function here panics, whatever the input.

mod ct;
mod flatten;
mod pyrepr;
mod sign;

pub use flatten::{SEPARATOR, hmac_input_pairs};
pub use sign::{NotAnObject, SIGNATURE_KEY, compute_signature, sign_message, verify_signature};
