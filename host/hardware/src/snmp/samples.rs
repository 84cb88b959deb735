//! A definition's samples from a host's snapshot (Ceilometer's
//! `inspect_generic` and `make_sample_from_host`).

use nepho_polling::PolledSample;
use serde_json::{Map, Value as Json};

use super::converter::{self, Converted};
use super::definitions::{Matching, MeterDefinition};
use super::snapshot::HostSnapshot;
use super::url::SnmpTarget;

/// The samples of one definition for one host, and what could not be read.
#[derive(Debug, Default)]
pub struct DefinitionSamples {
    /// The samples.
    pub samples: Vec<PolledSample>,
    /// Values that could not be converted (the sample or field is left out).
    pub problems: Vec<String>,
}

/// Builds the samples of `definition` from `snapshot`. `extra` is
/// Ceilometer's `extra_metadata` (a discovery's resource dict, or empty).
pub fn samples(
    definition: &MeterDefinition,
    snapshot: &HostSnapshot,
    target: &SnmpTarget,
    extra: &Map<String, Json>,
) -> DefinitionSamples {
    let mut out = DefinitionSamples::default();
    let inspector = &definition.inspector;
    let rows: Vec<String> = match inspector.matching {
        Matching::Exact => vec![String::new()],
        Matching::Prefix => snapshot
            .under(&inspector.oid)
            .filter_map(|(oid, _)| oid.suffix_after(&inspector.oid))
            .collect(),
    };
    for suffix in rows {
        let value = match value_at(definition, snapshot, &suffix) {
            Ok(v) => v,
            Err(problem) => {
                out.problems.push(problem);
                continue;
            }
        };
        let mut metadata = Map::new();
        for field in &inspector.metadata {
            let read = field
                .oid
                .with_suffix(&suffix)
                .and_then(|oid| snapshot.get(&oid));
            let json = match read.filter(|v| !v.is_missing()) {
                None => Json::Null,
                Some(v) => match &field.converter {
                    None => converter::natural(v).into_json(),
                    Some(c) => match c.apply(v) {
                        Ok(converted) => converted.into_json(),
                        Err(e) => {
                            out.problems.push(format!(
                                "{}: metadata `{}` at {}{suffix}: {e}",
                                definition.name, field.name, field.oid
                            ));
                            Json::Null
                        }
                    },
                },
            };
            metadata.insert(field.name.clone(), json);
        }
        let mut extra = extra.clone();
        let volume = match inspector.post_op {
            Some(op) => op.apply(
                snapshot,
                &target.hostname,
                &suffix,
                value,
                &mut metadata,
                &mut extra,
            ),
            None => value,
        };
        // A value the agent does not have (noSuchObject) makes no sample.
        let Some(volume) = volume else {
            continue;
        };
        out.samples
            .push(make_sample(definition, target, volume, metadata, extra));
    }
    out
}

/// The definition's value at a row, converted: `Ok(None)` when absent.
fn value_at(
    definition: &MeterDefinition,
    snapshot: &HostSnapshot,
    suffix: &str,
) -> Result<Option<f64>, String> {
    let inspector = &definition.inspector;
    let Some(value) = inspector
        .oid
        .with_suffix(suffix)
        .and_then(|oid| snapshot.get(&oid))
        .filter(|v| !v.is_missing())
    else {
        return Ok(None);
    };
    let converted = inspector.converter.apply(value).map_err(|e| {
        format!(
            "{}: value at {}{suffix}: {e}",
            definition.name, inspector.oid
        )
    })?;
    match converted.as_volume() {
        Some(v) => Ok(Some(v)),
        None => Err(format!(
            "{}: value at {}{suffix}: {} is not a number",
            definition.name,
            inspector.oid,
            describe(&converted)
        )),
    }
}

fn describe(c: &Converted) -> String {
    match c {
        Converted::Text(t) => format!("`{t}`"),
        other => format!("{other:?}"),
    }
}

