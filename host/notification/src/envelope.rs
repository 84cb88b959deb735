//! The oslo.messaging envelope around a notification on the wire.
//!
//! oslo.messaging (rabbit driver) sends `{"oslo.version": "2.0", "oslo.message":
//! "<JSON text>"}`; before envelope version 2.0 the message was sent bare.
//! The message itself is the flat form Ceilometer's endpoints convert from:
//! `message_id`, `publisher_id`, `event_type`, `priority`, `payload`,
//! `timestamp` and the request context as `_context_*` keys.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::Value;

/// The envelope versions this agent reads (oslo.messaging's major version 2).
const ENVELOPE_MAJOR: &str = "2.";

/// One decoded notification.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// Its `event_type`.
    pub event_type: String,
    /// Its priority, lower case (`info`, `sample`, `error`, ...).
    pub priority: String,
    /// The message as JSON text (the content of `oslo.message`, or the bare message).
    pub body: String,
}

/// Why a message cannot be decoded; such a message is dead-lettered at once.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DecodeError {
    /// The body is not JSON.
    #[error("the body is not JSON: {0}")]
    NotJson(String),
    /// The envelope or the message is not a JSON object.
    #[error("the {0} is not a JSON object")]
    NotAnObject(&'static str),
    /// An `oslo.version` this agent does not read.
    #[error("oslo.version `{0}` is not supported (2.x is)")]
    Version(String),
    /// `oslo.message` is missing or not a string of JSON.
    #[error("oslo.message: {0}")]
    Message(String),
    /// The message has no `event_type` string.
    #[error("the notification has no `event_type` string")]
    NoEventType,
}

/// The fields read from the envelope; the rest is skipped without building
/// a document (the components parse the message themselves).
#[derive(Deserialize)]
struct Outer<'a> {
    #[serde(rename = "oslo.version")]
    version: Option<Value>,
    #[serde(rename = "oslo.message", borrow)]
    message: Option<Value2<'a>>,
    #[serde(borrow)]
    event_type: Option<Value2<'a>>,
    #[serde(borrow)]
    priority: Option<Value2<'a>>,
}

/// The fields read from the message inside the envelope.
#[derive(Deserialize)]
struct Inner<'a> {
    #[serde(borrow)]
    event_type: Option<Value2<'a>>,
    #[serde(borrow)]
    priority: Option<Value2<'a>>,
}

/// A string (borrowed when it has no escapes) or any other JSON value.
#[derive(Deserialize)]
#[serde(untagged)]
enum Value2<'a> {
    Text(#[serde(borrow)] Cow<'a, str>),
    Other(#[allow(dead_code, reason = "only its presence matters")] Value),
}

impl Value2<'_> {
    fn text(&self) -> Option<&str> {
        match self {
            Value2::Text(text) => Some(text),
            Value2::Other(_) => None,
        }
    }
}

/// Whether a parse failed on valid JSON of the wrong shape (not an object).
fn wrong_shape(error: &serde_json::Error) -> bool {
    error.classify() == serde_json::error::Category::Data
}

/// Decodes a delivery's body. `routing_priority` (the part after the last
/// `.` of the routing key) stands in for a message without `priority`.
pub fn decode(data: &[u8], routing_priority: &str) -> Result<Decoded, DecodeError> {
    let outer: Outer<'_> = serde_json::from_slice(data).map_err(|e| {
        if wrong_shape(&e) {
            DecodeError::NotAnObject("envelope")
        } else {
            DecodeError::NotJson(e.to_string())
        }
    })?;
    let (event_type, priority, body) = match &outer.version {
        Some(version) => {
            let version = version.as_str().unwrap_or_default();
            if !version.starts_with(ENVELOPE_MAJOR) && version != "2" {
                return Err(DecodeError::Version(version.to_owned()));
            }
            let text = match &outer.message {
                Some(Value2::Text(text)) => text.clone().into_owned(),
                Some(Value2::Other(_)) => {
                    return Err(DecodeError::Message("is not a string".into()));
                }
                None => return Err(DecodeError::Message("is missing".into())),
            };
            let inner: Inner<'_> = serde_json::from_str(&text).map_err(|e| {
                if wrong_shape(&e) {
                    DecodeError::NotAnObject("message")
                } else {
                    DecodeError::Message(format!("is not JSON: {e}"))
                }
            })?;
            let event_type = inner
                .event_type
                .as_ref()
                .and_then(Value2::text)
                .map(str::to_owned);
            let priority = inner
                .priority
                .as_ref()
                .and_then(Value2::text)
                .map(str::to_owned);
            (event_type, priority, text)
        }
        None => (
            outer
                .event_type
                .as_ref()
                .and_then(Value2::text)
                .map(str::to_owned),
            outer
                .priority
                .as_ref()
                .and_then(Value2::text)
                .map(str::to_owned),
            String::from_utf8_lossy(data).into_owned(),
        ),
    };
    let event_type = event_type.ok_or(DecodeError::NoEventType)?;
    let priority = priority
        .as_deref()
        .unwrap_or(routing_priority)
        .to_ascii_lowercase();
    Ok(Decoded {
        event_type,
        priority,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oslo_2_envelope_is_opened() {
        let inner = r#"{"message_id":"m1","event_type":"image.send","priority":"INFO","payload":{},"_context_user":"u"}"#;
        let outer = serde_json::json!({"oslo.version": "2.0", "oslo.message": inner});
        let d = decode(outer.to_string().as_bytes(), "info").expect("decoded");
        assert_eq!(d.event_type, "image.send");
        assert_eq!(d.priority, "info");
        assert_eq!(d.body, inner);
    }

    #[test]
    fn the_bare_older_form_is_read_and_the_routing_key_gives_a_missing_priority() {
        let bare = br#"{"message_id":"m1","event_type":"compute.instance.exists","payload":{}}"#;
        let d = decode(bare, "sample").expect("decoded");
        assert_eq!(d.event_type, "compute.instance.exists");
        assert_eq!(d.priority, "sample");
        assert_eq!(d.body.as_bytes(), bare);
    }

    #[test]
    fn bad_bodies_say_what_is_wrong() {
        let cases: [(&[u8], &str); 6] = [
            (b"not json", "the body is not JSON"),
            (b"[1]", "the envelope is not a JSON object"),
            (
                br#"{"oslo.version":"1.0","oslo.message":"{}"}"#,
                "oslo.version `1.0` is not supported",
            ),
            (
                br#"{"oslo.version":"2.0","oslo.message":"{x"}"#,
                "oslo.message: is not JSON",
            ),
            (br#"{"oslo.version":"2.0"}"#, "oslo.message: is missing"),
            (br#"{"payload":{}}"#, "no `event_type` string"),
        ];
        for (body, expected) in cases {
            let error = decode(body, "info").expect_err("refused").to_string();
            assert!(error.contains(expected), "{error} lacks {expected}");
        }
    }
}
