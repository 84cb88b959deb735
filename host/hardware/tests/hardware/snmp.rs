//! The SNMP pollsters against a real snmpd, compared with net-snmp's tools.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use nepho_hardware::{HardwareConfig, SnmpConfig};
use nepho_polling::{CENTRAL, PolledSample, Resource, SampleType};
use serde_json::json;

use crate::support::{
    Relay, Snmpd, capture_logs, free_udp_port, snmpget, snmpget_number, snmpwalk,
};
use crate::{cycle, named, registered};

fn config(timeout: Duration, retries: u32) -> HardwareConfig {
    HardwareConfig {
        snmp: SnmpConfig {
            timeout,
            retries,
            ..SnmpConfig::default()
        },
        ..HardwareConfig::default()
    }
}

/// The one sample of a meter.
fn only<'a>(samples: &'a [PolledSample], name: &str) -> &'a PolledSample {
    let found = named(samples, name);
    assert_eq!(found.len(), 1, "{name}: {found:?}");
    found[0]
}

/// Asserts `low <= value <= high` (counters read by snmpget before and after).
fn between(name: &str, value: f64, low: f64, high: f64) {
    assert!(
        low <= value && value <= high,
        "{name}: {value} is not between snmpget's {low} (before) and {high} (after)"
    );
}

