//! The compute meters (Ceilometer's `ceilometer.poll.compute` entry points):
//! name, type, unit, what they read, and the pollster that turns readings
//! into samples.

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::compute::discovery::LOCAL_INSTANCES;
use crate::compute::domain_xml::Flavor;
use crate::compute::inspector::{
    DiskInfo, DiskStats, InspectError, Inspector, InstanceStats, Timed, VnicStats, monotonic,
};
use crate::compute::instance::Instance;
use crate::{
    CycleCache, Polled, PolledSample, Pollster, Resource, ResourceFailure, SampleType, StateLog,
};

use SampleType::{Cumulative, Delta, Gauge};

/// Where a meter's value comes from.
#[derive(Clone, Copy)]
pub enum Source {
    /// `inspect_instance`.
    Instance(fn(&InstanceStats) -> Option<f64>),
    /// `inspect_disks`, per device.
    Disk(fn(&DiskStats) -> Option<f64>),
    /// `inspect_disk_info`, per device.
    DiskInfo(fn(&DiskInfo) -> f64),
    /// `inspect_vnics`, per interface.
    Vnic(fn(&VnicStats) -> f64),
    /// The flavor in Nova's metadata.
    Flavor(fn(&Flavor) -> f64),
    /// Something libvirt does not provide (Ceilometer's `inspect_vnic_rates`).
    NotProvided,
}

/// One compute meter.
#[derive(Clone, Copy)]
pub struct Meter {
    /// The meter name.
    pub name: &'static str,
    /// Its type.
    pub sample_type: SampleType,
    /// Its unit.
    pub unit: &'static str,
    /// Where its value comes from.
    pub source: Source,
}

const fn m(
    name: &'static str,
    sample_type: SampleType,
    unit: &'static str,
    source: Source,
) -> Meter {
    Meter {
        name,
        sample_type,
        unit,
        source,
    }
}

fn u(v: Option<u64>) -> Option<f64> {
    v.map(|v| v as f64)
}

/// Every compute meter of Ceilometer master, in its setup.cfg order.
pub const METERS: &[Meter] = &[
    m(
        "disk.device.read.requests",
        Cumulative,
        "request",
        Source::Disk(|d| Some(d.read_requests as f64)),
    ),
    m(
        "disk.device.write.requests",
        Cumulative,
        "request",
        Source::Disk(|d| Some(d.write_requests as f64)),
    ),
    m(
        "disk.device.read.bytes",
        Cumulative,
        "B",
        Source::Disk(|d| Some(d.read_bytes as f64)),
    ),
    m(
        "disk.device.write.bytes",
        Cumulative,
        "B",
        Source::Disk(|d| Some(d.write_bytes as f64)),
    ),
    m(
        "disk.device.read.latency",
        Cumulative,
        "ns",
        Source::Disk(|d| u(d.rd_total_times)),
    ),
    m(
        "disk.device.write.latency",
        Cumulative,
        "ns",
        Source::Disk(|d| u(d.wr_total_times)),
    ),
    m(
        "power.state",
        Gauge,
        "",
        Source::Instance(|s| Some(f64::from(s.power_state))),
    ),
    m("cpu", Cumulative, "ns", Source::Instance(|s| u(s.cpu_time))),
    m(
        "vcpus",
        Gauge,
        "vcpu",
        Source::Instance(|s| u(s.cpu_number)),
    ),
    m(
        "network.incoming.bytes",
        Cumulative,
        "B",
        Source::Vnic(|v| v.counters[0] as f64),
    ),
    m(
        "network.incoming.packets",
        Cumulative,
        "packet",
        Source::Vnic(|v| v.counters[1] as f64),
    ),
    m(
        "network.outgoing.bytes",
        Cumulative,
        "B",
        Source::Vnic(|v| v.counters[4] as f64),
    ),
    m(
        "network.outgoing.packets",
        Cumulative,
        "packet",
        Source::Vnic(|v| v.counters[5] as f64),
    ),
    m(
        "network.incoming.bytes.rate",
        Gauge,
        "B/s",
        Source::NotProvided,
    ),
    m(
        "network.outgoing.bytes.rate",
        Gauge,
        "B/s",
        Source::NotProvided,
    ),
    m(
        "network.incoming.bytes.delta",
        Delta,
        "B",
        Source::Vnic(|v| v.rx_bytes_delta as f64),
    ),
    m(
        "network.outgoing.bytes.delta",
        Delta,
        "B",
        Source::Vnic(|v| v.tx_bytes_delta as f64),
    ),
    m(
        "network.incoming.packets.drop",
        Cumulative,
        "packet",
        Source::Vnic(|v| v.counters[3] as f64),
    ),
    m(
        "network.outgoing.packets.drop",
        Cumulative,
        "packet",
        Source::Vnic(|v| v.counters[7] as f64),
    ),
    m(
        "network.incoming.packets.error",
        Cumulative,
        "packet",
        Source::Vnic(|v| v.counters[2] as f64),
    ),
    m(
        "network.outgoing.packets.error",
        Cumulative,
        "packet",
        Source::Vnic(|v| v.counters[6] as f64),
    ),
    m(
        "memory",
        Gauge,
        "MiB",
        Source::Instance(|s| s.memory_actual),
    ),
    m(
        "memory.available",
        Gauge,
        "MiB",
        Source::Instance(|s| s.memory_available),
    ),
    m(
        "memory.usage",
        Gauge,
        "MiB",
        Source::Instance(|s| s.memory_usage),
    ),
    m(
        "memory.resident",
        Gauge,
        "MiB",
        Source::Instance(|s| s.memory_resident),
    ),
    m(
        "memory.swap.in",
        Cumulative,
        "MiB",
        Source::Instance(|s| s.memory_swap_in),
    ),
    m(
        "memory.swap.out",
        Cumulative,
        "MiB",
        Source::Instance(|s| s.memory_swap_out),
    ),
    m(
        "disk.device.capacity",
        Gauge,
        "B",
        Source::DiskInfo(|d| d.capacity as f64),
    ),
    m(
        "disk.device.allocation",
        Gauge,
        "B",
        Source::DiskInfo(|d| d.allocation as f64),
    ),
    m(
        "disk.device.usage",
        Gauge,
        "B",
        Source::DiskInfo(|d| d.physical as f64),
    ),
    m(
        "disk.ephemeral.size",
        Gauge,
        "GiB",
        Source::Flavor(|f| f.ephemeral as f64),
    ),
    m(
        "disk.root.size",
        Gauge,
        "GiB",
        Source::Flavor(|f| (f.disk - f.ephemeral) as f64),
    ),
    m(
        "perf.cpu.cycles",
        Gauge,
        "",
        Source::Instance(|s| u(s.cpu_cycles)),
    ),
    m(
        "perf.instructions",
        Gauge,
        "",
        Source::Instance(|s| u(s.instructions)),
    ),
    m(
        "perf.cache.references",
        Gauge,
        "",
        Source::Instance(|s| u(s.cache_references)),
    ),
    m(
        "perf.cache.misses",
        Gauge,
        "",
        Source::Instance(|s| u(s.cache_misses)),
    ),
];

