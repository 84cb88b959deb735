//! Parsers of the /proc files the host pollsters read: pure functions on
//! the files' text, so they are tested on captured contents.

use std::collections::HashMap;

/// The aggregate `cpu` line of /proc/stat, in clock ticks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CpuTicks {
    /// user
    pub user: u64,
    /// nice
    pub nice: u64,
    /// system
    pub system: u64,
    /// idle
    pub idle: u64,
    /// iowait
    pub iowait: u64,
    /// irq
    pub irq: u64,
    /// softirq
    pub softirq: u64,
    /// steal
    pub steal: u64,
}

impl CpuTicks {
    /// Every tick counted (guest time is already in user and nice).
    pub fn total(&self) -> u64 {
        self.user
            + self.nice
            + self.system
            + self.idle
            + self.iowait
            + self.irq
            + self.softirq
            + self.steal
    }
}

/// /proc/loadavg: the 1, 5 and 15 minute load averages.
pub fn loadavg(text: &str) -> Option<[f64; 3]> {
    let mut w = text.split_whitespace().map(str::parse::<f64>);
    Some([w.next()?.ok()?, w.next()?.ok()?, w.next()?.ok()?])
}

/// /proc/stat: the aggregate `cpu` line.
pub fn cpu_ticks(text: &str) -> Option<CpuTicks> {
    let line = text.lines().find(|l| l.starts_with("cpu "))?;
    let v: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map_while(|f| f.parse().ok())
        .collect();
    let at = |i: usize| v.get(i).copied().unwrap_or(0);
    if v.len() < 4 {
        return None;
    }
    Some(CpuTicks {
        user: at(0),
        nice: at(1),
        system: at(2),
        idle: at(3),
        iowait: at(4),
        irq: at(5),
        softirq: at(6),
        steal: at(7),
    })
}

/// /proc/meminfo: values in kB by name (`MemTotal`, `MemFree`, ...).
pub fn meminfo(text: &str) -> HashMap<String, u64> {
    text.lines()
        .filter_map(|l| {
            let (name, rest) = l.split_once(':')?;
            Some((
                name.trim().to_owned(),
                rest.split_whitespace().next()?.parse().ok()?,
            ))
        })
        .collect()
}

/// One line of /proc/diskstats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskIo {
    /// The device name (`vda`, `sda1`).
    pub device: String,
    /// Reads completed.
    pub reads: u64,
    /// Sectors read (512 bytes each).
    pub sectors_read: u64,
    /// Writes completed.
    pub writes: u64,
    /// Sectors written.
    pub sectors_written: u64,
}

/// /proc/diskstats, without loop and RAM devices.
pub fn diskstats(text: &str) -> Vec<DiskIo> {
    text.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let n = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok());
            let device = (*f.get(2)?).to_owned();
            if device.starts_with("loop") || device.starts_with("ram") || device.starts_with("zram")
            {
                return None;
            }
            Some(DiskIo {
                device,
                reads: n(3)?,
                sectors_read: n(5)?,
                writes: n(7)?,
                sectors_written: n(9)?,
            })
        })
        .collect()
}

/// One interface of /proc/net/dev.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetDev {
    /// The interface name.
    pub name: String,
    /// Bytes received.
    pub rx_bytes: u64,
    /// Bytes sent.
    pub tx_bytes: u64,
    /// Send errors.
    pub tx_errors: u64,
}

/// /proc/net/dev.
pub fn net_dev(text: &str) -> Vec<NetDev> {
    text.lines()
        .filter_map(|l| {
            let (name, rest) = l.split_once(':')?;
            let v: Vec<u64> = rest
                .split_whitespace()
                .map_while(|f| f.parse().ok())
                .collect();
            if v.len() < 16 {
                return None;
            }
            Some(NetDev {
                name: name.trim().to_owned(),
                rx_bytes: v[0],
                tx_bytes: v[8],
                tx_errors: v[10],
            })
        })
        .collect()
}

/// /proc/net/snmp: `Ip:` counters by name (`InReceives`, `OutRequests`).
pub fn ip_counters(text: &str) -> HashMap<String, u64> {
    let mut ip = text.lines().filter(|l| l.starts_with("Ip:"));
    let (Some(names), Some(values)) = (ip.next(), ip.next()) else {
        return HashMap::new();
    };
    names
        .split_whitespace()
        .zip(values.split_whitespace())
        .skip(1)
        .filter_map(|(n, v)| Some((n.to_owned(), v.parse().ok()?)))
        .collect()
}

