//! The consumer: one thread that receives notifications in batches, hands
//! them on and settles them, reconnecting with backoff when the broker goes
//! away.
//!
//! At least once: a batch is acknowledged (`multiple`, per channel) only after
//! every publisher took what it produced. A failed batch is retried message
//! by message; a message that fails alone while others pass (or on a
//! component error, or having failed so before) is republished to its queue
//! with an attempt count (`x-nephometer-attempts`) and, after `max_attempts`,
//! moved to the dead-letter queue. When every message fails on publishing (a
//! downstream outage) nothing is counted: the messages are requeued and the
//! consumer backs off. Undecodable messages and forged
//! `telemetry.polling` samples are dead-lettered at once. Nothing is ever
//! acknowledged before it is handed on or dead-lettered with a publisher
//! confirm, so a crash or a broker restart only causes redeliveries.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use futures_lite::StreamExt;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicNackOptions, BasicPublishOptions, BasicQosOptions,
    ConfirmSelectOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use lapin::uri::AMQPUri;
use lapin::{BasicProperties, Channel, Connection};
use nepho_flow::Agent;
use nepho_policy::NotificationConfig;
use tokio::runtime::Runtime;
use tokio::sync::mpsc;

use crate::broker;
use crate::envelope::{Decoded, decode};
use crate::process::{Converted, HandleError, Handler, Work};
use crate::stats::Stats;
use crate::targets::{QueueTarget, queues};

/// The header that counts a message's failed attempts.
pub const ATTEMPTS_HEADER: &str = "x-nephometer-attempts";
/// The header that says why a message was dead-lettered.
pub const REASON_HEADER: &str = "x-nephometer-reason";
/// The header naming the queue a dead-lettered message came from.
pub const QUEUE_HEADER: &str = "x-nephometer-queue";
/// The header naming the exchange a dead-lettered message was first published to.
pub const EXCHANGE_HEADER: &str = "x-nephometer-exchange";

const FIRST_BACKOFF: Duration = Duration::from_millis(200);
const MAX_BACKOFF: Duration = Duration::from_secs(30);
const CONFIRM_TIMEOUT: Duration = Duration::from_secs(30);
/// How often a waiting consumer looks at its stop flag.
const STOP_POLL: Duration = Duration::from_millis(100);

/// A running notification consumer. Dropping it stops it.
pub struct Consumer {
    stop: Arc<AtomicBool>,
    stats: Arc<Stats>,
    thread: Option<JoinHandle<()>>,
}

impl Consumer {
    /// Starts consuming as `config` says, handing notifications to `agent`.
    /// Fails only on a broker URL that cannot be used; connection trouble is
    /// logged and retried with backoff.
    pub fn start(config: NotificationConfig, agent: Arc<Agent>) -> Result<Consumer, String> {
        let uri = broker::parse_url(&config.url)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("nepho-notification-amqp")
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the AMQP runtime: {e}"))?;
        let stop = Arc::new(AtomicBool::new(false));
        let stats = Arc::new(Stats::default());
        let handler = Handler::new(agent, config.meters.clone(), config.events.clone());
        let worker = Worker {
            config,
            uri,
            runtime,
            handler,
            stop: Arc::clone(&stop),
            stats: Arc::clone(&stats),
            outage_backoff: std::sync::Mutex::new(FIRST_BACKOFF),
        };
        let thread = std::thread::Builder::new()
            .name("nepho-notification".into())
            .spawn(move || worker.run())
            .map_err(|e| format!("cannot start the consumer thread: {e}"))?;
        Ok(Consumer {
            stop,
            stats,
            thread: Some(thread),
        })
    }

    /// What it has done so far.
    pub fn stats(&self) -> &Arc<Stats> {
        &self.stats
    }

    /// Stops consuming: the batch in hand is finished and settled, then the
    /// connection closes (unacknowledged prefetched messages return to their
    /// queues).
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("The notification consumer thread panicked.");
        }
    }
}

impl Drop for Consumer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// A delivery, with the index of the queue (and channel) it came from.
struct Received {
    queue: usize,
    delivery: lapin::message::Delivery,
}

/// What the consumer tasks send to the worker.
#[allow(
    clippy::large_enum_variant,
    reason = "one per message either way; boxing would add an allocation per message"
)]
enum Event {
    Delivery(Received),
    /// A consumer stream ended or failed: the session is over.
    Lost(String),
}

