//! One test per polling error: exact message and line.

use super::one;
use crate::parse_polling;

fn polling(text: &str) -> (usize, String) {
    one(parse_polling("polling.yaml", text))
}

fn with(fields: &str) -> String {
    format!("---\nsources:\n    - name: p\n{fields}")
}

#[test]
fn sources_required() {
    assert_eq!(polling("sinks: []\n"), (1, "sources required".into()));
    assert_eq!(polling(""), (1, "sources required".into()));
}

#[test]
fn missing_name() {
    let text = "sources:\n    - interval: 60\n      meters: ['*']\n";
    assert_eq!(
        polling(text),
        (2, "source #1: Required field name not specified".into())
    );
}

#[test]
fn missing_meters() {
    assert_eq!(
        polling(&with("      interval: 60\n")),
        (3, "source \"p\": Missing meters value".into())
    );
}

#[test]
fn missing_interval() {
    assert_eq!(
        polling(&with("      meters: ['*']\n")),
        (3, "source \"p\": Missing interval value".into())
    );
}

#[test]
fn invalid_interval() {
    assert_eq!(
        polling(&with("      meters: ['*']\n      interval: five\n")),
        (5, "source \"p\": Invalid interval value".into())
    );
    assert_eq!(
        polling(&with("      meters: ['*']\n      interval:\n")),
        (5, "source \"p\": Invalid interval value".into())
    );
}

#[test]
fn negative_or_zero_interval() {
    assert_eq!(
        polling(&with("      interval: -300\n      meters: ['*']\n")),
        (4, "source \"p\": Interval value should > 0".into())
    );
    assert_eq!(
        polling(&with("      interval: 0\n      meters: ['*']\n")),
        (4, "source \"p\": Interval value should > 0".into())
    );
}

#[test]
fn string_interval_accepted_as_python_int() {
    let cfg = parse_polling(
        "p.yaml",
        &with("      interval: '120'\n      meters: ['*']\n"),
    )
    .unwrap();
    assert_eq!(cfg.sources[0].interval, 120);
}

#[test]
fn resources_and_discovery_must_be_lists() {
    assert_eq!(
        polling(&with(
            "      interval: 60\n      meters: ['*']\n      resources: snmp://a\n"
        )),
        (6, "source \"p\": Resources should be a list".into())
    );
    assert_eq!(
        polling(&with(
            "      interval: 60\n      meters: ['*']\n      discovery: {a: 1}\n"
        )),
        (6, "source \"p\": Discovery should be a list".into())
    );
}

#[test]
fn resources_and_discovery_loaded() {
    let text = with(
        "      interval: 60\n      meters: ['hardware.*']\n      resources:\n        - snmp://10.0.0.1\n      discovery: []\n      group_id_coordination_expression: \"'g'\"\n",
    );
    let cfg = parse_polling("p.yaml", &text).unwrap();
    let s = &cfg.sources[0];
    assert_eq!(s.resources, ["snmp://10.0.0.1"]);
    assert!(s.discovery.is_empty());
    assert_eq!(s.group_id_coordination_expression.as_deref(), Some("'g'"));
    assert!(s.meters.matches("hardware.cpu.load.1min"));
}

#[test]
fn filter_errors() {
    assert_eq!(
        polling(&with("      interval: 60\n      meters: []\n")),
        (5, "source \"p\": No meters specified".into())
    );
    assert_eq!(
        polling(&with(
            "      interval: 60\n      meters: [cpu, '!memory.*']\n"
        )),
        (
            5,
            "source \"p\": Both included and excluded meters specified".into()
        )
    );
    assert_eq!(
        polling(&with("      interval: 60\n      meters: ['*', cpu]\n")),
        (
            5,
            "source \"p\": Included meters specified with wildcard".into()
        )
    );
}

#[test]
fn several_intervals_and_duplicate_names_allowed() {
    let text = "sources:\n  - name: a\n    interval: 60\n    meters: [cpu]\n  - name: a\n    interval: 300\n    meters: ['!cpu']\n";
    let cfg = parse_polling("p.yaml", text).unwrap();
    assert_eq!(cfg.intervals(), [60, 300]);
    assert_eq!(cfg.sources_for("cpu").count(), 1);
    assert_eq!(
        cfg.sources_for("memory.usage")
            .map(|s| s.interval)
            .collect::<Vec<_>>(),
        [300]
    );
    assert_eq!(cfg.sources[1].line, 5);
}
