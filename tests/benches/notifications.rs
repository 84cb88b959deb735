//! The notification agent's end-to-end rate against the local RabbitMQ:
//! messages taken from a queue, decoded, converted by the `meter-definitions`
//! component, run through a pipeline to a `file://` publisher and
//! acknowledged, beside the rate at which a bare lapin consumer (prefetch
//! and acknowledgement in batches alike, no work) drains the same messages
//! from the same kind of queue.
//!
//! Usage: `cargo bench -p nepho-tests --bench notifications -- [MESSAGES] [ROUNDS]`
//! (default 20,000 messages, 3 rounds; the median round of each is reported).
//! The messages are Glance `image.send` notifications in oslo.messaging's 2.0
//! envelope, published with lapin beforehand (the producer is not timed).

#![allow(missing_docs, reason = "a benchmark binary")]

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_lite::StreamExt;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, BasicQosOptions,
    ConfirmSelectOptions, ExchangeDeclareOptions, ExchangeDeleteOptions, QueueBindOptions,
    QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Connection, ConnectionProperties, ExchangeKind};
use nepho_flow::{Agent, Capture};
use nepho_notification::{Consumer, Stats};
use nepho_policy::{ConfigSource, Plan};
use nepho_runtime::{Runtime, RuntimeConfig};
use serde_json::json;

const URL: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";
const PREFETCH: u16 = 256;
const BATCH: usize = 100;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("tokio")
}

/// One oslo.messaging 2.0 envelope around a Glance `image.send`.
fn message(i: usize) -> Vec<u8> {
    let inner = json!({
        "message_id": format!("6c3d0e7a-0000-4000-8000-{i:012}"),
        "publisher_id": "image.localhost",
        "event_type": "image.send",
        "priority": "INFO",
        "payload": {
            "image_id": format!("img-{i}"), "bytes_sent": 1024 + i, "owner_id": "owner",
            "receiver_tenant_id": "tenant", "receiver_user_id": "user",
            "destination_ip": "10.0.0.1"
        },
        "timestamp": "2026-11-23 12:00:00.000000",
        "_unique_id": format!("{i:032x}"),
        "_context_user_id": "user", "_context_project_id": "tenant",
        "_context_request_id": "req-6c3d0e7a"
    });
    json!({"oslo.version": "2.0", "oslo.message": inner.to_string()})
        .to_string()
        .into_bytes()
}