#[test]
fn v2c_samples_match_snmpget_and_snmpbulkwalk() {
    let snmpd = Snmpd::start();
    let port = snmpd.port;
    let pollsters = registered(&config(Duration::from_secs(2), 1), CENTRAL);
    assert_eq!(
        pollsters.len(),
        31,
        "every definition of the shipped snmp.yaml"
    );
    let counters = [
        ("hardware.cpu.user", "1.3.6.1.4.1.2021.11.50.0"),
        ("hardware.cpu.system", "1.3.6.1.4.1.2021.11.52.0"),
        ("hardware.cpu.idle", "1.3.6.1.4.1.2021.11.53.0"),
        (
            "hardware.network.ip.incoming.datagrams",
            "1.3.6.1.2.1.4.3.0",
        ),
        (
            "hardware.network.ip.outgoing.datagrams",
            "1.3.6.1.2.1.4.10.0",
        ),
        (
            "hardware.system_stats.io.outgoing.blocks",
            "1.3.6.1.4.1.2021.11.57.0",
        ),
    ];
    let if_names = snmpwalk(port, "1.3.6.1.2.1.2.2.1.2");
    let before: Vec<f64> = counters
        .iter()
        .map(|(_, o)| snmpget_number(port, o))
        .collect();
    let if_in_before = snmpwalk(port, "1.3.6.1.2.1.2.2.1.10");
    let load_before = snmpget_number(port, "1.3.6.1.4.1.2021.10.1.3.1");

    let polled = cycle(&pollsters, &[Resource::new(snmpd.v2c_url())]);

    let after: Vec<f64> = counters
        .iter()
        .map(|(_, o)| snmpget_number(port, o))
        .collect();
    let if_in_after = snmpwalk(port, "1.3.6.1.2.1.2.2.1.10");
    let load_after = snmpget_number(port, "1.3.6.1.4.1.2021.10.1.3.1");
    assert!(polled.failures.is_empty(), "{:?}", polled.failures);
    let samples = &polled.samples;

    // Every meter of the shipped file gives samples from a Linux snmpd, but
    // the percentages snmpd only has after collecting CPU history (until
    // then it answers noSuchInstance, which makes no sample).
    let meters: BTreeSet<&str> = samples.iter().map(|s| s.name.as_str()).collect();
    let mut absent = 0;
    for (meter, oid) in [
        ("hardware.cpu.util", "1.3.6.1.4.1.2021.11.9.0"),
        ("hardware.system_stats.cpu.idle", "1.3.6.1.4.1.2021.11.11.0"),
    ] {
        let agent = snmpget(port, oid);
        if agent.starts_with("No Such") {
            assert!(!meters.contains(meter), "{meter}: snmpd says {agent}");
            absent += 1;
        } else {
            let ours = only(samples, meter).volume;
            assert!((0.0..=100.0).contains(&ours), "{meter}: {ours}");
        }
    }
    assert_eq!(meters.len() + absent, 31, "{meters:?}");
    for p in &pollsters {
        assert_eq!(p.sample_source(), "hardware");
        assert_eq!(p.default_discovery(), None);
    }

    // Stable values: equal.
    let total = only(samples, "hardware.memory.total");
    assert_eq!(total.volume, snmpget_number(port, "1.3.6.1.4.1.2021.4.5.0"));
    assert_eq!(total.unit, "KB");
    assert_eq!(total.sample_type, SampleType::Gauge);
    assert_eq!(total.resource_id, "127.0.0.1");
    assert_eq!(
        (total.user_id.as_deref(), total.project_id.as_deref()),
        (None, None)
    );
    assert_eq!(
        serde_json::Value::Object(total.resource_metadata.clone()),
        json!({"resource_url": snmpd.v2c_url()})
    );
    assert_eq!(
        only(samples, "hardware.memory.swap.total").volume,
        snmpget_number(port, "1.3.6.1.4.1.2021.4.3.0")
    );

    // Counters: between the readings before and after.
    for (((name, _), low), high) in counters.iter().zip(&before).zip(&after) {
        between(name, only(samples, name).volume, *low, *high);
    }
    let load = only(samples, "hardware.cpu.load.1min").volume;
    between(
        "hardware.cpu.load.1min",
        load,
        load_before.min(load_after) - 0.5,
        load_before.max(load_after) + 0.5,
    );

    // memory.used = total − available (snmpd's own figures, which move).
    let used = only(samples, "hardware.memory.used").volume;
    let avail = snmpget_number(port, "1.3.6.1.4.1.2021.4.6.0");
    assert!(
        (used - (total.volume - avail)).abs() <= total.volume * 0.05,
        "memory.used {used} vs total {} − available {avail}",
        total.volume
    );

    // Disks: one sample per dskTable row, metadata from the same row.
    let paths = snmpwalk(port, "1.3.6.1.4.1.2021.9.1.2");
    let devices = snmpwalk(port, "1.3.6.1.4.1.2021.9.1.3");
    let totals = snmpwalk(port, "1.3.6.1.4.1.2021.9.1.6");
    let disks = named(samples, "hardware.disk.size.total");
    assert_eq!(disks.len(), totals.len());
    assert!(!disks.is_empty());
    for ((row, total), ((_, path), (_, device))) in totals.iter().zip(paths.iter().zip(&devices)) {
        let sample = disks
            .iter()
            .find(|s| s.resource_metadata["path"] == json!(path))
            .unwrap_or_else(|| panic!("no disk sample for row {row} {path}"));
        assert_eq!(sample.volume.to_string(), *total, "{path}");
        assert_eq!(sample.resource_metadata["device"], json!(device));
        assert_eq!(sample.resource_id, format!("127.0.0.1.{device}"));
        assert_eq!(
            sample.resource_metadata["resource_id"],
            json!(sample.resource_id)
        );
    }

    // Disk I/O: read.bytes carries the device; the three other diskIO
    // definitions of the shipped file put `device` outside `metadata`, so
    // (as in Ceilometer) their samples are all the host's.
    let io_devices = snmpwalk(port, "1.3.6.1.4.1.2021.13.15.1.1.2");
    let reads = named(samples, "hardware.disk.read.bytes");
    assert_eq!(reads.len(), io_devices.len());
    let read_ids: BTreeSet<String> = reads.iter().map(|s| s.resource_id.clone()).collect();
    let expected: BTreeSet<String> = io_devices
        .iter()
        .map(|(_, d)| format!("127.0.0.1.{d}"))
        .collect();
    assert_eq!(read_ids, expected);
    let writes = named(samples, "hardware.disk.write.bytes");
    assert_eq!(writes.len(), io_devices.len());
    assert!(writes.iter().all(|s| s.resource_id == "127.0.0.1"));

    // Interfaces: names, MACs, speeds and addresses of the same row; octet
    // counters between the walks before and after.
    let incoming = named(samples, "hardware.network.incoming.bytes");
    assert_eq!(incoming.len(), if_names.len());
    for (row, name) in &if_names {
        let s = incoming
            .iter()
            .find(|s| s.resource_metadata["name"] == json!(name))
            .unwrap_or_else(|| panic!("no sample for interface {name}"));
        assert_eq!(s.resource_id, format!("127.0.0.1.{name}"));
        assert_eq!(s.sample_type, SampleType::Cumulative);
        let oid = |col: u32| format!("1.3.6.1.2.1.2.2.1.{col}{row}");
        let mac = snmpget(port, &oid(6)).replace(' ', "").to_lowercase();
        assert_eq!(s.resource_metadata["mac"], json!(mac), "{name}");
        let speed = snmpget_number(port, &oid(5)) / 8.0;
        assert_eq!(s.resource_metadata["speed"], json!(speed), "{name}");
        let value = |walk: &[(String, String)]| -> f64 {
            walk.iter()
                .find(|(r, _)| r == row)
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or_else(|| panic!("ifInOctets{row}"))
        };
        between(name, s.volume, value(&if_in_before), value(&if_in_after));
    }
    let lo = incoming
        .iter()
        .find(|s| s.resource_metadata["name"] == json!("lo"))
        .expect("loopback");
    assert_eq!(lo.resource_metadata["ip"], json!("127.0.0.1"));
}

