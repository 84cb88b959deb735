//! Where a sink's output goes: a publisher (a component that encodes, a
//! transport that delivers), or a capture that keeps it in memory (`test://`,
//! and every publisher during a replay).

use std::sync::{Arc, Mutex};

use nepho_publish::Transport;
use nepho_runtime::ComponentSet;
use nepho_runtime::bindings::{Delivery, EventBatch, PublishError, SampleBatch};

/// Why a publisher did not publish a batch.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("publisher {url} of sink {sink}: {reason}")]
pub struct PublishFailure {
    /// The sink.
    pub sink: String,
    /// The publisher URL, without credentials.
    pub url: String,
    /// What went wrong.
    pub reason: String,
}

impl PublishFailure {
    /// Several failures as one message, `; `-separated.
    pub fn joined(failures: &[PublishFailure]) -> String {
        failures
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// What a sink published to a capture.
#[derive(Debug, Clone, PartialEq)]
pub enum Captured {
    /// Samples, as Ceilometer sample dicts.
    Samples {
        /// The sink that published them.
        sink: String,
        /// The samples.
        samples: Vec<serde_json::Value>,
    },
    /// Events, as Ceilometer serialised events.
    Events {
        /// The sink that published them.
        sink: String,
        /// The events.
        events: Vec<serde_json::Value>,
    },
}

/// A batch as captured: kept as the batch, converted when taken.
enum Kept {
    Samples(String, SampleBatch),
    Events(String, EventBatch),
}

/// Batches published to captures, in order.
#[derive(Default)]
pub struct Capture {
    published: Mutex<Vec<Kept>>,
}

impl std::fmt::Debug for Capture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Capture").finish_non_exhaustive()
    }
}

impl Capture {
    /// Takes what was captured so far, as Ceilometer dicts.
    pub fn take(&self) -> Vec<Captured> {
        self.take_kept()
            .into_iter()
            .map(|kept| match kept {
                Kept::Samples(sink, batch) => Captured::Samples {
                    sink,
                    samples: batch.to_sample_dicts(),
                },
                Kept::Events(sink, batch) => Captured::Events {
                    sink,
                    events: batch.to_serialized(),
                },
            })
            .collect()
    }

    /// Takes the sample batches captured so far, as they were published
    /// (events are discarded): the cheap form, for benchmarks.
    pub fn take_sample_batches(&self) -> Vec<(String, SampleBatch)> {
        self.take_kept()
            .into_iter()
            .filter_map(|kept| match kept {
                Kept::Samples(sink, batch) => Some((sink, batch)),
                Kept::Events(..) => None,
            })
            .collect()
    }

    fn take_kept(&self) -> Vec<Kept> {
        std::mem::take(&mut *self.published.lock().unwrap_or_else(|p| p.into_inner()))
    }

    fn push(&self, kept: Kept) {
        self.published
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(kept);
    }
}

/// One publisher of a sink.
#[derive(Clone)]
pub(crate) enum Outlet {
    /// A publisher component and the transport for its URL.
    Publisher {
        /// The URL as written, for matching on reload.
        url: String,
        /// The URL without credentials, for messages.
        shown: String,
        /// The component that encodes.
        component: String,
        /// The transport that delivers.
        transport: Arc<dyn Transport>,
    },
    /// Kept in memory.
    Capture(Arc<Capture>),
    /// Stored by the host (`database://`).
    Database(Arc<crate::database::Database>),
}

impl Outlet {
    /// Publishes samples: encode in the component, deliver natively.
    pub(crate) fn samples(
        &self,
        set: &ComponentSet,
        sink: &str,
        batch: &SampleBatch,
    ) -> Result<(), PublishFailure> {
        match self {
            Outlet::Capture(capture) => {
                capture.push(Kept::Samples(sink.to_owned(), batch.clone()));
                Ok(())
            }
            Outlet::Publisher {
                component,
                transport,
                ..
            } => self.deliver(sink, transport, set.publish_samples(component, batch)),
            Outlet::Database(database) => database
                .samples(batch)
                .map_err(|reason| self.failure(sink, reason)),
        }
    }

    /// Publishes events.
    pub(crate) fn events(
        &self,
        set: &ComponentSet,
        sink: &str,
        batch: &EventBatch,
    ) -> Result<(), PublishFailure> {
        match self {
            Outlet::Capture(capture) => {
                capture.push(Kept::Events(sink.to_owned(), batch.clone()));
                Ok(())
            }
            Outlet::Publisher {
                component,
                transport,
                ..
            } => self.deliver(sink, transport, set.publish_events(component, batch)),
            Outlet::Database(database) => database
                .events(batch)
                .map_err(|reason| self.failure(sink, reason)),
        }
    }

    fn deliver(
        &self,
        sink: &str,
        transport: &Arc<dyn Transport>,
        encoded: Result<Result<Vec<Delivery>, PublishError>, nepho_runtime::CallError>,
    ) -> Result<(), PublishFailure> {
        let failure = |reason: String| self.failure(sink, reason);
        let deliveries = match encoded {
            Ok(Ok(deliveries)) => deliveries,
            Ok(Err(PublishError::Reject(why))) => {
                return Err(failure(format!("the batch cannot be encoded: {why}")));
            }
            Ok(Err(PublishError::Retry(why))) => {
                return Err(failure(format!("encoding failed, may pass later: {why}")));
            }
            Err(call) => return Err(failure(call.to_string())),
        };
        let deliveries: Vec<nepho_publish::Delivery> = deliveries
            .into_iter()
            .map(|d| nepho_publish::Delivery {
                content_type: d.content_type,
                headers: d.headers,
                body: d.body,
            })
            .collect();
        transport
            .deliver(&deliveries)
            .map_err(|error| failure(error.to_string()))
    }

    /// A failure of this publisher in `sink`.
    fn failure(&self, sink: &str, reason: String) -> PublishFailure {
        PublishFailure {
            sink: sink.to_owned(),
            url: self.shown().to_owned(),
            reason,
        }
    }

    /// The URL without credentials (`test://` for captures).
    pub(crate) fn shown(&self) -> &str {
        match self {
            Outlet::Publisher { shown, .. } => shown,
            Outlet::Capture(_) => "test://",
            Outlet::Database(_) => "database://",
        }
    }
}
