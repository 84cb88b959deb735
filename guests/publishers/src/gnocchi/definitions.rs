//! Ceilometer's `gnocchi_resources.yaml`: which resource type each meter
//! belongs to, its metrics' archive policies, the resource attributes taken
//! from samples (jsonpaths on `sample.as_dict()`) and from events (trait
//! names), as `ResourcesDefinition` reads them.

use nepho_definitions::events::Glob;
use nepho_definitions::meters::{FieldSpec, python_str};
use serde_json::{Map, Value};

/// The built-in definitions: Ceilometer master's file (see `data/NOTICE`).
pub const BUILTIN: &str = include_str!("../../data/gnocchi_resources.yaml");

/// What an event does to the resource it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventOperation {
    /// `event_create`.
    Create,
    /// `event_delete`: set `ended_at`.
    Delete,
    /// `event_update`: update attributes.
    Update,
}

/// One resource type's definition.
#[derive(Debug, Clone)]
pub struct ResourceDefinition {
    /// The Gnocchi resource type.
    pub resource_type: String,
    /// Each metric with its archive policy name, in file order.
    pub metrics: Vec<(String, String)>,
    /// Attributes taken from samples.
    pub attributes: Vec<(String, FieldSpec)>,
    create: Vec<Glob>,
    delete: Vec<Glob>,
    update: Vec<Glob>,
    /// Attributes taken from event traits: attribute name → trait name.
    pub event_attributes: Vec<(String, String)>,
    /// `event_associated_resources`: resource type → search query template.
    pub associated_resources: Vec<(String, String)>,
}

/// Every loaded definition, and why the others were skipped.
#[derive(Debug, Clone, Default)]
pub struct Definitions {
    /// Loaded definitions, in file order.
    pub resources: Vec<ResourceDefinition>,
    /// One message per skipped definition (Ceilometer logs and skips them).
    pub warnings: Vec<String>,
}

fn globs(value: Option<&Value>) -> Vec<Glob> {
    match value {
        None => Vec::new(),
        Some(Value::Array(items)) => items.iter().map(|i| Glob::new(&python_str(i))).collect(),
        Some(other) => vec![Glob::new(&python_str(other))],
    }
}

impl ResourceDefinition {
    fn new(
        cfg: &Map<String, Value>,
        policy_default: &str,
        policy_override: Option<&str>,
    ) -> Result<ResourceDefinition, String> {
        let resource_type = match cfg.get("resource_type") {
            None => return Err("Required field resource_type not specified".into()),
            Some(Value::String(s)) => s.clone(),
            Some(_) => return Err("Required field resource_type should be a str".into()),
        };
        let events = ["event_create", "event_delete", "event_update"]
            .iter()
            .any(|k| cfg.contains_key(*k));
        let event_cfg = cfg.get("event_attributes").and_then(Value::as_object);
        if events && !event_cfg.is_some_and(|e| e.get("id").is_some_and(Value::is_string)) {
            return Err("Required field id not specified in event_attributes".into());
        }
        let metric_list: Vec<(String, Option<&Value>)> = match cfg.get("metrics") {
            Some(Value::Object(map)) => map.iter().map(|(k, v)| (k.clone(), Some(v))).collect(),
            Some(Value::Array(items)) => items.iter().map(|i| (python_str(i), None)).collect(),
            None => return Err("Required field metrics not specified".into()),
            Some(_) => return Err("Required field metrics should be a dict or list".into()),
        };
        let deprecated = cfg.get("archive_policy").map(python_str);
        let metrics = metric_list
            .into_iter()
            .map(|(name, extra)| {
                let given = extra
                    .and_then(|e| e.get("archive_policy_name"))
                    .filter(|p| nepho_definitions::events::python::truthy(p))
                    .map(python_str);
                let policy = deprecated
                    .clone()
                    .or_else(|| policy_override.map(str::to_owned))
                    .or(given)
                    .unwrap_or_else(|| policy_default.to_owned());
                (name, policy)
            })
            .collect();
        let mut attributes = Vec::new();
        if let Some(map) = cfg.get("attributes").and_then(Value::as_object) {
            for (name, spec) in map {
                attributes.push((name.clone(), FieldSpec::new(name, spec)?));
            }
        }
        let event_attributes = event_cfg
            .map(|m| m.iter().map(|(k, v)| (k.clone(), python_str(v))).collect())
            .unwrap_or_default();
        let associated_resources = cfg
            .get("event_associated_resources")
            .and_then(Value::as_object)
            .map(|m| m.iter().map(|(k, v)| (k.clone(), python_str(v))).collect())
            .unwrap_or_default();
        Ok(ResourceDefinition {
            resource_type,
            metrics,
            attributes,
            create: globs(cfg.get("event_create")),
            delete: globs(cfg.get("event_delete")),
            update: globs(cfg.get("event_update")),
            event_attributes,
            associated_resources,
        })
    }

    /// What `event_type` does to this resource type, if anything (create
    /// patterns first, then delete, then update, as Ceilometer checks).
    pub fn event_match(&self, event_type: &str) -> Option<EventOperation> {
        let any = |globs: &[Glob]| globs.iter().any(|g| g.matches(event_type));
        if any(&self.create) {
            Some(EventOperation::Create)
        } else if any(&self.delete) {
            Some(EventOperation::Delete)
        } else if any(&self.update) {
            Some(EventOperation::Update)
        } else {
            None
        }
    }

    /// The archive policy of `metric` (a metric of this definition).
    pub fn archive_policy(&self, metric: &str) -> Option<&str> {
        self.metrics
            .iter()
            .find(|(m, _)| m == metric)
            .map(|(_, p)| p.as_str())
    }
}

impl Definitions {
    /// Loads definitions from YAML text. `archive_policy_override` is the
    /// URL's `archive_policy`. A definition that does not validate is
    /// skipped with a warning, as upstream; unreadable YAML is an error.
    pub fn load(yaml: &str, archive_policy_override: Option<&str>) -> Result<Definitions, String> {
        let data: Value = serde_yaml_ng::from_str(yaml)
            .map_err(|e| format!("resources definition: not valid YAML: {e}"))?;
        let default = data
            .get("archive_policy_default")
            .map_or_else(|| "ceilometer-low".to_owned(), python_str);
        let mut out = Definitions::default();
        let items = data
            .get("resources")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for (index, item) in items.iter().enumerate() {
            let result = match item.as_object() {
                Some(cfg) => ResourceDefinition::new(cfg, &default, archive_policy_override),
                None => Err("a resource definition must be a mapping".into()),
            };
            match result {
                Ok(definition) => out.resources.push(definition),
                Err(e) => out
                    .warnings
                    .push(format!("Failed to load resource {index} due to error: {e}")),
            }
        }
        Ok(out)
    }

    /// The definition handling `metric` (the last one listing it, as
    /// Ceilometer's `metric_map` comprehension keeps).
    pub fn for_metric(&self, metric: &str) -> Option<&ResourceDefinition> {
        self.resources
            .iter()
            .rev()
            .find(|r| r.metrics.iter().any(|(m, _)| m == metric))
    }

    /// The first definition with an event pattern matching `event_type`.
    pub fn for_event(&self, event_type: &str) -> Option<(&ResourceDefinition, EventOperation)> {
        self.resources
            .iter()
            .find_map(|r| r.event_match(event_type).map(|op| (r, op)))
    }
}
