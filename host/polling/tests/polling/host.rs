//! The local host pollsters against this machine's /proc, read here too.

use std::collections::HashMap;

use nepho_polling::local_host;
use nepho_polling::{COMPUTE, Registry};

use crate::support::agent;

const HARDWARE: &str = "sources:\n- name: host\n  interval: 600\n  meters: ['hardware.*']\n";

fn registry() -> Registry {
    let mut r = Registry::new();
    local_host::register(&mut r, "node-under-test");
    r
}

fn meminfo() -> HashMap<String, f64> {
    std::fs::read_to_string("/proc/meminfo")
        .expect("/proc/meminfo")
        .lines()
        .filter_map(|l| {
            let (k, v) = l.split_once(':')?;
            Some((k.to_owned(), v.split_whitespace().next()?.parse().ok()?))
        })
        .collect()
}

#[test]
fn every_snmp_meter_has_a_live_value_for_this_host() {
    let (agent, capture) = agent(HARDWARE, &registry(), &[COMPUTE]);
    agent.poll_once();
    let samples = capture.samples();
    let names: std::collections::BTreeSet<&str> = samples.iter().map(|s| s.name.as_str()).collect();
    for meter in local_host::meters::HOST_METERS {
        assert!(names.contains(meter.name), "{} has a sample", meter.name);
    }
    assert!(
        samples
            .iter()
            .all(|s| s.source == "hardware" && s.user_id.is_none() && s.project_id.is_none())
    );
    assert!(samples.iter().all(
        |s| s.resource_id == "node-under-test" || s.resource_id.starts_with("node-under-test.")
    ));
}

#[test]
fn values_agree_with_proc_and_its_invariants() {
    let (agent, capture) = agent(HARDWARE, &registry(), &[COMPUTE]);
    let before = meminfo();
    agent.poll_once();
    let host = "node-under-test";
    let v = |m: &str| capture.one(m, host).volume;
    // Fixed quantities are equal to /proc's.
    assert_eq!(v("hardware.memory.total"), before["MemTotal"]);
    assert_eq!(v("hardware.memory.swap.total"), before["SwapTotal"]);
    // Moving ones are within what the machine has.
    assert!(v("hardware.memory.used") <= v("hardware.memory.total"));
    assert!(v("hardware.memory.used") > 0.0);
    assert!(v("hardware.memory.swap.avail") <= v("hardware.memory.swap.total"));
    let util = v("hardware.cpu.util");
    let idle = v("hardware.system_stats.cpu.idle");
    assert!((0.0..=100.0).contains(&util) && (0.0..=100.0).contains(&idle) && util + idle <= 101.0);
    let load: Vec<f64> = std::fs::read_to_string("/proc/loadavg")
        .unwrap()
        .split_whitespace()
        .take(3)
        .map(|x| x.parse().unwrap())
        .collect();
    assert!(
        (v("hardware.cpu.load.15min") - load[2]).abs() < 0.5,
        "the 15 minute load moves slowly"
    );

    // The root filesystem: total and used as statvfs gives them.
    let root = capture
        .samples()
        .into_iter()
        .find(|s| s.name == "hardware.disk.size.total" && s.resource_metadata["path"] == "/")
        .expect("/ is mounted from a device");
    let device = root.resource_metadata["device"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(root.resource_id, format!("{host}.{device}"));
    let used = capture
        .one("hardware.disk.size.used", &root.resource_id)
        .volume;
    assert!(used > 0.0 && used <= root.volume);
    let df = std::process::Command::new("df")
        .args(["-k", "--output=size", "/"])
        .output()
        .expect("df");
    let df_size: f64 = String::from_utf8_lossy(&df.stdout)
        .lines()
        .nth(1)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert_eq!(root.volume, df_size, "df -k agrees");

    // Interfaces: lo with its /proc/net/dev counters bracketed by two reads here.
    let lo = capture.one("hardware.network.incoming.bytes", &format!("{host}.lo"));
    assert_eq!(lo.resource_metadata["name"], "lo");
    assert_eq!(lo.resource_metadata["mac"], "000000000000");
    let lo_now: f64 = std::fs::read_to_string("/proc/net/dev")
        .unwrap()
        .lines()
        .find(|l| l.trim_start().starts_with("lo:"))
        .unwrap()
        .split_once(':')
        .unwrap()
        .1
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(lo.volume <= lo_now);
}

#[test]
fn counters_do_not_go_back_between_two_polls() {
    let (agent, capture) = agent(HARDWARE, &registry(), &[COMPUTE]);
    agent.poll_once();
    let first = capture.samples();
    // Some traffic and disk activity in between.
    let _ = std::net::TcpStream::connect("127.0.0.1:5672");
    std::fs::write(
        std::env::temp_dir().join("nepho-polling-host-test"),
        vec![0u8; 1 << 20],
    )
    .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(50));
    capture.clear();
    agent.poll_once();
    let second = capture.samples();
    let mut compared = 0;
    for meter in [
        "hardware.cpu.user",
        "hardware.cpu.idle",
        "hardware.cpu.system",
        "hardware.network.incoming.bytes",
        "hardware.network.outgoing.bytes",
        "hardware.disk.read.requests",
        "hardware.disk.write.bytes",
        "hardware.network.ip.outgoing.datagrams",
        "hardware.system_stats.io.outgoing.blocks",
    ] {
        for a in first.iter().filter(|s| s.name == meter) {
            let b = second
                .iter()
                .find(|s| s.name == meter && s.resource_id == a.resource_id)
                .expect("the same resources");
            assert!(
                b.volume >= a.volume,
                "{meter} {}: {} then {}",
                a.resource_id,
                a.volume,
                b.volume
            );
            compared += 1;
        }
    }
    assert!(compared >= 9);
    assert_ne!(first[0].timestamp, second[0].timestamp);
}

#[test]
fn other_resources_of_a_source_are_left_to_their_pollsters() {
    let yaml = "sources:\n- name: snmp\n  interval: 600\n  meters: ['hardware.*']\n  resources: ['snmp://10.0.0.1']\n";
    let (agent, capture) = agent(yaml, &registry(), &[COMPUTE]);
    let report = agent.poll_once();
    assert_eq!(
        report.samples, 0,
        "the host pollsters do not poll snmp:// resources"
    );
    assert!(capture.samples().is_empty());
}
