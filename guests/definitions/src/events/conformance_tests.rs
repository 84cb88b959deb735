//! Ceilometer's event conversion on its own fixtures: every case of
//! `tests/fixtures/ceilometer/event_cases.json` (`event_definitions.yaml`
//! applied to the upstream test notifications), every mismatch reported.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{EventDefinitions, EventOptions};
use crate::source::DefinitionFile;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/ceilometer")
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn definitions() -> EventDefinitions {
    let path = fixtures().join("data/event_definitions.yaml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let file = DefinitionFile {
        name: "event_definitions.yaml".into(),
        text,
    };
    let (definitions, warnings) = EventDefinitions::load(&[file], &EventOptions::default());
    assert!(
        warnings.is_empty(),
        "loading the shipped definitions: {warnings:#?}"
    );
    assert_eq!(
        definitions.len(),
        48,
        "47 definitions and the implicit catch-all"
    );
    definitions
}

/// The traits sorted by name, as the case file lists them.
fn sorted_traits(traits: &Value) -> Vec<Value> {
    let mut traits = traits.as_array().cloned().unwrap_or_default();
    traits.sort_by(|a, b| a[0].as_str().cmp(&b[0].as_str()));
    traits
}

/// Compares one case; `None` when it passes.
fn check(definitions: &EventDefinitions, case: &Value) -> Option<String> {
    let file = case["notification_file"].as_str()?;
    let notification = read_json(&fixtures().join(file));
    let priority = case["priority"].as_str();
    let expected_definition: Option<Vec<String>> =
        serde_json::from_value(case["matched_definition_event_type"].clone()).ok();
    let event_type = notification["event_type"].as_str().unwrap_or_default();
    let matched = definitions
        .definition_for(event_type)
        .map(|d| d.event_types.clone());
    let mut problems = Vec::new();
    if expected_definition.is_some() && matched != expected_definition {
        problems.push(format!(
            "matched definition {matched:?}, expected {expected_definition:?}"
        ));
    }
    let result = definitions.convert(&notification, priority);
    match (&case["expected_event"], result) {
        (Value::Null, Err(_)) => {}
        (Value::Null, Ok(event)) => problems.push(format!(
            "expected an error ({}), got {event:?}",
            case["error"]
        )),
        (_, Err(error)) => problems.push(format!("unexpected error: {error}")),
        (_, Ok(None)) => problems.push("no event".into()),
        (expected, Ok(Some(event))) => {
            let actual = event.serialize();
            for key in ["message_id", "event_type", "generated", "raw"] {
                if actual[key] != expected[key] {
                    problems.push(format!(
                        "{key}: got {}, expected {}",
                        actual[key], expected[key]
                    ));
                }
            }
            let (got, want) = (
                sorted_traits(&actual["traits"]),
                sorted_traits(&expected["traits"]),
            );
            for trait_ in &got {
                if !want.contains(trait_) {
                    problems.push(format!("unexpected trait {trait_}"));
                }
            }
            for trait_ in &want {
                if !got.contains(trait_) {
                    problems.push(format!("missing trait {trait_}"));
                }
            }
        }
    }
    (!problems.is_empty()).then(|| format!("{file}:\n    {}", problems.join("\n    ")))
}

#[test]
fn every_ceilometer_event_case_converts_the_same() {
    let definitions = definitions();
    let cases = read_json(&fixtures().join("event_cases.json"));
    let cases = cases.as_array().expect("a list of cases");
    assert_eq!(cases.len(), 120);
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| check(&definitions, case))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} event cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn traits_come_in_ceilometers_order() {
    let definitions = definitions();
    let notification =
        read_json(&fixtures().join("notifications/compute__INSTANCE_CREATE_END.json"));
    let event = definitions
        .convert(&notification, Some("info"))
        .unwrap()
        .unwrap();
    let names: Vec<&str> = event.traits.iter().map(|t| t.name.as_str()).collect();
    // The default traits, then `*instance_traits` merged first, then the definition's own.
    let expected = [
        "service",
        "request_id",
        "project_id",
        "user_id",
        "tenant_id",
        "instance_id",
        "display_name",
        "resource_id",
        "host",
        "memory_mb",
        "disk_gb",
        "root_gb",
        "ephemeral_gb",
        "vcpus",
        "instance_type_id",
        "instance_type",
        "state",
        "launched_at",
        "availability_zone",
    ];
    assert_eq!(names, expected);
}

#[test]
fn legacy_envelopes_convert_like_their_current_form() {
    let definitions = definitions();
    let legacy_dir = fixtures().join("notifications/legacy");
    let mut compared = 0;
    for entry in std::fs::read_dir(&legacy_dir).expect("the legacy notifications") {
        let path = entry.expect("a directory entry").path();
        let current_path = fixtures()
            .join("notifications")
            .join(path.file_name().expect("a file name"));
        if !current_path.exists() {
            continue;
        }
        let legacy = definitions.convert(&read_json(&path), None);
        let current = definitions.convert(&read_json(&current_path), Some("info"));
        assert_eq!(legacy.is_ok(), current.is_ok(), "{}", path.display());
        assert_eq!(legacy.ok(), current.ok(), "{}", path.display());
        compared += 1;
    }
    assert_eq!(compared, 115);
}
