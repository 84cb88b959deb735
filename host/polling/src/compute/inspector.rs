//! Ceilometer's `LibvirtInspector`: what libvirt says about an instance,
//! read once per cycle per instance and kind (the cycle cache) whichever
//! pollster asks first.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use virt::domain::Domain;

use crate::compute::connection::{Conn, Libvirt};
use crate::compute::domain_stats::{DomainStats, all_domain_stats};
use crate::compute::domain_xml::Vnic;
use crate::compute::instance::{Instance, SHUTOFF};
use crate::{CycleCache, StateLog};

/// Why an instance could not be inspected.
#[derive(Debug, Clone, PartialEq)]
pub enum InspectError {
    /// The domain is shut off (skipped, as Ceilometer's `InstanceShutOffException`).
    ShutOff,
    /// The domain is gone (deleted since the discovery).
    NotFound,
    /// libvirt failed (unreachable, or an error); retried next cycle.
    Failed(String),
}

/// `inspect_instance`: Ceilometer's `InstanceStats`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct InstanceStats {
    /// `domain.info()[0]`.
    pub power_state: u32,
    /// `vcpu.current` (else the domain info's vCPU count).
    pub cpu_number: Option<u64>,
    /// Σ `vcpu.N.time + vcpu.N.wait`, else `cpu.time` (else the domain info's CPU time), ns.
    pub cpu_time: Option<u64>,
    /// Memory stats `actual` / 1024, MiB.
    pub memory_actual: Option<f64>,
    /// `available` / 1024.
    pub memory_available: Option<f64>,
    /// (`available` − `usable`, else − `unused`) / 1024.
    pub memory_usage: Option<f64>,
    /// `rss` / 1024.
    pub memory_resident: Option<f64>,
    /// `swap_in` / 1024.
    pub memory_swap_in: Option<f64>,
    /// `swap_out` / 1024.
    pub memory_swap_out: Option<f64>,
    /// `perf.cpu_cycles`.
    pub cpu_cycles: Option<u64>,
    /// `perf.instructions`.
    pub instructions: Option<u64>,
    /// `perf.cache_references`.
    pub cache_references: Option<u64>,
    /// `perf.cache_misses`.
    pub cache_misses: Option<u64>,
}

/// `inspect_disks`: one device's `blockStats` and latency totals.
#[derive(Debug, Clone, PartialEq)]
pub struct DiskStats {
    /// The target device (`vda`).
    pub device: String,
    /// Read requests.
    pub read_requests: i64,
    /// Bytes read.
    pub read_bytes: i64,
    /// Write requests.
    pub write_requests: i64,
    /// Bytes written.
    pub write_bytes: i64,
    /// `block.N.rd.times` (ns), if the driver reports it.
    pub rd_total_times: Option<u64>,
    /// `block.N.wr.times` (ns), if the driver reports it.
    pub wr_total_times: Option<u64>,
}

/// `inspect_disk_info`: one device's `blockInfo`.
#[derive(Debug, Clone, PartialEq)]
pub struct DiskInfo {
    /// The target device.
    pub device: String,
    /// max(capacity, physical), B.
    pub capacity: u64,
    /// Allocation, B.
    pub allocation: u64,
    /// Physical size, B.
    pub physical: u64,
}

/// `inspect_vnics`: one interface's counters and byte deltas.
#[derive(Debug, Clone, PartialEq)]
pub struct VnicStats {
    /// The interface as the domain XML describes it.
    pub vnic: Vnic,
    /// `interfaceStats` in libvirt's order: rx bytes, packets, errs, drop, tx bytes, packets, errs, drop.
    pub counters: [i64; 8],
    /// Received bytes since the previous inspection (0 the first time; the
    /// counter itself after a reset).
    pub rx_bytes_delta: i64,
    /// Sent bytes since the previous inspection.
    pub tx_bytes_delta: i64,
}

/// A reading and the monotonic time it was taken.
pub type Timed<T> = Result<(f64, T), InspectError>;

/// Seconds of the monotonic clock (Python's `time.monotonic()`).
pub fn monotonic() -> f64 {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    t.tv_sec as f64 + t.tv_nsec as f64 / 1e9
}

/// Reads libvirt for the compute pollsters.
pub struct Inspector {
    libvirt: Arc<Libvirt>,
    report_stopped_instance_metrics: bool,
    /// The previous `(rx, tx)` bytes of each interface, by device name.
    previous_bytes: Mutex<HashMap<String, (i64, i64)>>,
    log: StateLog,
}

