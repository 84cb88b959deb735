//! The notification agent against the real RabbitMQ (127.0.0.1:5672), with
//! notifications sent by a real producer: oslo.messaging's Notifier from PyPI
//! (`tests/amqp/notify.py`, installed by `tests/amqp/setup.sh` into
//! `target/amqp-venv`), called as Nova, Glance and the polling agent call it.
//!
//! Every test uses its own topic, exchanges and dead-letter queue, and
//! deletes them at the end, so tests run in parallel with each other and with
//! the other RabbitMQ tests.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use lapin::options::{
    BasicGetOptions, BasicPublishOptions, ExchangeDeleteOptions, QueueDeclareOptions,
    QueueDeleteOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Connection, ConnectionProperties};
use nepho_flow::{Agent, Capture};
use nepho_notification::{Consumer, Stats};
use nepho_policy::NotificationConfig;
use serde_json::{Value, json};

use crate::support::{FAST_POLICY, Site, runtime};

const BROKER: &str = "amqp://guest:guest@127.0.0.1:5672/";
const SECRET: &str = "notification-test-secret";

/// A name no other test run uses.
fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}_{}_{nanos}", std::process::id())
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace")
        .to_path_buf()
}

/// The producer's python, installed once (idempotently) by `tests/amqp/setup.sh`.
fn python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let output = Command::new("bash")
            .arg(workspace().join("tests/amqp/setup.sh"))
            .output()
            .expect("run tests/amqp/setup.sh");
        assert!(
            output.status.success(),
            "tests/amqp/setup.sh failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        PathBuf::from(String::from_utf8_lossy(&output.stdout).trim())
    })
}

/// Sends `notifications` with oslo.messaging's Notifier on `exchange` (the
/// service's control exchange) and `topic`.
fn send(exchange: &str, topic: &str, durable: bool, notifications: &[Value]) {
    let mut command = Command::new(python());
    command
        .arg(workspace().join("tests/amqp/notify.py"))
        .args(["--url", BROKER, "--exchange", exchange, "--topic", topic])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if durable {
        command.arg("--durable");
    }
    let mut child = command.spawn().expect("start notify.py");
    {
        let mut stdin = child.stdin.take().expect("stdin");
        for n in notifications {
            writeln!(stdin, "{n}").expect("write to notify.py");
        }
    }
    let output = child.wait_with_output().expect("notify.py");
    assert!(
        output.status.success(),
        "notify.py failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        notifications.len().to_string(),
        "notify.py sent them all"
    );
}

/// What Glance sends when an image is downloaded (`image.send`, as
/// `glance.notifier` builds it).
fn image_send(image_id: &str) -> Value {
    json!({
        "publisher_id": "image.localhost",
        "event_type": "image.send",
        "priority": "info",
        "payload": {
            "image_id": image_id, "bytes_sent": 42, "owner_id": "owner",
            "receiver_tenant_id": "tenant", "receiver_user_id": "user",
            "destination_ip": "10.0.0.1"
        },
        "ctxt": {"user_id": "user", "project_id": "tenant", "request_id": "req-1"}
    })
}

/// What Nova sends when an instance is created (Ceilometer's fixture, with
/// `instance_id` set).
fn instance_create_end(instance_id: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/ceilometer/notifications/compute__INSTANCE_CREATE_END.json");
    let fixture: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("json");
    let mut payload = fixture["payload"].clone();
    payload["instance_id"] = json!(instance_id);
    json!({
        "publisher_id": fixture["publisher_id"],
        "event_type": "compute.instance.create.end",
        "priority": "info",
        "payload": payload,
        "ctxt": fixture["ctxt"],
    })
}

/// A signed meter message as Ceilometer's polling agent sends it.
fn polled_sample(resource: &str, secret: &str) -> Value {
    let mut message = json!({
        "source": "openstack", "counter_name": "cpu", "counter_type": "cumulative",
        "counter_unit": "ns", "counter_volume": 1.5e9, "user_id": "user",
        "project_id": "tenant", "resource_id": resource,
        "timestamp": "2026-11-23T12:00:00.000000+00:00",
        "resource_metadata": {"host": "compute-1"},
        "message_id": format!("00000000-0000-4000-8000-{:0>12}", resource.len()),
        "monotonic_time": null
    });
    nepho_signing::sign_message(&mut message, secret).expect("an object");
    message
}

/// What the polling agent sends: `sample` priority, `telemetry.polling`.
fn telemetry_polling(samples: Vec<Value>) -> Value {
    json!({
        "publisher_id": "ceilometer.polling",
        "event_type": "telemetry.polling",
        "priority": "sample",
        "payload": {"samples": samples},
        "ctxt": {}
    })
}

