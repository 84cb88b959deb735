//! The compute pollsters on libvirt's test driver, values compared with `virsh`.

use nepho_polling::compute::{self, ComputeOptions};
use nepho_polling::{COMPUTE, Registry};
use serde_json::json;

use crate::support::{agent, capture_logs, fields, log_lines, node_uri, pairs, virsh};

const WEB: &str = "2f8f8b9c-1c5f-4c1e-9d4e-0a9a1f1a2b01";
const PLAIN: &str = "2f8f8b9c-1c5f-4c1e-9d4e-0a9a1f1a2b03";
const STOPPED: &str = "2f8f8b9c-1c5f-4c1e-9d4e-0a9a1f1a2b02";
const EVERYTHING: &str = "sources:\n- name: all\n  interval: 600\n  meters: ['*']\n";

fn registry(uri: &str, options: impl FnOnce(&mut ComputeOptions)) -> Registry {
    let mut o = ComputeOptions::new(uri, "compute-1");
    options(&mut o);
    let mut r = Registry::new();
    compute::register(&mut r, &o);
    r
}

/// `before ≤ value ≤ after`, for counters the test driver derives from the clock.
fn between(value: f64, before: f64, after: f64, what: &str) {
    assert!(
        before <= value && value <= after,
        "{what}: {before} <= {value} <= {after}"
    );
}

