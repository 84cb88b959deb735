//! Rocky's `cpu_sink` (rate_of_change: cpu → cpu_util) through the running
//! pipeline: source filter, the built-in `transform-rate-of-change`
//! component, and a `test://` publisher that keeps the batches, flushed after
//! every batch as Ceilometer flushes after every notification. The timed
//! region starts from the sample dicts' JSON text (Ceilometer's starts from
//! decoded dicts).
//!
//! Usage: `cargo bench -p nepho-tests --bench transformers -- --input SAMPLES.jsonl
//! --batches BATCHES.json [--expect CEILOMETER_OUT.jsonl] [--json-out RESULT.json]
//! [--rounds N]` (`tests/bench/run-transformers.sh` makes the input, runs
//! Ceilometer 11.1.0 on it and passes its published samples as --expect; every
//! output field but the random `id` must then be identical, volumes to the bit).

#![allow(missing_docs, reason = "a benchmark binary")]

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, bail};
use nepho_flow::{Agent, Capture, sample_from_json_text};
use nepho_policy::{ConfigSource, Plan};
use nepho_runtime::bindings::{MeterType, SampleBatch};
use nepho_runtime::{OwnedSample, Runtime, RuntimeConfig, SampleBatchBuilder};
use serde_json::Value;

const PIPELINE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/bench/ceilometer/pipelines/rate_of_change.yaml"
);

fn args() -> anyhow::Result<HashMap<String, String>> {
    let mut out = HashMap::new();
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    while let Some(key) = args.next() {
        let Some(name) = key.strip_prefix("--") else {
            bail!("unexpected argument {key}");
        };
        let value = args
            .next()
            .with_context(|| format!("{key} needs a value"))?;
        out.insert(name.to_owned(), value);
    }
    Ok(out)
}