#[test]
fn one_read_per_host_per_cycle_shared_by_every_pollster() {
    let snmpd = Snmpd::start();
    let relay = Relay::to(&snmpd.address());
    let url = format!("snmp://nephopub@127.0.0.1:{}", relay.port);
    let resources = [Resource::new(url)];
    let pollsters = registered(&config(Duration::from_secs(2), 1), CENTRAL);

    let cache = nepho_polling::CycleCache::new();
    let first = pollsters[0].poll(&cache, &resources);
    assert_eq!(first.samples.len(), 1);
    let one_read = relay.requests();
    assert!(one_read > 0);
    let mut samples = first.samples;
    let mut sequential = vec![1];
    for p in &pollsters[1..] {
        let polled = p.poll(&cache, &resources).samples;
        sequential.push(polled.len());
        samples.extend(polled);
    }
    assert_eq!(
        relay.requests(),
        one_read,
        "the other 30 pollsters of the cycle sent nothing"
    );
    assert!(samples.len() > 31);

    // The next cycle reads the host again, once.
    let polled = crate::cycle(&pollsters, &resources);
    assert!(polled.failures.is_empty(), "{:?}", polled.failures);
    assert_eq!(relay.requests(), 2 * one_read);

    // The agent runs pollsters on threads of their own: still one read.
    let cache = nepho_polling::CycleCache::new();
    let counts: Vec<usize> = std::thread::scope(|s| {
        let handles: Vec<_> = pollsters
            .iter()
            .map(|p| s.spawn(|| p.poll(&cache, &resources).samples.len()))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("no panic"))
            .collect()
    });
    assert_eq!(counts, sequential);
    assert_eq!(relay.requests(), 3 * one_read);
}

