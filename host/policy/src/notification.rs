//! The `[notification]` table of the agent configuration: the notification
//! agent's RabbitMQ consumer (Ceilometer's `[notification]` and
//! `[oslo_messaging_notifications]` options, plus delivery settings).
//!
//! ```toml
//! [notification]
//! enabled = true                                   # default when the table is present
//! url = "amqp://guest:guest@127.0.0.1:5672/"       # transport_url (rabbit only)
//! topics = ["notifications"]                       # [oslo_messaging_notifications] topics
//! exchanges = ["nova", "glance", ...]              # notification_control_exchanges
//! priorities = ["info", "sample", "error"]         # the queues `<topic>.<priority>` consumed
//! durable_queues = false                           # oslo's amqp_durable_queues
//! prefetch = 256                                   # unacknowledged messages in flight
//! batch_size = 100                                 # messages per component call
//! batch_timeout_ms = 200                           # wait for a full batch at most this long
//! max_attempts = 3                                 # failures before a message is dead-lettered
//! dead_letter_queue = "nephometer.dead-letter"
//! meters = "meters"                                # meter-definitions component ("" = none)
//! events = "events"                                # event-definitions component ("" = none)
//! management_url = "http://127.0.0.1:15672"        # RabbitMQ management API, for `doctor`
//! ```

use serde::Deserialize;
use toml::Spanned;

use crate::diagnostic::{Diagnostic, Diagnostics, Location};
use crate::plan::ConfigSource;

/// Ceilometer's default `notification_control_exchanges`.
pub const DEFAULT_EXCHANGES: [&str; 14] = [
    "nova",
    "glance",
    "neutron",
    "cinder",
    "heat",
    "keystone",
    "trove",
    "zaqar",
    "swift",
    "ceilometer",
    "magnum",
    "dns",
    "ironic",
    "aodh",
];

/// The priorities Ceilometer's endpoints listen to (meters: info and sample;
/// events: info and error; `telemetry.polling`: sample).
pub const DEFAULT_PRIORITIES: [&str; 3] = ["info", "sample", "error"];

/// Every priority oslo.messaging knows.
pub const OSLO_PRIORITIES: [&str; 7] = [
    "audit", "debug", "info", "warn", "error", "critical", "sample",
];

/// The `[notification]` table as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawNotification {
    enabled: Option<bool>,
    url: Option<Spanned<String>>,
    topics: Option<Spanned<Vec<String>>>,
    exchanges: Option<Spanned<Vec<String>>>,
    priorities: Option<Spanned<Vec<String>>>,
    durable_queues: Option<bool>,
    prefetch: Option<Spanned<i64>>,
    batch_size: Option<Spanned<i64>>,
    batch_timeout_ms: Option<Spanned<i64>>,
    max_attempts: Option<Spanned<i64>>,
    dead_letter_queue: Option<Spanned<String>>,
    meters: Option<Spanned<String>>,
    events: Option<Spanned<String>>,
    management_url: Option<Spanned<String>>,
}

/// The notification agent's consumer, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct NotificationConfig {
    /// Whether `nephometer run` starts the consumer.
    pub enabled: bool,
    /// The broker, `amqp://user:password@host:port/vhost`.
    pub url: String,
    /// Notification topics (`notifications`).
    pub topics: Vec<String>,
    /// Control exchanges the queues are bound to.
    pub exchanges: Vec<String>,
    /// Priorities consumed: one queue `<topic>.<priority>` per topic and priority.
    pub priorities: Vec<String>,
    /// Declare exchanges and queues durable (oslo's `amqp_durable_queues`).
    pub durable_queues: bool,
    /// The channel's prefetch count.
    pub prefetch: u16,
    /// At most this many messages go into one component call.
    pub batch_size: usize,
    /// How long a partial batch waits for more messages, in milliseconds.
    pub batch_timeout_ms: u64,
    /// A message that fails this many times (alone, so not for an outage) is dead-lettered.
    pub max_attempts: u32,
    /// The queue poison messages go to.
    pub dead_letter_queue: String,
    /// The meter-definitions component, if meters are wanted.
    pub meters: Option<String>,
    /// The event-definitions component, if events are wanted.
    pub events: Option<String>,
    /// The RabbitMQ management API, for `nephometer doctor`.
    pub management_url: String,
}

impl Default for NotificationConfig {
    fn default() -> Self {
        NotificationConfig {
            enabled: true,
            url: "amqp://guest:guest@127.0.0.1:5672/".to_owned(),
            topics: vec!["notifications".to_owned()],
            exchanges: DEFAULT_EXCHANGES.iter().map(|s| (*s).to_owned()).collect(),
            priorities: DEFAULT_PRIORITIES.iter().map(|s| (*s).to_owned()).collect(),
            durable_queues: false,
            prefetch: 256,
            batch_size: 100,
            batch_timeout_ms: 200,
            max_attempts: 3,
            dead_letter_queue: "nephometer.dead-letter".to_owned(),
            meters: Some("meters".to_owned()),
            events: Some("events".to_owned()),
            management_url: "http://127.0.0.1:15672".to_owned(),
        }
    }
}

/// Whether `name` is usable as an AMQP exchange, topic or queue name.
pub(crate) fn amqp_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
}