/// The JSON lines written so far (a line being written is skipped).
fn lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}

/// (meter name, resource id) → how many samples.
fn sample_counts(path: &Path) -> BTreeMap<(String, String), usize> {
    let mut counts = BTreeMap::new();
    for sample in lines(path) {
        let key = (
            sample["name"].as_str().unwrap_or_default().to_owned(),
            sample["resource_id"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        );
        *counts.entry(key).or_default() += 1;
    }
    counts
}

fn wait_until(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// One test's names on the broker, deleted when dropped.
struct Names {
    topic: String,
    exchanges: Vec<String>,
    dead_letters: String,
    /// More queues to delete.
    extra_queues: Vec<String>,
}

impl Names {
    fn new(test: &str, services: &[&str]) -> Names {
        let tag = unique(test);
        Names {
            topic: format!("{tag}_notifications"),
            exchanges: services.iter().map(|s| format!("{s}_{tag}")).collect(),
            dead_letters: format!("{tag}.dead-letter"),
            extra_queues: Vec::new(),
        }
    }

    fn exchange(&self, service: &str) -> &str {
        self.exchanges
            .iter()
            .find(|e| e.starts_with(&format!("{service}_")))
            .expect("a service of this test")
    }

    fn config_table(&self, extra: &str) -> String {
        let exchanges: Vec<String> = self.exchanges.iter().map(|e| format!("{e:?}")).collect();
        format!(
            "[notification]\nurl = {BROKER:?}\ntopics = [{:?}]\nexchanges = [{}]\n\
             dead_letter_queue = {:?}\n{extra}",
            self.topic,
            exchanges.join(", "),
            self.dead_letters
        )
    }
}

impl Drop for Names {
    fn drop(&mut self) {
        let queues: Vec<String> = [
            "audit", "debug", "info", "warn", "error", "critical", "sample",
        ]
        .iter()
        .map(|p| format!("{}.{p}", self.topic))
        .chain([self.dead_letters.clone()])
        .chain(self.extra_queues.clone())
        .collect();
        let exchanges = self.exchanges.clone();
        // Never panics: a failed cleanup must not hide the test's own failure.
        let _ = try_amqp(|connection| async move {
            let channel = connection.create_channel().await?;
            for queue in queues {
                channel
                    .queue_delete(queue.into(), QueueDeleteOptions::default())
                    .await?;
            }
            for exchange in exchanges {
                channel
                    .exchange_delete(exchange.into(), ExchangeDeleteOptions::default())
                    .await?;
            }
            Ok(())
        });
    }
}

/// Runs `f` with a fresh connection on a private runtime.
fn amqp<T, F, Fut>(f: F) -> T
where
    F: FnOnce(Connection) -> Fut,
    Fut: std::future::Future<Output = lapin::Result<T>>,
{
    try_amqp(f).expect("RabbitMQ on 127.0.0.1:5672")
}

fn try_amqp<T, F, Fut>(f: F) -> lapin::Result<T>
where
    F: FnOnce(Connection) -> Fut,
    Fut: std::future::Future<Output = lapin::Result<T>>,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        // lapin reads the default vhost as `%2f`.
        let connection = Connection::connect(
            "amqp://guest:guest@127.0.0.1:5672/%2f",
            ConnectionProperties::default(),
        )
        .await?;
        f(connection).await
    })
}

/// Publishes raw bodies to `exchange` with `routing_key`, confirmed.
fn publish_raw(exchange: &str, routing_key: &str, bodies: &[Vec<u8>]) {
    let (exchange, routing_key, bodies) =
        (exchange.to_owned(), routing_key.to_owned(), bodies.to_vec());
    amqp(|connection| async move {
        let channel = connection.create_channel().await?;
        channel
            .confirm_select(lapin::options::ConfirmSelectOptions::default())
            .await?;
        for body in bodies {
            channel
                .basic_publish(
                    exchange.clone().into(),
                    routing_key.clone().into(),
                    BasicPublishOptions::default(),
                    &body,
                    BasicProperties::default().with_content_type("application/json".into()),
                )
                .await?
                .await?;
        }
        Ok(())
    });
}

