//! A libvirt domain as the compute pollsters see it: Ceilometer's
//! `NovaLikeServer` built by the `libvirt_metadata` discovery, and the
//! `resource_metadata` every one of its samples carries.

use serde_json::{Map, Value};
use sha2::{Digest, Sha224};

use crate::compute::domain_xml::DomainXml;

/// libvirt's `VIR_DOMAIN_SHUTOFF`.
pub const SHUTOFF: u32 = 5;

/// Nova's power-state names by libvirt domain state (`LIBVIRT_POWER_STATE`).
pub fn power_state_name(state: u32) -> &'static str {
    match state {
        1 | 2 => "running",
        3 => "paused",
        4 | 5 => "shutdown",
        6 => "crashed",
        7 => "suspended",
        _ => "pending",
    }
}

/// Nova's status guessed from the libvirt domain state (`LIBVIRT_STATUS`).
pub fn status_name(state: u32) -> &'static str {
    match state {
        1 | 2 => "active",
        3 => "paused",
        4 | 5 => "stopped",
        6 => "error",
        7 => "suspended",
        _ => "building",
    }
}

/// One instance found by `local_instances`.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    /// The domain UUID (Nova's instance id).
    pub id: String,
    /// The libvirt domain name (`OS-EXT-SRV-ATTR:instance_name`).
    pub domain_name: String,
    /// The libvirt domain state at discovery.
    pub state: u32,
    /// The parsed domain XML.
    pub xml: DomainXml,
    /// The owner, from Nova's metadata.
    pub user_id: Option<String>,
    /// The project, from Nova's metadata.
    pub project_id: Option<String>,
    /// The `resource_metadata` of its samples (before per-meter additions).
    pub metadata: Map<String, Value>,
}

impl Instance {
    /// Builds the instance and its metadata as Ceilometer's discovery and
    /// `_get_metadata_from_object` do; `host` is `[DEFAULT] host`.
    pub fn new(xml: DomainXml, state: u32, host: &str) -> Instance {
        let mut m = Map::new();
        let text = |s: &str| Value::String(s.to_owned());
        let opt = |s: &Option<String>| s.clone().map_or(Value::Null, Value::String);
        let nova = xml.nova.as_ref();
        m.insert(
            "display_name".into(),
            text(nova.map_or(xml.name.as_str(), |n| n.name.as_str())),
        );
        m.insert("name".into(), text(&xml.name));
        m.insert("instance_id".into(), text(&xml.uuid));
        m.insert(
            "instance_type".into(),
            nova.map_or(Value::Null, |n| text(&n.flavor.name)),
        );
        // Nova's hostId: sha224 of the project and the host.
        m.insert(
            "host".into(),
            nova.map_or(Value::Null, |n| {
                let digest = Sha224::digest(format!("{}{host}", n.project_id).as_bytes());
                Value::String(digest.iter().map(|b| format!("{b:02x}")).collect())
            }),
        );
        m.insert("instance_host".into(), text(host));
        m.insert(
            "flavor".into(),
            nova.map_or(Value::Null, |n| {
                let f = &n.flavor;
                let mut flavor = Map::new();
                flavor.insert("id".into(), text(&f.id));
                flavor.insert("name".into(), text(&f.name));
                flavor.insert("vcpus".into(), f.vcpus.into());
                flavor.insert("ram".into(), f.ram.into());
                flavor.insert("disk".into(), f.disk.into());
                flavor.insert("ephemeral".into(), f.ephemeral.into());
                flavor.insert("swap".into(), f.swap.into());
                if let Some(specs) = &f.extra_specs {
                    flavor.insert("extra_specs".into(), pairs(specs));
                }
                Value::Object(flavor)
            }),
        );
        m.insert("status".into(), text(status_name(state)));
        m.insert("state".into(), text(power_state_name(state)));
        m.insert("task_state".into(), text(""));
        match nova.and_then(|n| n.image_id.as_ref()) {
            Some(image) => {
                let mut i = Map::new();
                i.insert("id".into(), text(image));
                m.insert("image".into(), Value::Object(i));
                m.insert("image_ref".into(), text(image));
            }
            None => {
                m.insert("image".into(), Value::Null);
                m.insert("image_ref".into(), Value::Null);
            }
        }
        m.insert("image_ref_url".into(), Value::Null);
        if let Some(meta) = nova.and_then(|n| n.image_meta.as_ref())
            && !meta.is_empty()
        {
            m.insert("image_meta".into(), pairs(meta));
        }
        if xml.arch.is_some() {
            m.insert("architecture".into(), opt(&xml.arch));
        }
        if xml.os_type.is_some() {
            m.insert("os_type".into(), opt(&xml.os_type));
        }
        if let Some(n) = nova {
            let f = &n.flavor;
            m.insert("vcpus".into(), f.vcpus.into());
            m.insert("memory_mb".into(), f.ram.into());
            m.insert("disk_gb".into(), f.disk.into());
            m.insert("ephemeral_gb".into(), f.ephemeral.into());
            m.insert("root_gb".into(), (f.disk - f.ephemeral).into());
        }
        Instance {
            id: xml.uuid.clone(),
            domain_name: xml.name.clone(),
            state,
            user_id: nova.map(|n| n.user_id.clone()),
            project_id: nova.map(|n| n.project_id.clone()),
            xml,
            metadata: m,
        }
    }
}

fn pairs(items: &[(String, Option<String>)]) -> Value {
    Value::Object(
        items
            .iter()
            .map(|(k, v)| (k.clone(), v.clone().map_or(Value::Null, Value::String)))
            .collect(),
    )
}
