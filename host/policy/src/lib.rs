//! Nephometer's operator-edited configuration: the agent configuration (which
//! components run, from where, with what settings) and the sandbox policies
//! (what each component may use).
//!
//! Both are TOML. Parsing goes in two steps, as in ripgrep's low-level and
//! high-level arguments: serde reads the files into raw structures that keep
//! every value's position, then [`Plan::resolve`] validates them and resolves
//! each component's effective [`Sandbox`]. Every error names the file, line and
//! column of the offending value.

mod agent_config;
mod api;
mod capability;
mod database;
mod diagnostic;
mod files;
mod notification;
mod pipelines;
mod plan;
mod polling;
mod sandbox;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_api;
#[cfg(test)]
mod tests_database;
#[cfg(test)]
mod tests_notification;
#[cfg(test)]
mod tests_pipelines;
#[cfg(test)]
mod tests_polling;

pub use agent_config::{ComponentSource, ComponentSpec};
pub use api::{ApiConfig, DEFAULT_API_LISTEN, DEFAULT_RETURN_LIMIT};
pub use capability::Capability;
pub use database::{DEFAULT_EXPIRER_INTERVAL, DatabaseConfig};
pub use diagnostic::{Diagnostic, Diagnostics, Location};
pub use notification::{
    DEFAULT_EXCHANGES, DEFAULT_PRIORITIES, NotificationConfig, OSLO_PRIORITIES,
};
pub use pipelines::{
    BUILTIN_PIPELINES, DEFAULT_TELEMETRY_SECRET, PipelineFile, Pipelines, publisher_builtin,
    publisher_component, publisher_scheme, transformer_component,
};
pub use plan::{ConfigSource, Plan};
pub use polling::{
    DEFAULT_NAMESPACES, DEFAULT_POLLING_YAML, PollingAgentConfig, PollingHardware, PollingOutput,
    local_host_name,
};
pub use sandbox::{RestartPolicy, Sandbox};

/// The policy that ships with Nephometer, applied when no policy directory is given.
pub const DEFAULT_POLICY: &str = include_str!("../../../policies/default.toml");