/// The messages in `queue`, taken off it: (body, headers).
fn drain(queue: &str) -> Vec<(Vec<u8>, BTreeMap<String, String>)> {
    let queue = queue.to_owned();
    amqp(|connection| async move {
        let channel = connection.create_channel().await?;
        let mut out = Vec::new();
        while let Some(message) = channel
            .basic_get(queue.clone().into(), BasicGetOptions { no_ack: true })
            .await?
        {
            let headers = message
                .delivery
                .properties
                .headers()
                .clone()
                .unwrap_or_default()
                .inner()
                .iter()
                .map(|(k, v)| {
                    let text = match v {
                        AMQPValue::LongString(s) => s.to_string(),
                        other => format!("{other:?}"),
                    };
                    (k.to_string(), text)
                })
                .collect();
            out.push((message.delivery.data.clone(), headers));
        }
        Ok(out)
    })
}

/// Messages and consumers of `queue` (which must exist).
fn queue_counts(queue: &str) -> (u32, u32) {
    let queue = queue.to_owned();
    amqp(|connection| async move {
        let channel = connection.create_channel().await?;
        let q = channel
            .queue_declare(
                queue.into(),
                QueueDeclareOptions {
                    passive: true,
                    ..QueueDeclareOptions::default()
                },
                FieldTable::default(),
            )
            .await?;
        Ok((q.message_count(), q.consumer_count()))
    })
}

const PIPELINE: &str = "\
sources:
    - name: all
      meters: ['*']
      sinks: [out]
sinks:
    - name: out
      publishers: ['file://SAMPLES?json']
";

const EVENT_PIPELINE: &str = "\
sources:
    - name: all
      events: ['*']
      sinks: [out]
sinks:
    - name: out
      publishers: ['file://EVENTS?json']
";

/// A site with the meter and event components, a sample and an event
/// pipeline to files, and `notification` as its `[notification]` table.
fn site(notification: &str) -> Site {
    let config = format!(
        "[components.meters]\nsource = \"builtin:meter-definitions\"\n\
         [components.events]\nsource = \"builtin:event-definitions\"\n\
         [pipeline]\nsamples = \"pipeline.yaml\"\nevents = \"event_pipeline.yaml\"\n\
         [publisher]\ntelemetry_secret = {SECRET:?}\n{notification}"
    );
    let site = Site::new_deferred(&config, "");
    let dir = site.dir.path().display().to_string();
    site.install(
        "pipeline.yaml",
        PIPELINE
            .replace("SAMPLES", &format!("{dir}/samples.json"))
            .as_bytes(),
    );
    site.install(
        "event_pipeline.yaml",
        EVENT_PIPELINE
            .replace("EVENTS", &format!("{dir}/events.json"))
            .as_bytes(),
    );
    site.write_policy(&format!(
        "{FAST_POLICY}destinations = [\"file://{dir}/*\"]\n"
    ));
    site
}

fn notification_config(site: &Site) -> NotificationConfig {
    site.plan().notification.expect("[notification] configured")
}

fn start(site: &Site) -> (Consumer, Arc<Agent>) {
    let plan = site.plan();
    let config = plan.notification.clone().expect("[notification]");
    let agent = Arc::new(
        Agent::start(runtime(), plan, Arc::new(Capture::default()), false)
            .unwrap_or_else(|e| panic!("agent does not start:\n{e}")),
    );
    let consumer = Consumer::start(config, Arc::clone(&agent)).expect("consumer starts");
    (consumer, agent)
}

