//! Object identifiers as numbers, ordered as SNMP orders them.

use std::fmt;

/// An SNMP object identifier (`1.3.6.1.4.1.2021.4.5.0`), kept as its
/// numeric components so that ordering and prefix tests follow the OID tree
/// (`…2.2.1.2` is not a prefix of `…2.2.1.20`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectId(Vec<u64>);

impl ObjectId {
    /// Parses dotted decimal (`1.3.6.1.2.1.2.2.1.10`, a leading dot allowed).
    pub fn parse(text: &str) -> Result<ObjectId, String> {
        let trimmed = text.trim();
        let body = trimmed.strip_prefix('.').unwrap_or(trimmed);
        if body.is_empty() {
            return Err("an OID cannot be empty".to_owned());
        }
        let mut components = Vec::new();
        for part in body.split('.') {
            let n = part
                .parse::<u64>()
                .ok()
                .filter(|_| part.bytes().all(|b| b.is_ascii_digit()))
                .ok_or_else(|| {
                    format!("`{trimmed}` is not a dotted-decimal OID (component `{part}`)")
                })?;
            components.push(n);
        }
        if components.len() < 2 || components[0] > 2 || (components[0] < 2 && components[1] > 39) {
            return Err(format!(
                "`{trimmed}` is not a valid OID (it must start with 0, 1 or 2 and have two components at least)"
            ));
        }
        Ok(ObjectId(components))
    }

    /// An OID from its components, as the agent sent it (not validated).
    pub fn from_components(components: Vec<u64>) -> ObjectId {
        ObjectId(components)
    }

    /// The numeric components.
    pub fn components(&self) -> &[u64] {
        &self.0
    }

    /// Whether `self` lies in the subtree rooted at `prefix` (or is it).
    pub fn starts_with(&self, prefix: &ObjectId) -> bool {
        self.0.starts_with(&prefix.0)
    }

    /// What follows `prefix` in `self`, as Ceilometer's string suffix
    /// (`.1`, `.127.0.0.1`, or empty when equal); `None` outside the subtree.
    pub fn suffix_after(&self, prefix: &ObjectId) -> Option<String> {
        if !self.starts_with(prefix) {
            return None;
        }
        let mut suffix = String::new();
        for c in &self.0[prefix.0.len()..] {
            suffix.push('.');
            suffix.push_str(&c.to_string());
        }
        Some(suffix)
    }

    /// `self` followed by the components of a suffix made by [`ObjectId::suffix_after`].
    pub fn with_suffix(&self, suffix: &str) -> Option<ObjectId> {
        let mut components = self.0.clone();
        if !suffix.is_empty() {
            for part in suffix.strip_prefix('.')?.split('.') {
                components.push(part.parse().ok()?);
            }
        }
        Some(ObjectId(components))
    }

    /// The same OID for the SNMP library.
    pub(crate) fn to_snmp(&self) -> Result<snmp2::Oid<'static>, String> {
        snmp2::Oid::from(&self.0).map_err(|e| format!("OID {self} cannot be encoded: {e:?}"))
    }

    /// The OID the SNMP library decoded.
    pub(crate) fn from_snmp(oid: &snmp2::Oid<'_>) -> Option<ObjectId> {
        oid.iter().map(|it| ObjectId(it.collect()))
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, c) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::ObjectId;

    #[test]
    fn parses_and_prints_dotted_decimal() {
        let oid = ObjectId::parse(".1.3.6.1.4.1.2021.4.5.0").expect("valid");
        assert_eq!(oid.to_string(), "1.3.6.1.4.1.2021.4.5.0");
        assert_eq!(oid.components().len(), 10);
    }

    #[test]
    fn refuses_what_is_not_an_oid() {
        for bad in [
            "", ".", "1.3.x", "1..3", "1", "3.1", "1.40", "1.3.-1", "1.3.+1",
        ] {
            assert!(ObjectId::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn prefix_follows_the_tree_not_the_text() {
        let descr = ObjectId::parse("1.3.6.1.2.1.2.2.1.2").expect("valid");
        let errors_row = ObjectId::parse("1.3.6.1.2.1.2.2.1.20.3").expect("valid");
        let descr_row = ObjectId::parse("1.3.6.1.2.1.2.2.1.2.3").expect("valid");
        assert!(!errors_row.starts_with(&descr));
        assert_eq!(errors_row.suffix_after(&descr), None);
        assert_eq!(descr_row.suffix_after(&descr).as_deref(), Some(".3"));
        assert_eq!(descr.with_suffix(".3"), Some(descr_row));
        assert_eq!(descr.with_suffix(""), Some(descr.clone()));
    }

    #[test]
    fn orders_numerically() {
        let a = ObjectId::parse("1.3.6.1.2.1.2.2.1.2.9").expect("valid");
        let b = ObjectId::parse("1.3.6.1.2.1.2.2.1.2.10").expect("valid");
        assert!(a < b);
    }
}
