//! The key the writers' id cache knows a sample's resource row by.
//!
//! The key is the first 128 bits of SHA-256 over an unambiguous encoding of
//! the resource id, user, project, source and the metadata exactly as given
//! (object keys in the order they come: no sorting, no JSON text). Equal
//! keys mean the same resource row. The same metadata with its keys in
//! another order gets another key, which only costs a second cache entry
//! for the same row: the row itself is found by its canonical key
//! ([`crate::metadata::resource_key`]), computed only when the cache misses.

use serde_json::Value as Json;
use sha2::{Digest, Sha256};

use crate::model::StoredSample;

/// The cache key of `sample`'s resource row (with `meta` its metadata,
/// `null` already taken as `{}`). `scratch` is reused between calls.
pub(crate) fn cache_key(sample: &StoredSample, meta: &Json, scratch: &mut Vec<u8>) -> u128 {
    scratch.clear();
    text(scratch, Some(&sample.resource_id));
    text(scratch, sample.user_id.as_deref());
    text(scratch, sample.project_id.as_deref());
    text(scratch, Some(&sample.source));
    walk(meta, scratch);
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

fn len(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&(n as u64).to_le_bytes());
}

fn text(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => {
            out.push(b's');
            len(out, s.len());
            out.extend_from_slice(s.as_bytes());
        }
        None => out.push(b'-'),
    }
}

fn walk(v: &Json, out: &mut Vec<u8>) {
    match v {
        Json::Null => out.push(b'n'),
        Json::Bool(false) => out.push(b'f'),
        Json::Bool(true) => out.push(b't'),
        Json::Number(n) => {
            if let Some(i) = n.as_i64() {
                out.push(b'i');
                out.extend_from_slice(&i.to_le_bytes());
            } else if let Some(u) = n.as_u64() {
                out.push(b'u');
                out.extend_from_slice(&u.to_le_bytes());
            } else {
                out.push(b'd');
                out.extend_from_slice(&n.as_f64().unwrap_or(f64::NAN).to_bits().to_le_bytes());
            }
        }
        Json::String(s) => text(out, Some(s)),
        Json::Array(items) => {
            out.push(b'a');
            len(out, items.len());
            for item in items {
                walk(item, out);
            }
        }
        Json::Object(map) => {
            out.push(b'o');
            len(out, map.len());
            for (k, item) in map {
                text(out, Some(k));
                walk(item, out);
            }
        }
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
            resource_metadata: meta,
            source: "openstack".into(),
            message_id: "m".into(),
            message_signature: None,
            recorded_at: None,
            monotonic_time: None,
        }
    }

    fn key(s: &StoredSample) -> u128 {
        cache_key(s, &s.resource_metadata, &mut Vec::new())
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
        ] {
            assert_ne!(key(&other), base, "{other:?}");
        }
        assert_eq!(key(&sample("r", Some("u"), json!({"a": 1}))), base);
        // Concatenations that would collide without lengths.
        assert_ne!(
            key(&sample("r", Some("u"), json!({"ab": "c"}))),
            key(&sample("r", Some("u"), json!({"a": "bc"})))
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
