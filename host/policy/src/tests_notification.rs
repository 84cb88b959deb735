//! Tests of the `[notification]` table: defaults as Ceilometer's, every
//! setting read, and every error naming its field at file:line:column.

use std::path::PathBuf;

use crate::{ConfigSource, DEFAULT_EXCHANGES, NotificationConfig, Plan};

const COMPONENTS: &str = "[components.meters]\nsource = \"builtin:meter-definitions\"\n\
                          [components.events]\nsource = \"builtin:event-definitions\"\n";

fn resolve(config: &str) -> Result<Plan, crate::Diagnostics> {
    Plan::resolve(
        &ConfigSource {
            path: PathBuf::from("n.toml"),
            text: config.to_owned(),
        },
        &[ConfigSource::embedded("p.toml", crate::DEFAULT_POLICY)],
    )
}

#[test]
fn without_the_table_there_is_no_consumer() {
    let plan = resolve(COMPONENTS).expect("valid");
    assert_eq!(plan.notification, None);
}

#[test]
fn an_empty_table_takes_ceilometers_defaults() {
    let plan = resolve(&format!("{COMPONENTS}[notification]\n")).expect("valid");
    let n = plan.notification.expect("configured");
    assert_eq!(n, NotificationConfig::default());
    assert!(n.enabled);
    assert_eq!(n.topics, ["notifications"]);
    assert_eq!(n.exchanges, DEFAULT_EXCHANGES);
    assert_eq!(n.priorities, ["info", "sample", "error"]);
    assert!(!n.durable_queues, "oslo's amqp_durable_queues default");
    assert_eq!(n.meters.as_deref(), Some("meters"));
    assert_eq!(n.events.as_deref(), Some("events"));
}

#[test]
fn every_setting_is_read() {
    let config = format!(
        "{COMPONENTS}[notification]\nenabled = false\nurl = \"amqp://u:p@broker:5673/v\"\n\
         topics = [\"notifications\", \"glance_notifications\", \"notifications\"]\n\
         exchanges = [\"glance\"]\npriorities = [\"info\", \"warn\"]\ndurable_queues = true\n\
         prefetch = 50\nbatch_size = 10\nbatch_timeout_ms = 0\nmax_attempts = 7\n\
         dead_letter_queue = \"dlq.x\"\nmeters = \"meters\"\nevents = \"\"\n\
         management_url = \"http://broker:15672/\"\n"
    );
    let n = resolve(&config).expect("valid").notification.expect("set");
    assert!(!n.enabled);
    assert_eq!(n.url, "amqp://u:p@broker:5673/v");
    assert_eq!(
        n.topics,
        ["notifications", "glance_notifications"],
        "repeats dropped"
    );
    assert_eq!(n.exchanges, ["glance"]);
    assert_eq!(n.priorities, ["info", "warn"]);
    assert!(n.durable_queues);
    assert_eq!((n.prefetch, n.batch_size, n.batch_timeout_ms), (50, 10, 0));
    assert_eq!(n.max_attempts, 7);
    assert_eq!(n.dead_letter_queue, "dlq.x");
    assert_eq!(n.events, None, "\"\" turns events off");
    assert_eq!(n.management_url, "http://broker:15672");
}

#[test]
fn the_default_components_are_optional() {
    let plan = resolve("[notification]\n").expect("valid");
    let n = plan.notification.expect("set");
    assert_eq!((n.meters, n.events), (None, None));
}

#[test]
fn errors_name_the_field_and_place() {
    let config = "[notification]\nurl = \"http://x\"\ntopics = []\nexchanges = [\"a b\"]\n\
                  priorities = [\"loud\"]\nprefetch = 0\nbatch_size = 20000\nmax_attempts = 0\n\
                  meters = \"nope\"\nmanagement_url = \"x\"\nbogus = 1\n";
    let errors = resolve(config).expect_err("invalid").to_string();
    assert!(
        errors.contains("n.toml:11:1: unknown field `bogus`"),
        "{errors}"
    );
    let config = config.replace("bogus = 1\n", "");
    let errors = resolve(&config).expect_err("invalid").to_string();
    for expected in [
        "n.toml:2:7: notification.url: `http://x` is not an amqp://",
        "n.toml:3:10: notification.topics: must name at least one",
        "n.toml:4:13: notification.exchanges: `a b` is not a usable AMQP name",
        "n.toml:5:14: notification.priorities: `loud` is not an oslo.messaging priority",
        "n.toml:6:12: notification.prefetch = 0 is out of range (1 to 65535)",
        "n.toml:7:14: notification.batch_size = 20000 is out of range (1 to 10000)",
        "n.toml:8:16: notification.max_attempts = 0 is out of range",
        "n.toml:9:10: notification.meters: no component `nope` is configured",
        "n.toml:10:18: notification.management_url: `x` is not an http(s):// URL",
    ] {
        assert!(
            errors.contains(expected),
            "missing {expected:?} in:\n{errors}"
        );
    }
}

#[test]
fn a_batch_larger_than_the_prefetch_is_refused() {
    let errors = resolve("[notification]\nprefetch = 10\nbatch_size = 11\n")
        .expect_err("invalid")
        .to_string();
    assert!(
        errors.contains("n.toml:3:14: notification.batch_size = 11 exceeds prefetch = 10"),
        "{errors}"
    );
}
