//! The IPMI pollsters against OpenIPMI's ipmi_sim over lanplus, compared
//! with what ipmitool itself reports; and the parser on captured output.

use std::time::{Duration, Instant};

use nepho_hardware::ipmi::parse::parse_sensor_output;
use nepho_hardware::{HardwareConfig, IpmiConfig};
use nepho_polling::{CycleCache, IPMI, Registry, Resource, SampleType};
use serde_json::json;

use crate::support::{IPMI_PASSWORD, IPMI_USER, IpmiSim, capture_logs, fixture, free_udp_port};
use crate::{cycle, named, registered};

const NODE: &str = "compute-7";

fn config(port: u16, password: &str, timeout: Duration, polling_retry: i64) -> HardwareConfig {
    HardwareConfig {
        ipmi: IpmiConfig {
            interface: Some("lanplus".into()),
            host: Some("127.0.0.1".into()),
            port: Some(port),
            user: Some(IPMI_USER.into()),
            password: Some(password.into()),
            cipher_suite: Some(3),
            timeout,
            polling_retry,
            node: NODE.into(),
            ..IpmiConfig::default()
        },
        ..HardwareConfig::default()
    }
}

/// (Sensor ID, Sensor Reading) of ipmitool's verbose output, read line by
/// line here, independently of the pollsters' parser.
fn readings(output: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut id = None;
    for line in output.lines() {
        let Some((key, value)) = line.split_once(" : ").or_else(|| line.split_once(": ")) else {
            continue;
        };
        match key.trim() {
            "Sensor ID" => id = Some(value.trim().to_owned()),
            "Sensor Reading" => {
                if let Some(id) = id.take() {
                    out.push((id, value.trim().to_owned()));
                }
            }
            _ => {}
        }
    }
    out
}

/// What ipmitool reports as (resource id, volume, unit) for the analog,
/// enabled sensors of one output.
fn reported(output: &str, skip_power: bool) -> Vec<(String, f64, String)> {
    readings(output)
        .into_iter()
        .filter(|(id, _)| !(skip_power && id.contains("Pwr Consumption")))
        .filter_map(|(id, reading)| {
            let mut words = reading.split_whitespace();
            let volume: f64 = words.next()?.parse().ok()?;
            let unit = match words.last()? {
                "Watts" => "W",
                "Volts" => "V",
                other => other,
            };
            let rid = format!("{NODE}-{}", id.to_lowercase().replace(' ', "_"));
            Some((rid, volume, unit.to_owned()))
        })
        .collect()
}

fn polled_triples(samples: &[&nepho_polling::PolledSample]) -> Vec<(String, f64, String)> {
    samples
        .iter()
        .map(|s| (s.resource_id.clone(), s.volume, s.unit.clone()))
        .collect()
}

