//! The `[polling]` table of the agent configuration: the polling agent
//! (`nephometer polling`, and `nephometer run` when the table is present).
//! Ceilometer's `[polling]`, `[DEFAULT] host` / `libvirt_uri`, `[compute]`
//! and oslo.messaging notifier options.
//!
//! ```toml
//! [polling]
//! enabled = true                         # `nephometer run` starts the agent (default when present)
//! cfg_file = "polling.yaml"              # relative to this file; default: the embedded polling.yaml
//! namespaces = ["compute", "central"]    # --polling-namespaces
//! pollster_list = []                     # --pollster-list (fnmatch patterns)
//! batch_size = 50                        # samples per telemetry.polling message (0: one each)
//! output = "notifier"                    # or "pipeline": this process's sample pipelines
//! url = "amqp://guest:guest@127.0.0.1:5672/"   # oslo's transport_url (output = "notifier")
//! topics = ["notifications"]             # [oslo_messaging_notifications] topics
//! exchange = "ceilometer"                # oslo's control_exchange
//! host = "compute-1"                     # [DEFAULT] host (default: this machine's host name)
//! libvirt_uri = "qemu:///system"         # [DEFAULT] libvirt_uri
//! libvirt_open_timeout = 10              # seconds a libvirt connection may take to open
//! require_nova_metadata = false          # poll only domains with Nova's metadata (Ceilometer)
//! report_stopped_instance_metrics = false   # [compute] option of the same name
//! ```
//!
//! The hardware pollsters' keys (`snmp_*`, `ipmi_*`) are read by
//! [`resolve_hardware`] below each in its own small block; a new key is one
//! field in [`RawPolling`], one in [`PollingAgentConfig`] and one block.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use crate::diagnostic::{Diagnostic, Diagnostics, Location};
use crate::plan::ConfigSource;

/// The embedded default polling.yaml: Ceilometer's shipped file plus a
/// `local_host` source for this machine.
pub const DEFAULT_POLLING_YAML: &str = include_str!("../../polling/data/polling.yaml");

/// The namespaces Ceilometer's polling agent runs by default.
pub const DEFAULT_NAMESPACES: [&str; 2] = ["compute", "central"];

/// The `[polling]` table as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPolling {
    enabled: Option<bool>,
    cfg_file: Option<Spanned<String>>,
    namespaces: Option<Spanned<Vec<String>>>,
    pollster_list: Option<Vec<String>>,
    batch_size: Option<Spanned<i64>>,
    output: Option<Spanned<String>>,
    url: Option<Spanned<String>>,
    topics: Option<Spanned<Vec<String>>>,
    exchange: Option<Spanned<String>>,
    host: Option<Spanned<String>>,
    libvirt_uri: Option<Spanned<String>>,
    libvirt_open_timeout: Option<Spanned<i64>>,
    require_nova_metadata: Option<bool>,
    report_stopped_instance_metrics: Option<bool>,
}

/// Where polled samples go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PollingOutput {
    /// `telemetry.polling` notifications on RabbitMQ, for a notification agent.
    Notifier,
    /// This process's sample pipelines (`nephometer run`).
    Pipeline,
}

/// The polling agent's configuration, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct PollingAgentConfig {
    /// Whether `nephometer run` starts the agent.
    pub enabled: bool,
    /// The polling file (`<embedded>/polling.yaml` for the default).
    pub cfg_file: PathBuf,
    /// The polling file, parsed and validated.
    pub sources: nepho_pipeline::PollingConfig,
    /// The namespaces to load pollsters from.
    pub namespaces: Vec<String>,
    /// fnmatch patterns of the pollsters to load (empty: all).
    pub pollster_list: Vec<String>,
    /// Samples per message (0: one sample per message).
    pub batch_size: usize,
    /// Where samples go.
    pub output: PollingOutput,
    /// The broker, for the notifier output.
    pub url: String,
    /// Notification topics.
    pub topics: Vec<String>,
    /// The exchange notifications are published to.
    pub exchange: String,
    /// This host's name.
    pub host: String,
    /// The libvirt URI of the compute pollsters.
    pub libvirt_uri: String,
    /// How long opening the libvirt connection may take.
    pub libvirt_open_timeout: Duration,
    /// Poll only domains with Nova's metadata element.
    pub require_nova_metadata: bool,
    /// Report a minimal set of meters for shut-off instances.
    pub report_stopped_instance_metrics: bool,
}

/// This machine's host name (Python's `socket.gethostname()`), else `localhost`.
pub fn local_host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}

impl Default for PollingAgentConfig {
    fn default() -> Self {
        PollingAgentConfig {
            enabled: true,
            cfg_file: Path::new("<embedded>").join("polling.yaml"),
            sources: nepho_pipeline::parse_polling("<embedded>/polling.yaml", DEFAULT_POLLING_YAML)
                .unwrap_or(nepho_pipeline::PollingConfig {
                    sources: Vec::new(),
                }),
            namespaces: DEFAULT_NAMESPACES.iter().map(|s| (*s).to_owned()).collect(),
            pollster_list: Vec::new(),
            batch_size: 50,
            output: PollingOutput::Notifier,
            url: "amqp://guest:guest@127.0.0.1:5672/".to_owned(),
            topics: vec!["notifications".to_owned()],
            exchange: "ceilometer".to_owned(),
            host: local_host_name(),
            libvirt_uri: "qemu:///system".to_owned(),
            libvirt_open_timeout: Duration::from_secs(10),
            require_nova_metadata: false,
            report_stopped_instance_metrics: false,
        }
    }
}

