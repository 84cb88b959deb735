//! Storage benchmark: ingest rate (samples/s, batches through
//! `record_samples`) and statistics latency (period 300, groupby
//! resource_id) into SQLite and PostgreSQL.
//!
//! ```text
//! cargo bench -p nepho-storage --bench ingest -- [--backend sqlite|postgres|both]
//!     [--samples N] [--batch 1000] [--resources 1000] [--writers 2]
//!     [--pg postgresql://postgres@127.0.0.1:5432] [--fresh-samples] [--random-ids]
//!     [--stats all|none|full|day|project] [--raw-stats] [--asynchronous-commit]
//!     [--stats-only] [--pause S] [--collect]
//! ```
//! `--samples` samples of `cpu_util` (one per resource per minute, 974
//! bytes of Nova-like metadata fixed per resource) are written by
//! `--writers` threads in batches of `--batch`, timed; then statistics
//! (groupby resource_id; period 300 but for `total`) run three times per
//! shape:
//! - `full`: the whole time range (resources × minutes / 5 result rows);
//! - `day`: the last 24 hours of data (288 periods × resources);
//! - `project`: the last 24 hours of one project (1/20 of the resources);
//! - `total`: the whole time range without a period (one row per resource).
//!
//! On PostgreSQL the shapes run again after `ANALYZE` (what autovacuum does
//! some time after a bulk load; autovacuum may be off on a test server).
//! `--raw-stats` answers from the samples table only (no rollups), as
//! before the rollup table existed. `--asynchronous-commit` sets
//! `Options::asynchronous_commit` (PostgreSQL commits without waiting for
//! the log to reach disk; see its documentation for what that risks).
//!
//! Message ids are `{i:08x}-6b1c-11f1-9a4e-0242ac120002` for the i-th
//! sample, so they arrive in index order, as the time-first ids of
//! Ceilometer's `uuid.uuid1()` do from one host; `--random-ids` scatters
//! them over the index instead, as UUIDv4 ids (the polling agent's) do.
//!
//! By default each writer keeps its batch buffer and rewrites only the
//! per-sample fields (id, time, volume, signature), so the figures are the
//! storage's work; `--fresh-samples` builds every sample from scratch
//! (cloning its metadata, as a pipeline converting its own samples does)
//! and so adds that cost to the wall figures.
//!
//! Statistics rows are taken in batches as the storage hands them over
//! (`statistics_each`, as the API streams them); `--collect` has them
//! collected into one vector (`statistics`) instead.
//!
//! `--pause S` waits S seconds between the runs of a shape (a query after
//! a pause: the memory the last one freed has gone back to the system).
//!
//! The PostgreSQL database `nepho_bench` and the SQLite file
//! `target/nepho-bench.db` are recreated for every run, except with
//! `--stats-only`, which runs the statistics on what the last run with the
//! same `--samples` and `--resources` left there.

use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use nepho_storage::{
    BlockingStorage, Filter, Op, Options, ResourceMetadata, StoredSample, Timestamp,
};
use serde_json::json;
use sqlx::Connection;

struct Args {
    backends: Vec<String>,
    samples: usize,
    batch: usize,
    resources: usize,
    writers: usize,
    pg: String,
    fresh: bool,
    shapes: Vec<String>,
    raw_stats: bool,
    asynchronous_commit: bool,
    stats_only: bool,
    /// `--collect`: statistics collected into one vector, not taken row by row.
    collect: bool,
    /// `--pause S`: seconds between statistics runs.
    pause: Duration,
}

/// `--random-ids`: message ids scattered over the unique index.
static RANDOM_IDS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

const SHAPES: [&str; 4] = ["full", "day", "project", "total"];

