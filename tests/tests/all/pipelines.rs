//! Running pipelines: Ceilometer pipeline files drive real transformer
//! components; sources pick samples, sinks chain transformers and publish;
//! reloads keep or flush transformer state as documented.

use std::sync::Arc;

use nepho_flow::{Agent, Capture, Captured};
use nepho_runtime::bindings::{MeterType, SampleBatch};
use nepho_runtime::{OwnedSample, Reload};

use crate::support::{FAST_POLICY, Site, runtime};

/// A polled cpu sample of `resource`, `seconds` into the run.
fn cpu(resource: &str, seconds: u32, nanoseconds: f64) -> OwnedSample {
    OwnedSample {
        name: "cpu".into(),
        meter_type: MeterType::Cumulative,
        unit: "ns".into(),
        volume: nanoseconds,
        user_id: Some("user".into()),
        project_id: Some("project".into()),
        resource_id: resource.into(),
        timestamp: format!("2026-11-23T10:{:02}:{:02}", seconds / 60, seconds % 60),
        resource_metadata: r#"{"cpu_number": 4, "flavor": {"vcpus": 4}}"#.into(),
        source: "openstack".into(),
        id: format!("{resource}-{seconds}"),
        monotonic_time: None,
    }
}

fn memory(resource: &str) -> OwnedSample {
    OwnedSample {
        name: "memory.usage".into(),
        meter_type: MeterType::Gauge,
        unit: "MB".into(),
        volume: 512.0,
        ..cpu(resource, 0, 0.0)
    }
}

/// The current UTC time as Ceilometer writes polled timestamps.
fn utc_now() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970");
    let (days, second) = (now.as_secs() / 86_400, now.as_secs() % 86_400);
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}",
        second / 3600,
        second / 60 % 60,
        second % 60,
        now.subsec_micros()
    )
}

fn batch(samples: &[OwnedSample]) -> SampleBatch {
    SampleBatch::from_samples(samples)
}

const CPU_SINK: &str = "\
sources:
    - name: meter_source
      meters: ['*', '!cpu']
      sinks: [meter_sink]
    - name: cpu_source
      meters: [cpu]
      sinks: [cpu_sink, cpu_delta_sink]
