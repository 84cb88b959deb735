//! Ceilometer conformance: every case of `meter_cases.json` through the
//! built-in `meter-definitions` component, compared field by field with what
//! Ceilometer's own code produced (fixtures in tests/fixtures/ceilometer).

use std::path::{Path, PathBuf};

use nepho_runtime::bindings::SampleBatch;
use nepho_runtime::{ComponentSet, NotificationBatchBuilder};
use serde_json::Value;

use crate::support::{FAST_POLICY, Site, log_lines_with, python_equal as same};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/ceilometer")
}

/// The definitions a case runs with: a shipped file or inline YAML, and the dialect.
#[derive(Debug, Clone, PartialEq)]
enum Definitions {
    File {
        path: &'static str,
        dialect: &'static str,
    },
    Inline(String),
    /// Ceilometer's Python IPMI endpoint for one meter: the component's
    /// built-in IPMI conversion, keeping only that meter's samples.
    Ipmi(String),
}

fn definitions_of(case: &Value) -> Definitions {
    let label = case["meter_definitions"].as_str().unwrap_or_default();
    if label.starts_with("data/meters.yaml") {
        Definitions::File {
            path: "data/meters.yaml",
            dialect: "current",
        }
    } else if label.starts_with("data/meters.mitaka") {
        Definitions::File {
            path: "data/meters.mitaka-6.0.0.yaml",
            dialect: "mitaka",
        }
    } else if label.starts_with("inline") {
        Definitions::Inline(case["meter_definition_yaml_or_name"].to_string())
    } else {
        Definitions::Ipmi(
            case["meter_definition_yaml_or_name"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        )
    }
}

/// Loads a meter-definition component called `name` for `definitions`.
fn component(name: &str, definitions: &Definitions) -> (Site, ComponentSet) {
    let (path, dialect) = match definitions {
        Definitions::File { path, dialect } => (fixtures().join(path), *dialect),
        Definitions::Ipmi(_) => (fixtures().join("data/meters.yaml"), "current"),
        Definitions::Inline(_) => (PathBuf::from("inline.yaml"), "current"),
    };
    let config = format!(
        "[components.{name}]\nsource = \"builtin:meter-definitions\"\nconfig = {{ dialect = \"{dialect}\" }}\n\
         files = {{ definitions = [{:?}] }}\n",
        path.display().to_string()
    );
    let site = Site::new_deferred(&config, FAST_POLICY);
    if let Definitions::Inline(text) = definitions {
        site.install("inline.yaml", text.as_bytes());
    }
    let set = site.start();
    (site, set)
}

fn notification_of(case: &Value) -> String {
    match &case["notification_inline"] {
        Value::Null => {
            let file = case["notification_file"].as_str().unwrap_or_default();
            std::fs::read_to_string(fixtures().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
        }
        inline => inline.to_string(),
    }
}

/// Ceilometer's sample dicts, with a missing resource id as null (the
/// contract carries it as an empty string).
fn as_dicts(batch: &SampleBatch) -> Vec<Value> {
    let mut dicts = batch.to_sample_dicts();
    for dict in &mut dicts {
        if dict["resource_id"] == "" {
            dict["resource_id"] = Value::Null;
        }
    }
    dicts
}

fn expected_of(case: &Value) -> Vec<Value> {
    case["expected_samples"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| {
            s.get("dropped_by_pipeline")
                .is_none_or(|d| d.as_bool() != Some(true))
        })
        .map(|s| {
            let mut s = s.clone();
            if let Some(map) = s.as_object_mut() {
                map.retain(|k, _| {
                    [
                        "name",
                        "type",
                        "unit",
                        "volume",
                        "resource_id",
                        "project_id",
                        "user_id",
                        "timestamp",
                        "resource_metadata",
                    ]
                    .contains(&k.as_str())
                });
            }
            s
        })
        .collect()
}

/// Runs one case; returns a description of every difference.
fn check(
    index: usize,
    case: &Value,
    set: &ComponentSet,
    name: &str,
    only: Option<&str>,
) -> Vec<String> {
    let body = notification_of(case);
    let parsed: Value = serde_json::from_str(&body).expect("fixture is JSON");
    let mut batch = NotificationBatchBuilder::default();
    let event_type = case["event_type"].as_str().unwrap_or_default();
    let priority = parsed
        .get("priority")
        .and_then(Value::as_str)
        .unwrap_or("info");
    batch.push(event_type, &priority.to_ascii_lowercase(), &body);
    let label = format!(
        "case {index} ({})",
        case["notification_file"].as_str().unwrap_or("inline")
    );
    let produced = match set.convert_meters(name, &batch.finish()) {
        Ok(samples) => as_dicts(&samples)
            .into_iter()
            .filter(|s| only.is_none_or(|meter| s["name"] == meter))
            .collect::<Vec<_>>(),
        Err(error) => return vec![format!("{label}: {error}")],
    };
    let expected = expected_of(case);
    let mut problems = Vec::new();
    if produced.len() != expected.len() {
        problems.push(format!(
            "{label}: {} samples, expected {}:\n  got      {:?}\n  expected {:?}",
            produced.len(),
            expected.len(),
            produced.iter().map(|s| &s["name"]).collect::<Vec<_>>(),
            expected.iter().map(|s| &s["name"]).collect::<Vec<_>>()
        ));
        return problems;
    }
    for (got, want) in produced.iter().zip(&expected) {
        if let Some(fields) = want.as_object() {
            for (field, value) in fields {
                if !same(&got[field], value) {
                    problems.push(format!(
                        "{label}: {} {field}: got {} expected {value}",
                        want["name"], got[field]
                    ));
                }
            }
        }
    }
    for warning in case["warnings"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(case["load_errors"].as_array().into_iter().flatten())
    {
        let warning = warning.as_str().unwrap_or_default();
        let logged = log_lines_with(&format!("component=\"{name}\""));
        if !logged.iter().any(|line| line.contains(warning)) {
            problems.push(format!("{label}: warning not logged: {warning}"));
        }
    }
    problems
}

#[test]
fn every_meter_case_of_ceilometer_converts_identically() {
    let cases: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join("meter_cases.json")).expect("cases"),
    )
    .expect("JSON");
    assert_eq!(cases.len(), 288);
    let shared: Vec<(Definitions, &str)> = vec![
        (definitions_of(&cases[0]), "meters-current"),
        (
            Definitions::File {
                path: "data/meters.mitaka-6.0.0.yaml",
                dialect: "mitaka",
            },
            "meters-mitaka",
        ),
    ];
    let loaded: Vec<(Definitions, &str, (Site, ComponentSet))> = shared
        .into_iter()
        .map(|(d, n)| {
            let c = component(n, &d);
            (d, n, c)
        })
        .collect();
    let mut problems = Vec::new();
    let mut checked = 0;
    for (index, case) in cases.iter().enumerate() {
        let definitions = definitions_of(case);
        let only = match &definitions {
            Definitions::Ipmi(meter) => Some(meter.as_str()),
            _ => None,
        };
        let shared_definitions = match &definitions {
            Definitions::Ipmi(_) => definitions_of(&cases[0]),
            other => other.clone(),
        };
        let has_messages = case["warnings"].as_array().is_some_and(|w| !w.is_empty())
            || case["load_errors"]
                .as_array()
                .is_some_and(|w| !w.is_empty());
        let found = loaded
            .iter()
            .find(|(d, _, _)| *d == shared_definitions && !has_messages);
        problems.extend(match found {
            Some((_, name, (_, set))) => check(index, case, set, name, only),
            None => {
                let name = format!("meters-case-{index}");
                let (_site, set) = component(&name, &definitions);
                check(index, case, &set, &name, only)
            }
        });
        checked += 1;
    }
    assert!(
        problems.is_empty(),
        "{} differences over {checked} cases:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert_eq!(checked, 288);
}
