//! Faults: libvirt unreachable, coming back, or hung; the other pollsters
//! go on every cycle, and each change of state is logged once.

use std::os::unix::net::UnixListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nepho_polling::compute::{self, ComputeOptions};
use nepho_polling::{
    COMPUTE, CycleCache, Polled, PolledSample, Pollster, Registry, Resource, SampleType,
};

use crate::support::{agent, capture_logs, log_lines, node_uri};

/// A pollster that needs nothing outside the process: one gauge per resource.
struct Heartbeat;

impl Pollster for Heartbeat {
    fn name(&self) -> &str {
        "heartbeat"
    }
    fn default_discovery(&self) -> Option<&str> {
        None
    }
    fn poll(&self, _: &CycleCache, resources: &[Resource]) -> Polled {
        let mut out = Polled::new();
        for r in resources {
            out.samples.push(PolledSample {
                name: "heartbeat".into(),
                sample_type: SampleType::Gauge,
                unit: "beat".into(),
                volume: 1.0,
                user_id: None,
                project_id: None,
                resource_id: r.key.clone(),
                resource_metadata: serde_json::Map::new(),
                monotonic_time: None,
            });
        }
        out
    }
}

const YAML: &str = "sources:\n- name: vms\n  interval: 1\n  meters: ['cpu', 'memory.usage']\n\
                    - name: beats\n  interval: 1\n  meters: [heartbeat]\n  resources: [here]\n";

fn registry(uri: &str, open_timeout: Duration) -> Registry {
    let mut options = ComputeOptions::new(uri, "compute-1");
    options.open_timeout = open_timeout;
    let mut r = Registry::new();
    compute::register(&mut r, &options);
    r.add_pollster("test", Arc::new(Heartbeat));
    r
}

#[test]
fn an_unreachable_libvirt_is_logged_once_and_the_others_poll_on() {
    capture_logs();
    let dir = tempfile::tempdir().expect("temporary directory");
    let socket = dir.path().join("no-such-libvirt.sock");
    let uri = format!("qemu+unix:///system?socket={}", socket.display());
    let (agent, capture) = agent(
        YAML,
        &registry(&uri, Duration::from_secs(5)),
        &[COMPUTE, "test"],
    );
    for _ in 0..4 {
        agent.poll_once();
    }
    let path = socket.display().to_string();
    assert_eq!(capture.of("heartbeat", "here").len(), 4, "every cycle");
    assert!(capture.samples().iter().all(|s| s.name == "heartbeat"));
    let unreachable = log_lines(&["libvirt is unreachable", &path]);
    assert_eq!(unreachable.len(), 1, "{unreachable:?}");
    let discovery = log_lines(&["Unable to discover resources", &path]);
    assert_eq!(discovery.len(), 1, "{discovery:?}");
    assert_eq!(log_lines(&[&path]).len(), 2, "nothing else about it");
}

#[test]
fn libvirt_is_reconnected_when_it_comes_back() {
    capture_logs();
    let dir = tempfile::tempdir().expect("temporary directory");
    let node = dir.path().join("later.xml");
    let uri = format!("test://{}", node.display());
    let (agent, capture) = agent(
        YAML,
        &registry(&uri, Duration::from_secs(5)),
        &[COMPUTE, "test"],
    );
    agent.poll_once();
    agent.poll_once();
    assert!(
        capture
            .of("cpu", "2f8f8b9c-1c5f-4c1e-9d4e-0a9a1f1a2b01")
            .is_empty()
    );
    let fixture = node_uri();
    std::fs::copy(fixture.trim_start_matches("test://"), &node).expect("copied");
    agent.poll_once();
    assert_eq!(
        capture
            .of("cpu", "2f8f8b9c-1c5f-4c1e-9d4e-0a9a1f1a2b01")
            .len(),
        1,
        "polled once it is there"
    );
    agent.poll_once();
    assert_eq!(
        capture
            .of("cpu", "2f8f8b9c-1c5f-4c1e-9d4e-0a9a1f1a2b01")
            .len(),
        2
    );
    let path = node.display().to_string();
    assert_eq!(log_lines(&["libvirt is unreachable", &path]).len(), 1);
    assert_eq!(log_lines(&["connected to libvirt again", &path]).len(), 1);
    assert!(!log_lines(&["discovery works again", "local_instances"]).is_empty());
    assert_eq!(capture.of("heartbeat", "here").len(), 4);
}

