//! Events to Gnocchi resource updates (Ceilometer's `event_update` and
//! `event_delete`).

use std::collections::HashSet;

use nepho_definitions::events::python::str_of;
use serde_json::{Map, Value};

use super::{Definitions, EventOperation, json_delivery};
use crate::pytime::utc_str_from_unix_nanos;
use crate::{Event, Output};

/// Appends the deliveries for `events` to `out`; what cannot be expressed
/// is warned about once per event type (`logged` remembers).
pub(super) fn encode(
    definitions: &Definitions,
    logged: &mut HashSet<String>,
    events: &[Event],
    now: u64,
    out: &mut Output,
) {
    let ended_at = utc_str_from_unix_nanos(now).replacen(' ', "T", 1);
    for event in events {
        let Some((definition, operation)) = definitions.for_event(&event.event_type) else {
            continue;
        };
        let mut attributes = Map::new();
        for (attribute, trait_name) in &definition.event_attributes {
            if let Some(t) = event.traits.iter().rev().find(|t| &t.name == trait_name) {
                attributes.insert(attribute.clone(), t.value.to_json());
            }
        }
        let Some(id) = attributes.get("id").map(str_of) else {
            out.warnings.push(format!(
                "Event {} ({}) has no resource id, ignoring it",
                event.message_id, event.event_type
            ));
            continue;
        };
        attributes.remove("id");
        let body = match operation {
            EventOperation::Update => attributes,
            EventOperation::Delete => {
                if !definition.associated_resources.is_empty()
                    && logged.insert(format!("{} associated", event.event_type))
                {
                    out.warnings.push(format!(
                        "Event type {}: ending the associated resources ({}) is not supported",
                        event.event_type,
                        definition
                            .associated_resources
                            .iter()
                            .map(|(t, _)| t.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                let mut body = Map::new();
                body.insert("ended_at".into(), Value::String(ended_at.clone()));
                body
            }
            EventOperation::Create => {
                if logged.insert(event.event_type.clone()) {
                    out.warnings.push(format!(
                        "Event type {}: creating Gnocchi resources from events is not supported; \
                         resources are created with their first measures",
                        event.event_type
                    ));
                }
                continue;
            }
        };
        out.deliveries.push(
            json_delivery(&Value::Object(body), "resource-update")
                .with_header("resource-type", &definition.resource_type)
                .with_header("resource-id", &id),
        );
    }
}
