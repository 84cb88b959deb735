//! The `post_op`s of snmp.yaml: Ceilometer's `SNMPInspector._post_op_*` methods.

use serde_json::{Map, Value as Json};

use super::oid::ObjectId;
use super::snapshot::HostSnapshot;
use super::value::SnmpValue;

/// UCD-SNMP-MIB memTotalReal, read for `_post_op_memory_avail_to_used`.
pub const MEMORY_TOTAL_OID: &str = "1.3.6.1.4.1.2021.4.5.0";
/// IP-MIB ipAdEntIfIndex, walked for `_post_op_net`.
pub const INTERFACE_IP_OID: &str = "1.3.6.1.2.1.4.20.1.2";

/// A post-processing step of a definition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PostOp {
    /// `_post_op_disk`: resource id `host.<device>`.
    Disk,
    /// `_post_op_net`: metadata `ip` from ipAddrTable, resource id `host.<name>`.
    Net,
    /// `_post_op_memory_avail_to_used`: the value becomes memTotalReal − value.
    MemoryAvailToUsed,
}

impl PostOp {
    /// Recognises a post_op name; Ceilometer's three, nothing else.
    pub fn parse(name: &str) -> Result<PostOp, String> {
        match name.trim() {
            "_post_op_disk" => Ok(PostOp::Disk),
            "_post_op_net" => Ok(PostOp::Net),
            "_post_op_memory_avail_to_used" => Ok(PostOp::MemoryAvailToUsed),
            other => Err(format!(
                "unknown post_op `{other}` (known: _post_op_disk, _post_op_net, _post_op_memory_avail_to_used)"
            )),
        }
    }

    /// The OIDs this step reads by GET, besides the definition's own.
    pub fn exact_oids(self) -> Vec<ObjectId> {
        match self {
            PostOp::MemoryAvailToUsed => ObjectId::parse(MEMORY_TOTAL_OID).into_iter().collect(),
            PostOp::Disk | PostOp::Net => Vec::new(),
        }
    }

    /// The subtrees this step walks, besides the definition's own.
    pub fn prefix_oids(self) -> Vec<ObjectId> {
        match self {
            PostOp::Net => ObjectId::parse(INTERFACE_IP_OID).into_iter().collect(),
            PostOp::Disk | PostOp::MemoryAvailToUsed => Vec::new(),
        }
    }

    /// Applies the step to one sample's value and metadata. `extra` is
    /// Ceilometer's `extra` dict (it may gain `resource_id`); `hostname`
    /// is the resource URL's host; `suffix` the row's OID suffix (`.2`).
    pub fn apply(
        self,
        snapshot: &HostSnapshot,
        hostname: &str,
        suffix: &str,
        value: Option<f64>,
        metadata: &mut Map<String, Json>,
        extra: &mut Map<String, Json>,
    ) -> Option<f64> {
        match self {
            PostOp::Disk => {
                suffix_resource_id(hostname, metadata, "device", extra);
                value
            }
            PostOp::Net => {
                let ip = interface_ip(snapshot, suffix);
                metadata.insert("ip".to_owned(), Json::String(ip));
                suffix_resource_id(hostname, metadata, "name", extra);
                value
            }
            PostOp::MemoryAvailToUsed => {
                let total = ObjectId::parse(MEMORY_TOTAL_OID)
                    .ok()
                    .and_then(|oid| snapshot.get(&oid))
                    .filter(|v| !v.is_missing())
                    .and_then(SnmpValue::as_integer)?;
                Some(total as f64 - value?)
            }
        }
    }
}

/// The address whose ipAdEntIfIndex is the row's interface index (the last
/// one in OID order when an interface has several, as Ceilometer's loop
/// leaves it), or empty.
fn interface_ip(snapshot: &HostSnapshot, suffix: &str) -> String {
    let Ok(prefix) = ObjectId::parse(INTERFACE_IP_OID) else {
        return String::new();
    };
    let Some(index) = suffix
        .strip_prefix('.')
        .and_then(|s| s.parse::<i128>().ok())
    else {
        return String::new();
    };
    let mut ip = String::new();
    for (oid, value) in snapshot.under(&prefix) {
        if value.as_integer() == Some(index)
            && let Some(address) = oid.suffix_after(&prefix)
        {
            ip = address.trim_start_matches('.').to_owned();
        }
    }
    ip
}

