//! Every jsonpath expression of the Ceilometer fixtures (`meters.yaml`,
//! `meters.mitaka-6.0.0.yaml`, `meters.rocky-11.0.0.yaml`,
//! `event_definitions.yaml`, the inline definitions of `meter_cases.json`,
//! the built-in fallbacks), checked against what the real Python libraries
//! (jsonpath-rw 1.4.0 + jsonpath-rw-ext 1.2.2) produced:
//! `data/corpus_trees.json` holds upstream's parse tree of each expression,
//! `data/corpus_results.json` its `find` on every notification fixture
//! (`[[str(full_path), value], ...]`, or `"ERR"` when it raised; absent
//! when empty). Regenerate with `tools/differential/` (see its README).

use std::collections::BTreeMap;
use std::path::PathBuf;

use nepho_jsonpath::JsonPath;
use serde_json::{Value, json};

fn data(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json")
}

fn expressions() -> Vec<(String, String)> {
    serde_json::from_value(data("corpus_trees.json")["trees"].clone()).expect("trees")
}

#[test]
fn every_corpus_expression_parses_as_upstream() {
    let cases = expressions();
    assert!(cases.len() > 400, "{} expressions", cases.len());
    for (expression, tree) in &cases {
        let parsed = JsonPath::parse(expression).unwrap_or_else(|e| panic!("{expression}: {e}"));
        assert_eq!(&parsed.debug_tree(), tree, "{expression}");
    }
}

#[test]
fn every_corpus_expression_finds_as_upstream_on_every_notification() {
    let results: BTreeMap<String, BTreeMap<String, Value>> =
        serde_json::from_value(data("corpus_results.json")).expect("results");
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/ceilometer/notifications");
    let mut notifications = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("notifications") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "json") {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_string();
            let text = std::fs::read_to_string(&path).expect("read");
            if let Ok(doc) = serde_json::from_str::<Value>(&text) {
                notifications.push((name, doc));
            }
        }
    }
    assert!(notifications.len() > 100);
    let (mut compared, mut non_empty) = (0, 0);
    for (expression, _) in expressions() {
        let path = JsonPath::parse(&expression).expect("parses");
        for (name, doc) in &notifications {
            let expected = results
                .get(&expression)
                .and_then(|r| r.get(name))
                .cloned()
                .unwrap_or(json!([]));
            let found = match path.try_find(doc) {
                Ok(found) => Value::Array(
                    found
                        .into_iter()
                        .map(|m| json!([m.path, m.value.into_owned()]))
                        .collect(),
                ),
                Err(_) => json!("ERR"),
            };
            assert_eq!(found, expected, "{expression} on {name}");
            compared += 1;
            non_empty += usize::from(expected != json!([]));
        }
    }
    assert!(
        compared > 50_000 && non_empty > 2_000,
        "{compared} compared, {non_empty} non-empty"
    );
}