impl Inspector {
    /// An inspector over `libvirt`. With `report_stopped_instance_metrics`,
    /// shut-off instances give power.state, vcpus, memory and disk sizes
    /// (Ceilometer's `[compute] report_stopped_instance_metrics`).
    pub fn new(libvirt: Arc<Libvirt>, report_stopped_instance_metrics: bool) -> Self {
        Inspector {
            libvirt,
            report_stopped_instance_metrics,
            previous_bytes: Mutex::new(HashMap::new()),
            log: StateLog::new(),
        }
    }

    /// The libvirt connection.
    pub fn libvirt(&self) -> &Arc<Libvirt> {
        &self.libvirt
    }

    fn connection(&self, cache: &CycleCache) -> Result<Arc<Conn>, InspectError> {
        let conn = cache.get_or_insert_with("libvirt.connection", || self.libvirt.connection());
        conn.as_ref()
            .as_ref()
            .map(Arc::clone)
            .map_err(|e| InspectError::Failed(e.clone()))
    }

    fn fail(&self, error: &virt::error::Error) -> InspectError {
        self.libvirt.lost(error);
        if matches!(error.code(), virt::error::ErrorNumber::NoDomain) {
            InspectError::NotFound
        } else {
            InspectError::Failed(error.message().to_owned())
        }
    }

    fn domain(&self, cache: &CycleCache, instance: &Instance) -> Result<Arc<Domain>, InspectError> {
        let domain = cache.get_or_insert_with(&format!("libvirt.domain:{}", instance.id), || {
            let conn = self.connection(cache)?;
            Domain::lookup_by_uuid_string(conn.get(), &instance.id)
                .map(Arc::new)
                .map_err(|e| self.fail(&e))
        });
        domain.as_ref().clone()
    }

    /// Every domain's statistics, one libvirt call per cycle.
    fn all_stats(
        &self,
        cache: &CycleCache,
    ) -> Arc<Result<HashMap<String, DomainStats>, InspectError>> {
        cache.get_or_insert_with("libvirt.all_domain_stats", || {
            let conn = self.connection(cache)?;
            all_domain_stats(conn.get()).map_err(|e| self.fail(&e))
        })
    }

    fn state(
        &self,
        domain: &Domain,
        raise_if_shutoff: bool,
    ) -> Result<virt::domain::DomainInfo, InspectError> {
        let info = domain.get_info().map_err(|e| self.fail(&e))?;
        if raise_if_shutoff && info.state == SHUTOFF {
            return Err(InspectError::ShutOff);
        }
        Ok(info)
    }

    /// `inspect_instance`, cached per cycle.
    pub fn instance(&self, cache: &CycleCache, instance: &Instance) -> Arc<Timed<InstanceStats>> {
        cache.get_or_insert_with(&format!("inspect_instance:{}", instance.id), || {
            let stats = self.read_instance(cache, instance)?;
            Ok((monotonic(), stats))
        })
    }

    fn read_instance(
        &self,
        cache: &CycleCache,
        instance: &Instance,
    ) -> Result<InstanceStats, InspectError> {
        let domain = self.domain(cache, instance)?;
        let info = self.state(&domain, !self.report_stopped_instance_metrics)?;
        if info.state == SHUTOFF {
            return Ok(InstanceStats {
                power_state: info.state,
                cpu_number: Some(u64::from(info.nr_virt_cpu)),
                memory_actual: Some(info.max_mem as f64 / 1024.0),
                ..InstanceStats::default()
            });
        }
        let memory: HashMap<u32, u64> = domain
            .memory_stats(0)
            .map_err(|e| self.fail(&e))?
            .into_iter()
            .map(|s| (s.tag, s.val))
            .collect();
        let mem = |tag: u32| memory.get(&tag).map(|v| *v as f64 / 1024.0);
        use virt::sys::{
            VIR_DOMAIN_MEMORY_STAT_ACTUAL_BALLOON as ACTUAL,
            VIR_DOMAIN_MEMORY_STAT_AVAILABLE as AVAILABLE, VIR_DOMAIN_MEMORY_STAT_RSS as RSS,
            VIR_DOMAIN_MEMORY_STAT_SWAP_IN as SWAP_IN, VIR_DOMAIN_MEMORY_STAT_SWAP_OUT as SWAP_OUT,
            VIR_DOMAIN_MEMORY_STAT_UNUSED as UNUSED, VIR_DOMAIN_MEMORY_STAT_USABLE as USABLE,
        };
        let memory_usage = match (
            memory.get(&AVAILABLE),
            memory.get(&USABLE),
            memory.get(&UNUSED),
        ) {
            (Some(a), Some(u), _) | (Some(a), None, Some(u)) => {
                Some((*a as f64 - *u as f64) / 1024.0)
            }
            _ => None,
        };
        let (swap_in, swap_out) = match (mem(SWAP_IN), mem(SWAP_OUT)) {
            (Some(i), Some(o)) => (Some(i), Some(o)),
            _ => (None, None),
        };
        let all = self.all_stats(cache);
        let empty = DomainStats::new();
        let stats = match all.as_ref() {
            Ok(map) => map.get(&instance.id).unwrap_or(&empty),
            Err(_) => &empty,
        };
        let get = |key: &str| stats.get(key).and_then(|v| v.as_u64());
        let (cpu_number, cpu_time) = cpu(stats, &info);
        Ok(InstanceStats {
            power_state: info.state,
            cpu_number,
            cpu_time,
            memory_actual: mem(ACTUAL),
            memory_available: mem(AVAILABLE),
            memory_usage,
            memory_resident: mem(RSS),
            memory_swap_in: swap_in,
            memory_swap_out: swap_out,
            cpu_cycles: get("perf.cpu_cycles"),
            instructions: get("perf.instructions"),
            cache_references: get("perf.cache_references"),
            cache_misses: get("perf.cache_misses"),
        })
    }

