//! Ceilometer's hardware pollsters, natively: the SNMP meters of
//! `snmp.yaml` (central namespace) and the IPMI sensor meters (ipmi
//! namespace), implementing [`nepho_polling::Pollster`].
//!
//! [`register`] adds them to a [`nepho_polling::Registry`]:
//!
//! * `central`: one [`snmp::SnmpPollster`] per definition of the
//!   definitions file (Ceilometer's packaged snmp.yaml of 17.0.0 unless the
//!   configuration names another). Resources are `snmp://` URLs from
//!   polling.yaml `resources`.
//! * `ipmi`: the five [`ipmi::SensorPollster`]s and the `local_node` discovery.

pub mod config;
pub mod faults;
pub mod ipmi;
pub mod snmp;

use std::sync::Arc;

use nepho_polling::{CENTRAL, IPMI, Registry};
use tracing::{error, warn};

pub use config::{HardwareConfig, IpmiConfig, SnmpConfig};

/// What registering found wrong in the definitions (each already logged).
#[derive(Debug, Default)]
pub struct Registered {
    /// The SNMP meters registered.
    pub snmp_meters: Vec<String>,
    /// Definitions left out (file:line: ...).
    pub errors: Vec<snmp::DefinitionError>,
    /// Fields ignored, definitions replaced.
    pub warnings: Vec<snmp::DefinitionError>,
}

/// Loads the SNMP definitions `config` names (or the embedded ones; an
/// unreadable file falls back to them, as Ceilometer falls back to its
/// packaged file).
pub fn load_snmp_definitions(config: &SnmpConfig) -> snmp::Loaded {
    match &config.definitions {
        None => snmp::definitions::embedded(),
        Some(path) => {
            let loaded = snmp::definitions::load_file(path);
            if loaded.definitions.is_empty() && !path.is_file() {
                let mut fallback = snmp::definitions::embedded();
                fallback.errors.extend(loaded.errors);
                fallback
            } else {
                loaded
            }
        }
    }
}

/// Registers the SNMP pollsters in `central` and the IPMI pollsters and
/// `local_node` in `ipmi`. Definition errors are logged and returned; the
/// valid definitions are registered.
pub fn register(registry: &mut Registry, config: &HardwareConfig) -> Registered {
    let loaded = load_snmp_definitions(&config.snmp);
    for e in &loaded.errors {
        error!("SNMP meter definitions: {e}");
    }
    for w in &loaded.warnings {
        warn!("SNMP meter definitions: {w}");
    }
    let settings = snmp::ClientSettings {
        timeout: config.snmp.timeout,
        retries: config.snmp.retries,
        max_repetitions: config.snmp.max_repetitions,
    };
    let shared = Arc::new(snmp::SnmpShared::new(&loaded.definitions, settings));
    let mut snmp_meters = Vec::new();
    for definition in &loaded.definitions {
        snmp_meters.push(definition.name.clone());
        registry.add_pollster(
            CENTRAL,
            Arc::new(snmp::SnmpPollster::new(
                Arc::clone(definition),
                Arc::clone(&shared),
            )),
        );
    }
    let ipmi_shared = Arc::new(ipmi::IpmiShared::new(
        ipmi::IpmiTool::new(&config.ipmi),
        config.ipmi.node.clone(),
        config.ipmi.polling_retry,
    ));
    for metric in ipmi::METRICS {
        registry.add_pollster(
            IPMI,
            Arc::new(ipmi::SensorPollster::new(metric, Arc::clone(&ipmi_shared))),
        );
    }
    registry.add_discovery(
        IPMI,
        Arc::new(ipmi::LocalNode::new(config.ipmi.node.clone())),
    );
    Registered {
        snmp_meters,
        errors: loaded.errors,
        warnings: loaded.warnings,
    }
}
