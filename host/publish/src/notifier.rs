//! `notifier://[user:password@]host[:port][/vhost]?topic=..&policy=..&max_queue_length=..&max_retry=..`:
//! publishes each delivery to RabbitMQ the way oslo.messaging's rabbit driver sends a
//! notification, with publisher confirms, and applies Ceilometer's failure policies.

use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use lapin::options::{
    BasicPublishOptions, ConfirmSelectOptions, ExchangeDeclareOptions, QueueBindOptions,
    QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use lapin::uri::{AMQPAuthority, AMQPScheme, AMQPUri, AMQPUserInfo};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties, ExchangeKind};

use crate::{Delivery, DeliveryError, OpenError, PublisherUrl, Transport, options};

/// The delivery header that carries the AMQP routing key (oslo: `<topic>.<priority>`).
pub(crate) const ROUTING_KEY: &str = "routing-key";
/// How long connecting (TCP + AMQP handshake + channel setup) may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one publish may wait for the broker's confirm.
const CONFIRM_TIMEOUT: Duration = Duration::from_secs(30);
/// The first pause between retries; it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
/// The longest pause between retries.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// What to do with a batch the broker did not take (Ceilometer's `policy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Policy {
    /// Retry up to `max_retry` times, then return an error.
    Default,
    /// Keep failed batches in memory and send them before the next batch.
    Queue,
    /// Log and drop failed batches.
    Drop,
}

/// An open connection with a confirm-mode channel.
struct Link {
    connection: Connection,
    channel: Channel,
    /// Routing keys whose queue has been declared and bound on this connection.
    declared: HashSet<String>,
}

/// Mutable state, behind one lock so batches are published in order.
struct State {
    link: Option<Link>,
    /// Batches not yet (fully) delivered, oldest first; delivered messages are removed from the
    /// front of a batch so a retried batch is not published twice.
    queue: VecDeque<VecDeque<Delivery>>,
}

/// Publishes deliveries to a RabbitMQ exchange.
pub(crate) struct NotifierTransport {
    url: PublisherUrl,
    uri: AMQPUri,
    exchange: String,
    durable: bool,
    default_routing_key: String,
    policy: Policy,
    max_retry: u32,
    max_queue_length: usize,
    runtime: Option<tokio::runtime::Runtime>,
    state: Mutex<State>,
}

