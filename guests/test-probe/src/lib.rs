//! Test-only transformer (never shipped) that misbehaves on request, so the
//! host's isolation can be tested against real traps, loops and abuse.
//!
//! The name of the first sample of a batch selects the behaviour:
//! - `trap`: panics, which traps the instance;
//! - `loop`: spins forever (the host's time limit must stop it);
//! - `oom`: allocates until linear memory cannot grow (the memory cap must stop it);
//! - `oversize`: returns 10,000 samples for one;
//! - `bad-span`: returns a span that points past the arena;
//! - `count`: returns one sample whose volume is the number of `handle` calls
//!   this instance has served, which shows whether state survived;
//! - `log`: logs one line through the `log` capability and echoes the batch;
//! - `hold`: keeps the batch and returns nothing; `flush` returns what is held;
//! - anything else: echoes the batch, appending the configured `tag` (a string,
//!   default empty) to every sample name.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use nepho_guest::transformer::{
    ComponentError, Guest, MeterType, Sample, SampleBatch, Span, config, log,
};
use nepho_guest::{BatchText, SampleBatchBuilder, SampleFields};

static CALLS: AtomicU64 = AtomicU64::new(0);
static HELD: Mutex<Vec<SampleBatch>> = Mutex::new(Vec::new());

struct Probe;

fn configured_tag() -> Result<String, ComponentError> {
    match config::get("tag") {
        None => Ok(String::new()),
        Some(json) => {
            let inner = json
                .strip_prefix('"')
                .and_then(|rest| rest.strip_suffix('"'));
            inner.map(str::to_owned).ok_or_else(|| {
                ComponentError::InvalidConfig(format!("tag: expected a string, got {json}"))
            })
        }
    }
}

fn spin_forever() -> ! {
    let mut x: u64 = 1;
    loop {
        x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
    }
}

fn exhaust_memory() -> SampleBatch {
    let mut hoard: Vec<Vec<u8>> = Vec::new();
    loop {
        hoard.push(vec![1u8; 1 << 20]);
        std::hint::black_box(&hoard);
    }
}

fn oversized(batch: &SampleBatch, first: &Sample) -> SampleBatch {
    let mut builder = SampleBatchBuilder::new();
    for _ in 0..10_000 {
        builder.copy_sample(batch, first);
    }
    builder.finish()
}

fn count_sample() -> SampleBatch {
    let mut builder = SampleBatchBuilder::new();
    builder.push(SampleFields {
        name: "count",
        meter_type: MeterType::Cumulative,
        unit: "call",
        volume: CALLS.load(Ordering::Relaxed) as f64,
        user_id: None,
        project_id: None,
        resource_id: "probe",
        timestamp: "2026-01-01T00:00:00",
        resource_metadata: "{}",
        source: "test",
        id: "count",
        monotonic_time: None,
    });
    builder.finish()
}

fn tagged(batch: &SampleBatch, tag: &str) -> SampleBatch {
    let mut builder = SampleBatchBuilder::new();
    for sample in &batch.samples {
        builder.copy_sample(batch, sample);
        if !tag.is_empty() {
            let name = builder.text(&format!("{}{tag}", batch.str(sample.name)));
            if let Some(last) = builder.last_mut() {
                last.name = name;
            }
        }
    }
    builder.finish()
}

impl Guest for Probe {
    fn init() -> Result<(), ComponentError> {
        configured_tag().map(|_| ())
    }

    fn handle(batch: SampleBatch) -> Result<SampleBatch, ComponentError> {
        CALLS.fetch_add(1, Ordering::Relaxed);
        let Some(first) = batch.samples.first().copied() else {
            return Ok(batch);
        };
        match batch.str(first.name) {
            "trap" => panic!("test-probe was asked to trap"),
            "loop" => spin_forever(),
            "oom" => Ok(exhaust_memory()),
            "oversize" => Ok(oversized(&batch, &first)),
            "bad-span" => {
                let mut out = batch;
                out.samples[0].name = Span {
                    start: u32::MAX - 4,
                    len: 4,
                };
                Ok(out)
            }
            "count" => Ok(count_sample()),
            "hold" => {
                HELD.lock()
                    .map_err(|_| ComponentError::Other("poisoned".into()))?
                    .push(batch);
                Ok(SampleBatch::default())
            }
            "log" => {
                log::log(log::Level::Info, "test-probe says hello");
                Ok(batch)
            }
            _ => Ok(tagged(&batch, &configured_tag()?)),
        }
    }

    fn flush() -> Result<SampleBatch, ComponentError> {
        let held = std::mem::take(
            &mut *HELD
                .lock()
                .map_err(|_| ComponentError::Other("poisoned".into()))?,
        );
        let mut builder = SampleBatchBuilder::new();
        for batch in &held {
            for sample in &batch.samples {
                builder.copy_sample(batch, sample);
            }
        }
        Ok(builder.finish())
    }
}

nepho_guest::export_transformer!(Probe);
