//! What an encoder hands back: deliveries for the host, or an error saying
//! whether the batch is worth retrying.

use core::fmt;

/// One encoded message for the host to deliver (the WIT `delivery`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// MIME type of `body`.
    pub content_type: String,
    /// Extra protocol headers, as pairs, in order.
    pub headers: Vec<(String, String)>,
    /// The encoded message.
    pub body: Vec<u8>,
}

impl Delivery {
    /// A delivery of `body` with no headers.
    pub fn new(content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Delivery {
            content_type: content_type.to_owned(),
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// The same delivery with one more header.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// The body as text (bodies of text formats are UTF-8).
    pub fn text(&self) -> &str {
        core::str::from_utf8(&self.body).unwrap_or("")
    }
}

/// Why a batch could not be encoded (the WIT `publish-error`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublishError {
    /// The batch can never be encoded; the host drops it.
    Reject(String),
    /// Encoding failed for a reason that may pass; the host retries.
    Retry(String),
}

impl fmt::Display for PublishError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PublishError::Reject(m) => write!(f, "rejected: {m}"),
            PublishError::Retry(m) => write!(f, "retry: {m}"),
        }
    }
}

impl std::error::Error for PublishError {}

/// The result of encoding one batch: the deliveries, and warnings for the
/// component to log.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Output {
    /// The deliveries, in the order the host should send them.
    pub deliveries: Vec<Delivery>,
    /// Messages to log at warning level.
    pub warnings: Vec<String>,
}
