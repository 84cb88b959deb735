//! The SNMP hardware pollsters: one per definition, all sharing one read of
//! each host per cycle.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use nepho_polling::{CycleCache, Polled, Pollster, Resource, ResourceFailure};
use serde_json::{Map, Value as Json};

use super::client::{ClientSettings, SnmpError};
use super::definitions::MeterDefinition;
use super::read::{ReadPlan, read_host};
use super::samples::samples;
use super::snapshot::HostSnapshot;
use super::url::{self, SnmpTarget};
use crate::faults::FaultLog;

/// At most this many hosts are read at the same time by one pollster run.
const PARALLEL_READS: usize = 8;

/// One host's read of this cycle, shared through the cycle cache.
pub struct HostRead(pub Result<HostSnapshot, SnmpError>);

/// Marks that one pollster of the cycle read a resource list's hosts.
struct ReadAll;

/// The cycle-cache key of a resource's read.
pub fn cache_key(resource: &str) -> String {
    format!("nepho-hardware/snmp/{resource}")
}

/// What every SNMP pollster of a registry shares.
pub struct SnmpShared {
    /// What to read from each host (every loaded definition's OIDs).
    pub plan: ReadPlan,
    /// Timeouts and retries.
    pub settings: ClientSettings,
    /// Hosts failing, logged once per change.
    faults: FaultLog,
    /// Values failing to convert, per host and meter, logged once per change.
    conversions: FaultLog,
}

impl SnmpShared {
    /// The shared state for pollsters of `definitions`.
    pub fn new(definitions: &[Arc<MeterDefinition>], settings: ClientSettings) -> Self {
        SnmpShared {
            plan: ReadPlan::for_definitions(definitions.iter().map(|d| &**d)),
            settings,
            faults: FaultLog::new("SNMP agent"),
            conversions: FaultLog::new("SNMP values"),
        }
    }
}

/// The pollster of one hardware meter definition.
pub struct SnmpPollster {
    definition: Arc<MeterDefinition>,
    shared: Arc<SnmpShared>,
}

impl SnmpPollster {
    /// The pollster of `definition`.
    pub fn new(definition: Arc<MeterDefinition>, shared: Arc<SnmpShared>) -> Self {
        SnmpPollster { definition, shared }
    }

    /// Its definition.
    pub fn definition(&self) -> &MeterDefinition {
        &self.definition
    }
}

/// A resource as Ceilometer's `_parse_resource` takes it: an `snmp://` URL,
/// or a discovery's dict holding `resource_url` and `resource_id` (whose
/// entries all become metadata).
fn parse_resource(resource: &Resource) -> Result<(SnmpTarget, Map<String, Json>), String> {
    if let Some(dict) = resource.details_as::<Map<String, Json>>() {
        let url = dict
            .get("resource_url")
            .and_then(Json::as_str)
            .ok_or("a discovered resource must hold resource_url and resource_id")?;
        if !dict.contains_key("resource_id") {
            return Err("a discovered resource must hold resource_url and resource_id".into());
        }
        return Ok((url::parse(url)?, dict.clone()));
    }
    Ok((url::parse(&resource.key)?, Map::new()))
}

impl Pollster for SnmpPollster {
    fn name(&self) -> &str {
        &self.definition.name
    }

    fn default_discovery(&self) -> Option<&str> {
        // Ceilometer's default is `tripleo_overcloud_nodes`, which asks Nova
        // for the overcloud's servers; Nephometer has no such discovery, so
        // sources list the hosts as `resources`.
        None
    }

    fn sample_source(&self) -> &str {
        "hardware"
    }

    /// The URL without its passwords.
    fn shown_key(&self, key: &str) -> String {
        url::redact(key)
    }

    fn poll(&self, cache: &CycleCache, resources: &[Resource]) -> Polled {
        let mut polled = Polled::new();
        let mut targets = Vec::with_capacity(resources.len());
        for resource in resources {
            match parse_resource(resource) {
                Ok((target, extra)) => targets.push((resource, target, extra)),
                // Never readable: the agent drops it (and logs that once).
                Err(reason) => polled
                    .failures
                    .push(ResourceFailure::permanent(&resource.key, reason)),
            }
        }
        // The first pollster of the cycle reads every host of these
        // resources, in parallel; the others wait for it, then find them read.
        let keys: Vec<&str> = targets.iter().map(|(r, _, _)| r.key.as_str()).collect();
        cache.get_or_insert_with(
            &format!("nepho-hardware/snmp-all/{}", keys.join(" ")),
            || {
                self.read_uncached(cache, &targets);
                ReadAll
            },
        );
        for (resource, target, extra) in &targets {
            let read = cache.get_or_insert_with(&cache_key(&resource.key), || {
                HostRead(read_host(target, &self.shared.plan, self.shared.settings))
            });
            match &read.0 {
                // Logged by the URL without its passwords (the key has them).
                Ok(snapshot) => {
                    self.shared.faults.worked(&target.redacted_url);
                    let out = samples(&self.definition, snapshot, target, extra);
                    let conversion_key =
                        format!("{} {}", target.redacted_url, self.definition.name);
                    if out.problems.is_empty() {
                        self.shared.conversions.worked(&conversion_key);
                    } else {
                        self.shared
                            .conversions
                            .failed(&conversion_key, &out.problems.join("; "));
                    }
                    polled.samples.extend(out.samples);
                }
                Err(e) => {
                    let reason = e.to_string();
                    self.shared.faults.failed(&target.redacted_url, &reason);
                    polled
                        .failures
                        .push(ResourceFailure::transient(&resource.key, reason));
                }
            }
        }
        polled
    }
}

impl SnmpPollster {
    /// Reads the hosts no pollster has read yet this cycle, several at a
    /// time, so that one host that does not answer delays the others by
    /// nothing (each read has its own timeout).
    fn read_uncached(
        &self,
        cache: &CycleCache,
        targets: &[(&Resource, SnmpTarget, Map<String, Json>)],
    ) {
        let todo: Vec<&(&Resource, SnmpTarget, Map<String, Json>)> = targets
            .iter()
            .filter(|(r, _, _)| cache.get::<HostRead>(&cache_key(&r.key)).is_none())
            .collect();
        if todo.len() < 2 {
            return;
        }
        let next = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for _ in 0..todo.len().min(PARALLEL_READS) {
                scope.spawn(|| {
                    while let Some((resource, target, _)) =
                        todo.get(next.fetch_add(1, Ordering::Relaxed))
                    {
                        cache.get_or_insert_with(&cache_key(&resource.key), || {
                            HostRead(read_host(target, &self.shared.plan, self.shared.settings))
                        });
                    }
                });
            }
        });
    }
}
