//! The local host pollsters: this machine's CPU, memory, disks and network
//! from /proc, under the `hardware.*` meter names, units and resource ids
//! of Ceilometer's SNMP pollsters, so dashboards and alarms for SNMP-polled
//! hosts work for the agent's own host too.

pub mod meters;
pub mod procfs;
pub mod reading;

use std::sync::Arc;

use crate::{COMPUTE, Discovery, Registry, Resource};

/// The discovery's name in polling.yaml.
pub const LOCAL_HOST: &str = "local_host";

/// The `local_host` resource's details: this host's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalHost {
    /// `[DEFAULT] host`: the resource id of its samples.
    pub name: String,
}

/// `local_host`: one resource, this machine.
pub struct LocalHostDiscovery {
    name: String,
}

impl Discovery for LocalHostDiscovery {
    fn name(&self) -> &str {
        LOCAL_HOST
    }

    fn discover(&self, _param: Option<&str>) -> Result<Vec<Resource>, String> {
        Ok(vec![Resource::with_details(
            self.name.clone(),
            LocalHost {
                name: self.name.clone(),
            },
        )])
    }
}

/// Registers `local_host` and the host pollsters in the `compute`
/// namespace (the agent that runs on every node); `host` names the resource.
pub fn register(registry: &mut Registry, host: &str) {
    register_with(registry, host, Arc::new(reading::HostReader::new()));
}

/// As [`register`], reading through `reader`.
pub fn register_with(registry: &mut Registry, host: &str, reader: Arc<reading::HostReader>) {
    registry.add_discovery(
        COMPUTE,
        Arc::new(LocalHostDiscovery {
            name: host.to_owned(),
        }),
    );
    for meter in meters::HOST_METERS {
        registry.add_pollster(
            COMPUTE,
            Arc::new(meters::HostPollster::new(*meter, Arc::clone(&reader))),
        );
    }
}