#[test]
fn nova_glance_and_polling_notifications_come_out_as_samples_and_events() {
    let names = Names::new("e2e", &["glance", "nova", "ceilometer"]);
    let site = site(&names.config_table("batch_size = 16\nbatch_timeout_ms = 50\n"));
    let (consumer, _agent) = start(&site);
    // The consumer declares the queues and bindings on connecting.
    wait_until("the queues", Duration::from_secs(20), || {
        Stats::get(&consumer.stats().connections) == 1
    });

    let images: Vec<String> = (0..30).map(|i| format!("img-{i}")).collect();
    let instances: Vec<String> = (0..10).map(|i| format!("vm-{i}")).collect();
    let glance: Vec<Value> = images.iter().map(|id| image_send(id)).collect();
    let nova: Vec<Value> = instances.iter().map(|id| instance_create_end(id)).collect();
    send(names.exchange("glance"), &names.topic, false, &glance);
    send(names.exchange("nova"), &names.topic, false, &nova);
    let polled = telemetry_polling(vec![
        polled_sample("polled-a", SECRET),
        polled_sample("polled-bb", SECRET),
    ]);
    send(names.exchange("ceilometer"), &names.topic, false, &[polled]);

    let samples = site.path("samples.json");
    let expected: BTreeSet<(String, String)> = images
        .iter()
        .flat_map(|id| {
            [
                ("image.download".to_owned(), id.clone()),
                ("image.serve".to_owned(), id.clone()),
            ]
        })
        .chain(
            instances
                .iter()
                .flat_map(|id| ["memory", "vcpus"].map(|m| (m.to_owned(), id.clone()))),
        )
        .chain(["polled-a", "polled-bb"].map(|r| ("cpu".to_owned(), r.to_owned())))
        .collect();
    wait_until("every sample", Duration::from_secs(60), || {
        let counts = sample_counts(&samples);
        expected.iter().all(|key| counts.contains_key(key))
    });
    let events = site.path("events.json");
    wait_until("the instance events", Duration::from_secs(30), || {
        lines(&events)
            .iter()
            .filter(|e| e["event_type"] == "compute.instance.create.end")
            .count()
            >= instances.len()
    });
    let event = lines(&events)
        .into_iter()
        .find(|e| e["event_type"] == "compute.instance.create.end")
        .expect("an event");
    let traits = event["traits"].to_string();
    assert!(traits.contains("instance_id"), "{event}");

    // Sample ids derive from the message ids: one per (message, meter).
    let downloads: Vec<Value> = lines(&samples)
        .into_iter()
        .filter(|s| s["name"] == "image.download")
        .collect();
    let ids: BTreeSet<&str> = downloads.iter().filter_map(|s| s["id"].as_str()).collect();
    assert_eq!(ids.len(), images.len(), "one image.download id per message");
    let polled_cpu = lines(&samples)
        .into_iter()
        .find(|s| s["resource_id"] == "polled-a")
        .expect("polled sample");
    assert_eq!(polled_cpu["volume"], json!(1.5e9));

    let stats = Arc::clone(consumer.stats());
    consumer.stop();
    assert_eq!(Stats::get(&stats.received), 41);
    assert_eq!(Stats::get(&stats.acked), 41);
    assert_eq!(Stats::get(&stats.dead_lettered), 0);
    for priority in ["info", "sample", "error"] {
        assert_eq!(
            queue_counts(&format!("{}.{priority}", names.topic)),
            (0, 0),
            "{priority}: everything acknowledged, the consumer gone"
        );
    }
}

#[test]
fn poison_messages_are_dead_lettered_and_the_rest_flow_on() {
    let names = Names::new("poison", &["glance", "ceilometer"]);
    let site = site(&names.config_table("batch_size = 8\nbatch_timeout_ms = 50\n"));
    let (consumer, _agent) = start(&site);
    wait_until("the queues", Duration::from_secs(20), || {
        Stats::get(&consumer.stats().connections) == 1
    });
    let info = format!("{}.info", names.topic);
    let sample = format!("{}.sample", names.topic);
    // Before envelope 2.0 messages went bare, with the context as `_context_*`.
    let legacy = json!({
        "message_id": "11111111-2222-4333-8444-555555555555",
        "publisher_id": "image.localhost", "event_type": "image.send", "priority": "INFO",
        "timestamp": "2026-11-23 12:00:00.000000", "_context_user": "user",
        "payload": {"image_id": "img-legacy", "bytes_sent": 7, "owner_id": "o",
                    "receiver_tenant_id": "t", "receiver_user_id": "u", "destination_ip": "x"}
    });
    publish_raw(
        names.exchange("glance"),
        &info,
        &[
            b"this is not json".to_vec(),
            legacy.to_string().into_bytes(),
        ],
    );
    let forged = json!({"oslo.version": "2.0", "oslo.message": json!({
        "message_id": "m-forged", "publisher_id": "ceilometer.polling",
        "event_type": "telemetry.polling", "priority": "SAMPLE",
        "timestamp": "2026-11-23 12:00:00.000000",
        "payload": {"samples": [polled_sample("forged", "another secret")]}
    }).to_string()});
    publish_raw(
        names.exchange("ceilometer"),
        &sample,
        &[forged.to_string().into_bytes()],
    );
    let images: Vec<String> = (0..5).map(|i| format!("img-{i}")).collect();
    let glance: Vec<Value> = images.iter().map(|id| image_send(id)).collect();
    send(names.exchange("glance"), &names.topic, false, &glance);

    let samples = site.path("samples.json");
    wait_until("the good samples", Duration::from_secs(60), || {
        let counts = sample_counts(&samples);
        images
            .iter()
            .chain([&"img-legacy".to_owned()])
            .all(|id| counts.contains_key(&("image.download".to_owned(), id.clone())))
    });
    wait_until("two dead letters", Duration::from_secs(30), || {
        Stats::get(&consumer.stats().dead_lettered) == 2
    });
    let report = nepho_notification::doctor::diagnose(&notification_config(&site), &[])
        .expect("doctor runs")
        .render();
    assert!(
        report.contains(&format!(
            "2 message(s) dead-lettered in `{}`",
            names.dead_letters
        )),
        "{report}"
    );
    let stats = Arc::clone(consumer.stats());
    consumer.stop();
    assert!(
        !sample_counts(&samples)
            .keys()
            .any(|(_, resource)| resource == "forged"),
        "a forged polled sample is never published"
    );
    let dead = drain(&names.dead_letters);
    assert_eq!(dead.len(), 2, "{dead:?}");
    let reasons: Vec<&str> = dead
        .iter()
        .map(|(_, h)| h.get("x-nephometer-reason").map_or("", String::as_str))
        .collect();
    assert!(reasons[0].contains("the body is not JSON"), "{reasons:?}");
    assert!(
        reasons[1].contains("message_signature does not match"),
        "{reasons:?}"
    );
    assert_eq!(dead[0].0, b"this is not json", "kept as it came");
    assert_eq!(dead[0].1["x-nephometer-queue"], info);
    assert_eq!(
        dead[1].1["x-nephometer-exchange"],
        names.exchange("ceilometer")
    );
    assert_eq!(Stats::get(&stats.acked), 6, "5 from oslo, 1 legacy");
}

