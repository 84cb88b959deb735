//! Log records: what Ceilometer would have logged, handed to the caller.

/// Severity of a [`LogRecord`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogLevel {
    /// `LOG.warning` in Ceilometer (dropped samples, bad options...).
    Warning,
    /// `LOG.error` in Ceilometer (an exception caught by the sink).
    Error,
}

/// One message Ceilometer would have logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRecord {
    /// Severity.
    pub level: LogLevel,
    /// The message text, formatted like Ceilometer's.
    pub message: String,
}

impl LogRecord {
    /// A warning.
    pub fn warning(message: impl Into<String>) -> LogRecord {
        LogRecord {
            level: LogLevel::Warning,
            message: message.into(),
        }
    }

    /// An error.
    pub fn error(message: impl Into<String>) -> LogRecord {
        LogRecord {
            level: LogLevel::Error,
            message: message.into(),
        }
    }
}

/// Where transformers put their log records.
pub type Log = Vec<LogRecord>;
