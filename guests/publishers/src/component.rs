//! Glue between the `publisher` world and an [`Encoder`]: configuration
//! from the `config` import, batches of the contract to and from the
//! library's values, warnings to the `log` import. Each built-in publisher
//! component is one line: `nepho_publishers::publisher_component!(FileEncoder);`.
//!
//! Configuration keys: `url` (required, the publisher URL as written in
//! `pipeline.yaml`), `telemetry_secret` (default
//! [`DEFAULT_SECRET`](crate::DEFAULT_SECRET); empty disables signing),
//! `host` (default [`DEFAULT_HOST`](crate::DEFAULT_HOST)),
//! `resources_definition` (gnocchi only: YAML text replacing the built-in
//! `gnocchi_resources.yaml`).

mod convert;

use std::sync::Mutex;

use nepho_guest::publisher::{
    self as wit, ComponentError, EventBatch, SampleBatch, clock, config, log,
};
use serde_json::Value;

use convert::{events_of, samples_of};

use crate::encoder::{DEFAULT_HOST, DEFAULT_SECRET};
use crate::{Encoder, Output, PublishError, Settings};

/// A string configuration key: `None` when absent, an error naming the key
/// when it is not a JSON string.
fn string_key(key: &str) -> Result<Option<String>, ComponentError> {
    let Some(json) = config::get(key) else {
        return Ok(None);
    };
    match serde_json::from_str::<Value>(&json) {
        Ok(Value::String(text)) => Ok(Some(text)),
        _ => Err(ComponentError::InvalidConfig(format!(
            "{key}: must be a string"
        ))),
    }
}

/// The settings from the `config` import.
pub fn settings() -> Result<Settings, ComponentError> {
    let url = string_key("url")?.ok_or_else(|| {
        ComponentError::InvalidConfig("url: the publisher URL is required".into())
    })?;
    Ok(Settings {
        url,
        telemetry_secret: string_key("telemetry_secret")?.unwrap_or_else(|| DEFAULT_SECRET.into()),
        host: string_key("host")?.unwrap_or_else(|| DEFAULT_HOST.into()),
        resources_definition: string_key("resources_definition")?,
    })
}

/// Builds the encoder into `state`.
pub fn init<E: Encoder>(state: &Mutex<Option<E>>) -> Result<(), ComponentError> {
    let encoder = E::from_settings(&settings()?).map_err(ComponentError::InvalidConfig)?;
    *state
        .lock()
        .map_err(|_| ComponentError::Other("publisher state poisoned".into()))? = Some(encoder);
    Ok(())
}

fn with_encoder<E: Encoder>(
    state: &Mutex<Option<E>>,
    work: impl FnOnce(&mut E, u64) -> Result<Output, PublishError>,
) -> Result<Vec<wit::Delivery>, wit::PublishError> {
    let mut slot = state
        .lock()
        .map_err(|_| wit::PublishError::Retry("publisher state poisoned".into()))?;
    let encoder = slot
        .as_mut()
        .ok_or_else(|| wit::PublishError::Retry("called before init".into()))?;
    match work(encoder, clock::now()) {
        Ok(output) => {
            for warning in &output.warnings {
                log::log(log::Level::Warn, warning);
            }
            Ok(output
                .deliveries
                .into_iter()
                .map(|d| wit::Delivery {
                    content_type: d.content_type,
                    headers: d.headers,
                    body: d.body,
                })
                .collect())
        }
        Err(PublishError::Reject(m)) => Err(wit::PublishError::Reject(m)),
        Err(PublishError::Retry(m)) => Err(wit::PublishError::Retry(m)),
    }
}

/// Encodes a batch of samples.
pub fn publish_samples<E: Encoder>(
    state: &Mutex<Option<E>>,
    batch: &SampleBatch,
) -> Result<Vec<wit::Delivery>, wit::PublishError> {
    let samples = samples_of(batch);
    with_encoder(state, |e, now| e.samples(&samples, now))
}

/// Encodes a batch of events.
pub fn publish_events<E: Encoder>(
    state: &Mutex<Option<E>>,
    batch: &EventBatch,
) -> Result<Vec<wit::Delivery>, wit::PublishError> {
    let events = events_of(batch);
    with_encoder(state, |e, now| e.events(&events, now))
}

/// Defines and exports a publisher component for an [`Encoder`] type.
#[macro_export]
macro_rules! publisher_component {
    ($encoder:ty) => {
        static STATE: std::sync::Mutex<Option<$encoder>> = std::sync::Mutex::new(None);

        struct Component;

        impl nepho_guest::publisher::Guest for Component {
            fn init() -> Result<(), nepho_guest::publisher::ComponentError> {
                $crate::component::init(&STATE)
            }

            fn publish_samples(
                batch: nepho_guest::publisher::SampleBatch,
            ) -> Result<Vec<nepho_guest::publisher::Delivery>, nepho_guest::publisher::PublishError>
            {
                $crate::component::publish_samples(&STATE, &batch)
            }

            fn publish_events(
                batch: nepho_guest::publisher::EventBatch,
            ) -> Result<Vec<nepho_guest::publisher::Delivery>, nepho_guest::publisher::PublishError>
            {
                $crate::component::publish_events(&STATE, &batch)
            }
        }

        nepho_guest::export_publisher!(Component);
    };
}