fn args() -> Args {
    let mut a = Args {
        backends: vec!["sqlite".into(), "postgres".into()],
        samples: 200_000,
        batch: 1000,
        resources: 1000,
        writers: 2,
        pg: "postgresql://postgres@127.0.0.1:5432".into(),
        fresh: false,
        shapes: SHAPES.iter().map(|s| s.to_string()).collect(),
        raw_stats: false,
        asynchronous_commit: false,
        stats_only: false,
        collect: false,
        pause: Duration::ZERO,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_default();
        match flag.as_str() {
            "--backend" => {
                a.backends = match value().as_str() {
                    "both" => vec!["sqlite".into(), "postgres".into()],
                    b => vec![b.to_string()],
                }
            }
            "--samples" => a.samples = value().parse().unwrap_or(a.samples),
            "--batch" => a.batch = value().parse().unwrap_or(a.batch).max(1),
            "--resources" => a.resources = value().parse().unwrap_or(a.resources).max(1),
            "--writers" => a.writers = value().parse().unwrap_or(a.writers).max(1),
            "--pg" => a.pg = value(),
            "--fresh-samples" => a.fresh = true,
            "--collect" => a.collect = true,
            "--raw-stats" => a.raw_stats = true,
            "--asynchronous-commit" => a.asynchronous_commit = true,
            "--stats-only" => a.stats_only = true,
            "--pause" => a.pause = Duration::from_secs_f64(value().parse().unwrap_or(0.0)),
            "--random-ids" => RANDOM_IDS.store(true, Ordering::Relaxed),
            "--stats" => {
                a.shapes = match value().as_str() {
                    "all" => SHAPES.iter().map(|s| s.to_string()).collect(),
                    "none" => Vec::new(),
                    s => s.split(',').map(str::to_string).collect(),
                }
            }
            _ => {} // cargo bench passes --bench
        }
    }
    a
}

const FLAVORS: [&str; 4] = ["m1.tiny", "m1.small", "m1.medium", "m1.large"];

/// About 1 KB of Nova-like instance metadata, fixed per resource.
fn metadata(r: usize) -> serde_json::Value {
    json!({
        "display_name": format!("web-{r:05}"),
        "host": format!("compute-{:03}", r % 64),
        "instance_type": FLAVORS[r % 4],
        "instance_id": format!("00000000-0000-4000-8000-{r:012}"),
        "flavor": {"id": r % 4, "name": FLAVORS[r % 4],
                   "vcpus": 1 << (r % 4), "ram": 512 << (r % 4), "disk": 1 << (r % 4 + 3), "ephemeral": 0},
        "image": {"id": "8a4bd1c6-0b4a-4a5c-9f1e-3d5c9c1f6e2a", "name": "ubuntu-24.04-server-cloudimg-amd64"},
        "image_ref_url": "http://glance.example.org:9292/images/8a4bd1c6-0b4a-4a5c-9f1e-3d5c9c1f6e2a",
        "status": "active", "state": "running", "task_state": null, "os_type": "linux",
        "architecture": "x86_64", "memory_mb": 512 << (r % 4), "vcpus": 1 << (r % 4),
        "root_gb": 20, "ephemeral_gb": 0, "disk_gb": 20,
        "kernel_id": null, "ramdisk_id": null,
        "created_at": "2026-11-01T09:12:44Z", "launched_at": "2026-11-01T09:13:02Z",
        "availability_zone": "nova", "cell_name": "cell1",
        "user_metadata": {"role": "frontend", "team": "payments", "environment": "production",
                          "cost_center": format!("cc-{:04}", r % 97),
                          "description": "customer-facing web tier behind the public load balancer; autoscaled"},
        "reservation_id": format!("r-{r:08x}"),
        "node": format!("compute-{:03}.dc1.example.org", r % 64),
    })
}

const START: &str = "2026-11-01T00:00:00Z";

fn start_micros() -> i64 {
    Timestamp::parse(START).map_or(0, |t| t.micros())
}

/// The resource of sample `i`.
fn resource_of(i: usize, resources: usize) -> usize {
    i % resources
}