#[test]
fn test_default_values_match_virsh() {
    let uri = "test:///default";
    let (agent, capture) = agent(EVERYTHING, &registry(uri, |_| {}), &[COMPUTE]);
    let uuid = fields(&virsh(uri, &["dominfo", "test"]))["UUID"].clone();
    let blk_before = pairs(&virsh(uri, &["domblkstat", "test", "vda"]));
    let if_before = pairs(&virsh(uri, &["domifstat", "test", "testnet0"]));
    let info_before = fields(&virsh(uri, &["dominfo", "test"]));
    agent.poll_once();
    let blk_after = pairs(&virsh(uri, &["domblkstat", "test", "vda"]));
    let if_after = pairs(&virsh(uri, &["domifstat", "test", "testnet0"]));
    let info_after = fields(&virsh(uri, &["dominfo", "test"]));

    let mem = pairs(&virsh(uri, &["dommemstat", "test"]));
    let kib = |k: &str| mem[k] / 1024.0;
    let volume = |meter: &str, id: &str| capture.one(meter, id).volume;
    assert_eq!(volume("memory", &uuid), kib("actual"));
    assert_eq!(volume("memory.available", &uuid), kib("available"));
    assert_eq!(
        volume("memory.usage", &uuid),
        kib("available") - kib("usable")
    );
    assert_eq!(volume("memory.resident", &uuid), kib("rss"));
    assert_eq!(volume("memory.swap.in", &uuid), kib("swap_in"));
    assert_eq!(volume("memory.swap.out", &uuid), kib("swap_out"));
    assert_eq!(volume("power.state", &uuid), 1.0, "running");
    assert_eq!(
        volume("vcpus", &uuid),
        info_before["CPU(s)"].parse::<f64>().unwrap()
    );
    // dominfo prints the CPU time in seconds with one decimal.
    let secs = |info: &std::collections::HashMap<String, String>| {
        info["CPU time"]
            .trim_end_matches('s')
            .parse::<f64>()
            .unwrap()
    };
    let cpu = capture.one("cpu", &uuid);
    between(
        cpu.volume / 1e9,
        secs(&info_before) - 0.1,
        secs(&info_after) + 0.1,
        "cpu",
    );
    assert_eq!(cpu.resource_metadata["cpu_number"], json!(2));

    let disk = format!("{uuid}-vda");
    for (meter, key) in [
        ("disk.device.read.requests", "rd_req"),
        ("disk.device.read.bytes", "rd_bytes"),
        ("disk.device.write.requests", "wr_req"),
        ("disk.device.write.bytes", "wr_bytes"),
    ] {
        between(volume(meter, &disk), blk_before[key], blk_after[key], meter);
    }
    let blkinfo = fields(&virsh(uri, &["domblkinfo", "test", "vda"]));
    let n = |k: &str| blkinfo[k].parse::<f64>().unwrap();
    assert_eq!(
        volume("disk.device.capacity", &disk),
        n("Capacity").max(n("Physical"))
    );
    assert_eq!(volume("disk.device.allocation", &disk), n("Allocation"));
    assert_eq!(volume("disk.device.usage", &disk), n("Physical"));
    assert_eq!(
        capture
            .one("disk.device.read.bytes", &disk)
            .resource_metadata["disk_name"],
        "vda"
    );

    let vnic = format!("test-{uuid}-testnet0");
    for (meter, key) in [
        ("network.incoming.bytes", "rx_bytes"),
        ("network.incoming.packets", "rx_packets"),
        ("network.incoming.packets.error", "rx_errs"),
        ("network.incoming.packets.drop", "rx_drop"),
        ("network.outgoing.bytes", "tx_bytes"),
        ("network.outgoing.packets", "tx_packets"),
        ("network.outgoing.packets.error", "tx_errs"),
        ("network.outgoing.packets.drop", "tx_drop"),
    ] {
        between(volume(meter, &vnic), if_before[key], if_after[key], meter);
    }
    let rx = capture.one("network.incoming.bytes", &vnic);
    assert_eq!(rx.resource_metadata["mac"], "aa:bb:cc:dd:ee:ff");
    assert_eq!(rx.resource_metadata["vnic_name"], "testnet0");
    assert_eq!(rx.resource_metadata["fref"], serde_json::Value::Null);
    assert_eq!(
        volume("network.incoming.bytes.delta", &vnic),
        0.0,
        "first poll"
    );

    // What the test driver does not give is not sampled.
    for meter in [
        "perf.cpu.cycles",
        "perf.instructions",
        "perf.cache.references",
        "perf.cache.misses",
        "network.incoming.bytes.rate",
        "network.outgoing.bytes.rate",
        "disk.device.read.latency",
        "disk.device.write.latency",
        "disk.root.size",
        "disk.ephemeral.size",
    ] {
        assert!(
            capture.samples().iter().all(|s| s.name != meter),
            "{meter} has no value here"
        );
    }
    // Metadata without Nova: the domain's own.
    assert_eq!(rx.resource_metadata["display_name"], "test");
    assert_eq!(rx.resource_metadata["instance_host"], "compute-1");
    assert_eq!(rx.resource_metadata["status"], "active");
    assert_eq!(rx.user_id, None);
    assert_eq!(
        capture
            .samples()
            .iter()
            .map(|s| s.resource_id.as_str())
            .filter(|r| r.contains(&uuid))
            .count(),
        capture.samples().len()
    );
}