#[test]
fn v3_users_with_authentication_and_privacy() {
    let snmpd = Snmpd::start();
    let port = snmpd.port;
    let pollsters = registered(&config(Duration::from_secs(2), 1), CENTRAL);
    let total = snmpget_number(port, "1.3.6.1.4.1.2021.4.5.0");
    let names: BTreeSet<String> = snmpwalk(port, "1.3.6.1.2.1.2.2.1.2")
        .into_iter()
        .map(|(_, n)| n)
        .collect();
    for (user, query) in [
        (
            "nepho-sha:nepho-auth-sha1",
            "auth_proto=sha&priv_proto=aes128&priv_password=nepho-priv-aes128",
        ),
        (
            "nepho-md5:nepho-auth-md5",
            "auth_proto=md5&priv_proto=des&priv_password=nepho-priv-des",
        ),
        // Ceilometer's defaults without protocols: MD5 and DES.
        ("nepho-md5:nepho-auth-md5", "priv_password=nepho-priv-des"),
        (
            "nepho-sha256:nepho-auth-sha256",
            "auth_proto=sha256&priv_proto=aes256&priv_password=nepho-priv-aes256",
        ),
    ] {
        let url = format!("snmp://{user}@127.0.0.1:{port}?{query}");
        let polled = cycle(&pollsters, &[Resource::new(url)]);
        assert!(
            polled.failures.is_empty(),
            "{user} {query}: {:?}",
            polled.failures
        );
        let memory = only(&polled.samples, "hardware.memory.total");
        assert_eq!(memory.volume, total, "{user} {query}");
        let seen: BTreeSet<String> = named(&polled.samples, "hardware.network.outgoing.bytes")
            .iter()
            .map(|s| {
                s.resource_metadata["name"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned()
            })
            .collect();
        assert_eq!(seen, names, "{user} {query}");
        let shown = memory.resource_metadata["resource_url"]
            .as_str()
            .unwrap_or("");
        assert!(
            !shown.contains("nepho-auth") && !shown.contains("nepho-priv"),
            "{shown}"
        );
        assert!(
            shown.contains(":***@") && shown.contains("priv_password=***"),
            "{shown}"
        );
    }
}

/// The passwords in the URLs of the test below.
const SECRETS: [&str; 5] = [
    "not-the-password",
    "some-password",
    "nepho-auth-sha1",
    "nepho-priv-aes128",
    "wrong-privacy",
];

#[test]
fn wrong_credentials_and_dead_agents_fail_only_their_resource_within_the_timeout() {
    let snmpd = Snmpd::start();
    let port = snmpd.port;
    let timeout = Duration::from_millis(400);
    let retries = 1;
    let pollsters = registered(&config(timeout, retries), CENTRAL);
    let memory: Vec<_> = pollsters
        .iter()
        .filter(|p| p.name() == "hardware.memory.total")
        .cloned()
        .collect();
    let good = snmpd.v2c_url();
    let dead_port = free_udp_port();
    let bad = [
        (
            format!("snmp://wrongcommunity@127.0.0.1:{port}"),
            "wrong community",
        ),
        (
            format!(
                "snmp://nepho-sha:not-the-password@127.0.0.1:{port}?auth_proto=sha&priv_proto=aes128&priv_password=nepho-priv-aes128"
            ),
            "refused the credentials",
        ),
        (
            format!("snmp://nobody:some-password@127.0.0.1:{port}?auth_proto=sha"),
            "(SNMPv3 user nobody) refused the credentials",
        ),
        (
            format!("snmp://nephopub@127.0.0.1:{dead_port}"),
            "no answer",
        ),
        (
            format!(
                "snmp://nepho-sha:nepho-auth-sha1@127.0.0.1:{port}?auth_proto=sha&priv_proto=aes128&priv_password=wrong-privacy"
            ),
            "wrong privacy password",
        ),
        (
            format!(
                "snmp://nepho-sha:nepho-auth-sha1@127.0.0.1:{port}?auth_proto=md5&priv_proto=aes128&priv_password=nepho-priv-aes128"
            ),
            "refused the credentials",
        ),
    ];

    let mut resources = vec![Resource::new(good.clone())];
    resources.extend(bad.iter().map(|(u, _)| Resource::new(u.clone())));

    let started = Instant::now();
    let (polled, logs) = capture_logs(|| cycle(&memory, &resources));
    let took = started.elapsed();
    // The failures are logged, but never with the URLs' passwords.
    assert!(
        logs.iter().any(|l| l.contains("failing")),
        "the failures are logged: {logs:?}"
    );
    for secret in SECRETS {
        assert!(
            logs.iter().all(|l| !l.contains(secret)),
            "`{secret}` is in the log: {logs:?}"
        );
    }

    assert_eq!(polled.samples.len(), 1, "{:?}", polled.samples);
    assert_eq!(
        polled.samples[0].resource_metadata["resource_url"],
        json!(good)
    );
    assert_eq!(polled.failures.len(), bad.len(), "{:?}", polled.failures);
    for ((url, why), failure) in bad.iter().zip(&polled.failures) {
        assert_eq!(&failure.resource, url);
        // The agent logs the key as the pollster shows it: no password.
        let shown = memory[0].shown_key(url);
        assert!(
            !SECRETS.iter().any(|secret| shown.contains(secret)),
            "{shown}"
        );
        assert!(!failure.permanent, "{failure:?}");
        assert!(failure.reason.contains(why), "{url}: {}", failure.reason);
        assert!(
            !failure.reason.contains("not-the-password"),
            "{}",
            failure.reason
        );
    }
    // The hosts are read in parallel, each bounded by its own timeout:
    // about (retries + 1) × timeout, plus SNMPv3 discovery's own attempts.
    let bound = timeout * (retries + 1) * 2 + Duration::from_secs(1);
    assert!(took < bound, "took {took:?}, bound {bound:?}");
}

#[test]
fn an_agent_that_stops_answering_is_logged_once_and_recovers() {
    let snmpd = Snmpd::start();
    let relay = Relay::to(&snmpd.address());
    let url = format!("snmp://nephopub@127.0.0.1:{}", relay.port);
    let resources = [Resource::new(url.clone())];
    let pollsters: Vec<_> = registered(&config(Duration::from_millis(200), 0), CENTRAL)
        .into_iter()
        .filter(|p| p.name().starts_with("hardware.memory"))
        .collect();
    assert_eq!(pollsters.len(), 6);

    let (_, healthy) = capture_logs(|| cycle(&pollsters, &resources));
    assert!(healthy.is_empty(), "{healthy:?}");

    relay.block(true);
    let (polled, logs) = capture_logs(|| {
        let mut last = None;
        for _ in 0..3 {
            last = Some(cycle(&pollsters, &resources));
        }
        last
    });
    let polled = polled.expect("three cycles");
    assert!(polled.samples.is_empty());
    assert_eq!(polled.failures.len(), 6, "each pollster reports the host");
    assert!(
        polled
            .failures
            .iter()
            .all(|f| !f.permanent && f.reason.contains("no answer"))
    );
    let failing: Vec<&String> = logs.iter().filter(|l| l.contains("failing")).collect();
    assert_eq!(
        failing.len(),
        1,
        "one line for 3 cycles × 6 pollsters: {logs:?}"
    );
    assert!(
        failing[0].contains("WARN") && failing[0].contains(&url),
        "{}",
        failing[0]
    );

    relay.block(false);
    let (polled, logs) = capture_logs(|| {
        let first = cycle(&pollsters, &resources);
        cycle(&pollsters, &resources);
        first
    });
    assert!(polled.failures.is_empty(), "{:?}", polled.failures);
    assert_eq!(polled.samples.len(), 6);
    assert_eq!(
        logs.iter().filter(|l| l.contains("works again")).count(),
        1,
        "{logs:?}"
    );
    assert_eq!(logs.len(), 1, "{logs:?}");
}

#[test]
fn a_resource_that_is_no_snmp_url_fails_permanently() {
    let pollsters = registered(&HardwareConfig::default(), CENTRAL);
    let polled = cycle(
        &pollsters[..2],
        &[
            Resource::new("http://not-snmp"),
            Resource::new("snmp://u:secret@h?auth_proto=sha3"),
        ],
    );
    assert!(polled.samples.is_empty());
    assert_eq!(polled.failures.len(), 4);
    assert!(polled.failures.iter().all(|f| f.permanent));
    assert!(
        polled.failures[0].reason.contains("scheme `http`"),
        "{:?}",
        polled.failures
    );
    assert!(polled.failures[1].reason.contains("auth_proto `sha3`"));
    assert!(!polled.failures[1].reason.contains("secret"));
}

#[test]
fn an_operator_definitions_file_loads_its_valid_definitions() {
    let snmpd = Snmpd::start();
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("snmp.yaml");
    std::fs::write(
        &path,
        "metric:
    - name: hardware.memory.total.mb
      unit: MB
      type: gauge
      snmp_inspector:
          matching_type: type_exact
          oid: 1.3.6.1.4.1.2021.4.5.0
          type: \"lambda x: int(x) / 1024\"
    - name: hardware.broken
      unit: B
      type: gauge
      snmp_inspector:
          matching_type: type_exact
          oid: 1.3.6.1.4.1.2021.4.5.0
          type: \"lambda x: x * 2\"
    - name: hardware.interface.names
      unit: interface
      type: gauge
      snmp_inspector:
          matching_type: type_prefix
          oid: 1.3.6.1.2.1.2.2.1.1
          type: int
          metadata:
              descr:
                  oid: 1.3.6.1.2.1.2.2.1.2
                  type: str
",
    )
    .expect("write definitions");
    let config = HardwareConfig {
        snmp: SnmpConfig {
            definitions: Some(path.clone()),
            ..SnmpConfig::default()
        },
        ..HardwareConfig::default()
    };
    let mut registry = nepho_polling::Registry::new();
    let registered = nepho_hardware::register(&mut registry, &config);
    assert_eq!(
        registered.snmp_meters,
        ["hardware.memory.total.mb", "hardware.interface.names"]
    );
    assert_eq!(registered.errors.len(), 1);
    let error = registered.errors[0].to_string();
    assert!(
        error.starts_with(&format!(
            "{}:15: definition `hardware.broken`",
            path.display()
        )),
        "{error}"
    );
    let polled = cycle(
        registry.pollsters(CENTRAL),
        &[Resource::new(snmpd.v2c_url())],
    );
    assert!(polled.failures.is_empty(), "{:?}", polled.failures);
    let mb = only(&polled.samples, "hardware.memory.total.mb");
    assert_eq!(
        mb.volume,
        snmpget_number(snmpd.port, "1.3.6.1.4.1.2021.4.5.0") / 1024.0
    );
    let names: Vec<String> = named(&polled.samples, "hardware.interface.names")
        .iter()
        .map(|s| {
            s.resource_metadata["descr"]
                .as_str()
                .unwrap_or("")
                .to_owned()
        })
        .collect();
    let expected: Vec<String> = snmpwalk(snmpd.port, "1.3.6.1.2.1.2.2.1.2")
        .into_iter()
        .map(|(_, n)| n)
        .collect();
    assert_eq!(names, expected);
}
