//! nepho-hardware against real agents: a private snmpd (SNMPv2c and
//! SNMPv3 users with authentication and privacy) and OpenIPMI's ipmi_sim
//! over RMCP+ (lanplus), compared with what net-snmp's `snmpget` /
//! `snmpbulkwalk` and `ipmitool` report at the same time.

mod ipmi;
mod snmp;
mod support;

use std::sync::Arc;

use nepho_hardware::HardwareConfig;
use nepho_polling::{CycleCache, Polled, PolledSample, Pollster, Registry, Resource};

/// The pollsters `register` puts in `namespace`.
pub fn registered(config: &HardwareConfig, namespace: &str) -> Vec<Arc<dyn Pollster>> {
    let mut registry = Registry::new();
    nepho_hardware::register(&mut registry, config);
    registry.pollsters(namespace).to_vec()
}

/// One cycle: every pollster over `resources`, sharing one cycle cache.
pub fn cycle(pollsters: &[Arc<dyn Pollster>], resources: &[Resource]) -> Polled {
    let cache = CycleCache::new();
    let mut all = Polled::new();
    for p in pollsters {
        let polled = p.poll(&cache, resources);
        all.samples.extend(polled.samples);
        all.failures.extend(polled.failures);
    }
    all
}

/// The samples of one meter.
pub fn named<'a>(samples: &'a [PolledSample], name: &str) -> Vec<&'a PolledSample> {
    samples.iter().filter(|s| s.name == name).collect()
}
