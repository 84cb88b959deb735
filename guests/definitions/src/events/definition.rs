//! One event definition (Ceilometer's `EventDefinition`): which event types
//! it handles and which traits it extracts.

use serde_json::{Value, json};

use super::glob::Glob;
use super::python;
use super::traits::{PathCache, TraitDefinition};
use super::yaml::Node;
use super::{Event, Trait};

/// The traits every definition starts with, in order; a definition's own
/// trait of the same name replaces one in place.
const DEFAULT_TRAITS: [(&str, &[&str]); 5] = [
    ("service", &["publisher_id"]),
    ("request_id", &["ctxt.request_id"]),
    ("project_id", &["payload.tenant_id", "ctxt.project_id"]),
    ("user_id", &["payload.user_id", "ctxt.user_id"]),
    ("tenant_id", &["payload.tenant_id", "ctxt.project_id"]),
];

/// A validated event definition.
#[derive(Debug, Clone)]
pub struct EventDefinition {
    /// The `event_type` patterns as configured.
    pub event_types: Vec<String>,
    included: Vec<Glob>,
    excluded: Vec<Glob>,
    catchall: bool,
    traits: Vec<TraitDefinition>,
}

/// The configured `event_type`: a string or a list of strings.
fn event_types(config: &Node) -> Result<Vec<String>, String> {
    match config {
        Node::Str(s) => Ok(vec![s.clone()]),
        Node::Seq(items) => items
            .iter()
            .map(|item| match item {
                Node::Str(s) => Ok(s.clone()),
                other => Err(format!(
                    "event_type entries must be strings, not {}",
                    python::repr(&other.to_json())
                )),
            })
            .collect(),
        other => Err(format!(
            "event_type must be a string or a list of strings, not {}",
            python::repr(&other.to_json())
        )),
    }
}

impl EventDefinition {
    /// Validates one definition. Returns it with the warnings Ceilometer
    /// logs while loading it (deprecated plugins).
    pub fn new(
        config: &Node,
        cache: &mut PathCache,
    ) -> Result<(EventDefinition, Vec<String>), String> {
        if !matches!(config, Node::Map(_)) {
            return Err(format!(
                "a definition must be a mapping, not {}",
                python::repr(&config.to_json())
            ));
        }
        let event_type = config
            .get("event_type")
            .ok_or("Required field event_type not specified")?;
        let traits = config
            .get("traits")
            .ok_or("Required field traits not specified")?;
        let event_types = event_types(event_type)?;
        let Node::Map(traits) = traits else {
            return Err(format!(
                "traits must be a mapping, not {}",
                python::repr(&traits.to_json())
            ));
        };
        let mut definition = EventDefinition::with_default_traits(event_types, cache)?;
        let mut warnings = Vec::new();
        for (name, spec) in traits {
            let name = python::str_of(&name.to_json());
            let (trait_definition, warning) = TraitDefinition::new(&name, &spec.to_json(), cache)?;
            warnings.extend(warning);
            match definition.traits.iter_mut().find(|t| t.name == name) {
                Some(existing) => *existing = trait_definition,
                None => definition.traits.push(trait_definition),
            }
        }
        Ok((definition, warnings))
    }

    /// The definition Ceilometer appends when none is a catch-all and
    /// unmatched notifications are kept: `*` with the default traits only.
    pub fn catch_all(cache: &mut PathCache) -> Result<EventDefinition, String> {
        EventDefinition::with_default_traits(vec!["*".into()], cache)
    }

    fn with_default_traits(
        event_types: Vec<String>,
        cache: &mut PathCache,
    ) -> Result<EventDefinition, String> {
        let mut included = Vec::new();
        let mut excluded = Vec::new();
        for pattern in &event_types {
            match pattern.strip_prefix('!') {
                Some(rest) => excluded.push(rest),
                None => included.push(pattern.as_str()),
            }
        }
        if !excluded.is_empty() && included.is_empty() {
            included.push("*");
        }
        let catchall = included.contains(&"*") && excluded.is_empty();
        let traits = DEFAULT_TRAITS
            .iter()
            .map(|(name, fields)| {
                let config = json!({"type": "text", "fields": fields});
                TraitDefinition::new(name, &config, cache).map(|(definition, _)| definition)
            })
            .collect::<Result<_, _>>()?;
        Ok(EventDefinition {
            included: included.into_iter().map(Glob::new).collect(),
            excluded: excluded.into_iter().map(Glob::new).collect(),
            event_types,
            catchall,
            traits,
        })
    }

    /// Whether the definition handles `event_type`: an included pattern
    /// matches and no excluded one does.
    pub fn matches(&self, event_type: &str) -> bool {
        self.included.iter().any(|g| g.matches(event_type))
            && !self.excluded.iter().any(|g| g.matches(event_type))
    }

    /// Whether this is a pure catch-all (`*` and no exclusions).
    pub fn is_catchall(&self) -> bool {
        self.catchall
    }

    /// The event's traits from a notification in the current envelope, in
    /// definition order; the first conversion error aborts.
    pub fn traits(
        &self,
        notification: &Value,
        warnings: &mut Vec<String>,
    ) -> Result<Vec<Trait>, String> {
        let mut traits = Vec::with_capacity(self.traits.len());
        for definition in &self.traits {
            traits.extend(definition.to_trait(notification, warnings)?);
        }
        Ok(traits)
    }

    /// Builds the event (Ceilometer's `EventDefinition.to_event`).
    pub fn to_event(
        &self,
        notification: &Value,
        (event_type, message_id): (&str, String),
        raw: Option<Value>,
        warnings: &mut Vec<String>,
    ) -> Result<Event, String> {
        let timestamp = notification
            .pointer("/metadata/timestamp")
            .ok_or("the notification has no metadata.timestamp")?;
        let generated = crate::timeutil::normalized_isotime_of(timestamp)
            .map_err(|e| format!("metadata.timestamp: {e}"))?;
        let traits = self.traits(notification, warnings)?;
        Ok(Event {
            message_id,
            event_type: event_type.to_owned(),
            generated,
            traits,
            raw,
        })
    }
}
