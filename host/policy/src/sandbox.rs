//! Sandbox limits and grants: the raw policy layers and their resolution.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use crate::capability::Capability;
use crate::diagnostic::{Diagnostic, Diagnostics, Location};

/// How a component that traps is restarted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestartPolicy {
    /// Wait before the first restart after a trap; doubled for each further trap in a row.
    pub backoff_initial: Duration,
    /// The longest wait between restarts.
    pub backoff_max: Duration,
    /// This many traps within `crash_loop_window` stop the component until the
    /// next reload (the crash-loop breaker).
    pub crash_loop_traps: u32,
    /// The window over which traps are counted.
    pub crash_loop_window: Duration,
}

/// The effective limits and grants of one component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sandbox {
    /// Most bytes of linear memory the component may use.
    pub max_memory_bytes: u64,
    /// Longest time one call may run before it is interrupted.
    pub max_call: Duration,
    /// Most records (samples, events, traits or deliveries) one call may return.
    pub max_output_records: u64,
    /// Most bytes of text and payload one call may return.
    pub max_output_bytes: u64,
    /// The capabilities the component may import.
    pub grants: BTreeSet<Capability>,
    /// Environment variables visible to the component when `environment` is granted.
    pub env: BTreeMap<String, String>,
    /// Where a publisher component's output may be delivered: fnmatch
    /// patterns over the publisher URL without credentials and query
    /// (`file:///var/log/nephometer/*`, `udp://127.0.0.1:4952`).
    pub destinations: Vec<String>,
    /// Restart behaviour after traps.
    pub restart: RestartPolicy,
    /// The policy layers that contributed, from the most general to the most
    /// specific (for example `defaults (policies/default.toml)`).
    pub applied: Vec<String>,
}

impl Default for Sandbox {
    /// The built-in values under every policy file.
    fn default() -> Self {
        Sandbox {
            max_memory_bytes: 64 << 20,
            max_call: Duration::from_secs(1),
            max_output_records: 100_000,
            max_output_bytes: 32 << 20,
            grants: [Capability::Log, Capability::Config, Capability::Clock].into(),
            env: BTreeMap::new(),
            destinations: Vec::new(),
            restart: RestartPolicy {
                backoff_initial: Duration::from_millis(100),
                backoff_max: Duration::from_secs(30),
                crash_loop_traps: 5,
                crash_loop_window: Duration::from_secs(60),
            },
            applied: vec!["built-in defaults".to_owned()],
        }
    }
}

/// One layer of a policy file (`[defaults]`, `[tenants.NAME]` or `[components.NAME]`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLimits {
    max_memory_mib: Option<Spanned<u64>>,
    max_call_ms: Option<Spanned<u64>>,
    max_output_records: Option<Spanned<u64>>,
    max_output_mib: Option<Spanned<u64>>,
    grants: Option<Vec<Spanned<String>>>,
    env: Option<Spanned<BTreeMap<String, String>>>,
    destinations: Option<Vec<String>>,
    restart_backoff_ms: Option<Spanned<u64>>,
    restart_backoff_max_ms: Option<Spanned<u64>>,
    crash_loop_traps: Option<Spanned<u32>>,
    crash_loop_window_secs: Option<Spanned<u64>>,
}

/// A layer with the file it came from, ready to apply.
#[derive(Debug)]
pub(crate) struct Layer<'a> {
    pub(crate) label: String,
    pub(crate) file: &'a Path,
    pub(crate) source: &'a str,
    pub(crate) limits: &'a RawLimits,
}

fn checked(
    layer: &Layer<'_>,
    value: &Spanned<u64>,
    field: &str,
    range: std::ops::RangeInclusive<u64>,
    errors: &mut Diagnostics,
) -> Option<u64> {
    let number = *value.get_ref();
    if range.contains(&number) {
        Some(number)
    } else {
        errors.push(Diagnostic::new(
            Location::of_span(layer.file, layer.source, value.span()),
            format!(
                "{field} = {number} is out of range ({} to {}) in {}",
                range.start(),
                range.end(),
                layer.label
            ),
        ));
        None
    }
}

