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

use std::collections::HashSet;

use nepho_definitions::events::python::str_of;
use serde_json::{Map, Value};

pub use definitions::{BUILTIN, Definitions, EventOperation, ResourceDefinition};

use crate::encoder::{Encoder, Settings};
use crate::model::{finite_samples, float};
use crate::pytime::utc_str_from_unix_nanos;
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

/// What one resource accumulates over a batch.
struct ResourceInfo {
    resource_type: String,
    user_id: Value,
    extra: Map<String, Value>,
}

fn json_delivery(body: &Value, role: &str) -> Delivery {
    Delivery::new(CONTENT_TYPE, pyjson::dumps(body)).with_header("gnocchi-role", role)
}

/// A metric's entry of the measures body, without measures yet.
fn new_metric(definition: &ResourceDefinition, sample: &Sample) -> Value {
    let mut entry = Map::new();
    entry.insert("measures".into(), Value::Array(Vec::new()));
    entry.insert(
        "archive_policy_name".into(),
        definition
            .archive_policy(&sample.name)
            .map_or(Value::Null, |p| Value::String(p.to_owned())),
    );
    entry.insert("unit".into(), Value::String(sample.unit.clone()));
    Value::Object(entry)
}

impl GnocchiEncoder {
    fn is_gnocchi_activity(&self, sample: &Sample) -> bool {
        let Some(project) = &self.filter_project else {
            return false;
        };
        sample.project_id.as_deref() == Some(project.as_str())
            || (&sample.resource_id == project
                && self
                    .definitions
                    .for_metric(&sample.name)
                    .is_some_and(|d| d.resource_type == "swift_account"))
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
        let mut out = Output {
            warnings: std::mem::take(&mut self.pending_warnings),
            ..Output::default()
        };
        let mut kept: Vec<&Sample> = finite_samples(samples, &mut out.warnings)
            .into_iter()
            .filter(|s| !self.is_gnocchi_activity(s))
            .collect();
        kept.sort_by(|a, b| a.resource_id.cmp(&b.resource_id));
        let mut infos: Vec<(String, ResourceInfo)> = Vec::new();
        let mut measures = Map::new();
        for sample in kept {
            let Some(definition) = self.definitions.for_metric(&sample.name) else {
                if self.logged_metrics.insert(sample.name.clone()) {
                    out.warnings
                        .push(format!("metric {} is not handled by Gnocchi", sample.name));
                }
                continue;
            };
            let rid = sample.resource_id.replace('/', "_");
            let at = match infos.iter().position(|(id, _)| *id == rid) {
                Some(at) => at,
                None => {
                    infos.push((
                        rid.clone(),
                        ResourceInfo {
                            resource_type: definition.resource_type.clone(),
                            user_id: sample.user_id.clone().map_or(Value::Null, Value::String),
                            extra: Map::new(),
                        },
                    ));
                    infos.len() - 1
                }
            };
            let extra = &mut infos[at].1.extra;
            extra.insert(
                "project_id".into(),
                sample.project_id.clone().map_or(Value::Null, Value::String),
            );
            let dict = sample.as_dict();
            for (name, spec) in &definition.attributes {
                if let Some(value) = spec.parse(&dict, false).values.first()
                    && !value.is_null()
                {
                    extra.insert(name.clone(), value.clone().into_owned());
                }
            }
            let Value::Object(metrics) = measures
                .entry(rid)
                .or_insert_with(|| Value::Object(Map::new()))
            else {
                continue;
            };
            let metric = metrics
                .entry(sample.name.clone())
                .or_insert_with(|| new_metric(definition, sample));
            if let Some(list) = metric.get_mut("measures").and_then(Value::as_array_mut) {
                let mut measure = Map::new();
                measure.insert("timestamp".into(), Value::String(sample.timestamp.clone()));
                measure.insert("value".into(), float(sample.volume));
                list.push(Value::Object(measure));
            }
        }
        if measures.is_empty() {
            return Ok(out);
        }
        out.deliveries
            .push(json_delivery(&Value::Object(measures), "measures"));
        let mut updates = Vec::new();
        for (rid, info) in infos {
            updates.push(
                json_delivery(&Value::Object(info.extra.clone()), "resource-update")
                    .with_header("resource-type", &info.resource_type)
                    .with_header("resource-id", &rid),
            );
            let mut resource = Map::new();
            resource.insert("id".into(), Value::String(rid));
            resource.insert("user_id".into(), info.user_id);
            resource.extend(info.extra);
            out.deliveries.push(
                json_delivery(&Value::Object(resource), "resource")
                    .with_header("resource-type", &info.resource_type),
            );
        }
        out.deliveries.extend(updates);
        Ok(out)
    }

    fn events(&mut self, events: &[Event], now: u64) -> Result<Output, PublishError> {
        let mut out = Output {
            warnings: std::mem::take(&mut self.pending_warnings),
            ..Output::default()
        };
        let ended_at = utc_str_from_unix_nanos(now).replacen(' ', "T", 1);
        for event in events {
            let Some((definition, operation)) = self.definitions.for_event(&event.event_type)
            else {
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
                        && self
                            .logged_events
                            .insert(format!("{} associated", event.event_type))
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
                    if self.logged_events.insert(event.event_type.clone()) {
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
        Ok(out)
    }
}

#[cfg(test)]
mod tests;