/// Declares `exchange` (topic) and `queue` bound with `queue` as key, and fills it.
async fn fill(connection: &Connection, exchange: &str, queue: &str, bodies: &[Vec<u8>]) {
    let channel = connection.create_channel().await.expect("channel");
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await
        .expect("confirms");
    channel
        .exchange_declare(
            exchange.into(),
            ExchangeKind::Topic,
            ExchangeDeclareOptions::default(),
            FieldTable::default(),
        )
        .await
        .expect("exchange");
    channel
        .queue_declare(
            queue.into(),
            QueueDeclareOptions::default(),
            FieldTable::default(),
        )
        .await
        .expect("queue");
    channel
        .queue_bind(
            queue.into(),
            exchange.into(),
            queue.into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .expect("bind");
    let mut pending = Vec::new();
    for body in bodies {
        pending.push(
            channel
                .basic_publish(
                    exchange.into(),
                    queue.into(),
                    BasicPublishOptions::default(),
                    body,
                    BasicProperties::default()
                        .with_content_type("application/json".into())
                        .with_delivery_mode(2),
                )
                .await
                .expect("publish"),
        );
        if pending.len() == 1000 {
            for confirm in pending.drain(..) {
                confirm.await.expect("confirm");
            }
        }
    }
    for confirm in pending {
        confirm.await.expect("confirm");
    }
}

async fn cleanup(connection: &Connection, exchange: &str, queues: &[String]) {
    let channel = connection.create_channel().await.expect("channel");
    for queue in queues {
        let _ = channel
            .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
            .await;
    }
    let _ = channel
        .exchange_delete(exchange.into(), ExchangeDeleteOptions::default())
        .await;
}

/// A bare consumer: same prefetch, acknowledges every `BATCH` with `multiple`.
async fn drain_bare(connection: &Connection, queue: &str, count: usize) -> Duration {
    let channel = connection.create_channel().await.expect("channel");
    channel
        .basic_qos(PREFETCH, BasicQosOptions::default())
        .await
        .expect("qos");
    let started = Instant::now();
    let mut consumer = channel
        .basic_consume(
            queue.into(),
            "bench-bare".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .expect("consume");
    let mut seen = 0usize;
    while seen < count {
        let delivery = consumer
            .next()
            .await
            .expect("a delivery")
            .expect("delivered");
        seen += 1;
        if seen.is_multiple_of(BATCH) || seen == count {
            delivery
                .acker
                .ack(BasicAckOptions { multiple: true })
                .await
                .expect("ack");
        }
    }
    let elapsed = started.elapsed();
    let _ = channel.close(200, "done".into()).await;
    elapsed
}

fn agent(dir: &std::path::Path, tag: &str) -> (Arc<Agent>, nepho_policy::NotificationConfig) {
    let samples = dir.join("samples.json");
    std::fs::write(
        dir.join("pipeline.yaml"),
        format!(
            "sources:\n  - name: all\n    meters: ['*']\n    sinks: [out]\n\
             sinks:\n  - name: out\n    publishers: ['file://{}?json']\n",
            samples.display()
        ),
    )
    .expect("pipeline");
    let config = format!(
        "[components.meters]\nsource = \"builtin:meter-definitions\"\n\
         [pipeline]\nsamples = \"pipeline.yaml\"\n\
         [notification]\nurl = \"amqp://guest:guest@127.0.0.1:5672/\"\n\
         topics = [\"{tag}\"]\nexchanges = [\"{tag}_glance\"]\npriorities = [\"info\"]\n\
         prefetch = {PREFETCH}\nbatch_size = {BATCH}\nbatch_timeout_ms = 20\n\
         dead_letter_queue = \"{tag}.dead-letter\"\nevents = \"\"\n"
    );
    let policy = format!(
        "[defaults]\nmax_call_ms = 60000\ndestinations = [\"file://{}/*\"]\n",
        dir.display()
    );
    let plan = Plan::resolve(
        &ConfigSource {
            path: dir.join("nephometer.toml"),
            text: config,
        },
        &[ConfigSource::embedded("policies/default.toml", &policy)],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let notification = plan.notification.clone().expect("[notification]");
    let runtime = Runtime::new(RuntimeConfig {
        builtins: nepho_guest_artifacts::BUILTINS,
        cache_dir: Some(dir.join("cache")),
    })
    .expect("runtime");
    let agent =
        Agent::start(runtime, plan, Arc::new(Capture::default()), false).expect("agent starts");
    (Arc::new(agent), notification)
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let count: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let rounds: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(3);
    let bodies: Vec<Vec<u8>> = (0..count).map(message).collect();
    let tag = format!("bench{}", std::process::id());
    let exchange = format!("{tag}_glance");
    let bare_queue = format!("{tag}_bare.info");
    let agent_queue = format!("{tag}.info");
    let tokio = runtime();
    let connection = tokio
        .block_on(Connection::connect(URL, ConnectionProperties::default()))
        .expect("RabbitMQ on 127.0.0.1:5672");
    let dir = tempfile::tempdir().expect("temp dir");
    let (agent, config) = agent(dir.path(), &tag);
    // Warm-up: the component compiled and instantiated, the file opened.
    let mut bare_rates = Vec::new();
    let mut agent_rates = Vec::new();
    for round in 0..rounds {
        tokio.block_on(fill(&connection, &exchange, &bare_queue, &bodies));
        let bare = tokio.block_on(drain_bare(&connection, &bare_queue, count));
        bare_rates.push(count as f64 / bare.as_secs_f64());

        tokio.block_on(fill(&connection, &exchange, &agent_queue, &bodies));
        let _ = std::fs::remove_file(dir.path().join("samples.json"));
        let started = Instant::now();
        let consumer = Consumer::start(config.clone(), Arc::clone(&agent)).expect("consumer");
        while Stats::get(&consumer.stats().acked) < count as u64 {
            assert!(
                started.elapsed() < Duration::from_secs(600),
                "the agent did not finish"
            );
            std::thread::sleep(Duration::from_millis(2));
        }
        let elapsed = started.elapsed();
        let stats = Arc::clone(consumer.stats());
        consumer.stop();
        agent_rates.push(count as f64 / elapsed.as_secs_f64());
        let samples = std::fs::read_to_string(dir.path().join("samples.json"))
            .expect("samples written")
            .lines()
            .count();
        assert_eq!(
            samples,
            2 * count,
            "image.download and image.serve per message"
        );
        assert_eq!(Stats::get(&stats.dead_lettered), 0);
        println!(
            "round {}: bare lapin {:.0} msg/s, agent {:.0} msg/s ({} samples, {} batches)",
            round + 1,
            bare_rates[round],
            agent_rates[round],
            samples,
            Stats::get(&stats.batches)
        );
    }
    tokio.block_on(cleanup(
        &connection,
        &exchange,
        &[bare_queue, agent_queue, format!("{tag}.dead-letter")],
    ));
    // The same work without the broker, stage by stage, for where the time goes.
    let mut decode_time = Duration::ZERO;
    let mut convert_time = Duration::ZERO;
    let mut publish_time = Duration::ZERO;
    for chunk in bodies.chunks(BATCH) {
        let started = Instant::now();
        let decoded: Vec<_> = chunk
            .iter()
            .map(|body| nepho_notification::envelope::decode(body, "info").expect("decodes"))
            .collect();
        let mut batch = nepho_runtime::NotificationBatchBuilder::default();
        for d in &decoded {
            batch.push(&d.event_type, &d.priority, &d.body);
        }
        let batch = batch.finish();
        decode_time += started.elapsed();
        let started = Instant::now();
        let samples = agent
            .components()
            .convert_meters("meters", &batch)
            .expect("converts");
        convert_time += started.elapsed();
        let started = Instant::now();
        agent.publish_samples(&samples).expect("published");
        publish_time += started.elapsed();
    }
    let per_message = |d: Duration| d.as_secs_f64() * 1e6 / count as f64;
    println!(
        "without the broker, per message: decode {:.1} µs, meter-definitions {:.1} µs, pipeline + file {:.1} µs ({:.0} msg/s in sequence)",
        per_message(decode_time),
        per_message(convert_time),
        per_message(publish_time),
        count as f64 / (decode_time + convert_time + publish_time).as_secs_f64()
    );
    let median = |rates: &mut Vec<f64>| {
        rates.sort_by(f64::total_cmp);
        rates[rates.len() / 2]
    };
    let bare = median(&mut bare_rates);
    let through = median(&mut agent_rates);
    println!(
        "median of {rounds}: bare lapin consumer {bare:.0} msg/s; agent (decode, meter-definitions, pipeline, file://, ack) {through:.0} msg/s = {:.0}% of bare ({count} messages per round)",
        100.0 * through / bare
    );
}
