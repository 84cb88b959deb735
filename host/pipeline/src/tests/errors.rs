//! One test per pipeline error: exact message and line.

use super::one;
use crate::{ConfigError, parse_event_pipeline, parse_pipeline};

fn sample(text: &str) -> (usize, String) {
    one(parse_pipeline("pipeline.yaml", text))
}

fn event(text: &str) -> (usize, String) {
    one(parse_event_pipeline("event_pipeline.yaml", text))
}

const SINKS: &str = "sinks:\n    - name: meter_sink\n      publishers:\n          - gnocchi://\n";

#[test]
fn display_has_file_and_line() {
    let errors = parse_pipeline("/etc/ceilometer/pipeline.yaml", "sources: []\n").unwrap_err();
    assert_eq!(
        errors[0].to_string(),
        "/etc/ceilometer/pipeline.yaml:1: Both sources & sinks are required"
    );
    assert_eq!(
        errors,
        [ConfigError::new(
            "/etc/ceilometer/pipeline.yaml",
            1,
            "Both sources & sinks are required"
        )]
    );
}

#[test]
fn no_sources() {
    assert_eq!(
        sample(SINKS),
        (1, "Both sources & sinks are required".into())
    );
}

#[test]
fn no_sinks() {
    let text = "---\nsources:\n  - name: s\n    meters: ['*']\n    sinks: [meter_sink]\n";
    assert_eq!(
        sample(text),
        (1, "Both sources & sinks are required".into())
    );
}

#[test]
fn empty_file() {
    assert_eq!(sample(""), (1, "Both sources & sinks are required".into()));
}

#[test]
fn not_a_mapping() {
    assert_eq!(
        sample("- a\n- b\n"),
        (1, "Pipeline definition should be a mapping".into())
    );
}

#[test]
fn sources_not_a_list() {
    let text = format!("sources:\n{SINKS}").replacen("sinks:", "sinks:", 1);
    // `sources:` is null here.
    assert_eq!(sample(&text), (1, "Sources should be a list".into()));
}

#[test]
fn dangling_sink() {
    let text = format!(
        "sources:\n    - name: cpu_source\n      meters: [cpu]\n      sinks:\n          - meter_sink\n          - cpu_sinkk\n{SINKS}"
    );
    assert_eq!(
        sample(&text),
        (
            6,
            "source \"cpu_source\": Dangling sink cpu_sinkk from source cpu_source".into()
        )
    );
}

#[test]
fn duplicate_source_names() {
    let text = format!(
        "sources:\n    - name: a\n      meters: ['*']\n      sinks: [meter_sink]\n    - name: a\n      meters: ['*']\n      sinks: [meter_sink]\n{SINKS}"
    );
    assert_eq!(
        sample(&text),
        (5, "source \"a\": Duplicated source names: a".into())
    );
}

#[test]
fn duplicate_sink_names() {
    let text = format!(
        "sources:\n    - name: a\n      meters: ['*']\n      sinks: [meter_sink]\n{SINKS}    - name: meter_sink\n      publishers: [notifier://]\n"
    );
    assert_eq!(
        sample(&text),
        (
            9,
            "sink \"meter_sink\": Duplicated sink names: meter_sink".into()
        )
    );
}

#[test]
fn sink_without_publishers() {
    let text = "sources:\n  - name: a\n    meters: ['*']\n    sinks: [k]\nsinks:\n  - name: k\n    transformers:\n";
    assert_eq!(
        sample(text),
        (6, "sink \"k\": No publisher specified".into())
    );
}

#[test]
fn sink_with_empty_publishers() {
    let text = "sources:\n  - name: a\n    meters: ['*']\n    sinks: [k]\nsinks:\n  - name: k\n    publishers: []\n";
    assert_eq!(
        sample(text),
        (7, "sink \"k\": No publisher specified".into())
    );
}

#[test]
fn included_and_excluded_mixed() {
    let text = format!(
        "sources:\n    - name: a\n      meters:\n          - cpu\n          - '!disk.*'\n      sinks: [meter_sink]\n{SINKS}"
    );
    assert_eq!(
        sample(&text),
        (
            3,
            "source \"a\": Both included and excluded meters specified".into()
        )
    );
}

