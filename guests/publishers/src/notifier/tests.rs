use super::*;
use crate::MeterType;
use crate::fixtures::{event, sample, sample_a, sample_b};

/// 2026-11-23T12:00:00.5Z.
const NOW: u64 = 1_795_435_200_500_000_000;

fn encoder(url: &str) -> NotifierEncoder {
    let mut settings = Settings::for_url(url);
    settings.telemetry_secret = "secret".into();
    settings.host = "agent-1".into();
    NotifierEncoder::from_settings(&settings).unwrap()
}

/// The inner message of a delivery, after checking the envelope.
fn inner(d: &Delivery) -> Value {
    assert_eq!(d.content_type, "application/json");
    let outer: Value = serde_json::from_slice(&d.body).unwrap();
    let outer = outer.as_object().unwrap();
    assert_eq!(
        outer.keys().collect::<Vec<_>>(),
        ["oslo.version", "oslo.message"]
    );
    assert_eq!(outer["oslo.version"], "2.0");
    serde_json::from_str(outer["oslo.message"].as_str().unwrap()).unwrap()
}

#[test]
fn samples_make_one_signed_notification() {
    let out = encoder("notifier://")
        .samples(&[sample_a(), sample_b()], NOW)
        .unwrap();
    assert_eq!(out.deliveries.len(), 1);
    let d = &out.deliveries[0];
    assert_eq!(
        d.headers,
        [("routing-key".to_owned(), "metering.sample".to_owned())]
    );
    let m = inner(d);
    let keys: Vec<&String> = m.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "message_id",
            "publisher_id",
            "event_type",
            "priority",
            "payload",
            "timestamp",
            "_unique_id"
        ]
    );
    assert_eq!(m["publisher_id"], "telemetry.publisher.agent-1");
    assert_eq!(m["event_type"], "metering");
    assert_eq!(m["priority"], "SAMPLE");
    assert_eq!(m["timestamp"], "2026-11-23 12:00:00.500000");
    assert_eq!(m["_unique_id"].as_str().unwrap().len(), 32);
    let payload = m["payload"].as_array().unwrap();
    assert_eq!(payload.len(), 2);
    assert_eq!(payload[0], sample_a().meter_message("secret"));
    for message in payload {
        assert!(nepho_signing::verify_signature(message, "secret"));
    }
}

#[test]
fn the_wire_text_is_python_json() {
    let out = encoder("notifier://").samples(&[sample_a()], NOW).unwrap();
    let text = out.deliveries[0].text();
    assert!(
        text.starts_with(r#"{"oslo.version": "2.0", "oslo.message": "{\"message_id\": \""#),
        "{text}"
    );
    // ensure_ascii twice: é is \u00e9 inside, its backslash escaped outside.
    assert!(text.contains(r#"[1, \"\\u00e9\"]"#), "{text}");
}

#[test]
fn ids_are_deterministic_per_batch() {
    let a = encoder("notifier://")
        .samples(&[sample_a(), sample_b()], NOW)
        .unwrap();
    let b = encoder("notifier://")
        .samples(&[sample_a(), sample_b()], NOW + 1_000_000_000)
        .unwrap();
    let c = encoder("notifier://")
        .samples(&[sample_b(), sample_a()], NOW)
        .unwrap();
    let id = |o: &Output| inner(&o.deliveries[0])["message_id"].clone();
    assert_eq!(id(&a), id(&b));
    assert_ne!(id(&a), id(&c));
    assert!(Uuid::parse_str(id(&a).as_str().unwrap()).is_ok());
}

#[test]
fn every_topic_gets_the_notification() {
    let out = encoder("notifier://rabbit:5672/?topic=a&topic=b")
        .samples(&[sample_a()], NOW)
        .unwrap();
    let keys: Vec<&str> = out
        .deliveries
        .iter()
        .map(|d| d.headers[0].1.as_str())
        .collect();
    assert_eq!(keys, ["a.sample", "b.sample"]);
    let (first, second) = (inner(&out.deliveries[0]), inner(&out.deliveries[1]));
    assert_eq!(first["message_id"], second["message_id"]);
    assert_ne!(first["_unique_id"], second["_unique_id"]);
    assert_eq!(first["event_type"], "metering");
}

#[test]
fn per_meter_topic_adds_one_notification_per_meter() {
    let samples = [
        sample("disk.read", MeterType::Cumulative, "r1", 1.0),
        sample("cpu", MeterType::Cumulative, "r1", 2.0),
        sample("disk.read", MeterType::Cumulative, "r2", 3.0),
    ];
    let out = encoder("notifier://?per_meter_topic=1")
        .samples(&samples, NOW)
        .unwrap();
    let types: Vec<Value> = out
        .deliveries
        .iter()
        .map(|d| inner(d)["event_type"].clone())
        .collect();
    assert_eq!(types, ["metering", "metering.cpu", "metering.disk.read"]);
    let disk = inner(&out.deliveries[2]);
    let volumes: Vec<f64> = disk["payload"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["counter_volume"].as_f64().unwrap())
        .collect();
    assert_eq!(volumes, [1.0, 3.0]);
    assert!(
        out.deliveries
            .iter()
            .all(|d| d.headers[0].1 == "metering.sample")
    );
}

#[test]
fn events_go_to_the_event_topic_signed() {
    let out = encoder("notifier://").events(&[event()], NOW).unwrap();
    let d = &out.deliveries[0];
    assert_eq!(d.headers[0].1, "event.sample");
    let m = inner(d);
    assert_eq!(m["event_type"], "event");
    assert!(nepho_signing::verify_signature(&m["payload"][0], "secret"));
    assert_eq!(
        m["payload"][0]["traits"][0],
        serde_json::json!(["t", 1, "vé"])
    );
}

#[test]
fn empty_batches_and_bad_options() {
    assert!(
        encoder("notifier://")
            .samples(&[], NOW)
            .unwrap()
            .deliveries
            .is_empty()
    );
    let bad = |url: &str| NotifierEncoder::from_settings(&Settings::for_url(url)).unwrap_err();
    assert!(bad("notifier://?per_meter_topic=yes").contains("per_meter_topic"));
    assert!(bad("notifier://?max_queue_length=x").contains("max_queue_length"));
    assert!(bad("notifier://?max_retry=x").contains("max_retry"));
}