#[test]
fn nova_instances_get_ceilometers_ids_and_metadata_and_deltas() {
    let uri = node_uri();
    let (agent, capture) = agent(EVERYTHING, &registry(&uri, |_| {}), &[COMPUTE]);
    agent.poll_once();
    let cpu = capture.one("cpu", WEB);
    assert_eq!(
        cpu.user_id.as_deref(),
        Some("a1b2c3d4e5f6478899aabbccddeeff00")
    );
    assert_eq!(
        cpu.project_id.as_deref(),
        Some("0f1e2d3c4b5a49687766554433221100")
    );
    let m = &cpu.resource_metadata;
    assert_eq!(m["display_name"], "web-1");
    assert_eq!(m["name"], "instance-00000001");
    assert_eq!(m["instance_id"], WEB);
    assert_eq!(m["instance_type"], "m1.small");
    assert_eq!(
        m["flavor"],
        json!({"id": "2", "name": "m1.small", "vcpus": 2, "ram": 2048, "disk": 20, "ephemeral": 5, "swap": 0})
    );
    assert_eq!(
        m["image"],
        json!({"id": "c0ffee00-1234-4567-89ab-cdef01234567"})
    );
    assert_eq!(m["image_ref"], "c0ffee00-1234-4567-89ab-cdef01234567");
    assert_eq!(m["image_ref_url"], serde_json::Value::Null);
    assert_eq!(
        (
            m["vcpus"].clone(),
            m["memory_mb"].clone(),
            m["disk_gb"].clone(),
            m["ephemeral_gb"].clone(),
            m["root_gb"].clone()
        ),
        (json!(2), json!(2048), json!(20), json!(5), json!(15))
    );
    assert_eq!(m["architecture"], "x86_64");
    assert_eq!(m["os_type"], "hvm");
    assert_eq!(m["state"], "running");
    // Nova's hostId: sha224(project + host), computed with Python's hashlib.
    assert_eq!(
        m["host"],
        "a195fc5d92bfb4006cfea390d34aad287a787108c10950a11ecfda67"
    );

    assert_eq!(capture.one("disk.root.size", WEB).volume, 15.0);
    assert_eq!(capture.one("disk.ephemeral.size", WEB).volume, 5.0);
    assert_eq!(
        capture.one("memory", WEB).volume,
        1024.0,
        "currentMemory 1048576 KiB"
    );
    // The cdrom without a source is not a polled disk.
    assert!(
        capture
            .samples()
            .iter()
            .all(|s| !s.resource_id.ends_with("-hdc"))
    );
    let vnic_id = "nova-instance-instance-00000001-fa163e000001";
    let rx = capture.one("network.incoming.bytes", vnic_id);
    assert_eq!(
        rx.resource_metadata["parameters"],
        json!({"ip": "10.0.0.5", "interfaceid": "7a5d2f8e-1b2c-4d3e-8f9a-0b1c2d3e4f50", "bridge": "br-int"})
    );
    assert_eq!(rx.resource_metadata["name"], "tap0001");
    assert_eq!(
        rx.resource_metadata["vnic_name"], vnic_id,
        "the filter's name when there is one"
    );
    assert_eq!(
        capture.one("network.outgoing.bytes.delta", vnic_id).volume,
        0.0
    );

    // The plain domain: no Nova, so no flavor meters; no balloon, so no memory meters.
    assert_eq!(capture.one("power.state", PLAIN).volume, 1.0);
    assert!(capture.of("memory.usage", PLAIN).is_empty());
    assert!(capture.of("disk.root.size", PLAIN).is_empty());
    assert_eq!(
        capture
            .one(
                "network.incoming.packets",
                &format!("plain-{PLAIN}-testnet0")
            )
            .user_id,
        None
    );
    // Shut off: only the flavor's sizes, which Ceilometer reads without libvirt.
    let stopped: Vec<String> = capture
        .samples()
        .into_iter()
        .filter(|s| s.resource_id.starts_with(STOPPED))
        .map(|s| s.name)
        .collect();
    assert_eq!(stopped.len(), 2, "{stopped:?}");
    assert!(
        stopped.contains(&"disk.root.size".to_owned())
            && stopped.contains(&"disk.ephemeral.size".to_owned())
    );

    // A second cycle: deltas are the difference of the cumulative counters.
    let first_rx = rx.volume;
    let first_tx = capture.one("network.outgoing.bytes", vnic_id).volume;
    std::thread::sleep(std::time::Duration::from_millis(20));
    capture.clear();
    agent.poll_once();
    let rx2 = capture.one("network.incoming.bytes", vnic_id).volume;
    let tx2 = capture.one("network.outgoing.bytes", vnic_id).volume;
    assert!(rx2 > first_rx, "the test driver's counters grow with time");
    assert_eq!(
        capture.one("network.incoming.bytes.delta", vnic_id).volume,
        rx2 - first_rx
    );
    assert_eq!(
        capture.one("network.outgoing.bytes.delta", vnic_id).volume,
        tx2 - first_tx
    );
}