/// Whether `name` is usable as an AMQP exchange or topic.
fn amqp_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
}

/// Validates the table; `base` is the configuration file's directory.
pub(crate) fn resolve(
    raw: &RawPolling,
    config: &ConfigSource,
    base: &Path,
    errors: &mut Diagnostics,
) -> PollingAgentConfig {
    let at = |span| Location::of_span(&config.path, &config.text, span);
    let mut out = PollingAgentConfig {
        enabled: raw.enabled.unwrap_or(true),
        require_nova_metadata: raw.require_nova_metadata.unwrap_or(false),
        report_stopped_instance_metrics: raw.report_stopped_instance_metrics.unwrap_or(false),
        pollster_list: raw.pollster_list.clone().unwrap_or_default(),
        ..PollingAgentConfig::default()
    };
    if let Some(file) = &raw.cfg_file {
        let path = base.join(file.get_ref());
        match std::fs::read_to_string(&path) {
            Ok(text) => match nepho_pipeline::parse_polling(&path.display().to_string(), &text) {
                Ok(sources) => {
                    out.cfg_file = path;
                    out.sources = sources;
                }
                Err(problems) => {
                    for p in problems {
                        errors.push(Diagnostic::new(
                            Location {
                                file: path.clone(),
                                line: p.line,
                                column: 1,
                            },
                            p.message,
                        ));
                    }
                }
            },
            Err(error) => errors.push(Diagnostic::new(
                at(file.span()),
                format!("polling.cfg_file: cannot read {}: {error}", path.display()),
            )),
        }
    }
    if let Some(namespaces) = &raw.namespaces {
        if namespaces.get_ref().is_empty() {
            errors.push(Diagnostic::new(
                at(namespaces.span()),
                "polling.namespaces: must name at least one (compute, central, ipmi)",
            ));
        } else {
            out.namespaces = namespaces.get_ref().clone();
        }
    }
    if let Some(size) = &raw.batch_size {
        match usize::try_from(*size.get_ref()) {
            Ok(n) if n <= 100_000 => out.batch_size = n,
            _ => errors.push(Diagnostic::new(
                at(size.span()),
                format!(
                    "polling.batch_size = {} is out of range (0 to 100000; 0 sends one sample per message)",
                    size.get_ref()
                ),
            )),
        }
    }
    if let Some(output) = &raw.output {
        match output.get_ref().as_str() {
            "notifier" => out.output = PollingOutput::Notifier,
            "pipeline" => out.output = PollingOutput::Pipeline,
            other => errors.push(Diagnostic::new(
                at(output.span()),
                format!("polling.output: `{other}` is neither \"notifier\" (RabbitMQ) nor \"pipeline\" (this process)"),
            )),
        }
    }
    if let Some(url) = &raw.url {
        let text = url.get_ref();
        if text.starts_with("amqp://") || text.starts_with("rabbit://") {
            out.url = text.clone();
        } else {
            errors.push(Diagnostic::new(
                at(url.span()),
                "polling.url: not an amqp:// (or rabbit://) URL; only RabbitMQ is supported",
            ));
        }
    }
    if let Some(topics) = &raw.topics {
        match topics.get_ref().iter().find(|t| !amqp_name(t)) {
            _ if topics.get_ref().is_empty() => errors.push(Diagnostic::new(
                at(topics.span()),
                "polling.topics: must name at least one",
            )),
            Some(bad) => errors.push(Diagnostic::new(
                at(topics.span()),
                format!("polling.topics: `{bad}` is not a usable AMQP name (letters, digits, `-`, `_`, `.`, `:`)"),
            )),
            None => out.topics = topics.get_ref().clone(),
        }
    }
    if let Some(exchange) = &raw.exchange {
        if amqp_name(exchange.get_ref()) {
            out.exchange = exchange.get_ref().clone();
        } else {
            errors.push(Diagnostic::new(
                at(exchange.span()),
                format!(
                    "polling.exchange: `{}` is not a usable AMQP name",
                    exchange.get_ref()
                ),
            ));
        }
    }
    if let Some(host) = &raw.host {
        if host.get_ref().trim().is_empty() {
            errors.push(Diagnostic::new(
                at(host.span()),
                "polling.host: must not be empty",
            ));
        } else {
            out.host = host.get_ref().clone();
        }
    }
    if let Some(uri) = &raw.libvirt_uri {
        if uri.get_ref().contains(':') {
            out.libvirt_uri = uri.get_ref().clone();
        } else {
            errors.push(Diagnostic::new(
                at(uri.span()),
                format!(
                    "polling.libvirt_uri: `{}` is not a libvirt URI (e.g. qemu:///system)",
                    uri.get_ref()
                ),
            ));
        }
    }
    if let Some(t) = &raw.libvirt_open_timeout {
        match u64::try_from(*t.get_ref()) {
            Ok(secs) if (1..=600).contains(&secs) => {
                out.libvirt_open_timeout = Duration::from_secs(secs)
            }
            _ => errors.push(Diagnostic::new(
                at(t.span()),
                format!(
                    "polling.libvirt_open_timeout = {} is out of range (1 to 600 seconds)",
                    t.get_ref()
                ),
            )),
        }
    }
    resolve_hardware(raw, config, &mut out, errors);
    out
}

/// The hardware pollsters' keys (added by nepho-hardware's engineer).
fn resolve_hardware(
    _raw: &RawPolling,
    _config: &ConfigSource,
    _out: &mut PollingAgentConfig,
    _errors: &mut Diagnostics,
) {
}