#[test]
fn sensor_samples_equal_what_ipmitool_reports() {
    let sim = IpmiSim::start();
    let pollsters = registered(
        &config(sim.port, IPMI_PASSWORD, Duration::from_secs(10), 3),
        IPMI,
    );
    let names: Vec<&str> = pollsters.iter().map(|p| p.name()).collect();
    assert_eq!(
        names,
        [
            "hardware.ipmi.temperature",
            "hardware.ipmi.current",
            "hardware.ipmi.fan",
            "hardware.ipmi.voltage",
            "hardware.ipmi.power"
        ]
    );
    let resources = [Resource::new(NODE)];
    let polled = cycle(&pollsters, &resources);
    assert!(polled.failures.is_empty(), "{:?}", polled.failures);
    for (meter, command, skip_power) in [
        (
            "hardware.ipmi.temperature",
            vec!["sdr", "-v", "type", "Temperature"],
            false,
        ),
        (
            "hardware.ipmi.current",
            vec!["sdr", "-v", "type", "Current"],
            true,
        ),
        ("hardware.ipmi.fan", vec!["sdr", "-v", "type", "Fan"], false),
        (
            "hardware.ipmi.voltage",
            vec!["sdr", "-v", "type", "Voltage"],
            false,
        ),
        (
            "hardware.ipmi.power",
            vec!["sensor", "get", "Pwr Consumption"],
            false,
        ),
    ] {
        let ours = named(&polled.samples, meter);
        assert!(!ours.is_empty(), "{meter}");
        assert_eq!(
            polled_triples(&ours),
            reported(&sim.ipmitool(&command), skip_power),
            "{meter}"
        );
        for s in &ours {
            assert_eq!(s.sample_type, SampleType::Gauge);
            assert_eq!(
                (s.user_id.as_deref(), s.project_id.as_deref()),
                (None, None)
            );
            assert_eq!(s.resource_metadata["node"], json!(NODE));
        }
    }
    // The fixture's values, as bmc.emu and sensors.sdrs set them.
    let all = polled_triples(&polled.samples.iter().collect::<Vec<_>>());
    for expected in [
        ("compute-7-cpu_temp_(0x1)", 48.0, "C"),
        ("compute-7-inlet_temp_(0x2)", 25.0, "C"),
        ("compute-7-psu_current_(0x4)", 0.8, "Amps"),
        ("compute-7-fan_1_(0x5)", 4800.0, "RPM"),
        ("compute-7-board_12v_(0x3)", 12.06, "V"),
        ("compute-7-pwr_consumption_(0x6)", 160.0, "W"),
    ] {
        assert!(
            all.contains(&(expected.0.to_owned(), expected.1, expected.2.to_owned())),
            "{expected:?} in {all:?}"
        );
    }
    assert_eq!(all.len(), 6, "no Disabled fan, no discrete sensor: {all:?}");
    let fan = named(&polled.samples, "hardware.ipmi.fan");
    assert_eq!(
        serde_json::Value::Object(fan[0].resource_metadata.clone()),
        json!({"node": NODE, "maximum_rpm": "12000.000"})
    );
    let current = named(&polled.samples, "hardware.ipmi.current");
    assert_eq!(
        current.len(),
        1,
        "Pwr Consumption is power's, not current's"
    );
}

#[test]
fn a_changed_sensor_is_read_anew_next_cycle() {
    let sim = IpmiSim::start();
    let pollsters = registered(
        &config(sim.port, IPMI_PASSWORD, Duration::from_secs(10), 3),
        IPMI,
    );
    let resources = [Resource::new(NODE)];
    let before = cycle(&pollsters, &resources);
    let cpu = |p: &nepho_polling::Polled| {
        p.samples
            .iter()
            .find(|s| s.resource_id == "compute-7-cpu_temp_(0x1)")
            .map(|s| s.volume)
    };
    assert_eq!(cpu(&before), Some(48.0));
    sim.console(&[
        "sensor_set_value 0x20 0 1 71 0",
        "sensor_set_value 0x20 0 5 50 0",
    ]);
    let after = cycle(&pollsters, &resources);
    assert_eq!(cpu(&after), Some(71.0));
    let fan = named(&after.samples, "hardware.ipmi.fan");
    assert_eq!(fan[0].volume, 3000.0);
    let reference = reported(&sim.ipmitool(&["sdr", "-v", "type", "Fan"]), false);
    assert_eq!(polled_triples(&fan), reference);
}

#[test]
fn a_bmc_refusing_the_password_is_given_up_after_polling_retry_failures() {
    let sim = IpmiSim::start();
    let pollsters = registered(
        &config(sim.port, "wrong-password", Duration::from_secs(10), 3),
        IPMI,
    );
    let temperature = &pollsters[0];
    let resources = [Resource::new(NODE)];
    let (results, logs) = capture_logs(|| {
        (0..4)
            .map(|_| temperature.poll(&CycleCache::new(), &resources))
            .collect::<Vec<_>>()
    });
    for (i, polled) in results.iter().enumerate() {
        assert!(polled.samples.is_empty());
        assert_eq!(polled.failures.len(), 1);
        let failure = &polled.failures[0];
        assert_eq!(failure.resource, NODE);
        // Ceilometer's test: 0 <= polling_retry < failures in a row.
        assert_eq!(failure.permanent, i == 3, "poll {}: {failure:?}", i + 1);
        assert!(
            failure
                .reason
                .contains("Unable to establish IPMI v2 / RMCP+ session"),
            "{}",
            failure.reason
        );
        assert!(
            !failure.reason.contains("wrong-password"),
            "{}",
            failure.reason
        );
    }
    assert!(
        results[3].failures[0]
            .reason
            .contains("4 failed polls in a row")
    );
    let failing = logs.iter().filter(|l| l.contains("BMC failing")).count();
    assert_eq!(failing, 1, "{logs:?}");
    assert_eq!(
        logs.iter().filter(|l| l.contains("disabled")).count(),
        1,
        "{logs:?}"
    );
}