    /// `inspect_disks`, cached per cycle.
    pub fn disks(&self, cache: &CycleCache, instance: &Instance) -> Arc<Timed<Vec<DiskStats>>> {
        cache.get_or_insert_with(&format!("inspect_disks:{}", instance.id), || {
            let domain = self.domain(cache, instance)?;
            self.state(&domain, true)?;
            let all = self.all_stats(cache);
            let empty = DomainStats::new();
            let stats = match all.as_ref() {
                Ok(map) => map.get(&instance.id).unwrap_or(&empty),
                Err(_) => &empty,
            };
            let mut out = Vec::new();
            for device in &instance.xml.disks {
                match domain.get_block_stats(device) {
                    Ok(b) => {
                        self.log.ok(&format!("{}/{device}", instance.id));
                        let (rd, wr) = block_times(stats, device);
                        out.push(DiskStats {
                            device: device.clone(),
                            read_requests: b.rd_req,
                            read_bytes: b.rd_bytes,
                            write_requests: b.wr_req,
                            write_bytes: b.wr_bytes,
                            rd_total_times: rd,
                            wr_total_times: wr,
                        });
                    }
                    Err(e) => self.device_error(instance, device, "blockStats", &e),
                }
            }
            Ok((monotonic(), out))
        })
    }

    /// `inspect_disk_info`, cached per cycle.
    pub fn disk_info(&self, cache: &CycleCache, instance: &Instance) -> Arc<Timed<Vec<DiskInfo>>> {
        cache.get_or_insert_with(&format!("inspect_disk_info:{}", instance.id), || {
            let domain = self.domain(cache, instance)?;
            self.state(&domain, !self.report_stopped_instance_metrics)?;
            let mut out = Vec::new();
            for device in &instance.xml.disks {
                match domain.get_block_info(device, 0) {
                    Ok(b) => out.push(DiskInfo {
                        device: device.clone(),
                        capacity: b.capacity.max(b.physical),
                        allocation: b.allocation,
                        physical: b.physical,
                    }),
                    Err(e) => self.device_error(instance, device, "blockInfo", &e),
                }
            }
            Ok((monotonic(), out))
        })
    }

    /// `inspect_vnics`, cached per cycle.
    pub fn vnics(&self, cache: &CycleCache, instance: &Instance) -> Arc<Timed<Vec<VnicStats>>> {
        cache.get_or_insert_with(&format!("inspect_vnics:{}", instance.id), || {
            let domain = self.domain(cache, instance)?;
            self.state(&domain, true)?;
            let mut out = Vec::new();
            for vnic in &instance.xml.vnics {
                let s = match domain.interface_stats(&vnic.name) {
                    Ok(s) => s,
                    Err(e) => {
                        self.device_error(instance, &vnic.name, "interfaceStats", &e);
                        continue;
                    }
                };
                let counters = [
                    s.rx_bytes,
                    s.rx_packets,
                    s.rx_errs,
                    s.rx_drop,
                    s.tx_bytes,
                    s.tx_packets,
                    s.tx_errs,
                    s.tx_drop,
                ];
                let previous = self
                    .previous_bytes
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(vnic.name.clone(), (s.rx_bytes, s.tx_bytes));
                let (rx_bytes_delta, tx_bytes_delta) = match previous {
                    None => (0, 0),
                    Some((rx, tx)) => {
                        let d = |now: i64, before: i64| {
                            if now - before < 0 { now } else { now - before }
                        };
                        (d(s.rx_bytes, rx), d(s.tx_bytes, tx))
                    }
                };
                out.push(VnicStats {
                    vnic: vnic.clone(),
                    counters,
                    rx_bytes_delta,
                    tx_bytes_delta,
                });
            }
            Ok((monotonic(), out))
        })
    }

