use super::*;
use crate::fixtures::sample as fixture;
use crate::{MeterType, Trait, TraitValue};
use serde_json::json;

/// 2026-11-23T12:00:00.5Z.
const NOW: u64 = 1_795_435_200_500_000_000;
const T1: &str = "2015-04-23T12:00:00+00:00";
const T2: &str = "2015-04-23T12:01:00+00:00";
const T3: &str = "2015-04-23T12:02:00+00:00";
const T4: &str = "2015-04-23T12:03:00+00:00";

fn encoder(url: &str) -> GnocchiEncoder {
    GnocchiEncoder::from_settings(&Settings::for_url(url)).unwrap()
}

#[allow(clippy::too_many_arguments, reason = "a test sample builder")]
fn sample(
    name: &str,
    resource: &str,
    user: Option<&str>,
    project: &str,
    metadata: Value,
    volume: f64,
    timestamp: &str,
    unit: &str,
) -> Sample {
    Sample {
        user_id: user.map(str::to_owned),
        project_id: Some(project.into()),
        resource_metadata: metadata,
        timestamp: timestamp.into(),
        unit: unit.into(),
        ..fixture(name, MeterType::Cumulative, resource, volume)
    }
}

fn batch() -> Vec<Sample> {
    let m1 = json!({"host": "h1", "display_name": "vm1", "flavor": {"id": "f1", "name": "m1.small"},
                    "user_metadata": {"server_group": "g"}});
    vec![
        sample(
            "disk.device.read.bytes",
            "inst-1-vda",
            Some("u1"),
            "p1",
            json!({"disk_name": "vda", "instance_id": "inst-1"}),
            10.0,
            T1,
            "B",
        ),
        sample("cpu", "inst-1", Some("u1"), "p1", m1.clone(), 1.0, T1, "ns"),
        sample(
            "foo.bar",
            "inst-1",
            Some("u1"),
            "p1",
            json!({}),
            1.0,
            T1,
            "x",
        ),
        sample(
            "memory.usage",
            "inst-1",
            Some("u2"),
            "p2",
            json!({"instance_host": "h2", "display_name": "vm1b", "image_ref": "img-9"}),
            512.0,
            T2,
            "MB",
        ),
        sample("cpu", "inst-1", Some("u1"), "p3", m1, 2.0, T3, "ns"),
        sample(
            "foo.bar",
            "inst-1",
            Some("u1"),
            "p1",
            json!({}),
            1.0,
            T1,
            "x",
        ),
        sample(
            "image.size",
            "img/1",
            None,
            "p1",
            json!({"name": "cirros", "disk_format": "qcow2"}),
            1e20,
            T4,
            "B",
        ),
    ]
}

