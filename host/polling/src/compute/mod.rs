//! The compute pollsters: instances of the local libvirt (Ceilometer's
//! `ceilometer.poll.compute` with the libvirt inspector and the
//! `libvirt_metadata` instance discovery).

pub mod connection;
pub mod discovery;
pub mod domain_stats;
pub mod domain_xml;
pub mod inspector;
pub mod instance;
pub mod meters;

use std::sync::Arc;
use std::time::Duration;

use crate::{COMPUTE, Registry};

/// Ceilometer's default `libvirt_uri` (for `libvirt_type = kvm`).
pub const DEFAULT_LIBVIRT_URI: &str = "qemu:///system";

/// How the compute pollsters reach libvirt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComputeOptions {
    /// The libvirt URI (`[DEFAULT] libvirt_uri`).
    pub libvirt_uri: String,
    /// This host's name (`[DEFAULT] host`), for instance metadata.
    pub host: String,
    /// How long opening the connection may take.
    pub open_timeout: Duration,
    /// Poll only domains with Nova's metadata element (Ceilometer's behaviour).
    pub require_nova_metadata: bool,
    /// `[compute] report_stopped_instance_metrics`.
    pub report_stopped_instance_metrics: bool,
}

impl ComputeOptions {
    /// Options for `uri` on `host`, otherwise Ceilometer's defaults and a
    /// 10 s open timeout.
    pub fn new(uri: &str, host: &str) -> Self {
        ComputeOptions {
            libvirt_uri: uri.to_owned(),
            host: host.to_owned(),
            open_timeout: Duration::from_secs(10),
            require_nova_metadata: false,
            report_stopped_instance_metrics: false,
        }
    }
}

/// Registers `local_instances` and every compute meter's pollster in the
/// `compute` namespace, sharing one libvirt connection.
pub fn register(registry: &mut Registry, options: &ComputeOptions) {
    let libvirt = Arc::new(connection::Libvirt::new(
        &options.libvirt_uri,
        options.open_timeout,
    ));
    let inspector = Arc::new(inspector::Inspector::new(
        Arc::clone(&libvirt),
        options.report_stopped_instance_metrics,
    ));
    registry.add_discovery(
        COMPUTE,
        Arc::new(discovery::LocalInstances::new(
            libvirt,
            &options.host,
            options.require_nova_metadata,
        )),
    );
    for meter in meters::METERS {
        registry.add_pollster(
            COMPUTE,
            Arc::new(meters::ComputePollster::new(*meter, Arc::clone(&inspector))),
        );
    }
}