/// Sample `i`: resource `i % resources`, one sample per resource per minute.
fn sample(i: usize, resources: usize, metas: &[ResourceMetadata]) -> StoredSample {
    let r = resource_of(i, resources);
    let mut s = StoredSample {
        name: "cpu_util".into(),
        sample_type: "gauge".into(),
        unit: "%".into(),
        volume: 0.0,
        user_id: Some(format!("user-{:03}", r % 50)),
        project_id: Some(format!("project-{:03}", r % 20)),
        resource_id: format!("00000000-0000-4000-8000-{r:012}"),
        timestamp: String::new(),
        resource_metadata: metas[r].clone(),
        source: "openstack".into(),
        message_id: String::new(),
        message_signature: Some(String::new()),
        recorded_at: None,
        monotonic_time: None,
    };
    set_per_sample(&mut s, i, resources);
    s
}

/// Rewrites the fields that differ between samples of one resource.
fn set_per_sample(s: &mut StoredSample, i: usize, resources: usize) {
    let r = resource_of(i, resources);
    let minute = (i / resources) as i64;
    let ts = Timestamp(start_micros() + minute * 60_000_000 + r as i64 * 1000);
    s.volume = (i % 1000) as f64 / 10.0;
    s.timestamp.clear();
    let _ = write!(s.timestamp, "{ts}");
    s.message_id.clear();
    if RANDOM_IDS.load(Ordering::Relaxed) {
        // Two rounds of splitmix64 over the index: distinct, unordered.
        let (a, b) = (splitmix(i as u64), splitmix(!(i as u64)));
        let _ = write!(
            s.message_id,
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            b >> 52,
            b & 0xffff_ffff_ffff
        );
    } else {
        let _ = write!(s.message_id, "{i:08x}-6b1c-11f1-9a4e-0242ac120002");
    }
    let sig = s.message_signature.get_or_insert_with(String::new);
    sig.clear();
    let _ = write!(sig, "{i:064x}");
}

/// splitmix64's output function: a bijection of u64.
fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Fills `buf` with samples `range`, reusing what it holds when the
/// resource at a position is the same (unless `fresh`).
fn fill(
    buf: &mut Vec<StoredSample>,
    range: std::ops::Range<usize>,
    resources: usize,
    metas: &[ResourceMetadata],
    fresh: bool,
) {
    if fresh {
        buf.clear();
    }
    buf.truncate(range.len());
    for (k, i) in range.enumerate() {
        let r = resource_of(i, resources);
        match buf.get_mut(k) {
            Some(s) if s.resource_id.ends_with(&format!("{r:012}")) => {
                set_per_sample(s, i, resources)
            }
            Some(s) => *s = sample(i, resources, metas),
            None => buf.push(sample(i, resources, metas)),
        }
    }
}

fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(f)
}

fn admin(server: &str, statement: &str) {
    block_on(async {
        let mut c = sqlx::PgConnection::connect(&format!("{server}/postgres"))
            .await
            .expect("PostgreSQL reachable");
        sqlx::query(statement)
            .execute(&mut c)
            .await
            .expect(statement);
        let _ = c.close().await;
    });
}

/// CPU time (user + system) of this process so far, from /proc (Linux).
/// CPU time of this process so far (user and system, all threads).
#[allow(unsafe_code)]
fn process_cpu() -> Option<Duration> {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes a whole rusage into the pointer it is given.
    let usage = unsafe {
        if libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) != 0 {
            return None;
        }
        usage.assume_init()
    };
    let micros = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
    Some(Duration::from_micros(
        micros(usage.ru_utime) + micros(usage.ru_stime),
    ))
}

/// The agent's allocator, so that figures include its large blocks.
#[global_allocator]
static ALLOC: nepho_alloc::LargeBlockAlloc = nepho_alloc::LargeBlockAlloc;