/// The pollster of one compute meter.
pub struct ComputePollster {
    meter: Meter,
    inspector: Arc<Inspector>,
    /// Instances whose value libvirt does not give, logged once each.
    unavailable: StateLog,
}

impl ComputePollster {
    /// The pollster of `meter`, reading through `inspector`.
    pub fn new(meter: Meter, inspector: Arc<Inspector>) -> Self {
        ComputePollster {
            meter,
            inspector,
            unavailable: StateLog::new(),
        }
    }

    fn sample(
        &self,
        instance: &Instance,
        volume: f64,
        resource_id: String,
        extra: Map<String, Value>,
        time: f64,
    ) -> PolledSample {
        let mut metadata = instance.metadata.clone();
        metadata.extend(extra);
        PolledSample {
            name: self.meter.name.to_owned(),
            sample_type: self.meter.sample_type,
            unit: self.meter.unit.to_owned(),
            volume,
            user_id: instance.user_id.clone(),
            project_id: instance.project_id.clone(),
            resource_id,
            resource_metadata: metadata,
            monotonic_time: Some(time),
        }
    }

    /// Logs (once per instance and device) that libvirt has no value.
    fn missing(&self, instance: &Instance, device: Option<&str>) {
        let subject = format!("{}/{}", instance.id, device.unwrap_or(""));
        if self.unavailable.problem(&subject, "unavailable") {
            tracing::warn!(meter = self.meter.name, instance = %instance.id, device, "{} statistic in not available for instance {}", self.meter.name, instance.id);
        }
    }

    fn present(&self, instance: &Instance, device: Option<&str>) {
        self.unavailable
            .ok(&format!("{}/{}", instance.id, device.unwrap_or("")));
    }

    /// Handles a failed inspection: shut off and deleted instances are
    /// skipped as Ceilometer does; libvirt errors are retried next cycle.
    fn inspect_error(&self, error: &InspectError, resource: &Resource, out: &mut Polled) {
        match error {
            InspectError::ShutOff => {
                tracing::debug!(instance = %resource.key, meter = self.meter.name, "instance is shut off")
            }
            InspectError::NotFound => {
                tracing::debug!(instance = %resource.key, "instance disappeared")
            }
            InspectError::Failed(reason) => out
                .failures
                .push(ResourceFailure::transient(&resource.key, reason)),
        }
    }

