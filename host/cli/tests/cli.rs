//! The `nephometer` binary, run as an operator runs it.

#![allow(missing_docs, reason = "tests")]

use std::path::Path;
use std::process::Command;

fn nephometer(args: &[&str], cache: &Path) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_nephometer"))
        .args(args)
        .arg("--cache-dir")
        .arg(cache)
        .env("RUST_LOG", "off")
        .env("NEPHOMETER_DATA_DIR", cache.join("data"))
        .output()
        .expect("nephometer runs");
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), text)
}

#[test]
fn validate_prints_every_error_with_its_location_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("policies")).unwrap();
    std::fs::write(
        dir.path().join("policies/site.toml"),
        "[defaults]\nmax_memory_mib = 0\ngrants = [\"log\", \"sockets\"]\n",
    )
    .unwrap();
    let config = dir.path().join("nephometer.toml");
    std::fs::write(
        &config,
        "policies = \"policies\"\n[components.p]\nsource = \"builtin:transform-passthrough\"\ntenant = \"nobody\"\n",
    )
    .unwrap();
    let (ok, text) = nephometer(
        &["validate", "--config", config.to_str().unwrap()],
        dir.path(),
    );
    assert!(!ok, "validate fails on errors:\n{text}");
    let policy = dir.path().join("policies/site.toml").display().to_string();
    let config = config.display().to_string();
    assert!(
        text.contains(&format!(
            "{policy}:2:18: max_memory_mib = 0 is out of range"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "{policy}:3:18: grants: `sockets` cannot be granted"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!("{config}:4:10: tenant: `nobody` is not defined")),
        "{text}"
    );
}

#[test]
fn validate_accepts_the_embedded_defaults_and_components_describes_them() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, text) = nephometer(&["validate"], dir.path());
    assert!(
        ok && text.contains("ok: configuration, policies and 3 components are valid"),
        "{text}"
    );
    let (ok, text) = nephometer(&["components"], dir.path());
    assert!(ok, "{text}");
    for expected in [
        "passthrough",
        "origin:   builtin:transform-passthrough",
        "world:    nephometer:telemetry/transformer@0.1.0",
        "exports:  nephometer:telemetry/transform@0.1.0",
        "policy:   memory 64 MiB, 1000 ms per call",
        "grants [log, config, clock]",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
}

const NOTIFICATION: &str = r#"{"event_type": "test.create", "publisher_id": "compute.host1",
  "ctxt": {"request_id": "req-1"}, "metadata": {"message_id": "m-1", "timestamp": "2015-06-19T09:19:35.786893"},
  "payload": {"volume": 2, "resource_id": "r-1", "project_id": "p-1", "tenant_id": "p-1"}}"#;

#[test]
fn meters_test_prints_samples_and_reports_a_broken_definition_by_file_line_and_name() {
    let dir = tempfile::tempdir().unwrap();
    let definitions = dir.path().join("meters.d");
    std::fs::create_dir(&definitions).unwrap();
    std::fs::write(
        definitions.join("10-test.yaml"),
        "---\nmetric:\n  - name: test.good\n    event_type: test.create\n    type: gauge\n    unit: B\n    \
         volume: $.payload.volume\n    resource_id: $.payload.resource_id\n    project_id: $.payload.project_id\n  \
         - name: test.percent\n    event_type: test.create\n    type: gauge\n    unit: '%'\n    \
         volume: $.payload.volume\n    resource_id: $.payload.resource_id\n",
    )
    .unwrap();
    let notification = dir.path().join("n.json");
    std::fs::write(&notification, NOTIFICATION).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_nephometer"))
        .args(["meters", "test", "--definitions"])
        .arg(&definitions)
        .arg("--cache-dir")
        .arg(dir.path())
        .arg(&notification)
        .env("NO_COLOR", "1")
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let samples: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(samples.len(), 1, "{stdout}");
    let sample = &samples[0];
    assert_eq!(sample["name"], "test.good");
    assert_eq!(sample["volume"], 2.0);
    assert_eq!(sample["project_id"], "p-1");
    assert_eq!(sample["timestamp"], "2015-06-19T09:19:35.786893+00:00");
    for key in [
        "type",
        "unit",
        "user_id",
        "resource_id",
        "resource_metadata",
        "source",
        "id",
    ] {
        assert!(sample.get(key).is_some(), "missing {key}: {sample}");
    }
    let file = definitions.join("10-test.yaml").display().to_string();
    assert!(
        stderr.contains(&format!(
            "{file}:10: definition `test.percent`: Error loading meter definition"
        )) && stderr.contains("Parse error in JSONPath specification '%'"),
        "{stderr}"
    );
}