#[test]
fn wildcard_with_includes() {
    let text = format!(
        "sources:\n    - name: a\n      meters: ['*', cpu]\n      sinks: [meter_sink]\n{SINKS}"
    );
    assert_eq!(
        sample(&text),
        (
            3,
            "source \"a\": Included meters specified with wildcard".into()
        )
    );
}

#[test]
fn empty_meters() {
    let text =
        format!("sources:\n    - name: a\n      meters: []\n      sinks: [meter_sink]\n{SINKS}");
    assert_eq!(
        sample(&text),
        (3, "source \"a\": No meters specified".into())
    );
}

#[test]
fn missing_meters() {
    let text = format!("sources:\n    - name: a\n      sinks: [meter_sink]\n{SINKS}");
    assert_eq!(
        sample(&text),
        (2, "source \"a\": Missing meters value".into())
    );
}

#[test]
fn meters_not_a_list() {
    let text =
        format!("sources:\n    - name: a\n      meters: cpu\n      sinks: [meter_sink]\n{SINKS}");
    assert_eq!(
        sample(&text),
        (3, "source \"a\": Meters should be a list".into())
    );
}

#[test]
fn empty_meter_entry() {
    let text =
        format!("sources:\n    - name: a\n      meters: ['']\n      sinks: [meter_sink]\n{SINKS}");
    assert_eq!(
        sample(&text),
        (3, "source \"a\": Empty name in meters".into())
    );
}

#[test]
fn source_missing_name() {
    let text = format!("sources:\n    - meters: ['*']\n      sinks: [meter_sink]\n{SINKS}");
    assert_eq!(
        sample(&text),
        (2, "source #1: Required field name not specified".into())
    );
}

#[test]
fn sink_missing_name() {
    let text = format!(
        "sources:\n    - name: a\n      meters: ['*']\n      sinks: [meter_sink]\n{SINKS}    - publishers: [notifier://]\n"
    );
    assert_eq!(
        sample(&text),
        (9, "sink #2: Required field name not specified".into())
    );
}

#[test]
fn source_missing_sinks() {
    let text = format!("sources:\n    - name: a\n      meters: ['*']\n{SINKS}");
    assert_eq!(
        sample(&text),
        (2, "source \"a\": Required field sinks not specified".into())
    );
}

#[test]
fn source_with_empty_sinks() {
    let text = format!("sources:\n    - name: a\n      meters: ['*']\n      sinks: []\n{SINKS}");
    assert_eq!(
        sample(&text),
        (4, "source \"a\": No sink defined in source a".into())
    );
}

#[test]
fn duplicate_pipeline_name() {
    let text = format!(
        "sources:\n    - name: a\n      meters: ['*']\n      sinks:\n        - meter_sink\n        - meter_sink\n{SINKS}"
    );
    assert_eq!(
        sample(&text),
        (
            6,
            "source \"a\": Duplicate pipeline name: a:meter_sink. Ensure pipeline names are \
             unique. (name is the source and sink names combined)"
                .into()
        )
    );
}

#[test]
fn duplicate_pipeline_name_across_sources() {
    // "a:b" + "c" and "a" + "b:c" both give "a:b:c".
    let text = "sources:\n  - name: 'a:b'\n    meters: ['*']\n    sinks: [c]\n  - name: a\n    meters: ['*']\n    sinks: ['b:c']\nsinks:\n  - name: c\n    publishers: [x]\n  - name: 'b:c'\n    publishers: [x]\n";
    let (line, message) = sample(text);
    assert_eq!(line, 7);
    assert!(
        message.starts_with("source \"a\": Duplicate pipeline name: a:b:c."),
        "{message}"
    );
}

#[test]
fn unknown_transformer() {
    let text = format!(
        "sources:\n    - name: a\n      meters: ['*']\n      sinks: [meter_sink]\n{SINKS}      transformers:\n          - name: rate_of_chnage\n            parameters: {{}}\n"
    );
    assert_eq!(
        sample(&text),
        (
            10,
            "sink \"meter_sink\": No transformer named rate_of_chnage loaded".into()
        )
    );
}

