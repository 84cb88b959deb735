//! One meter definition of `meters.yaml`, validated (Ceilometer's `MeterDefinition`).

use serde_json::Value;

use super::field::{FieldSpec, python_str};
use crate::matching::{EventTypePattern, PatternSyntax};

/// The sample attributes a definition may set, in Ceilometer's order.
pub const SAMPLE_ATTRIBUTES: [&str; 8] = [
    "name",
    "type",
    "volume",
    "unit",
    "timestamp",
    "user_id",
    "project_id",
    "resource_id",
];

const REQUIRED_FIELDS: [&str; 6] = [
    "name",
    "type",
    "event_type",
    "unit",
    "volume",
    "resource_id",
];
const METER_TYPES: [&str; 3] = ["gauge", "delta", "cumulative"];

/// Which Ceilometer release's conversion rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Dialect {
    /// Ceilometer 10.0.0 (Queens) to master: regex event types, the current
    /// envelope, timestamps normalised to ISO 8601 with `+00:00`.
    #[default]
    Current,
    /// Ceilometer 6.0.0 (Mitaka): glob event types, the legacy flat envelope
    /// (`_context_*` keys), timestamps copied as they arrive.
    Mitaka,
}

impl Dialect {
    /// Parses `current` or `mitaka`.
    pub fn from_name(name: &str) -> Result<Dialect, String> {
        match name {
            "current" | "master" => Ok(Dialect::Current),
            "mitaka" => Ok(Dialect::Mitaka),
            other => Err(format!(
                "dialect: `{other}` is neither `current` nor `mitaka`"
            )),
        }
    }

    fn pattern_syntax(self) -> PatternSyntax {
        match self {
            Dialect::Current => PatternSyntax::Regex,
            Dialect::Mitaka => PatternSyntax::Glob,
        }
    }

    /// The hard-coded user and project fallbacks. In the current dialect they
    /// never match (jsonpath's `|` binds tighter than `.`); Ceilometer has the
    /// same bug and the conformance cases expect it.
    fn fallbacks(self) -> (&'static str, &'static str) {
        match self {
            Dialect::Current => ("ctxt.user_id|ctxt.user", "ctxt.project_id|ctxt.tenant_id"),
            Dialect::Mitaka => (
                "_context_user_id|_context_user",
                "_context_tenant_id|_context_tenant",
            ),
        }
    }
}

/// A validated meter definition.
#[derive(Debug, Clone)]
pub struct MeterDefinition {
    /// The configured name (a literal, or a jsonpath with `lookup`).
    pub name: String,
    pub(crate) meter_type: String,
    pub(crate) unit: String,
    patterns: Vec<EventTypePattern>,
    /// Configured attributes among [`SAMPLE_ATTRIBUTES`], in that order.
    pub(crate) attributes: Vec<(&'static str, FieldSpec)>,
    pub(crate) metadata: Vec<(String, FieldSpec)>,
    pub(crate) user_metadata: Option<FieldSpec>,
    pub(crate) lookup: Vec<String>,
    pub(crate) fallback_user_id: FieldSpec,
    pub(crate) fallback_project_id: FieldSpec,
    pub(crate) dialect: Dialect,
}

fn is_truthy(value: Option<&Value>) -> bool {
    value.is_some_and(crate::events::python::truthy)
}

impl MeterDefinition {
    /// Validates one definition (a YAML mapping) as Ceilometer does.
    pub fn new(config: &Value, dialect: Dialect) -> Result<MeterDefinition, String> {
        let map = config
            .as_object()
            .ok_or("a meter definition must be a mapping")?;
        let missing: Vec<&str> = REQUIRED_FIELDS
            .iter()
            .copied()
            .filter(|f| !is_truthy(map.get(*f)))
            .collect();
        if !missing.is_empty() {
            let list = missing
                .iter()
                .map(|f| format!("'{f}'"))
                .collect::<Vec<_>>()
                .join(", ");
            return Err(format!("Required fields [{list}] not specified"));
        }
        let lookup = match map.get("lookup") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(items)) => items.iter().map(python_str).collect(),
            Some(other) => vec![python_str(other)],
        };
        let meter_type = python_str(&map["type"]);
        if !METER_TYPES.contains(&meter_type.as_str()) && !lookup.iter().any(|l| l == "type") {
            return Err(format!("Invalid type {meter_type} specified"));
        }
        let patterns = match &map["event_type"] {
            Value::Array(items) => items.iter().map(python_str).collect(),
            other => vec![python_str(other)],
        }
        .iter()
        .map(|p| EventTypePattern::new(p, dialect.pattern_syntax()))
        .collect::<Result<Vec<_>, _>>()?;
        let mut attributes = Vec::new();
        for attribute in SAMPLE_ATTRIBUTES {
            if let Some(spec) = map.get(attribute) {
                attributes.push((attribute, FieldSpec::new(attribute, spec)?));
            }
        }
        let metadata = match map.get("metadata") {
            Some(Value::Object(fields)) => fields
                .iter()
                .map(|(key, spec)| FieldSpec::new(key, spec).map(|f| (key.clone(), f)))
                .collect::<Result<Vec<_>, _>>()?,
            _ => Vec::new(),
        };
        let user_metadata = map
            .get("user_metadata")
            .map(|spec| FieldSpec::new("user_metadata", spec))
            .transpose()?;
        let (user_fallback, project_fallback) = dialect.fallbacks();
        Ok(MeterDefinition {
            name: python_str(&map["name"]),
            meter_type,
            unit: python_str(&map["unit"]),
            patterns,
            attributes,
            metadata,
            user_metadata,
            lookup,
            fallback_user_id: FieldSpec::new("user_id", &Value::String(user_fallback.into()))?,
            fallback_project_id: FieldSpec::new(
                "project_id",
                &Value::String(project_fallback.into()),
            )?,
            dialect,
        })
    }

    /// Whether the definition applies to notifications of `event_type`.
    pub fn matches(&self, event_type: &str) -> bool {
        self.patterns.iter().any(|p| p.matches(event_type))
    }
}
