//! The cache key of a sample's resource row, remembered per thread: a
//! writer sees the same resources again and again (an instance's metadata
//! changes rarely), and comparing a sample's fields and metadata text with
//! the ones keyed last time costs a fraction of hashing them again
//! (`sample_key::cache_key`: SHA-256 over about 1 KB for Nova's metadata).
//!
//! A sample hits when its resource id, user, project, source and metadata
//! text are those of a remembered one, byte for byte, so a hit returns the
//! key `cache_key` would compute. Each thread remembers the latest metadata
//! of at most [`MEMO_MAX`] resources and starts over when full.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};

use crate::model::StoredSample;
use crate::sample_key::cache_key;

/// Resources remembered per thread.
const MEMO_MAX: usize = 4096;

struct Remembered {
    resource_id: String,
    user_id: Option<String>,
    project_id: Option<String>,
    source: String,
    metadata: String,
    key: u128,
}

impl Remembered {
    fn matches(&self, s: &StoredSample) -> bool {
        self.metadata == s.resource_metadata.as_json_text()
            && self.resource_id == s.resource_id
            && self.user_id == s.user_id
            && self.project_id == s.project_id
            && self.source == s.source
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

/// [`cache_key`] of `sample`, from this thread's memo when it holds it.
pub(crate) fn key(sample: &StoredSample, scratch: &mut Vec<u8>) -> u128 {
    MEMO.with(|memo| {
        let mut memo = memo.borrow_mut();
        let identity = memo.hasher.hash_one((
            &sample.resource_id,
            &sample.user_id,
            &sample.project_id,
            &sample.source,
        ));
        if let Some(r) = memo.by_identity.get(&identity)
            && r.matches(sample)
        {
            return r.key;
        }
        let key = cache_key(sample, scratch);
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
                metadata: sample.resource_metadata.as_json_text().to_owned(),
                key,
            },
        );
        key
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ResourceMetadata;
    use serde_json::json;

    fn sample(resource: &str, meta: &str) -> StoredSample {
        let mut s = crate::sample_key::tests::sample(resource, Some("u"), json!({}));
        s.resource_metadata = ResourceMetadata::from_json_text(meta);
        s
    }

    #[test]
    fn remembered_keys_are_the_computed_keys() {
        // Each pair differs in its text only; asked in turn (so each
        // replaces the other in the memo) and again, every answer is what
        // cache_key computes for that sample.
        let cases = [
            (r#"{"a": 1, "b": 2}"#, r#"{"b": 2, "a": 1}"#),
            (r#"{"a": 0.0}"#, r#"{"a": -0.0}"#),
            (r#"{"a": 1}"#, r#"{"a":1}"#),
            (r#"{"a": [1, 2]}"#, r#"{"a": [1, 2, 3]}"#),
            (r#"{"a": "x"}"#, r#"{"a": "y"}"#),
        ];
        for (first, second) in cases {
            let (p, q) = (sample("r", first), sample("r", second));
            for s in [&p, &q, &p, &q, &p] {
                let want = cache_key(s, &mut Vec::new());
                assert_eq!(key(s, &mut Vec::new()), want, "{:?}", s.resource_metadata);
            }
            assert_ne!(key(&p, &mut Vec::new()), key(&q, &mut Vec::new()));
        }
        // Another resource with the same metadata: its own key.
        let (a, b) = (sample("r1", "{}"), sample("r2", "{}"));
        assert_ne!(key(&a, &mut Vec::new()), key(&b, &mut Vec::new()));
    }

    #[test]
    fn the_memo_starts_over_when_full() {
        for i in 0..MEMO_MAX + 10 {
            let s = sample(&format!("r{i}"), &format!(r#"{{"i": {i}}}"#));
            key(&s, &mut Vec::new());
        }
        let size = MEMO.with(|m| m.borrow().by_identity.len());
        assert!(size <= MEMO_MAX, "{size}");
        let s = sample("r3", r#"{"i": 3}"#);
        assert_eq!(key(&s, &mut Vec::new()), cache_key(&s, &mut Vec::new()));
    }
}
