//! `notifier://` against the real RabbitMQ on 127.0.0.1:5672 (guest/guest).

use std::time::Duration;

use lapin::options::{
    BasicGetOptions, ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions,
    QueueDeleteOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties, ExchangeKind};
use nepho_publish::{Delivery, PublisherUrl, open};

use crate::support::{Proxy, unique};

const BROKER: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";

/// A test consumer: a connection, a channel and a queue bound to `ceilometer` with a key.
struct Probe {
    runtime: tokio::runtime::Runtime,
    _connection: Connection,
    channel: Channel,
    queue: String,
    routing_key: String,
}

impl Probe {
    fn new(name: &str) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let routing_key = unique(&format!("nepho-test.{name}"));
        let queue = format!("{routing_key}.probe");
        let (connection, channel) = runtime.block_on(async {
            let connection = Connection::connect(BROKER, ConnectionProperties::default())
                .await
                .expect("RabbitMQ must run on 127.0.0.1:5672 with guest/guest");
            let channel = connection.create_channel().await.expect("channel");
            channel
                .exchange_declare(
                    "ceilometer".into(),
                    ExchangeKind::Topic,
                    ExchangeDeclareOptions::default(),
                    FieldTable::default(),
                )
                .await
                .expect("exchange");
            channel
                .queue_declare(
                    queue.clone().into(),
                    QueueDeclareOptions {
                        exclusive: true,
                        auto_delete: true,
                        ..QueueDeclareOptions::default()
                    },
                    FieldTable::default(),
                )
                .await
                .expect("queue");
            channel
                .queue_bind(
                    queue.clone().into(),
                    "ceilometer".into(),
                    routing_key.clone().into(),
                    QueueBindOptions::default(),
                    FieldTable::default(),
                )
                .await
                .expect("bind");
            (connection, channel)
        });
        Self {
            runtime,
            _connection: connection,
            channel,
            queue,
            routing_key,
        }
    }

    /// The next message of the probe queue, waiting up to 5 s.
    fn next(&self) -> Option<(Vec<u8>, BasicProperties, String, String)> {
        self.runtime.block_on(async {
            for _ in 0..50 {
                let got = self
                    .channel
                    .basic_get(self.queue.clone().into(), BasicGetOptions { no_ack: true })
                    .await
                    .expect("basic.get");
                if let Some(message) = got {
                    let delivery = message.delivery;
                    return Some((
                        delivery.data,
                        delivery.properties,
                        delivery.exchange.to_string(),
                        delivery.routing_key.to_string(),
                    ));
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            None
        })
    }

    /// The bodies of every message now in the probe queue.
    fn drain(&self) -> Vec<Vec<u8>> {
        let mut bodies = Vec::new();
        self.runtime.block_on(async {
            // Give confirms and routing a moment, then empty the queue.
            tokio::time::sleep(Duration::from_millis(200)).await;
            while let Some(message) = self
                .channel
                .basic_get(self.queue.clone().into(), BasicGetOptions { no_ack: true })
                .await
                .expect("basic.get")
            {
                bodies.push(message.delivery.data);
            }
        });
        bodies
    }

    /// Message count of the queue the publisher declared (named by the routing key), which is
    /// then deleted.
    fn take_publisher_queue(&self) -> u32 {
        self.runtime.block_on(async {
            let queue = self
                .channel
                .queue_declare(
                    self.routing_key.clone().into(),
                    QueueDeclareOptions {
                        passive: true,
                        ..QueueDeclareOptions::default()
                    },
                    FieldTable::default(),
                )
                .await
                .expect("the publisher declared a queue named by the routing key");
            let count = queue.message_count();
            self.channel
                .queue_delete(
                    self.routing_key.clone().into(),
                    QueueDeleteOptions::default(),
                )
                .await
                .expect("delete");
            count
        })
    }

    fn delivery(&self, body: &str) -> Delivery {
        Delivery::new("application/json", body.as_bytes().to_vec())
            .with_header("routing-key", self.routing_key.clone())
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        for queue in [&self.routing_key, &self.queue] {
            let _ = self.runtime.block_on(
                self.channel
                    .queue_delete(queue.clone().into(), QueueDeleteOptions::default()),
            );
        }
    }
}

#[test]
fn publishes_with_confirms_and_properties() {
    let probe = Probe::new("props");
    let url = PublisherUrl::parse("notifier://guest:guest@127.0.0.1:5672/?topic=metering")
        .expect("parse");
    let transport = open(&url).expect("open");
    transport
        .deliver(&[
            probe
                .delivery(r#"{"oslo.version":"2.0","oslo.message":"1"}"#)
                .with_header("x-nepho", "yes"),
            probe.delivery(r#"{"n":2}"#),
        ])
        .expect("deliver");
    transport
        .deliver(&[probe.delivery(r#"{"n":3}"#)])
        .expect("deliver");

    let (body, properties, exchange, routing_key) = probe.next().expect("first message");
    assert_eq!(body, br#"{"oslo.version":"2.0","oslo.message":"1"}"#);
    assert_eq!(exchange, "ceilometer");
    assert_eq!(routing_key, probe.routing_key);
    assert_eq!(
        properties.content_type().as_ref().map(|c| c.as_str()),
        Some("application/json")
    );
    assert_eq!(
        properties.content_encoding().as_ref().map(|c| c.as_str()),
        Some("utf-8")
    );
    assert_eq!(*properties.delivery_mode(), Some(2), "persistent");
    let headers = properties.headers().as_ref().expect("headers");
    let value = headers.inner().get("x-nepho").expect("x-nepho header");
    assert!(
        matches!(value, AMQPValue::LongString(s) if s.to_string() == "yes"),
        "{value:?}"
    );
    assert!(
        !headers.inner().contains_key("routing-key"),
        "control header not forwarded"
    );
    assert_eq!(probe.next().expect("second").0, br#"{"n":2}"#);
    assert_eq!(probe.next().expect("third").0, br#"{"n":3}"#);
    assert!(probe.drain().is_empty());
    assert_eq!(
        probe.take_publisher_queue(),
        3,
        "oslo-style queue keeps the messages"
    );
}

#[test]
fn plain_notifier_url_means_local_guest() {
    let probe = Probe::new("plain");
    let transport = open(&PublisherUrl::parse("notifier://").expect("parse")).expect("open");
    transport
        .deliver(&[probe.delivery("[1]")])
        .expect("deliver");
    assert_eq!(probe.drain(), [b"[1]".to_vec()]);
}

#[test]
fn default_policy_returns_an_error_after_retries() {
    let url =
        PublisherUrl::parse("notifier://guest:guest@127.0.0.1:1/?max_retry=2").expect("parse");
    let transport = open(&url).expect("open");
    let started = std::time::Instant::now();
    let error = transport
        .deliver(&[Delivery::new("application/json", b"[]".to_vec())])
        .expect_err("nothing listens on port 1");
    let text = error.to_string();
    assert!(text.contains("127.0.0.1:1"), "{text}");
    assert!(
        text.contains("guest:***@") && !text.contains("guest:guest"),
        "{text}"
    );
    assert!(text.contains("after 2 retries"), "{text}");
    // Two pauses: 200 ms + 400 ms.
    assert!(
        started.elapsed() >= Duration::from_millis(550),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn queue_policy_keeps_trims_and_later_delivers() {
    let probe = Probe::new("queue");
    let proxy = Proxy::start("127.0.0.1:5672", false);
    let url = PublisherUrl::parse(&format!(
        "notifier://guest:guest@127.0.0.1:{}/?policy=queue&max_queue_length=2",
        proxy.port
    ))
    .expect("parse");
    let transport = open(&url).expect("open");
    transport
        .deliver(&[probe.delivery("a1"), probe.delivery("a2")])
        .expect("queued, not raised");
    transport.deliver(&[probe.delivery("b1")]).expect("queued");
    transport
        .deliver(&[probe.delivery("c1")])
        .expect("queued; the oldest batch is dropped");
    assert!(probe.drain().is_empty(), "nothing reached the broker");
    proxy.enable();
    transport.deliver(&[probe.delivery("d1")]).expect("deliver");
    let bodies: Vec<String> = probe
        .drain()
        .into_iter()
        .map(|b| String::from_utf8(b).expect("utf-8"))
        .collect();
    assert_eq!(bodies, ["b1", "c1", "d1"]);
}

#[test]
fn drop_policy_drops_failed_batches() {
    let probe = Probe::new("drop");
    let proxy = Proxy::start("127.0.0.1:5672", false);
    let url = PublisherUrl::parse(&format!(
        "notifier://guest:guest@127.0.0.1:{}/?policy=drop",
        proxy.port
    ))
    .expect("parse");
    let transport = open(&url).expect("open");
    transport
        .deliver(&[probe.delivery("lost")])
        .expect("dropped, not raised");
    proxy.enable();
    transport
        .deliver(&[probe.delivery("kept")])
        .expect("deliver");
    assert_eq!(probe.drain(), [b"kept".to_vec()]);
}

#[test]
fn reconnects_after_a_broken_connection() {
    let probe = Probe::new("reconnect");
    let proxy = Proxy::start("127.0.0.1:5672", true);
    let url = PublisherUrl::parse(&format!(
        "notifier://guest:guest@127.0.0.1:{}/?max_retry=3",
        proxy.port
    ))
    .expect("parse");
    let transport = open(&url).expect("open");
    transport
        .deliver(&[probe.delivery("before")])
        .expect("deliver");
    proxy.disable();
    std::thread::sleep(Duration::from_millis(200));
    proxy.enable();
    transport
        .deliver(&[probe.delivery("after")])
        .expect("deliver after reconnecting");
    assert_eq!(probe.drain(), [b"before".to_vec(), b"after".to_vec()]);
}

#[test]
fn calling_from_an_async_runtime_is_an_error_not_a_panic() {
    let transport = open(&PublisherUrl::parse("notifier://").expect("parse")).expect("open");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let result = runtime.block_on(async {
        transport.deliver(&[Delivery::new("application/json", b"[]".to_vec())])
    });
    let error = result.expect_err("refused on a runtime thread");
    assert!(error.to_string().contains("spawn_blocking"), "{error}");
}