/// A connection with one consuming channel per queue and a confirm channel.
struct Session {
    connection: Connection,
    outbox: Outbox,
    events: mpsc::UnboundedReceiver<Event>,
}

/// What settling messages needs: the confirm channel and the queues.
struct Outbox {
    confirm: Channel,
    targets: Vec<QueueTarget>,
}

/// A batch converted and waiting to be published and settled.
struct Prepared {
    items: Vec<Item>,
    converted: Result<Converted, HandleError>,
}

/// A received message, decoded.
struct Item {
    received: Received,
    decoded: Decoded,
    /// Verified samples of a `telemetry.polling` notification.
    polled: Option<Vec<nepho_runtime::OwnedSample>>,
}

impl Item {
    fn work(&self) -> Work<'_> {
        match &self.polled {
            Some(samples) => Work::Polled(samples),
            None => Work::Notification(&self.decoded),
        }
    }
}

struct Worker {
    config: NotificationConfig,
    uri: AMQPUri,
    runtime: Runtime,
    handler: Handler,
    stop: Arc<AtomicBool>,
    stats: Arc<Stats>,
    outage_backoff: std::sync::Mutex<Duration>,
}

impl Worker {
    fn stopping(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Sleeps `pause`, waking early when stopped.
    fn pause(&self, pause: Duration) {
        let until = Instant::now() + pause;
        while !self.stopping() && Instant::now() < until {
            std::thread::sleep(STOP_POLL.min(until.saturating_duration_since(Instant::now())));
        }
    }

    fn run(self) {
        let mut backoff = FIRST_BACKOFF;
        while !self.stopping() {
            match self.runtime.block_on(self.open()) {
                Ok(mut session) => {
                    Stats::add(&self.stats.connections, 1);
                    backoff = FIRST_BACKOFF;
                    tracing::info!(
                        broker = %broker::authority(&self.uri),
                        queues = ?session.outbox.targets.iter().map(|t| t.queue.as_str()).collect::<Vec<_>>(),
                        exchanges = ?self.config.exchanges,
                        "Consuming notifications."
                    );
                    let outcome = self.serve(&mut session);
                    let connection = session.connection;
                    let _ = self.runtime.block_on(async {
                        tokio::time::timeout(
                            Duration::from_secs(2),
                            connection.close(200, "nephometer stopping".into()),
                        )
                        .await
                    });
                    match outcome {
                        Ok(()) => return,
                        Err(error) => {
                            tracing::warn!(
                                "Notification consumer lost the broker ({error}); reconnecting."
                            );
                        }
                    }
                }
                Err(error) => tracing::warn!(
                    "Notification consumer cannot start ({error}); retrying in {} ms.",
                    backoff.as_millis()
                ),
            }
            self.pause(backoff);
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }

    /// Connects, declares everything and starts one consumer per queue.
    async fn open(&self) -> Result<Session, String> {
        let connection = broker::connect(&self.uri, "nephometer-notification-agent").await?;
        let confirm = connection
            .create_channel()
            .await
            .map_err(|e| format!("opening a channel: {e}"))?;
        confirm
            .confirm_select(ConfirmSelectOptions::default())
            .await
            .map_err(|e| format!("enabling publisher confirms: {e}"))?;
        broker::declare_dead_letter(&confirm, &self.config.dead_letter_queue).await?;
        let targets = queues(&self.config);
        let (sender, events) = mpsc::unbounded_channel();
        for (index, target) in targets.iter().enumerate() {
            broker::declare_target(&confirm, &self.config, target).await?;
            let channel = connection
                .create_channel()
                .await
                .map_err(|e| format!("opening a channel: {e}"))?;
            channel
                .basic_qos(self.config.prefetch, BasicQosOptions::default())
                .await
                .map_err(|e| format!("setting the prefetch count: {e}"))?;
            let mut consumer = channel
                .basic_consume(
                    target.queue.clone().into(),
                    format!("nephometer-{}-{}", std::process::id(), target.queue).into(),
                    BasicConsumeOptions::default(),
                    FieldTable::default(),
                )
                .await
                .map_err(|e| format!("consuming from `{}`: {e}", target.queue))?;
            let sender = sender.clone();
            let queue = target.queue.clone();
            tokio::spawn(async move {
                // The channel must live as long as its consumer.
                let _channel = channel;
                loop {
                    let event = match consumer.next().await {
                        Some(Ok(delivery)) => Event::Delivery(Received {
                            queue: index,
                            delivery,
                        }),
                        Some(Err(e)) => Event::Lost(format!("consumer of `{queue}`: {e}")),
                        None => Event::Lost(format!("the consumer of `{queue}` was cancelled")),
                    };
                    let lost = matches!(event, Event::Lost(_));
                    if sender.send(event).is_err() || lost {
                        return;
                    }
                }
            });
        }
        Ok(Session {
            connection,
            outbox: Outbox { confirm, targets },
            events,
        })
    }

    /// Receives, handles and settles batches until stopped (`Ok`) or the
    /// session breaks (`Err`). Two stages overlap: while one batch is
    /// published and settled on a second thread, the next is received,
    /// decoded and converted. Publishing keeps the batches' order.
    fn serve(&self, session: &mut Session) -> Result<(), String> {
        let size = self.config.batch_size;
        let wait = Duration::from_millis(self.config.batch_timeout_ms);
        let mut pending: Option<Prepared> = None;
        loop {
            let Session { outbox, events, .. } = &mut *session;
            let outbox: &Outbox = outbox;
            let (next, finished) = std::thread::scope(|scope| {
                let publishing = pending.take().map(|prepared| {
                    std::thread::Builder::new()
                        .name("nepho-notification-publish".into())
                        .spawn_scoped(scope, move || self.finish(outbox, prepared))
                });
                let next = self
                    .runtime
                    .block_on(next_batch(events, size, wait, &self.stop))
                    .and_then(|batch| {
                        if batch.is_empty() {
                            Ok(None)
                        } else {
                            self.prepare(outbox, batch).map(Some)
                        }
                    });
                let finished = match publishing {
                    None => Ok(()),
                    Some(Ok(thread)) => thread
                        .join()
                        .unwrap_or_else(|_| Err("the publishing thread panicked".into())),
                    Some(Err(e)) => Err(format!("cannot start the publishing thread: {e}")),
                };
                (next, finished)
            });
            finished?;
            match next? {
                // Stopped: what was pending is settled.
                None => return Ok(()),
                Some(prepared) => pending = prepared,
            }
        }
    }

    /// Decodes and checks a batch (dead-lettering what cannot be read) and
    /// converts the rest; `None` when nothing is left.
    fn prepare(&self, outbox: &Outbox, batch: Vec<Received>) -> Result<Option<Prepared>, String> {
        Stats::add(&self.stats.received, batch.len());
        let mut items = Vec::with_capacity(batch.len());
        for received in batch {
            let routing_priority = received
                .delivery
                .routing_key
                .as_str()
                .rsplit('.')
                .next()
                .unwrap_or("info")
                .to_owned();
            let checked = decode(&received.delivery.data, &routing_priority)
                .map_err(|e| e.to_string())
                .and_then(|decoded| {
                    self.handler
                        .check(&decoded)
                        .map(|polled| (decoded, polled))
                        .map_err(|e| e.to_string())
                });
            match checked {
                Ok((decoded, polled)) => items.push(Item {
                    received,
                    decoded,
                    polled,
                }),
                Err(error) => self.dead_letter(outbox, &received, &error)?,
            }
        }
        if items.is_empty() {
            return Ok(None);
        }
        Stats::add(&self.stats.batches, 1);
        let converted = {
            let work: Vec<Work<'_>> = items.iter().map(Item::work).collect();
            self.handler.convert(&work)
        };
        Ok(Some(Prepared { items, converted }))
    }

    /// Publishes a converted batch and settles every message of it.
    fn finish(&self, outbox: &Outbox, prepared: Prepared) -> Result<(), String> {
        let Prepared { items, converted } = prepared;
        let outcome = converted.and_then(|converted| self.handler.publish(&converted));
        match outcome {
            Ok(_) => {
                *self
                    .outage_backoff
                    .lock()
                    .unwrap_or_else(|p| p.into_inner()) = FIRST_BACKOFF;
                self.ack_all(&items)
            }
            Err(error) => self.recover(outbox, items, error),
        }
    }

    /// Acknowledges handled messages: per channel, the last one with `multiple`.
    fn ack_all(&self, items: &[Item]) -> Result<(), String> {
        let mut last: Vec<Option<&lapin::message::Delivery>> = Vec::new();
        for item in items {
            let queue = item.received.queue;
            if last.len() <= queue {
                last.resize(queue + 1, None);
            }
            last[queue] = Some(&item.received.delivery);
        }
        self.runtime.block_on(async {
            for delivery in last.into_iter().flatten() {
                delivery
                    .acker
                    .ack(BasicAckOptions { multiple: true })
                    .await
                    .map_err(|e| format!("acknowledging: {e}"))?;
            }
            Ok::<(), String>(())
        })?;
        Stats::add(&self.stats.acked, items.len());
        Ok(())
    }

    /// A failed batch: retried message by message to find the poison.
    fn recover(&self, outbox: &Outbox, items: Vec<Item>, error: HandleError) -> Result<(), String> {
        let mut failed: Vec<(Item, HandleError)> = Vec::new();
        let mut passed = 0usize;
        if items.len() == 1 {
            failed.extend(items.into_iter().map(|item| (item, error.clone())));
        } else {
            tracing::warn!(
                "A batch of {} notifications failed ({error}); retrying them one by one.",
                items.len()
            );
            for item in items {
                let result = self.handler.handle(&[item.work()]);
                match result {
                    Ok(_) => {
                        self.ack_all(std::slice::from_ref(&item))?;
                        passed += 1;
                    }
                    Err(e) => failed.push((item, e)),
                }
            }
        }
        if failed.is_empty() {
            return Ok(());
        }
        // Every message failing to publish, none of them known to fail alone
        // before: the publishers are down, not the messages bad.
        let outage = passed == 0
            && failed.iter().all(|(item, e)| {
                matches!(e, HandleError::Publish(_))
                    && attempts(&item.received.delivery.properties) == 0
            });
        if outage {
            let pause = *self
                .outage_backoff
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            tracing::warn!(
                "Publishing failed for every message ({}); requeueing {} and pausing {} ms.",
                failed[0].1,
                failed.len(),
                pause.as_millis()
            );
            self.runtime.block_on(async {
                for (item, _) in &failed {
                    item.received
                        .delivery
                        .acker
                        .nack(BasicNackOptions {
                            multiple: false,
                            requeue: true,
                        })
                        .await
                        .map_err(|e| format!("requeueing: {e}"))?;
                }
                Ok::<(), String>(())
            })?;
            Stats::add(&self.stats.requeued, failed.len());
            *self
                .outage_backoff
                .lock()
                .unwrap_or_else(|p| p.into_inner()) = (pause * 2).min(MAX_BACKOFF);
            self.pause(pause);
            return Ok(());
        }
        for (item, error) in failed {
            self.count_attempt(outbox, &item.received, &error)?;
        }
        Ok(())
    }

    /// Republishes a message that failed with one more attempt counted, or
    /// dead-letters it after `max_attempts`.
    fn count_attempt(
        &self,
        outbox: &Outbox,
        received: &Received,
        error: &HandleError,
    ) -> Result<(), String> {
        let attempts = attempts(&received.delivery.properties) + 1;
        if attempts >= self.config.max_attempts {
            return self.dead_letter(
                outbox,
                received,
                &format!("failed {attempts} times, last: {error}"),
            );
        }
        let queue = outbox.targets[received.queue].queue.clone();
        tracing::warn!(
            "A notification from `{queue}` failed (attempt {attempts} of {}): {error}",
            self.config.max_attempts
        );
        let mut headers = headers_of(&received.delivery.properties);
        headers.insert(
            ATTEMPTS_HEADER.into(),
            AMQPValue::LongLongInt(attempts.into()),
        );
        let properties = received.delivery.properties.clone().with_headers(headers);
        self.republish(outbox, "", &queue, &received.delivery.data, properties)?;
        self.ack_one(received)?;
        Stats::add(&self.stats.requeued, 1);
        Ok(())
    }

    /// Moves a message to the dead-letter queue (confirmed), then acknowledges it.
    fn dead_letter(
        &self,
        outbox: &Outbox,
        received: &Received,
        reason: &str,
    ) -> Result<(), String> {
        let delivery = &received.delivery;
        let queue = &outbox.targets[received.queue].queue;
        let mut headers = headers_of(&delivery.properties);
        headers.insert(REASON_HEADER.into(), AMQPValue::LongString(reason.into()));
        headers.insert(
            QUEUE_HEADER.into(),
            AMQPValue::LongString(queue.as_str().into()),
        );
        headers.insert(
            EXCHANGE_HEADER.into(),
            AMQPValue::LongString(delivery.exchange.as_str().into()),
        );
        let properties = delivery
            .properties
            .clone()
            .with_headers(headers)
            .with_delivery_mode(2);
        let dead_letter_queue = self.config.dead_letter_queue.clone();
        self.republish(outbox, "", &dead_letter_queue, &delivery.data, properties)?;
        self.ack_one(received)?;
        Stats::add(&self.stats.dead_lettered, 1);
        tracing::error!(
            "Dead-lettered a message from queue `{queue}` (exchange `{}`, key `{}`) to `{dead_letter_queue}`: {reason} ({} dead-lettered since start)",
            delivery.exchange,
            delivery.routing_key,
            Stats::get(&self.stats.dead_lettered)
        );
        Ok(())
    }

    fn ack_one(&self, received: &Received) -> Result<(), String> {
        self.runtime
            .block_on(received.delivery.acker.ack(BasicAckOptions::default()))
            .map(|_| ())
            .map_err(|e| format!("acknowledging: {e}"))
    }

    /// Publishes with a publisher confirm.
    fn republish(
        &self,
        outbox: &Outbox,
        exchange: &str,
        routing_key: &str,
        body: &[u8],
        properties: BasicProperties,
    ) -> Result<(), String> {
        self.runtime.block_on(async {
            let confirm = outbox
                .confirm
                .basic_publish(
                    exchange.to_owned().into(),
                    routing_key.to_owned().into(),
                    BasicPublishOptions::default(),
                    body,
                    properties,
                )
                .await
                .map_err(|e| format!("publishing to `{routing_key}`: {e}"))?;
            let confirmation = tokio::time::timeout(CONFIRM_TIMEOUT, confirm)
                .await
                .map_err(|_| format!("no confirm from the broker for `{routing_key}`"))?
                .map_err(|e| format!("waiting for the confirm for `{routing_key}`: {e}"))?;
            if confirmation.is_nack() {
                return Err(format!(
                    "the broker refused the message for `{routing_key}`"
                ));
            }
            Ok(())
        })
    }
}

/// The attempt count a message carries.
fn attempts(properties: &BasicProperties) -> u32 {
    let Some(headers) = properties.headers() else {
        return 0;
    };
    match headers.inner().get(ATTEMPTS_HEADER) {
        Some(AMQPValue::LongLongInt(n)) => u32::try_from(*n).unwrap_or(0),
        Some(AMQPValue::LongInt(n)) => u32::try_from(*n).unwrap_or(0),
        Some(AMQPValue::LongUInt(n)) => *n,
        Some(AMQPValue::ShortInt(n)) => u32::try_from(*n).unwrap_or(0),
        _ => 0,
    }
}

fn headers_of(properties: &BasicProperties) -> FieldTable {
    properties.headers().clone().unwrap_or_default()
}

/// Waits for the first message (checking `stop`), then gathers up to `size`
/// within `wait`. An empty batch means stop.
async fn next_batch(
    events: &mut mpsc::UnboundedReceiver<Event>,
    size: usize,
    wait: Duration,
    stop: &AtomicBool,
) -> Result<Vec<Received>, String> {
    let mut batch = Vec::with_capacity(size);
    let first = loop {
        if stop.load(Ordering::SeqCst) {
            return Ok(batch);
        }
        match tokio::time::timeout(STOP_POLL, events.recv()).await {
            Ok(Some(event)) => break event,
            Ok(None) => return Err("every consumer ended".into()),
            Err(_) => {}
        }
    };
    let push = |event: Event, batch: &mut Vec<Received>| match event {
        Event::Delivery(received) => {
            batch.push(received);
            Ok(())
        }
        Event::Lost(reason) => Err(reason),
    };
    push(first, &mut batch)?;
    let deadline = tokio::time::Instant::now() + wait;
    while batch.len() < size {
        match events.try_recv() {
            Ok(event) => {
                push(event, &mut batch)?;
                continue;
            }
            Err(mpsc::error::TryRecvError::Disconnected) => break,
            Err(mpsc::error::TryRecvError::Empty) => {}
        }
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Some(event)) => push(event, &mut batch)?,
            Ok(None) | Err(_) => break,
        }
    }
    Ok(batch)
}
