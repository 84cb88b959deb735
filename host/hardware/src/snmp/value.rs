//! SNMP values, owned, with the Python conversions Ceilometer applies to them.

use super::oid::ObjectId;

/// One value an SNMP agent returned for an OID.
#[derive(Clone, Debug, PartialEq)]
pub enum SnmpValue {
    /// INTEGER (Integer32).
    Integer(i64),
    /// OCTET STRING (DisplayString, PhysAddress, ...).
    OctetString(Vec<u8>),
    /// OBJECT IDENTIFIER.
    ObjectId(ObjectId),
    /// IpAddress.
    IpAddress([u8; 4]),
    /// Counter32.
    Counter32(u32),
    /// Gauge32 / Unsigned32.
    Unsigned32(u32),
    /// TimeTicks.
    Timeticks(u32),
    /// Counter64.
    Counter64(u64),
    /// Opaque.
    Opaque(Vec<u8>),
    /// BOOLEAN (not an SNMP type, but BER allows it).
    Boolean(bool),
    /// NULL.
    Null,
    /// noSuchObject: the agent does not implement the object.
    NoSuchObject,
    /// noSuchInstance: the object exists, this instance does not.
    NoSuchInstance,
    /// endOfMibView: a walk ran past the agent's last object.
    EndOfMibView,
}

impl SnmpValue {
    /// The owned copy of a value the SNMP library decoded; `None` for PDU
    /// types that cannot be a variable's value.
    pub(crate) fn from_snmp(value: &snmp2::Value<'_>) -> Option<SnmpValue> {
        use snmp2::Value as V;
        Some(match value {
            V::Integer(n) => SnmpValue::Integer(*n),
            V::OctetString(bytes) => SnmpValue::OctetString(bytes.to_vec()),
            V::ObjectIdentifier(oid) => SnmpValue::ObjectId(ObjectId::from_snmp(oid)?),
            V::IpAddress(ip) => SnmpValue::IpAddress(*ip),
            V::Counter32(n) => SnmpValue::Counter32(*n),
            V::Unsigned32(n) => SnmpValue::Unsigned32(*n),
            V::Timeticks(n) => SnmpValue::Timeticks(*n),
            V::Counter64(n) => SnmpValue::Counter64(*n),
            V::Opaque(bytes) => SnmpValue::Opaque(bytes.to_vec()),
            V::Boolean(b) => SnmpValue::Boolean(*b),
            V::Null => SnmpValue::Null,
            V::NoSuchObject => SnmpValue::NoSuchObject,
            V::NoSuchInstance => SnmpValue::NoSuchInstance,
            V::EndOfMibView => SnmpValue::EndOfMibView,
            _ => return None,
        })
    }

    /// Whether the agent said there is no value here (Ceilometer's
    /// `NoSuchObject` / `NoSuchInstance` check, which makes the value `None`).
    pub fn is_missing(&self) -> bool {
        matches!(
            self,
            SnmpValue::NoSuchObject | SnmpValue::NoSuchInstance | SnmpValue::EndOfMibView
        )
    }

