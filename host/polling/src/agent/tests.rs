//! The agent's mechanics with plugin pollsters written for the tests (the
//! real libvirt and host pollsters are tested in tests/polling).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nepho_pipeline::parse_polling;

use super::*;
use crate::{
    Discovery, Polled, PolledSample, Pollster, Resource, ResourceFailure, Sample, SampleType,
};

/// Keeps what it is given.
#[derive(Default)]
struct Capture {
    batches: Mutex<Vec<Vec<Sample>>>,
}

impl Capture {
    fn samples(&self) -> Vec<Sample> {
        self.batches
            .lock()
            .unwrap()
            .iter()
            .flatten()
            .cloned()
            .collect()
    }
}

impl SampleSink for Capture {
    fn publish(&self, samples: Vec<Sample>) -> Result<(), String> {
        self.batches.lock().unwrap().push(samples);
        Ok(())
    }
}

/// A pollster that gives one sample per resource and records what it was asked.
struct Probe {
    name: &'static str,
    discovery: Option<&'static str>,
    calls: Mutex<Vec<Vec<String>>>,
    delay: Duration,
    /// Resources that fail: (key, permanent).
    failing: Vec<(&'static str, bool)>,
    panics: bool,
}

impl Probe {
    fn new(name: &'static str) -> Self {
        Probe {
            name,
            discovery: None,
            calls: Mutex::new(Vec::new()),
            delay: Duration::ZERO,
            failing: Vec::new(),
            panics: false,
        }
    }
    fn calls(&self) -> Vec<Vec<String>> {
        self.calls.lock().unwrap().clone()
    }
}

impl Pollster for Probe {
    fn name(&self) -> &str {
        self.name
    }
    fn default_discovery(&self) -> Option<&str> {
        self.discovery
    }
    fn poll(&self, cache: &CycleCache, resources: &[Resource]) -> Polled {
        self.calls
            .lock()
            .unwrap()
            .push(resources.iter().map(|r| r.key.clone()).collect());
        assert!(!self.panics, "this pollster panics");
        std::thread::sleep(self.delay);
        let shared = cache.get_or_insert_with("shared", || self.name.to_owned());
        let mut out = Polled::new();
        for r in resources {
            if let Some((_, permanent)) = self.failing.iter().find(|(k, _)| *k == r.key) {
                out.failures.push(ResourceFailure {
                    resource: r.key.clone(),
                    permanent: *permanent,
                    reason: "broken".into(),
                });
                continue;
            }
            let mut metadata = serde_json::Map::new();
            metadata.insert("first".into(), shared.as_str().into());
            out.samples.push(PolledSample {
                name: self.name.to_owned(),
                sample_type: SampleType::Gauge,
                unit: "u".into(),
                volume: 1.0,
                user_id: None,
                project_id: None,
                resource_id: r.key.clone(),
                resource_metadata: metadata,
                monotonic_time: Some(1.5),
            });
        }
        out
    }
}

/// A discovery returning fixed keys, counting its calls.
struct Fixed {
    name: &'static str,
    keys: Vec<&'static str>,
    calls: AtomicUsize,
    params: Mutex<Vec<Option<String>>>,
}

impl Fixed {
    fn new(name: &'static str, keys: &[&'static str]) -> Self {
        Fixed {
            name,
            keys: keys.to_vec(),
            calls: AtomicUsize::new(0),
            params: Mutex::new(Vec::new()),
        }
    }
}

impl Discovery for Fixed {
    fn name(&self) -> &str {
        self.name
    }
    fn discover(&self, param: Option<&str>) -> Result<Vec<Resource>, String> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.params.lock().unwrap().push(param.map(str::to_owned));
        Ok(self.keys.iter().map(|k| Resource::new(*k)).collect())
    }
}

fn agent(
    yaml: &str,
    pollsters: Vec<Arc<dyn Pollster>>,
    discoveries: Vec<Arc<dyn Discovery>>,
    batch: usize,
) -> (PollingAgent, Arc<Capture>) {
    let config = parse_polling("polling.yaml", yaml).expect("valid polling.yaml");
    let capture = Arc::new(Capture::default());
    let selection = Selection {
        pollsters,
        discoveries,
    };
    (
        PollingAgent::new(&config, selection, capture.clone(), batch),
        capture,
    )
}

#[test]
fn one_task_per_interval_with_the_pollsters_each_source_accepts() {
    let yaml = "sources:\n- name: a\n  interval: 60\n  meters: [cpu, 'memory.*']\n\
                - name: b\n  interval: 300\n  meters: ['*', '!cpu']\n\
                - name: c\n  interval: 60\n  meters: [disk]\n";
    let p: Vec<Arc<dyn Pollster>> = vec![
        Arc::new(Probe::new("cpu")),
        Arc::new(Probe::new("memory.usage")),
        Arc::new(Probe::new("disk")),
    ];
    let (agent, _) = agent(yaml, p, vec![], 50);
    assert_eq!(
        agent.tasks(),
        [
            (
                60,
                vec![
                    "cpu".to_owned(),
                    "memory.usage".to_owned(),
                    "disk".to_owned()
                ]
            ),
            (300, vec!["memory.usage".to_owned(), "disk".to_owned()]),
        ]
    );
}

