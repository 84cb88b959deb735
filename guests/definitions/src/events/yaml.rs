//! YAML read the way PyYAML's `safe_load` builds it, where the event
//! converter can tell: mappings keep their key order, a repeated key keeps
//! its first position and its last value, and `<<` merge keys put the merged
//! entries first (for `<<: [*a, *b]`, `a` wins over `b`).

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, EnumAccess, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::python;

/// One YAML node.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// `~`, `null` or nothing.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i128),
    /// A float.
    Float(f64),
    /// A string.
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in document order, merges applied.
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// Parses one YAML document; the error carries the 1-based line.
    pub fn parse(text: &str) -> Result<Node, (usize, String)> {
        serde_yaml_ng::from_str(text).map_err(|error| {
            let line = error.location().map_or(1, |l| l.line());
            (line, format!("Invalid YAML syntax: {error}"))
        })
    }

    /// The value of the string key `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map(entries) => entries
                .iter()
                .find(|(k, _)| matches!(k, Node::Str(s) if s == key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// The node as JSON (mapping keys become their Python `str()`; NaN becomes null).
    pub fn to_json(&self) -> Value {
        match self {
            Node::Null => Value::Null,
            Node::Bool(b) => Value::Bool(*b),
            Node::Int(i) => i64::try_from(*i)
                .map(Value::from)
                .or_else(|_| u64::try_from(*i).map(Value::from))
                .unwrap_or_else(|_| Value::from(*i as f64)),
            Node::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
            Node::Str(s) => Value::String(s.clone()),
            Node::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            Node::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (python::str_of(&k.to_json()), v.to_json()))
                    .collect(),
            ),
        }
    }
}

/// Applies PyYAML's `flatten_mapping` and dict construction to the entries
/// of one mapping, in document order.
fn construct_mapping(entries: Vec<(Node, Node)>) -> Result<Vec<(Node, Node)>, String> {
    let mut merged = Vec::new();
    let mut own = Vec::new();
    for (key, value) in entries {
        if !matches!(&key, Node::Str(s) if s == "<<") {
            own.push((key, value));
            continue;
        }
        match value {
            Node::Map(entries) => merged.extend(entries),
            Node::Seq(items) => {
                let mut submerge = Vec::new();
                for item in items {
                    match item {
                        Node::Map(entries) => submerge.push(entries),
                        _ => return Err("expected a mapping for merging".into()),
                    }
                }
                merged.extend(submerge.into_iter().rev().flatten());
            }
            _ => return Err("expected a mapping or list of mappings for merging".into()),
        }
    }
    let mut mapping: Vec<(Node, Node)> = Vec::with_capacity(merged.len() + own.len());
    for (key, value) in merged.into_iter().chain(own) {
        if matches!(key, Node::Seq(_) | Node::Map(_)) {
            return Err("found unhashable key".into());
        }
        let json_key = key.to_json();
        match mapping
            .iter_mut()
            .find(|(k, _)| python::equals(&k.to_json(), &json_key))
        {
            Some(entry) => entry.1 = value,
            None => mapping.push((key, value)),
        }
    }
    Ok(mapping)
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("any YAML value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Int(i128::from(v)))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
        Ok(Node::Int(i128::from(v)))
    }

    fn visit_i128<E>(self, v: i128) -> Result<Node, E> {
        Ok(Node::Int(v))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Node, E> {
        i128::try_from(v)
            .map(Node::Int)
            .map_err(|_| E::custom("integer too large"))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
        Ok(Node::Float(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Str(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Node, E> {
        Ok(Node::Str(v))
    }

    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        Node::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Node>()? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some((key, value)) = map.next_entry::<Node, Node>()? {
            entries.push((key, value));
        }
        construct_mapping(entries)
            .map(Node::Map)
            .map_err(de::Error::custom)
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Node, A::Error> {
        let (tag, _) = data.variant::<String>()?;
        Err(de::Error::custom(format!(
            "could not determine a constructor for the tag '!{tag}'"
        )))
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Node, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(node: &Node) -> Vec<String> {
        let Node::Map(entries) = node else {
            panic!("not a mapping: {node:?}")
        };
        entries
            .iter()
            .map(|(k, _)| python::str_of(&k.to_json()))
            .collect()
    }

    #[test]
    fn merges_put_merged_keys_first_and_own_values_win() {
        let text = "
- a: &base
    x: 1
    y: 2
- b:
    z: 0
    <<: *base
    y: 3
- c: &other
    y: 9
    w: 8
- d:
    <<: [*base, *other]
    v: 7
";
        let doc = Node::parse(text).unwrap();
        let Node::Seq(items) = &doc else { panic!() };
        let b = items[1].get("b").unwrap();
        assert_eq!(keys(b), ["x", "y", "z"]);
        assert_eq!(b.get("y"), Some(&Node::Int(3)));
        let d = items[3].get("d").unwrap();
        assert_eq!(keys(d), ["y", "w", "x", "v"]);
        assert_eq!(
            d.get("y"),
            Some(&Node::Int(2)),
            "the first mapping of the list wins"
        );
    }

    #[test]
    fn repeated_keys_keep_the_first_position_and_the_last_value() {
        let doc = Node::parse("a: 1\nb: 2\na: 3\n").unwrap();
        assert_eq!(keys(&doc), ["a", "b"]);
        assert_eq!(doc.get("a"), Some(&Node::Int(3)));
    }

    #[test]
    fn scalars_and_errors() {
        let doc = Node::parse("a: ~\nb: 1.5\nc: 'x'\nd: [true, 2]\n").unwrap();
        assert_eq!(
            doc.to_json(),
            serde_json::json!({"a": null, "b": 1.5, "c": "x", "d": [true, 2]})
        );
        assert_eq!(Node::parse("").unwrap(), Node::Null);
        let (line, message) = Node::parse("- a: 1\n- b: [\n").unwrap_err();
        assert!(line >= 2, "{line} {message}");
        assert!(Node::parse("a: !custom 1\n").is_err());
        assert!(Node::parse("a:\n  <<: 3\n").is_err());
    }
}
