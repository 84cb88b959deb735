//! `nephometer doctor`: what keeps notifications from being metered.
//!
//! With the RabbitMQ management API (when the plugin is enabled) every queue
//! and binding is seen. Without it, AMQP passive declares still count the
//! messages and consumers of queues whose names are known or guessed (the
//! configured `<topic>.<priority>` queues, `<exchange>_notifications.<priority>`
//! for every control exchange, `versioned_notifications.*` and the names
//! given with `--queue`), and the report says what could not be checked.

use std::time::Duration;

use lapin::options::{ExchangeDeclareOptions, QueueDeclareOptions};
use lapin::types::FieldTable;
use lapin::{Connection, ExchangeKind};
use nepho_policy::{NotificationConfig, OSLO_PRIORITIES};
use serde_json::Value;

use crate::broker;
use crate::targets::queues;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Notifications are being lost or not metered.
    Problem,
    /// Something to look at.
    Warning,
    /// Fine, for the record.
    Ok,
}

/// One thing the doctor found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// How bad it is.
    pub severity: Severity,
    /// What was found.
    pub message: String,
    /// What to change, if anything.
    pub fix: Option<String>,
}

/// Everything the doctor found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// How the broker was examined.
    pub method: String,
    /// The findings, worst first.
    pub findings: Vec<Finding>,
    /// What could not be checked, and why.
    pub unchecked: Vec<String>,
}

impl Report {
    /// Whether any finding is a problem.
    pub fn has_problems(&self) -> bool {
        self.findings
            .iter()
            .any(|f| f.severity == Severity::Problem)
    }

    /// The report as text for operators.
    pub fn render(&self) -> String {
        let mut out = format!("Examined the broker through {}.\n", self.method);
        for finding in &self.findings {
            let tag = match finding.severity {
                Severity::Problem => "PROBLEM",
                Severity::Warning => "warning",
                Severity::Ok => "ok",
            };
            out.push_str(&format!("{tag}: {}\n", finding.message));
            if let Some(fix) = &finding.fix {
                out.push_str(&format!("  fix: {fix}\n"));
            }
        }
        for line in &self.unchecked {
            out.push_str(&format!("not checked: {line}\n"));
        }
        out
    }
}

/// What is known of one queue.
#[derive(Debug, Clone, PartialEq, Eq)]
struct QueueState {
    name: String,
    messages: u64,
    consumers: u64,
    /// The exchanges it is bound to (known only through the management API).
    exchanges: Option<Vec<String>>,
}

/// Examines the broker of `config`; `extra_queues` are more queue names to look at.
pub fn diagnose(config: &NotificationConfig, extra_queues: &[String]) -> Result<Report, String> {
    let uri = broker::parse_url(&config.url)?;
    let user = uri.authority.userinfo.username.clone();
    let password = uri.authority.userinfo.password.clone();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the AMQP runtime: {e}"))?;
    match management(config, &uri.vhost, &user, &password) {
        Ok((mut queues, exchange_bindings)) => {
            // The management API's counts lag (statistics every few seconds):
            // the queues that matter are counted again over AMQP.
            runtime.block_on(recount(config, &uri, &mut queues))?;
            Ok(analyse(
                config,
                format!("the management API at {}", config.management_url),
                queues,
                Some(exchange_bindings),
                Vec::new(),
            ))
        }
        Err(why) => {
            let (queues, existing) = runtime.block_on(probe(config, &uri, extra_queues))?;
            let unchecked = vec![
                format!(
                    "queues other than the {} probed by name (the management API is unavailable: {why}; enable it with `rabbitmq-plugins enable rabbitmq_management` to see every queue)",
                    queues.len()
                ),
                "bindings: AMQP cannot list them; a configured exchange's bindings are checked only through the management API".to_owned(),
            ];
            let mut report = analyse(
                config,
                format!("AMQP at {} (passive declares)", broker::authority(&uri)),
                queues,
                None,
                unchecked,
            );
            for exchange in &config.exchanges {
                if !existing.contains(exchange) {
                    report.findings.push(Finding {
                        severity: Severity::Warning,
                        message: format!(
                            "exchange `{exchange}` does not exist: no service has sent a notification there and no agent is bound to it"
                        ),
                        fix: Some(format!(
                            "start the agent (it declares `{exchange}`), or drop `{exchange}` from [notification] exchanges if no such service runs"
                        )),
                    });
                }
            }
            report.findings.sort_by_key(|f| f.severity);
            Ok(report)
        }
    }
}

