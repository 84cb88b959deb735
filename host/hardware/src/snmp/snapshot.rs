//! What one host answered in one cycle: every OID the definitions need.

use std::collections::BTreeMap;

use super::oid::ObjectId;
use super::value::SnmpValue;

/// The values read from one agent, in OID order (the order a walk returns
/// them, which is the order Ceilometer's cache iterates them in).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HostSnapshot {
    values: BTreeMap<ObjectId, SnmpValue>,
}

impl HostSnapshot {
    /// An empty snapshot.
    pub fn new() -> Self {
        HostSnapshot::default()
    }

    /// Records a value (a later read of the same OID replaces it).
    pub fn insert(&mut self, oid: ObjectId, value: SnmpValue) {
        self.values.insert(oid, value);
    }

    /// The value read for `oid`, if it was read.
    pub fn get(&self, oid: &ObjectId) -> Option<&SnmpValue> {
        self.values.get(oid)
    }

    /// The values read under `prefix` (excluding `prefix` itself), in OID order.
    pub fn under<'a>(
        &'a self,
        prefix: &'a ObjectId,
    ) -> impl Iterator<Item = (&'a ObjectId, &'a SnmpValue)> + 'a {
        self.values
            .range(prefix..)
            .take_while(move |(oid, _)| oid.starts_with(prefix))
            .filter(move |(oid, _)| *oid != prefix)
    }

    /// How many values were read.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether nothing was read.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oid(s: &str) -> ObjectId {
        ObjectId::parse(s).expect("valid OID")
    }

    #[test]
    fn under_lists_a_column_in_order_and_nothing_else() {
        let mut snap = HostSnapshot::new();
        snap.insert(oid("1.3.6.1.2.1.2.2.1.20.1"), SnmpValue::Counter32(5));
        snap.insert(
            oid("1.3.6.1.2.1.2.2.1.2.10"),
            SnmpValue::OctetString(b"b".to_vec()),
        );
        snap.insert(
            oid("1.3.6.1.2.1.2.2.1.2.9"),
            SnmpValue::OctetString(b"a".to_vec()),
        );
        snap.insert(oid("1.3.6.1.2.1.2.2.1.3.1"), SnmpValue::Integer(6));
        let column = oid("1.3.6.1.2.1.2.2.1.2");
        let rows: Vec<String> = snap.under(&column).map(|(o, _)| o.to_string()).collect();
        assert_eq!(rows, ["1.3.6.1.2.1.2.2.1.2.9", "1.3.6.1.2.1.2.2.1.2.10"]);
    }
}
