//! Tests of the `[pipeline]`, `[publisher]` and `[transformers.NAME]` tables:
//! pipeline files become components with stable names, sandboxes and
//! configuration, and their errors point into the pipeline file.

use std::path::Path;

use serde_json::json;

use crate::{ComponentSource, ConfigSource, DEFAULT_TELEMETRY_SECRET, Plan};

const PIPELINE: &str = "\
sources:
    - name: cpu_source
      meters: [cpu]
      sinks: [cpu_sink]
sinks:
    - name: cpu_sink
      transformers:
          - name: rate_of_change
            parameters:
                target: {name: cpu_util, unit: '%', type: gauge}
          - name: scale
            parameters: {factor: 2}
      publishers:
          - test://
          - udp://127.0.0.1:4952
          - https://user:pw@collector.example:8443/samples?timeout=3
";

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

fn load(dir: &Path, config: &str, policy: &str) -> Result<Plan, crate::Diagnostics> {
    write(dir, "nephometer.toml", config);
    let policies = [ConfigSource {
        path: dir.join("p.toml"),
        text: policy.to_owned(),
    }];
    Plan::resolve(
        &ConfigSource::read(&dir.join("nephometer.toml")).unwrap(),
        &policies,
    )
}

const CONFIG: &str = "\
[pipeline]
samples = \"pipeline.yaml\"

[publisher]
telemetry_secret = \"s3cret\"

[transformers.scale]
source = \"file:scale.wasm\"
tenant = \"acme\"
";

const POLICY: &str = "\
[defaults]
destinations = [\"udp://127.0.0.1:*\"]
[tenants.acme]
max_memory_mib = 16
[components.\"pipeline/cpu_sink/publisher/2\"]
destinations = [\"https://collector.example:8443/*\"]
";

#[test]
fn every_transformer_and_publisher_of_a_sink_becomes_a_component() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pipeline.yaml", PIPELINE);
    let plan = load(dir.path(), CONFIG, POLICY).unwrap();
    let names: Vec<&str> = plan.components.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "pipeline/cpu_sink/0/rate_of_change",
            "pipeline/cpu_sink/1/scale",
            "pipeline/cpu_sink/publisher/1",
            "pipeline/cpu_sink/publisher/2",
        ],
        "test:// needs no component"
    );
    let rate = plan
        .component("pipeline/cpu_sink/0/rate_of_change")
        .unwrap();
    assert_eq!(
        rate.source,
        ComponentSource::Builtin("transform-rate-of-change".into())
    );
    assert_eq!(
        rate.config["parameters"],
        json!({"target": {"name": "cpu_util", "unit": "%", "type": "gauge"}})
    );
    assert_eq!(
        rate.source_location.line, 6,
        "the sink's line in pipeline.yaml"
    );
    assert_eq!(rate.source_location.file, dir.path().join("pipeline.yaml"));

    let scale = plan.component("pipeline/cpu_sink/1/scale").unwrap();
    assert_eq!(
        scale.source,
        ComponentSource::File(dir.path().join("scale.wasm"))
    );
    assert_eq!(scale.tenant.as_deref(), Some("acme"));
    assert_eq!(scale.sandbox.max_memory_bytes, 16 << 20);

    let udp = plan.component("pipeline/cpu_sink/publisher/1").unwrap();
    assert_eq!(udp.source, ComponentSource::Builtin("publish-udp".into()));
    assert_eq!(udp.config["url"], json!("udp://127.0.0.1:4952"));
    assert_eq!(udp.config["telemetry_secret"], json!("s3cret"));
    assert_eq!(udp.sandbox.destinations, ["udp://127.0.0.1:*"]);
    let https = plan.component("pipeline/cpu_sink/publisher/2").unwrap();
    assert_eq!(
        https.source,
        ComponentSource::Builtin("publish-http".into())
    );
    assert_eq!(
        https.sandbox.destinations,
        ["https://collector.example:8443/*"]
    );

    assert_eq!(plan.pipelines.telemetry_secret, "s3cret");
    let files: Vec<&Path> = plan.pipelines.files().collect();
    assert_eq!(files, [dir.path().join("pipeline.yaml")]);
}

