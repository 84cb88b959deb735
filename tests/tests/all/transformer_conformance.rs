//! Ceilometer conformance for transformers as components: the cases of
//! `transformers.json` run through chains of the built-in transformer
//! components with the sink's publish and flush rules. The two cases that
//! set the clock (`set_utcnow`, aggregator retention) need a controllable
//! clock and are checked by the library's native conformance test
//! (guests/transformers/tests/conformance.rs) instead.

use std::path::Path;

use nepho_runtime::bindings::{MeterType, SampleBatch};
use nepho_runtime::{ComponentSet, OwnedSample};
use serde_json::Value;

use crate::support::{FAST_POLICY, Site, python_equal, runtime};

fn meter_type(name: &str) -> MeterType {
    match name {
        "delta" => MeterType::Delta,
        "cumulative" => MeterType::Cumulative,
        _ => MeterType::Gauge,
    }
}

fn owned(sample: &Value, index: usize) -> OwnedSample {
    let text = |key: &str| sample[key].as_str().unwrap_or_default().to_owned();
    let optional = |key: &str| sample[key].as_str().map(str::to_owned);
    OwnedSample {
        name: text("name"),
        meter_type: meter_type(sample["type"].as_str().unwrap_or("gauge")),
        unit: text("unit"),
        volume: sample["volume"].as_f64().unwrap_or(f64::NAN),
        user_id: optional("user_id"),
        project_id: optional("project_id"),
        resource_id: text("resource_id"),
        timestamp: text("timestamp"),
        resource_metadata: sample
            .get("resource_metadata")
            .map_or("{}".into(), Value::to_string),
        source: "openstack".into(),
        id: format!("input-{index}"),
        monotonic_time: sample["monotonic_time"].as_f64(),
    }
}

/// Pushes `batch` through `chain[from..]`.
fn through(
    set: &ComponentSet,
    chain: &[String],
    from: usize,
    mut batch: SampleBatch,
) -> Result<SampleBatch, String> {
    for name in &chain[from..] {
        batch = set.transform(name, &batch).map_err(|e| e.to_string())?;
    }
    Ok(batch)
}

fn run_case(index: usize, case: &Value) -> Result<Vec<Value>, String> {
    let links = case["chain"].as_array().ok_or("no chain")?;
    let mut config = String::new();
    let mut chain = Vec::new();
    for (i, link) in links.iter().enumerate() {
        let name = format!("case{index}-t{i}");
        let builtin = format!(
            "transform-{}",
            link["name"].as_str().unwrap_or_default().replace('_', "-")
        );
        config.push_str(&format!(
            "[components.{name}]\nsource = \"builtin:{builtin}\"\n"
        ));
        chain.push(name);
    }
    let site = Site::new(&config, FAST_POLICY);
    let mut plan = site.plan();
    for spec in &mut plan.components {
        let position = chain
            .iter()
            .position(|n| *n == spec.name)
            .ok_or("unknown component")?;
        spec.config
            .insert("parameters".into(), links[position]["parameters"].clone());
    }
    let set = ComponentSet::start(runtime(), plan).map_err(|e| e.to_string())?;
    let mut published = Vec::new();
    let mut input_index = 0;
    for step in case["steps"].as_array().ok_or("no steps")? {
        match step["op"].as_str() {
            Some("publish") => {
                let samples: Vec<OwnedSample> = step["samples"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|s| {
                        input_index += 1;
                        owned(s, input_index)
                    })
                    .collect();
                published.extend(SampleBatch::to_sample_dicts(&through(
                    &set,
                    &chain,
                    0,
                    SampleBatch::from_samples(&samples),
                )?));
            }
            Some("flush") => {
                for (i, name) in chain.iter().enumerate() {
                    let flushed = set.flush(name).map_err(|e| e.to_string())?;
                    published.extend(SampleBatch::to_sample_dicts(&through(
                        &set,
                        &chain,
                        i + 1,
                        flushed,
                    )?));
                }
            }
            other => return Err(format!("unsupported step {other:?}")),
        }
    }
    Ok(published)
}

#[test]
fn transformer_cases_of_ceilometer_run_identically_through_the_components() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/ceilometer/transformers.json");
    let cases: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(path).expect("cases")).expect("JSON");
    assert_eq!(cases.len(), 41);
    let mut problems = Vec::new();
    let mut checked = 0;
    let mut compared = 0;
    for (index, case) in cases.iter().enumerate() {
        if case["steps"].to_string().contains("set_utcnow") {
            continue;
        }
        checked += 1;
        let label = format!(
            "case {index} ({})",
            case["name"].as_str().unwrap_or_default()
        );
        let produced = match run_case(index, case) {
            Ok(produced) => produced,
            Err(error) => {
                problems.push(format!("{label}: {error}"));
                continue;
            }
        };
        let expected = case["expected_output"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if produced.len() != expected.len() {
            problems.push(format!(
                "{label}: {} samples, expected {}",
                produced.len(),
                expected.len()
            ));
            continue;
        }
        compared += produced.len();
        for (got, want) in produced.iter().zip(&expected) {
            for (field, value) in want.as_object().into_iter().flatten() {
                if !python_equal(&got[field], value) {
                    problems.push(format!(
                        "{label}: {field}: got {} expected {value}",
                        got[field]
                    ));
                }
            }
        }
    }
    assert_eq!(
        checked, 39,
        "every case without a clock step runs through the components"
    );
    assert_eq!(compared, 65, "every expected output sample was compared");
    assert!(
        problems.is_empty(),
        "{} differences:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
