use super::*;
use crate::fixtures::{event, sample_a, sample_b};
use serde_json::json;

fn encoder(url: &str) -> HttpEncoder {
    HttpEncoder::from_settings(&Settings::for_url(url)).unwrap()
}

#[test]
fn batch_is_one_json_list_of_sample_dicts() {
    let out = encoder("http://host:80/path")
        .samples(&[sample_a(), sample_b()], 0)
        .unwrap();
    assert_eq!(out.deliveries.len(), 1);
    let d = &out.deliveries[0];
    assert_eq!(d.content_type, "application/json");
    assert!(d.headers.is_empty());
    let expected = format!(
        "[{}, {}]",
        pyjson::dumps(&sample_a().as_dict()),
        pyjson::dumps(&sample_b().as_dict())
    );
    assert_eq!(d.text(), expected);
    assert!(d.text().starts_with(
        r#"[{"name": "cpu", "type": "cumulative", "unit": "ns", "volume": 1.0, "user_id": null,"#
    ));
}

#[test]
fn batch_false_posts_each_sample() {
    let out = encoder("https://h/p?batch=False&batch=no")
        .samples(&[sample_a(), sample_b()], 0)
        .unwrap();
    assert_eq!(out.deliveries.len(), 2);
    assert_eq!(
        out.deliveries[1].text(),
        pyjson::dumps(&sample_b().as_dict())
    );
    // Last value wins.
    assert_eq!(
        encoder("http://h/?batch=0&batch=1")
            .samples(&[sample_a(), sample_b()], 0)
            .unwrap()
            .deliveries
            .len(),
        1
    );
}

#[test]
fn events_are_serialized_or_raw_payloads() {
    let out = encoder("http://h").events(&[event()], 0).unwrap();
    assert_eq!(
        out.deliveries[0].text(),
        r#"[{"message_id": "m1", "event_type": "compute.instance.create.end", "generated": "2015-04-23T12:00:00.123456", "traits": [["t", 1, "v\u00e9"], ["i", 2, 3], ["f", 3, 0.1], ["d", 4, "2015-04-23T12:00:00"]], "raw": {}}]"#
    );
    let mut with_raw = event();
    with_raw.raw = json!({"event_type": "x", "payload": {"a": 1}});
    let mut empty_payload = event();
    empty_payload.raw = json!({"payload": {}});
    let out = encoder("http://h?raw_only=true")
        .events(&[event(), with_raw, empty_payload], 0)
        .unwrap();
    assert_eq!(out.deliveries[0].text(), r#"[{"a": 1}]"#);
    assert!(
        encoder("http://h?raw_only=true")
            .events(&[event()], 0)
            .unwrap()
            .deliveries
            .is_empty()
    );
}

#[test]
fn options_are_checked() {
    let bad = |url: &str| HttpEncoder::from_settings(&Settings::for_url(url)).unwrap_err();
    assert!(bad("http:///path").contains("hostname"));
    assert!(bad("file:///path").contains("scheme"));
    assert!(bad("http://h:port/").contains("port"));
    assert!(bad("http://h/?timeout=soon").contains("timeout"));
    assert!(bad("http://h/?max_retries=x").contains("max_retries"));
}
