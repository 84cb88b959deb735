//! Runtime benchmarks: instantiation, the cost of an empty call, and samples
//! per second through the built-in pass-through transformer with batches of
//! 1,000 realistic samples (ids, timestamps and metadata included).
//!
//! Run: `cargo bench -p nepho-runtime --bench runtime`. Each figure is the
//! median of 7 rounds on one thread; the table it prints goes into
//! docs/performance.md.

#![allow(missing_docs, reason = "a benchmark binary")]

use std::time::{Duration, Instant};

use nepho_policy::{ConfigSource, Plan};
use nepho_runtime::bindings::{MeterType, SampleBatch};
use nepho_runtime::{ComponentSet, OwnedSample, Runtime, RuntimeConfig};

const ROUNDS: usize = 7;
const BATCH: usize = 1_000;

/// A sample shaped like a libvirt `cpu` sample from Ceilometer: UUIDs,
/// an ISO timestamp and a realistic metadata object.
fn realistic_sample(i: usize) -> OwnedSample {
    OwnedSample {
        name: "cpu".into(),
        meter_type: MeterType::Cumulative,
        unit: "ns".into(),
        volume: 1.2e11 + i as f64,
        user_id: Some("2f3c2f3a1e8b4d4f9a6b0c1d2e3f4a5b".into()),
        project_id: Some(format!("8a1d0e1c2b3a49588f7e6d5c4b3a{:04}", i % 50)),
        resource_id: format!("5f3a6d2e-9c1b-4e8f-a7d6-{i:012}"),
        timestamp: "2026-11-23T07:37:28.123456+00:00".into(),
        resource_metadata: format!(
            concat!(
                r#"{{"display_name":"vm-{0}","name":"instance-{0:08x}","host":"compute-{1}","#,
                r#""instance_type":"m1.small","flavor":{{"name":"m1.small","vcpus":1,"ram":2048,"disk":20}},"#,
                r#""image_ref":"0a1b2c3d-4e5f-6789-abcd-ef0123456789","cpu_number":1,"status":"active"}}"#
            ),
            i,
            i % 16
        ),
        source: "openstack".into(),
        id: format!("6b1b6c9e-0f7a-11f1-9a8d-{i:012}"),
        monotonic_time: Some(1_000.0 + i as f64),
    }
}

/// Median over rounds of the time per operation, running `ops` operations a round.
fn median_per_op(ops: usize, mut run: impl FnMut()) -> Duration {
    run();
    let mut rounds: Vec<Duration> = (0..ROUNDS)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..ops {
                run();
            }
            start.elapsed() / ops as u32
        })
        .collect();
    rounds.sort();
    rounds[ROUNDS / 2]
}

fn main() -> anyhow::Result<()> {
    let cache = tempfile::tempdir()?;
    let new_runtime = || {
        Runtime::new(RuntimeConfig {
            builtins: nepho_guest_artifacts::BUILTINS,
            cache_dir: Some(cache.path().to_path_buf()),
        })
    };
    let runtime = new_runtime()?;
    let config = ConfigSource::embedded(
        "bench.toml",
        "[components.p]\nsource = \"builtin:transform-passthrough\"\n",
    );
    let policy = ConfigSource::embedded("policies/default.toml", nepho_policy::DEFAULT_POLICY);
    let plan = Plan::resolve(&config, &[policy]).map_err(|e| anyhow::anyhow!("{e}"))?;

    let load_started = Instant::now();
    let set = ComponentSet::start(runtime.clone(), plan.clone())?;
    let first_load = load_started.elapsed();
    let cached_started = Instant::now();
    drop(ComponentSet::start(new_runtime()?, plan)?);
    let cached_load = cached_started.elapsed();

    let component = set.get("p").ok_or_else(|| anyhow::anyhow!("not loaded"))?;
    let instantiate = median_per_op(2_000, || {
        component.instantiate_detached().expect("instantiate")
    });

    let empty = SampleBatch::empty();
    let empty_call = median_per_op(100_000, || {
        set.transform("p", &empty).expect("call");
    });

    let samples: Vec<OwnedSample> = (0..BATCH).map(realistic_sample).collect();
    let batch = SampleBatch::from_samples(&samples);
    let per_batch = median_per_op(2_000, || {
        let out = set.transform("p", &batch).expect("call");
        assert_eq!(out.samples.len(), BATCH);
    });
    let text_per_sample = batch.text.len() / BATCH;
    let rate = BATCH as f64 / per_batch.as_secs_f64();

    println!("| measurement | result |");
    println!("|---|---|");
    println!(
        "| first load of the built-in (compile + cache write + pre-link + instantiate + init) | {first_load:.2?} |"
    );
    println!(
        "| load by a new runtime from the disk cache (engine + linker + deserialize + pre-link + instantiate + init) | {cached_load:.2?} |"
    );
    println!(
        "| instantiate from InstancePre (new store + WASI context + instantiate + init) | {instantiate:.2?} |"
    );
    println!(
        "| call with an empty batch (host→guest→host, limits and output checks) | {empty_call:.2?} |"
    );
    println!(
        "| batch of {BATCH} samples ({text_per_sample} bytes of text each) through pass-through | {per_batch:.2?} |"
    );
    println!("| pass-through rate, one thread | {rate:.0} samples/s |");
    Ok(())
}
