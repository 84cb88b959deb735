//! Ceilometer conformance: every case of `event_cases.json` through the
//! built-in `event-definitions` component with Ceilometer's packaged
//! `event_definitions.yaml` (embedded in the component).

use std::path::{Path, PathBuf};

use nepho_runtime::NotificationBatchBuilder;
use serde_json::Value;

use crate::support::{FAST_POLICY, Site, log_lines_with, python_equal as same};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/ceilometer")
}

fn sorted_traits(event: &Value) -> Value {
    let mut event = event.clone();
    if let Some(Value::Array(traits)) = event.get_mut("traits") {
        traits.sort_by(|a, b| a[0].as_str().cmp(&b[0].as_str()));
    }
    event
}

#[test]
fn every_event_case_of_ceilometer_converts_identically() {
    let cases: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join("event_cases.json")).expect("cases"),
    )
    .expect("JSON");
    assert_eq!(cases.len(), 120);
    let site = Site::new(
        "[components.events-conformance]\nsource = \"builtin:event-definitions\"\n",
        FAST_POLICY,
    );
    let set = site.start();
    let mut problems = Vec::new();
    for (index, case) in cases.iter().enumerate() {
        let file = case["notification_file"].as_str().unwrap_or_default();
        let body = std::fs::read_to_string(fixtures().join(file)).expect("notification");
        let parsed: Value = serde_json::from_str(&body).expect("JSON");
        let mut batch = NotificationBatchBuilder::default();
        batch.push(
            parsed["event_type"].as_str().unwrap_or_default(),
            case["priority"].as_str().unwrap_or("info"),
            &body,
        );
        let events = match set.convert_events("events-conformance", &batch.finish()) {
            Ok(events) => events.to_serialized(),
            Err(error) => {
                problems.push(format!("case {index} ({file}): {error}"));
                continue;
            }
        };
        match (&case["expected_event"], events.as_slice()) {
            (Value::Null, []) => {
                let id = parsed
                    .pointer("/metadata/message_id")
                    .or_else(|| parsed.get("message_id"));
                let id = id.and_then(Value::as_str).unwrap_or_default();
                if !log_lines_with(&format!("Skipping notification {id}"))
                    .iter()
                    .any(|l| l.contains("events-conformance"))
                {
                    problems.push(format!("case {index} ({file}): dropped without a log line"));
                }
            }
            (Value::Null, got) => problems.push(format!(
                "case {index} ({file}): expected an error, got {got:?}"
            )),
            (expected, [got]) => {
                if !same(&sorted_traits(got), &sorted_traits(expected)) {
                    problems.push(format!(
                        "case {index} ({file}):\n  got      {got}\n  expected {expected}"
                    ));
                }
            }
            (_, got) => problems.push(format!("case {index} ({file}): {} events", got.len())),
        }
    }
    assert!(
        problems.is_empty(),
        "{} differences:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
