//! Logging, the cache directory and plan loading shared by the commands.

use std::path::PathBuf;

use nepho_policy::{ConfigSource, Diagnostics, Plan};
use nepho_runtime::{Runtime, RuntimeConfig};

use crate::ConfigArgs;

/// The agent configuration used without `--config`.
pub(crate) const DEFAULT_CONFIG: &str = include_str!("default_config.toml");

/// Logs to stderr; `RUST_LOG` filters (default `default_filter`).
pub(crate) fn init_logging(default_filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

/// The plan from `--config`, or the embedded defaults.
pub(crate) fn load_plan(args: &ConfigArgs) -> Result<Plan, Diagnostics> {
    match &args.config {
        Some(path) => Plan::load(path),
        None => Plan::resolve(
            &ConfigSource::embedded("nephometer.toml", DEFAULT_CONFIG),
            &[ConfigSource::embedded(
                "policies/default.toml",
                nepho_policy::DEFAULT_POLICY,
            )],
        ),
    }
}

/// The cache directory: flag, configuration, then [`default_cache_dir`].
fn cache_dir(args: &ConfigArgs, plan: &Plan) -> Option<PathBuf> {
    args.cache_dir
        .clone()
        .or_else(|| plan.cache_dir.clone())
        .or_else(default_cache_dir)
}

/// `$XDG_CACHE_HOME/nephometer`, else `~/.cache/nephometer`; none if both are unset.
pub(crate) fn default_cache_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_CACHE_HOME")
        .map(|d| PathBuf::from(d).join("nephometer"))
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/nephometer")))
}

/// The runtime with the built-in components and the cache directory.
pub(crate) fn runtime(args: &ConfigArgs, plan: &Plan) -> anyhow::Result<Runtime> {
    Runtime::new(RuntimeConfig {
        builtins: nepho_guest_artifacts::BUILTINS,
        cache_dir: cache_dir(args, plan),
    })
}
