//! The harness: the API served over real HTTP on an ephemeral port, once
//! over SQLite (a temporary file) and once over a fresh PostgreSQL
//! database (dropped afterwards), with a tokens file and a pipeline intake
//! that verifies each message's signature and stores it, as the agent's
//! `database://` pipeline would.
//!
//! PostgreSQL is `postgresql://postgres@127.0.0.1:5432` (trust auth) unless
//! `NEPHO_TEST_POSTGRES` names another server URL (without database); it is
//! required.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nepho_api::{Api, SampleIntake, TokensFile};
use nepho_storage::{Storage, StoredSample};
use serde_json::Value;
use sqlx::Connection;

/// The secret the test intake verifies messages with.
pub const SECRET: &str = "test-telemetry-secret";

/// An admin (role `admin`) of project `admin-p`.
pub const ADMIN: &str = "token-admin";
/// Alice, a member of project `proj-a`.
pub const ALICE: &str = "token-alice";
/// Bob, a member of project `proj-b`.
pub const BOB: &str = "token-bob";
/// Carol, another member of project `proj-a`.
pub const CAROL: &str = "token-carol";

pub const TOKENS: &str = r#"
[tokens.token-admin]
user_id = "admin-u"
project_id = "admin-p"
roles = ["admin"]

[tokens.token-alice]
user_id = "alice"
project_id = "proj-a"
roles = ["member"]
user_name = "Alice"

[tokens.token-bob]
user_id = "bob"
project_id = "proj-b"
roles = ["member"]

[tokens.token-carol]
user_id = "carol"
project_id = "proj-a"
roles = ["reader"]
"#;

/// Stores what the API submits, after checking every signature; can be
/// told to fail, to test that nothing is stored then.
pub struct StoreIntake {
    storage: Storage,
    handle: tokio::runtime::Handle,
    pub fail: AtomicBool,
    pub submitted: Mutex<Vec<Value>>,
}

fn field<'a>(m: &'a Value, key: &str) -> &'a str {
    m.get(key).and_then(Value::as_str).unwrap_or_default()
}

impl SampleIntake for StoreIntake {
    fn telemetry_secret(&self) -> String {
        SECRET.to_string()
    }

    fn submit(&self, messages: Vec<Value>) -> Result<(), String> {
        if self.fail.load(Ordering::SeqCst) {
            return Err("the pipeline is down (test)".into());
        }
        let mut records = Vec::new();
        for m in &messages {
            if !nepho_signing::verify_signature(m, SECRET) {
                return Err(format!("bad signature: {m}"));
            }
            records.push(StoredSample {
                name: field(m, "counter_name").into(),
                sample_type: field(m, "counter_type").into(),
                unit: field(m, "counter_unit").into(),
                volume: m["counter_volume"].as_f64().ok_or("volume")?,
                user_id: m["user_id"].as_str().map(Into::into),
                project_id: m["project_id"].as_str().map(Into::into),
                resource_id: field(m, "resource_id").into(),
                timestamp: field(m, "timestamp").into(),
                resource_metadata: (&m["resource_metadata"]).into(),
                source: field(m, "source").into(),
                message_id: field(m, "message_id").into(),
                message_signature: m["message_signature"].as_str().map(Into::into),
                recorded_at: None,
                monotonic_time: None,
            });
        }
        let storage = self.storage.clone();
        self.handle
            .block_on(storage.record_samples(&records))
            .map_err(|e| e.to_string())?;
        self.submitted.lock().unwrap().extend(messages);
        Ok(())
    }
}

enum Cleanup {
    Dir,
    Postgres { server: String, name: String },
}

/// One API server under test.
pub struct Server {
    pub label: &'static str,
    pub base: String,
    pub storage: Storage,
    pub intake: Arc<StoreIntake>,
    pub tokens_path: PathBuf,
    pub dir: tempfile::TempDir,
    runtime: Option<tokio::runtime::Runtime>,
    agent: ureq::Agent,
    cleanup: Cleanup,
}

pub fn pg_server() -> String {
    std::env::var("NEPHO_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgresql://postgres@127.0.0.1:5432".to_string())
}

fn admin_sql(server: &str, statement: &str) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let mut c = sqlx::PgConnection::connect(&format!("{server}/postgres"))
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL at {server}: {e}"));
        sqlx::query(statement)
            .execute(&mut c)
            .await
            .unwrap_or_else(|e| panic!("{statement}: {e}"));
        let _ = c.close().await;
    });
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// The same API over SQLite, then over a fresh PostgreSQL database.
pub fn servers(test: &str) -> Vec<Server> {
    let dir = tempfile::tempdir().expect("tempdir");
    let sqlite = nepho_storage::sqlite_url(&dir.path().join("nepho.db"));
    let first = Server::start("sqlite", &sqlite, dir, Cleanup::Dir, None);
    let server = pg_server();
    let name = format!(
        "nepho_api_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst),
        test
    );
    admin_sql(&server, &format!("CREATE DATABASE {name}"));
    let url = format!("{server}/{name}");
    let second = Server::start(
        "postgres",
        &url,
        tempfile::tempdir().expect("tempdir"),
        Cleanup::Postgres { server, name },
        None,
    );
    vec![first, second]
}

