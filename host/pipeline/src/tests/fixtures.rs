//! Every shipped pipeline / event pipeline / polling fixture loads.

use crate::{PipelineKind, parse_event_pipeline, parse_pipeline, parse_polling};

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!(
            "../../../../tests/fixtures/ceilometer/data/",
            $name
        ))
    };
}

#[test]
fn master_pipeline() {
    let cfg = parse_pipeline("pipeline.yaml", fixture!("pipeline.yaml")).unwrap();
    assert_eq!(cfg.kind, PipelineKind::Sample);
    assert_eq!(cfg.sources.len(), 1);
    let s = &cfg.sources[0];
    assert_eq!(s.name, "meter_source");
    assert_eq!(s.line, 3);
    assert_eq!(s.filter.entries(), ["*"]);
    assert_eq!(s.sinks, ["meter_sink"]);
    assert!(s.filter.matches("cpu"));
    assert_eq!(cfg.sinks[0].name, "meter_sink");
    assert_eq!(cfg.sinks[0].line, 9);
    assert_eq!(cfg.sinks[0].publishers, ["gnocchi://"]);
    assert!(cfg.sinks[0].transformers.is_empty());
    let links = cfg.pipelines();
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].name, "meter_source:meter_sink");
}

#[test]
fn rocky_pipeline_with_transformers() {
    let cfg = parse_pipeline(
        "pipeline.yaml",
        fixture!("pipeline.rocky-11.0.0-with-transformers.yaml"),
    )
    .unwrap();
    let names: Vec<&str> = cfg.sinks.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "meter_sink",
            "cpu_sink",
            "cpu_delta_sink",
            "disk_sink",
            "network_sink"
        ]
    );
    let cpu = cfg.sink("cpu_sink").unwrap();
    assert_eq!(cpu.transformers.len(), 1);
    assert_eq!(cpu.transformers[0].name, "rate_of_change");
    assert_eq!(
        cpu.transformers[0].parameters,
        serde_json::json!({"target": {
            "name": "cpu_util", "unit": "%", "type": "gauge", "max": 100,
            "scale": "100.0 / (10**9 * (resource_metadata.cpu_number or 1))"
        }})
    );
    let delta = cfg.sink("cpu_delta_sink").unwrap();
    assert_eq!(
        delta.transformers[0].parameters,
        serde_json::json!({"target": {"name": "cpu.delta"}, "growth_only": true})
    );
    let disk = cfg.sink("disk_sink").unwrap();
    assert_eq!(
        disk.transformers[0].parameters["source"]["map_from"]["name"],
        "(disk\\.device|disk)\\.(read|write)\\.(bytes|requests)"
    );
    assert_eq!(
        disk.transformers[0].parameters["target"]["map_to"]["name"],
        "\\1.\\2.\\3.rate"
    );
    let cpu_source = cfg.source("cpu_source").unwrap();
    assert_eq!(cpu_source.sinks, ["cpu_sink", "cpu_delta_sink"]);
    assert!(cpu_source.filter.matches("cpu"));
    assert!(!cpu_source.filter.matches("cpu_util"));
    let links: Vec<String> = cfg.pipelines().into_iter().map(|l| l.name).collect();
    assert_eq!(
        links,
        [
            "meter_source:meter_sink",
            "cpu_source:cpu_sink",
            "cpu_source:cpu_delta_sink",
            "disk_source:disk_sink",
            "network_source:network_sink"
        ]
    );
}

#[test]
fn kilo_pipeline_with_intervals() {
    let cfg = parse_pipeline("pipeline.yaml", fixture!("pipeline.kilo-2015.1.0.yaml")).unwrap();
    assert_eq!(cfg.sources.len(), 4);
    assert!(cfg.sources.iter().all(|s| s.interval == Some(600)));
    assert_eq!(cfg.sources[1].line, 9);
    // `transformers:` with no value is null: no transformers.
    assert!(cfg.sink("meter_sink").unwrap().transformers.is_empty());
    assert_eq!(
        cfg.sink("network_sink").unwrap().publishers,
        ["notifier://"]
    );
    let disk = cfg.source("disk_source").unwrap();
    assert!(disk.filter.matches("disk.device.read.requests"));
    assert!(!disk.filter.matches("disk.usage"));
}

#[test]
fn master_event_pipeline() {
    let cfg = parse_event_pipeline("event_pipeline.yaml", fixture!("event_pipeline.yaml")).unwrap();
    assert_eq!(cfg.kind, PipelineKind::Event);
    assert_eq!(cfg.sources[0].name, "event_source");
    assert!(cfg.sources[0].filter.matches("compute.instance.create.end"));
    assert_eq!(cfg.sinks[0].publishers, ["notifier://"]);
    assert_eq!(cfg.pipelines()[0].name, "event:event_source:event_sink");
}

#[test]
fn master_polling() {
    let cfg = parse_polling("polling.yaml", fixture!("polling.yaml")).unwrap();
    assert_eq!(cfg.sources.len(), 1);
    let s = &cfg.sources[0];
    assert_eq!(
        (s.name.as_str(), s.interval, s.line),
        ("some_pollsters", 300, 3)
    );
    assert_eq!(s.meters.entries().len(), 15);
    assert!(s.meters.matches("volume.backup.size"));
    assert!(!s.meters.matches("disk.device.usage"));
    assert!(s.resources.is_empty() && s.discovery.is_empty());
    assert_eq!(cfg.intervals(), [300]);
    assert_eq!(cfg.sources_for("cpu").count(), 1);
}

#[test]
fn polling_all() {
    let cfg = parse_polling("polling_all.yaml", fixture!("polling_all.yaml")).unwrap();
    assert_eq!(cfg.sources[0].name, "all_pollsters");
    assert!(cfg.sources[0].meters.matches("anything.at.all"));
}

#[test]
fn sample_pipeline_is_not_an_event_pipeline() {
    // `events:` is absent in pipeline.yaml, so as an event pipeline it fails.
    let errors = parse_event_pipeline("pipeline.yaml", fixture!("pipeline.yaml")).unwrap_err();
    assert_eq!(
        errors[0].message,
        "source \"meter_source\": No events specified"
    );
}