#[test]
fn stopped_instances_give_the_minimal_set_when_asked() {
    let uri = node_uri();
    let (agent, capture) = agent(
        EVERYTHING,
        &registry(&uri, |o| o.report_stopped_instance_metrics = true),
        &[COMPUTE],
    );
    agent.poll_once();
    let info = fields(&virsh(&uri, &["dominfo", "instance-00000002"]));
    assert_eq!(
        capture.one("power.state", STOPPED).volume,
        5.0,
        "VIR_DOMAIN_SHUTOFF"
    );
    assert_eq!(
        capture.one("vcpus", STOPPED).volume,
        info["CPU(s)"].parse::<f64>().unwrap()
    );
    let max_kib: f64 = info["Max memory"].trim_end_matches(" KiB").parse().unwrap();
    assert_eq!(capture.one("memory", STOPPED).volume, max_kib / 1024.0);
    let disk = format!("{STOPPED}-vda");
    let blkinfo = fields(&virsh(&uri, &["domblkinfo", "instance-00000002", "vda"]));
    assert_eq!(
        capture.one("disk.device.usage", &disk).volume,
        blkinfo["Physical"].parse::<f64>().unwrap()
    );
    let stopped_meters: std::collections::BTreeSet<String> = capture
        .samples()
        .into_iter()
        .filter(|s| s.resource_id.starts_with(STOPPED))
        .map(|s| s.name)
        .collect();
    let expected: std::collections::BTreeSet<String> = [
        "power.state",
        "vcpus",
        "memory",
        "disk.device.capacity",
        "disk.device.allocation",
        "disk.device.usage",
        "disk.root.size",
        "disk.ephemeral.size",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    assert_eq!(stopped_meters, expected);
}

#[test]
fn ceilometers_discovery_leaves_out_domains_without_nova_metadata_when_asked() {
    let (agent, capture) = agent(
        EVERYTHING,
        &registry(&node_uri(), |o| o.require_nova_metadata = true),
        &[COMPUTE],
    );
    agent.poll_once();
    assert!(!capture.of("power.state", WEB).is_empty());
    assert!(
        capture
            .samples()
            .iter()
            .all(|s| !s.resource_id.contains(PLAIN))
    );
}

#[test]
fn missing_statistics_are_logged_once_and_rates_are_given_up_permanently() {
    capture_logs();
    // A copy of the node with its own domain ids, so other tests' logs do not count.
    let dir = tempfile::tempdir().expect("temporary directory");
    let node = dir.path().join("node.xml");
    let fixture =
        std::fs::read_to_string(node_uri().trim_start_matches("test://")).expect("fixture");
    std::fs::write(&node, fixture.replace("0a9a1f1a2b0", "0a9a1f1a2c0")).expect("written");
    let uri = format!("test://{}", node.display());
    let (plain, web) = (PLAIN.replace("2b0", "2c0"), WEB.replace("2b0", "2c0"));
    let (agent, capture) = agent(EVERYTHING, &registry(&uri, |_| {}), &[COMPUTE]);
    for _ in 0..3 {
        agent.poll_once();
    }
    assert!(capture.of("memory.usage", &plain).is_empty());
    let unavailable = log_lines(&["memory.usage statistic in not available", &plain]);
    assert_eq!(
        unavailable.len(),
        1,
        "once, not every cycle: {unavailable:?}"
    );
    let perf = log_lines(&["perf.cpu.cycles statistic in not available", &web]);
    assert_eq!(perf.len(), 1, "{perf:?}");
    let rates = log_lines(&["Prevent pollster network.incoming.bytes.rate", &web]);
    assert_eq!(
        rates.len(),
        1,
        "given up in the first cycle, then never polled: {rates:?}"
    );
}