#[test]
fn doctor_names_a_service_publishing_on_an_unconsumed_topic() {
    // Glance configured with [oslo_messaging_notifications] topics =
    // glance_notifications: its notifications pile up in
    // `glance_notifications.info`, which nobody consumes.
    let mut names = Names::new("doctor", &["glance"]);
    let glance = names.exchange("glance").to_owned();
    let wrong_topic = format!("{glance}_notifications");
    let wrong_queue = format!("{wrong_topic}.info");
    names.extra_queues.push(wrong_queue.clone());
    let glance_sends: Vec<Value> = (0..3).map(|i| image_send(&format!("img-{i}"))).collect();
    send(&glance, &wrong_topic, false, &glance_sends);
    assert_eq!(queue_counts(&wrong_queue), (3, 0));

    let site = site(&names.config_table(""));
    let config = notification_config(&site);
    let report = nepho_notification::doctor::diagnose(&config, &[]).expect("doctor runs");
    let text = report.render();
    assert!(report.has_problems(), "{text}");
    assert!(
        text.contains(&format!(
            "PROBLEM: `{wrong_queue}` holds 3 notification(s) and has no consumer"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "set topics = [\"{}\", \"{wrong_topic}\"] in [notification], or fix {glance}'s [oslo_messaging_notifications] topics = {}",
            names.topic, names.topic
        )),
        "{text}"
    );
    if !report.method.contains("management API") {
        assert!(
            text.contains("not checked: queues other than"),
            "says what it could not check:\n{text}"
        );
    }

    // The command says the same and exits 1.
    let output = Command::new(nephometer())
        .args(["doctor", "--config"])
        .arg(site.config_path())
        .env("RUST_LOG", "off")
        .output()
        .expect("nephometer doctor");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains(&wrong_queue), "{stdout}");
}

/// The `nephometer` binary of this profile, built if needed.
fn nephometer() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        let exe = std::env::current_exe().expect("test binary");
        // target/<profile>/deps/all-<hash>
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("target/<profile>")
            .to_path_buf();
        let release = profile_dir.file_name().is_some_and(|n| n == "release");
        let mut cargo = Command::new(env!("CARGO"));
        cargo
            .args(["build", "--quiet", "-p", "nepho-cli", "--bin", "nephometer"])
            .current_dir(workspace());
        if release {
            cargo.arg("--release");
        }
        let status = cargo.status().expect("cargo build nephometer");
        assert!(status.success(), "building nephometer failed");
        profile_dir.join("nephometer")
    })
}

/// `nephometer run` in its own process.
fn spawn_agent(site: &Site, log: &Path) -> Child {
    let log = std::fs::File::create(log).expect("log file");
    Command::new(nephometer())
        .args(["run", "--config"])
        .arg(site.config_path())
        .arg("--cache-dir")
        .arg(site.path("cache"))
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("nephometer run")
}

