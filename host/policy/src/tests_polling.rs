//! Tests of the `[polling]` table: Ceilometer's defaults, every setting
//! read, the polling file parsed, and every error at file:line:column.

use std::path::PathBuf;
use std::time::Duration;

use crate::{ConfigSource, Plan, PollingAgentConfig, PollingOutput};

fn resolve_in(dir: &std::path::Path, config: &str) -> Result<Plan, crate::Diagnostics> {
    Plan::resolve(
        &ConfigSource {
            path: dir.join("n.toml"),
            text: config.to_owned(),
        },
        &[ConfigSource::embedded("p.toml", crate::DEFAULT_POLICY)],
    )
}

fn resolve(config: &str) -> Result<Plan, crate::Diagnostics> {
    resolve_in(&PathBuf::from("."), config)
}

#[test]
fn without_the_table_there_is_no_polling_agent() {
    assert_eq!(resolve("").expect("valid").polling, None);
}

#[test]
fn an_empty_table_takes_ceilometers_defaults_and_the_embedded_polling_yaml() {
    let p = resolve("[polling]\n")
        .expect("valid")
        .polling
        .expect("configured");
    assert_eq!(p, PollingAgentConfig::default());
    assert!(p.enabled);
    assert_eq!(p.namespaces, ["compute", "central"]);
    assert_eq!(p.batch_size, 50);
    assert_eq!(p.output, PollingOutput::Notifier);
    assert_eq!(p.libvirt_uri, "qemu:///system");
    assert_eq!(p.topics, ["notifications"]);
    assert_eq!(p.exchange, "ceilometer");
    assert!(!p.host.is_empty());
    assert_eq!(p.cfg_file, PathBuf::from("<embedded>/polling.yaml"));
    let names: Vec<&str> = p.sources.sources.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["some_pollsters", "local_host"]);
    let shipped = &p.sources.sources[0];
    assert_eq!(shipped.interval, 300);
    assert!(shipped.meters.matches("cpu") && shipped.meters.matches("volume.backup.size"));
    assert!(
        !shipped.meters.matches("memory.resident"),
        "Ceilometer's list, not everything"
    );
    assert!(p.sources.sources[1].meters.matches("hardware.memory.used"));
    assert!(!p.sources.sources[1].meters.matches("hardware.ipmi.fan"));
}

#[test]
fn every_setting_is_read_and_the_polling_file_relative_to_the_config() {
    let dir = tempfile::tempdir().expect("temporary directory");
    std::fs::write(
        dir.path().join("polling.yaml"),
        "sources:\n- name: fast\n  interval: 10\n  meters: [cpu]\n  resources: [snmp://h]\n",
    )
    .expect("written");
    let config = "[polling]\nenabled = false\ncfg_file = \"polling.yaml\"\nnamespaces = [\"ipmi\"]\n\
                  pollster_list = [\"hardware.ipmi.*\"]\nbatch_size = 0\noutput = \"pipeline\"\n\
                  url = \"amqp://u:p@broker:5673/v\"\ntopics = [\"n1\", \"n2\"]\nexchange = \"x\"\n\
                  host = \"node-7\"\nlibvirt_uri = \"test:///default\"\nlibvirt_open_timeout = 3\n\
                  require_nova_metadata = true\nreport_stopped_instance_metrics = true\n";
    let p = resolve_in(dir.path(), config)
        .expect("valid")
        .polling
        .expect("set");
    assert!(!p.enabled);
    assert_eq!(p.cfg_file, dir.path().join("polling.yaml"));
    assert_eq!(p.sources.sources.len(), 1);
    assert_eq!(p.sources.sources[0].resources, ["snmp://h"]);
    assert_eq!(p.namespaces, ["ipmi"]);
    assert_eq!(p.pollster_list, ["hardware.ipmi.*"]);
    assert_eq!(p.batch_size, 0);
    assert_eq!(p.output, PollingOutput::Pipeline);
    assert_eq!(p.url, "amqp://u:p@broker:5673/v");
    assert_eq!(p.topics, ["n1", "n2"]);
    assert_eq!(p.exchange, "x");
    assert_eq!(p.host, "node-7");
    assert_eq!(p.libvirt_uri, "test:///default");
    assert_eq!(p.libvirt_open_timeout, Duration::from_secs(3));
    assert!(p.require_nova_metadata && p.report_stopped_instance_metrics);
}

#[test]
fn errors_name_the_field_at_file_line_column() {
    let config = "[polling]\nbatch_size = -1\noutput = \"kafka\"\nurl = \"http://x\"\n\
                  topics = [\"a b\"]\nnamespaces = []\nlibvirt_open_timeout = 0\nlibvirt_uri = \"nouri\"\n\
                  host = \" \"\nexchange = \"\"\ncfg_file = \"missing.yaml\"\n";
    let errors = resolve(config).expect_err("invalid").to_string();
    for expected in [
        "n.toml:2:14: polling.batch_size = -1 is out of range",
        "n.toml:3:10: polling.output: `kafka` is neither",
        "n.toml:4:7: polling.url: not an amqp://",
        "n.toml:5:10: polling.topics: `a b` is not a usable AMQP name",
        "n.toml:6:14: polling.namespaces: must name at least one",
        "n.toml:7:24: polling.libvirt_open_timeout = 0 is out of range",
        "n.toml:8:15: polling.libvirt_uri: `nouri` is not a libvirt URI",
        "n.toml:9:8: polling.host: must not be empty",
        "n.toml:10:12: polling.exchange: `` is not a usable AMQP name",
        "n.toml:11:12: polling.cfg_file: cannot read ./missing.yaml",
    ] {
        assert!(
            errors.contains(expected),
            "missing `{expected}` in:\n{errors}"
        );
    }
    let unknown = resolve("[polling]\nnamespace = [\"compute\"]\n")
        .expect_err("unknown key")
        .to_string();
    assert!(
        unknown.contains("n.toml:2:1") && unknown.contains("unknown field `namespace`"),
        "{unknown}"
    );
}

#[test]
fn a_broken_polling_file_is_reported_at_its_own_line() {
    let dir = tempfile::tempdir().expect("temporary directory");
    std::fs::write(
        dir.path().join("polling.yaml"),
        "sources:\n- name: ok\n  interval: 60\n  meters: [cpu]\n- name: bad\n  interval: 0\n  meters: [cpu]\n",
    )
    .expect("written");
    let errors = resolve_in(dir.path(), "[polling]\ncfg_file = \"polling.yaml\"\n")
        .expect_err("invalid")
        .to_string();
    let file = dir.path().join("polling.yaml").display().to_string();
    assert!(errors.contains(&format!("{file}:")), "{errors}");
    assert!(errors.contains("Interval value should > 0"), "{errors}");
}