/// The queues of the vhost and, per configured exchange, the queues bound to it.
type Bindings = Vec<(String, Option<Vec<String>>)>;

fn management(
    config: &NotificationConfig,
    vhost: &str,
    user: &str,
    password: &str,
) -> Result<(Vec<QueueState>, Bindings), String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(5)))
        .build()
        .into();
    let authorization = format!("Basic {}", base64(format!("{user}:{password}").as_bytes()));
    let vhost = percent(vhost);
    let get = |path: &str| -> Result<Option<Value>, String> {
        let url = format!("{}/api/{path}", config.management_url);
        let mut response = agent
            .get(&url)
            .header("Authorization", authorization.as_str())
            .call()
            .map_err(|e| format!("{url}: {e}"))?;
        let status = response.status().as_u16();
        if status == 404 {
            return Ok(None);
        }
        if status != 200 {
            return Err(format!("{url} answered HTTP {status}"));
        }
        let text = response
            .body_mut()
            .read_to_string()
            .map_err(|e| format!("{url}: {e}"))?;
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| format!("{url}: not JSON: {e}"))
    };
    let list = get(&format!("queues/{vhost}"))?.unwrap_or(Value::Null);
    let bindings = get(&format!("bindings/{vhost}"))?.unwrap_or(Value::Null);
    let bound = |queue: &str| -> Vec<String> {
        bindings
            .as_array()
            .into_iter()
            .flatten()
            .filter(|b| b["destination"] == queue && b["destination_type"] == "queue")
            .filter_map(|b| b["source"].as_str().filter(|s| !s.is_empty()))
            .map(str::to_owned)
            .collect()
    };
    let queues = list
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|q| {
            let name = q["name"].as_str()?.to_owned();
            Some(QueueState {
                messages: q["messages"].as_u64().unwrap_or(0),
                consumers: q["consumers"].as_u64().unwrap_or(0),
                exchanges: Some(bound(&name)),
                name,
            })
        })
        .collect();
    let mut per_exchange = Vec::new();
    for exchange in &config.exchanges {
        let bound = get(&format!(
            "exchanges/{vhost}/{}/bindings/source",
            percent(exchange)
        ))?;
        let names = bound.map(|b| {
            b.as_array()
                .into_iter()
                .flatten()
                .filter_map(|b| b["destination"].as_str().map(str::to_owned))
                .collect()
        });
        per_exchange.push((exchange.clone(), names));
    }
    Ok((queues, per_exchange))
}

/// Passive declares of the known and guessed queue names and of the exchanges.
async fn probe(
    config: &NotificationConfig,
    uri: &lapin::uri::AMQPUri,
    extra: &[String],
) -> Result<(Vec<QueueState>, Vec<String>), String> {
    let connection = broker::connect(uri, "nephometer-doctor").await?;
    let mut names: Vec<String> = queues(config).into_iter().map(|t| t.queue).collect();
    let mut topics: Vec<String> = config
        .exchanges
        .iter()
        .map(|e| format!("{e}_notifications"))
        .collect();
    topics.push("versioned_notifications".into());
    topics.push("notifications".into());
    for topic in topics {
        for priority in OSLO_PRIORITIES {
            names.push(format!("{topic}.{priority}"));
        }
    }
    names.push(config.dead_letter_queue.clone());
    names.extend(extra.iter().cloned());
    let mut seen = Vec::new();
    let mut states = Vec::new();
    for name in names {
        if seen.contains(&name) {
            continue;
        }
        seen.push(name.clone());
        if let Some(state) = passive_queue(&connection, &name).await? {
            states.push(state);
        }
    }
    let mut existing = Vec::new();
    for exchange in &config.exchanges {
        let channel = connection
            .create_channel()
            .await
            .map_err(|e| format!("opening a channel: {e}"))?;
        let passive = ExchangeDeclareOptions {
            passive: true,
            ..ExchangeDeclareOptions::default()
        };
        if channel
            .exchange_declare(
                exchange.clone().into(),
                ExchangeKind::Topic,
                passive,
                FieldTable::default(),
            )
            .await
            .is_ok()
        {
            existing.push(exchange.clone());
            let _ = channel.close(200, "done".into()).await;
        }
    }
    let _ = connection.close(200, "done".into()).await;
    Ok((states, existing))
}