#[test]
fn killing_the_agent_mid_batch_loses_nothing_it_acknowledged() {
    const N: usize = 4000;
    let names = Names::new("kill", &["glance"]);
    let site =
        site(&names.config_table(
            "batch_size = 50\nprefetch = 200\nbatch_timeout_ms = 20\nevents = \"\"\n",
        ));
    site.plan();
    let images: Vec<String> = (0..N).map(|i| format!("img-{i}")).collect();
    let glance: Vec<Value> = images.iter().map(|id| image_send(id)).collect();
    let samples = site.path("samples.json");

    // The notifications wait in the queue (oslo.messaging declared and bound
    // it), so the agent is busy from its first batch to the last and the
    // kill lands in the middle of one.
    send(names.exchange("glance"), &names.topic, false, &glance);
    let mut agent = spawn_agent(&site, &site.path("agent-1.log"));
    let deadline = Instant::now() + Duration::from_secs(120);
    while lines(&samples).len() < 200 {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for the first samples"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    agent.kill().expect("kill -9");
    agent.wait().expect("reaped");
    let written_before = lines(&samples).len();
    assert!(
        written_before < 2 * N,
        "killed before the end ({written_before} samples)"
    );
    // Every message is either written or back in its queue: what was
    // delivered but not acknowledged returns when the connection drops.
    let queue = format!("{}.info", names.topic);
    wait_until(
        "the unacknowledged back in the queue",
        Duration::from_secs(10),
        || queue_counts(&queue).0 as usize + written_before / 2 >= N,
    );

    let mut agent = spawn_agent(&site, &site.path("agent-2.log"));
    let finished = std::panic::catch_unwind(|| {
        wait_until(
            "every sample after the restart",
            Duration::from_secs(180),
            || {
                let counts = sample_counts(&samples);
                images
                    .iter()
                    .all(|id| counts.contains_key(&("image.download".to_owned(), id.clone())))
            },
        );
    });
    agent.kill().expect("kill");
    agent.wait().expect("reaped");
    if finished.is_err() {
        let counts = sample_counts(&samples);
        let missing: Vec<&String> = images
            .iter()
            .filter(|id| !counts.contains_key(&("image.download".to_owned(), (*id).clone())))
            .collect();
        panic!(
            "{} of {N} notifications lost after kill -9; first: {:?}\nlog:\n{}",
            missing.len(),
            missing.first(),
            std::fs::read_to_string(site.path("agent-2.log")).unwrap_or_default()
        );
    }
    let downloads = sample_counts(&samples)
        .into_iter()
        .filter(|((name, _), _)| name == "image.download")
        .map(|(_, n)| n)
        .sum::<usize>();
    eprintln!(
        "kill -9 after {written_before} samples: {downloads} image.download samples for {N} notifications ({} redelivered)",
        downloads - N
    );
    assert_eq!(queue_counts(&format!("{}.info", names.topic)).0, 0);
}

/// Restarts the whole broker, so it is not run by default: other tests
/// using RabbitMQ at the same moment would fail. Run it alone:
/// `cargo test -p nepho-tests --test all notifications::a_broker_restart -- --ignored`
#[test]
#[ignore = "restarts RabbitMQ (rabbitmqctl stop_app/start_app); run alone with --ignored"]
fn a_broker_restart_mid_stream_loses_nothing() {
    const N: usize = 2000;
    let names = Names::new("restart", &["glance"]);
    let site = site(&names.config_table(
        "durable_queues = true\nbatch_size = 20\nbatch_timeout_ms = 20\nevents = \"\"\n",
    ));
    let (consumer, _agent) = start(&site);
    wait_until("the queues", Duration::from_secs(20), || {
        Stats::get(&consumer.stats().connections) == 1
    });
    let images: Vec<String> = (0..N).map(|i| format!("img-{i}")).collect();
    let notifications: Vec<Value> = images.iter().map(|id| image_send(id)).collect();
    // Glance keeps sending through the restart (oslo.messaging reconnects).
    let exchange = names.exchange("glance").to_owned();
    let topic = names.topic.clone();
    let producer = std::thread::spawn(move || send(&exchange, &topic, true, &notifications));
    let samples = site.path("samples.json");
    wait_until("the stream under way", Duration::from_secs(60), || {
        lines(&samples).len() >= 200
    });
    let rabbitmqctl = |action: &str| {
        let status = Command::new("rabbitmqctl")
            .arg(action)
            .stdout(Stdio::null())
            .status()
            .expect("rabbitmqctl");
        assert!(status.success(), "rabbitmqctl {action}");
    };
    rabbitmqctl("stop_app");
    let at_restart = lines(&samples).len();
    std::thread::sleep(Duration::from_secs(2));
    rabbitmqctl("start_app");
    producer.join().expect("the producer sent everything");
    wait_until(
        "every sample after the restart",
        Duration::from_secs(120),
        || {
            let counts = sample_counts(&samples);
            images
                .iter()
                .all(|id| counts.contains_key(&("image.download".to_owned(), id.clone())))
        },
    );
    eprintln!(
        "broker stopped with {at_restart} of {} samples written; all {N} notifications metered after it",
        2 * N
    );
    assert!(at_restart < 2 * N, "the restart came mid-stream");
    assert!(
        Stats::get(&consumer.stats().connections) >= 2,
        "reconnected"
    );
    consumer.stop();
}

/// A collector that accepts JSON posts, or breaks the connection without an
/// answer (a transport failure, which the publisher reports) when the body
/// names `poison-image` or while `down` is set.
struct Collector {
    port: u16,
    down: Arc<std::sync::atomic::AtomicBool>,
    accepted: Arc<std::sync::Mutex<Vec<String>>>,
    refused: Arc<std::sync::atomic::AtomicUsize>,
}

impl Collector {
    fn start() -> Collector {
        use std::io::{BufRead, BufReader, Read};
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("address").port();
        let collector = Collector {
            port,
            down: Arc::default(),
            accepted: Arc::default(),
            refused: Arc::default(),
        };
        let (down, accepted, refused) = (
            Arc::clone(&collector.down),
            Arc::clone(&collector.accepted),
            Arc::clone(&collector.refused),
        );
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some((name, value)) = line.split_once(':')
                        && name.eq_ignore_ascii_case("content-length")
                    {
                        length = value.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0; length];
                if reader.read_exact(&mut body).is_err() {
                    continue;
                }
                let body = String::from_utf8_lossy(&body).into_owned();
                if down.load(Ordering::SeqCst) || body.contains("poison-image") {
                    refused.fetch_add(1, Ordering::SeqCst);
                    continue; // dropped: the connection closes unanswered
                }
                accepted.lock().expect("lock").push(body);
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                );
            }
        });
        collector
    }

    /// Whether every image id was accepted in some post.
    fn accepted_all(&self, ids: &[String]) -> bool {
        let accepted = self.accepted.lock().expect("lock");
        ids.iter().all(|id| {
            accepted
                .iter()
                .any(|body| body.contains(&format!("\"{id}\"")))
        })
    }
}