fn uptime_load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn main() {
    let a = args();
    // As JSON text, as the pipeline hands metadata to the storage.
    let metas: Vec<ResourceMetadata> = (0..a.resources).map(|r| metadata(r).into()).collect();
    let meta_len = metas[0].as_json_text().len();
    println!(
        "samples {} in batches of {}, {} resources, metadata {} bytes, {} writer(s), {} samples{}; huge pages {}; load average {}",
        a.samples,
        a.batch,
        a.resources,
        meta_len,
        a.writers,
        if a.fresh { "fresh" } else { "reused" },
        if a.asynchronous_commit {
            ", asynchronous commit"
        } else {
            ""
        },
        nepho_alloc::huge_page_mode().unwrap_or_else(|| "unknown".into()),
        uptime_load()
    );
    for backend in &a.backends {
        let url = match backend.as_str() {
            "postgres" => {
                if !a.stats_only {
                    admin(&a.pg, "DROP DATABASE IF EXISTS nepho_bench WITH (FORCE)");
                    admin(&a.pg, "CREATE DATABASE nepho_bench");
                }
                format!("{}/nepho_bench", a.pg)
            }
            _ => {
                let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("../../target/nepho-bench.db");
                if !a.stats_only {
                    for suffix in ["", "-wal", "-shm"] {
                        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                    }
                }
                nepho_storage::sqlite_url(&path)
            }
        };
        let options = Options {
            rollup_statistics: !a.raw_stats,
            asynchronous_commit: a.asynchronous_commit,
            ..Options::default()
        };
        let storage = BlockingStorage::open_with(&url, &options).expect("open");
        if !a.stats_only {
            ingest(&a, backend, &storage, &metas);
        }
        if a.shapes.is_empty() {
            continue;
        }
        let analyzed: &[bool] = if backend == "postgres" {
            &[false, true]
        } else {
            &[false]
        };
        for &analyze in analyzed {
            if analyze {
                let server = format!("{}/nepho_bench", a.pg);
                block_on(async {
                    let mut c = sqlx::PgConnection::connect(&server).await.expect("connect");
                    sqlx::query("ANALYZE")
                        .execute(&mut c)
                        .await
                        .expect("analyze");
                });
                println!("{backend}: after ANALYZE");
            }
            for shape in &a.shapes {
                stats_runs(&storage, &a, backend, shape);
            }
        }
    }
}

fn ingest(a: &Args, backend: &str, storage: &BlockingStorage, metas: &[ResourceMetadata]) {
    let cpu0 = process_cpu();
    let started = Instant::now();
    let next = AtomicUsize::new(0);
    let stored = AtomicUsize::new(0);
    let batches = a.samples.div_ceil(a.batch);
    let prep_total = Mutex::new(Duration::ZERO);
    let write_total = Mutex::new(Duration::ZERO);
    std::thread::scope(|scope| {
        for _ in 0..a.writers {
            scope.spawn(|| {
                let mut my_prep = Duration::ZERO;
                let mut my_write = Duration::ZERO;
                let mut buf = Vec::with_capacity(a.batch);
                loop {
                    let b = next.fetch_add(1, Ordering::SeqCst);
                    if b >= batches {
                        break;
                    }
                    let t = Instant::now();
                    let range = b * a.batch..((b + 1) * a.batch).min(a.samples);
                    fill(&mut buf, range, a.resources, metas, a.fresh);
                    my_prep += t.elapsed();
                    let t = Instant::now();
                    let n = storage.record_samples(&buf).expect("record");
                    my_write += t.elapsed();
                    stored.fetch_add(n, Ordering::SeqCst);
                }
                *prep_total.lock().unwrap() += my_prep;
                *write_total.lock().unwrap() += my_write;
            });
        }
    });
    let elapsed = started.elapsed();
    let cpu = match (cpu0, process_cpu()) {
        (Some(a), Some(b)) => b.saturating_sub(a),
        _ => Duration::ZERO,
    };
    let stored = stored.into_inner();
    assert_eq!(stored, a.samples, "every sample stored once");
    let prep = *prep_total.lock().unwrap();
    println!(
        "{backend}: ingest {} samples in {:.2} s = {:.0} samples/s (building the batches took {:.2} s of it, summed over writers; client CPU {:.1} µs/sample; load average {})",
        stored,
        elapsed.as_secs_f64(),
        stored as f64 / elapsed.as_secs_f64(),
        prep.as_secs_f64(),
        cpu.as_secs_f64() * 1e6 / stored as f64,
        uptime_load()
    );
    let write = write_total.lock().unwrap().as_secs_f64() / a.writers as f64;
    println!(
        "{backend}: record_samples alone: {:.0} samples/s ({:.2} s in record_samples per writer)",
        stored as f64 / write,
        write
    );
}

