//! The host meters: the `hardware.*` names, units, types and resource ids
//! of Ceilometer's SNMP definitions (snmp.yaml, Wallaby), read from this
//! machine's /proc instead of an SNMP agent.

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::local_host::reading::{HostReader, HostReading};
use crate::local_host::{LOCAL_HOST, LocalHost};
use crate::{CycleCache, Polled, PolledSample, Pollster, Resource, SampleType};

use SampleType::{Cumulative, Gauge};

/// One value of a meter: the resource id suffix (`.<device>`), the value, extra metadata.
pub type Item = (Option<String>, f64, Map<String, Value>);

/// One host meter.
#[derive(Clone, Copy)]
pub struct HostMeter {
    /// The meter name.
    pub name: &'static str,
    /// Its type (as snmp.yaml says).
    pub sample_type: SampleType,
    /// Its unit.
    pub unit: &'static str,
    /// Its values in a reading.
    pub values: fn(&HostReading) -> Vec<Item>,
}

fn one(v: Option<f64>) -> Vec<Item> {
    v.map(|v| vec![(None, v, Map::new())]).unwrap_or_default()
}

fn kb(r: &HostReading, key: &str) -> Option<f64> {
    r.memory.get(key).map(|v| *v as f64)
}

fn meta(pairs: &[(&str, Value)]) -> Map<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

fn fs(r: &HostReading, used: bool) -> Vec<Item> {
    r.filesystems
        .iter()
        .map(|f| {
            let m = meta(&[
                ("path", f.mount.path.clone().into()),
                ("device", f.mount.device.clone().into()),
            ]);
            (
                Some(f.mount.device.clone()),
                if used { f.used_kb } else { f.total_kb } as f64,
                m,
            )
        })
        .collect()
}

fn diskio(r: &HostReading, value: fn(&crate::local_host::procfs::DiskIo) -> u64) -> Vec<Item> {
    r.disks
        .iter()
        .map(|d| {
            (
                Some(d.device.clone()),
                value(d) as f64,
                meta(&[("device", d.device.clone().into())]),
            )
        })
        .collect()
}

fn net(r: &HostReading, value: fn(&crate::local_host::procfs::NetDev) -> u64) -> Vec<Item> {
    r.interfaces
        .iter()
        .map(|i| {
            let m = meta(&[
                ("name", i.dev.name.clone().into()),
                ("speed", i.speed.map_or(Value::Null, Value::from)),
                ("mac", i.mac.clone().into()),
                ("ip", "".into()),
            ]);
            (Some(i.dev.name.clone()), value(&i.dev) as f64, m)
        })
        .collect()
}

fn cpu(r: &HostReading, value: fn(&crate::local_host::procfs::CpuTicks) -> u64) -> Vec<Item> {
    one(r.cpu.as_ref().map(|c| value(c) as f64))
}

const fn m(
    name: &'static str,
    sample_type: SampleType,
    unit: &'static str,
    values: fn(&HostReading) -> Vec<Item>,
) -> HostMeter {
    HostMeter {
        name,
        sample_type,
        unit,
        values,
    }
}