/// Ceilometer's `_suffix_resource_id`: when `metadata[key]` is truthy, the
/// resource id becomes `<extra resource_id or host>.<metadata[key]>`.
fn suffix_resource_id(
    hostname: &str,
    metadata: &Map<String, Json>,
    key: &str,
    extra: &mut Map<String, Json>,
) {
    let Some(part) = metadata.get(key).filter(|v| truthy(v)) else {
        return;
    };
    let base = extra
        .get("resource_id")
        .filter(|v| truthy(v))
        .map_or_else(|| hostname.to_owned(), python_str);
    extra.insert(
        "resource_id".to_owned(),
        Json::String(format!("{base}.{}", python_str(part))),
    );
}

/// Python truthiness of a JSON value.
fn truthy(value: &Json) -> bool {
    match value {
        Json::Null => false,
        Json::Bool(b) => *b,
        Json::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Json::String(s) => !s.is_empty(),
        Json::Array(a) => !a.is_empty(),
        Json::Object(o) => !o.is_empty(),
    }
}

/// `"%s" % value` for the scalar values metadata holds.
fn python_str(value: &Json) -> String {
    match value {
        Json::String(s) => s.clone(),
        Json::Bool(true) => "True".to_owned(),
        Json::Bool(false) => "False".to_owned(),
        Json::Null => "None".to_owned(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn oid(s: &str) -> ObjectId {
        ObjectId::parse(s).expect("valid OID")
    }

    #[test]
    fn names_are_ceilometers_and_others_are_refused() {
        assert_eq!(PostOp::parse("_post_op_net"), Ok(PostOp::Net));
        let err = PostOp::parse("_post_op_frobnicate").expect_err("unknown");
        assert!(err.contains("_post_op_frobnicate"), "{err}");
    }

    #[test]
    fn disk_suffixes_the_resource_id_with_the_device() {
        let mut metadata = Map::new();
        metadata.insert("device".into(), json!("/dev/sda1"));
        metadata.insert("path".into(), json!("/"));
        let mut extra = Map::new();
        let v = PostOp::Disk.apply(
            &HostSnapshot::new(),
            "localhost",
            ".1",
            Some(8.0),
            &mut metadata,
            &mut extra,
        );
        assert_eq!(v, Some(8.0));
        assert_eq!(
            extra.get("resource_id"),
            Some(&json!("localhost./dev/sda1"))
        );
    }

    #[test]
    fn disk_without_a_device_keeps_the_host_as_resource() {
        let mut metadata = Map::new();
        let mut extra = Map::new();
        PostOp::Disk.apply(
            &HostSnapshot::new(),
            "h",
            ".1",
            Some(1.0),
            &mut metadata,
            &mut extra,
        );
        assert!(extra.is_empty());
    }

    #[test]
    fn net_finds_the_interfaces_address() {
        let mut snap = HostSnapshot::new();
        snap.insert(oid("1.3.6.1.2.1.4.20.1.2.127.0.0.1"), SnmpValue::Integer(1));
        snap.insert(oid("1.3.6.1.2.1.4.20.1.2.10.0.0.2"), SnmpValue::Integer(2));
        let mut metadata = Map::new();
        metadata.insert("name".into(), json!("eth0"));
        let mut extra = Map::new();
        PostOp::Net.apply(&snap, "node1", ".2", Some(8.0), &mut metadata, &mut extra);
        assert_eq!(metadata.get("ip"), Some(&json!("10.0.0.2")));
        assert_eq!(extra.get("resource_id"), Some(&json!("node1.eth0")));
        let mut metadata = Map::new();
        PostOp::Net.apply(
            &snap,
            "node1",
            ".7",
            Some(8.0),
            &mut metadata,
            &mut Map::new(),
        );
        assert_eq!(metadata.get("ip"), Some(&json!("")));
    }

    #[test]
    fn memory_used_is_total_minus_available() {
        let mut snap = HostSnapshot::new();
        snap.insert(oid(MEMORY_TOTAL_OID), SnmpValue::Integer(1000));
        let used = PostOp::MemoryAvailToUsed.apply(
            &snap,
            "h",
            "",
            Some(300.0),
            &mut Map::new(),
            &mut Map::new(),
        );
        assert_eq!(used, Some(700.0));
        let none = PostOp::MemoryAvailToUsed.apply(
            &HostSnapshot::new(),
            "h",
            "",
            Some(300.0),
            &mut Map::new(),
            &mut Map::new(),
        );
        assert_eq!(none, None);
    }
}