/// Current message and consumer counts of the notification-looking queues
/// and the dead-letter queue, by passive declares.
async fn recount(
    config: &NotificationConfig,
    uri: &lapin::uri::AMQPUri,
    queues: &mut [QueueState],
) -> Result<(), String> {
    let connection = broker::connect(uri, "nephometer-doctor").await?;
    for queue in queues.iter_mut() {
        if (notification_queue(&queue.name).is_some() || queue.name == config.dead_letter_queue)
            && let Some(current) = passive_queue(&connection, &queue.name).await?
        {
            queue.messages = current.messages;
            queue.consumers = current.consumers;
        }
    }
    let _ = connection.close(200, "done".into()).await;
    Ok(())
}

/// A queue's counts, or `None` when it does not exist (a failed passive
/// declare closes the channel, so each gets its own).
async fn passive_queue(connection: &Connection, name: &str) -> Result<Option<QueueState>, String> {
    let channel = connection
        .create_channel()
        .await
        .map_err(|e| format!("opening a channel: {e}"))?;
    let options = QueueDeclareOptions {
        passive: true,
        ..QueueDeclareOptions::default()
    };
    match channel
        .queue_declare(name.to_owned().into(), options, FieldTable::default())
        .await
    {
        Ok(queue) => {
            let _ = channel.close(200, "done".into()).await;
            Ok(Some(QueueState {
                name: name.to_owned(),
                messages: u64::from(queue.message_count()),
                consumers: u64::from(queue.consumer_count()),
                exchanges: None,
            }))
        }
        Err(_) => Ok(None),
    }
}

/// Whether `name` looks like a notification queue: `<topic>.<priority>`.
fn notification_queue(name: &str) -> Option<(&str, &str)> {
    let (topic, priority) = name.rsplit_once('.')?;
    (OSLO_PRIORITIES.contains(&priority) && !topic.is_empty()).then_some((topic, priority))
}

fn analyse(
    config: &NotificationConfig,
    method: String,
    queues: Vec<QueueState>,
    exchange_bindings: Option<Bindings>,
    unchecked: Vec<String>,
) -> Report {
    let mut findings = Vec::new();
    let consumed: Vec<String> = crate::targets::queues(config)
        .into_iter()
        .map(|t| t.queue)
        .collect();
    for queue in &queues {
        if queue.name == config.dead_letter_queue {
            if queue.messages > 0 {
                findings.push(Finding {
                    severity: Severity::Problem,
                    message: format!(
                        "{} message(s) dead-lettered in `{}` (poison notifications the agent could not decode or handle)",
                        queue.messages, queue.name
                    ),
                    fix: Some(format!(
                        "read them (header `{}` says why), fix the cause, then shovel them back or purge `{}`",
                        crate::REASON_HEADER, queue.name
                    )),
                });
            } else {
                findings.push(Finding {
                    severity: Severity::Ok,
                    message: format!("no message dead-lettered in `{}`", queue.name),
                    fix: None,
                });
            }
            continue;
        }
        let Some((topic, priority)) = notification_queue(&queue.name) else {
            continue;
        };
        let bound = queue
            .exchanges
            .as_ref()
            .filter(|e| !e.is_empty())
            .map(|e| format!(", bound to exchange(s) {}", quoted(e)))
            .unwrap_or_default();
        if consumed.contains(&queue.name) {
            if queue.consumers == 0 && queue.messages > 0 {
                findings.push(Finding {
                    severity: Severity::Warning,
                    message: format!(
                        "`{}` is one of the agent's queues and holds {} message(s) with no consumer{bound}",
                        queue.name, queue.messages
                    ),
                    fix: Some("start the notification agent (`nephometer run` with [notification] enabled)".into()),
                });
            } else {
                findings.push(Finding {
                    severity: Severity::Ok,
                    message: format!(
                        "`{}`: {} message(s), {} consumer(s){bound}",
                        queue.name, queue.messages, queue.consumers
                    ),
                    fix: None,
                });
            }
        } else if queue.consumers == 0 && queue.messages > 0 {
            let service = queue
                .exchanges
                .as_ref()
                .and_then(|e| e.first().cloned())
                .or_else(|| topic.strip_suffix("_notifications").map(str::to_owned))
                .unwrap_or_else(|| "the service".to_owned());
            let mut topics = config.topics.clone();
            topics.push(topic.to_owned());
            findings.push(Finding {
                severity: Severity::Problem,
                message: format!(
                    "`{}` holds {} notification(s) and has no consumer{bound}: a service publishes on topic `{topic}` (priority {priority}), which the agent does not consume, so they are never metered",
                    queue.name, queue.messages
                ),
                fix: Some(format!(
                    "set topics = {} in [notification], or fix {service}'s [oslo_messaging_notifications] topics = {}",
                    quoted(&topics),
                    config.topics.join(",")
                )),
            });
        }
    }
    if let Some(bindings) = exchange_bindings {
        for (exchange, bound) in bindings {
            match bound {
                None => findings.push(Finding {
                    severity: Severity::Warning,
                    message: format!(
                        "exchange `{exchange}` does not exist: no service has sent a notification there and no agent is bound to it"
                    ),
                    fix: Some(format!(
                        "start the agent (it declares `{exchange}`), or drop `{exchange}` from [notification] exchanges if no such service runs"
                    )),
                }),
                Some(names) if names.is_empty() => findings.push(Finding {
                    severity: Severity::Problem,
                    message: format!(
                        "exchange `{exchange}` has no bindings: notifications sent to it are dropped by the broker"
                    ),
                    fix: Some("start the notification agent, which binds its queues to every configured exchange".into()),
                }),
                Some(names) => {
                    let missing: Vec<String> = consumed
                        .iter()
                        .filter(|q| !names.contains(q))
                        .cloned()
                        .collect();
                    if !missing.is_empty() {
                        findings.push(Finding {
                            severity: Severity::Warning,
                            message: format!(
                                "exchange `{exchange}` is not bound to {}",
                                quoted(&missing)
                            ),
                            fix: Some("start the notification agent once with this configuration; it declares the bindings".into()),
                        });
                    }
                }
            }
        }
    }
    findings.sort_by_key(|f| f.severity);
    Report {
        method,
        findings,
        unchecked,
    }
}

