//! Native delivery for Nephometer publishers.
//!
//! A sandboxed publisher component encodes a batch into [`Delivery`] values; this crate sends
//! them to the destination the operator named with a Ceilometer-style publisher URL. Connections,
//! credentials, retries and buffering stay here, on the host. [`open`] chooses the transport by
//! the URL's scheme:
//!
//! | scheme | transport |
//! |---|---|
//! | `file` | appends lines to a file, rotating like Python's `RotatingFileHandler` |
//! | `http`, `https` | one POST per delivery |
//! | `udp` | one datagram per delivery |
//! | `prometheus` | one POST per delivery to a Pushgateway |
//! | `notifier` | one AMQP message per delivery to RabbitMQ, with publisher confirms |
//! | `gnocchi` | Gnocchi's batch measures API, creating unknown resources |
//!
//! The API is blocking: call it from a worker thread. `docs/publishers.md` lists every option.

mod error;
mod file;
mod gnocchi;
mod http;
mod notifier;
mod options;
mod prometheus;
mod udp;
mod url;

pub use error::{DeliveryError, OpenError};
pub use url::{PublisherUrl, UrlError, redact_raw};

/// One encoded message, as a publisher component returns it (WIT record `delivery`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Delivery {
    /// MIME type of `body`, for example `application/json`.
    pub content_type: String,
    /// Extra protocol headers as pairs. Some transports read control headers from here
    /// (`routing-key`, `path-suffix`, `gnocchi-role`, `resource-type`); see `docs/publishers.md`.
    pub headers: Vec<(String, String)>,
    /// The encoded message.
    pub body: Vec<u8>,
}

impl Delivery {
    /// A delivery without headers.
    pub fn new(content_type: impl Into<String>, body: impl Into<Vec<u8>>) -> Self {
        Self {
            content_type: content_type.into(),
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// The same delivery with one more header.
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// A destination that deliveries are sent to. Implementations are thread-safe and blocking.
pub trait Transport: Send + Sync {
    /// Delivers one batch of deliveries, in order.
    ///
    /// A transport that buffers failed batches (the notifier with `policy=queue`) sends them
    /// first; `deliver(&[])` only retries what is buffered.
    ///
    /// Returns an error when the batch could not be delivered and Ceilometer would have raised;
    /// failures Ceilometer only logs are logged with `tracing` and return `Ok`.
    fn deliver(&self, deliveries: &[Delivery]) -> Result<(), DeliveryError>;
}

/// The schemes [`open`] accepts.
pub const SCHEMES: &[&str] = &[
    "file",
    "http",
    "https",
    "udp",
    "prometheus",
    "notifier",
    "gnocchi",
];

/// Opens the transport for a publisher URL, chosen by its scheme.
///
/// Options are checked here, so a bad URL fails at start rather than at the first batch. Network
/// transports connect lazily (the notifier on its first delivery); the file transport opens (and
/// creates) its file here.
pub fn open(url: &PublisherUrl) -> Result<Box<dyn Transport>, OpenError> {
    match url.scheme() {
        "file" => Ok(Box::new(file::FileTransport::open(url)?)),
        "http" | "https" => Ok(Box::new(http::HttpTransport::open(url)?)),
        "udp" => Ok(Box::new(udp::UdpTransport::open(url)?)),
        "prometheus" => Ok(Box::new(prometheus::PrometheusTransport::open(url)?)),
        "notifier" => Ok(Box::new(notifier::NotifierTransport::open(url)?)),
        "gnocchi" => Ok(Box::new(gnocchi::GnocchiTransport::open(url)?)),
        other => Err(OpenError::UnsupportedScheme {
            url: url.to_string(),
            scheme: other.to_string(),
            supported: "file, http, https, udp, prometheus, notifier, gnocchi",
        }),
    }
}
