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
use crate::notification::amqp_name;
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
    snmp_definitions: Option<Spanned<String>>,
    snmp_timeout_ms: Option<Spanned<i64>>,
    snmp_retries: Option<Spanned<i64>>,
    snmp_max_repetitions: Option<Spanned<i64>>,
    ipmi_command: Option<Spanned<String>>,
    ipmi_interface: Option<Spanned<String>>,
    ipmi_host: Option<Spanned<String>>,
    ipmi_port: Option<Spanned<i64>>,
    ipmi_user: Option<Spanned<String>>,
    ipmi_password: Option<String>,
    ipmi_cipher_suite: Option<Spanned<i64>>,
    ipmi_timeout_ms: Option<Spanned<i64>>,
    ipmi_polling_retry: Option<i64>,
    ipmi_node: Option<Spanned<String>>,
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
    /// The SNMP and IPMI pollsters' keys (`snmp_*`, `ipmi_*`).
    pub hardware: PollingHardware,
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
            hardware: PollingHardware::default(),
        }
    }
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
    resolve_hardware(raw, config, base, &mut out.hardware, errors);
    out
}

/// The hardware pollsters' keys: what `nepho_hardware::HardwareConfig` is
/// made of (its defaults, repeated here so that the policy crate needs no
/// SNMP library).
#[derive(Clone, PartialEq, Eq)]
pub struct PollingHardware {
    /// `snmp_definitions`: an operator's snmp.yaml (None: Ceilometer's, embedded).
    pub snmp_definitions: Option<PathBuf>,
    /// `snmp_timeout_ms` (1000).
    pub snmp_timeout: Duration,
    /// `snmp_retries` (2).
    pub snmp_retries: u32,
    /// `snmp_max_repetitions` (100).
    pub snmp_max_repetitions: u32,
    /// `ipmi_command` (`ipmitool`).
    pub ipmi_command: PathBuf,
    /// `ipmi_interface` (`-I`; None: ipmitool's in-band default).
    pub ipmi_interface: Option<String>,
    /// `ipmi_host` (`-H`).
    pub ipmi_host: Option<String>,
    /// `ipmi_port` (`-p`).
    pub ipmi_port: Option<u16>,
    /// `ipmi_user` (`-U`).
    pub ipmi_user: Option<String>,
    /// `ipmi_password` (given to ipmitool in its environment).
    pub ipmi_password: Option<String>,
    /// `ipmi_cipher_suite` (`-C`).
    pub ipmi_cipher_suite: Option<u8>,
    /// `ipmi_timeout_ms` (15000): one ipmitool run is killed after it.
    pub ipmi_timeout: Duration,
    /// `ipmi_polling_retry` (3): Ceilometer's `[ipmi] polling_retry`.
    pub ipmi_polling_retry: i64,
    /// `ipmi_node` (None: the `host` key's value).
    pub ipmi_node: Option<String>,
}

impl Default for PollingHardware {
    fn default() -> Self {
        PollingHardware {
            snmp_definitions: None,
            snmp_timeout: Duration::from_millis(1000),
            snmp_retries: 2,
            snmp_max_repetitions: 100,
            ipmi_command: PathBuf::from("ipmitool"),
            ipmi_interface: None,
            ipmi_host: None,
            ipmi_port: None,
            ipmi_user: None,
            ipmi_password: None,
            ipmi_cipher_suite: None,
            ipmi_timeout: Duration::from_millis(15_000),
            ipmi_polling_retry: 3,
            ipmi_node: None,
        }
    }
}

impl std::fmt::Debug for PollingHardware {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PollingHardware")
            .field("snmp_definitions", &self.snmp_definitions)
            .field("snmp_timeout", &self.snmp_timeout)
            .field("snmp_retries", &self.snmp_retries)
            .field("snmp_max_repetitions", &self.snmp_max_repetitions)
            .field("ipmi_command", &self.ipmi_command)
            .field("ipmi_interface", &self.ipmi_interface)
            .field("ipmi_host", &self.ipmi_host)
            .field("ipmi_port", &self.ipmi_port)
            .field("ipmi_user", &self.ipmi_user)
            .field("ipmi_password", &self.ipmi_password.as_ref().map(|_| "***"))
            .field("ipmi_cipher_suite", &self.ipmi_cipher_suite)
            .field("ipmi_timeout", &self.ipmi_timeout)
            .field("ipmi_polling_retry", &self.ipmi_polling_retry)
            .field("ipmi_node", &self.ipmi_node)
            .finish()
    }
}