/// The input lines, cut into the batches Ceilometer's endpoint saw.
fn batches<'a>(values: &'a [&'a str], sizes: &[usize]) -> Vec<&'a [&'a str]> {
    let mut rest = values;
    sizes
        .iter()
        .map(|&size| {
            let (batch, tail) = rest.split_at(size.min(rest.len()));
            rest = tail;
            batch
        })
        .collect()
}

/// One timed pass with a fresh agent: (seconds, published batches). Timed:
/// sample dicts become samples (Ceilometer's `TelemetryIpc.sample`; here from
/// their JSON text, so JSON decoding is included, which Ceilometer's timing
/// excludes), then go through the pipeline and are flushed.
fn pass(runtime: &Runtime, batches: &[&[&str]]) -> anyhow::Result<(f64, Vec<SampleBatch>)> {
    let config = format!("[pipeline]\nsamples = {PIPELINE:?}\n");
    let plan = Plan::resolve(
        &ConfigSource::embedded("bench.toml", &config),
        &[ConfigSource::embedded(
            "policies/default.toml",
            nepho_policy::DEFAULT_POLICY,
        )],
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let capture = Arc::new(Capture::default());
    let agent = Agent::start(runtime.clone(), plan, Arc::clone(&capture), false)?;
    let started = Instant::now();
    for values in batches {
        let mut builder = SampleBatchBuilder::default();
        for line in *values {
            builder.push(&sample_from_json_text(line, "")?);
        }
        if let Err(failures) = agent.publish_samples(&builder.finish()) {
            bail!("publishing failed: {failures:?}");
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let published = capture
        .take_sample_batches()
        .into_iter()
        .map(|(_, batch)| batch)
        .collect();
    Ok((seconds, published))
}

/// Compares our outputs with Ceilometer's, field by field (not `id`).
fn compare(ours: &[OwnedSample], expected: &[Value]) -> Vec<String> {
    let mut problems = Vec::new();
    if ours.len() != expected.len() {
        problems.push(format!(
            "{} samples published, Ceilometer published {}",
            ours.len(),
            expected.len()
        ));
    }
    for (i, (s, e)) in ours.iter().zip(expected).enumerate() {
        let kind = match s.meter_type {
            MeterType::Gauge => "gauge",
            MeterType::Delta => "delta",
            MeterType::Cumulative => "cumulative",
        };
        let metadata: Value = serde_json::from_str(&s.resource_metadata).unwrap_or(Value::Null);
        let fields = [
            ("name", s.name.as_str() == e["name"]),
            ("type", kind == e["type"]),
            ("unit", s.unit.as_str() == e["unit"]),
            (
                "volume",
                e["volume"].as_f64().map(f64::to_bits) == Some(s.volume.to_bits()),
            ),
            ("user_id", Value::from(s.user_id.clone()) == e["user_id"]),
            (
                "project_id",
                Value::from(s.project_id.clone()) == e["project_id"],
            ),
            ("resource_id", s.resource_id.as_str() == e["resource_id"]),
            ("timestamp", s.timestamp.as_str() == e["timestamp"]),
            ("resource_metadata", metadata == e["resource_metadata"]),
            ("source", s.source.as_str() == e["source"]),
        ];
        for (field, same) in fields {
            if !same && problems.len() < 10 {
                problems.push(format!(
                    "sample {i}: {field} differs: ours {s:?}, Ceilometer {e}"
                ));
            }
        }
    }
    problems
}

fn main() -> anyhow::Result<()> {
    let args = args()?;
    let input = PathBuf::from(args.get("input").context("--input SAMPLES.jsonl")?);
    let sizes: Vec<usize> = serde_json::from_str(&std::fs::read_to_string(
        args.get("batches").context("--batches BATCHES.json")?,
    )?)?;
    let rounds: usize = args.get("rounds").map_or(Ok(5), |r| r.parse())?;
    let text = std::fs::read_to_string(&input)?;
    let samples: Vec<&str> = text.lines().collect();
    let batches = batches(&samples, &sizes);
    let cache = tempfile::tempdir()?;
    let runtime = Runtime::new(RuntimeConfig {
        builtins: nepho_guest_artifacts::BUILTINS,
        cache_dir: Some(cache.path().into()),
    })?;
    let mut times = Vec::new();
    let mut published = Vec::new();
    for _ in 0..rounds.max(1) {
        let (seconds, out) = pass(&runtime, &batches)?;
        times.push(seconds);
        published = out;
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    let rate = samples.len() as f64 / median;
    let outputs: Vec<OwnedSample> = published
        .iter()
        .flat_map(SampleBatch::to_owned_samples)
        .collect();
    println!(
        "rate_of_change pipeline (sample dict JSON -> samples -> component -> test://): {} samples in {} batches, median {:.1} ms of {} rounds = {:.0} samples/s; {} published",
        samples.len(),
        batches.len(),
        median * 1e3,
        times.len(),
        rate,
        outputs.len()
    );
    let mut identical = None;
    if let Some(expect) = args.get("expect") {
        let expected: Vec<Value> = std::fs::read_to_string(expect)?
            .lines()
            .map(serde_json::from_str)
            .collect::<Result<_, _>>()?;
        let problems = compare(&outputs, &expected);
        for problem in &problems {
            eprintln!("MISMATCH {problem}");
        }
        identical = Some(problems.is_empty());
        println!(
            "outputs versus Ceilometer's {} samples: {}",
            expected.len(),
            if problems.is_empty() {
                "identical"
            } else {
                "DIFFERENT"
            }
        );
    }
    if let Some(path) = args.get("json-out") {
        let result = serde_json::json!({
            "samples_in": samples.len(), "batches": batches.len(), "samples_out": outputs.len(),
            "median_s": median, "rounds_s": times, "samples_per_s": rate, "identical": identical,
        });
        std::fs::write(path, serde_json::to_string_pretty(&result)?)?;
    }
    if identical == Some(false) {
        bail!("outputs differ from Ceilometer's");
    }
    Ok(())
}
