//! Tests of the `[database]` table: retention as Ceilometer's options, the
//! periodic expiry, and errors naming their field at file:line:column.

use std::path::PathBuf;
use std::time::Duration;

use crate::{ConfigSource, DEFAULT_EXPIRER_INTERVAL, Plan};

fn resolve(config: &str) -> Result<Plan, crate::Diagnostics> {
    Plan::resolve(
        &ConfigSource {
            path: PathBuf::from("d.toml"),
            text: config.to_owned(),
        },
        &[ConfigSource::embedded("p.toml", crate::DEFAULT_POLICY)],
    )
}

#[test]
fn without_ttls_everything_is_kept_and_the_expirer_runs_hourly() {
    let plan = resolve("[database]\nconnection = \"sqlite://\"\n").expect("valid");
    let db = plan.database.expect("configured");
    assert_eq!(db.connection, "sqlite://");
    assert_eq!(db.metering_time_to_live, None);
    assert_eq!(db.event_time_to_live, None);
    assert!(!db.expires());
    assert_eq!(db.expirer_interval, Some(DEFAULT_EXPIRER_INTERVAL));
}

#[test]
fn ttls_and_interval_are_read_and_minus_one_keeps_for_ever() {
    let plan = resolve(
        "[database]\nconnection = \"sqlite://\"\nmetering_time_to_live = 86400\n\
         event_time_to_live = -1\nexpirer_interval = 0\n",
    )
    .expect("valid");
    let db = plan.database.expect("configured");
    assert_eq!(db.metering_time_to_live, Some(Duration::from_secs(86400)));
    assert_eq!(db.event_time_to_live, None);
    assert!(db.expires());
    assert_eq!(db.expirer_interval, None, "0 turns the periodic expiry off");
}

#[test]
fn bad_values_name_their_field_and_position() {
    let errors = resolve(
        "[database]\nconnection = \"sqlite://\"\nmetering_time_to_live = 0\n\
         event_time_to_live = -5\nexpirer_interval = -2\n",
    )
    .expect_err("invalid")
    .to_string();
    assert!(
        errors.contains("d.toml:3:25: database.metering_time_to_live: 0 is neither"),
        "{errors}"
    );
    assert!(
        errors.contains("d.toml:4:22: database.event_time_to_live: -5"),
        "{errors}"
    );
    assert!(
        errors.contains("d.toml:5:20: database.expirer_interval: -2"),
        "{errors}"
    );
}

#[test]
fn an_unknown_key_is_refused() {
    let errors = resolve("[database]\nconnection = \"sqlite://\"\ntime_to_live = 5\n")
        .expect_err("invalid")
        .to_string();
    assert!(errors.contains("time_to_live"), "{errors}");
}
