//! Request latency of the REST API over real HTTP, on SQLite and
//! PostgreSQL: sample lists (all meters, one meter, one meter of one
//! resource), statistics over 100,000 samples (period 300,
//! groupby resource_id), and posting 100 samples at a time (`direct=true`).
//!
//! `cargo bench -p nepho-api --bench requests` (PostgreSQL from
//! `NEPHO_TEST_POSTGRES`, default `postgresql://postgres@127.0.0.1:5432`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use nepho_api::{Api, SampleIntake, TokensFile};
use nepho_storage::{Storage, StoredSample};
use serde_json::{Value, json};
use sqlx::Connection;

const SAMPLES: usize = 100_000;
const TOKEN: &str = "bench-admin";

struct NoPipeline;

impl SampleIntake for NoPipeline {
    fn telemetry_secret(&self) -> String {
        "bench".into()
    }
    fn submit(&self, _: Vec<Value>) -> Result<(), String> {
        Err("no pipeline in the benchmark".into())
    }
}

fn admin_sql(server: &str, statement: &str) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let mut c = sqlx::PgConnection::connect(&format!("{server}/postgres"))
            .await
            .expect("PostgreSQL");
        sqlx::query(statement)
            .execute(&mut c)
            .await
            .expect(statement);
    });
}

fn stored(i: usize) -> StoredSample {
    StoredSample {
        name: "cpu_util".into(),
        sample_type: "gauge".into(),
        unit: "%".into(),
        volume: (i % 100) as f64,
        user_id: Some("u".into()),
        project_id: Some("p".into()),
        resource_id: format!("vm-{}", i % 100),
        timestamp: nepho_storage::Timestamp(1_775_001_600_000_000 + i as i64 * 1_000_000)
            .to_string(),
        resource_metadata: json!({"flavor": "m1.tiny"}).into(),
        source: "openstack".into(),
        message_id: format!("bench-{i}"),
        message_signature: None,
        recorded_at: None,
        monotonic_time: None,
    }
}

fn time(label: &str, runs: usize, mut call: impl FnMut()) {
    let mut took: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            call();
            start.elapsed()
        })
        .collect();
    took.sort();
    let mean = took.iter().sum::<Duration>() / runs as u32;
    println!(
        "  {label}: mean {:.2} ms, p50 {:.2} ms, p95 {:.2} ms ({runs} requests)",
        mean.as_secs_f64() * 1e3,
        took[runs / 2].as_secs_f64() * 1e3,
        took[runs * 95 / 100].as_secs_f64() * 1e3
    );
}

fn bench(label: &str, url: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let storage = runtime.block_on(Storage::open(url)).expect("storage");
    for chunk in (0..SAMPLES).collect::<Vec<_>>().chunks(5_000) {
        let batch: Vec<StoredSample> = chunk.iter().map(|i| stored(*i)).collect();
        runtime
            .block_on(storage.record_samples(&batch))
            .expect("seed");
    }
    let tokens = dir.path().join("tokens.toml");
    std::fs::write(
        &tokens,
        format!("[tokens.{TOKEN}]\nuser_id = \"a\"\nproject_id = \"p\"\nroles = [\"admin\"]\n"),
    )
    .expect("tokens");
    let api = Api::new(
        storage.clone(),
        Arc::new(TokensFile::open(&tokens).expect("tokens")),
        None,
        Arc::new(NoPipeline),
        100,
    )
    .expect("api");
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    runtime.spawn(nepho_api::serve(listener, api));
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let get = |path: &str| {
        let mut r = agent
            .get(format!("{base}{path}"))
            .header("X-Auth-Token", TOKEN)
            .call()
            .expect("request");
        assert_eq!(r.status(), 200, "{path}");
        r.body_mut().read_to_string().expect("body").len()
    };
    println!("{label} ({SAMPLES} samples, 100 resources):");
    time("GET /v2/samples?limit=100", 200, || {
        get("/v2/samples?limit=100");
    });
    time("GET /v2/meters/cpu_util?limit=100", 200, || {
        get("/v2/meters/cpu_util?limit=100");
    });
    time(
        "GET /v2/meters/cpu_util?q.field=resource_id&q.value=vm-7&limit=100",
        200,
        || {
            get("/v2/meters/cpu_util?q.field=resource_id&q.value=vm-7&limit=100");
        },
    );
    time(
        "GET /v2/meters/cpu_util/statistics?period=300&groupby=resource_id",
        20,
        || {
            get("/v2/meters/cpu_util/statistics?period=300&groupby=resource_id");
        },
    );
    let body: Vec<Value> = (0..100)
        .map(|i| {
            json!({"counter_name": "posted", "counter_type": "gauge", "counter_unit": "%",
                   "counter_volume": i, "resource_id": format!("vm-{i}")})
        })
        .collect();
    let body = Value::Array(body).to_string();
    let runs = 50;
    let start = Instant::now();
    time(
        "POST /v2/meters/posted?direct=true (100 samples)",
        runs,
        || {
            let r = agent
                .post(format!("{base}/v2/meters/posted?direct=true"))
                .header("X-Auth-Token", TOKEN)
                .header("Content-Type", "application/json")
                .send(body.as_bytes())
                .expect("post");
            assert_eq!(r.status(), 201);
        },
    );
    println!(
        "  posted: {:.0} samples/s",
        (runs * 100) as f64 / start.elapsed().as_secs_f64()
    );
    runtime.block_on(storage.close());
    runtime.shutdown_timeout(Duration::from_secs(5));
}

fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    bench(
        "SQLite",
        &nepho_storage::sqlite_url(&dir.path().join("bench.db")),
    );
    let server = std::env::var("NEPHO_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgresql://postgres@127.0.0.1:5432".to_string());
    let name = format!("nepho_api_bench_{}", std::process::id());
    admin_sql(&server, &format!("CREATE DATABASE {name}"));
    bench("PostgreSQL", &format!("{server}/{name}"));
    admin_sql(
        &server,
        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
    );
}