#[test]
fn a_hung_libvirt_never_stalls_the_other_pollsters() {
    capture_logs();
    let dir = tempfile::tempdir().expect("temporary directory");
    let socket = dir.path().join("hung.sock");
    // A daemon that accepts connections and never answers.
    let listener = UnixListener::bind(&socket).expect("bound");
    let accepted = Arc::new(Mutex::new(Vec::new()));
    let keep = accepted.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            keep.lock().unwrap().push(stream);
        }
    });
    let uri = format!("qemu+unix:///system?socket={}", socket.display());
    let (agent, capture) = agent(
        YAML,
        &registry(&uri, Duration::from_millis(500)),
        &[COMPUTE, "test"],
    );
    let running = agent.start();
    std::thread::sleep(Duration::from_millis(3300));
    let beats = capture.of("heartbeat", "here").len();
    drop(running);
    // Let the abandoned connection attempt fail and end.
    accepted.lock().unwrap().clear();
    assert!(
        beats >= 3,
        "the heartbeat polled every second meanwhile: {beats}"
    );
    let path = socket.display().to_string();
    let timeouts = log_lines(&["did not answer within", &path]);
    assert_eq!(
        timeouts.len(),
        2,
        "logged once by the connection, once by the discovery: {timeouts:?}"
    );
    assert_eq!(log_lines(&[&path]).len(), 2);
}

/// A pollster whose resource keys hold a password (as `snmp://` URLs do):
/// every resource fails, `broken` transiently and `dead` for good.
struct Secretive;

impl Pollster for Secretive {
    fn name(&self) -> &str {
        "secretive"
    }
    fn default_discovery(&self) -> Option<&str> {
        None
    }
    fn shown_key(&self, key: &str) -> String {
        key.replace("s3cret-pass", "***")
    }
    fn poll(&self, _: &CycleCache, resources: &[Resource]) -> Polled {
        let mut out = Polled::new();
        for r in resources {
            out.failures.push(if r.key.contains("dead") {
                nepho_polling::ResourceFailure::permanent(&r.key, "gone")
            } else {
                nepho_polling::ResourceFailure::transient(&r.key, "no answer")
            });
        }
        out
    }
}

#[test]
fn failed_resources_are_logged_as_their_pollster_shows_them() {
    capture_logs();
    let yaml = "sources:\n- name: hosts\n  interval: 60\n  meters: [secretive]\n  resources:\n\
                \x20 - 'x://u:s3cret-pass@broken-host'\n  - 'x://u:s3cret-pass@dead-host'\n";
    let mut registry = Registry::new();
    registry.add_pollster("test", Arc::new(Secretive));
    let (agent, _) = agent(yaml, &registry, &["test"]);
    agent.poll_once();
    let transient = log_lines(&["Continue after error from secretive"]);
    assert_eq!(transient.len(), 1, "{transient:?}");
    assert!(
        transient[0].contains("x://u:***@broken-host"),
        "{}",
        transient[0]
    );
    let permanent = log_lines(&["Prevent pollster secretive"]);
    assert_eq!(permanent.len(), 1, "{permanent:?}");
    assert!(
        permanent[0].contains("x://u:***@dead-host"),
        "{}",
        permanent[0]
    );
    assert!(
        log_lines(&["s3cret-pass"]).is_empty(),
        "{:?}",
        log_lines(&["s3cret-pass"])
    );
}