/// The hardware pollsters' keys, checked; `base` is the configuration file's directory.
fn resolve_hardware(
    raw: &RawPolling,
    config: &ConfigSource,
    base: &Path,
    out: &mut PollingHardware,
    errors: &mut Diagnostics,
) {
    let at = |span| Location::of_span(&config.path, &config.text, span);
    let mut ranged = |value: &Option<Spanned<i64>>, key: &str, lo: i64, hi: i64| {
        let v = value.as_ref()?;
        if (lo..=hi).contains(v.get_ref()) {
            Some(*v.get_ref())
        } else {
            errors.push(Diagnostic::new(
                at(v.span()),
                format!(
                    "polling.{key} = {} is out of range ({lo} to {hi})",
                    v.get_ref()
                ),
            ));
            None
        }
    };
    let as_u32 = |v: i64| u32::try_from(v).unwrap_or(u32::MAX);
    let millis = |v: i64| Duration::from_millis(u64::try_from(v).unwrap_or(0));
    if let Some(v) = ranged(&raw.snmp_timeout_ms, "snmp_timeout_ms", 1, 60_000) {
        out.snmp_timeout = millis(v);
    }
    if let Some(v) = ranged(&raw.snmp_retries, "snmp_retries", 0, 10) {
        out.snmp_retries = as_u32(v);
    }
    if let Some(v) = ranged(&raw.snmp_max_repetitions, "snmp_max_repetitions", 1, 1000) {
        out.snmp_max_repetitions = as_u32(v);
    }
    if let Some(v) = ranged(&raw.ipmi_port, "ipmi_port", 1, 65_535) {
        out.ipmi_port = u16::try_from(v).ok();
    }
    if let Some(v) = ranged(&raw.ipmi_cipher_suite, "ipmi_cipher_suite", 0, 17) {
        out.ipmi_cipher_suite = u8::try_from(v).ok();
    }
    if let Some(v) = ranged(&raw.ipmi_timeout_ms, "ipmi_timeout_ms", 100, 600_000) {
        out.ipmi_timeout = millis(v);
    }
    out.ipmi_polling_retry = raw.ipmi_polling_retry.unwrap_or(out.ipmi_polling_retry);
    out.ipmi_password = raw.ipmi_password.clone();
    // Words that become ipmitool arguments: not empty, no whitespace.
    let mut word = |value: &Option<Spanned<String>>, key: &str| {
        let v = value.as_ref()?;
        let text = v.get_ref();
        if text.is_empty() || text.chars().any(char::is_whitespace) {
            errors.push(Diagnostic::new(
                at(v.span()),
                format!("polling.{key}: `{text}` must be one word (no spaces, not empty)"),
            ));
            None
        } else {
            Some(text.clone())
        }
    };
    out.ipmi_interface = word(&raw.ipmi_interface, "ipmi_interface");
    out.ipmi_host = word(&raw.ipmi_host, "ipmi_host");
    out.ipmi_user = word(&raw.ipmi_user, "ipmi_user");
    out.ipmi_node = word(&raw.ipmi_node, "ipmi_node");
    if let Some(command) = word(&raw.ipmi_command, "ipmi_command") {
        out.ipmi_command = PathBuf::from(command);
    }
    if let Some(file) = &raw.snmp_definitions {
        let path = base.join(file.get_ref());
        match std::fs::metadata(&path) {
            Ok(m) if m.is_file() => out.snmp_definitions = Some(path),
            Ok(_) => errors.push(Diagnostic::new(
                at(file.span()),
                format!("polling.snmp_definitions: {} is not a file", path.display()),
            )),
            Err(e) => errors.push(Diagnostic::new(
                at(file.span()),
                format!(
                    "polling.snmp_definitions: cannot read {}: {e}",
                    path.display()
                ),
            )),
        }
    }
}