    /// The SNMP type's name, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            SnmpValue::Integer(_) => "INTEGER",
            SnmpValue::OctetString(_) => "OCTET STRING",
            SnmpValue::ObjectId(_) => "OBJECT IDENTIFIER",
            SnmpValue::IpAddress(_) => "IpAddress",
            SnmpValue::Counter32(_) => "Counter32",
            SnmpValue::Unsigned32(_) => "Gauge32",
            SnmpValue::Timeticks(_) => "TimeTicks",
            SnmpValue::Counter64(_) => "Counter64",
            SnmpValue::Opaque(_) => "Opaque",
            SnmpValue::Boolean(_) => "BOOLEAN",
            SnmpValue::Null => "NULL",
            SnmpValue::NoSuchObject => "noSuchObject",
            SnmpValue::NoSuchInstance => "noSuchInstance",
            SnmpValue::EndOfMibView => "endOfMibView",
        }
    }

    /// Python's `int(x)` on a pysnmp value: the number of the numeric types;
    /// `None` for strings and the others (pysnmp raises there).
    pub fn as_integer(&self) -> Option<i128> {
        match self {
            SnmpValue::Integer(n) => Some(i128::from(*n)),
            SnmpValue::Counter32(n) | SnmpValue::Unsigned32(n) | SnmpValue::Timeticks(n) => {
                Some(i128::from(*n))
            }
            SnmpValue::Counter64(n) => Some(i128::from(*n)),
            SnmpValue::Boolean(b) => Some(i128::from(*b)),
            _ => None,
        }
    }

    /// Python's `str(x)` on a pysnmp value: the text of a string (decoded
    /// leniently), the number of a number, dotted forms of OIDs and addresses.
    pub fn to_python_str(&self) -> String {
        match self {
            SnmpValue::OctetString(bytes) => String::from_utf8_lossy(bytes).into_owned(),
            SnmpValue::Opaque(bytes) => hex_with_0x(bytes),
            _ => self.pretty_print(),
        }
    }

    /// pysnmp's `prettyPrint()`: an octet string is its text when every byte
    /// is printable ASCII, otherwise `0x` and its bytes in lower-case hex
    /// (pyasn1's rule, which is how a MAC address comes out as `0x001122334455`).
    pub fn pretty_print(&self) -> String {
        match self {
            SnmpValue::Integer(n) => n.to_string(),
            SnmpValue::OctetString(bytes) => {
                if bytes.iter().all(|b| (32..=126).contains(b)) {
                    String::from_utf8_lossy(bytes).into_owned()
                } else {
                    hex_with_0x(bytes)
                }
            }
            SnmpValue::ObjectId(oid) => oid.to_string(),
            SnmpValue::IpAddress([a, b, c, d]) => format!("{a}.{b}.{c}.{d}"),
            SnmpValue::Counter32(n) | SnmpValue::Unsigned32(n) | SnmpValue::Timeticks(n) => {
                n.to_string()
            }
            SnmpValue::Counter64(n) => n.to_string(),
            SnmpValue::Opaque(bytes) => hex_with_0x(bytes),
            SnmpValue::Boolean(b) => if *b { "True" } else { "False" }.to_owned(),
            SnmpValue::Null => String::new(),
            SnmpValue::NoSuchObject => "No Such Object currently exists at this OID".to_owned(),
            SnmpValue::NoSuchInstance => "No Such Instance currently exists at this OID".to_owned(),
            SnmpValue::EndOfMibView => "No more variables left in this MIB View".to_owned(),
        }
    }
}

fn hex_with_0x(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(2 + 2 * bytes.len());
    out.push_str("0x");
    for b in bytes {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::SnmpValue;

    #[test]
    fn pretty_print_hexes_binary_strings_only() {
        let mac = SnmpValue::OctetString(vec![0x02, 0xfc, 0, 0, 0, 1]);
        assert_eq!(mac.pretty_print(), "0x02fc00000001");
        assert_eq!(
            SnmpValue::OctetString(b"eth0".to_vec()).pretty_print(),
            "eth0"
        );
        assert_eq!(SnmpValue::OctetString(Vec::new()).pretty_print(), "");
    }

    #[test]
    fn numbers_convert_strings_do_not() {
        assert_eq!(
            SnmpValue::Counter64(u64::MAX).as_integer(),
            Some(i128::from(u64::MAX))
        );
        assert_eq!(SnmpValue::Integer(-3).as_integer(), Some(-3));
        assert_eq!(SnmpValue::OctetString(b"12".to_vec()).as_integer(), None);
        assert_eq!(
            SnmpValue::IpAddress([10, 0, 0, 2]).to_python_str(),
            "10.0.0.2"
        );
    }

    #[test]
    fn missing_values_are_recognised() {
        assert!(SnmpValue::NoSuchObject.is_missing());
        assert!(SnmpValue::NoSuchInstance.is_missing());
        assert!(!SnmpValue::Integer(0).is_missing());
    }
}