#[test]
fn transformer_missing_parameters() {
    let text = format!(
        "sources:\n    - name: a\n      meters: ['*']\n      sinks: [meter_sink]\n{SINKS}      transformers:\n          - name: delta\n"
    );
    assert_eq!(
        sample(&text),
        (
            10,
            "sink \"meter_sink\": Required field parameters not specified in transformer delta"
                .into()
        )
    );
}

#[test]
fn event_sinks_have_no_transformers() {
    let text = "sources:\n  - name: e\n    events: ['*']\n    sinks: [k]\nsinks:\n  - name: k\n    transformers:\n      - name: delta\n        parameters:\n    publishers: [notifier://]\n";
    assert_eq!(
        event(text),
        (8, "sink \"k\": No transformer named delta loaded".into())
    );
}

#[test]
fn event_errors() {
    let base = "sources:\n  - name: e\n    EVENTS\n    sinks: [k]\nsinks:\n  - name: k\n    publishers: [notifier://]\n";
    assert_eq!(
        event(&base.replace("EVENTS", "")),
        (2, "source \"e\": No events specified".into())
    );
    assert_eq!(
        event(&base.replace("EVENTS", "events: [compute.*, '!compute.instance.exists']")),
        (
            3,
            "source \"e\": Both included and excluded events specified".into()
        )
    );
    assert_eq!(
        event(&base.replace("EVENTS", "events: ['*', image.*]")),
        (
            3,
            "source \"e\": Included events specified with wildcard".into()
        )
    );
    let ok = parse_event_pipeline(
        "e.yaml",
        &base.replace("EVENTS", "events: ['*', '!image.*']"),
    )
    .unwrap();
    assert!(!ok.sources[0].filter.matches("image.update"));
    assert!(ok.sources[0].filter.matches("compute.instance.update"));
}

#[test]
fn legacy_interval_validated() {
    let text = format!(
        "sources:\n    - name: a\n      interval: -600\n      meters: ['*']\n      sinks: [meter_sink]\n{SINKS}"
    );
    assert_eq!(
        sample(&text),
        (3, "source \"a\": Interval value should > 0".into())
    );
}

#[test]
fn all_errors_reported_in_line_order() {
    let text = "sources:\n  - name: a\n    meters: [cpu, '!disk']\n    sinks: [nope]\n  - meters: ['*']\n    sinks: [k]\nsinks:\n  - name: k\n";
    let errors = parse_pipeline("p.yaml", text).unwrap_err();
    let got: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        got,
        [
            "p.yaml:3: source \"a\": Both included and excluded meters specified",
            "p.yaml:4: source \"a\": Dangling sink nope from source a",
            "p.yaml:5: source #2: Required field name not specified",
            "p.yaml:8: sink \"k\": No publisher specified",
        ]
    );
}

#[test]
fn publisher_without_scheme_gets_one() {
    let text = "sources:\n  - name: a\n    meters: ['*']\n    sinks: [k]\nsinks:\n  - name: k\n    publishers: [notifier, 'udp://10.0.0.1:4952']\n";
    let cfg = parse_pipeline("p.yaml", text).unwrap();
    assert_eq!(
        cfg.sinks[0].publishers,
        ["notifier://", "udp://10.0.0.1:4952"]
    );
}

#[test]
fn same_source_and_sink_name_pipeline() {
    let text = "sources:\n  - name: x\n    meters: ['*']\n    sinks: [x]\nsinks:\n  - name: x\n    publishers: [test://]\n";
    let cfg = parse_pipeline("p.yaml", text).unwrap();
    assert_eq!(cfg.pipelines()[0].name, "x");
}

#[test]
fn flow_style_falls_back_to_name_search() {
    let text = "sources: [{name: a, meters: [cpu], sinks: [k]},\n          {name: b, meters: [], sinks: [k]}]\nsinks: [{name: k, publishers: [x]}]\n";
    assert_eq!(
        sample(text),
        (2, "source \"b\": No meters specified".into())
    );
}

#[test]
fn yaml_syntax_error() {
    let (line, message) = sample("sources:\n  - name: a\n    meters: [cpu\nsinks: []\n");
    assert!(line >= 3, "{line}");
    assert!(message.starts_with("Invalid YAML: "), "{message}");
}
