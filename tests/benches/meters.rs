//! Notifications → samples with Ceilometer's shipped `meters.yaml`, through the
//! built-in `meter-definitions` component and through the same engine compiled
//! natively, JSON decoding included.
//!
//! Usage: `cargo bench -p nepho-tests --bench meters -- NOTIFICATIONS.jsonl METERS.yaml [VERIFY.json]`
//! (`tests/bench/run-meters.sh` generates the input, runs Ceilometer beside it
//! and passes Ceilometer's per-meter counts and volume sums as VERIFY.json,
//! which must match exactly).

#![allow(missing_docs, reason = "a benchmark binary")]

use std::collections::BTreeMap;
use std::time::Instant;

use nepho_definitions::meters::{Dialect, MeterDefinitions, python_str, volume_number};
use nepho_definitions::source::DefinitionFile;
use nepho_policy::{ConfigSource, Plan};
use nepho_runtime::{ComponentSet, NotificationBatchBuilder, Runtime, RuntimeConfig};
use serde_json::Value;

const BATCH: usize = 1_000;

#[derive(Default, PartialEq, Debug)]
struct Totals {
    samples: usize,
    count: BTreeMap<String, usize>,
    sum: BTreeMap<String, f64>,
}

impl Totals {
    fn add(&mut self, name: &str, volume: f64) {
        self.samples += 1;
        *self.count.entry(name.to_owned()).or_default() += 1;
        *self.sum.entry(name.to_owned()).or_default() += volume;
    }
}

fn through_component(lines: &[String], meters_yaml: &str) -> anyhow::Result<(f64, Totals)> {
    let cache = tempfile::tempdir()?;
    let runtime = Runtime::new(RuntimeConfig {
        builtins: nepho_guest_artifacts::BUILTINS,
        cache_dir: Some(cache.path().into()),
    })?;
    let config = format!(
        "[components.meters]\nsource = \"builtin:meter-definitions\"\nfiles = {{ definitions = [{meters_yaml:?}] }}\n"
    );
    let plan = Plan::resolve(
        &ConfigSource::embedded("bench.toml", &config),
        &[ConfigSource::embedded(
            "policies/default.toml",
            &format!(
                "{}\n[components.meters]\nmax_call_ms = 60000\n",
                nepho_policy::DEFAULT_POLICY
            ),
        )],
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let set = ComponentSet::start(runtime, plan)?;
    let mut totals = Totals::default();
    let started = Instant::now();
    for chunk in lines.chunks(BATCH) {
        let mut batch = NotificationBatchBuilder::default();
        for line in chunk {
            // The host only peeks at the event type; the component decodes the JSON.
            let event_type = peek_event_type(line);
            batch.push(event_type, "info", line);
        }
        let samples = set.convert_meters("meters", &batch.finish())?;
        for s in &samples.samples {
            totals.add(samples.str(s.name), s.volume);
        }
    }
    Ok((started.elapsed().as_secs_f64(), totals))
}

/// The event type without decoding the whole notification.
fn peek_event_type(line: &str) -> &str {
    line.split_once("\"event_type\": \"")
        .or_else(|| line.split_once("\"event_type\":\""))
        .and_then(|(_, rest)| rest.split_once('"'))
        .map_or("", |(event_type, _)| event_type)
}

fn native(lines: &[String], meters_yaml: &str) -> anyhow::Result<(f64, Totals)> {
    let file = DefinitionFile {
        name: meters_yaml.into(),
        text: std::fs::read_to_string(meters_yaml)?,
    };
    let (definitions, errors) = MeterDefinitions::load(&[file], Dialect::Current);
    anyhow::ensure!(errors.is_empty(), "definitions: {errors:?}");
    let mut totals = Totals::default();
    let mut warnings = Vec::new();
    let started = Instant::now();
    for line in lines {
        let notification: Value = serde_json::from_str(line)?;
        if let Ok(samples) = definitions.convert(&notification, &mut warnings) {
            for sample in samples {
                if let Some(volume) = volume_number(&sample.volume) {
                    totals.add(&python_str(&sample.name), volume);
                }
            }
        }
        warnings.clear();
    }
    Ok((started.elapsed().as_secs_f64(), totals))
}

fn verify(label: &str, totals: &Totals, expected: &Value) -> anyhow::Result<()> {
    anyhow::ensure!(
        expected["samples"].as_u64() == Some(totals.samples as u64),
        "{label}: {} samples, Ceilometer {}",
        totals.samples,
        expected["samples"]
    );
    for (meter, count) in expected["samples_per_meter"]
        .as_object()
        .into_iter()
        .flatten()
    {
        anyhow::ensure!(
            count.as_u64() == totals.count.get(meter).map(|c| *c as u64),
            "{label}: {meter} count {:?} vs {count}",
            totals.count.get(meter)
        );
        let want = expected["volume_sum_per_meter"][meter]
            .as_f64()
            .unwrap_or(f64::NAN);
        let got = totals.sum.get(meter).copied().unwrap_or(f64::NAN);
        anyhow::ensure!(
            (got - want).abs() <= want.abs() * 1e-12,
            "{label}: {meter} volume sum {got} vs {want}"
        );
    }
    println!(
        "{label}: per-meter counts and volume sums identical to Ceilometer's ({} meters)",
        totals.count.len()
    );
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let [input, meters_yaml, rest @ ..] = args.as_slice() else {
        anyhow::bail!("usage: meters NOTIFICATIONS.jsonl METERS.yaml [VERIFY.json]");
    };
    let lines: Vec<String> = std::fs::read_to_string(input)?
        .lines()
        .map(str::to_owned)
        .collect();
    let n = lines.len() as f64;
    let (native_s, native_totals) = native(&lines, meters_yaml)?;
    if std::env::var_os("NEPHO_BENCH_NATIVE_ONLY").is_some() {
        println!("native: {:.0} notifications/s", n / native_s);
        return Ok(());
    }
    let (component_s, component_totals) = through_component(&lines, meters_yaml)?;
    anyhow::ensure!(
        native_totals == component_totals,
        "the component and the native engine disagree"
    );
    if let Some(verify_file) = rest.first() {
        let expected: Value = serde_json::from_str(&std::fs::read_to_string(verify_file)?)?;
        verify("component", &component_totals, &expected)?;
    }
    println!(
        "notifications: {}, samples: {}",
        lines.len(),
        component_totals.samples
    );
    println!(
        "component (Wasm, batches of {BATCH}): {:.0} notifications/s ({:.3} s)",
        n / component_s,
        component_s
    );
    println!(
        "native (same engine, compiled natively): {:.0} notifications/s ({:.3} s)",
        n / native_s,
        native_s
    );
    println!(
        "Wasm boundary and sandbox cost: {:.2}x the native time",
        component_s / native_s
    );
    Ok(())
}
