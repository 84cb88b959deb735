//! Errors of opening a transport and of delivering to it.

/// A transport could not be opened from its URL.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The URL does not parse.
    #[error(transparent)]
    Url(#[from] crate::UrlError),
    /// No transport handles this scheme.
    #[error("publisher `{url}`: unsupported scheme `{scheme}` (supported: {supported})")]
    UnsupportedScheme {
        /// The URL, password and secret parameters masked.
        url: String,
        /// The scheme at fault.
        scheme: String,
        /// The schemes this crate delivers to.
        supported: &'static str,
    },
    /// An option (a URL part or a query parameter) is missing or has a bad value.
    #[error("publisher `{url}`: option `{option}`: {reason}")]
    Option {
        /// The URL, password and secret parameters masked.
        url: String,
        /// The option at fault: a query parameter name, or `path`, `host`, `port`.
        option: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A resource the transport needs at start could not be set up (a file, a socket, a runtime).
    #[error("publisher `{url}`: {reason}")]
    Setup {
        /// The URL, password and secret parameters masked.
        url: String,
        /// What failed.
        reason: String,
    },
}

/// A batch (or part of it) could not be delivered.
///
/// Transports that follow Ceilometer in logging rather than raising (HTTP status errors, UDP send
/// errors, the notifier's `queue` and `drop` policies) do not return this.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("publisher `{url}`: delivery failed: {reason}")]
pub struct DeliveryError {
    /// The URL, password and secret parameters masked.
    pub url: String,
    /// What failed.
    pub reason: String,
}

impl DeliveryError {
    pub(crate) fn new(url: &crate::PublisherUrl, reason: impl Into<String>) -> Self {
        Self {
            url: url.to_string(),
            reason: reason.into(),
        }
    }
}

impl OpenError {
    pub(crate) fn option(
        url: &crate::PublisherUrl,
        option: &str,
        reason: impl Into<String>,
    ) -> Self {
        Self::Option {
            url: url.to_string(),
            option: option.to_string(),
            reason: reason.into(),
        }
    }

    pub(crate) fn setup(url: &crate::PublisherUrl, reason: impl Into<String>) -> Self {
        Self::Setup {
            url: url.to_string(),
            reason: reason.into(),
        }
    }
}
