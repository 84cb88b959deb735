//! Shared helpers: a runtime, plans written to real files, sample batches, and
//! a log capture so tests can assert what the agent logged.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use nepho_policy::Plan;
use nepho_runtime::bindings::{MeterType, SampleBatch};
use nepho_runtime::{ComponentSet, OwnedSample, Runtime, RuntimeConfig};
use tempfile::TempDir;

/// One compile cache for the whole test run, so each component compiles once.
fn shared_cache_dir() -> PathBuf {
    static DIR: OnceLock<TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("temp dir"))
        .path()
        .to_path_buf()
}

/// A runtime with the built-in components and the shared cache.
pub fn runtime() -> Runtime {
    capture_logs();
    Runtime::new(RuntimeConfig {
        builtins: nepho_guest_artifacts::BUILTINS,
        cache_dir: Some(shared_cache_dir()),
    })
    .expect("runtime")
}

/// A directory holding an agent configuration and a `policies/` directory.
pub struct Site {
    pub dir: TempDir,
    deferred_config: Option<String>,
}

impl Site {
    /// Writes `config` (with `policies = "policies"` prepended) and `policy`.
    pub fn new(config: &str, policy: &str) -> Site {
        let site = Site::new_deferred(config, policy);
        site.write_config(config);
        site
    }

    /// Like [`Site::new`], but writes the configuration only when the plan is
    /// first loaded, so that files it names can be installed first.
    pub fn new_deferred(config: &str, policy: &str) -> Site {
        let site = Site {
            dir: tempfile::tempdir().expect("temp dir"),
            deferred_config: Some(config.to_owned()),
        };
        std::fs::create_dir(site.dir.path().join("policies")).expect("policies dir");
        site.write_policy(policy);
        site
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.path().join("nephometer.toml")
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Replaces the configuration file as an editor would: write aside, rename.
    pub fn write_config(&self, config: &str) {
        write_atomically(
            &self.config_path(),
            format!("policies = \"policies\"\n{config}").as_bytes(),
        );
    }

    pub fn write_policy(&self, policy: &str) {
        write_atomically(
            &self.dir.path().join("policies/site.toml"),
            policy.as_bytes(),
        );
    }

    /// Copies a test guest or any file into the site under `name`.
    pub fn install(&self, name: &str, bytes: &[u8]) {
        write_atomically(&self.path(name), bytes);
    }

    pub fn plan(&self) -> Plan {
        if let Some(config) = &self.deferred_config
            && !self.config_path().exists()
        {
            self.write_config(config);
        }
        Plan::load(&self.config_path()).unwrap_or_else(|e| panic!("plan does not load:\n{e}"))
    }

    pub fn start(&self) -> ComponentSet {
        ComponentSet::start(runtime(), self.plan())
            .unwrap_or_else(|e| panic!("components do not load:\n{e}"))
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) {
    let aside = path.with_extension("partial");
    std::fs::write(&aside, bytes).expect("write");
    std::fs::rename(&aside, path).expect("rename");
}

/// The bytes of a test-only guest.
pub fn test_guest(name: &str) -> Vec<u8> {
    std::fs::read(nepho_guest_artifacts::test_guest(name)).expect("test guest built")
}

/// The bytes of a built-in component.
pub fn builtin(name: &str) -> Vec<u8> {
    nepho_guest_artifacts::BUILTINS
        .iter()
        .find(|(n, _)| *n == name)
        .expect("builtin")
        .1
        .to_vec()
}

/// A policy with fast restarts, for tests.
pub const FAST_POLICY: &str = "[defaults]\nrestart_backoff_ms = 0\ncrash_loop_traps = 100\n";

/// A realistic sample named `name`.
pub fn sample(name: &str, index: usize) -> OwnedSample {
    OwnedSample {
        name: name.to_owned(),
        meter_type: MeterType::Cumulative,
        unit: "ns".to_owned(),
        volume: index as f64,
        user_id: Some("2f3c2f3a1e8b4d4f9a6b0c1d2e3f4a5b".to_owned()),
        project_id: Some("8a1d0e1c2b3a49588f7e6d5c4b3a2910".to_owned()),
        resource_id: format!("instance-{index:08}"),
        timestamp: "2026-11-23T07:37:28.123456+00:00".to_owned(),
        resource_metadata: r#"{"flavor":{"name":"m1.small","vcpus":1},"host":"compute-1"}"#
            .to_owned(),
        source: "openstack".to_owned(),
        id: format!("6b1b6c9e-0f7a-4c3b-9a8d-{index:012}"),
        monotonic_time: Some(index as f64 * 0.5),
    }
}

/// A batch whose samples are called `names`.
pub fn batch(names: &[&str]) -> SampleBatch {
    let samples: Vec<OwnedSample> = names
        .iter()
        .enumerate()
        .map(|(i, n)| sample(n, i))
        .collect();
    SampleBatch::from_samples(&samples)
}

/// The names of a batch's samples.
pub fn names(batch: &SampleBatch) -> Vec<String> {
    batch
        .samples
        .iter()
        .map(|s| batch.str(s.name).to_owned())
        .collect()
}

/// The volume of the single sample a `count` call returns.
pub fn count(set: &ComponentSet, component: &str) -> f64 {
    let out = set
        .transform(component, &batch(&["count"]))
        .expect("count call");
    out.samples[0].volume
}

/// Polls `condition` every 20 ms for up to `limit`.
pub fn eventually(limit: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if condition() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    condition()
}

static LOGS: Mutex<Vec<u8>> = Mutex::new(Vec::new());

struct LogWriter;

impl Write for LogWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        LOGS.lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn capture_logs() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let _ = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(|| LogWriter)
            .try_init();
    });
}

/// The captured log lines that mention `needle`.
pub fn log_lines_with(needle: &str) -> Vec<String> {
    let logs = LOGS.lock().unwrap_or_else(|p| p.into_inner());
    String::from_utf8_lossy(&logs)
        .lines()
        .filter(|l| l.contains(needle))
        .map(str::to_owned)
        .collect()
}

/// Python's `==` on JSON values: numbers compare by value (`0 == 0.0`).
pub fn python_equal(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| python_equal(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| python_equal(v, w)))
        }
        _ => a == b,
    }
}
