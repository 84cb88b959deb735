//! The agent configuration file: which components run, from where, with what settings.
//!
//! ```toml
//! policies = "policies"              # directory of sandbox policy files, relative to this file
//! cache_dir = "/var/cache/nephometer" # where compiled components are kept
//!
//! [components.passthrough]
//! source = "builtin:transform-passthrough"   # or "file:plugins/x.wasm"
//! tenant = "acme"                             # optional: applies [tenants.acme] of the policies
//! config = { tag = "-v2" }                    # given to the component through the config capability
//! files = { definitions = ["meters.d"] }      # files (directories: their *.yaml, sorted) read by the
//!                                             # host and given as config key `definitions`
//!
//! [pipeline]
//! samples = "pipeline.yaml"                   # Ceilometer's pipeline files, relative to this file
//! events = "event_pipeline.yaml"
//!
//! [database]
//! connection = "sqlite:///var/lib/nephometer/nephometer.db"  # where database:// publishes
//!
//! [publisher]
//! telemetry_secret = "..."                    # signs published messages, verifies incoming ones
//!
//! [transformers.scale]                        # a transformer pipeline files may name
//! source = "file:plugins/scale.wasm"
//! tenant = "acme"
//!
//! [notification]                              # the RabbitMQ consumer (see `notification.rs`)
//! topics = ["notifications"]
//!
//! [api]                                       # the REST API (see `api.rs`)
//! tokens = "tokens.toml"
//!
//! [polling]                                   # the polling agent (see `polling.rs`)
//! namespaces = ["compute"]
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::diagnostic::Location;
use crate::sandbox::Sandbox;

/// The agent configuration as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAgentConfig {
    pub(crate) policies: Option<Spanned<String>>,
    pub(crate) cache_dir: Option<String>,
    #[serde(default)]
    pub(crate) components: BTreeMap<Spanned<String>, RawComponent>,
    pub(crate) pipeline: Option<RawPipeline>,
    pub(crate) publisher: Option<RawPublisher>,
    #[serde(default)]
    pub(crate) transformers: BTreeMap<Spanned<String>, RawTransformerType>,
    pub(crate) notification: Option<crate::notification::RawNotification>,
    pub(crate) database: Option<crate::database::RawDatabase>,
    pub(crate) api: Option<crate::api::RawApi>,
    pub(crate) polling: Option<crate::polling::RawPolling>,
}

/// The `[pipeline]` table: Ceilometer's pipeline files.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPipeline {
    pub(crate) samples: Option<Spanned<String>>,
    pub(crate) events: Option<Spanned<String>>,
}

/// The `[publisher]` table (Ceilometer's `[publisher]` options).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPublisher {
    pub(crate) telemetry_secret: Option<String>,
}

/// One `[transformers.NAME]` table: a transformer component that pipeline
/// files may name besides Ceilometer's six.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTransformerType {
    pub(crate) source: Spanned<String>,
    pub(crate) tenant: Option<Spanned<String>>,
}

/// One `[components.NAME]` table as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawComponent {
    pub(crate) source: Spanned<String>,
    pub(crate) tenant: Option<Spanned<String>>,
    #[serde(default)]
    pub(crate) config: BTreeMap<String, toml::Value>,
    #[serde(default)]
    pub(crate) files: BTreeMap<String, Spanned<Vec<String>>>,
}

/// Where a component's code comes from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ComponentSource {
    /// A component built into the agent, by name (`builtin:transform-passthrough`).
    Builtin(String),
    /// A component file (`file:plugins/x.wasm`), resolved against the configuration file's directory.
    File(PathBuf),
}

impl ComponentSource {
    /// Parses `builtin:NAME` or `file:PATH` (a bare path ending in `.wasm` is a file too).
    pub(crate) fn parse(text: &str, base_dir: &Path) -> Result<Self, String> {
        if let Some(name) = text.strip_prefix("builtin:") {
            if name.is_empty() {
                return Err("source: `builtin:` needs a component name".to_owned());
            }
            return Ok(ComponentSource::Builtin(name.to_owned()));
        }
        let path = text.strip_prefix("file:").unwrap_or(text);
        if path.is_empty() || (!text.starts_with("file:") && !path.ends_with(".wasm")) {
            return Err(format!(
                "source: `{text}` is neither `builtin:NAME` nor `file:PATH` (nor a path ending in .wasm)"
            ));
        }
        Ok(ComponentSource::File(base_dir.join(path)))
    }
}

impl fmt::Display for ComponentSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ComponentSource::Builtin(name) => write!(f, "builtin:{name}"),
            ComponentSource::File(path) => write!(f, "file:{}", path.display()),
        }
    }
}

/// One component to run, fully resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct ComponentSpec {
    /// The operator's name for it (the key of `[components.NAME]`).
    pub name: String,
    /// Where its code comes from.
    pub source: ComponentSource,
    /// Where `source` is written, for errors about the component's code.
    pub source_location: Location,
    /// Its tenant, if any.
    pub tenant: Option<String>,
    /// Its configuration, as JSON values, read through the `config` capability.
    pub config: serde_json::Map<String, serde_json::Value>,
    /// Its effective sandbox.
    pub sandbox: Sandbox,
    /// The files and directories its `files` table names, which the host
    /// read into its configuration; a change to them reloads the component.
    pub watched: Vec<PathBuf>,
}

/// Converts a TOML value to JSON (datetimes become their TOML text).
pub(crate) fn toml_to_json(value: &toml::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match value {
        toml::Value::String(s) => J::String(s.clone()),
        toml::Value::Integer(i) => J::from(*i),
        toml::Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
        toml::Value::Boolean(b) => J::Bool(*b),
        toml::Value::Datetime(d) => J::String(d.to_string()),
        toml::Value::Array(items) => J::Array(items.iter().map(toml_to_json).collect()),
        toml::Value::Table(table) => J::Object(
            table
                .iter()
                .map(|(k, v)| (k.clone(), toml_to_json(v)))
                .collect(),
        ),
    }
}

/// Whether `name` is a usable component or tenant name.
pub(crate) fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}