#[test]
fn a_cycle_has_one_timestamp_fresh_ids_and_a_shared_cache() {
    let yaml = "sources:\n- name: s\n  interval: 60\n  meters: ['*']\n  resources: [r1, r2, r3]\n";
    let p: Vec<Arc<dyn Pollster>> = vec![Arc::new(Probe::new("a")), Arc::new(Probe::new("b"))];
    let (agent, capture) = agent(yaml, p, vec![], 50);
    let report = agent.poll_once();
    assert_eq!(report.samples, 6);
    assert_eq!(report.started, 2);
    let samples = capture.samples();
    assert_eq!(samples.len(), 6);
    let first = &samples[0].timestamp;
    assert!(
        samples.iter().all(|s| &s.timestamp == first),
        "one timestamp per cycle"
    );
    assert!(
        !first.ends_with('Z') && !first.contains('+') && first.contains('T'),
        "naive isoformat: {first}"
    );
    let mut ids: Vec<&str> = samples.iter().map(|s| s.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 6, "unique ids");
    assert!(
        samples
            .iter()
            .all(|s| s.monotonic_time == Some(1.5) && s.source == "openstack")
    );
    // Both pollsters saw the value the first one put in the cycle cache.
    let firsts: Vec<&serde_json::Value> = samples
        .iter()
        .map(|s| &s.resource_metadata["first"])
        .collect();
    assert!(firsts.windows(2).all(|w| w[0] == w[1]));
    // The next cycle has another timestamp (at least a microsecond later) and cache.
    std::thread::sleep(Duration::from_millis(2));
    agent.poll_once();
    let later = capture.samples();
    assert_ne!(&later[6].timestamp, first);
}

#[test]
fn a_resource_is_polled_once_per_pollster_per_cycle_across_sources() {
    let yaml = "sources:\n- name: s1\n  interval: 60\n  meters: [p]\n  resources: [r1, r2, r1]\n\
                - name: s2\n  interval: 60\n  meters: [p]\n  resources: [r2, r3]\n\
                - name: s3\n  interval: 120\n  meters: [p]\n  resources: [r1]\n";
    let probe = Arc::new(Probe::new("p"));
    let (agent, capture) = agent(yaml, vec![probe.clone()], vec![], 50);
    agent.poll_once();
    let mut calls = probe.calls();
    calls.sort();
    // s1 polls r1 and r2 (r1 once), s2 only r3; s3 is another task (another cycle).
    assert_eq!(
        calls,
        [
            vec!["r1".to_owned()],
            vec!["r1".to_owned(), "r2".to_owned()],
            vec!["r3".to_owned()]
        ]
    );
    assert_eq!(capture.samples().len(), 4);
}

#[test]
fn discoveries_run_once_per_cycle_and_the_default_only_without_resources() {
    let yaml = "sources:\n- name: static\n  interval: 60\n  meters: [p]\n  resources: [s1]\n\
                - name: discovered\n  interval: 60\n  meters: [p, q]\n  discovery: ['nodes:rack1']\n\
                - name: bare\n  interval: 60\n  meters: [q]\n";
    let mut p = Probe::new("p");
    p.discovery = Some("fallback");
    let p = Arc::new(p);
    let mut q = Probe::new("q");
    q.discovery = Some("fallback");
    let q = Arc::new(q);
    let nodes = Arc::new(Fixed::new("nodes", &["n1", "n2"]));
    let fallback = Arc::new(Fixed::new("fallback", &["f1"]));
    let (agent, _) = agent(
        yaml,
        vec![p.clone(), q.clone()],
        vec![nodes.clone(), fallback.clone()],
        50,
    );
    agent.poll_once();
    assert_eq!(
        nodes.calls.load(Ordering::SeqCst),
        1,
        "shared by p and q in one cycle"
    );
    assert_eq!(nodes.params.lock().unwrap()[0].as_deref(), Some("rack1"));
    assert_eq!(
        fallback.calls.load(Ordering::SeqCst),
        1,
        "only the bare source needs it"
    );
    let mut pc = p.calls();
    pc.sort();
    assert_eq!(
        pc,
        [
            vec!["n1".to_owned(), "n2".to_owned()],
            vec!["s1".to_owned()]
        ]
    );
    let mut qc = q.calls();
    qc.sort();
    assert_eq!(
        qc,
        [
            vec!["f1".to_owned()],
            vec!["n1".to_owned(), "n2".to_owned()]
        ]
    );
    agent.poll_once();
    assert_eq!(
        nodes.calls.load(Ordering::SeqCst),
        2,
        "again in the next cycle"
    );
}