#[test]
fn an_outage_requeues_without_counting_and_a_message_failing_alone_is_dead_lettered() {
    use std::sync::atomic::Ordering;
    let names = Names::new("attempts", &["glance"]);
    let collector = Collector::start();
    let site = {
        let config = format!(
            "[components.meters]\nsource = \"builtin:meter-definitions\"\n\
             [pipeline]\nsamples = \"pipeline.yaml\"\n{}",
            names.config_table("batch_size = 10\nbatch_timeout_ms = 200\nmax_attempts = 2\n")
        );
        let site = Site::new_deferred(&config, "");
        site.install(
            "pipeline.yaml",
            format!(
                "sources:\n  - name: all\n    meters: ['image.download']\n    sinks: [out]\n\
                 sinks:\n  - name: out\n    publishers: ['http://127.0.0.1:{}/collector?timeout=2&max_retries=0']\n",
                collector.port
            )
            .as_bytes(),
        );
        site.write_policy(&format!(
            "{FAST_POLICY}destinations = [\"http://127.0.0.1:*/collector\"]\n"
        ));
        site
    };
    let (consumer, _agent) = start(&site);
    wait_until("the queues", Duration::from_secs(20), || {
        Stats::get(&consumer.stats().connections) == 1
    });

    // An outage: every post fails. Nothing is acknowledged, nothing dead-lettered.
    collector.down.store(true, Ordering::SeqCst);
    let first: Vec<String> = (0..4).map(|i| format!("img-a{i}")).collect();
    send(
        names.exchange("glance"),
        &names.topic,
        false,
        &first.iter().map(|id| image_send(id)).collect::<Vec<_>>(),
    );
    wait_until("failed posts", Duration::from_secs(30), || {
        collector.refused.load(Ordering::SeqCst) >= 6 && Stats::get(&consumer.stats().requeued) >= 4
    });
    assert_eq!(Stats::get(&consumer.stats().acked), 0);
    assert_eq!(Stats::get(&consumer.stats().dead_lettered), 0);
    collector.down.store(false, Ordering::SeqCst);
    wait_until(
        "the posts after the outage",
        Duration::from_secs(60),
        || collector.accepted_all(&first),
    );
    assert_eq!(
        Stats::get(&consumer.stats().dead_lettered),
        0,
        "an outage dead-letters nothing"
    );

    // One message the collector always refuses, among good ones.
    let second: Vec<String> = (0..5)
        .map(|i| format!("img-b{i}"))
        .chain(["poison-image".to_owned()])
        .collect();
    send(
        names.exchange("glance"),
        &names.topic,
        false,
        &second.iter().map(|id| image_send(id)).collect::<Vec<_>>(),
    );
    wait_until("the poison dead-lettered", Duration::from_secs(60), || {
        Stats::get(&consumer.stats().dead_lettered) == 1
    });
    assert!(collector.accepted_all(&second[..5]), "the others flowed on");
    let stats = Arc::clone(consumer.stats());
    consumer.stop();
    assert_eq!(Stats::get(&stats.acked), 9);
    let dead = drain(&names.dead_letters);
    assert_eq!(dead.len(), 1);
    let body = String::from_utf8_lossy(&dead[0].0);
    assert!(body.contains("poison-image"), "{body}");
    let reason = &dead[0].1["x-nephometer-reason"];
    assert!(
        reason.starts_with("failed 2 times, last: publisher http://127.0.0.1:"),
        "{reason}"
    );
    assert_eq!(
        dead[0].1["x-nephometer-attempts"], "LongLongInt(1)",
        "counted once before"
    );
}

