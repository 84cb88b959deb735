//! One read of this machine per cycle, shared by every host pollster.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use crate::local_host::procfs::{self, CpuTicks, DiskIo, Mount, NetDev};

/// A mounted filesystem's size.
#[derive(Debug, Clone, PartialEq)]
pub struct FsSize {
    /// Device and mount point.
    pub mount: Mount,
    /// Size in KB (1024 bytes).
    pub total_kb: u64,
    /// Used (size − free) in KB.
    pub used_kb: u64,
}

/// An interface with what /sys says about it.
#[derive(Debug, Clone, PartialEq)]
pub struct NetIf {
    /// Its /proc/net/dev counters.
    pub dev: NetDev,
    /// Speed in bytes per second, if the driver says.
    pub speed: Option<u64>,
    /// The MAC address as hex digits without separators (as Ceilometer's SNMP pollster gives it).
    pub mac: String,
}

/// Everything the host pollsters read in one cycle; what could not be read is `None` or empty.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HostReading {
    /// Load averages.
    pub load: Option<[f64; 3]>,
    /// CPU ticks since boot.
    pub cpu: Option<CpuTicks>,
    /// User CPU time in percent since the previous read (since boot at first).
    pub cpu_user_percent: Option<f64>,
    /// Idle CPU time in percent since the previous read.
    pub cpu_idle_percent: Option<f64>,
    /// /proc/meminfo in kB.
    pub memory: HashMap<String, u64>,
    /// Mounted filesystems.
    pub filesystems: Vec<FsSize>,
    /// Block device I/O.
    pub disks: Vec<DiskIo>,
    /// Interfaces.
    pub interfaces: Vec<NetIf>,
    /// IP counters (`InReceives`, `OutRequests`).
    pub ip: HashMap<String, u64>,
    /// vmstat counters (`pgpgin`, `pgpgout`).
    pub vmstat: HashMap<String, u64>,
}

/// Reads /proc and /sys (the root is a parameter so tests and containers can point elsewhere).
pub struct HostReader {
    proc_root: String,
    sys_root: String,
    previous_cpu: Mutex<Option<CpuTicks>>,
}

impl HostReader {
    /// A reader of `/proc` and `/sys`.
    pub fn new() -> Self {
        HostReader::with_roots("/proc", "/sys")
    }

    /// A reader of other roots.
    pub fn with_roots(proc_root: &str, sys_root: &str) -> Self {
        HostReader {
            proc_root: proc_root.to_owned(),
            sys_root: sys_root.to_owned(),
            previous_cpu: Mutex::new(None),
        }
    }

    fn proc(&self, name: &str) -> Option<String> {
        std::fs::read_to_string(format!("{}/{name}", self.proc_root)).ok()
    }

    fn sys_net(&self, interface: &str, name: &str) -> Option<String> {
        std::fs::read_to_string(format!("{}/class/net/{interface}/{name}", self.sys_root))
            .ok()
            .map(|s| s.trim().to_owned())
    }

    /// Reads everything now.
    pub fn read(&self) -> HostReading {
        let cpu = self.proc("stat").as_deref().and_then(procfs::cpu_ticks);
        let (user, idle) = match cpu {
            Some(now) => {
                let mut previous = self
                    .previous_cpu
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                let before = previous.replace(now).unwrap_or_default();
                let total = now.total().saturating_sub(before.total());
                if total == 0 {
                    (None, None)
                } else {
                    let pct = |a: u64, b: u64| a.saturating_sub(b) as f64 * 100.0 / total as f64;
                    (
                        Some(pct(now.user, before.user)),
                        Some(pct(now.idle, before.idle)),
                    )
                }
            }
            None => (None, None),
        };
        let filesystems = self
            .proc("mounts")
            .map(|t| procfs::mounts(&t))
            .unwrap_or_default()
            .into_iter()
            .filter_map(|mount| {
                let st = rustix::fs::statvfs(mount.path.as_str()).ok()?;
                let kb = |blocks: u64| blocks.saturating_mul(st.f_frsize) / 1024;
                Some(FsSize {
                    total_kb: kb(st.f_blocks),
                    used_kb: kb(st.f_blocks.saturating_sub(st.f_bfree)),
                    mount,
                })
            })
            .collect();
        let interfaces = self
            .proc("net/dev")
            .map(|t| procfs::net_dev(&t))
            .unwrap_or_default()
            .into_iter()
            .map(|dev| {
                let speed = self
                    .sys_net(&dev.name, "speed")
                    .and_then(|s| s.parse::<i64>().ok())
                    .filter(|mbits| *mbits > 0)
                    .map(|mbits| mbits.unsigned_abs() * 1_000_000 / 8);
                let mac = self
                    .sys_net(&dev.name, "address")
                    .unwrap_or_default()
                    .replace(':', "");
                NetIf { dev, speed, mac }
            })
            .collect();
        HostReading {
            load: self.proc("loadavg").as_deref().and_then(procfs::loadavg),
            cpu,
            cpu_user_percent: user,
            cpu_idle_percent: idle,
            memory: self
                .proc("meminfo")
                .map(|t| procfs::meminfo(&t))
                .unwrap_or_default(),
            filesystems,
            disks: self
                .proc("diskstats")
                .map(|t| procfs::diskstats(&t))
                .unwrap_or_default(),
            interfaces,
            ip: self
                .proc("net/snmp")
                .map(|t| procfs::ip_counters(&t))
                .unwrap_or_default(),
            vmstat: self
                .proc("vmstat")
                .map(|t| procfs::vmstat(&t))
                .unwrap_or_default(),
        }
    }
}

impl Default for HostReader {
    fn default() -> Self {
        HostReader::new()
    }
}