#[test]
fn without_a_publisher_table_the_secret_is_ceilometers_default() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pipeline.yaml", PIPELINE);
    let config = CONFIG.replace("[publisher]\ntelemetry_secret = \"s3cret\"\n", "");
    let plan = load(dir.path(), &config, POLICY).unwrap();
    assert_eq!(plan.pipelines.telemetry_secret, DEFAULT_TELEMETRY_SECRET);
}

#[test]
fn pipeline_file_errors_point_into_the_pipeline_file() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "pipeline.yaml",
        &PIPELINE.replace("sinks: [cpu_sink]", "sinks: [cpu_sinkk]"),
    );
    let text = load(dir.path(), CONFIG, POLICY).unwrap_err().to_string();
    let file = dir.path().join("pipeline.yaml");
    assert!(
        text.contains(&format!("{}:", file.display()))
            && text.contains("Dangling sink cpu_sinkk from source cpu_source"),
        "{text}"
    );
}

#[test]
fn an_unknown_transformer_is_refused_unless_configured() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pipeline.yaml", PIPELINE);
    let config = CONFIG.replace("[transformers.scale]", "[transformers.other]");
    let text = load(dir.path(), &config, POLICY).unwrap_err().to_string();
    assert!(text.contains("No transformer named scale loaded"), "{text}");
}

#[test]
fn a_missing_pipeline_file_is_located_in_the_config() {
    let dir = tempfile::tempdir().unwrap();
    let text = load(dir.path(), CONFIG, POLICY).unwrap_err().to_string();
    assert!(
        text.contains("nephometer.toml:2:11: pipeline: cannot read"),
        "{text}"
    );
}

#[test]
fn an_undefined_transformer_tenant_is_located() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pipeline.yaml", PIPELINE);
    let text = load(dir.path(), CONFIG, "[defaults]\n")
        .unwrap_err()
        .to_string();
    assert!(
        text.contains("transformers.scale.tenant: `acme` is not defined"),
        "{text}"
    );
}

#[test]
fn a_database_publisher_needs_a_database_connection_and_no_component() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "pipeline.yaml",
        &PIPELINE.replace("- test://", "- database://"),
    );
    let text = load(dir.path(), CONFIG, POLICY).unwrap_err().to_string();
    assert!(
        text.contains(
            "pipeline.yaml:6:1: sink cpu_sink: publisher database:// needs `[database] connection`"
        ),
        "{text}"
    );
    let config = format!("{CONFIG}[database]\nconnection = \"sqlite:///n.db\"\n");
    let plan = load(dir.path(), &config, POLICY).unwrap();
    assert_eq!(plan.pipelines.database.as_deref(), Some("sqlite:///n.db"));
    assert!(
        plan.component("pipeline/cpu_sink/publisher/0").is_none(),
        "the host stores; no component encodes"
    );
}

#[test]
fn built_in_pipelines_store_everything_and_are_not_watched() {
    let dir = tempfile::tempdir().unwrap();
    let plan = load(
        dir.path(),
        "[pipeline]\nsamples = \"builtin:pipeline.yaml\"\nevents = \"builtin:event_pipeline.yaml\"\n\
         [database]\nconnection = \"sqlite://\"\n",
        crate::DEFAULT_POLICY,
    )
    .expect("valid");
    let samples = plan.pipelines.samples.as_ref().expect("samples pipeline");
    assert_eq!(samples.path, Path::new("<embedded>/pipeline.yaml"));
    let sink = &samples.config.sinks[0];
    assert_eq!(sink.publishers, ["database://"]);
    let events = plan.pipelines.events.as_ref().expect("event pipeline");
    assert_eq!(events.config.sinks[0].publishers, ["database://"]);
    assert_eq!(
        plan.pipelines.files().count(),
        0,
        "nothing on disk to watch"
    );
}

#[test]
fn an_unknown_built_in_pipeline_is_located_and_lists_the_known_ones() {
    let dir = tempfile::tempdir().unwrap();
    let errors = load(
        dir.path(),
        "[pipeline]\nsamples = \"builtin:gnocchi.yaml\"\n",
        crate::DEFAULT_POLICY,
    )
    .expect_err("unknown")
    .to_string();
    assert!(
        errors.contains("nephometer.toml:2:11: pipeline: no built-in pipeline `gnocchi.yaml` (built-in: pipeline.yaml, event_pipeline.yaml)"),
        "{errors}"
    );
}
