//! The key the writers' id cache knows a sample's resource row by.
//!
//! The key is the first 128 bits of SHA-256 over an unambiguous encoding of
//! the resource id, user, project, source and the metadata's JSON text
//! exactly as given (no parsing: spacing and key order count). Equal keys
//! mean the same resource row. The same metadata written another way gets
//! another key, which only costs a second cache entry for the same row: the
//! row itself is found by its canonical key
//! ([`crate::metadata::resource_key`]), computed only when the cache misses.

use serde_json::Value as Json;
use sha2::{Digest, Sha256};

use crate::model::StoredSample;

/// The cache key of `sample`'s resource row. `scratch` is reused between
/// calls.
pub(crate) fn cache_key(sample: &StoredSample, scratch: &mut Vec<u8>) -> u128 {
    scratch.clear();
    text(scratch, Some(&sample.resource_id));
    text(scratch, sample.user_id.as_deref());
    text(scratch, sample.project_id.as_deref());
    text(scratch, Some(&sample.source));
    text(scratch, Some(sample.resource_metadata.as_json_text()));
    let digest = Sha256::digest(scratch.as_slice());
    let mut first = [0u8; 16];
    first.copy_from_slice(&digest[..16]);
    u128::from_le_bytes(first)
}

/// Whether `v` holds a NUL character anywhere (object keys included).
pub(crate) fn has_nul(v: &Json) -> bool {
    match v {
        Json::String(s) => s.contains('\0'),
        Json::Array(items) => items.iter().any(has_nul),
        Json::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
        _ => false,
    }
}

fn text(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => {
            out.push(b's');
            out.extend_from_slice(&(s.len() as u64).to_le_bytes());
            out.extend_from_slice(s.as_bytes());
        }
        None => out.push(b'-'),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    /// A sample with the fields a cache key reads (for this crate's tests).
    pub(crate) fn sample(resource: &str, user: Option<&str>, meta: Json) -> StoredSample {
        StoredSample {
            name: "cpu".into(),
            sample_type: "gauge".into(),
            unit: "%".into(),
            volume: 1.0,
            user_id: user.map(Into::into),
            project_id: None,
            resource_id: resource.into(),
            timestamp: "2026-11-23T10:00:00".into(),
            resource_metadata: meta.into(),
            source: "openstack".into(),
            message_id: "m".into(),
            message_signature: None,
            recorded_at: None,
            monotonic_time: None,
        }
    }

    fn key(s: &StoredSample) -> u128 {
        cache_key(s, &mut Vec::new())
    }

    #[test]
    fn different_rows_get_different_keys() {
        let base = key(&sample("r", Some("u"), json!({"a": 1})));
        for other in [
            sample("r", None, json!({"a": 1})),
            sample("r", Some(""), json!({"a": 1})),
            sample("ru", None, json!({"a": 1})),
            sample("r", Some("u"), json!({"a": 1.0})),
            sample("r", Some("u"), json!({"a": "1"})),
            sample("r", Some("u"), json!({"a": [1]})),
            sample("r", Some("u"), json!({"a": {"": 1}})),
            sample("r", Some("u"), json!({"a": 1, "b": null})),
            sample("r", Some("u"), json!({"a": u64::MAX})),
            sample("r", Some("u"), json!({"a": 1, "b": 2})),
        ] {
            assert_ne!(key(&other), base, "{other:?}");
        }
        assert_eq!(key(&sample("r", Some("u"), json!({"a": 1}))), base);
        // The text counts as written: spacing gives another key.
        let mut spaced = sample("r", Some("u"), json!({}));
        spaced.resource_metadata = crate::ResourceMetadata::from_json_text("{ \"a\": 1 }");
        assert_ne!(key(&spaced), base);
        // Concatenations that would collide without lengths.
        assert_ne!(
            key(&sample("ab", Some("c"), json!({}))),
            key(&sample("a", Some("bc"), json!({})))
        );
    }

    #[test]
    fn finds_nul_in_keys_and_values() {
        assert!(!has_nul(&json!({"a": ["x"]})));
        assert!(has_nul(&json!({"a": ["x\u{0}"]})));
        assert!(has_nul(&json!({"a\u{0}": 1})));
        assert!(has_nul(&json!({"a": {"b": "\u{0}"}})));
    }
}