#[test]
fn measures_then_one_resource_per_resource_id() {
    let out = encoder("gnocchi://").samples(&batch(), NOW).unwrap();
    let roles: Vec<Vec<(String, String)>> =
        out.deliveries.iter().map(|d| d.headers.clone()).collect();
    let h = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    };
    assert_eq!(
        roles,
        [
            h(&[("gnocchi-role", "measures")]),
            h(&[("gnocchi-role", "resource"), ("resource-type", "image")]),
            h(&[("gnocchi-role", "resource"), ("resource-type", "instance")]),
            h(&[
                ("gnocchi-role", "resource"),
                ("resource-type", "instance_disk")
            ]),
            h(&[
                ("gnocchi-role", "resource-update"),
                ("resource-type", "image"),
                ("resource-id", "img_1")
            ]),
            h(&[
                ("gnocchi-role", "resource-update"),
                ("resource-type", "instance"),
                ("resource-id", "inst-1")
            ]),
            h(&[
                ("gnocchi-role", "resource-update"),
                ("resource-type", "instance_disk"),
                ("resource-id", "inst-1-vda")
            ]),
        ]
    );
    assert!(
        out.deliveries
            .iter()
            .all(|d| d.content_type == "application/json")
    );
    assert_eq!(
        out.deliveries[0].text(),
        r#"{"img_1": {"image.size": {"measures": [{"timestamp": "2015-04-23T12:03:00+00:00", "value": 1e+20}], "archive_policy_name": "ceilometer-low", "unit": "B"}}, "inst-1": {"cpu": {"measures": [{"timestamp": "2015-04-23T12:00:00+00:00", "value": 1.0}, {"timestamp": "2015-04-23T12:02:00+00:00", "value": 2.0}], "archive_policy_name": "ceilometer-low-rate", "unit": "ns"}, "memory.usage": {"measures": [{"timestamp": "2015-04-23T12:01:00+00:00", "value": 512.0}], "archive_policy_name": "ceilometer-low", "unit": "MB"}}, "inst-1-vda": {"disk.device.read.bytes": {"measures": [{"timestamp": "2015-04-23T12:00:00+00:00", "value": 10.0}], "archive_policy_name": "ceilometer-low-rate", "unit": "B"}}}"#
    );
    assert_eq!(
        out.deliveries[1].text(),
        r#"{"id": "img_1", "user_id": null, "project_id": "p1", "name": "cirros", "disk_format": "qcow2"}"#
    );
    // user_id of the first sample; project_id and attributes of the last,
    // keys first seen later appended (dict.update).
    assert_eq!(
        out.deliveries[2].text(),
        r#"{"id": "inst-1", "user_id": "u1", "project_id": "p3", "host": "h1", "display_name": "vm1", "flavor_id": "f1", "flavor_name": "m1.small", "server_group": "g", "image_ref": "img-9"}"#
    );
    assert_eq!(
        out.deliveries[3].text(),
        r#"{"id": "inst-1-vda", "user_id": "u1", "project_id": "p1", "name": "vda", "instance_id": "inst-1"}"#
    );
    // The PATCH bodies: Ceilometer's resource_extra.
    assert_eq!(
        out.deliveries[4].text(),
        r#"{"project_id": "p1", "name": "cirros", "disk_format": "qcow2"}"#
    );
    assert_eq!(
        out.deliveries[5].text(),
        r#"{"project_id": "p3", "host": "h1", "display_name": "vm1", "flavor_id": "f1", "flavor_name": "m1.small", "server_group": "g", "image_ref": "img-9"}"#
    );
}

#[test]
fn unknown_meters_are_warned_once_across_batches() {
    let mut e = encoder("gnocchi://");
    let out = e.samples(&batch(), NOW).unwrap();
    assert_eq!(out.warnings, ["metric foo.bar is not handled by Gnocchi"]);
    let out = e.samples(&batch(), NOW).unwrap();
    assert!(out.warnings.is_empty());
    let only_unknown = [batch().remove(2)];
    assert!(e.samples(&only_unknown, NOW).unwrap().deliveries.is_empty());
}

#[test]
fn archive_policy_override_and_project_filter() {
    let out = encoder("gnocchi://?archive_policy=high&filter_project=p3")
        .samples(&batch(), NOW)
        .unwrap();
    let body: Value = serde_json::from_slice(&out.deliveries[0].body).unwrap();
    assert_eq!(
        body["inst-1"]["memory.usage"]["archive_policy_name"],
        "high"
    );
    // The p3 cpu sample is Gnocchi's own activity: left out.
    assert_eq!(
        body["inst-1"]["cpu"]["measures"].as_array().unwrap().len(),
        1
    );
    let disabled = encoder("gnocchi://?filter_project=p3&enable_filter_project=false")
        .samples(&batch(), NOW)
        .unwrap();
    let body: Value = serde_json::from_slice(&disabled.deliveries[0].body).unwrap();
    assert_eq!(
        body["inst-1"]["cpu"]["measures"].as_array().unwrap().len(),
        2
    );
}

