//! Samples per second through one transformer per language: the Python and
//! JavaScript examples built by `guests/polyglot/build.sh`, and the Rust
//! built-ins `transform-unit-conversion` (the same job, through Ceilometer's
//! transformer library) and `transform-passthrough` (the boundary alone).
//! Also the first load (compile into an empty cache) and a load from the disk
//! cache, as a restarted agent does it.
//!
//! Usage: `cargo bench -p nepho-tests --bench polyglot [-- ROUNDS [MAX_MEMORY_MIB]]`
//!
//! Components run under the shipped default policy (64 MiB), unless
//! MAX_MEMORY_MIB is given. A component that traps is reported with the
//! number of batches it had taken, and the run goes on.

#![allow(missing_docs, reason = "a benchmark binary")]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use nepho_policy::{ConfigSource, Plan};
use nepho_runtime::bindings::{MeterType, SampleBatch};
use nepho_runtime::{ComponentSet, OwnedSample, Runtime, RuntimeConfig};

const BATCH: usize = 1_000;
const PARAMETERS: &str = r#"{ target = { name = "cpu.time", unit = "µs", scale = 0.001 } }"#;
const CEILOMETER_PARAMETERS: &str =
    r#"{ target = { name = "cpu.time", unit = "µs", scale = "volume * 0.001" } }"#;

struct Subject {
    label: &'static str,
    source: String,
    parameters: Option<&'static str>,
    /// Bytes of the component, for the report.
    size: usize,
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let rounds: usize = args.first().map_or(Ok(7), |a| a.parse())?;
    let memory_mib: Option<u32> = args.get(1).map(|a| a.parse()).transpose()?;
    let dir = build()?;
    let builtin_size = |name: &str| {
        nepho_guest_artifacts::BUILTINS
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(0, |(_, b)| b.len())
    };
    let file = |name: &str| -> anyhow::Result<(String, usize)> {
        let path = dir.join(format!("{name}.wasm"));
        Ok((
            format!("file:{}", path.display()),
            std::fs::metadata(&path)?.len() as usize,
        ))
    };
    let (py, py_size) = file("python-scale")?;
    let (js, js_size) = file("js-scale")?;
    let subjects = [
        Subject {
            label: "rust transform-passthrough",
            source: "builtin:transform-passthrough".into(),
            parameters: None,
            size: builtin_size("transform-passthrough"),
        },
        Subject {
            label: "rust transform-unit-conversion",
            source: "builtin:transform-unit-conversion".into(),
            parameters: Some(CEILOMETER_PARAMETERS),
            size: builtin_size("transform-unit-conversion"),
        },
        Subject {
            label: "python python-scale",
            source: py,
            parameters: Some(PARAMETERS),
            size: py_size,
        },
        Subject {
            label: "javascript js-scale",
            source: js,
            parameters: Some(PARAMETERS),
            size: js_size,
        },
    ];
    let batch = batch();
    println!(
        "{BATCH}-sample batches ({} bytes of text), median of {rounds} rounds",
        batch.text.len()
    );
    println!(
        "{:<32} {:>9} {:>12} {:>12}  samples/s",
        "component", "MiB", "compile s", "cached s"
    );
    for subject in &subjects {
        let cache = tempfile::tempdir()?;
        let (_, compile) = start(subject, cache.path(), memory_mib)?;
        let (set, cached) = start(subject, cache.path(), memory_mib)?;
        let rate = match rate(&set, &batch, rounds) {
            Ok((rate, calls)) => format!("{rate:.0} ({calls} batches)"),
            Err(trap) => trap,
        };
        println!(
            "{:<32} {:>9.1} {:>12.2} {:>12.3}  {}",
            subject.label,
            subject.size as f64 / (1024.0 * 1024.0),
            compile.as_secs_f64(),
            cached.as_secs_f64(),
            rate
        );
    }
    Ok(())
}