/// One SQLite server with its own access rules file (for rule tests).
pub fn sqlite_with_rules(rules: &str) -> Server {
    let dir = tempfile::tempdir().expect("tempdir");
    let rules_path = dir.path().join("access.json");
    std::fs::write(&rules_path, rules).expect("write rules");
    let url = nepho_storage::sqlite_url(&dir.path().join("nepho.db"));
    Server::start("sqlite", &url, dir, Cleanup::Dir, Some(rules_path))
}

impl Server {
    fn start(
        label: &'static str,
        url: &str,
        dir: tempfile::TempDir,
        cleanup: Cleanup,
        rules: Option<PathBuf>,
    ) -> Server {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let storage = runtime
            .block_on(Storage::open(url))
            .unwrap_or_else(|e| panic!("{label}: {e}"));
        let tokens_path = dir.path().join("tokens.toml");
        std::fs::write(&tokens_path, TOKENS).expect("write tokens");
        let intake = Arc::new(StoreIntake {
            storage: storage.clone(),
            handle: runtime.handle().clone(),
            fail: AtomicBool::new(false),
            submitted: Mutex::new(Vec::new()),
        });
        let api = Api::new(
            storage.clone(),
            Arc::new(TokensFile::open(&tokens_path).expect("tokens")),
            rules.as_deref(),
            intake.clone(),
            100,
        )
        .expect("api");
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        runtime.spawn(nepho_api::serve(listener, api));
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build();
        Server {
            label,
            base: format!("http://127.0.0.1:{port}"),
            storage,
            intake,
            tokens_path,
            dir,
            runtime: Some(runtime),
            agent: ureq::Agent::new_with_config(config),
            cleanup,
        }
    }

    /// Runs a storage call on the server's runtime.
    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.runtime.as_ref().expect("running").block_on(f)
    }

    fn read(mut response: ureq::http::Response<ureq::Body>) -> (u16, Value) {
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().expect("body");
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, value)
    }

    /// `GET path` (with its query string) with `token` (`""`: no header).
    pub fn get(&self, path: &str, token: &str) -> (u16, Value) {
        self.get_with(path, &[("X-Auth-Token", token)])
    }

    /// `GET path` with these headers (empty values left out).
    pub fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> (u16, Value) {
        let mut request = self.agent.get(format!("{}{path}", self.base));
        for (name, value) in headers {
            if !value.is_empty() {
                request = request.header(*name, *value);
            }
        }
        Server::read(request.call().expect("request"))
    }

    /// `POST path` with a raw body.
    pub fn post_raw(&self, path: &str, token: &str, body: &str) -> (u16, Value) {
        let mut request = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("Content-Type", "application/json");
        if !token.is_empty() {
            request = request.header("X-Auth-Token", token);
        }
        Server::read(request.send(body.as_bytes()).expect("request"))
    }

    /// `POST path` with a JSON body.
    pub fn post(&self, path: &str, token: &str, body: &Value) -> (u16, Value) {
        self.post_raw(path, token, &body.to_string())
    }

    /// Posts samples of meter `meter` directly to storage (`direct=true`),
    /// asserting 201.
    pub fn seed(&self, meter: &str, token: &str, samples: &[Value]) -> Vec<Value> {
        let (status, body) = self.post(
            &format!("/v2/meters/{meter}?direct=true"),
            token,
            &Value::Array(samples.to_vec()),
        );
        assert_eq!(status, 201, "{}: seeding {meter}: {body}", self.label);
        body.as_array().cloned().unwrap_or_default()
    }

    /// How many samples are stored, all projects.
    pub fn stored_count(&self) -> usize {
        self.block_on(self.storage.samples(&nepho_storage::Filter::all(), None))
            .expect("samples")
            .len()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let storage = self.storage.clone();
        if let Some(rt) = self.runtime.take() {
            rt.block_on(storage.close());
            rt.shutdown_timeout(Duration::from_secs(5));
        }
        if let Cleanup::Postgres { server, name } = &self.cleanup {
            admin_sql(
                server,
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            );
        }
    }
}

/// A sample in the old format, as posted.
pub fn old_sample(meter: &str, resource: &str, volume: f64, ts: &str) -> Value {
    serde_json::json!({
        "counter_name": meter,
        "counter_type": "gauge",
        "counter_unit": "%",
        "counter_volume": volume,
        "resource_id": resource,
        "timestamp": ts,
    })
}

/// The error text of a reply.
pub fn fault(body: &Value) -> String {
    body["error_message"]["faultstring"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// `values` of `key` in a list reply, sorted.
pub fn sorted(body: &Value, key: &str) -> Vec<String> {
    let mut out: Vec<String> = body
        .as_array()
        .map(|a| {
            a.iter()
                .map(|v| match &v[key] {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// URL-encodes a query value.
pub fn enc(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