#[test]
fn definitions_load_like_ceilometer() {
    let defs = Definitions::load(BUILTIN, None).unwrap();
    assert!(defs.warnings.is_empty(), "{:?}", defs.warnings);
    assert_eq!(defs.for_metric("cpu").unwrap().resource_type, "instance");
    assert_eq!(
        defs.for_metric("cpu").unwrap().archive_policy("cpu"),
        Some("ceilometer-low-rate")
    );
    assert!(defs.for_metric("nope").is_none());
    let yaml = "archive_policy_default: def\nresources:\n  - metrics: [a]\n  - resource_type: t\n    metrics: [a, b]\n    archive_policy: old\n  - resource_type: u\n    metrics: {b: {archive_policy_name: x}}\n    event_create: e\n";
    let defs = Definitions::load(yaml, Some("over")).unwrap();
    assert_eq!(defs.warnings.len(), 2, "{:?}", defs.warnings);
    assert_eq!(defs.resources.len(), 1);
    assert_eq!(
        defs.for_metric("a").unwrap().archive_policy("a"),
        Some("old")
    );
    assert!(Definitions::load(": : :", None).is_err());
}

#[test]
fn options_are_checked() {
    let bad = |url: &str| GnocchiEncoder::from_settings(&Settings::for_url(url)).unwrap_err();
    assert!(bad("gnocchi://?timeout=soon").contains("timeout"));
    assert!(
        bad("gnocchi://?resources_definition_file=/etc/x.yaml").contains("resources_definition")
    );
    let mut settings = Settings::for_url("gnocchi://?resources_definition_file=/etc/x.yaml");
    settings.resources_definition =
        Some("resources:\n  - resource_type: t\n    metrics: [cpu]\n".into());
    let mut custom = GnocchiEncoder::from_settings(&settings).unwrap();
    let out = custom.samples(&batch(), NOW).unwrap();
    assert_eq!(out.deliveries[1].headers[1].1, "t");
    assert_eq!(
        out.deliveries[0].text(),
        r#"{"inst-1": {"cpu": {"measures": [{"timestamp": "2015-04-23T12:00:00+00:00", "value": 1.0}, {"timestamp": "2015-04-23T12:02:00+00:00", "value": 2.0}], "archive_policy_name": "ceilometer-low", "unit": "ns"}}}"#
    );
}

fn event(event_type: &str, traits: &[(&str, &str)]) -> Event {
    Event {
        message_id: "m".into(),
        event_type: event_type.into(),
        generated: T1.into(),
        traits: traits
            .iter()
            .map(|(n, v)| Trait {
                name: (*n).into(),
                value: TraitValue::Text((*v).into()),
            })
            .collect(),
        raw: json!({}),
    }
}

#[test]
fn events_update_and_end_resources() {
    let events = [
        event(
            "compute.instance.create.end",
            &[
                ("state", "x"),
                ("project_id", "p"),
                ("instance_id", "i1"),
                ("user_id", "u"),
                ("host", "h"),
                ("display_name", "vm"),
            ],
        ),
        event(
            "volume.transfer.accept.end",
            &[("resource_id", "v1"), ("project_id", "p9")],
        ),
        event("compute.instance.delete.start", &[("instance_id", "i1")]),
        event("unrelated.event", &[("instance_id", "i1")]),
        event("compute.instance.create.end", &[("host", "h")]),
        event("compute.instance.create.end", &[("instance_id", "i2")]),
    ];
    let mut e = encoder("gnocchi://");
    let out = e.events(&events, NOW).unwrap();
    let summary: Vec<(String, String)> = out
        .deliveries
        .iter()
        .map(|d| {
            (
                d.headers
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(" "),
                d.text().to_owned(),
            )
        })
        .collect();
    let s = |a: &str, b: &str| (a.to_owned(), b.to_owned());
    assert_eq!(
        summary,
        [
            s(
                "gnocchi-role=resource-update resource-type=volume resource-id=v1",
                r#"{"project_id": "p9"}"#
            ),
            s(
                "gnocchi-role=resource-update resource-type=instance resource-id=i1",
                r#"{"ended_at": "2026-11-23T12:00:00.500000"}"#
            ),
        ]
    );
    assert_eq!(out.warnings.len(), 3, "{:?}", out.warnings);
    assert!(out.warnings[0].contains("creating Gnocchi resources from events is not supported"));
    assert!(out.warnings[1].contains("instance_network_interface, instance_disk"));
    assert!(out.warnings[2].contains("no resource id"));
    // Warned once.
    assert!(e.events(&events[..3], NOW).unwrap().warnings.is_empty());
}
