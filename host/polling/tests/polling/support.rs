//! Helpers: `virsh` readings, a sample capture, a log capture, agents.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock};

use nepho_polling::{PollingAgent, Registry, Sample, SampleSink};

/// The test-driver node of tests/fixtures/libvirt.
pub fn node_uri() -> String {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/libvirt/node.xml");
    let path = std::fs::canonicalize(&path).expect("fixture exists");
    format!("test://{}", path.display())
}

/// Runs `virsh -c uri args...` and returns its standard output.
pub fn virsh(uri: &str, args: &[&str]) -> String {
    let out = Command::new("virsh")
        .arg("-c")
        .arg(uri)
        .args(args)
        .output()
        .expect("virsh runs");
    assert!(
        out.status.success(),
        "virsh {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `virsh` output of `name value` lines (dommemstat, domblkstat, domifstat), by name.
pub fn pairs(text: &str) -> HashMap<String, f64> {
    text.lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            let (a, b, c) = (w.next()?, w.next()?, w.next());
            // domblkstat/domifstat: `dev name value`; dommemstat: `name value`.
            match c {
                Some(v) => Some((b.to_owned(), v.parse().ok()?)),
                None => Some((a.to_owned(), b.parse().ok()?)),
            }
        })
        .collect()
}

/// `virsh` output of `Key: value` lines (dominfo, domblkinfo), by key.
pub fn fields(text: &str) -> HashMap<String, String> {
    text.lines()
        .filter_map(|l| {
            let (k, v) = l.split_once(':')?;
            Some((k.trim().to_owned(), v.trim().to_owned()))
        })
        .collect()
}

/// Keeps every batch it is given.
#[derive(Default)]
pub struct Capture {
    pub batches: Mutex<Vec<Vec<Sample>>>,
}

impl Capture {
    pub fn samples(&self) -> Vec<Sample> {
        self.batches
            .lock()
            .unwrap()
            .iter()
            .flatten()
            .cloned()
            .collect()
    }
    pub fn clear(&self) {
        self.batches.lock().unwrap().clear();
    }
    /// The samples of `meter` for `resource`.
    pub fn of(&self, meter: &str, resource: &str) -> Vec<Sample> {
        self.samples()
            .into_iter()
            .filter(|s| s.name == meter && s.resource_id == resource)
            .collect()
    }
    /// The only sample of `meter` for `resource`.
    pub fn one(&self, meter: &str, resource: &str) -> Sample {
        let mut v = self.of(meter, resource);
        assert_eq!(
            v.len(),
            1,
            "{meter} of {resource}: {:?}",
            self.samples()
                .iter()
                .map(|s| (&s.name, &s.resource_id))
                .collect::<Vec<_>>()
        );
        v.remove(0)
    }
}

impl SampleSink for Capture {
    fn publish(&self, samples: Vec<Sample>) -> Result<(), String> {
        self.batches.lock().unwrap().push(samples);
        Ok(())
    }
}

/// An agent over `registry`'s `namespaces` with polling.yaml `yaml`.
pub fn agent(yaml: &str, registry: &Registry, namespaces: &[&str]) -> (PollingAgent, Arc<Capture>) {
    let config = nepho_pipeline::parse_polling("polling.yaml", yaml).expect("valid polling.yaml");
    let namespaces: Vec<String> = namespaces.iter().map(|s| (*s).to_owned()).collect();
    let capture = Arc::new(Capture::default());
    let selection = registry.select(&namespaces, &[]);
    (
        PollingAgent::new(&config, selection, capture.clone(), 50),
        capture,
    )
}

/// Every log line of the test process (a global subscriber writing here).
static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();

struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Installs the log capture (once).
pub fn capture_logs() {
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_max_level(tracing::Level::INFO)
            .with_writer(move || Buffer(writer.clone()))
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("first subscriber");
        buffer
    });
}

/// The captured log lines containing every one of `words`.
pub fn log_lines(words: &[&str]) -> Vec<String> {
    let text = LOGS
        .get()
        .map(|b| String::from_utf8_lossy(&b.lock().unwrap()).into_owned())
        .unwrap_or_default();
    text.lines()
        .filter(|l| words.iter().all(|w| l.contains(w)))
        .map(str::to_owned)
        .collect()
}
