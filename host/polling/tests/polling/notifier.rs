//! The notifier sink against RabbitMQ on 127.0.0.1:5672: what the
//! notification agent receives.

use std::sync::Arc;

use lapin::options::{BasicGetOptions, ExchangeDeleteOptions, QueueDeleteOptions};
use lapin::{Connection, ConnectionProperties};
use nepho_polling::compute::{self, ComputeOptions};
use nepho_polling::{COMPUTE, NotifierOptions, NotifierSink, PollingAgent, Registry};
use serde_json::Value;

const AMQP: &str = "amqp://guest:guest@127.0.0.1:5672/";

/// Every message waiting in `queue`, then the queue and exchange deleted.
fn drain(queue: &str, exchange: &str) -> Vec<(String, Value)> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let conn = Connection::connect(
            "amqp://guest:guest@127.0.0.1:5672/%2f",
            ConnectionProperties::default(),
        )
        .await
        .expect("RabbitMQ on 127.0.0.1:5672");
        let channel = conn.create_channel().await.expect("channel");
        let mut out = Vec::new();
        while let Some(message) = channel
            .basic_get(queue.into(), BasicGetOptions { no_ack: true })
            .await
            .expect("get")
        {
            let key = message.delivery.routing_key.to_string();
            out.push((
                key,
                serde_json::from_slice(&message.delivery.data).expect("JSON body"),
            ));
        }
        channel
            .queue_delete(queue.into(), QueueDeleteOptions::default())
            .await
            .expect("queue deleted");
        channel
            .exchange_delete(exchange.into(), ExchangeDeleteOptions::default())
            .await
            .expect("exchange deleted");
        out
    })
}

#[test]
fn polled_samples_arrive_as_signed_telemetry_polling_notifications_in_batches() {
    let unique = uuid::Uuid::new_v4().simple().to_string();
    let topic = format!("nepho-polling-test-{unique}");
    let exchange = format!("nepho-polling-test-{unique}");
    let sink = NotifierSink::open(&NotifierOptions {
        url: AMQP.into(),
        topics: vec![topic.clone()],
        exchange: exchange.clone(),
        telemetry_secret: "s3cret".into(),
    })
    .expect("opened");
    let mut registry = Registry::new();
    compute::register(
        &mut registry,
        &ComputeOptions::new("test:///default", "compute-1"),
    );
    let yaml = "sources:\n- name: all\n  interval: 60\n  meters: ['*']\n";
    let config = nepho_pipeline::parse_polling("polling.yaml", yaml).expect("valid");
    let agent = PollingAgent::new(
        &config,
        registry.select(&[COMPUTE.to_owned()], &[]),
        Arc::new(sink),
        3,
    );
    let report = agent.poll_once();
    assert!(
        report.samples > 20,
        "test:///default gives many meters: {}",
        report.samples
    );

    let messages = drain(&format!("{topic}.sample"), &exchange);
    let mut received = 0;
    let mut timestamps = std::collections::BTreeSet::new();
    for (key, envelope) in &messages {
        assert_eq!(key, &format!("{topic}.sample"));
        assert_eq!(envelope["oslo.version"], "2.0");
        let message: Value =
            serde_json::from_str(envelope["oslo.message"].as_str().expect("a string"))
                .expect("JSON");
        assert_eq!(message["event_type"], "telemetry.polling");
        assert_eq!(message["priority"], "SAMPLE");
        assert_eq!(message["publisher_id"], "ceilometer.polling");
        let samples = message["payload"]["samples"]
            .as_array()
            .expect("payload.samples");
        assert!(
            !samples.is_empty() && samples.len() <= 3,
            "batch_size 3: {}",
            samples.len()
        );
        for s in samples {
            assert!(
                nepho_signing::verify_signature(s, "s3cret"),
                "signed with telemetry_secret: {s}"
            );
            assert!(!nepho_signing::verify_signature(s, "other"));
            assert!(s["counter_name"].is_string() && s["message_id"].is_string());
            timestamps.insert(s["timestamp"].as_str().unwrap_or_default().to_owned());
        }
        received += samples.len();
    }
    assert_eq!(received, report.samples, "every sample arrived once");
    assert_eq!(timestamps.len(), 1, "one timestamp for the cycle");
}

#[test]
fn a_broker_url_that_is_not_amqp_is_refused() {
    let error = NotifierSink::open(&NotifierOptions {
        url: "http://127.0.0.1:5672/".into(),
        topics: vec!["notifications".into()],
        exchange: "ceilometer".into(),
        telemetry_secret: String::new(),
    })
    .err()
    .expect("refused");
    assert!(error.contains("not an amqp:// URL"), "{error}");
}