sinks:
    - name: meter_sink
      publishers: [test://]
    - name: cpu_sink
      transformers:
          - name: rate_of_change
            parameters:
                target:
                    name: cpu_util
                    unit: '%'
                    type: gauge
                    max: 100
                    scale: '100.0 / (10**9 * (resource_metadata.cpu_number or 1))'
      publishers: [test://]
    - name: cpu_delta_sink
      transformers:
          - name: delta
            parameters:
                target: {name: cpu.delta}
                growth_only: true
      publishers: [test://]
";

fn config() -> &'static str {
    "[pipeline]\nsamples = \"pipeline.yaml\"\n"
}

/// A site with `pipeline` and an agent running it.
fn start(pipeline: &str) -> (Site, Agent, Arc<Capture>) {
    let site = Site::new_deferred(config(), FAST_POLICY);
    site.install("pipeline.yaml", pipeline.as_bytes());
    let capture = Arc::new(Capture::default());
    let agent = Agent::start(runtime(), site.plan(), Arc::clone(&capture), false)
        .unwrap_or_else(|e| panic!("agent does not start:\n{e}"));
    (site, agent, capture)
}

/// (sink, name, volume) of every captured sample.
fn published(capture: &Capture) -> Vec<(String, String, f64)> {
    capture
        .take()
        .into_iter()
        .flat_map(|captured| match captured {
            Captured::Samples { sink, samples } => samples
                .into_iter()
                .map(|s| {
                    (
                        sink.clone(),
                        s["name"].as_str().unwrap_or_default().to_owned(),
                        s["volume"].as_f64().unwrap_or(f64::NAN),
                    )
                })
                .collect::<Vec<_>>(),
            Captured::Events { .. } => Vec::new(),
        })
        .collect()
}

fn row(sink: &str, name: &str, volume: f64) -> (String, String, f64) {
    (sink.to_owned(), name.to_owned(), volume)
}

#[test]
fn sources_pick_samples_and_sinks_run_their_transformer_components() {
    let (_site, agent, capture) = start(CPU_SINK);
    agent
        .publish_samples(&batch(&[cpu("vm-1", 0, 120e9), memory("vm-1")]))
        .unwrap();
    // The first cpu sample has no predecessor: rate_of_change and delta drop it.
    assert_eq!(
        published(&capture),
        [row("meter_sink", "memory.usage", 512.0)]
    );

    agent
        .publish_samples(&batch(&[cpu("vm-1", 60, 180e9)]))
        .unwrap();
    // 60e9 ns over 60 s on 4 cpus = 25 %; the delta is 60e9.
    assert_eq!(
        published(&capture),
        [
            row("cpu_sink", "cpu_util", 25.0),
            row("cpu_delta_sink", "cpu.delta", 60e9)
        ]
    );
    // A counter reset: rate_of_change assumes growth from 0, delta (growth_only) drops it.
    agent
        .publish_samples(&batch(&[cpu("vm-1", 120, 30e9)]))
        .unwrap();
    assert_eq!(published(&capture), [row("cpu_sink", "cpu_util", 12.5)]);
}

const AGGREGATE: &str = "\
sources:
    - name: held
      meters: [memory.usage]
      sinks: [held_sink]
    - name: cpu_source
      meters: [cpu]
      sinks: [cpu_sink]
sinks:
    - name: held_sink
      transformers:
          - name: aggregator
            parameters: {size: SIZE, retention_time: 1}
      publishers: [test://]
    - name: cpu_sink
      transformers:
          - name: rate_of_change
            parameters:
                target: {name: cpu_util, unit: '%', type: gauge, scale: '100.0 / (10**9 * (resource_metadata.cpu_number or 1))'}
      publishers: [test://]
";

#[test]
fn reloading_a_transformer_publishes_what_it_held_and_keeps_other_state() {
    let (site, agent, capture) = start(&AGGREGATE.replace("SIZE", "100"));
    // The retention time runs from the first sample's timestamp.
    let mut first = memory("a");
    first.timestamp = utc_now();
    let mut second = first.clone();
    second.volume = 256.0;
    agent
        .publish_samples(&batch(&[first, second, cpu("vm-1", 0, 120e9)]))
        .unwrap();
    assert_eq!(
        published(&capture),
        [],
        "the aggregator holds 2 of 100 for 1 s"
    );

    // Once the retention time has passed, the next flush releases the average;
    // here that flush is the one the host makes when it retires the instance.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    site.install("pipeline.yaml", AGGREGATE.replace("SIZE", "200").as_bytes());
    let report = agent.reload(site.plan()).expect("reload");
    assert_eq!(report.changed, ["pipeline/held_sink/0/aggregator"]);
    assert_eq!(
        published(&capture),
        [row("held_sink", "memory.usage", 384.0)],
        "what the replaced aggregator released goes on through its sink"
    );

    // The rate_of_change instance was not touched: it still knows vm-1.
    agent
        .publish_samples(&batch(&[cpu("vm-1", 60, 180e9)]))
        .unwrap();
    assert_eq!(published(&capture), [row("cpu_sink", "cpu_util", 25.0)]);
}

#[test]
fn a_publisher_destination_must_be_granted() {
    let pipeline = CPU_SINK.replacen(
        "- name: meter_sink\n      publishers: [test://]",
        "- name: meter_sink\n      publishers: [test://, 'udp://127.0.0.1:4952']",
        1,
    );
    let site = Site::new_deferred(config(), FAST_POLICY);
    site.install("pipeline.yaml", pipeline.as_bytes());
    let capture = Arc::new(Capture::default());
    let error = Agent::start(runtime(), site.plan(), capture, false)
        .err()
        .expect("an ungranted destination is refused")
        .to_string();
    let at = format!("{}:9:", site.path("pipeline.yaml").display());
    assert!(
        error.contains(&at)
            && error.contains("pipeline/meter_sink/publisher/1")
            && error.contains("destination udp://127.0.0.1:4952 of sink meter_sink is not granted"),
        "{error}"
    );
}

const PUBLISHING: &str = "\
sources:
    - name: meter_source
      meters: ['*']
      sinks: [meter_sink]
sinks:
    - name: meter_sink
      publishers:
          - 'http://127.0.0.1:PORT/collector?timeout=1&max_retries=0'
          - 'file://FILE?json&max_bytes=900&backup_count=2'
";

/// A port nothing listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

#[test]
fn publishers_encode_in_components_and_one_failure_never_stops_the_others() {
    let site = Site::new_deferred(config(), "");
    let file = site.path("samples.log");
    let pipeline = PUBLISHING
        .replace("PORT", &closed_port().to_string())
        .replace("FILE", &file.display().to_string());
    site.install("pipeline.yaml", pipeline.as_bytes());
    site.write_policy(&format!(
        "{FAST_POLICY}destinations = [\"http://127.0.0.1:*/collector\", \"file://{}*\"]\n",
        site.dir.path().display()
    ));
    let capture = Arc::new(Capture::default());
    let agent = Agent::start(runtime(), site.plan(), capture, false)
        .unwrap_or_else(|e| panic!("agent does not start:\n{e}"));

    for round in 0..3 {
        let failures = agent
            .publish_samples(&batch(&[
                memory(&format!("vm-{round}")),
                cpu("vm-1", 0, 1.0),
            ]))
            .expect_err("the HTTP collector is down");
        assert_eq!(failures.len(), 1, "{failures:?}");
        assert_eq!(failures[0].sink, "meter_sink");
        assert!(
            failures[0].url.starts_with("http://127.0.0.1:"),
            "{failures:?}"
        );
    }

    // The file publisher wrote every sample as a JSON line, rotating at 900 bytes.
    let mut lines = Vec::new();
    for name in ["samples.log.2", "samples.log.1", "samples.log"] {
        if let Ok(text) = std::fs::read_to_string(site.path(name)) {
            assert!(
                text.len() < 900 || text.lines().count() == 1,
                "{name} rotated late"
            );
            lines.extend(text.lines().map(str::to_owned));
        }
    }
    assert!(site.path("samples.log.1").exists(), "the file rotated");
    let resources: Vec<(String, String)> = lines
        .iter()
        .map(|line| {
            let sample: serde_json::Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}"));
            (
                sample["name"].as_str().unwrap().to_owned(),
                sample["resource_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = (0..3)
        .flat_map(|round| {
            [
                ("memory.usage".to_owned(), format!("vm-{round}")),
                ("cpu".to_owned(), "vm-1".to_owned()),
            ]
        })
        .collect();
    // Rotation keeps 2 backups: the oldest lines may have rolled off the end.
    assert!(
        expected.ends_with(&resources) && resources.len() >= 3,
        "{resources:?}"
    );
}

/// Takes every message from the queue `queue` on the local RabbitMQ, then deletes it.
fn drain_queue(queue: &str) -> Vec<Vec<u8>> {
    use lapin::options::{BasicGetOptions, QueueDeleteOptions};
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio");
    runtime.block_on(async {
        let connection = lapin::Connection::connect(
            "amqp://guest:guest@127.0.0.1:5672/%2f",
            lapin::ConnectionProperties::default(),
        )
        .await
        .expect("RabbitMQ runs on 127.0.0.1:5672");
        let channel = connection.create_channel().await.expect("channel");
        let mut bodies = Vec::new();
        while let Some(message) = channel
            .basic_get(queue.into(), BasicGetOptions { no_ack: true })
            .await
            .expect("basic.get")
        {
            bodies.push(message.delivery.data);
        }
        let _ = channel
            .queue_delete(queue.into(), QueueDeleteOptions::default())
            .await;
        bodies
    })
}

#[test]
fn notifier_messages_are_signed_and_verified_where_they_come_back_in() {
    let topic = format!("nepho-e2e-{}", std::process::id());
    let pipeline = format!(
        "sources:\n  - name: s\n    meters: ['*']\n    sinks: [k]\nsinks:\n  - name: k\n    publishers: ['notifier://127.0.0.1:5672/?topic={topic}']\n"
    );
    let site = Site::new_deferred(
        "[pipeline]\nsamples = \"pipeline.yaml\"\n[publisher]\ntelemetry_secret = \"s3cret\"\n",
        &format!("{FAST_POLICY}destinations = [\"notifier://127.0.0.1:5672*\"]\n"),
    );
    site.install("pipeline.yaml", pipeline.as_bytes());
    let agent = Agent::start(runtime(), site.plan(), Arc::new(Capture::default()), false)
        .unwrap_or_else(|e| panic!("agent does not start:\n{e}"));
    agent
        .publish_samples(&batch(&[memory("vm-a"), cpu("vm-b", 0, 7.0)]))
        .expect("published with confirmation");

    let bodies = drain_queue(&format!("{topic}.sample"));
    assert_eq!(bodies.len(), 1, "one notification for the batch");
    let envelope: serde_json::Value = serde_json::from_slice(&bodies[0]).unwrap();
    assert_eq!(envelope["oslo.version"], "2.0");
    let message: serde_json::Value =
        serde_json::from_str(envelope["oslo.message"].as_str().unwrap()).unwrap();
    assert_eq!(message["priority"], "SAMPLE");
    assert_eq!(message["event_type"], "metering");
    let payload = message["payload"].as_array().unwrap();
    let received: Vec<(String, String, f64)> = payload
        .iter()
        .map(|meter_message| {
            let sample = nepho_flow::sample_from_json(meter_message, "s3cret")
                .unwrap_or_else(|e| panic!("{meter_message}: {e}"));
            assert_eq!(
                nepho_flow::sample_from_json(meter_message, "another secret"),
                Err(nepho_flow::IntakeError::BadSignature)
            );
            (sample.name, sample.resource_id, sample.volume)
        })
        .collect();
    assert_eq!(
        received,
        [
            ("memory.usage".to_owned(), "vm-a".to_owned(), 512.0),
            ("cpu".to_owned(), "vm-b".to_owned(), 7.0)
        ]
    );
}

#[test]
fn event_sources_pick_events_by_type() {
    let pipeline = "\
sources:
  - {name: compute, events: ['compute.instance.*'], sinks: [compute_sink]}
  - {name: rest, events: ['*', '!compute.*'], sinks: [rest_sink]}
sinks:
  - {name: compute_sink, publishers: ['test://']}
  - {name: rest_sink, publishers: ['test://']}
";
    let site = Site::new_deferred(
        "[components.events]\nsource = \"builtin:event-definitions\"\n[pipeline]\nevents = \"event_pipeline.yaml\"\n",
        FAST_POLICY,
    );
    site.install("event_pipeline.yaml", pipeline.as_bytes());
    let capture = Arc::new(Capture::default());
    let agent = Agent::start(runtime(), site.plan(), Arc::clone(&capture), false)
        .unwrap_or_else(|e| panic!("agent does not start:\n{e}"));
    let fixtures =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/ceilometer/notifications");
    let mut notifications = nepho_runtime::NotificationBatchBuilder::default();
    for (file, event_type) in [
        (
            "compute__INSTANCE_CREATE_END.json",
            "compute.instance.create.end",
        ),
        ("image__NOTIFICATION_SEND.json", "image.send"),
    ] {
        let body = std::fs::read_to_string(fixtures.join(file)).expect("fixture");
        notifications.push(event_type, "info", &body);
    }
    let events = agent
        .components()
        .convert_events("events", &notifications.finish())
        .expect("events");
    agent.publish_events(&events).expect("published");
    let by_sink: Vec<(String, Vec<String>)> = capture
        .take()
        .into_iter()
        .filter_map(|captured| match captured {
            Captured::Events { sink, events } => Some((
                sink,
                events
                    .iter()
                    .map(|e| e["event_type"].as_str().unwrap_or_default().to_owned())
                    .collect(),
            )),
            Captured::Samples { .. } => None,
        })
        .collect();
    assert_eq!(
        by_sink,
        [
            (
                "compute_sink".to_owned(),
                vec!["compute.instance.create.end".to_owned()]
            ),
            ("rest_sink".to_owned(), vec!["image.send".to_owned()]),
        ]
    );
}

#[test]
fn the_database_publisher_stores_each_sample_once_and_the_host_needs_no_component() {
    let site = Site::new_deferred("", FAST_POLICY);
    let db = site.path("metering.db");
    site.write_config(&format!(
        "[pipeline]\nsamples = \"pipeline.yaml\"\n[database]\nconnection = {:?}\n",
        nepho_storage::sqlite_url(&db)
    ));
    site.install(
        "pipeline.yaml",
        b"sources:\n  - {name: s, meters: ['*'], sinks: [k]}\nsinks:\n  - {name: k, publishers: ['database://']}\n",
    );
    let agent = Agent::start(runtime(), site.plan(), Arc::new(Capture::default()), false)
        .unwrap_or_else(|e| panic!("agent does not start:\n{e}"));
    let samples = batch(&[memory("vm-a"), cpu("vm-b", 60, 7.0)]);
    agent.publish_samples(&samples).expect("stored");
    agent
        .publish_samples(&samples)
        .expect("a redelivered batch is accepted");

    let storage = nepho_storage::BlockingStorage::open(&nepho_storage::sqlite_url(&db)).unwrap();
    let mut stored: Vec<(String, String, f64)> = storage
        .samples(&nepho_storage::Filter::all(), None)
        .unwrap()
        .into_iter()
        .map(|s| (s.name, s.resource_id, s.volume))
        .collect();
    stored.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        stored,
        [
            ("cpu".to_owned(), "vm-b".to_owned(), 7.0),
            ("memory.usage".to_owned(), "vm-a".to_owned(), 512.0)
        ],
        "each sample once, though published twice"
    );
}