/// Validates the table; `components` are the names of the configured components.
pub(crate) fn resolve(
    raw: &RawNotification,
    config: &ConfigSource,
    components: &[String],
    errors: &mut Diagnostics,
) -> NotificationConfig {
    let at = |span| Location::of_span(&config.path, &config.text, span);
    let mut out = NotificationConfig {
        enabled: raw.enabled.unwrap_or(true),
        durable_queues: raw.durable_queues.unwrap_or(false),
        ..NotificationConfig::default()
    };
    if let Some(url) = &raw.url {
        let text = url.get_ref();
        if text.starts_with("amqp://") || text.starts_with("rabbit://") {
            out.url = text.clone();
        } else {
            errors.push(Diagnostic::new(
                at(url.span()),
                format!(
                    "notification.url: `{text}` is not an amqp:// (or rabbit://) URL; only RabbitMQ is supported"
                ),
            ));
        }
    }
    let mut names = |field: &str,
                     value: &Option<Spanned<Vec<String>>>,
                     target: &mut Vec<String>| {
        let Some(value) = value else { return };
        if value.get_ref().is_empty() {
            errors.push(Diagnostic::new(
                at(value.span()),
                format!("notification.{field}: must name at least one"),
            ));
            return;
        }
        for name in value.get_ref() {
            if !amqp_name(name) {
                errors.push(Diagnostic::new(
                    at(value.span()),
                    format!(
                        "notification.{field}: `{name}` is not a usable AMQP name (letters, digits, `-`, `_`, `.`, `:`)"
                    ),
                ));
                return;
            }
        }
        let mut unique: Vec<String> = Vec::new();
        for name in value.get_ref() {
            if !unique.contains(name) {
                unique.push(name.clone());
            }
        }
        *target = unique;
    };
    names("topics", &raw.topics, &mut out.topics);
    names("exchanges", &raw.exchanges, &mut out.exchanges);
    names("priorities", &raw.priorities, &mut out.priorities);
    if let Some(priorities) = &raw.priorities {
        for p in priorities.get_ref() {
            if !OSLO_PRIORITIES.contains(&p.as_str()) {
                errors.push(Diagnostic::new(
                    at(priorities.span()),
                    format!(
                        "notification.priorities: `{p}` is not an oslo.messaging priority (one of {})",
                        OSLO_PRIORITIES.join(", ")
                    ),
                ));
            }
        }
    }
    let mut number = |field: &str, value: &Option<Spanned<i64>>, min: i64, max: i64| {
        let value = value.as_ref()?;
        let n = *value.get_ref();
        if (min..=max).contains(&n) {
            Some(n)
        } else {
            errors.push(Diagnostic::new(
                at(value.span()),
                format!("notification.{field} = {n} is out of range ({min} to {max})"),
            ));
            None
        }
    };
    if let Some(n) = number("prefetch", &raw.prefetch, 1, 65_535) {
        out.prefetch = n as u16;
    }
    if let Some(n) = number("batch_size", &raw.batch_size, 1, 10_000) {
        out.batch_size = n as usize;
    }
    if let Some(n) = number("batch_timeout_ms", &raw.batch_timeout_ms, 0, 600_000) {
        out.batch_timeout_ms = n as u64;
    }
    if let Some(n) = number("max_attempts", &raw.max_attempts, 1, 1_000) {
        out.max_attempts = n as u32;
    }
    if out.batch_size > usize::from(out.prefetch)
        && let Some(size) = &raw.batch_size
    {
        errors.push(Diagnostic::new(
            at(size.span()),
            format!(
                "notification.batch_size = {} exceeds prefetch = {}: a batch could never fill",
                out.batch_size, out.prefetch
            ),
        ));
    }
    if let Some(queue) = &raw.dead_letter_queue {
        if amqp_name(queue.get_ref()) {
            out.dead_letter_queue = queue.get_ref().clone();
        } else {
            errors.push(Diagnostic::new(
                at(queue.span()),
                format!(
                    "notification.dead_letter_queue: `{}` is not a usable AMQP queue name",
                    queue.get_ref()
                ),
            ));
        }
    }
    let mut component = |field: &str,
                         value: &Option<Spanned<String>>,
                         default: &str|
     -> Option<String> {
        let (name, span) = match value {
            Some(v) if v.get_ref().is_empty() => return None,
            Some(v) => (v.get_ref().as_str(), Some(v.span())),
            None => (default, None),
        };
        if components.iter().any(|c| c == name) {
            return Some(name.to_owned());
        }
        match span {
            Some(span) => {
                errors.push(Diagnostic::new(
                        at(span),
                        format!(
                            "notification.{field}: no component `{name}` is configured (add [components.{name}] or set {field} = \"\")"
                        ),
                    ));
                None
            }
            // The default component is simply not there: no such conversion.
            None => None,
        }
    };
    out.meters = component("meters", &raw.meters, "meters");
    out.events = component("events", &raw.events, "events");
    if let Some(url) = &raw.management_url {
        let text = url.get_ref();
        if text.starts_with("http://") || text.starts_with("https://") {
            out.management_url = text.trim_end_matches('/').to_owned();
        } else {
            errors.push(Diagnostic::new(
                at(url.span()),
                format!("notification.management_url: `{text}` is not an http(s):// URL"),
            ));
        }
    }
    out
}