impl NotifierTransport {
    pub(crate) fn open(url: &PublisherUrl) -> Result<Self, OpenError> {
        let driver = options::text(url, "driver").unwrap_or("rabbit");
        if driver != "rabbit" {
            return Err(OpenError::option(
                url,
                "driver",
                format!("`{driver}` is not supported; only `rabbit` (RabbitMQ over AMQP 0-9-1) is"),
            ));
        }
        let policy = match options::text(url, "policy") {
            None | Some("default") => Policy::Default,
            Some("queue") => Policy::Queue,
            Some("drop") => Policy::Drop,
            Some(other) => {
                tracing::warn!(url = %url, policy = other, "unknown notifier publisher policy, using `default`");
                Policy::Default
            }
        };
        let max_retry = options::uint(url, "max_retry", 100)?;
        let max_retry = u32::try_from(max_retry)
            .map_err(|_| OpenError::option(url, "max_retry", "is too large"))?;
        let max_queue_length = options::uint(url, "max_queue_length", 1024)?;
        let max_queue_length = usize::try_from(max_queue_length)
            .map_err(|_| OpenError::option(url, "max_queue_length", "is too large"))?;
        let topic = options::text(url, "topic").unwrap_or("metering");
        let exchange = options::text(url, "exchange")
            .unwrap_or("ceilometer")
            .to_string();
        let durable = options::boolean(url, "amqp_durable_queues", false)?;
        let vhost = match url.path().strip_prefix('/') {
            None | Some("") => "/".to_string(),
            Some(vhost) => vhost.to_string(),
        };
        let host = if url.host().is_empty() {
            "127.0.0.1"
        } else {
            url.host()
        };
        let uri = AMQPUri {
            scheme: AMQPScheme::AMQP,
            authority: AMQPAuthority {
                userinfo: AMQPUserInfo {
                    username: url
                        .username()
                        .filter(|u| !u.is_empty())
                        .unwrap_or("guest")
                        .to_string(),
                    password: url
                        .password()
                        .unwrap_or(if url.username().is_some() {
                            ""
                        } else {
                            "guest"
                        })
                        .to_string(),
                },
                host: host.to_string(),
                port: url.port().unwrap_or(5672),
            },
            vhost,
            query: Default::default(),
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("nepho-publish-amqp")
            .enable_all()
            .build()
            .map_err(|e| OpenError::setup(url, format!("cannot start the AMQP runtime: {e}")))?;
        Ok(Self {
            url: url.clone(),
            uri,
            exchange,
            durable,
            default_routing_key: format!("{topic}.sample"),
            policy,
            max_retry,
            max_queue_length,
            runtime: Some(runtime),
            state: Mutex::new(State {
                link: None,
                queue: VecDeque::new(),
            }),
        })
    }

    /// Connects, opens a confirm-mode channel and declares the exchange.
    async fn connect(&self) -> Result<Link, String> {
        let properties = ConnectionProperties::default()
            .with_connection_name("nephometer-publisher".to_string().into());
        let connection = Connection::connect_uri(self.uri.clone(), properties)
            .await
            .map_err(|e| {
                format!(
                    "connecting to {}:{}: {e}",
                    self.uri.authority.host, self.uri.authority.port
                )
            })?;
        let channel = connection
            .create_channel()
            .await
            .map_err(|e| format!("opening a channel: {e}"))?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await
            .map_err(|e| format!("enabling publisher confirms: {e}"))?;
        channel
            .exchange_declare(
                self.exchange.clone().into(),
                ExchangeKind::Topic,
                ExchangeDeclareOptions {
                    durable: self.durable,
                    ..ExchangeDeclareOptions::default()
                },
                FieldTable::default(),
            )
            .await
            .map_err(|e| format!("declaring the topic exchange `{}`: {e}", self.exchange))?;
        Ok(Link {
            connection,
            channel,
            declared: HashSet::new(),
        })
    }

    /// Publishes one delivery on a live link, declaring its routing key's queue first.
    async fn publish(&self, link: &mut Link, delivery: &Delivery) -> Result<(), String> {
        let routing_key = options::header(&delivery.headers, ROUTING_KEY)
            .filter(|key| !key.is_empty())
            .unwrap_or(&self.default_routing_key)
            .to_string();
        if !link.declared.contains(&routing_key) {
            // oslo.messaging declares `<topic>.<priority>` so notifications are kept until a
            // consumer comes.
            link.channel
                .queue_declare(
                    routing_key.clone().into(),
                    QueueDeclareOptions {
                        durable: self.durable,
                        ..QueueDeclareOptions::default()
                    },
                    FieldTable::default(),
                )
                .await
                .map_err(|e| format!("declaring the queue `{routing_key}`: {e}"))?;
            link.channel
                .queue_bind(
                    routing_key.clone().into(),
                    self.exchange.clone().into(),
                    routing_key.clone().into(),
                    QueueBindOptions::default(),
                    FieldTable::default(),
                )
                .await
                .map_err(|e| format!("binding the queue `{routing_key}`: {e}"))?;
            link.declared.insert(routing_key.clone());
        }
        let content_type = if delivery.content_type.is_empty() {
            "application/json"
        } else {
            delivery.content_type.as_str()
        };
        let mut properties = BasicProperties::default()
            .with_content_type(content_type.to_string().into())
            .with_content_encoding("utf-8".into())
            .with_delivery_mode(2);
        let extra: Vec<&(String, String)> = delivery
            .headers
            .iter()
            .filter(|(name, _)| !name.eq_ignore_ascii_case(ROUTING_KEY))
            .collect();
        if !extra.is_empty() {
            let mut table = FieldTable::default();
            for (name, value) in extra {
                table.insert(
                    name.clone().into(),
                    AMQPValue::LongString(value.clone().into()),
                );
            }
            properties = properties.with_headers(table);
        }
        let confirm = link
            .channel
            .basic_publish(
                self.exchange.clone().into(),
                routing_key.clone().into(),
                BasicPublishOptions::default(),
                &delivery.body,
                properties,
            )
            .await
            .map_err(|e| {
                format!(
                    "publishing to `{}` with key `{routing_key}`: {e}",
                    self.exchange
                )
            })?;
        let confirmation = tokio::time::timeout(CONFIRM_TIMEOUT, confirm)
            .await
            .map_err(|_| format!("no publisher confirm within {}s", CONFIRM_TIMEOUT.as_secs()))?
            .map_err(|e| format!("waiting for the publisher confirm: {e}"))?;
        if confirmation.is_nack() {
            return Err(format!(
                "the broker refused (nack) the message with key `{routing_key}`"
            ));
        }
        Ok(())
    }

    /// One attempt: (re)connect if needed, then publish.
    async fn attempt(&self, link: &mut Option<Link>, delivery: &Delivery) -> Result<(), String> {
        let alive = link
            .as_ref()
            .is_some_and(|l| l.connection.status().connected() && l.channel.status().connected());
        if !alive {
            if let Some(old) = link.take() {
                let _ = tokio::time::timeout(
                    Duration::from_secs(1),
                    old.connection.close(320, "reconnecting".into()),
                )
                .await;
            }
            let fresh = tokio::time::timeout(CONNECT_TIMEOUT, self.connect())
                .await
                .map_err(|_| {
                    format!("connecting took more than {}s", CONNECT_TIMEOUT.as_secs())
                })??;
            *link = Some(fresh);
        }
        let Some(live) = link.as_mut() else {
            return Err("no connection".to_string());
        };
        let result = self.publish(live, delivery).await;
        if result.is_err() {
            // A failed channel or connection is not reused: the next attempt reconnects.
            if let Some(old) = link.take() {
                let _ = tokio::time::timeout(
                    Duration::from_secs(1),
                    old.connection.close(320, "publish failed".into()),
                )
                .await;
            }
        }
        result
    }

    /// Tries one delivery `1 + retries` times with growing pauses; the last error is returned.
    async fn send(&self, link: &mut Option<Link>, delivery: &Delivery) -> Result<(), String> {
        // Ceilometer passes retry=1 to the notifier for the queue and drop policies.
        let retries = match self.policy {
            Policy::Default => self.max_retry,
            Policy::Queue | Policy::Drop => 1,
        };
        let mut pause = FIRST_BACKOFF;
        let mut tries = 0;
        loop {
            match self.attempt(link, delivery).await {
                Ok(()) => return Ok(()),
                Err(error) if tries < retries => {
                    tries += 1;
                    tracing::debug!(url = %self.url, %error, tries, "AMQP publish failed, retrying");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(MAX_BACKOFF);
                }
                Err(error) => return Err(error),
            }
        }
    }

    fn flush(&self, state: &mut State) -> Result<(), DeliveryError> {
        let Some(runtime) = self.runtime.as_ref() else {
            return Err(DeliveryError::new(&self.url, "the transport is shut down"));
        };
        let State { link, queue } = state;
        let outcome = runtime.block_on(async {
            while let Some(batch) = queue.front_mut() {
                while let Some(delivery) = batch.front() {
                    self.send(link, delivery).await?;
                    batch.pop_front();
                }
                queue.pop_front();
            }
            Ok::<(), String>(())
        });
        let Err(error) = outcome else {
            return Ok(());
        };
        let pending: usize = queue.iter().map(VecDeque::len).sum();
        match self.policy {
            Policy::Default => {
                queue.clear();
                Err(DeliveryError::new(
                    &self.url,
                    format!(
                        "{error} (after {} retries; {pending} message(s) not delivered)",
                        self.max_retry
                    ),
                ))
            }
            Policy::Queue => {
                tracing::warn!(url = %self.url, %error, messages = pending, batches = queue.len(), "failed to publish, queueing the batches");
                if self.max_queue_length > 0 && queue.len() > self.max_queue_length {
                    let dropped = queue.len() - self.max_queue_length;
                    queue.drain(..dropped);
                    tracing::warn!(url = %self.url, dropped, max_queue_length = self.max_queue_length, "publisher queue is full, dropping the oldest batches");
                }
                Ok(())
            }
            Policy::Drop => {
                tracing::warn!(url = %self.url, %error, messages = pending, "failed to publish, dropping the batches");
                queue.clear();
                Ok(())
            }
        }
    }
}

impl Transport for NotifierTransport {
    fn deliver(&self, deliveries: &[Delivery]) -> Result<(), DeliveryError> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(DeliveryError::new(
                &self.url,
                "deliver() blocks and must not be called from an async runtime thread (use spawn_blocking)",
            ));
        }
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if !deliveries.is_empty() {
            state.queue.push_back(deliveries.iter().cloned().collect());
        }
        self.flush(&mut state)
    }
}

impl Drop for NotifierTransport {
    fn drop(&mut self) {
        let state = self
            .state
            .get_mut()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let pending: usize = state.queue.iter().map(VecDeque::len).sum();
        if pending > 0 {
            tracing::warn!(url = %self.url, messages = pending, "notifier publisher closed with undelivered queued messages");
        }
        let link = state.link.take();
        if let Some(runtime) = self.runtime.take() {
            if let Some(link) = link
                && tokio::runtime::Handle::try_current().is_err()
            {
                runtime.block_on(async {
                    let _ = tokio::time::timeout(
                        Duration::from_secs(2),
                        link.connection.close(200, "publisher closed".into()),
                    )
                    .await;
                });
            }
            runtime.shutdown_background();
        }
    }
}