#[test]
fn a_negative_polling_retry_never_gives_up() {
    let pollsters = registered(
        &config(
            free_udp_port(),
            IPMI_PASSWORD,
            Duration::from_millis(500),
            -1,
        ),
        IPMI,
    );
    for _ in 0..5 {
        let polled = pollsters[2].poll(&CycleCache::new(), &[Resource::new(NODE)]);
        assert!(!polled.failures[0].permanent);
    }
}

#[test]
fn an_unreachable_bmc_costs_one_timeout_per_cycle_and_recovers() {
    // ipmitool itself retries an unanswered lanplus session for ~20 s; the
    // pollster kills it at its timeout.
    let sim = IpmiSim::start();
    let dead = free_udp_port();
    let timeout = Duration::from_millis(1500);
    let pollsters = registered(&config(dead, IPMI_PASSWORD, timeout, 3), IPMI);
    let started = Instant::now();
    let polled = cycle(&pollsters, &[Resource::new(NODE)]);
    let took = started.elapsed();
    assert_eq!(polled.failures.len(), 5);
    assert!(polled.failures.iter().all(|f| !f.permanent));
    assert!(
        polled.failures[0].reason.contains("was killed")
            && polled.failures[0].reason.contains("sdr info"),
        "{}",
        polled.failures[0].reason
    );
    // The availability probe failed once for the cycle, shared by the five.
    assert!(took < timeout * 2 + Duration::from_secs(1), "took {took:?}");

    let mut registry = Registry::new();
    nepho_hardware::register(&mut registry, &config(sim.port, IPMI_PASSWORD, timeout, 3));
    let healthy = cycle(registry.pollsters(IPMI), &[Resource::new(NODE)]);
    assert!(healthy.failures.is_empty(), "{:?}", healthy.failures);
    assert_eq!(healthy.samples.len(), 6);
}

#[test]
fn local_node_discovers_the_configured_node() {
    let mut registry = Registry::new();
    nepho_hardware::register(&mut registry, &config(1, "x", Duration::from_secs(1), 3));
    let selection = registry.select(&["ipmi".to_owned()], &[]);
    let discovery = selection.discovery("local_node").expect("local_node");
    let found = discovery.discover(None).expect("discovers");
    assert_eq!(found, [Resource::new(NODE)]);
    for p in &selection.pollsters {
        assert_eq!(p.default_discovery(), Some("local_node"));
    }
}

#[test]
fn captured_ipmitool_output_parses_as_ceilometer_parses_it() {
    let read = |name: &str| {
        std::fs::read_to_string(fixture(&format!("ipmi/captured/{name}"))).expect("captured output")
    };
    let temperature = parse_sensor_output(&read("sdr-v-type-temperature.txt")).expect("parses");
    let ids: Vec<&str> = temperature
        .of_type("Temperature")
        .iter()
        .map(|(id, _)| id.as_str())
        .collect();
    // The discrete Temp Trip has a reading (`0h`) too; the pollster skips it
    // because it is no number with a unit.
    assert_eq!(
        ids,
        ["CPU Temp (0x1)", "Inlet Temp (0x2)", "Temp Trip (0x8)"]
    );
    assert_eq!(
        temperature.of_type("Temperature")[0].1["Sensor Reading"],
        "48 (+/- 0) degrees C"
    );
    let fan = parse_sensor_output(&read("sdr-v-type-fan.txt")).expect("parses");
    assert_eq!(fan.of_type("Fan")[1].1["Sensor Reading"], "Disabled");
    assert_eq!(fan.of_type("Fan")[0].1["Normal Maximum"], "12000.000");
    let power = parse_sensor_output(&read("sensor-get-pwr-consumption.txt")).expect("parses");
    assert_eq!(power.types().collect::<Vec<_>>(), ["Current"]);
    assert_eq!(
        power.of_type("Current")[0].1["Sensor Reading"],
        "160 (+/- 0) Watts"
    );
    let info = parse_sensor_output(&read("sdr-info.txt")).expect_err("sdr info has no sensors");
    assert!(info.contains("no sensor data"), "{info}");
}
