use super::*;
use nepho_guest::publisher::MeterType as WitType;
use nepho_guest::{EventBatchBuilder, SampleBatchBuilder, SampleFields};

#[test]
fn samples_keep_every_field() {
    let mut builder = SampleBatchBuilder::new();
    builder.push(SampleFields {
        name: "cpu",
        meter_type: WitType::Delta,
        unit: "ns",
        volume: 1.5,
        user_id: None,
        project_id: Some("p"),
        resource_id: "r",
        timestamp: "2015-04-23T12:00:00",
        resource_metadata: r#"{"z": 1, "a": {"b": "é"}}"#,
        source: "openstack",
        id: "id-1",
        monotonic_time: Some(2.5),
    });
    builder.push(SampleFields {
        name: "mem",
        meter_type: WitType::Gauge,
        unit: "MB",
        volume: 3.0,
        user_id: Some("u"),
        project_id: None,
        resource_id: "r2",
        timestamp: "t",
        resource_metadata: "",
        source: "s",
        id: "id-2",
        monotonic_time: None,
    });
    let samples = samples_of(&builder.finish());
    assert_eq!(samples.len(), 2);
    let a = &samples[0];
    assert_eq!(
        (a.name.as_str(), a.meter_type, a.unit.as_str(), a.volume),
        ("cpu", MeterType::Delta, "ns", 1.5)
    );
    assert_eq!(
        (a.user_id.as_deref(), a.project_id.as_deref()),
        (None, Some("p"))
    );
    assert_eq!(
        (a.resource_id.as_str(), a.id.as_str(), a.monotonic_time),
        ("r", "id-1", Some(2.5))
    );
    // Metadata keeps its key order.
    assert_eq!(a.resource_metadata.to_string(), r#"{"z":1,"a":{"b":"é"}}"#);
    let b = &samples[1];
    assert_eq!(b.meter_type, MeterType::Gauge);
    assert_eq!(b.resource_metadata, serde_json::json!({}));
    assert_eq!(
        (b.user_id.as_deref(), b.project_id.as_deref()),
        (Some("u"), None)
    );
}

#[test]
fn events_own_their_trait_ranges() {
    let mut builder = EventBatchBuilder::new();
    builder.push_trait("a", wit::TraitValue::Int(1));
    builder.push_event("m1", "e1", "2015-04-23T12:00:00", None);
    builder.push_event(
        "m2",
        "e2",
        "2015-04-23T12:00:01",
        Some(r#"{"payload": {"x": 1}}"#),
    );
    builder.push_trait("b", wit::TraitValue::Float(0.5));
    let when = builder.text("2015-04-23T12:00:05");
    builder.push_trait("c", wit::TraitValue::Datetime(when));
    builder.push_event("m3", "e3", "g", None);
    let batch = builder.finish();
    let events = events_of(&batch);
    assert_eq!(events.len(), 3);
    assert_eq!(events[0].message_id, "m1");
    assert_eq!(
        events[0].traits,
        [Trait {
            name: "a".into(),
            value: TraitValue::Int(1)
        }]
    );
    assert!(events[1].traits.is_empty());
    assert_eq!(events[1].raw, serde_json::json!({"payload": {"x": 1}}));
    assert_eq!(events[0].raw, serde_json::json!({}));
    assert_eq!(
        events[2].traits,
        [
            Trait {
                name: "b".into(),
                value: TraitValue::Float(0.5)
            },
            Trait {
                name: "c".into(),
                value: TraitValue::Datetime("2015-04-23T12:00:05".into())
            },
        ]
    );
    assert_eq!(
        (events[2].event_type.as_str(), events[2].generated.as_str()),
        ("e3", "g")
    );
}
