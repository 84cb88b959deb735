//! `local_instances`: the domains of the local libvirt (Ceilometer's
//! `InstanceDiscovery` with `instance_discovery_method = libvirt_metadata`).

use std::sync::Arc;

use crate::compute::connection::Libvirt;
use crate::compute::domain_xml;
use crate::compute::instance::Instance;
use crate::{Discovery, Resource, StateLog};

/// The discovery's name in polling.yaml.
pub const LOCAL_INSTANCES: &str = "local_instances";

/// Lists the domains, parses their XML and Nova metadata.
pub struct LocalInstances {
    libvirt: Arc<Libvirt>,
    host: String,
    require_nova_metadata: bool,
    log: StateLog,
}

impl LocalInstances {
    /// The discovery over `libvirt`; `host` is `[DEFAULT] host`. With
    /// `require_nova_metadata`, domains without Nova's metadata element are
    /// left out, as Ceilometer does.
    pub fn new(libvirt: Arc<Libvirt>, host: &str, require_nova_metadata: bool) -> Self {
        LocalInstances {
            libvirt,
            host: host.to_owned(),
            require_nova_metadata,
            log: StateLog::new(),
        }
    }
}

impl Discovery for LocalInstances {
    fn name(&self) -> &str {
        LOCAL_INSTANCES
    }

    fn discover(&self, _param: Option<&str>) -> Result<Vec<Resource>, String> {
        let conn = self.libvirt.connection()?;
        let domains = conn.get().list_all_domains(0).map_err(|e| {
            self.libvirt.lost(&e);
            format!(
                "listing the domains of {}: {}",
                self.libvirt.uri(),
                e.message()
            )
        })?;
        let mut out = Vec::with_capacity(domains.len());
        for domain in domains {
            let xml = match domain.get_xml_desc(0) {
                Ok(xml) => xml,
                Err(e) => {
                    // Deleted meanwhile, or unreadable: skipped this cycle.
                    tracing::debug!(error = %e.message(), "cannot read a domain's XML");
                    continue;
                }
            };
            let state = domain.get_state().map_or(0, |(state, _)| state);
            let (parsed, nova_error) = match domain_xml::parse(&xml) {
                Ok(parsed) => parsed,
                Err(error) => {
                    let who = domain.get_name().unwrap_or_default();
                    if self.log.problem(&who, &error) {
                        tracing::error!(domain = %who, %error, "cannot read the domain's XML; it is not polled");
                    }
                    continue;
                }
            };
            if let Some(error) = &nova_error
                && self.log.problem(&parsed.uuid, error)
            {
                tracing::error!(instance = %parsed.uuid, %error, "Fail to get domain uuid {} metadata: metadata was missing expected attributes", parsed.uuid);
            }
            if self.require_nova_metadata && parsed.nova.is_none() {
                tracing::debug!(instance = %parsed.uuid, "no Nova metadata; not polled");
                continue;
            }
            let instance = Instance::new(parsed, state, &self.host);
            out.push(Resource::with_details(instance.id.clone(), instance));
        }
        Ok(out)
    }
}