#[cfg(test)]
mod hardware_tests {
    use std::path::Path;
    use std::time::Duration;

    use crate::{ConfigSource, Plan};

    fn resolve(dir: &Path, config: &str) -> Result<Plan, crate::Diagnostics> {
        Plan::resolve(
            &ConfigSource {
                path: dir.join("n.toml"),
                text: config.to_owned(),
            },
            &[ConfigSource::embedded("p.toml", crate::DEFAULT_POLICY)],
        )
    }

    #[test]
    fn every_hardware_key_is_read() {
        let dir = tempfile::tempdir().expect("temporary directory");
        std::fs::write(dir.path().join("snmp.yaml"), "metric: []\n").expect("written");
        let config = "[polling]\nsnmp_definitions = \"snmp.yaml\"\nsnmp_timeout_ms = 250\n\
                      snmp_retries = 0\nsnmp_max_repetitions = 20\nipmi_command = \"/usr/bin/ipmitool\"\n\
                      ipmi_interface = \"lanplus\"\nipmi_host = \"10.0.0.9\"\nipmi_port = 6230\n\
                      ipmi_user = \"admin\"\nipmi_password = \"s3cret pass\"\nipmi_cipher_suite = 3\n\
                      ipmi_timeout_ms = 5000\nipmi_polling_retry = -1\nipmi_node = \"node-9\"\n";
        let plan = resolve(dir.path(), config).expect("valid");
        let h = plan.polling.expect("configured").hardware;
        assert_eq!(h.snmp_definitions, Some(dir.path().join("snmp.yaml")));
        assert_eq!(h.snmp_timeout, Duration::from_millis(250));
        assert_eq!((h.snmp_retries, h.snmp_max_repetitions), (0, 20));
        assert_eq!(h.ipmi_command, Path::new("/usr/bin/ipmitool"));
        assert_eq!(h.ipmi_interface.as_deref(), Some("lanplus"));
        assert_eq!(h.ipmi_host.as_deref(), Some("10.0.0.9"));
        assert_eq!(h.ipmi_port, Some(6230));
        assert_eq!(h.ipmi_user.as_deref(), Some("admin"));
        assert_eq!(h.ipmi_password.as_deref(), Some("s3cret pass"));
        assert_eq!(h.ipmi_cipher_suite, Some(3));
        assert_eq!(h.ipmi_timeout, Duration::from_millis(5000));
        assert_eq!(h.ipmi_polling_retry, -1);
        assert_eq!(h.ipmi_node.as_deref(), Some("node-9"));
        assert!(!format!("{h:?}").contains("s3cret"));
    }

    #[test]
    fn hardware_key_errors_name_the_field_at_file_line_column() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let config = "[polling]\nsnmp_timeout_ms = 0\nsnmp_retries = 11\nipmi_port = 70000\n\
                      ipmi_cipher_suite = 18\nipmi_timeout_ms = 1\nipmi_host = \"a b\"\n\
                      snmp_definitions = \"missing.yaml\"\nsnmp_max_repetitions = 0\n";
        let errors = resolve(dir.path(), config)
            .expect_err("invalid")
            .to_string();
        for expected in [
            "n.toml:2:19: polling.snmp_timeout_ms = 0 is out of range (1 to 60000)",
            "n.toml:3:16: polling.snmp_retries = 11 is out of range (0 to 10)",
            "n.toml:4:13: polling.ipmi_port = 70000 is out of range (1 to 65535)",
            "n.toml:5:21: polling.ipmi_cipher_suite = 18 is out of range (0 to 17)",
            "n.toml:6:19: polling.ipmi_timeout_ms = 1 is out of range (100 to 600000)",
            "n.toml:7:13: polling.ipmi_host: `a b` must be one word",
            "n.toml:8:20: polling.snmp_definitions: cannot read",
            "n.toml:9:24: polling.snmp_max_repetitions = 0 is out of range (1 to 1000)",
        ] {
            assert!(
                errors.contains(expected),
                "missing `{expected}` in:\n{errors}"
            );
        }
    }
}
