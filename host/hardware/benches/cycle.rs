//! Cost of a polling cycle of the hardware pollsters against a private
//! snmpd and ipmi_sim: wall time and this process's CPU time per cycle
//! (children's CPU — ipmitool — reported separately).
//!
//! `cargo bench -p nepho-hardware --bench cycle` (snmpd, snmp, ipmi_sim,
//! ipmitool and sdrcomp installed).

#[path = "../tests/hardware/support.rs"]
#[allow(dead_code)]
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use nepho_hardware::{HardwareConfig, IpmiConfig, SnmpConfig};
use nepho_polling::{CENTRAL, CycleCache, IPMI, Pollster, Registry, Resource};

/// utime, stime, cutime, cstime of this process, in seconds.
fn cpu_times() -> [f64; 4] {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses).
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    // after ')' : state(0) ppid(1) ... utime is field 14 overall → index 11 here.
    let tick = 100.0; // USER_HZ on Linux
    let get = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
            / tick
    };
    [get(11), get(12), get(13), get(14)]
}

fn pollsters(config: &HardwareConfig, namespace: &str) -> Vec<Arc<dyn Pollster>> {
    let mut registry = Registry::new();
    nepho_hardware::register(&mut registry, config);
    registry.pollsters(namespace).to_vec()
}

fn run(label: &str, pollsters: &[Arc<dyn Pollster>], resources: &[Resource], cycles: usize) {
    // One cycle first, not measured (connections, caches).
    let mut samples = 0;
    let cache = CycleCache::new();
    for p in pollsters {
        let polled = p.poll(&cache, resources);
        assert!(polled.failures.is_empty(), "{label}: {:?}", polled.failures);
        samples += polled.samples.len();
    }
    let cpu0 = cpu_times();
    let t0 = Instant::now();
    for _ in 0..cycles {
        let cache = CycleCache::new();
        for p in pollsters {
            std::hint::black_box(p.poll(&cache, resources));
        }
    }
    let wall = t0.elapsed().as_secs_f64() / cycles as f64;
    let cpu1 = cpu_times();
    let own = ((cpu1[0] - cpu0[0]) + (cpu1[1] - cpu0[1])) / cycles as f64;
    let children = ((cpu1[2] - cpu0[2]) + (cpu1[3] - cpu0[3])) / cycles as f64;
    println!(
        "{label:<44} {:>3} pollsters {:>4} resources {samples:>5} samples/cycle  wall {:>8.2} ms  cpu {:>7.2} ms  children cpu {:>7.2} ms  ({cycles} cycles)",
        pollsters.len(),
        resources.len(),
        wall * 1e3,
        own * 1e3,
        children * 1e3,
    );
}

fn main() {
    let snmpd = support::Snmpd::start();
    let config = HardwareConfig {
        snmp: SnmpConfig {
            timeout: Duration::from_secs(2),
            retries: 1,
            ..SnmpConfig::default()
        },
        ..HardwareConfig::default()
    };
    let central = pollsters(&config, CENTRAL);
    let port = snmpd.port;
    run(
        "SNMPv2c, 1 host",
        &central,
        &[Resource::new(snmpd.v2c_url())],
        1000,
    );
    let v3 = format!(
        "snmp://nepho-sha:nepho-auth-sha1@127.0.0.1:{port}?auth_proto=sha&priv_proto=aes128&priv_password=nepho-priv-aes128"
    );
    run(
        "SNMPv3 SHA + AES-128, 1 host",
        &central,
        &[Resource::new(v3)],
        300,
    );
    // Distinct resources for the same agent: each is read on its own.
    let hosts: Vec<Resource> = (0..20)
        .map(|i| Resource::new(format!("{}?host={i}", snmpd.v2c_url())))
        .collect();
    run("SNMPv2c, 20 hosts (one snmpd)", &central, &hosts, 50);

    let sim = support::IpmiSim::start();
    let ipmi = HardwareConfig {
        ipmi: IpmiConfig {
            interface: Some("lanplus".into()),
            host: Some("127.0.0.1".into()),
            port: Some(sim.port),
            user: Some(support::IPMI_USER.into()),
            password: Some(support::IPMI_PASSWORD.into()),
            cipher_suite: Some(3),
            node: "bench".into(),
            ..IpmiConfig::default()
        },
        ..HardwareConfig::default()
    };
    run(
        "IPMI lanplus (ipmi_sim), 5 sensor pollsters",
        &pollsters(&ipmi, IPMI),
        &[Resource::new("bench")],
        20,
    );
}