#[test]
fn events_test_prints_events_with_the_shipped_definitions() {
    let dir = tempfile::tempdir().unwrap();
    let notification = dir.path().join("n.json");
    std::fs::write(&notification, NOTIFICATION).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_nephometer"))
        .args(["events", "test", "--cache-dir"])
        .arg(dir.path())
        .arg(&notification)
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let event: serde_json::Value = serde_json::from_slice(&output.stdout).expect("one event");
    assert_eq!(event["event_type"], "test.create");
    assert_eq!(event["message_id"], "m-1");
    assert_eq!(event["generated"], "2015-06-19T09:19:35.786893");
    let traits = event["traits"].as_array().expect("traits");
    assert!(
        traits.contains(&serde_json::json!(["service", 1, "compute.host1"])),
        "{traits:?}"
    );
    assert!(
        traits.contains(&serde_json::json!(["request_id", 1, "req-1"])),
        "{traits:?}"
    );
}

#[test]
fn pipeline_replay_prints_what_each_sink_publishes_and_names_refused_lines() {
    let dir = tempfile::tempdir().unwrap();
    let pipeline = dir.path().join("pipeline.yaml");
    std::fs::write(
        &pipeline,
        "sources:
  - {name: cpu_source, meters: [cpu], sinks: [cpu_sink]}
  - {name: meter_source, meters: ['*', '!cpu'], sinks: [meter_sink]}
sinks:
  - name: cpu_sink
    transformers:
      - name: rate_of_change
        parameters:
          target: {name: cpu_util, unit: '%', type: gauge,
                   scale: '100.0 / (10**9 * (resource_metadata.cpu_number or 1))'}
    publishers: ['gnocchi://']
  - {name: meter_sink, publishers: ['test://']}
",
    )
    .unwrap();
    let sample = |name: &str, seconds: u32, volume: f64| {
        serde_json::json!({
            "name": name, "type": "cumulative", "unit": "ns", "volume": volume,
            "user_id": "u", "project_id": "p", "resource_id": "vm-1",
            "timestamp": format!("2026-11-23T10:0{}:00", seconds / 60),
            "resource_metadata": {"cpu_number": 2}, "source": "openstack",
            "id": format!("{name}-{seconds}"),
        })
        .to_string()
    };
    let input = dir.path().join("samples.jsonl");
    std::fs::write(
        &input,
        [
            sample("cpu", 0, 120e9),
            sample("cpu", 60, 180e9),
            r#"{"name": "cpu", "volume": 1}"#.to_owned(),
            sample("memory.usage", 60, 512.0),
        ]
        .join("\n"),
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_nephometer"))
        .args(["pipeline", "replay", "--pipeline"])
        .arg(&pipeline)
        .arg("--input")
        .arg(&input)
        .arg("--cache-dir")
        .arg(dir.path())
        .env("RUST_LOG", "error")
        .output()
        .expect("nephometer runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "a refused line fails the replay");
    assert!(
        stderr.contains(&format!(
            "{}:3: sample refused: field `type` is required",
            input.display()
        )),
        "{stderr}"
    );
    let published: Vec<(String, String, f64)> = stdout
        .lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            (
                v["sink"].as_str().unwrap().to_owned(),
                v["sample"]["name"].as_str().unwrap().to_owned(),
                v["sample"]["volume"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        published,
        [
            ("cpu_sink".to_owned(), "cpu_util".to_owned(), 50.0),
            ("meter_sink".to_owned(), "memory.usage".to_owned(), 512.0)
        ],
        "{stdout}"
    );
}

fn sample(id: &str, timestamp: &str) -> nepho_storage::StoredSample {
    nepho_storage::StoredSample {
        name: "cpu".into(),
        sample_type: "cumulative".into(),
        unit: "ns".into(),
        volume: 1.0,
        user_id: None,
        project_id: Some("p".into()),
        resource_id: "r".into(),
        timestamp: timestamp.into(),
        resource_metadata: serde_json::json!({}).into(),
        source: "openstack".into(),
        message_id: id.into(),
        message_signature: None,
        recorded_at: None,
        monotonic_time: None,
    }
}

/// A SQLite database in `dir` with a sample from 2015 (`old`) and one from
/// now (`new`); its URL.
fn old_and_new_samples(dir: &Path) -> String {
    let url = format!("sqlite:///{}", dir.join("m.db").display());
    let storage = nepho_storage::BlockingStorage::open(&url).unwrap();
    let recent = nepho_storage::Timestamp::now().to_string();
    storage
        .record_samples(&[sample("old", "2015-04-23T12:00:00"), sample("new", &recent)])
        .unwrap();
    url
}

#[test]
fn expirer_removes_what_is_older_than_the_time_to_live_and_keeps_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let url = old_and_new_samples(dir.path());
    let config = dir.path().join("nephometer.toml");
    std::fs::write(
        &config,
        format!("[database]\nconnection = \"{url}\"\nmetering_time_to_live = 86400\n"),
    )
    .unwrap();
    let (ok, text) = nephometer(
        &["expirer", "--config", config.to_str().unwrap()],
        dir.path(),
    );
    assert!(ok, "{text}");
    assert!(
        text.contains("Expired 1 samples, 0 meters, 0 resources, 0 events"),
        "{text}"
    );
    let storage = nepho_storage::BlockingStorage::open(&url).unwrap();
    assert!(storage.sample("old").unwrap().is_none());
    assert!(storage.sample("new").unwrap().is_some());

    std::fs::write(&config, format!("[database]\nconnection = \"{url}\"\n")).unwrap();
    let (ok, text) = nephometer(
        &["expirer", "--config", config.to_str().unwrap()],
        dir.path(),
    );
    assert!(ok && text.contains("Nothing to clean"), "{text}");
}

#[test]
fn run_with_polling_publishes_polled_samples_into_its_own_pipelines() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let d = dir.path();
    let out = d.join("polled.txt");
    std::fs::create_dir_all(d.join("policies")).expect("policies dir");
    std::fs::write(
        d.join("policies/p.toml"),
        format!(
            "[defaults]\ndestinations = [\"file://{}/*\"]\n",
            d.display()
        ),
    )
    .expect("policy");
    std::fs::write(
        d.join("pipeline.yaml"),
        format!(
            "sources:\n- name: all\n  meters: ['*']\n  sinks: [file]\nsinks:\n- name: file\n  publishers: ['file://{}']\n",
            out.display()
        ),
    )
    .expect("pipeline");
    std::fs::write(
        d.join("polling.yaml"),
        "sources:\n- name: vms\n  interval: 1\n  meters: [cpu, memory.usage]\n- name: host\n  interval: 1\n  meters: [hardware.memory.total]\n",
    )
    .expect("polling");
    std::fs::write(
        d.join("nephometer.toml"),
        "policies = \"policies\"\n[pipeline]\nsamples = \"pipeline.yaml\"\n[polling]\ncfg_file = \"polling.yaml\"\n\
         namespaces = [\"compute\"]\noutput = \"pipeline\"\nlibvirt_uri = \"test:///default\"\nhost = \"cli-test-host\"\n",
    )
    .expect("config");
    let mut child = Command::new(env!("CARGO_BIN_EXE_nephometer"))
        .args(["run", "--config"])
        .arg(d.join("nephometer.toml"))
        .arg("--cache-dir")
        .arg(d.join("cache"))
        .env("RUST_LOG", "off")
        .spawn()
        .expect("nephometer runs");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let mut text = String::new();
    while std::time::Instant::now() < deadline {
        text = std::fs::read_to_string(&out).unwrap_or_default();
        if text.matches("'cpu'").count() >= 2 && text.contains("hardware.memory.total") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        text.matches("'cpu'").count() >= 2,
        "cpu polled every second into the file publisher:\n{text}"
    );
    assert!(text.contains("'memory.usage'"), "{text}");
    assert!(
        text.contains("'resource_id': 'cli-test-host'"),
        "the local host, by [polling] host:\n{text}"
    );
    assert!(text.contains("'source': 'hardware'"), "{text}");
}

#[test]
fn polling_refuses_a_pollster_list_that_selects_nothing() {
    let cache = tempfile::tempdir().expect("temporary directory");
    let (ok, text) = nephometer(
        &[
            "polling",
            "--polling-namespaces",
            "compute",
            "--pollster-list",
            "no.such.*",
        ],
        cache.path(),
    );
    assert!(!ok);
    assert!(
        text.contains(
            "no pollster in the namespaces [\"compute\"] matches --pollster-list [\"no.such.*\"]"
        ),
        "{text}"
    );
}

/// A `nephometer run` with the API on a free port, stopped when dropped.
struct RunningAgent {
    child: std::process::Child,
    endpoint: String,
    _dir: tempfile::TempDir,
}

impl Drop for RunningAgent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_agent_with_api() -> RunningAgent {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    std::fs::write(
        dir.path().join("tokens.toml"),
        "[tokens.admin-token]\nuser_id = \"root\"\nproject_id = \"ops\"\nroles = [\"admin\"]\n\
         [tokens.alice-token]\nuser_id = \"alice\"\nproject_id = \"project-a\"\n",
    )
    .unwrap();
    let db = dir.path().join("m.db");
    std::fs::write(
        dir.path().join("nephometer.toml"),
        format!(
            "[pipeline]\nsamples = \"builtin:pipeline.yaml\"\n\
             [database]\nconnection = \"sqlite:///{}\"\n\
             [api]\nlisten = \"127.0.0.1:{port}\"\ntokens = \"tokens.toml\"\n",
            db.display()
        ),
    )
    .unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_nephometer"))
        .args(["run", "--config"])
        .arg(dir.path().join("nephometer.toml"))
        .arg("--cache-dir")
        .arg(dir.path().join("cache"))
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("nephometer run starts");
    let agent = RunningAgent {
        child,
        endpoint: format!("http://127.0.0.1:{port}"),
        _dir: dir,
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "the API did not start listening"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    agent
}

fn client(agent: &RunningAgent, token: &str, args: &[&str]) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_nephometer"))
        .args(args)
        .args(["--os-endpoint", &agent.endpoint, "--os-token", token])
        .env("RUST_LOG", "off")
        .output()
        .expect("nephometer runs");
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), text)
}

