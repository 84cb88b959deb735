//! The cache key of a sample's resource row, remembered per thread: a
//! writer sees the same resources again and again (an instance's metadata
//! changes rarely), and comparing a sample's fields and metadata with the
//! ones keyed last time costs a fraction of walking and hashing them again
//! (`sample_key::cache_key`: SHA-256 over about 1 KB for Nova's metadata).
//!
//! A sample hits when its resource id, user, project and source are those
//! of a remembered one and its metadata is the same value exactly as
//! `cache_key` encodes it (object keys in the same order, numbers of the
//! same kind, floats to the bit), so a hit returns the key `cache_key`
//! would compute. Each thread remembers the latest metadata of at most
//! [`MEMO_MAX`] resources and starts over when full.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};

use serde_json::Value as Json;

use crate::model::StoredSample;
use crate::sample_key::cache_key;

/// Resources remembered per thread.
const MEMO_MAX: usize = 4096;

struct Remembered {
    resource_id: String,
    user_id: Option<String>,
    project_id: Option<String>,
    source: String,
    metadata: Json,
    key: u128,
}

impl Remembered {
    fn matches(&self, s: &StoredSample, meta: &Json) -> bool {
        self.resource_id == s.resource_id
            && self.user_id == s.user_id
            && self.project_id == s.project_id
            && self.source == s.source
            && same(&self.metadata, meta)
    }
}

#[derive(Default)]
struct Memo {
    by_identity: HashMap<u64, Remembered>,
    hasher: RandomState,
}

thread_local! {
    static MEMO: RefCell<Memo> = RefCell::new(Memo::default());
}

/// [`cache_key`] of `sample` (with `meta` its metadata, `null` already
/// taken as `{}`), from this thread's memo when it holds it.
pub(crate) fn key(sample: &StoredSample, meta: &Json, scratch: &mut Vec<u8>) -> u128 {
    MEMO.with(|memo| {
        let mut memo = memo.borrow_mut();
        let identity = memo.hasher.hash_one((
            &sample.resource_id,
            &sample.user_id,
            &sample.project_id,
            &sample.source,
        ));
        if let Some(r) = memo.by_identity.get(&identity)
            && r.matches(sample, meta)
        {
            return r.key;
        }
        let key = cache_key(sample, meta, scratch);
        if memo.by_identity.len() >= MEMO_MAX {
            memo.by_identity.clear();
        }
        memo.by_identity.insert(
            identity,
            Remembered {
                resource_id: sample.resource_id.clone(),
                user_id: sample.user_id.clone(),
                project_id: sample.project_id.clone(),
                source: sample.source.clone(),
                metadata: meta.clone(),
                key,
            },
        );
        key
    })
}

/// Whether `a` and `b` encode alike for `cache_key`: the same structure,
/// object keys in the same order, integers equal as integers of the same
/// sign kind, floats equal to the bit.
fn same(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Null, Json::Null) => true,
        (Json::Bool(x), Json::Bool(y)) => x == y,
        (Json::Number(x), Json::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(p), Some(q)) => p == q,
            (None, None) => match (x.as_u64(), y.as_u64()) {
                (Some(p), Some(q)) => p == q,
                (None, None) => x.as_f64().map(f64::to_bits) == y.as_f64().map(f64::to_bits),
                _ => false,
            },
            _ => false,
        },
        (Json::String(x), Json::String(y)) => x == y,
        (Json::Array(x), Json::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Json::Object(x), Json::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((kx, vx), (ky, vy))| kx == ky && same(vx, vy))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample(resource: &str, meta: Json) -> StoredSample {
        crate::sample_key::tests::sample(resource, Some("u"), meta)
    }

    #[test]
    fn remembered_keys_are_the_computed_keys() {
        // Each pair differs in a way cache_key tells apart; asked in turn
        // (so each replaces the other in the memo) and again, every answer
        // is what cache_key computes for that sample.
        let cases = [
            (json!({"a": 1, "b": 2}), json!({"b": 2, "a": 1})),
            (json!({"a": 0.0}), json!({"a": -0.0})),
            (json!({"a": 1}), json!({"a": 1.0})),
            (json!({"a": [1, 2]}), json!({"a": [1, 2, 3]})),
            (json!({"a": "x"}), json!({"a": "y"})),
            (json!({"a": null}), json!({"a": false})),
        ];
        for (first, second) in cases {
            let (p, q) = (sample("r", first), sample("r", second));
            for s in [&p, &q, &p, &q, &p] {
                let want = cache_key(s, &s.resource_metadata, &mut Vec::new());
                assert_eq!(
                    key(s, &s.resource_metadata, &mut Vec::new()),
                    want,
                    "{:?}",
                    s.resource_metadata
                );
            }
        }
        // Another resource with the same metadata: its own key.
        let (a, b) = (sample("r1", json!({})), sample("r2", json!({})));
        assert_ne!(
            key(&a, &a.resource_metadata, &mut Vec::new()),
            key(&b, &b.resource_metadata, &mut Vec::new())
        );
    }

    #[test]
    fn the_memo_starts_over_when_full() {
        for i in 0..MEMO_MAX + 10 {
            let s = sample(&format!("r{i}"), json!({"i": i}));
            key(&s, &s.resource_metadata, &mut Vec::new());
        }
        let size = MEMO.with(|m| m.borrow().by_identity.len());
        assert!(size <= MEMO_MAX, "{size}");
        let s = sample("r3", json!({"i": 3}));
        assert_eq!(
            key(&s, &s.resource_metadata, &mut Vec::new()),
            cache_key(&s, &s.resource_metadata, &mut Vec::new())
        );
    }
}
