//! `notifier://[host:port]?topic=..&driver=rabbit&max_retry=100&policy=default&max_queue_length=1024&per_meter_topic=0`:
//! one delivery per oslo.messaging notification, with the body the rabbit
//! driver puts on the wire (message format 2.0):
//! `{"oslo.version": "2.0", "oslo.message": "<json>"}`, where the inner
//! JSON is `{message_id, publisher_id, event_type, priority: "SAMPLE",
//! payload, timestamp, _unique_id}`.
//!
//! As Ceilometer master's `SampleNotifierPublisher` / `EventNotifierPublisher`:
//! - the payload is the list of signed meter messages (signed serialized
//!   events for events);
//! - `event_type` is `metering` for samples and `event` for events (the
//!   `[publisher_notifier]` topics, not the URL's); with
//!   `per_meter_topic=1` one more notification per meter name follows, with
//!   event type `metering.<meter>` and that meter's messages (meters
//!   sorted by name);
//! - every notification goes to every `topic` of the URL (all values, not
//!   the last; default `metering` / `event`), routing key `<topic>.sample`,
//!   given as the header `routing-key`.
//!
//! Ids are deterministic so that a retried batch keeps them: `message_id`
//! is a UUIDv5 of the event type and the sample (or event) ids,
//! `_unique_id` a UUIDv5 of the message id and routing key (hex, as oslo's
//! `uuid4().hex`). `timestamp` is `str(utcnow())` at encoding time. An
//! empty batch gives no delivery (Ceilometer would send an empty payload).

use serde_json::{Map, Value};
use uuid::Uuid;

use crate::encoder::{Encoder, Settings};
use crate::model::finite_samples;
use crate::pytime::utc_str_from_unix_nanos;
use crate::url::PublisherUrl;
use crate::{Delivery, Event, Output, PublishError, Sample, pyjson};

/// The content type of a notifier delivery.
pub const CONTENT_TYPE: &str = "application/json";

/// The namespace of the notification ids.
const NAMESPACE: Uuid = Uuid::from_u128(0x3d0c_6a8e_1f2b_5c47_9e61_b0a4_52d7_e913);

/// Ceilometer's `[publisher_notifier] metering_topic`.
pub const METERING_TOPIC: &str = "metering";

/// Ceilometer's `[publisher_notifier] event_topic`.
pub const EVENT_TOPIC: &str = "event";

/// The notifier publisher's encoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifierEncoder {
    topics: Vec<String>,
    per_meter_topic: bool,
    secret: String,
    publisher_id: String,
}

impl NotifierEncoder {
    /// The deliveries of one notification: one per topic.
    fn notify(
        &self,
        event_type: &str,
        ids: &[&str],
        payload: Vec<Value>,
        now: u64,
        default_topic: &str,
        out: &mut Output,
    ) {
        let mut key = event_type.to_owned();
        for id in ids {
            key.push('\0');
            key.push_str(id);
        }
        let message_id = Uuid::new_v5(&NAMESPACE, key.as_bytes()).to_string();
        let default = [default_topic.to_owned()];
        let topics = if self.topics.is_empty() {
            &default[..]
        } else {
            &self.topics[..]
        };
        let mut message = Map::new();
        message.insert("message_id".into(), Value::String(message_id.clone()));
        message.insert(
            "publisher_id".into(),
            Value::String(self.publisher_id.clone()),
        );
        message.insert("event_type".into(), Value::String(event_type.to_owned()));
        message.insert("priority".into(), Value::String("SAMPLE".into()));
        message.insert("payload".into(), Value::Array(payload));
        message.insert(
            "timestamp".into(),
            Value::String(utc_str_from_unix_nanos(now)),
        );
        for topic in topics {
            let routing_key = format!("{topic}.sample");
            let unique = Uuid::new_v5(
                &NAMESPACE,
                format!("{message_id}\0{routing_key}").as_bytes(),
            );
            message.insert(
                "_unique_id".into(),
                Value::String(unique.simple().to_string()),
            );
            let mut envelope = Map::new();
            envelope.insert("oslo.version".into(), Value::String("2.0".into()));
            envelope.insert(
                "oslo.message".into(),
                Value::String(pyjson::dumps(&Value::Object(message.clone()))),
            );
            let body = pyjson::dumps(&Value::Object(envelope));
            out.deliveries
                .push(Delivery::new(CONTENT_TYPE, body).with_header("routing-key", &routing_key));
        }
    }
}

impl Encoder for NotifierEncoder {
    fn from_settings(settings: &Settings) -> Result<Self, String> {
        let url = PublisherUrl::parse(&settings.url);
        url.expect_scheme(&["notifier"])?;
        let params = url.params(false);
        let per_meter_topic = params.int("per_meter_topic", 0)? != 0;
        params.int("max_queue_length", 1024)?;
        params.int("max_retry", 100)?;
        url.port()
            .map_err(|e| format!("notifier publisher: port: {e}"))?;
        Ok(NotifierEncoder {
            topics: params.all("topic").into_iter().map(str::to_owned).collect(),
            per_meter_topic,
            secret: settings.telemetry_secret.clone(),
            publisher_id: format!("telemetry.publisher.{}", settings.host),
        })
    }

    fn samples(&mut self, samples: &[Sample], now: u64) -> Result<Output, PublishError> {
        let mut out = Output::default();
        let samples = finite_samples(samples, &mut out.warnings);
        if samples.is_empty() {
            return Ok(out);
        }
        let ids: Vec<&str> = samples.iter().map(|s| s.id.as_str()).collect();
        let messages: Vec<Value> = samples
            .iter()
            .map(|s| s.meter_message(&self.secret))
            .collect();
        self.notify(
            METERING_TOPIC,
            &ids,
            messages.clone(),
            now,
            METERING_TOPIC,
            &mut out,
        );
        if self.per_meter_topic {
            let mut order: Vec<usize> = (0..samples.len()).collect();
            order.sort_by(|&a, &b| samples[a].name.cmp(&samples[b].name));
            let mut start = 0;
            while start < order.len() {
                let name = &samples[order[start]].name;
                let end = start
                    + order[start..]
                        .iter()
                        .take_while(|&&i| &samples[i].name == name)
                        .count();
                let group = &order[start..end];
                let ids: Vec<&str> = group.iter().map(|&i| ids[i]).collect();
                let payload = group.iter().map(|&i| messages[i].clone()).collect();
                self.notify(
                    &format!("{METERING_TOPIC}.{name}"),
                    &ids,
                    payload,
                    now,
                    METERING_TOPIC,
                    &mut out,
                );
                start = end;
            }
        }
        Ok(out)
    }

    fn events(&mut self, events: &[Event], now: u64) -> Result<Output, PublishError> {
        let mut out = Output::default();
        if events.is_empty() {
            return Ok(out);
        }
        let ids: Vec<&str> = events.iter().map(|e| e.message_id.as_str()).collect();
        let payload = events
            .iter()
            .map(|e| e.signed_message(&self.secret))
            .collect();
        self.notify(EVENT_TOPIC, &ids, payload, now, EVENT_TOPIC, &mut out);
        Ok(out)
    }
}

#[cfg(test)]
mod tests;