#[test]
fn an_unknown_discovery_gives_no_resources() {
    let yaml = "sources:\n- name: s\n  interval: 60\n  meters: [p]\n  discovery: [nowhere]\n";
    let probe = Arc::new(Probe::new("p"));
    let (agent, capture) = agent(yaml, vec![probe.clone()], vec![], 50);
    agent.poll_once();
    assert!(
        probe.calls().is_empty(),
        "nothing to poll: the pollster is skipped"
    );
    assert!(capture.samples().is_empty());
}

#[test]
fn permanent_failures_are_skipped_for_that_source_and_others_retried() {
    let yaml = "sources:\n- name: s1\n  interval: 60\n  meters: [p]\n  resources: [good, dead, flaky]\n\
                - name: s2\n  interval: 120\n  meters: [p]\n  resources: [dead]\n";
    let mut probe = Probe::new("p");
    probe.failing = vec![("dead", true), ("flaky", false)];
    let probe = Arc::new(probe);
    let (agent, capture) = agent(yaml, vec![probe.clone()], vec![], 50);
    agent.poll_once();
    agent.poll_once();
    agent.poll_once();
    let calls = probe.calls();
    let s1: Vec<&Vec<String>> = calls
        .iter()
        .filter(|c| c.contains(&"good".to_owned()))
        .collect();
    assert_eq!(s1.len(), 3);
    assert_eq!(*s1[0], ["good", "dead", "flaky"]);
    assert_eq!(
        *s1[1],
        ["good", "flaky"],
        "dead is never polled again by s1; flaky is retried"
    );
    assert_eq!(*s1[2], ["good", "flaky"]);
    let s2 = calls.iter().filter(|c| **c == ["dead"]).count();
    assert_eq!(
        s2, 1,
        "s2's pollster learned the failure itself, then skips it too"
    );
    assert_eq!(capture.samples().len(), 3, "one sample per cycle: good");
}

#[test]
fn samples_go_in_batches_of_batch_size() {
    let keys: Vec<String> = (0..7).map(|i| format!("r{i}")).collect();
    let yaml = format!(
        "sources:\n- name: s\n  interval: 60\n  meters: [p]\n  resources: [{}]\n",
        keys.join(", ")
    );
    let (agent3, c3) = agent(&yaml, vec![Arc::new(Probe::new("p"))], vec![], 3);
    agent3.poll_once();
    let sizes: Vec<usize> = c3.batches.lock().unwrap().iter().map(Vec::len).collect();
    assert_eq!(sizes, [3, 3, 1]);
    let (agent0, c0) = agent(&yaml, vec![Arc::new(Probe::new("p"))], vec![], 0);
    agent0.poll_once();
    assert_eq!(
        c0.batches.lock().unwrap().len(),
        7,
        "batch_size 0: one sample per message"
    );
}

#[test]
fn a_slow_pollster_never_delays_the_others_and_is_skipped_while_busy() {
    let yaml = "sources:\n- name: s\n  interval: 1\n  meters: ['*']\n  resources: [r]\n";
    let mut slow = Probe::new("slow");
    slow.delay = Duration::from_millis(2600);
    let slow = Arc::new(slow);
    let fast = Arc::new(Probe::new("fast"));
    let (agent, capture) = agent(yaml, vec![slow.clone(), fast.clone()], vec![], 50);
    let started = Instant::now();
    let running = agent.start();
    std::thread::sleep(Duration::from_millis(2300));
    let fast_calls = fast.calls().len();
    let slow_calls = slow.calls().len();
    let fast_samples = capture
        .samples()
        .iter()
        .filter(|s| s.name == "fast")
        .count();
    drop(running);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "stopping does not wait for the slow pollster"
    );
    assert!(
        fast_calls >= 2,
        "the fast pollster ran every cycle: {fast_calls}"
    );
    assert_eq!(fast_samples, fast_calls);
    assert_eq!(slow_calls, 1, "the slow one was skipped while busy");
}

#[test]
fn a_panicking_pollster_does_not_stop_the_others() {
    let yaml = "sources:\n- name: s\n  interval: 60\n  meters: ['*']\n  resources: [r]\n";
    let mut bad = Probe::new("bad");
    bad.panics = true;
    let bad = Arc::new(bad);
    let (agent, capture) = agent(
        yaml,
        vec![bad.clone(), Arc::new(Probe::new("good"))],
        vec![],
        50,
    );
    assert_eq!(agent.poll_once().samples, 1);
    assert_eq!(
        agent.poll_once().samples,
        1,
        "and the bad one is tried again"
    );
    assert_eq!(bad.calls().len(), 2);
    assert!(capture.samples().iter().all(|s| s.name == "good"));
}
