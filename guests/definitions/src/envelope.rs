//! The two notification envelopes: the current one that oslo.messaging hands
//! to endpoints (`{ctxt, publisher_id, event_type, payload, metadata:
//! {message_id, timestamp}}`) and the legacy flat one (`_context_*` keys,
//! top-level `message_id`, `timestamp`, `priority`). They convert losslessly.

use serde_json::{Map, Value};

const CONTEXT_PREFIX: &str = "_context_";

/// Whether `notification` is in the legacy flat envelope.
pub fn is_legacy(notification: &Value) -> bool {
    let Some(map) = notification.as_object() else {
        return false;
    };
    !map.contains_key("ctxt")
        && !map.contains_key("metadata")
        && (map.contains_key("message_id") || map.keys().any(|k| k.starts_with(CONTEXT_PREFIX)))
}

/// The notification in the current envelope.
pub fn to_current(notification: Value) -> Value {
    if !is_legacy(&notification) {
        return notification;
    }
    let Value::Object(map) = notification else {
        return notification;
    };
    let mut current = Map::new();
    let mut ctxt = Map::new();
    let mut metadata = Map::new();
    for (key, value) in map {
        if let Some(name) = key.strip_prefix(CONTEXT_PREFIX) {
            ctxt.insert(name.to_owned(), value);
        } else if key == "message_id" || key == "timestamp" {
            metadata.insert(key, value);
        } else if key != "priority" {
            current.insert(key, value);
        }
    }
    current.insert("ctxt".into(), Value::Object(ctxt));
    current.insert("metadata".into(), Value::Object(metadata));
    Value::Object(current)
}

/// The notification in the legacy flat envelope (Ceilometer's
/// `convert_to_old_notification_format`, without a priority unless one is present).
pub fn to_legacy(notification: Value) -> Value {
    if is_legacy(&notification) {
        return notification;
    }
    let Value::Object(mut map) = notification else {
        return notification;
    };
    let ctxt = map.remove("ctxt");
    let metadata = map.remove("metadata");
    if let Some(Value::Object(metadata)) = metadata {
        map.extend(metadata);
    }
    if let Some(Value::Object(ctxt)) = ctxt {
        for (key, value) in ctxt {
            map.insert(format!("{CONTEXT_PREFIX}{key}"), value);
        }
    }
    Value::Object(map)
}

/// The notification's message id, in either envelope.
pub fn message_id(notification: &Value) -> Option<String> {
    notification
        .pointer("/metadata/message_id")
        .or_else(|| notification.get("message_id"))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn envelopes_convert_both_ways() {
        let current = json!({
            "ctxt": {"user_id": "u", "project_id": "p"},
            "publisher_id": "compute.host",
            "event_type": "compute.instance.create.end",
            "payload": {"a": 1},
            "metadata": {"message_id": "m", "timestamp": "2012-05-08 20:23:48.028195"}
        });
        let legacy = to_legacy(current.clone());
        assert_eq!(legacy["_context_user_id"], json!("u"));
        assert_eq!(legacy["message_id"], json!("m"));
        assert!(is_legacy(&legacy));
        assert_eq!(to_current(legacy), current);
        assert_eq!(message_id(&current).as_deref(), Some("m"));
    }
}
