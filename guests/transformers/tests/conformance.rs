//! Runs every case of `tests/fixtures/ceilometer/transformers.json` and
//! `transformers_arithmetic_parse.json` (outputs of Ceilometer 11.0.0's own code) and
//! reports every mismatch.

use std::path::PathBuf;

use nepho_transformers::arithmetic::parse_expr;
use nepho_transformers::timestamp::{parse_isotime, utcnow};
use nepho_transformers::{Chain, LogLevel, Sample};
use serde_json::Value;

fn fixture(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/ceilometer")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("fixture is JSON")
}

fn num_eq(a: &Value, b: f64) -> bool {
    a.as_f64()
        .is_some_and(|x| x == b || (x.is_nan() && b.is_nan()))
}

fn compare_sample(expected: &Value, got: &Sample) -> Vec<String> {
    let mut diffs = Vec::new();
    let got_json = serde_json::to_value(got).expect("serializable");
    let Some(obj) = expected.as_object() else {
        return vec!["expected sample is not an object".to_string()];
    };
    for (k, v) in obj {
        let ok = match k.as_str() {
            "volume" => num_eq(v, got.volume),
            "monotonic_time" => match (v.as_f64(), got.monotonic_time) {
                (None, None) => v.is_null(),
                (Some(a), Some(b)) => a == b,
                _ => false,
            },
            _ => got_json.get(k) == Some(v),
        };
        if !ok {
            diffs.push(format!(
                "field {k}: expected {v}, got {}",
                got_json.get(k).unwrap_or(&Value::Null)
            ));
        }
    }
    diffs
}

fn warning_matches(expected: &str, got: &str) -> bool {
    if let Some(p) = expected.find("(<ceilo_tx.Sample object") {
        return got.starts_with(&expected[..p]) && got.len() > p;
    }
    if let Some(p) = expected.find("%(") {
        return got.starts_with(&expected[..p]);
    }
    expected == got
}

fn run_case(case: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let mut chain = match Chain::from_config(&case["chain"]) {
        Ok(c) => c,
        Err(e) => return vec![format!("config error: {e}")],
    };
    let mut now = None;
    let mut published: Vec<Sample> = Vec::new();
    for (i, step) in case["steps"].as_array().into_iter().flatten().enumerate() {
        match step["op"].as_str() {
            Some("publish") => {
                let samples: Vec<Sample> = match serde_json::from_value(step["samples"].clone()) {
                    Ok(s) => s,
                    Err(e) => return vec![format!("step {i}: bad samples: {e}")],
                };
                published.extend(chain.publish(samples));
            }
            Some("flush") => published.extend(chain.flush_at(now.or_else(utcnow))),
            Some("set_utcnow") => {
                now = step["value"].as_str().and_then(|v| parse_isotime(v).ok());
                if now.is_none() {
                    problems.push(format!("step {i}: bad set_utcnow"));
                }
            }
            other => problems.push(format!("step {i}: unknown op {other:?}")),
        }
        if let Some(n) = step.get("published_so_far").and_then(Value::as_u64)
            && published.len() as u64 != n
        {
            problems.push(format!(
                "step {i}: published_so_far expected {n}, got {}",
                published.len()
            ));
        }
    }
    let expected = case["expected_output"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if expected.len() != published.len() {
        problems.push(format!(
            "expected {} samples, got {}: {:?}",
            expected.len(),
            published.len(),
            published
        ));
    }
    for (i, (e, g)) in expected.iter().zip(&published).enumerate() {
        for d in compare_sample(e, g) {
            problems.push(format!("output {i}: {d}"));
        }
    }
    if let Some(want) = case.get("log_warnings").and_then(Value::as_array) {
        let got: Vec<String> = chain
            .take_log()
            .into_iter()
            .filter(|r| r.level == LogLevel::Warning)
            .map(|r| r.message)
            .collect();
        let ok = want.len() == got.len()
            && want
                .iter()
                .zip(&got)
                .all(|(w, g)| warning_matches(w.as_str().unwrap_or(""), g));
        if !ok {
            problems.push(format!("warnings: expected {want:?}, got {got:?}"));
        }
    }
    problems
}

#[test]
fn ceilometer_transformer_cases() {
    let cases = fixture("transformers.json");
    let parse_cases = fixture("transformers_arithmetic_parse.json");
    let mut total = 0;
    let mut failed = Vec::new();
    for case in cases.as_array().expect("list") {
        total += 1;
        let name = case["name"].as_str().unwrap_or("?").to_string();
        let problems = run_case(case);
        if !problems.is_empty() {
            for p in &problems {
                println!("MISMATCH {name}: {p}");
            }
            failed.push(name);
        }
    }
    for case in parse_cases.as_array().expect("list") {
        total += 1;
        let expr = case["expr"].as_str().unwrap_or("");
        let parsed = parse_expr(expr);
        let mut problems = Vec::new();
        if case["escaped_expr"].as_str() != Some(parsed.escaped.as_str()) {
            problems.push(format!(
                "escaped: expected {}, got {}",
                case["escaped_expr"], parsed.escaped
            ));
        }
        let map: serde_json::Map<String, Value> = parsed
            .names
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        let want = case["name_map"].as_object().cloned().unwrap_or_default();
        let same = want.len() == map.len() && want.iter().all(|(k, v)| map.get(k) == Some(v));
        if !same {
            problems.push(format!("name_map: expected {want:?}, got {map:?}"));
        }
        if !problems.is_empty() {
            for p in &problems {
                println!("MISMATCH parse {expr}: {p}");
            }
            failed.push(format!("parse {expr}"));
        }
    }
    println!("{}/{} cases pass", total - failed.len(), total);
    assert!(failed.is_empty(), "failing cases: {failed:?}");
}