/// /proc/vmstat: counters by name (`pgpgin`, `pgpgout`).
pub fn vmstat(text: &str) -> HashMap<String, u64> {
    text.lines()
        .filter_map(|l| {
            let (n, v) = l.split_once(' ')?;
            Some((n.to_owned(), v.trim().parse().ok()?))
        })
        .collect()
}

/// One mounted block-device filesystem of /proc/mounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// The device (`/dev/vda1`).
    pub device: String,
    /// Where it is mounted.
    pub path: String,
}

/// /proc/mounts: filesystems on a device (`/dev/...`), the first mount of each device.
pub fn mounts(text: &str) -> Vec<Mount> {
    let mut out: Vec<Mount> = Vec::new();
    for line in text.lines() {
        let mut f = line.split_whitespace();
        let (Some(device), Some(path)) = (f.next(), f.next()) else {
            continue;
        };
        if !device.starts_with("/dev/") || out.iter().any(|m| m.device == device) {
            continue;
        }
        // /proc/mounts escapes spaces and such as octal (`\040`).
        out.push(Mount {
            device: device.to_owned(),
            path: unescape(path),
        });
    }
    out
}

fn unescape(s: &str) -> String {
    let mut out = String::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && i + 4 <= b.len()
            && let Some(digits) = s.get(i + 1..i + 4)
            && let Ok(v) = u8::from_str_radix(digits, 8)
        {
            out.push(char::from(v));
            i += 4;
            continue;
        }
        out.push(char::from(b[i]));
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_captured_proc_files() {
        assert_eq!(
            loadavg("2.28 2.41 1.99 2/143 10368\n"),
            Some([2.28, 2.41, 1.99])
        );
        assert_eq!(loadavg("x"), None);
        let t = cpu_ticks("cpu  394855 0 46689 156747 2707 0 830 3781 0 0\ncpu0 1 2 3 4\n")
            .expect("cpu");
        assert_eq!(
            (t.user, t.system, t.idle, t.iowait, t.softirq, t.steal),
            (394855, 46689, 156747, 2707, 830, 3781)
        );
        assert_eq!(t.total(), 394855 + 46689 + 156747 + 2707 + 830 + 3781);
        assert_eq!(cpu_ticks("intr 1 2"), None);
        let m =
            meminfo("MemTotal:       24467160 kB\nMemFree:  100 kB\nHugePages_Total:       0\n");
        assert_eq!(
            (m["MemTotal"], m["MemFree"], m["HugePages_Total"]),
            (24467160, 100, 0)
        );
        let d = diskstats(
            "   7       0 loop0 0 0 0 0 0 0 0 0 0 0 0\n 254       0 vda 4616 1291 340190 2010 96716 81412 3529808 60347 0 69276 62358\n",
        );
        assert_eq!(
            d,
            [DiskIo {
                device: "vda".into(),
                reads: 4616,
                sectors_read: 340190,
                writes: 96716,
                sectors_written: 3529808
            }]
        );
        let n = net_dev(
            "Inter-|   Receive |  Transmit\n face |bytes packets\n    lo: 1215941033  200745    0    0    0     0          0         0 1215941033  200745    7    0    0     0       0          0\n",
        );
        assert_eq!(
            n,
            [NetDev {
                name: "lo".into(),
                rx_bytes: 1215941033,
                tx_bytes: 1215941033,
                tx_errors: 7
            }]
        );
        let ip = ip_counters(
            "Ip: Forwarding DefaultTTL InReceives OutRequests\nIp: 2 64 215129 207205\nIcmp: InMsgs\nIcmp: 3\n",
        );
        assert_eq!((ip["InReceives"], ip["OutRequests"]), (215129, 207205));
        let v = vmstat("pgpgin 7021461\npgpgout 28961716\n");
        assert_eq!((v["pgpgin"], v["pgpgout"]), (7021461, 28961716));
        let mounts = mounts(
            "proc /proc proc rw 0 0\n/dev/vda / ext4 rw 0 0\n/dev/vdb /mnt/my\\040disk ext4 rw 0 0\n/dev/vda /again ext4 rw 0 0\n",
        );
        assert_eq!(
            mounts,
            [
                Mount {
                    device: "/dev/vda".into(),
                    path: "/".into()
                },
                Mount {
                    device: "/dev/vdb".into(),
                    path: "/mnt/my disk".into()
                }
            ]
        );
    }
}
