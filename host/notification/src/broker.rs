//! Connecting to RabbitMQ and declaring the agent's queues, exchanges and
//! bindings.

use std::str::FromStr;
use std::time::Duration;

use lapin::options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::FieldTable;
use lapin::uri::AMQPUri;
use lapin::{Channel, Connection, ConnectionProperties, ExchangeKind};
use nepho_policy::NotificationConfig;

use crate::targets::QueueTarget;

/// How long connecting (TCP, AMQP handshake) may take.
pub(crate) const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Parses `amqp://` (or oslo's `rabbit://`) into lapin's URI; the password is
/// never part of the error.
pub fn parse_url(url: &str) -> Result<AMQPUri, String> {
    let amqp = match url.strip_prefix("rabbit://") {
        Some(rest) => format!("amqp://{rest}"),
        None => url.to_owned(),
    };
    let mut uri = AMQPUri::from_str(&amqp)
        .map_err(|e| format!("the broker URL is not a valid AMQP URI: {e}"))?;
    // As kombu reads oslo's transport URLs: `amqp://host/` is the default vhost.
    if uri.vhost.is_empty() {
        uri.vhost = "/".to_owned();
    }
    Ok(uri)
}

/// `host:port` of a URI, for messages.
pub fn authority(uri: &AMQPUri) -> String {
    format!("{}:{}", uri.authority.host, uri.authority.port)
}

/// Opens a connection named `name` (shown in the management UI).
pub async fn connect(uri: &AMQPUri, name: &str) -> Result<Connection, String> {
    let properties = ConnectionProperties::default().with_connection_name(name.to_owned().into());
    match tokio::time::timeout(
        CONNECT_TIMEOUT,
        Connection::connect_uri(uri.clone(), properties),
    )
    .await
    {
        Ok(Ok(connection)) => Ok(connection),
        Ok(Err(e)) => Err(format!("connecting to {}: {e}", authority(uri))),
        Err(_) => Err(format!(
            "connecting to {} took more than {}s",
            authority(uri),
            CONNECT_TIMEOUT.as_secs()
        )),
    }
}

/// Declares the control exchanges (topic), `target`'s queue and its bindings.
pub async fn declare_target(
    channel: &Channel,
    config: &NotificationConfig,
    target: &QueueTarget,
) -> Result<(), String> {
    for exchange in &config.exchanges {
        channel
            .exchange_declare(
                exchange.clone().into(),
                ExchangeKind::Topic,
                ExchangeDeclareOptions {
                    durable: config.durable_queues,
                    ..ExchangeDeclareOptions::default()
                },
                FieldTable::default(),
            )
            .await
            .map_err(|e| format!("declaring the topic exchange `{exchange}`: {e}"))?;
    }
    channel
        .queue_declare(
            target.queue.clone().into(),
            QueueDeclareOptions {
                durable: config.durable_queues,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .map_err(|e| format!("declaring the queue `{}`: {e}", target.queue))?;
    for exchange in &config.exchanges {
        channel
            .queue_bind(
                target.queue.clone().into(),
                exchange.clone().into(),
                target.queue.clone().into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .map_err(|e| {
                format!(
                    "binding the queue `{}` to the exchange `{exchange}`: {e}",
                    target.queue
                )
            })?;
    }
    Ok(())
}

/// Declares the dead-letter queue (always durable: what it holds waits for
/// an operator).
pub async fn declare_dead_letter(channel: &Channel, queue: &str) -> Result<(), String> {
    channel
        .queue_declare(
            queue.to_owned().into(),
            QueueDeclareOptions {
                durable: true,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .map(|_| ())
        .map_err(|e| format!("declaring the dead-letter queue `{queue}`: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rabbit_urls_are_read_as_amqp() {
        let uri = parse_url("rabbit://u:p@broker:5673/v").expect("valid");
        assert_eq!(authority(&uri), "broker:5673");
        assert_eq!(uri.vhost, "v");
        assert_eq!(uri.authority.userinfo.username, "u");
        assert_eq!(parse_url("amqp://g:g@h:5672/").expect("valid").vhost, "/");
        let error = parse_url("amqp://[").expect_err("invalid");
        assert!(error.contains("not a valid AMQP URI"), "{error}");
    }
}
