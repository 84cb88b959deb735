use super::*;
use serde_json::json;

pub(crate) fn sample() -> Sample {
    Sample {
        name: "cpu".into(),
        meter_type: MeterType::Cumulative,
        unit: "ns".into(),
        volume: 1.0,
        user_id: None,
        project_id: Some("p1".into()),
        resource_id: "r1".into(),
        timestamp: "2015-04-23T12:00:00.123456".into(),
        resource_metadata: serde_json::from_str(r#"{"zz": {"b": [1, "é"]}, "a": 1e20}"#).unwrap(),
        source: "openstack".into(),
        id: "9b5bc3f6-6a58-11ef-9b38-0242ac110002".into(),
        monotonic_time: None,
    }
}

#[test]
fn as_dict_has_masters_keys_in_order() {
    let keys: Vec<String> = match sample().as_dict() {
        Value::Object(map) => map.keys().cloned().collect(),
        _ => unreachable!(),
    };
    assert_eq!(
        keys,
        [
            "name",
            "type",
            "unit",
            "volume",
            "user_id",
            "user_name",
            "project_id",
            "project_name",
            "resource_id",
            "timestamp",
            "resource_metadata",
            "source",
            "id",
            "monotonic_time"
        ]
    );
}

#[test]
fn meter_message_is_signed_and_verifies() {
    let message = sample().meter_message("not-so-secret");
    assert!(nepho_signing::verify_signature(&message, "not-so-secret"));
    assert!(!nepho_signing::verify_signature(&message, "other"));
    assert_eq!(message["counter_volume"], json!(1.0));
    assert_eq!(
        message["message_id"],
        json!("9b5bc3f6-6a58-11ef-9b38-0242ac110002")
    );
    let keys: Vec<&String> = message.as_object().unwrap().keys().collect();
    assert_eq!(keys.last().unwrap().as_str(), "message_signature");
    let mut tampered = message.clone();
    tampered["counter_volume"] = json!(2.0);
    assert!(!nepho_signing::verify_signature(&tampered, "not-so-secret"));
}

#[test]
fn empty_secret_gives_empty_signature() {
    assert_eq!(sample().meter_message("")["message_signature"], json!(""));
}

#[test]
fn event_serialize_and_signature() {
    let event = Event {
        message_id: "m1".into(),
        event_type: "compute.instance.create.end".into(),
        generated: "2015-04-23T12:00:00.123456".into(),
        traits: vec![
            Trait {
                name: "t".into(),
                value: TraitValue::Text("v".into()),
            },
            Trait {
                name: "i".into(),
                value: TraitValue::Int(3),
            },
            Trait {
                name: "f".into(),
                value: TraitValue::Float(1.5),
            },
            Trait {
                name: "d".into(),
                value: TraitValue::Datetime("2015-04-23T12:00:00".into()),
            },
        ],
        raw: json!({}),
    };
    assert_eq!(
        event.serialize(),
        json!({
            "message_id": "m1", "event_type": "compute.instance.create.end",
            "generated": "2015-04-23T12:00:00.123456",
            "traits": [["t", 1, "v"], ["i", 2, 3], ["f", 3, 1.5], ["d", 4, "2015-04-23T12:00:00"]],
            "raw": {}
        })
    );
    let signed = event.signed_message("s");
    assert!(nepho_signing::verify_signature(&signed, "s"));
    let pairs = nepho_signing::hmac_input_pairs(&signed);
    let traits = pairs.iter().find(|(n, _)| n == "traits").unwrap();
    assert_eq!(
        traits.1,
        "[[b't', 1, b'v'], [b'i', 2, 3], [b'f', 3, 1.5], [b'd', 4, b'2015-04-23T12:00:00']]"
    );
}

#[test]
fn non_finite_volumes_are_dropped_with_a_warning() {
    let mut bad = sample();
    bad.volume = f64::NAN;
    let samples = [sample(), bad];
    let mut warnings = Vec::new();
    assert_eq!(finite_samples(&samples, &mut warnings).len(), 1);
    assert_eq!(warnings.len(), 1);
}

/// Signatures computed by running Ceilometer master's
/// `publisher/utils.py` (`compute_signature`) on these same messages.
#[test]
fn signatures_match_ceilometers_own_function() {
    let mut a = crate::fixtures::sample_a();
    a.monotonic_time = Some(123.456);
    let cases = [
        (
            a.meter_message("sekrit"),
            "687a2c9d4dd60cd392ee6bc8dd2c1ef80a92142b2c6c1f0281f76f2983f04403",
        ),
        (
            crate::fixtures::sample_b().meter_message("sekrit"),
            "79e5dfc2260f85131acc58cccb8d4f67c0e290499eb24ed1caa68d54a3796c39",
        ),
        (
            crate::fixtures::event().signed_message("sekrit"),
            "652d282cbcc58b2efbf7eba479569d26a4e70bdee8e37051597ee2865a5e9795",
        ),
    ];
    for (message, expected) in cases {
        assert_eq!(message["message_signature"], json!(expected));
    }
}
