//! Resource metadata: canonical JSON, the flattened key/value rows behind
//! metadata queries, and the key that identifies a resource row.

use serde_json::Value as Json;
use sha2::{Digest, Sha256};

/// A flattened metadata value, by the table it goes to.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Flat {
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
}

/// Ceilometer's `dict_to_keyval`: nested objects joined with `.`, list items
/// as `key[i]`; nulls are not queryable and skipped (as upstream, which
/// skips types it cannot map).
pub(crate) fn flatten(meta: &Json) -> Vec<(String, Flat)> {
    let mut out = Vec::new();
    if let Json::Object(map) = meta {
        for (k, v) in map {
            walk(k.clone(), v, &mut out);
        }
    }
    out
}

fn walk(key: String, v: &Json, out: &mut Vec<(String, Flat)>) {
    match v {
        Json::Null => {}
        Json::Bool(b) => out.push((key, Flat::Bool(*b))),
        Json::Number(n) => {
            if let Some(i) = n.as_i64() {
                out.push((key, Flat::Int(i)));
            } else if let Some(f) = n.as_f64() {
                out.push((key, Flat::Float(f)));
            }
        }
        Json::String(s) => out.push((key, Flat::Text(s.clone()))),
        Json::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(format!("{key}[{i}]"), item, out);
            }
        }
        Json::Object(map) => {
            for (k, v) in map {
                walk(format!("{key}.{k}"), v, out);
            }
        }
    }
}

/// JSON with object keys sorted at every level (whatever serde_json's
/// `preserve_order` feature says), so equal metadata hashes equally.
pub(crate) fn canonical(v: &Json) -> String {
    let mut out = Vec::with_capacity(1024);
    write_canonical(v, &mut out);
    // Only valid UTF-8 was written (serde_json output).
    String::from_utf8(out).unwrap_or_default()
}

fn write_canonical(v: &Json, out: &mut Vec<u8>) {
    match v {
        Json::Object(map) => {
            let mut entries: Vec<(&String, &Json)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            out.push(b'{');
            for (i, (k, val)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                let _ = serde_json::to_writer(&mut *out, k);
                out.push(b':');
                write_canonical(val, out);
            }
            out.push(b'}');
        }
        Json::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(item, out);
            }
            out.push(b']');
        }
        scalar => {
            let _ = serde_json::to_writer(&mut *out, scalar);
        }
    }
}

/// The key of a resource row: SHA-256 of (resource, user, project, source,
/// canonical metadata), each length-prefixed. Ceilometer keeps one resource
/// row per distinct such tuple (its `metadata_hash` plus the ids).
pub(crate) fn resource_key(
    resource_id: &str,
    user_id: Option<&str>,
    project_id: Option<&str>,
    source: &str,
    canonical_metadata: &str,
) -> String {
    let mut h = Sha256::new();
    let mut part = |tag: u8, s: Option<&str>| {
        h.update([tag]);
        match s {
            Some(s) => {
                h.update((s.len() as u64).to_le_bytes());
                h.update(s.as_bytes());
            }
            None => h.update([0xff]),
        }
    };
    part(1, Some(resource_id));
    part(2, user_id);
    part(3, project_id);
    part(4, Some(source));
    part(5, Some(canonical_metadata));
    let digest = h.finalize();
    let mut hex = String::with_capacity(64);
    for b in digest {
        hex.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
        hex.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
    }
    hex
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn flattens_as_ceilometer() {
        let mut f = flatten(&json!({
            "a": {"b": 1, "c": "x"}, "d": [true, 1.5], "n": null
        }));
        f.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            f,
            vec![
                ("a.b".into(), Flat::Int(1)),
                ("a.c".into(), Flat::Text("x".into())),
                ("d[0]".into(), Flat::Bool(true)),
                ("d[1]".into(), Flat::Float(1.5)),
            ]
        );
    }

    #[test]
    fn canonical_sorts_keys() {
        assert_eq!(
            canonical(&json!({"b": 1, "a": {"d": [1], "c": "\""}})),
            r#"{"a":{"c":"\"","d":[1]},"b":1}"#
        );
        assert_ne!(
            resource_key("r", None, Some("p"), "s", "{}"),
            resource_key("r", Some("p"), None, "s", "{}")
        );
    }
}
