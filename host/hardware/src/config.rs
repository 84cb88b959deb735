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
            node: nepho_policy::local_host_name(),
        }
    }
}

impl HardwareConfig {
    /// The configuration the `[polling]` table's `snmp_*` and `ipmi_*` keys
    /// give; `host` is the table's `host` (the IPMI node unless `ipmi_node`
    /// names another).
    pub fn from_polling(keys: &nepho_policy::PollingHardware, host: &str) -> HardwareConfig {
        HardwareConfig {
            snmp: SnmpConfig {
                definitions: keys.snmp_definitions.clone(),
                timeout: keys.snmp_timeout,
                retries: keys.snmp_retries,
                max_repetitions: keys.snmp_max_repetitions,
            },
            ipmi: IpmiConfig {
                command: keys.ipmi_command.clone(),
                interface: keys.ipmi_interface.clone(),
                host: keys.ipmi_host.clone(),
                port: keys.ipmi_port,
                user: keys.ipmi_user.clone(),
                password: keys.ipmi_password.clone(),
                cipher_suite: keys.ipmi_cipher_suite,
                timeout: keys.ipmi_timeout,
                polling_retry: keys.ipmi_polling_retry,
                node: keys.ipmi_node.clone().unwrap_or_else(|| host.to_owned()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_polling_tables_defaults_are_the_pollsters_defaults() {
        let from_table =
            HardwareConfig::from_polling(&nepho_policy::PollingHardware::default(), "n1");
        let mut expected = HardwareConfig::default();
        expected.ipmi.node = "n1".to_owned();
        assert_eq!(from_table, expected);
    }

    #[test]
    fn every_key_reaches_the_pollsters() {
        let keys = nepho_policy::PollingHardware {
            snmp_definitions: Some(PathBuf::from("/etc/nephometer/snmp.yaml")),
            snmp_timeout: Duration::from_millis(250),
            snmp_retries: 0,
            snmp_max_repetitions: 20,
            ipmi_command: PathBuf::from("/opt/ipmitool"),
            ipmi_interface: Some("lanplus".into()),
            ipmi_host: Some("10.0.0.9".into()),
            ipmi_port: Some(6230),
            ipmi_user: Some("admin".into()),
            ipmi_password: Some("pw".into()),
            ipmi_cipher_suite: Some(3),
            ipmi_timeout: Duration::from_secs(5),
            ipmi_polling_retry: -1,
            ipmi_node: Some("bmc-9".into()),
        };
        let c = HardwareConfig::from_polling(&keys, "n1");
        assert_eq!(c.snmp.definitions, keys.snmp_definitions);
        assert_eq!(
            (c.snmp.timeout, c.snmp.retries, c.snmp.max_repetitions),
            (Duration::from_millis(250), 0, 20)
        );
        assert_eq!(c.ipmi.command, PathBuf::from("/opt/ipmitool"));
        assert_eq!(c.ipmi.interface.as_deref(), Some("lanplus"));
        assert_eq!(
            (c.ipmi.host.as_deref(), c.ipmi.port),
            (Some("10.0.0.9"), Some(6230))
        );
        assert_eq!(
            (c.ipmi.user.as_deref(), c.ipmi.password.as_deref()),
            (Some("admin"), Some("pw"))
        );
        assert_eq!(
            (c.ipmi.cipher_suite, c.ipmi.timeout, c.ipmi.polling_retry),
            (Some(3), Duration::from_secs(5), -1)
        );
        assert_eq!(c.ipmi.node, "bmc-9");
    }
}
