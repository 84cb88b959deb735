//! Samples to RabbitMQ as oslo.messaging `telemetry.polling` notifications,
//! as Ceilometer's polling agent sends them to the notification agent.

use nepho_publish::{Delivery, PublisherUrl, Transport};
use serde_json::{Map, Value};

use crate::timestamp::{now_micros, python_str};
use crate::{Sample, SampleSink};

/// The notifications' event type.
pub const EVENT_TYPE: &str = "telemetry.polling";
/// The notifications' publisher id.
pub const PUBLISHER_ID: &str = "ceilometer.polling";

/// Where and how [`NotifierSink`] sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotifierOptions {
    /// The broker, `amqp://user:password@host:port/vhost` (oslo's `transport_url`).
    pub url: String,
    /// The notification topics (`[oslo_messaging_notifications] topics`);
    /// each notification goes to `<topic>.sample` of each.
    pub topics: Vec<String>,
    /// The exchange (oslo's `control_exchange`, `ceilometer` for Ceilometer's agents).
    pub exchange: String,
    /// `[publisher] telemetry_secret`, signing every meter message.
    pub telemetry_secret: String,
}

/// Sends batches of signed meter messages as `telemetry.polling`
/// notifications (priority `sample`, payload `{"samples": [...]}`).
///
/// Delivery uses nepho-publish's AMQP transport with publisher confirms and
/// its `queue` policy: a batch the broker does not take is kept in memory
/// (up to 1024 batches) and sent before the next one, so an outage of the
/// broker delays the polling thread by one failed attempt per batch, never
/// indefinitely.
pub struct NotifierSink {
    transport: Box<dyn Transport>,
    topics: Vec<String>,
    secret: String,
}

impl NotifierSink {
    /// Opens the transport (it connects on the first batch).
    pub fn open(options: &NotifierOptions) -> Result<Self, String> {
        let rest = options
            .url
            .strip_prefix("amqp://")
            .or_else(|| options.url.strip_prefix("rabbit://"))
            .ok_or_else(|| {
                format!(
                    "`{}` is not an amqp:// URL",
                    nepho_publish::redact_raw(&options.url)
                )
            })?;
        let (authority, _query) = rest.split_once('?').unwrap_or((rest, ""));
        let authority = if authority.contains('/') {
            authority.to_owned()
        } else {
            format!("{authority}/")
        };
        let url = format!(
            "notifier://{authority}?exchange={}&policy=queue",
            options.exchange
        );
        let url = PublisherUrl::parse(&url).map_err(|e| e.to_string())?;
        let transport = nepho_publish::open(&url).map_err(|e| e.to_string())?;
        Ok(NotifierSink {
            transport,
            topics: options.topics.clone(),
            secret: options.telemetry_secret.clone(),
        })
    }

    /// The deliveries of one batch: one notification per topic.
    fn deliveries(&self, samples: Vec<Sample>) -> Vec<Delivery> {
        let messages: Vec<Value> = samples
            .into_iter()
            .map(|s| s.into_meter_message(&self.secret))
            .collect();
        let mut payload = Map::new();
        payload.insert("samples".into(), Value::Array(messages));
        let mut message = Map::new();
        message.insert(
            "message_id".into(),
            Value::String(uuid::Uuid::new_v4().to_string()),
        );
        message.insert("publisher_id".into(), Value::String(PUBLISHER_ID.into()));
        message.insert("event_type".into(), Value::String(EVENT_TYPE.into()));
        message.insert("priority".into(), Value::String("SAMPLE".into()));
        message.insert("payload".into(), Value::Object(payload));
        message.insert("timestamp".into(), Value::String(python_str(now_micros())));
        self.topics
            .iter()
            .map(|topic| {
                let mut message = message.clone();
                message.insert(
                    "_unique_id".into(),
                    Value::String(uuid::Uuid::new_v4().simple().to_string()),
                );
                let mut envelope = Map::new();
                envelope.insert("oslo.version".into(), Value::String("2.0".into()));
                envelope.insert(
                    "oslo.message".into(),
                    Value::String(Value::Object(message).to_string()),
                );
                Delivery::new("application/json", Value::Object(envelope).to_string())
                    .with_header("routing-key", format!("{topic}.sample"))
            })
            .collect()
    }
}

impl SampleSink for NotifierSink {
    fn publish(&self, samples: Vec<Sample>) -> Result<(), String> {
        if samples.is_empty() {
            return Ok(());
        }
        self.transport
            .deliver(&self.deliveries(samples))
            .map_err(|e| e.to_string())
    }
}
