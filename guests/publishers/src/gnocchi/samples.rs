//! Samples to Gnocchi deliveries: the batch measures body, then the
//! resource-creation and resource-update bodies of every resource.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::{Definitions, ResourceDefinition, json_delivery};
use crate::model::{finite_samples, float};
use crate::{Output, Sample};

/// What one resource accumulates over a batch.
struct ResourceInfo {
    resource_type: String,
    user_id: Value,
    extra: Map<String, Value>,
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

/// Whether `sample` is Gnocchi's own activity: of the filtered project, or
/// that project's swift account.
fn is_gnocchi_activity(
    definitions: &Definitions,
    filter_project: Option<&str>,
    sample: &Sample,
) -> bool {
    let Some(project) = filter_project else {
        return false;
    };
    sample.project_id.as_deref() == Some(project)
        || (sample.resource_id == project
            && definitions
                .for_metric(&sample.name)
                .is_some_and(|d| d.resource_type == "swift_account"))
}

/// Appends the deliveries for `samples` to `out`; meters without a
/// definition are warned about once (`logged_metrics` remembers them).
pub(super) fn encode(
    definitions: &Definitions,
    filter_project: Option<&str>,
    logged_metrics: &mut HashSet<String>,
    samples: &[Sample],
    out: &mut Output,
) {
    let mut kept: Vec<&Sample> = finite_samples(samples, &mut out.warnings)
        .into_iter()
        .filter(|s| !is_gnocchi_activity(definitions, filter_project, s))
        .collect();
    kept.sort_by(|a, b| a.resource_id.cmp(&b.resource_id));
    let mut infos: Vec<(String, ResourceInfo)> = Vec::new();
    let mut measures = Map::new();
    for sample in kept {
        let Some(definition) = definitions.for_metric(&sample.name) else {
            if logged_metrics.insert(sample.name.clone()) {
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
        return;
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
}
