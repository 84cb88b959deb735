//! A sample's `resource_metadata`, parsed only when something reads it.
//!
//! Metadata is the bulk of a sample (about 1 KB for a libvirt `cpu` sample)
//! and most transformers only copy it from input to output. Keeping the JSON
//! text as it arrived, and parsing it the first time an expression or an
//! attribute policy looks inside, saves a parse and a serialisation per sample;
//! clones share the text and the parsed tree.
//!
//! A polled resource reports the same metadata cycle after cycle, so parsed
//! trees are also remembered by their text (a bounded per-thread memo): the
//! second sample of an instance with unchanged metadata costs a comparison,
//! not a parse.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// `resource_metadata`: JSON text, a parsed value, or both.
#[derive(Clone)]
pub struct Metadata(Arc<Inner>);

struct Inner {
    /// The text it arrived as, if it arrived as text.
    text: Option<Arc<str>>,
    /// The parsed value (text that is not JSON parses to `null`).
    value: OnceLock<Arc<Value>>,
}

/// How many parsed metadata texts a thread remembers before starting over.
const MEMO_CAPACITY: usize = 4096;

/// Metadata text as a memo key: hashed on its length and a few slices
/// (cheap for kilobyte texts), compared in full.
#[derive(PartialEq, Eq)]
struct MemoKey(Arc<str>);

impl Hash for MemoKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let bytes = self.0.as_bytes();
        bytes.len().hash(state);
        let edge = bytes.len().min(48);
        bytes[..edge].hash(state);
        bytes[bytes.len() - edge..].hash(state);
        let middle = bytes.len() / 2;
        bytes[middle.saturating_sub(24)..(middle + 24).min(bytes.len())].hash(state);
    }
}

thread_local! {
    static MEMO: RefCell<HashMap<MemoKey, Arc<Value>>> = RefCell::new(HashMap::new());
}

/// Parses metadata text, or finds it parsed already.
fn parse_memoized(text: &Arc<str>) -> Arc<Value> {
    // The key shares the metadata's text: a lookup copies nothing.
    let key = MemoKey(Arc::clone(text));
    if let Some(found) = MEMO.with(|memo| memo.borrow().get(&key).cloned()) {
        return found;
    }
    let value = Arc::new(serde_json::from_str(&key.0).unwrap_or(Value::Null));
    MEMO.with(|memo| {
        let mut memo = memo.borrow_mut();
        if memo.len() >= MEMO_CAPACITY {
            memo.clear();
        }
        memo.insert(key, Arc::clone(&value));
    });
    value
}

impl Metadata {
    /// Metadata from its JSON text, parsed on first use. Empty text is `{}`.
    pub fn from_json_text(text: &str) -> Metadata {
        if text.is_empty() {
            return Metadata::empty();
        }
        Metadata(Arc::new(Inner {
            text: Some(text.into()),
            value: OnceLock::new(),
        }))
    }

    /// Metadata from a value.
    pub fn from_value(value: Value) -> Metadata {
        Metadata(Arc::new(Inner {
            text: None,
            value: OnceLock::from(Arc::new(value)),
        }))
    }

    /// `{}`.
    pub fn empty() -> Metadata {
        Metadata::from_value(Value::Object(serde_json::Map::new()))
    }

    /// The value, parsing the text the first time.
    pub fn value(&self) -> &Value {
        self.0.value.get_or_init(|| match &self.0.text {
            Some(text) => parse_memoized(text),
            None => Arc::new(Value::Null),
        })
    }

    /// The JSON text: as it arrived when it arrived as text, else serialised.
    pub fn json_text(&self) -> Cow<'_, str> {
        match &self.0.text {
            Some(text) => Cow::Borrowed(text),
            None => Cow::Owned(self.value().to_string()),
        }
    }

    /// Python's truth value of the metadata, without parsing an object that
    /// arrived as text (`{` followed by anything but `}` has a key).
    pub fn is_truthy(&self) -> bool {
        if self.0.value.get().is_none()
            && let Some(text) = &self.0.text
        {
            let text = text.trim_start();
            if let Some(rest) = text.strip_prefix('{') {
                return !rest.trim_start().starts_with('}');
            }
        }
        crate::py::json_truthy(self.value())
    }
}

impl Default for Metadata {
    fn default() -> Self {
        Metadata::empty()
    }
}

impl PartialEq for Metadata {
    fn eq(&self, other: &Self) -> bool {
        self.value() == other.value()
    }
}

impl std::fmt::Debug for Metadata {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.value().fmt(f)
    }
}

impl From<Value> for Metadata {
    fn from(value: Value) -> Self {
        Metadata::from_value(value)
    }
}

impl Serialize for Metadata {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Metadata {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Value::deserialize(deserializer).map(Metadata::from_value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_is_kept_and_parsed_on_demand() {
        let text = r#"{"b": 1, "a": {"x": [1, 2]}}"#;
        let metadata = Metadata::from_json_text(text);
        assert_eq!(metadata.json_text(), text, "passed through byte for byte");
        assert_eq!(metadata.value(), &json!({"b": 1, "a": {"x": [1, 2]}}));
        assert_eq!(Metadata::from_json_text(""), Metadata::empty());
        assert_eq!(Metadata::from_json_text("not json").value(), &Value::Null);
        assert_eq!(
            Metadata::from_value(json!({"k": "v"})).json_text(),
            r#"{"k":"v"}"#
        );
    }

    #[test]
    fn truthiness_follows_python() {
        assert!(Metadata::from_json_text(r#"{"k": 1}"#).is_truthy());
        assert!(!Metadata::from_json_text(" { } ").is_truthy());
        assert!(!Metadata::from_json_text("null").is_truthy());
        assert!(!Metadata::empty().is_truthy());
        assert!(Metadata::from_value(json!([1])).is_truthy());
    }
}