impl Layer<'_> {
    /// Overrides the fields of `sandbox` that this layer sets, recording errors.
    pub(crate) fn apply(&self, sandbox: &mut Sandbox, errors: &mut Diagnostics) {
        let raw = self.limits;
        if let Some(v) = &raw.max_memory_mib
            && let Some(mib) = checked(self, v, "max_memory_mib", 1..=4096, errors)
        {
            sandbox.max_memory_bytes = mib << 20;
        }
        if let Some(v) = &raw.max_call_ms
            && let Some(ms) = checked(self, v, "max_call_ms", 1..=600_000, errors)
        {
            sandbox.max_call = Duration::from_millis(ms);
        }
        if let Some(v) = &raw.max_output_records
            && let Some(n) = checked(self, v, "max_output_records", 1..=100_000_000, errors)
        {
            sandbox.max_output_records = n;
        }
        if let Some(v) = &raw.max_output_mib
            && let Some(mib) = checked(self, v, "max_output_mib", 1..=4096, errors)
        {
            sandbox.max_output_bytes = mib << 20;
        }
        if let Some(v) = &raw.restart_backoff_ms
            && let Some(ms) = checked(self, v, "restart_backoff_ms", 0..=3_600_000, errors)
        {
            sandbox.restart.backoff_initial = Duration::from_millis(ms);
        }
        if let Some(v) = &raw.restart_backoff_max_ms
            && let Some(ms) = checked(self, v, "restart_backoff_max_ms", 0..=3_600_000, errors)
        {
            sandbox.restart.backoff_max = Duration::from_millis(ms);
        }
        if let Some(v) = &raw.crash_loop_traps {
            let as_u64 = Spanned::new(v.span(), u64::from(*v.get_ref()));
            if let Some(n) = checked(self, &as_u64, "crash_loop_traps", 1..=1000, errors) {
                sandbox.restart.crash_loop_traps = n as u32;
            }
        }
        if let Some(v) = &raw.crash_loop_window_secs
            && let Some(s) = checked(self, v, "crash_loop_window_secs", 1..=86_400, errors)
        {
            sandbox.restart.crash_loop_window = Duration::from_secs(s);
        }
        if let Some(grants) = &raw.grants {
            let mut set = BTreeSet::new();
            for grant in grants {
                match grant.get_ref().parse::<Capability>() {
                    Ok(capability) => {
                        set.insert(capability);
                    }
                    Err(message) => errors.push(Diagnostic::new(
                        Location::of_span(self.file, self.source, grant.span()),
                        format!("grants: {message}"),
                    )),
                }
            }
            sandbox.grants = set;
        }
        if let Some(env) = &raw.env {
            sandbox.env = env.get_ref().clone();
        }
        if let Some(destinations) = &raw.destinations {
            sandbox.destinations = destinations.clone();
        }
        sandbox.applied.push(format!(
            "{} ({})",
            self.label,
            Location::file(self.file).file.display()
        ));
    }

    /// Whether this layer sets `env` (and so replaces the env of the layers below).
    pub(crate) fn sets_env(&self) -> bool {
        self.limits.env.is_some()
    }

    /// Checks what can only be checked once all layers are applied.
    pub(crate) fn check_env_grant(&self, sandbox: &Sandbox, errors: &mut Diagnostics) {
        if let Some(env) = &self.limits.env
            && !env.get_ref().is_empty()
            && !sandbox.grants.contains(&Capability::Environment)
        {
            errors.push(Diagnostic::new(
                Location::of_span(self.file, self.source, env.span()),
                format!(
                    "env is set in {} but `environment` is not granted",
                    self.label
                ),
            ));
        }
    }
}
