//! The `[database]` table of the agent configuration: Ceilometer's
//! `[database]` options for metering and event storage.
//!
//! ```toml
//! [database]
//! connection = "sqlite:////var/lib/nephometer/metering.db"  # where database:// stores, and the API reads
//! metering_time_to_live = 2592000   # seconds samples are kept (-1, the default: for ever)
//! event_time_to_live = -1           # seconds events are kept (-1: for ever)
//! expirer_interval = 3600           # seconds between expiry runs in `nephometer run` (0: none)
//! ```

use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use crate::diagnostic::{Diagnostic, Diagnostics, Location};
use crate::plan::ConfigSource;

/// How often `nephometer run` expires old data when `expirer_interval` is not set.
pub const DEFAULT_EXPIRER_INTERVAL: Duration = Duration::from_secs(3600);

/// The `[database]` table as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDatabase {
    pub(crate) connection: Spanned<String>,
    metering_time_to_live: Option<Spanned<i64>>,
    event_time_to_live: Option<Spanned<i64>>,
    expirer_interval: Option<Spanned<i64>>,
}

/// The metering database and its retention, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseConfig {
    /// The database URL (`sqlite:///...`, `postgresql://...`).
    pub connection: String,
    /// How long samples are kept; `None` keeps them for ever
    /// (Ceilometer's `metering_time_to_live = -1`).
    pub metering_time_to_live: Option<Duration>,
    /// How long events are kept; `None` keeps them for ever.
    pub event_time_to_live: Option<Duration>,
    /// How often `nephometer run` removes expired data; `None` never (then
    /// `nephometer expirer`, from cron, does it).
    pub expirer_interval: Option<Duration>,
}

impl DatabaseConfig {
    /// Whether anything expires at all.
    pub fn expires(&self) -> bool {
        self.metering_time_to_live.is_some() || self.event_time_to_live.is_some()
    }
}

/// Validates the table.
pub(crate) fn resolve(
    raw: &RawDatabase,
    config: &ConfigSource,
    errors: &mut Diagnostics,
) -> DatabaseConfig {
    let at = |span| Location::of_span(&config.path, &config.text, span);
    let mut ttl = |field: &str, value: &Option<Spanned<i64>>| -> Option<Duration> {
        let value = value.as_ref()?;
        match *value.get_ref() {
            -1 => None,
            seconds if seconds > 0 => Some(Duration::from_secs(seconds.unsigned_abs())),
            other => {
                errors.push(Diagnostic::new(
                    at(value.span()),
                    format!(
                        "database.{field}: {other} is neither a number of seconds above 0 nor -1 (keep for ever)"
                    ),
                ));
                None
            }
        }
    };
    let metering_time_to_live = ttl("metering_time_to_live", &raw.metering_time_to_live);
    let event_time_to_live = ttl("event_time_to_live", &raw.event_time_to_live);
    let expirer_interval = match &raw.expirer_interval {
        None => Some(DEFAULT_EXPIRER_INTERVAL),
        Some(value) => match *value.get_ref() {
            0 => None,
            seconds if seconds > 0 => Some(Duration::from_secs(seconds.unsigned_abs())),
            other => {
                errors.push(Diagnostic::new(
                    at(value.span()),
                    format!(
                        "database.expirer_interval: {other} is not a number of seconds (0 turns the periodic expiry off)"
                    ),
                ));
                None
            }
        },
    };
    DatabaseConfig {
        connection: raw.connection.get_ref().clone(),
        metering_time_to_live,
        event_time_to_live,
        expirer_interval,
    }
}
