//! The flattening of a message into the `(name, value)` pairs that are
//! signed: Ceilometer's `recursive_keypairs`, with each value already
//! rendered by Python's `str()`.

use serde_json::{Map, Value};

use crate::pyrepr::push_py_str_of_non_string;
use crate::sign::SIGNATURE_KEY;

/// Separator between the names of nested dictionaries (`parent:child`).
pub const SEPARATOR: char = ':';

/// The `(name, str(value))` pairs fed to the HMAC, in the order they are fed.
///
/// Keys are sorted (by code point, as Python sorts `str`) at every level;
/// nested objects are flattened into `parent:child` names, depth first;
/// an empty nested object contributes nothing. Every other value, arrays
/// included, is one pair, rendered as Python 3's `str()` renders it after
/// Ceilometer's `decode_unicode` (so `["c"]` becomes `"[b'c']"`).
///
/// A top-level `message_signature` pair is left out, as Ceilometer skips
/// it. Only that exact flattened name is skipped: were `message_signature`
/// an object, its `message_signature:…` pairs would be signed, as upstream.
///
/// A message that is not a JSON object has no pairs (Ceilometer would
/// raise instead).
pub fn hmac_input_pairs(message: &Value) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    visit_pairs(message, &mut |name, value| {
        pairs.push((name.to_owned(), value.to_owned()));
    });
    pairs
}

/// Calls `visit(name, str(value))` for every pair [`hmac_input_pairs`]
/// gives, in the same order, without building them: names are written into
/// one reused buffer, string values are passed as they are and other values
/// rendered into a second reused buffer.
pub(crate) fn visit_pairs(message: &Value, visit: &mut dyn FnMut(&str, &str)) {
    if let Value::Object(map) = message {
        let mut name = String::with_capacity(64);
        let mut rendered = String::with_capacity(64);
        walk(map, &mut name, &mut rendered, visit);
    }
}

/// Visits the pairs of `map`; `name` holds the prefix of its keys.
fn walk(
    map: &Map<String, Value>,
    name: &mut String,
    rendered: &mut String,
    visit: &mut dyn FnMut(&str, &str),
) {
    // serde_json's map iterates in key order already; sort only if it does not
    // (its `preserve_order` feature), as Python sorts by code point.
    if map.keys().is_sorted() {
        for (key, value) in map {
            visit_entry(key, value, name, rendered, visit);
        }
    } else {
        let mut entries: Vec<(&String, &Value)> = map.iter().collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
        for (key, value) in entries {
            visit_entry(key, value, name, rendered, visit);
        }
    }
}

fn visit_entry(
    key: &str,
    value: &Value,
    name: &mut String,
    rendered: &mut String,
    visit: &mut dyn FnMut(&str, &str),
) {
    let prefix_len = name.len();
    name.push_str(key);
    match value {
        Value::Object(inner) => {
            name.push(SEPARATOR);
            walk(inner, name, rendered, visit);
        }
        // Only the top-level signature is left out.
        _ if prefix_len == 0 && key == SIGNATURE_KEY => {}
        Value::String(text) => visit(name, text),
        other => {
            rendered.clear();
            push_py_str_of_non_string(other, rendered);
            visit(name, rendered);
        }
    }
    name.truncate(prefix_len);
}

#[cfg(test)]
mod tests {
    use super::hmac_input_pairs;
    use serde_json::json;

    fn pairs(v: &serde_json::Value) -> Vec<(String, String)> {
        hmac_input_pairs(v)
    }

    fn p(n: &str, v: &str) -> (String, String) {
        (n.to_owned(), v.to_owned())
    }

    #[test]
    fn non_objects_have_no_pairs() {
        assert!(pairs(&json!([1, 2])).is_empty());
        assert!(pairs(&json!("x")).is_empty());
        assert!(pairs(&json!(null)).is_empty());
    }

    #[test]
    fn sorting_is_per_level_not_global() {
        // "a" < "a:b" at the top level, so all of "a"'s children come first.
        let m = json!({"a:b": 1, "a": {"z": 2}, "B": 3});
        assert_eq!(pairs(&m), vec![p("B", "3"), p("a:z", "2"), p("a:b", "1")]);
    }

    #[test]
    fn empty_object_contributes_nothing_empty_array_does() {
        let m = json!({"e": {}, "l": []});
        assert_eq!(pairs(&m), vec![p("l", "[]")]);
    }

    #[test]
    fn only_the_top_level_signature_is_skipped() {
        let m = json!({
            "message_signature": "abc",
            "n": {"message_signature": "x"},
        });
        assert_eq!(pairs(&m), vec![p("n:message_signature", "x")]);
        let m = json!({"message_signature": {"k": 1}});
        assert_eq!(pairs(&m), vec![p("message_signature:k", "1")]);
    }

    #[test]
    fn sorts_by_code_point() {
        let m = json!({"é": 1, "z": 2, "Z": 3, "\u{10000}": 4, "\u{ffff}": 5});
        let names: Vec<String> = pairs(&m).into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["Z", "z", "é", "\u{ffff}", "\u{10000}"]);
    }
}