fn quoted(names: &[String]) -> String {
    let inner: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    format!("[{}]", inner.join(", "))
}

/// Percent-encodes a path segment (the default vhost `/` is `%2F`).
fn percent(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Standard base64 with padding, for basic authentication.
fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue(name: &str, messages: u64, consumers: u64, exchanges: &[&str]) -> QueueState {
        QueueState {
            name: name.into(),
            messages,
            consumers,
            exchanges: Some(exchanges.iter().map(|s| (*s).to_owned()).collect()),
        }
    }

    #[test]
    fn an_unconsumed_topic_is_named_with_its_fix() {
        let config = NotificationConfig::default();
        let report = analyse(
            &config,
            "test".into(),
            vec![
                queue("notifications.info", 0, 1, &["nova", "glance"]),
                queue("glance_notifications.info", 42, 0, &["glance"]),
                queue("unrelated", 9, 0, &[]),
            ],
            None,
            Vec::new(),
        );
        let text = report.render();
        assert!(report.has_problems(), "{text}");
        assert!(
            text.contains("PROBLEM: `glance_notifications.info` holds 42 notification(s) and has no consumer, bound to exchange(s) [\"glance\"]"),
            "{text}"
        );
        assert!(
            text.contains("set topics = [\"notifications\", \"glance_notifications\"] in [notification], or fix glance's [oslo_messaging_notifications] topics = notifications"),
            "{text}"
        );
        assert!(!text.contains("unrelated"), "{text}");
    }

    #[test]
    fn unbound_exchanges_and_dead_letters_are_reported() {
        let config = NotificationConfig {
            exchanges: vec!["nova".into(), "heat".into(), "zaqar".into()],
            ..NotificationConfig::default()
        };
        let report = analyse(
            &config,
            "test".into(),
            vec![queue("nephometer.dead-letter", 3, 0, &[])],
            Some(vec![
                ("nova".into(), Some(vec!["notifications.info".into()])),
                ("heat".into(), Some(Vec::new())),
                ("zaqar".into(), None),
            ]),
            Vec::new(),
        );
        let text = report.render();
        assert!(
            text.contains("3 message(s) dead-lettered in `nephometer.dead-letter`"),
            "{text}"
        );
        assert!(
            text.contains("PROBLEM: exchange `heat` has no bindings"),
            "{text}"
        );
        assert!(
            text.contains("warning: exchange `zaqar` does not exist"),
            "{text}"
        );
        assert!(
            text.contains("exchange `nova` is not bound to [\"notifications.sample\", \"notifications.error\"]"),
            "{text}"
        );
    }

    #[test]
    fn base64_and_percent_encoding() {
        assert_eq!(base64(b"guest:guest"), "Z3Vlc3Q6Z3Vlc3Q=");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(percent("/"), "%2F");
    }
}