/// The filter, period and expected sample count of a statistics shape.
fn shape_filter(a: &Args, shape: &str) -> Option<(Filter, Option<u64>, usize)> {
    let minutes = a.samples.div_ceil(a.resources) as i64;
    let start = start_micros();
    let end = start + minutes * 60_000_000;
    let day = 24 * 60 * 60_000_000i64;
    let in_range = |from: i64, to: i64| {
        // Samples of minute m are at start + m min + r ms, r < resources.
        (0..a.samples)
            .filter(|&i| {
                let t = start
                    + (i / a.resources) as i64 * 60_000_000
                    + resource_of(i, a.resources) as i64 * 1000;
                t >= from && t < to
            })
            .count()
    };
    let time = |from: i64, to: i64| {
        Filter::eq("meter", "cpu_util")
            .and(Filter::cmp("timestamp", Op::Ge, Timestamp(from)))
            .and(Filter::cmp("timestamp", Op::Lt, Timestamp(to)))
    };
    // The last whole day, aligned to the period grid of the data start.
    let day_start = (end - day).max(start);
    match shape {
        "full" => Some((time(start, end), Some(300), a.samples)),
        "total" => Some((time(start, end), None, a.samples)),
        "day" => Some((time(day_start, end), Some(300), in_range(day_start, end))),
        "project" => {
            let n = (0..a.samples)
                .filter(|&i| resource_of(i, a.resources) % 20 == 7)
                .filter(|&i| {
                    let t = start
                        + (i / a.resources) as i64 * 60_000_000
                        + resource_of(i, a.resources) as i64 * 1000;
                    t >= day_start && t < end
                })
                .count();
            Some((
                time(day_start, end).and(Filter::eq("project_id", "project-007")),
                Some(300),
                n,
            ))
        }
        _ => None,
    }
}

fn stats_runs(storage: &BlockingStorage, a: &Args, backend: &str, shape: &str) {
    let Some((filter, period, expected)) = shape_filter(a, shape) else {
        println!("unknown statistics shape {shape:?}; known: {SHAPES:?}");
        return;
    };
    for run in 1..=3 {
        if run > 1 {
            std::thread::sleep(a.pause);
        }
        let t = Instant::now();
        let cpu0 = process_cpu();
        let groupby = ["resource_id".to_string()];
        let (rows, counted) = if a.collect {
            let rows = storage
                .statistics(&filter, period, &groupby, &[])
                .expect("statistics");
            let counted: u64 = rows.iter().filter_map(|r| r.count()).sum();
            (rows.len(), counted)
        } else {
            // As the API takes them: row by row, as they are ready.
            let (mut rows, mut counted) = (0, 0);
            storage
                .statistics_each(&filter, period, &groupby, &[], |batch| {
                    rows += batch.len();
                    counted += batch.iter().filter_map(|r| r.count()).sum::<u64>();
                    Ok(())
                })
                .expect("statistics");
            (rows, counted)
        };
        let elapsed = t.elapsed();
        let cpu = match (cpu0, process_cpu()) {
            (Some(a), Some(b)) => b.saturating_sub(a).as_secs_f64(),
            _ => f64::NAN,
        };
        assert_eq!(counted as usize, expected, "{shape}: samples counted");
        println!(
            "{backend}: statistics {shape} (period {}, groupby resource_id) over {expected} of {} samples: {:.3} s ({} rows; client CPU {:.3} s) run {run}; load average {}",
            period.map_or("none".to_string(), |p| p.to_string()),
            a.samples,
            elapsed.as_secs_f64(),
            rows,
            cpu,
            uptime_load()
        );
    }
}
