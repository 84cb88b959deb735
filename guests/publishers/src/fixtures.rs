//! Samples and events shared by the unit tests. Expected outputs in the
//! tests were produced by running Python 3 (`str()`, `json.dumps`) on the
//! same values.

use serde_json::json;

use crate::{Event, MeterType, Sample, Trait, TraitValue};

/// A cumulative sample: volume 1.0, no user, nested/unicode metadata with 1e20.
pub fn sample_a() -> Sample {
    Sample {
        name: "cpu".into(),
        meter_type: MeterType::Cumulative,
        unit: "ns".into(),
        volume: 1.0,
        user_id: None,
        project_id: Some("p1".into()),
        resource_id: "r1".into(),
        timestamp: "2015-04-23T12:00:00.123456".into(),
        resource_metadata: serde_json::from_str(
            r#"{"zz": {"b": [1, "é"]}, "a": 1e20, "q": "it's", "n": null, "t": true}"#,
        )
        .unwrap(),
        source: "openstack".into(),
        id: "id-a".into(),
        monotonic_time: None,
    }
}

/// A gauge sample: volume 1e20, a `/` in the resource id, a monotonic time.
pub fn sample_b() -> Sample {
    Sample {
        name: "memory.usage".into(),
        meter_type: MeterType::Gauge,
        unit: "MB".into(),
        volume: 1e20,
        user_id: Some("u1".into()),
        project_id: Some("p1".into()),
        resource_id: "r/2".into(),
        timestamp: "2015-04-23T12:00:00+00:00".into(),
        resource_metadata: json!({}),
        source: "openstack".into(),
        id: "id-b".into(),
        monotonic_time: Some(12.5),
    }
}

/// A sample of `name` and `kind` on `resource` with `volume`.
pub fn sample(name: &str, kind: MeterType, resource: &str, volume: f64) -> Sample {
    Sample {
        name: name.into(),
        meter_type: kind,
        resource_id: resource.into(),
        volume,
        id: format!("id-{name}-{resource}"),
        ..sample_b()
    }
}

/// An event with one trait of each type.
pub fn event() -> Event {
    Event {
        message_id: "m1".into(),
        event_type: "compute.instance.create.end".into(),
        generated: "2015-04-23T12:00:00.123456".into(),
        traits: vec![
            Trait {
                name: "t".into(),
                value: TraitValue::Text("vé".into()),
            },
            Trait {
                name: "i".into(),
                value: TraitValue::Int(3),
            },
            Trait {
                name: "f".into(),
                value: TraitValue::Float(0.1),
            },
            Trait {
                name: "d".into(),
                value: TraitValue::Datetime("2015-04-23T12:00:00".into()),
            },
        ],
        raw: json!({}),
    }
}