/// Ceilometer's `make_sample_from_host`: resource id from `extra` or the
/// host; metadata = the definition's fields, `resource_url`, then `extra`.
fn make_sample(
    definition: &MeterDefinition,
    target: &SnmpTarget,
    volume: f64,
    mut metadata: Map<String, Json>,
    extra: Map<String, Json>,
) -> PolledSample {
    let text = |key: &str| match extra.get(key) {
        Some(Json::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Json::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let resource_id = text("resource_id").unwrap_or_else(|| target.hostname.clone());
    let user_id = text("user_id");
    let project_id = text("project_id");
    metadata.insert(
        "resource_url".to_owned(),
        Json::String(target.redacted_url.clone()),
    );
    metadata.extend(extra);
    PolledSample {
        name: definition.name.clone(),
        sample_type: definition.sample_type,
        unit: definition.unit.clone(),
        volume,
        user_id,
        project_id,
        resource_id,
        resource_metadata: metadata,
        monotonic_time: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snmp::definitions::{self, parse};
    use crate::snmp::oid::ObjectId;
    use crate::snmp::url;
    use crate::snmp::value::SnmpValue;
    use serde_json::json;

    fn oid(s: &str) -> ObjectId {
        ObjectId::parse(s).expect("valid OID")
    }

    fn shipped(name: &str) -> std::sync::Arc<MeterDefinition> {
        definitions::embedded()
            .definitions
            .into_iter()
            .find(|d| d.name == name)
            .expect("shipped definition")
    }

    fn interfaces() -> HostSnapshot {
        let mut s = HostSnapshot::new();
        let row = |col: u32, idx: u32| oid(&format!("1.3.6.1.2.1.2.2.1.{col}.{idx}"));
        s.insert(row(2, 1), SnmpValue::OctetString(b"lo".to_vec()));
        s.insert(row(2, 4), SnmpValue::OctetString(b"eth0".to_vec()));
        s.insert(row(5, 1), SnmpValue::Unsigned32(10_000_000));
        s.insert(row(5, 4), SnmpValue::Unsigned32(0));
        s.insert(row(6, 1), SnmpValue::OctetString(Vec::new()));
        s.insert(row(6, 4), SnmpValue::OctetString(vec![2, 0xfc, 0, 0, 0, 1]));
        s.insert(row(10, 1), SnmpValue::Counter32(91_837));
        s.insert(row(10, 4), SnmpValue::Counter32(235_217_943));
        s.insert(oid("1.3.6.1.2.1.4.20.1.2.127.0.0.1"), SnmpValue::Integer(1));
        s.insert(oid("1.3.6.1.2.1.4.20.1.2.192.0.2.2"), SnmpValue::Integer(4));
        s
    }

    #[test]
    fn a_prefix_definition_gives_one_sample_per_row_with_its_metadata() {
        let target = url::parse("snmp://Node1:1161").expect("valid");
        let out = samples(
            &shipped("hardware.network.incoming.bytes"),
            &interfaces(),
            &target,
            &Map::new(),
        );
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        assert_eq!(out.samples.len(), 2);
        let eth0 = &out.samples[1];
        assert_eq!(eth0.name, "hardware.network.incoming.bytes");
        assert_eq!(eth0.volume, 235_217_943.0);
        assert_eq!(eth0.resource_id, "node1.eth0");
        assert_eq!(
            Json::Object(eth0.resource_metadata.clone()),
            json!({
                "name": "eth0", "speed": 0.0, "mac": "02fc00000001", "ip": "192.0.2.2",
                "resource_url": "snmp://Node1:1161", "resource_id": "node1.eth0"
            })
        );
        assert_eq!(
            out.samples[0].resource_metadata["speed"],
            json!(1_250_000.0)
        );
        assert_eq!(out.samples[0].resource_metadata["mac"], json!(""));
    }

    #[test]
    fn memory_used_and_exact_definitions() {
        let mut snap = HostSnapshot::new();
        snap.insert(
            oid("1.3.6.1.4.1.2021.4.5.0"),
            SnmpValue::Integer(24_683_584),
        );
        snap.insert(oid("1.3.6.1.4.1.2021.4.6.0"), SnmpValue::Integer(4_683_584));
        snap.insert(
            oid("1.3.6.1.4.1.2021.10.1.3.1"),
            SnmpValue::OctetString(b"3.73".to_vec()),
        );
        snap.insert(oid("1.3.6.1.4.1.2021.4.14.0"), SnmpValue::NoSuchObject);
        let target = url::parse("snmp://public@10.0.0.1").expect("valid");
        let used = samples(
            &shipped("hardware.memory.used"),
            &snap,
            &target,
            &Map::new(),
        );
        assert_eq!(used.samples[0].volume, 20_000_000.0);
        assert_eq!(used.samples[0].resource_id, "10.0.0.1");
        let load = samples(
            &shipped("hardware.cpu.load.1min"),
            &snap,
            &target,
            &Map::new(),
        );
        assert_eq!(load.samples[0].volume, 3.73);
        assert_eq!(load.samples[0].user_id, None);
        assert_eq!(
            Json::Object(load.samples[0].resource_metadata.clone()),
            json!({"resource_url": "snmp://public@10.0.0.1"})
        );
        let buffer = samples(
            &shipped("hardware.memory.buffer"),
            &snap,
            &target,
            &Map::new(),
        );
        assert!(buffer.samples.is_empty() && buffer.problems.is_empty());
    }

    #[test]
    fn values_that_do_not_convert_are_reported_not_sampled() {
        let text = "metric:\n- name: hardware.odd\n  unit: x\n  type: gauge\n  snmp_inspector: {matching_type: type_exact, oid: 1.3.6.1.9.0, type: int}\n";
        let loaded = parse("odd.yaml", text);
        let mut snap = HostSnapshot::new();
        snap.insert(oid("1.3.6.1.9.0"), SnmpValue::OctetString(b"n/a".to_vec()));
        let target = url::parse("snmp://h").expect("valid");
        let out = samples(&loaded.definitions[0], &snap, &target, &Map::new());
        assert!(out.samples.is_empty());
        assert_eq!(
            out.problems,
            ["hardware.odd: value at 1.3.6.1.9.0: int() of a OCTET STRING value `n/a`"]
        );
    }

    #[test]
    fn a_discovered_resource_dict_supplies_ids_and_metadata() {
        let target = url::parse("snmp://h").expect("valid");
        let mut snap = HostSnapshot::new();
        snap.insert(oid("1.3.6.1.4.1.2021.4.5.0"), SnmpValue::Integer(5));
        let mut extra = Map::new();
        extra.insert("resource_id".into(), json!("node-uuid"));
        extra.insert("project_id".into(), json!("p1"));
        extra.insert("resource_url".into(), json!("snmp://h"));
        let out = samples(&shipped("hardware.memory.total"), &snap, &target, &extra);
        assert_eq!(out.samples[0].resource_id, "node-uuid");
        assert_eq!(out.samples[0].project_id.as_deref(), Some("p1"));
        assert_eq!(
            out.samples[0].resource_metadata["resource_id"],
            json!("node-uuid")
        );
    }
}