/// Runs `guests/polyglot/build.sh`; returns the directory of its components.
fn build() -> anyhow::Result<PathBuf> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../guests/polyglot/build.sh");
    let output = Command::new("bash").arg(&script).output()?;
    anyhow::ensure!(
        output.status.success(),
        "{} failed:\n{}",
        script.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout)?;
    let first = stdout.lines().next().unwrap_or_default();
    Ok(Path::new(first)
        .parent()
        .ok_or_else(|| anyhow::anyhow!("build.sh printed no path"))?
        .to_owned())
}

/// A fresh runtime over `cache` with `subject` loaded, and how long loading took.
fn start(
    subject: &Subject,
    cache: &Path,
    memory_mib: Option<u32>,
) -> anyhow::Result<(ComponentSet, Duration)> {
    let runtime = Runtime::new(RuntimeConfig {
        builtins: nepho_guest_artifacts::BUILTINS,
        cache_dir: Some(cache.to_owned()),
    })?;
    let config = format!(
        "[components.subject]\nsource = {:?}\n{}",
        subject.source,
        subject.parameters.map_or(String::new(), |p| format!(
            "config = {{ parameters = {p} }}\n"
        ))
    );
    let plan = Plan::resolve(
        &ConfigSource::embedded("bench.toml", &config),
        &[ConfigSource::embedded(
            "policies/default.toml",
            &format!(
                "{}\n[components.subject]\n{}",
                nepho_policy::DEFAULT_POLICY,
                memory_mib.map_or(String::new(), |m| format!("max_memory_mib = {m}\n"))
            ),
        )],
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let started = Instant::now();
    let set = ComponentSet::start(runtime, plan)?;
    Ok((set, started.elapsed()))
}

/// The median samples/s over `rounds` rounds, each lasting about half a
/// second, and the number of batches taken; or, if the component fails, how
/// many batches it had taken.
fn rate(set: &ComponentSet, batch: &SampleBatch, rounds: usize) -> Result<(f64, usize), String> {
    let mut calls = 0;
    let mut call = || {
        let output = set
            .transform("subject", batch)
            .map_err(|e| format!("failed after {calls} batches: {e}"))?;
        calls += 1;
        Ok::<_, String>(output.samples.len())
    };
    let warm = Instant::now();
    let mut warm_calls = 0;
    while warm_calls < 3 || warm.elapsed() < Duration::from_millis(300) {
        if call()? != BATCH {
            return Err("lost samples".to_owned());
        }
        warm_calls += 1;
    }
    let per_second = warm_calls as f64 / warm.elapsed().as_secs_f64();
    let per_round = ((per_second * 0.5).ceil() as usize).max(1);
    let mut rates = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let started = Instant::now();
        for _ in 0..per_round {
            std::hint::black_box(call()?);
        }
        rates.push((per_round * BATCH) as f64 / started.elapsed().as_secs_f64());
    }
    rates.sort_by(f64::total_cmp);
    Ok((rates[rates.len() / 2], warm_calls + rounds * per_round))
}

/// Realistic, string-heavy samples, as the integration tests make them.
fn batch() -> SampleBatch {
    let samples: Vec<OwnedSample> = (0..BATCH)
        .map(|i| OwnedSample {
            name: "cpu".to_owned(),
            meter_type: MeterType::Cumulative,
            unit: "ns".to_owned(),
            volume: i as f64 * 1e9,
            user_id: Some("2f3c2f3a1e8b4d4f9a6b0c1d2e3f4a5b".to_owned()),
            project_id: Some("8a1d0e1c2b3a49588f7e6d5c4b3a2910".to_owned()),
            resource_id: format!("instance-{i:08}"),
            timestamp: "2026-11-23T07:37:28.123456+00:00".to_owned(),
            resource_metadata: r#"{"flavor":{"name":"m1.small","vcpus":1},"host":"compute-1"}"#
                .to_owned(),
            source: "openstack".to_owned(),
            id: format!("6b1b6c9e-0f7a-4c3b-9a8d-{i:012}"),
            monotonic_time: Some(i as f64 * 0.5),
        })
        .collect();
    SampleBatch::from_samples(&samples)
}
