//! `gnocchi://?filter_project=service&enable_filter_project=true&archive_policy=..&resources_definition_file=..&timeout=6.05`:
//! Gnocchi API bodies, `application/json`, told apart by the header
//! `gnocchi-role`.
//!
//! Samples, as Ceilometer master's `GnocchiPublisher.publish_samples`:
//! samples sorted by resource id, meters missing from the resource
//! definitions skipped (warned once per meter), `/` in resource ids
//! replaced by `_`; then
//! 1. one delivery `gnocchi-role: measures`: the body of
//!    `batch_resources_metrics_measures(create_metrics=True)`,
//!    `{resource_id: {metric: {"measures": [{"timestamp", "value"}],
//!    "archive_policy_name", "unit"}}}`;
//! 2. one delivery per resource, `gnocchi-role: resource` and
//!    `resource-type: <type>`: the resource-creation body `{"id",
//!    "user_id", "project_id", <attributes>}` (user id of the resource's
//!    first sample, project id and attributes of its last), which the host
//!    creates when Gnocchi answers "Unknown resources";
//! 3. one delivery per resource, `gnocchi-role: resource-update`,
//!    `resource-type`, `resource-id`: the PATCH body `{"project_id",
//!    <attributes>}` (Ceilometer's `resource_extra`, sent after every batch
//!    as upstream does without a cache).
//!
//! Events, for the first definition whose pattern matches the event type
//! (as upstream's `publish_events`):
//! - update: `gnocchi-role: resource-update`, `resource-type`,
//!   `resource-id`; body the event attributes other than `id`;
//! - delete: the same role, body `{"ended_at": <now, naive UTC ISO>}`;
//! - create, and ending the `event_associated_resources` of a deleted
//!   resource (a Gnocchi search), have no delivery role yet: they are left
//!   out with a warning once per event type (a resource is still created
//!   with its first measures).
//!
//! `filter_project` cannot be resolved to an id without Keystone: it is
//! applied as a project id (samples of that project, and its swift account,
//! are skipped); the default `service` is a name and so filters nothing.
//! Archive policies (`archive_policies` of the file) are not created here.

mod definitions;
mod events;
mod samples;

use std::collections::HashSet;

use serde_json::Value;

pub use definitions::{BUILTIN, Definitions, EventOperation, ResourceDefinition};

use crate::encoder::{Encoder, Settings};
use crate::url::PublisherUrl;
use crate::{Delivery, Event, Output, PublishError, Sample, pyjson};

/// The content type of every Gnocchi delivery.
pub const CONTENT_TYPE: &str = "application/json";

/// The Gnocchi publisher's encoding.
#[derive(Debug, Clone)]
pub struct GnocchiEncoder {
    definitions: Definitions,
    filter_project: Option<String>,
    logged_metrics: HashSet<String>,
    logged_events: HashSet<String>,
    pending_warnings: Vec<String>,
}

/// A JSON delivery with its `gnocchi-role` header.
fn json_delivery(body: &Value, role: &str) -> Delivery {
    Delivery::new(CONTENT_TYPE, pyjson::dumps(body)).with_header("gnocchi-role", role)
}

impl GnocchiEncoder {
    /// An output starting with the warnings of loading the definitions, the
    /// first time only.
    fn output(&mut self) -> Output {
        Output {
            warnings: std::mem::take(&mut self.pending_warnings),
            ..Output::default()
        }
    }
}

impl Encoder for GnocchiEncoder {
    fn from_settings(settings: &Settings) -> Result<Self, String> {
        let url = PublisherUrl::parse(&settings.url);
        url.expect_scheme(&["gnocchi"])?;
        let params = url.params(false);
        if let Some(timeout) = params.last("timeout")
            && timeout.trim().parse::<f64>().is_err()
        {
            return Err(format!("option timeout: {timeout:?} is not a number"));
        }
        let file = params
            .last("resources_definition_file")
            .unwrap_or("gnocchi_resources.yaml");
        let yaml = match &settings.resources_definition {
            Some(text) => text.as_str(),
            None if file == "gnocchi_resources.yaml" => BUILTIN,
            None => {
                return Err(format!(
                    "option resources_definition_file: {file:?} cannot be read by the component; \
                     give its text as the configuration key resources_definition"
                ));
            }
        };
        let definitions = Definitions::load(yaml, params.last("archive_policy"))?;
        let filter_project = params.flag("enable_filter_project", true).then(|| {
            params
                .last("filter_project")
                .unwrap_or("service")
                .to_owned()
        });
        Ok(GnocchiEncoder {
            pending_warnings: definitions.warnings.clone(),
            definitions,
            filter_project,
            logged_metrics: HashSet::new(),
            logged_events: HashSet::new(),
        })
    }

    fn samples(&mut self, samples: &[Sample], _now: u64) -> Result<Output, PublishError> {
        let mut out = self.output();
        samples::encode(
            &self.definitions,
            self.filter_project.as_deref(),
            &mut self.logged_metrics,
            samples,
            &mut out,
        );
        Ok(out)
    }

    fn events(&mut self, events: &[Event], now: u64) -> Result<Output, PublishError> {
        let mut out = self.output();
        events::encode(
            &self.definitions,
            &mut self.logged_events,
            events,
            now,
            &mut out,
        );
        Ok(out)
    }
}

#[cfg(test)]
mod tests;
