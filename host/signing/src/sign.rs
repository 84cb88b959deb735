//! Computing, verifying and attaching signatures.

use core::fmt;

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

use crate::ct::constant_time_eq;
use crate::flatten::visit_pairs;

/// The key under which a message carries its signature.
pub const SIGNATURE_KEY: &str = "message_signature";

/// Ceilometer's signature of `message` under `secret`: the lowercase hex
/// HMAC-SHA256 over [`crate::hmac_input_pairs`], name then value, as UTF-8.
///
/// An empty secret means "signing disabled" and gives `""`. Any existing
/// `message_signature` is ignored. A message that is not a JSON object is
/// signed as if it had no pairs.
pub fn compute_signature(message: &Value, secret: &str) -> String {
    if secret.is_empty() {
        return String::new();
    }
    mac_hex(message, secret).unwrap_or_default()
}

/// Whether `message` carries the signature [`compute_signature`] gives it
/// under `secret`, compared in constant time.
///
/// As in Ceilometer: an empty secret accepts every message; a missing
/// `message_signature` counts as `""` and so never matches; the comparison
/// is of the hex text, so an upper-case signature does not match. Where
/// Ceilometer would raise instead of answering (the signature is not a
/// string, or not ASCII; the message is not an object) this answers `false`.
pub fn verify_signature(message: &Value, secret: &str) -> bool {
    if secret.is_empty() {
        return true;
    }
    let Value::Object(map) = message else {
        return false;
    };
    let claimed = match map.get(SIGNATURE_KEY) {
        None => "",
        Some(Value::String(s)) if s.is_ascii() => s.as_str(),
        Some(_) => return false,
    };
    match mac_hex(message, secret) {
        Some(expected) => constant_time_eq(expected.as_bytes(), claimed.as_bytes()),
        None => false,
    }
}

/// Sets `message_signature` on `message` to [`compute_signature`] of the
/// rest of it, replacing any signature already there (Ceilometer's
/// `meter_message_from_counter` / `message_from_event`). With an empty
/// secret the signature is `""`, as upstream.
///
/// # Errors
///
/// [`NotAnObject`] if `message` is not a JSON object; it is left unchanged.
pub fn sign_message(message: &mut Value, secret: &str) -> Result<(), NotAnObject> {
    let signature = compute_signature(message, secret);
    match message {
        Value::Object(map) => {
            map.insert(SIGNATURE_KEY.to_owned(), Value::String(signature));
            Ok(())
        }
        _ => Err(NotAnObject),
    }
}

/// The message to sign was not a JSON object, so it has nowhere to carry a
/// `message_signature`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotAnObject;

impl fmt::Display for NotAnObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("only a JSON object can carry a message_signature")
    }
}

impl std::error::Error for NotAnObject {}

/// The hex HMAC; `None` only if the HMAC could not be keyed, which for
/// HMAC (any key length is valid) does not happen.
fn mac_hex(message: &Value, secret: &str) -> Option<String> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).ok()?;
    visit_pairs(message, &mut |name, value| {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    });
    let digest = mac.finalize().into_bytes();
    let mut hex = String::with_capacity(digest.len() * 2);
    for byte in digest {
        hex.push(char::from(HEX[usize::from(byte >> 4)]));
        hex.push(char::from(HEX[usize::from(byte & 0xf)]));
    }
    Some(hex)
}
