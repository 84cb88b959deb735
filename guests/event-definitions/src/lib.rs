//! The built-in `event-definitions` component: Ceilometer's event definitions.
//!
//! Configuration (through the `config` capability):
//! - `definitions`: a list of `{"name": FILE, "text": YAML}` in load order;
//!   without it, Ceilometer's packaged `event_definitions.yaml` (embedded);
//! - `drop_unmatched`: drop notifications no definition matches (default
//!   false: they become events with the default traits only);
//! - `store_raw`: priorities (`info`, `error`, ...) whose events keep the raw
//!   notification.
//!
//! A definition that fails to load is logged with file, line and event type;
//! the others load. A file that is not a YAML list fails `init`, so a reload
//! with it is rolled back. A notification that cannot be converted (a bad
//! timestamp, a trait that does not convert) is logged and skipped.

use std::sync::OnceLock;

use nepho_definitions::envelope;
use nepho_definitions::events::{EventDefinitions, EventOptions, TraitValue};
use nepho_definitions::source::DefinitionFile;
use nepho_guest::event::{
    self as wit, ComponentError, EventBatch, Guest, NotificationBatch, config, log,
};
use nepho_guest::{BatchText, EventBatchBuilder};
use serde_json::Value;

static DEFINITIONS: OnceLock<EventDefinitions> = OnceLock::new();

const SHIPPED_EVENTS: &str = include_str!("../data/event_definitions.yaml");
const SHIPPED_NAME: &str = "<built-in>/event_definitions.yaml";

fn setting<T: serde::de::DeserializeOwned>(key: &str) -> Result<Option<T>, ComponentError> {
    config::get(key)
        .map(|json| {
            serde_json::from_str(&json)
                .map_err(|e| ComponentError::InvalidConfig(format!("{key}: {e} (got {json})")))
        })
        .transpose()
}

#[derive(serde::Deserialize)]
struct FileEntry {
    name: String,
    text: String,
}

struct Events;

impl Guest for Events {
    fn init() -> Result<(), ComponentError> {
        let files: Vec<DefinitionFile> = match setting::<Vec<FileEntry>>("definitions")? {
            Some(entries) => entries
                .into_iter()
                .map(|f| DefinitionFile {
                    name: f.name,
                    text: f.text,
                })
                .collect(),
            None => vec![DefinitionFile {
                name: SHIPPED_NAME.into(),
                text: SHIPPED_EVENTS.into(),
            }],
        };
        let options = EventOptions {
            drop_unmatched: setting("drop_unmatched")?.unwrap_or(false),
            store_raw: setting("store_raw")?.unwrap_or_default(),
        };
        let (definitions, warnings) = EventDefinitions::load(&files, &options);
        let unusable: Vec<String> = warnings
            .iter()
            .filter(|w| w.index.is_none() && w.skipped && !w.file.is_empty())
            .map(|w| w.to_string())
            .collect();
        if !unusable.is_empty() {
            return Err(ComponentError::InvalidConfig(unusable.join("; ")));
        }
        for warning in &warnings {
            log::log(log::Level::Warn, &warning.to_string());
        }
        let _ = DEFINITIONS.set(definitions);
        Ok(())
    }

    fn convert(batch: NotificationBatch) -> Result<EventBatch, ComponentError> {
        let Some(definitions) = DEFINITIONS.get() else {
            return Err(ComponentError::Other("convert called before init".into()));
        };
        let mut builder = EventBatchBuilder::new();
        let mut warnings = Vec::new();
        for notification in &batch.notifications {
            let parsed: Value = match serde_json::from_str(batch.str(notification.body)) {
                Ok(value) => value,
                Err(error) => {
                    log::log(
                        log::Level::Warn,
                        &format!("Skipping a notification that is not JSON: {error}"),
                    );
                    continue;
                }
            };
            let priority = batch.str(notification.priority);
            let priority = (!priority.is_empty()).then_some(priority);
            match definitions.convert_with_warnings(&parsed, priority, &mut warnings) {
                Ok(Some(event)) => {
                    for t in &event.traits {
                        let value = match &t.value {
                            TraitValue::Text(s) => wit::TraitValue::Text(builder.text(s)),
                            TraitValue::Int(i) => wit::TraitValue::Int(*i),
                            TraitValue::Float(f) => wit::TraitValue::Float(*f),
                            TraitValue::Datetime(d) => wit::TraitValue::Datetime(builder.text(d)),
                        };
                        builder.push_trait(&t.name, value);
                    }
                    let raw = event.raw.as_ref().map(Value::to_string);
                    builder.push_event(
                        &event.message_id,
                        &event.event_type,
                        &event.generated,
                        raw.as_deref(),
                    );
                }
                Ok(None) => {}
                Err(error) => {
                    let id = envelope::message_id(&parsed).unwrap_or_default();
                    log::log(
                        log::Level::Warn,
                        &format!("Skipping notification {id}: {error}"),
                    );
                }
            }
            for warning in warnings.drain(..) {
                log::log(log::Level::Warn, &warning);
            }
        }
        Ok(builder.finish())
    }
}

nepho_guest::export_event_definition!(Events);