    fn each<T>(
        &self,
        reading: &Timed<Vec<T>>,
        resource: &Resource,
        out: &mut Polled,
        mut f: impl FnMut(f64, &T, &mut Polled),
    ) {
        match reading {
            Ok((time, items)) => items.iter().for_each(|item| f(*time, item, out)),
            Err(e) => self.inspect_error(e, resource, out),
        }
    }

    fn poll_one(
        &self,
        cache: &CycleCache,
        resource: &Resource,
        instance: &Instance,
        out: &mut Polled,
    ) {
        let inspector = &self.inspector;
        match self.meter.source {
            Source::NotProvided => out.failures.push(ResourceFailure::permanent(
                &resource.key,
                format!("libvirt does not provide {}", self.meter.name),
            )),
            Source::Instance(value) => match inspector.instance(cache, instance).as_ref() {
                Ok((time, stats)) => match value(stats) {
                    Some(v) => {
                        self.present(instance, None);
                        let mut extra = Map::new();
                        if self.meter.name == "cpu" {
                            extra.insert(
                                "cpu_number".into(),
                                stats.cpu_number.map_or(Value::Null, Value::from),
                            );
                        }
                        out.samples.push(self.sample(
                            instance,
                            v,
                            instance.id.clone(),
                            extra,
                            *time,
                        ));
                    }
                    None => self.missing(instance, None),
                },
                Err(e) => self.inspect_error(e, resource, out),
            },
            Source::Disk(value) => self.each(
                &inspector.disks(cache, instance),
                resource,
                out,
                |time, d, out| match value(d) {
                    Some(v) => {
                        self.present(instance, Some(&d.device));
                        out.samples.push(self.sample(
                            instance,
                            v,
                            format!("{}-{}", instance.id, d.device),
                            disk_extra(&d.device),
                            time,
                        ));
                    }
                    None => self.missing(instance, Some(&d.device)),
                },
            ),
            Source::DiskInfo(value) => self.each(
                &inspector.disk_info(cache, instance),
                resource,
                out,
                |time, d, out| {
                    out.samples.push(self.sample(
                        instance,
                        value(d),
                        format!("{}-{}", instance.id, d.device),
                        disk_extra(&d.device),
                        time,
                    ));
                },
            ),
            Source::Vnic(value) => self.each(
                &inspector.vnics(cache, instance),
                resource,
                out,
                |time, v, out| {
                    let (id, extra) = vnic_identity(instance, v);
                    out.samples
                        .push(self.sample(instance, value(v), id, extra, time));
                },
            ),
            Source::Flavor(value) => match instance.xml.nova.as_ref() {
                Some(nova) => {
                    let v = value(&nova.flavor);
                    out.samples.push(self.sample(
                        instance,
                        v,
                        instance.id.clone(),
                        Map::new(),
                        monotonic(),
                    ));
                }
                None => self.missing(instance, None),
            },
        }
    }
}

fn disk_extra(device: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("disk_name".into(), Value::String(device.to_owned()));
    m
}

/// A vNIC's resource id and metadata additions (Ceilometer's `NetworkPollster`).
fn vnic_identity(instance: &Instance, stats: &VnicStats) -> (String, Map<String, Value>) {
    let v = &stats.vnic;
    let mut m = Map::new();
    m.insert("name".into(), Value::String(v.name.clone()));
    m.insert("mac".into(), Value::String(v.mac.clone()));
    m.insert(
        "fref".into(),
        v.fref.clone().map_or(Value::Null, Value::String),
    );
    m.insert(
        "parameters".into(),
        Value::Object(
            v.parameters
                .iter()
                .map(|(k, v)| (k.clone(), v.clone().map_or(Value::Null, Value::String)))
                .collect(),
        ),
    );
    m.insert(
        "vnic_name".into(),
        Value::String(v.fref.clone().unwrap_or_else(|| v.name.clone())),
    );
    let id = match &v.fref {
        Some(fref) => fref.clone(),
        None => format!("{}-{}-{}", instance.domain_name, instance.id, v.name),
    };
    (id, m)
}

impl Pollster for ComputePollster {
    fn name(&self) -> &str {
        self.meter.name
    }

    fn default_discovery(&self) -> Option<&str> {
        Some(LOCAL_INSTANCES)
    }

    fn poll(&self, cache: &CycleCache, resources: &[Resource]) -> Polled {
        let mut out = Polled::new();
        for resource in resources {
            let Some(instance) = resource.details_as::<Instance>() else {
                out.failures.push(ResourceFailure::permanent(
                    &resource.key,
                    "not an instance found by the local_instances discovery",
                ));
                continue;
            };
            self.poll_one(cache, resource, instance, &mut out);
        }
        out
    }
}
