//! Test harness: every test runs against SQLite (a temporary file) and
//! PostgreSQL (a fresh database per test, dropped afterwards).
//!
//! PostgreSQL is `postgresql://postgres@127.0.0.1:5432` (trust auth) unless
//! `NEPHO_TEST_POSTGRES` names another server URL (without database). It is
//! required: a test fails when it cannot be reached.

#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};

use nepho_storage::{BlockingStorage, StoredEvent, StoredSample, Trait, TraitValue};
use serde_json::json;
use sqlx::Connection;

/// A storage under test and what cleans it up.
pub struct Db {
    pub label: &'static str,
    pub storage: Option<BlockingStorage>,
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Dir(#[allow(dead_code)] tempfile::TempDir),
    Postgres { server: String, name: String },
}

impl Db {
    pub fn s(&self) -> &BlockingStorage {
        self.storage.as_ref().expect("storage open")
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        // Close the pool before dropping the database.
        self.storage.take();
        if let Cleanup::Postgres { server, name } = &self.cleanup {
            let _ = admin(
                server,
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            );
        }
    }
}

pub fn pg_server() -> String {
    std::env::var("NEPHO_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgresql://postgres@127.0.0.1:5432".to_string())
}

fn admin(server: &str, statement: &str) -> Result<(), String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async {
        let mut c = sqlx::PgConnection::connect(&format!("{server}/postgres"))
            .await
            .map_err(|e| format!("PostgreSQL at {server}: {e}"))?;
        sqlx::query(statement)
            .execute(&mut c)
            .await
            .map_err(|e| e.to_string())?;
        c.close().await.map_err(|e| e.to_string())
    })
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// SQLite in a temporary file, then a fresh PostgreSQL database.
pub fn both(test: &str) -> Vec<Db> {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = nepho_storage::sqlite_url(&dir.path().join("nepho.db"));
    let sqlite = Db {
        label: "sqlite",
        storage: Some(BlockingStorage::open(&url).expect("open sqlite")),
        url,
        cleanup: Cleanup::Dir(dir),
    };
    let server = pg_server();
    let name = format!(
        "nepho_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst),
        test
    );
    admin(&server, &format!("CREATE DATABASE {name}")).expect("create test database");
    let url = format!("{server}/{name}");
    let pg = Db {
        label: "postgres",
        storage: Some(BlockingStorage::open(&url).expect("open postgres")),
        url,
        cleanup: Cleanup::Postgres { server, name },
    };
    vec![sqlite, pg]
}

/// A sample with the fields tests vary.
#[allow(clippy::too_many_arguments)]
pub fn sample(
    id: &str,
    meter: &str,
    resource: &str,
    user: Option<&str>,
    project: Option<&str>,
    ts: &str,
    volume: f64,
    meta: serde_json::Value,
) -> StoredSample {
    StoredSample {
        name: meter.into(),
        sample_type: "gauge".into(),
        unit: "%".into(),
        volume,
        user_id: user.map(Into::into),
        project_id: project.map(Into::into),
        resource_id: resource.into(),
        timestamp: ts.into(),
        resource_metadata: meta.into(),
        source: "openstack".into(),
        message_id: id.into(),
        message_signature: Some("sig".into()),
        recorded_at: None,
        monotonic_time: None,
    }
}

pub fn simple(id: &str, ts: &str, volume: f64) -> StoredSample {
    sample(
        id,
        "cpu_util",
        "r1",
        Some("u1"),
        Some("p1"),
        ts,
        volume,
        json!({}),
    )
}

pub fn event(id: &str, ty: &str, generated: &str, traits: Vec<(&str, TraitValue)>) -> StoredEvent {
    StoredEvent {
        message_id: id.into(),
        event_type: ty.into(),
        generated: generated.into(),
        traits: traits
            .into_iter()
            .map(|(n, v)| Trait {
                name: n.into(),
                value: v,
            })
            .collect(),
        raw: json!({}),
    }
}

/// A TCP proxy to PostgreSQL that can be cut (listener closed, every
/// connection shut down) and started again on the same port: an outage.
pub struct Proxy {
    pub port: u16,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    conns: std::sync::Arc<std::sync::Mutex<Vec<std::net::TcpStream>>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Proxy {
    /// Listens on `port` (0: any) and forwards to `target`.
    pub fn start(port: u16, target: &str) -> Proxy {
        use std::io::ErrorKind;
        use std::net::{TcpListener, TcpStream};
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind proxy");
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let conns = std::sync::Arc::new(std::sync::Mutex::new(Vec::<TcpStream>::new()));
        let (stop2, conns2, target) = (stop.clone(), conns.clone(), target.to_string());
        let thread = std::thread::spawn(move || {
            while !stop2.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((client, _)) => {
                        client.set_nonblocking(false).unwrap();
                        let Ok(server) = TcpStream::connect(&target) else {
                            continue;
                        };
                        let mut list = conns2.lock().unwrap();
                        for (mut from, mut to) in [
                            (client.try_clone().unwrap(), server.try_clone().unwrap()),
                            (server.try_clone().unwrap(), client.try_clone().unwrap()),
                        ] {
                            std::thread::spawn(move || {
                                let _ = std::io::copy(&mut from, &mut to);
                                let _ = to.shutdown(std::net::Shutdown::Both);
                            });
                        }
                        list.push(client);
                        list.push(server);
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {
                        std::thread::sleep(std::time::Duration::from_millis(5))
                    }
                    Err(_) => break,
                }
            }
        });
        Proxy {
            port,
            stop,
            conns,
            thread: Some(thread),
        }
    }

    /// Cuts every connection and stops listening.
    pub fn cut(mut self) -> u16 {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        for c in self.conns.lock().unwrap().drain(..) {
            let _ = c.shutdown(std::net::Shutdown::Both);
        }
        self.port
    }
}