/// The distributed polling path: `nephometer polling` in its own process
/// polls libvirt's test driver and sends signed `telemetry.polling`
/// notifications; the notification agent verifies and publishes them. A
/// polling agent with another secret gets nothing through.
#[test]
fn a_separate_polling_agent_reaches_the_pipeline_through_rabbitmq() {
    let names = Names::new("polling", &["ceilometer"]);
    let site = site(&names.config_table("batch_size = 8\nbatch_timeout_ms = 50\n"));
    let (consumer, _agent) = start(&site);
    wait_until("the queues", Duration::from_secs(20), || {
        Stats::get(&consumer.stats().connections) == 1
    });
    let uuid = {
        let out = Command::new("virsh")
            .args(["-c", "test:///default", "domuuid", "test"])
            .output()
            .expect("virsh");
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    assert!(!uuid.is_empty(), "the test driver's domain has a UUID");
    let polling_yaml = site.path("polling.yaml");
    std::fs::write(
        &polling_yaml,
        "sources:\n  - name: compute\n    interval: 3600\n    meters: [cpu, vcpus, memory]\n",
    )
    .expect("polling.yaml");
    let polling_agent = |secret: &str, log: &str| {
        let config = site.path(&format!("polling-{secret}.toml"));
        std::fs::write(
            &config,
            format!(
                "[publisher]\ntelemetry_secret = {secret:?}\n\
                 [polling]\ncfg_file = {:?}\nnamespaces = [\"compute\"]\n\
                 libvirt_uri = \"test:///default\"\nurl = {BROKER:?}\n\
                 topics = [{:?}]\nexchange = {:?}\n",
                polling_yaml.display().to_string(),
                names.topic,
                names.exchange("ceilometer"),
            ),
        )
        .expect("polling config");
        let log = std::fs::File::create(site.path(log)).expect("log");
        Command::new(nephometer())
            .args(["polling", "--config"])
            .arg(&config)
            .arg("--cache-dir")
            .arg(site.path("cache"))
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("nephometer polling")
    };
    let mut forger = polling_agent("not-the-secret", "forger.log");
    let mut poller = polling_agent(SECRET, "polling.log");
    let samples = site.path("samples.json");
    wait_until("the polled samples", Duration::from_secs(60), || {
        let counts = sample_counts(&samples);
        ["cpu", "vcpus", "memory"]
            .iter()
            .all(|m| counts.contains_key(&((*m).to_owned(), uuid.clone())))
    });
    // Both agents polled once (the interval is an hour): the forger's
    // messages were refused, so each meter came through exactly once.
    wait_until("the forged messages", Duration::from_secs(30), || {
        Stats::get(&consumer.stats().received) >= 2
    });
    std::thread::sleep(Duration::from_millis(500));
    let counts = sample_counts(&samples);
    for meter in ["cpu", "vcpus", "memory"] {
        assert_eq!(
            counts[&(meter.to_owned(), uuid.clone())],
            1,
            "{meter}: {counts:?}"
        );
    }
    let vcpus = lines(&samples)
        .into_iter()
        .find(|s| s["name"] == "vcpus")
        .expect("vcpus");
    let dominfo = Command::new("virsh")
        .args(["-c", "test:///default", "dominfo", "test"])
        .output()
        .expect("virsh");
    let cpus: f64 = String::from_utf8_lossy(&dominfo.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("CPU(s):"))
        .and_then(|v| v.trim().parse().ok())
        .expect("CPU(s) in dominfo");
    assert_eq!(vcpus["volume"].as_f64(), Some(cpus));
    assert!(
        Stats::get(&consumer.stats().dead_lettered) >= 1,
        "the forged batch"
    );
    let _ = forger.kill();
    let _ = poller.kill();
    let _ = forger.wait();
    let _ = poller.wait();
    consumer.stop();
}