fn json_of(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[test]
fn client_verbs_post_through_the_pipeline_and_read_back_scoped_values() {
    let agent = start_agent_with_api();
    for (resource, volume) in [("vm-1", "10"), ("vm-1", "30"), ("vm-2", "5.5")] {
        let (ok, text) = client(
            &agent,
            "alice-token",
            &[
                "sample-create",
                "-r",
                resource,
                "-m",
                "cpu_util",
                "--meter-type",
                "gauge",
                "--meter-unit",
                "%",
                "--sample-volume",
                volume,
                "--resource-metadata",
                r#"{"flavor.name": "m1.small"}"#,
            ],
        );
        assert!(ok, "{text}");
        assert!(text.contains("| project_id        | project-a"), "{text}");
    }
    let (ok, text) = client(
        &agent,
        "admin-token",
        &[
            "sample-create",
            "-r",
            "db-1",
            "-m",
            "cpu_util",
            "--meter-type",
            "gauge",
            "--meter-unit",
            "%",
            "--sample-volume",
            "99",
        ],
    );
    assert!(ok, "{text}");

    // Statistics per resource, as alice sees them (her project only).
    let (ok, text) = client(
        &agent,
        "alice-token",
        &[
            "statistics",
            "-m",
            "cpu_util",
            "-g",
            "resource_id",
            "--json",
        ],
    );
    assert!(ok, "{text}");
    let mut rows: Vec<(String, f64, f64, u64)> = json_of(&text)
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["groupby"]["resource_id"].as_str().unwrap().to_owned(),
                r["avg"].as_f64().unwrap(),
                r["max"].as_f64().unwrap(),
                r["count"].as_u64().unwrap(),
            )
        })
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        rows,
        [
            ("vm-1".to_owned(), 20.0, 30.0, 2),
            ("vm-2".to_owned(), 5.5, 5.5, 1)
        ]
    );

    // The admin sees every project's samples; a query narrows them.
    let (ok, text) = client(&agent, "admin-token", &["sample-list", "--json"]);
    assert!(ok, "{text}");
    assert_eq!(json_of(&text).as_array().unwrap().len(), 4);
    let (ok, text) = client(
        &agent,
        "admin-token",
        &[
            "sample-list",
            "-m",
            "cpu_util",
            "-q",
            "resource_id=vm-1;metadata.flavor.name=m1.small",
            "--json",
        ],
    );
    assert!(ok, "{text}");
    let volumes: Vec<f64> = json_of(&text)
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["counter_volume"].as_f64().unwrap())
        .collect();
    assert_eq!(volumes.len(), 2, "{text}");
    assert!(volumes.contains(&10.0) && volumes.contains(&30.0));

    // Tables: meters and resources as the ceilometer client prints them.
    let (ok, text) = client(&agent, "alice-token", &["resource-list"]);
    assert!(ok, "{text}");
    assert!(
        text.contains("| vm-1 ") && text.contains("| vm-2 "),
        "{text}"
    );
    assert!(
        !text.contains("db-1"),
        "another project's resource shown:\n{text}"
    );
    let (ok, text) = client(&agent, "alice-token", &["meter-list"]);
    assert!(ok, "{text}");
    assert!(text.contains("| cpu_util | gauge | %    | vm-1"), "{text}");

    // Errors: the API's message, and a refused token.
    let (ok, text) = client(&agent, "alice-token", &["sample-list", "-q", "colour=red"]);
    assert!(
        !ok && text.contains("HTTP 400") && text.contains("colour"),
        "{text}"
    );
    let (ok, text) = client(&agent, "no-such-token", &["meter-list"]);
    assert!(!ok && text.contains("HTTP 401"), "{text}");
    let (ok, text) = client(&agent, "alice-token", &["event-list", "--json"]);
    assert!(ok && json_of(&text) == serde_json::json!([]), "{text}");
}

#[test]
fn run_expires_old_samples_every_expirer_interval() {
    let dir = tempfile::tempdir().unwrap();
    let url = old_and_new_samples(dir.path());
    let config = dir.path().join("nephometer.toml");
    std::fs::write(
        &config,
        format!(
            "[database]\nconnection = \"{url}\"\nmetering_time_to_live = 86400\nexpirer_interval = 1\n"
        ),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_nephometer"))
        .args(["run", "--config"])
        .arg(&config)
        .arg("--cache-dir")
        .arg(dir.path().join("cache"))
        .env("RUST_LOG", "off")
        .spawn()
        .expect("nephometer run starts");
    let storage = nepho_storage::BlockingStorage::open(&url).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while storage.sample("old").unwrap().is_some() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("the periodic expiry did not remove the old sample");
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        storage.sample("new").unwrap().is_some(),
        "a recent sample is kept"
    );
}