/// Every meter of snmp.yaml, in its order.
pub const HOST_METERS: &[HostMeter] = &[
    m("hardware.cpu.load.1min", Gauge, "process", |r| {
        one(r.load.map(|l| l[0]))
    }),
    m("hardware.cpu.load.5min", Gauge, "process", |r| {
        one(r.load.map(|l| l[1]))
    }),
    m("hardware.cpu.load.15min", Gauge, "process", |r| {
        one(r.load.map(|l| l[2]))
    }),
    m("hardware.cpu.util", Gauge, "%", |r| {
        one(r.cpu_user_percent.map(f64::round))
    }),
    m("hardware.cpu.user", Gauge, "tick", |r| cpu(r, |c| c.user)),
    m("hardware.cpu.nice", Gauge, "tick", |r| cpu(r, |c| c.nice)),
    m("hardware.cpu.system", Gauge, "tick", |r| {
        cpu(r, |c| c.system + c.irq + c.softirq)
    }),
    m("hardware.cpu.idle", Gauge, "tick", |r| cpu(r, |c| c.idle)),
    m("hardware.cpu.wait", Gauge, "tick", |r| cpu(r, |c| c.iowait)),
    m("hardware.cpu.kernel", Gauge, "tick", |r| {
        cpu(r, |c| c.system)
    }),
    m("hardware.cpu.interrupt", Gauge, "tick", |r| {
        cpu(r, |c| c.irq)
    }),
    m("hardware.disk.size.total", Gauge, "KB", |r| fs(r, false)),
    m("hardware.disk.size.used", Gauge, "KB", |r| fs(r, true)),
    m("hardware.disk.read.bytes", Gauge, "B", |r| {
        diskio(r, |d| d.sectors_read * 512)
    }),
    m("hardware.disk.write.bytes", Gauge, "B", |r| {
        diskio(r, |d| d.sectors_written * 512)
    }),
    m("hardware.disk.read.requests", Gauge, "requests", |r| {
        diskio(r, |d| d.reads)
    }),
    m("hardware.disk.write.requests", Gauge, "requests", |r| {
        diskio(r, |d| d.writes)
    }),
    m("hardware.memory.total", Gauge, "KB", |r| {
        one(kb(r, "MemTotal"))
    }),
    m("hardware.memory.used", Gauge, "KB", |r| {
        one(kb(r, "MemTotal").zip(kb(r, "MemFree")).map(|(t, f)| t - f))
    }),
    m("hardware.memory.swap.total", Gauge, "KB", |r| {
        one(kb(r, "SwapTotal"))
    }),
    m("hardware.memory.swap.avail", Gauge, "KB", |r| {
        one(kb(r, "SwapFree"))
    }),
    m("hardware.memory.buffer", Gauge, "KB", |r| {
        one(kb(r, "Buffers"))
    }),
    m("hardware.memory.cached", Gauge, "KB", |r| {
        one(kb(r, "Cached"))
    }),
    m("hardware.network.incoming.bytes", Cumulative, "B", |r| {
        net(r, |n| n.rx_bytes)
    }),
    m("hardware.network.outgoing.bytes", Cumulative, "B", |r| {
        net(r, |n| n.tx_bytes)
    }),
    m(
        "hardware.network.outgoing.errors",
        Cumulative,
        "packet",
        |r| net(r, |n| n.tx_errors),
    ),
    m(
        "hardware.network.ip.outgoing.datagrams",
        Cumulative,
        "datagrams",
        |r| one(r.ip.get("OutRequests").map(|v| *v as f64)),
    ),
    m(
        "hardware.network.ip.incoming.datagrams",
        Cumulative,
        "datagrams",
        |r| one(r.ip.get("InReceives").map(|v| *v as f64)),
    ),
    m("hardware.system_stats.cpu.idle", Gauge, "%", |r| {
        one(r.cpu_idle_percent.map(f64::round))
    }),
    m(
        "hardware.system_stats.io.outgoing.blocks",
        Cumulative,
        "blocks",
        |r| one(r.vmstat.get("pgpgout").map(|v| *v as f64)),
    ),
    m(
        "hardware.system_stats.io.incoming.blocks",
        Cumulative,
        "blocks",
        |r| one(r.vmstat.get("pgpgin").map(|v| *v as f64)),
    ),
];

/// The pollster of one host meter.
pub struct HostPollster {
    meter: HostMeter,
    reader: Arc<HostReader>,
}

impl HostPollster {
    /// The pollster of `meter`, sharing `reader` with the others.
    pub fn new(meter: HostMeter, reader: Arc<HostReader>) -> Self {
        HostPollster { meter, reader }
    }
}

impl Pollster for HostPollster {
    fn name(&self) -> &str {
        self.meter.name
    }

    fn default_discovery(&self) -> Option<&str> {
        Some(LOCAL_HOST)
    }

    fn sample_source(&self) -> &str {
        "hardware"
    }

    /// Polls the `local_host` resource; other resources of a source (such
    /// as `snmp://` URLs for the SNMP pollsters of the same meter) are not
    /// this pollster's and are left alone.
    fn poll(&self, cache: &CycleCache, resources: &[Resource]) -> Polled {
        let mut out = Polled::new();
        for resource in resources {
            let Some(host) = resource.details_as::<LocalHost>() else {
                continue;
            };
            let reading = cache.get_or_insert_with("local_host.reading", || {
                let r = self.reader.read();
                (crate::compute::inspector::monotonic(), r)
            });
            let (time, reading) = (&reading.0, &reading.1);
            for (suffix, volume, metadata) in (self.meter.values)(reading) {
                let resource_id = match suffix {
                    Some(s) => format!("{}.{s}", host.name),
                    None => host.name.clone(),
                };
                out.samples.push(PolledSample {
                    name: self.meter.name.to_owned(),
                    sample_type: self.meter.sample_type,
                    unit: self.meter.unit.to_owned(),
                    volume,
                    user_id: None,
                    project_id: None,
                    resource_id,
                    resource_metadata: metadata,
                    monotonic_time: Some(*time),
                });
            }
        }
        out
    }
}
