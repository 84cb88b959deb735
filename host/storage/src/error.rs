//! Errors, split into retryable (the database is unreachable or busy: try the
//! same call again later) and permanent (the data, the query or the
//! configuration is wrong: retrying cannot help).

/// A storage error.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Retryable: the database cannot be reached or the connection broke
    /// (connection refused or reset, pool timeout, server shutting down,
    /// too many connections). Nothing of the failed call was committed.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// Retryable: the call lost a race with another writer (serialisation
    /// failure, deadlock, SQLite busy or locked, a resource or meter removed by
    /// a concurrent expiry). Nothing of the failed call was committed.
    #[error("storage conflict, retry: {0}")]
    Conflict(String),
    /// Permanent: a record of the batch is invalid; the whole batch was
    /// refused and nothing of it stored. `index` is the record's position.
    #[error("record {index}: field {field}: {reason}")]
    InvalidRecord {
        /// Position of the record in the batch.
        index: usize,
        /// The offending field.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Permanent: a query names an unknown field, an operator or a value type
    /// the field does not support, or a bad aggregate or group.
    #[error("invalid query on field {field}: {reason}")]
    InvalidQuery {
        /// The offending field (or parameter, for aggregates and periods).
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Permanent: the connection URL or options are not usable.
    #[error("storage configuration: {0}")]
    Config(String),
    /// Permanent: the schema could not be migrated.
    #[error("storage migration: {0}")]
    Migration(String),
    /// Permanent: any other database error (a constraint the data violates,
    /// a bug). Nothing of the failed call was committed.
    #[error("storage error: {0}")]
    Database(String),
    /// The receiver of an answer handed over in parts (for example
    /// [`crate::Storage::statistics_each`]) ended it, for the reason given.
    #[error("answer stopped by its receiver: {0}")]
    Stopped(String),
}

impl Error {
    /// Whether the same call may succeed if retried later unchanged.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Error::Unavailable(_) | Error::Conflict(_))
    }

    pub(crate) fn query(field: impl Into<String>, reason: impl Into<String>) -> Error {
        Error::InvalidQuery {
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn record(
        index: usize,
        field: impl Into<String>,
        reason: impl Into<String>,
    ) -> Error {
        Error::InvalidRecord {
            index,
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// A storage result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Error {
        use sqlx::Error as E;
        match &e {
            E::Io(_)
            | E::Tls(_)
            | E::PoolTimedOut
            | E::PoolClosed
            | E::WorkerCrashed
            | E::Protocol(_) => Error::Unavailable(e.to_string()),
            E::Configuration(_) => Error::Config(e.to_string()),
            E::Migrate(m) => Error::Migration(m.to_string()),
            E::Database(db) => {
                let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
                classify_db_code(&code, e.to_string())
            }
            _ => Error::Database(e.to_string()),
        }
    }
}

/// PostgreSQL SQLSTATEs and SQLite result codes that are worth a retry.
fn classify_db_code(code: &str, text: String) -> Error {
    // PostgreSQL: class 08 connection exception, 53 insufficient resources,
    // 57P01..57P03 shutdown / cannot connect now, 40001 serialization
    // failure, 40P01 deadlock, 23503 foreign key (a row removed by a
    // concurrent expiry between lookup and insert).
    // SQLite: 5 BUSY, 6 LOCKED (and their extended codes, low byte 5 / 6),
    // 787 FOREIGN KEY (as 23503).
    let sqlite_busy = code
        .parse::<i32>()
        .map(|c| matches!(c & 0xff, 5 | 6))
        .unwrap_or(false);
    if code.starts_with("08") || code.starts_with("53") || code.starts_with("57P") {
        Error::Unavailable(text)
    } else if matches!(code, "40001" | "40P01" | "23503" | "787") || sqlite_busy {
        Error::Conflict(text)
    } else {
        Error::Database(text)
    }
}
