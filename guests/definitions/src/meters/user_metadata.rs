//! Ceilometer's reserved user metadata (`add_reserved_user_metadata` with the
//! default options: namespace `metering.`, values cut to 256 characters, no
//! extra reserved keys).

use serde_json::{Map, Value};

const NAMESPACE: &str = "metering.";
const MAX_LENGTH: usize = 256;

/// Copies every `metering.*` key of `source` into `destination["user_metadata"]`,
/// prefix stripped and `.` replaced by `_`, string values cut to 256
/// characters, keys already in `destination` skipped; added only if non-empty.
pub fn add_reserved_user_metadata(
    source: &Map<String, Value>,
    destination: &mut Map<String, Value>,
) {
    let mut user_metadata = Map::new();
    for (key, value) in source {
        let Some(rest) = key.strip_prefix(NAMESPACE) else {
            continue;
        };
        let name = rest.replace('.', "_");
        if destination.contains_key(&name) {
            continue;
        }
        let value = match value {
            Value::String(s) if s.chars().count() > MAX_LENGTH => {
                Value::String(s.chars().take(MAX_LENGTH).collect())
            }
            other => other.clone(),
        };
        user_metadata.insert(name, value);
    }
    if !user_metadata.is_empty() {
        destination.insert("user_metadata".into(), Value::Object(user_metadata));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reserved_keys_are_renamed_cut_and_never_overwrite() {
        let source = json!({"metering.server.group": "g1", "metering.x": "a".repeat(300), "other": 1, "metering.host": "h"});
        let mut destination = json!({"host": "compute-1"}).as_object().unwrap().clone();
        add_reserved_user_metadata(source.as_object().unwrap(), &mut destination);
        let user = destination["user_metadata"].as_object().unwrap();
        assert_eq!(user["server_group"], json!("g1"));
        assert_eq!(user["x"].as_str().unwrap().len(), 256);
        assert!(
            !user.contains_key("host"),
            "a key already in the metadata is not copied"
        );
        assert!(!user.contains_key("other"));
    }
}
