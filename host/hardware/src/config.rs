//! What the hardware pollsters are configured with (the `[polling]` keys
//! `snmp_*` and `ipmi_*`, see docs/policies.md).

use std::path::PathBuf;
use std::time::Duration;

/// Configuration of the SNMP and IPMI pollsters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HardwareConfig {
    /// The SNMP pollsters' settings.
    pub snmp: SnmpConfig,
    /// The IPMI pollsters' settings.
    pub ipmi: IpmiConfig,
}

/// The SNMP pollsters' settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnmpConfig {
    /// An operator's snmp.yaml (Ceilometer's `[hardware]
    /// meter_definitions_file`); `None`: Ceilometer's packaged file, embedded.
    pub definitions: Option<PathBuf>,
    /// How long to wait for each SNMP answer (pysnmp's default: 1 s).
    pub timeout: Duration,
    /// How often to resend an unanswered request.
    pub retries: u32,
    /// GETBULK max-repetitions of a walk (Ceilometer: 100).
    pub max_repetitions: u32,
}

/// How `ipmitool` reaches the BMC.
#[derive(Clone, PartialEq, Eq)]
pub struct IpmiConfig {
    /// The `ipmitool` program.
    pub command: PathBuf,
    /// `-I <interface>`: `None` runs ipmitool's default (the local, in-band
    /// interface, as Ceilometer does); `lanplus` or `lan` for a remote BMC.
    pub interface: Option<String>,
    /// `-H <host>` of a remote BMC.
    pub host: Option<String>,
    /// `-p <port>` of a remote BMC.
    pub port: Option<u16>,
    /// `-U <user>`.
    pub user: Option<String>,
    /// The password, passed in the environment (`-E`, `IPMI_PASSWORD`),
    /// never on the command line.
    pub password: Option<String>,
    /// `-C <cipher suite>` for lanplus.
    pub cipher_suite: Option<u8>,
    /// How long one ipmitool run may take before it is killed.
    pub timeout: Duration,
    /// Ceilometer's `[ipmi] polling_retry`: failures tolerated in a row
    /// before the node is given up (permanent failure); negative: never.
    pub polling_retry: i64,
    /// The node's name in resource ids and metadata (Ceilometer's
    /// `[DEFAULT] host`); also what `local_node` discovers.
    pub node: String,
}

impl std::fmt::Debug for IpmiConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IpmiConfig")
            .field("command", &self.command)
            .field("interface", &self.interface)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("cipher_suite", &self.cipher_suite)
            .field("timeout", &self.timeout)
            .field("polling_retry", &self.polling_retry)
            .field("node", &self.node)
            .finish()
    }
}

impl Default for SnmpConfig {
    fn default() -> Self {
        SnmpConfig {
            definitions: None,
            timeout: Duration::from_secs(1),
            retries: 2,
            max_repetitions: 100,
        }
    }
}

impl Default for IpmiConfig {
    fn default() -> Self {
        IpmiConfig {
            command: PathBuf::from("ipmitool"),
            interface: None,
            host: None,
            port: None,
            user: None,
            password: None,
            cipher_suite: None,
            timeout: Duration::from_secs(15),
            polling_retry: 3,
            node: local_hostname(),
        }
    }
}

/// This machine's host name (Ceilometer's `[DEFAULT] host` default,
/// `socket.gethostname()`), or `localhost` when it cannot be read.
pub fn local_hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}