    fn device_error(&self, instance: &Instance, device: &str, call: &str, e: &virt::error::Error) {
        self.libvirt.lost(e);
        if self
            .log
            .problem(&format!("{}/{device}", instance.id), e.message())
        {
            tracing::warn!(instance = %instance.id, device, error = %e.message(), "Error from libvirt while checking {call}, This may not be harmful, but please check");
        }
    }
}

/// Ceilometer's vCPU time: Σ over `vcpu.maximum` of `vcpu.N.time + vcpu.N.wait`
/// when every current vCPU has both, else `cpu.time`. When the driver reports
/// neither (libvirt's test driver), the domain info's CPU time and vCPU count.
fn cpu(stats: &DomainStats, info: &virt::domain::DomainInfo) -> (Option<u64>, Option<u64>) {
    let get = |key: &str| stats.get(key).and_then(|v| v.as_u64());
    let current = get("vcpu.current");
    let mut time: u64 = 0;
    let mut counted = 0;
    for n in 0..get("vcpu.maximum").unwrap_or(0) {
        if let (Some(t), Some(w)) = (
            get(&format!("vcpu.{n}.time")),
            get(&format!("vcpu.{n}.wait")),
        ) {
            time = time.saturating_add(t).saturating_add(w);
            counted += 1;
        }
    }
    let time = match current {
        Some(c) if counted >= c => Some(time),
        _ => get("cpu.time"),
    };
    (
        current.or(Some(u64::from(info.nr_virt_cpu))),
        time.or(Some(info.cpu_time)),
    )
}

/// `block.N.rd.times` and `block.N.wr.times` of the block whose `block.N.name` is `device`.
fn block_times(stats: &DomainStats, device: &str) -> (Option<u64>, Option<u64>) {
    let count = stats
        .get("block.count")
        .and_then(|v| v.as_u64())
        .unwrap_or(0);
    for n in 0..count {
        if stats
            .get(&format!("block.{n}.name"))
            .and_then(|v| v.as_str())
            == Some(device)
        {
            let get = |k: &str| {
                stats
                    .get(&format!("block.{n}.{k}"))
                    .and_then(|v| v.as_u64())
            };
            return (get("rd.times"), get("wr.times"));
        }
    }
    (None, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compute::domain_stats::StatValue;

    fn info() -> virt::domain::DomainInfo {
        virt::domain::DomainInfo {
            state: 1,
            max_mem: 0,
            memory: 0,
            nr_virt_cpu: 4,
            cpu_time: 99,
        }
    }

    fn stats(pairs: &[(&str, u64)]) -> DomainStats {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), StatValue::UInt(*v)))
            .collect()
    }

    #[test]
    fn cpu_time_is_the_sum_of_vcpu_time_and_wait_else_cpu_time() {
        let full = stats(&[
            ("vcpu.current", 2),
            ("vcpu.maximum", 2),
            ("vcpu.0.time", 10),
            ("vcpu.0.wait", 1),
            ("vcpu.1.time", 20),
            ("vcpu.1.wait", 2),
            ("cpu.time", 500),
        ]);
        assert_eq!(cpu(&full, &info()), (Some(2), Some(33)));
        let holes = stats(&[
            ("vcpu.current", 2),
            ("vcpu.maximum", 2),
            ("vcpu.0.time", 10),
            ("vcpu.0.wait", 1),
            ("cpu.time", 500),
        ]);
        assert_eq!(
            cpu(&holes, &info()),
            (Some(2), Some(500)),
            "a hole: cpu.time"
        );
        assert_eq!(
            cpu(&DomainStats::new(), &info()),
            (Some(4), Some(99)),
            "nothing: the domain info"
        );
    }

    #[test]
    fn latency_comes_from_the_block_named_like_the_device() {
        let mut s = stats(&[
            ("block.count", 2),
            ("block.1.rd.times", 7),
            ("block.1.wr.times", 8),
        ]);
        s.insert("block.0.name".into(), StatValue::Text("vda".into()));
        s.insert("block.1.name".into(), StatValue::Text("vdb".into()));
        assert_eq!(block_times(&s, "vdb"), (Some(7), Some(8)));
        assert_eq!(block_times(&s, "vda"), (None, None));
        assert_eq!(block_times(&s, "sdz"), (None, None));
    }
}
