//! Storage benchmark: ingest rate (samples/s, batches through
//! `record_samples`) and statistics latency (period 300, groupby
//! resource_id) into SQLite and PostgreSQL.
//!
//! ```text
//! cargo bench -p nepho-storage --bench ingest -- [--backend sqlite|postgres|both]
//!     [--samples N] [--batch 1000] [--resources 1000] [--writers 1]
//!     [--pg postgresql://postgres@127.0.0.1:5432] [--keep]
//! ```
//! `--samples` are ingested, timed, then the statistics query runs over all
//! of them (3 runs, each timed). The PostgreSQL database `nepho_bench` and
//! the SQLite file `target/nepho-bench.db` are recreated for every run.

use std::time::{Duration, Instant};

use nepho_storage::{BlockingStorage, Filter, Op, StoredSample, Timestamp};
use serde_json::json;
use sqlx::Connection;

struct Args {
    backends: Vec<String>,
    samples: usize,
    batch: usize,
    resources: usize,
    writers: usize,
    pg: String,
}

fn args() -> Args {
    let mut a = Args {
        backends: vec!["sqlite".into(), "postgres".into()],
        samples: 200_000,
        batch: 1000,
        resources: 1000,
        writers: 1,
        pg: "postgresql://postgres@127.0.0.1:5432".into(),
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
            "--batch" => a.batch = value().parse().unwrap_or(a.batch),
            "--resources" => a.resources = value().parse().unwrap_or(a.resources),
            "--writers" => a.writers = value().parse().unwrap_or(a.writers).max(1),
            "--pg" => a.pg = value(),
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

/// Sample `i`: resource `i % resources`, one sample per resource per minute.
fn sample(i: usize, resources: usize, metas: &[serde_json::Value]) -> StoredSample {
    let r = i % resources;
    let minute = (i / resources) as i64;
    let ts = Timestamp(
        Timestamp::parse(START).map_or(0, |t| t.micros()) + minute * 60_000_000 + r as i64 * 1000,
    );
    StoredSample {
        name: "cpu_util".into(),
        sample_type: "gauge".into(),
        unit: "%".into(),
        volume: (i % 1000) as f64 / 10.0,
        user_id: Some(format!("user-{:03}", r % 50)),
        project_id: Some(format!("project-{:03}", r % 20)),
        resource_id: format!("00000000-0000-4000-8000-{r:012}"),
        timestamp: ts.to_string(),
        resource_metadata: metas[r].clone(),
        source: "openstack".into(),
        message_id: format!("{i:08x}-6b1c-11f1-9a4e-0242ac120002"),
        message_signature: Some(format!("{i:064x}")),
        recorded_at: None,
        monotonic_time: None,
    }
}

fn admin(server: &str, statement: &str) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
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

fn main() {
    let a = args();
    let metas: Vec<_> = (0..a.resources).map(metadata).collect();
    let meta_len = serde_json::to_string(&metas[0]).map_or(0, |s| s.len());
    println!(
        "samples {} in batches of {}, {} resources, metadata {} bytes, {} writer(s)",
        a.samples, a.batch, a.resources, meta_len, a.writers
    );
    for backend in &a.backends {
        let url = match backend.as_str() {
            "postgres" => {
                admin(&a.pg, "DROP DATABASE IF EXISTS nepho_bench WITH (FORCE)");
                admin(&a.pg, "CREATE DATABASE nepho_bench");
                format!("{}/nepho_bench", a.pg)
            }
            _ => {
                let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("../../target/nepho-bench.db");
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
                nepho_storage::sqlite_url(&path)
            }
        };
        let storage = BlockingStorage::open(&url).expect("open");

        // Ingest.
        let started = Instant::now();
        let mut prep = Duration::ZERO;
        let next = std::sync::atomic::AtomicUsize::new(0);
        let stored = std::sync::atomic::AtomicUsize::new(0);
        let batches = a.samples.div_ceil(a.batch);
        let prep_total = std::sync::Mutex::new(Duration::ZERO);
        let write_total = std::sync::Mutex::new(Duration::ZERO);
        std::thread::scope(|scope| {
            for _ in 0..a.writers {
                scope.spawn(|| {
                    let mut my_prep = Duration::ZERO;
                    let mut my_write = Duration::ZERO;
                    loop {
                        let b = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        if b >= batches {
                            break;
                        }
                        let t = Instant::now();
                        let batch: Vec<_> = (b * a.batch..((b + 1) * a.batch).min(a.samples))
                            .map(|i| sample(i, a.resources, &metas))
                            .collect();
                        my_prep += t.elapsed();
                        let t = Instant::now();
                        let n = storage.record_samples(&batch).expect("record");
                        my_write += t.elapsed();
                        stored.fetch_add(n, std::sync::atomic::Ordering::SeqCst);
                    }
                    *prep_total.lock().unwrap() += my_prep;
                    *write_total.lock().unwrap() += my_write;
                });
            }
        });
        prep += *prep_total.lock().unwrap();
        let elapsed = started.elapsed();
        let stored = stored.into_inner();
        assert_eq!(stored, a.samples, "every sample stored once");
        println!(
            "{backend}: ingest {} samples in {:.2} s = {:.0} samples/s (building the samples took {:.2} s of it, summed over writers)",
            stored,
            elapsed.as_secs_f64(),
            stored as f64 / elapsed.as_secs_f64(),
            prep.as_secs_f64()
        );
        let write = write_total.lock().unwrap().as_secs_f64() / a.writers as f64;
        println!(
            "{backend}: record_samples alone: {:.0} samples/s ({:.2} s in record_samples per writer)",
            stored as f64 / write,
            write
        );

        // Statistics over everything ingested.
        let minutes = (a.samples / a.resources) as i64 + 1;
        let start = Timestamp::parse(START).expect("start");
        let end = Timestamp(start.micros() + minutes * 60_000_000);
        let filter = Filter::eq("meter", "cpu_util")
            .and(Filter::cmp("timestamp", Op::Ge, start))
            .and(Filter::cmp("timestamp", Op::Lt, end));
        let analyzed: &[bool] = if backend == "postgres" {
            &[false, true]
        } else {
            &[false]
        };
        for &analyze in analyzed {
            if analyze {
                // What autovacuum does some time after a bulk load.
                let server = format!("{}/nepho_bench", a.pg);
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(async {
                    let mut c = sqlx::PgConnection::connect(&server).await.expect("connect");
                    sqlx::query("ANALYZE")
                        .execute(&mut c)
                        .await
                        .expect("analyze");
                });
                println!("{backend}: after ANALYZE");
            }
            stats_runs(&storage, &filter, backend, a.samples);
        }
    }
}

fn stats_runs(storage: &BlockingStorage, filter: &Filter, backend: &str, samples: usize) {
    {
        for run in 1..=3 {
            let t = Instant::now();
            let rows = storage
                .statistics(filter, Some(300), &["resource_id".into()], &[])
                .expect("statistics");
            let counted: u64 = rows.iter().filter_map(|r| r.count).sum();
            assert_eq!(counted as usize, samples);
            println!(
                "{backend}: statistics period 300 groupby resource_id over {} samples: {:.3} s ({} rows) run {run}",
                samples,
                t.elapsed().as_secs_f64(),
                rows.len()
            );
        }
    }
}
