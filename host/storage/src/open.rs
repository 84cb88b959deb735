//! Connection URLs (Ceilometer's `[database] connection`, SQLAlchemy style),
//! pools and schema migrations.

use std::borrow::Cow;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::db::Pool;
use crate::error::{Error, Result};

/// Connection options beyond the URL.
#[derive(Debug, Clone)]
pub struct Options {
    /// Most connections in the pool (PostgreSQL; a file SQLite database uses
    /// this many readers too, writes being serialised by SQLite).
    pub max_connections: u32,
    /// How long to wait for a connection before failing with a retryable
    /// [`Error::Unavailable`].
    pub connect_timeout: Duration,
    /// Answer statistics from the rollup table where that is exact (the
    /// default); `false` always reads the samples table.
    pub rollup_statistics: bool,
    /// PostgreSQL: commit sample batches without waiting for the write-ahead
    /// log to reach disk (`SET LOCAL synchronous_commit = off`). Faster with
    /// few writers, but a server crash loses the batches of the last moments
    /// (up to three times `wal_writer_delay`, 600 ms by default) although
    /// they were reported stored, and the sender will not resend them.
    /// Off by default; the database stays consistent either way.
    pub asynchronous_commit: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            max_connections: 4,
            connect_timeout: Duration::from_secs(5),
            rollup_statistics: true,
            asynchronous_commit: false,
        }
    }
}

/// What a URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    SqliteMemory,
    SqliteFile(String),
    Postgres(String),
}

/// The URL for an SQLite file at `path`, in the SQLAlchemy form [`parse`]
/// reads (`sqlite:///relative` or `sqlite:////absolute`).
pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite:///{}", path.display())
}

/// Parses a connection URL:
/// - `sqlite://` or `sqlite::memory:` or `sqlite:///:memory:`: in memory;
/// - `sqlite:///relative/file.db`, `sqlite:////absolute/file.db` (SQLAlchemy:
///   the path is what follows the third slash);
/// - `postgresql://user@host[:port]/db[?...]`, also `postgres://` and a
///   driver suffix such as `postgresql+psycopg2://`.
pub(crate) fn parse(url: &str) -> Result<Target> {
    let (scheme, rest) = url
        .split_once(':')
        .ok_or_else(|| Error::Config(format!("not a database URL: {url:?}")))?;
    let backend = scheme.split('+').next().unwrap_or_default();
    match backend {
        "sqlite" => {
            if rest.is_empty() || rest == "//" || rest == ":memory:" || rest == "///:memory:" {
                return Ok(Target::SqliteMemory);
            }
            let path = rest
                .strip_prefix("///")
                .ok_or_else(|| {
                    Error::Config(format!(
                        "SQLite URLs are sqlite:///relative/path or sqlite:////absolute/path: {url:?}"
                    ))
                })?
                .split('?')
                .next()
                .unwrap_or_default();
            if path.is_empty() {
                return Err(Error::Config(format!("no SQLite file in {url:?}")));
            }
            Ok(Target::SqliteFile(path.to_string()))
        }
        "postgresql" | "postgres" => Ok(Target::Postgres(format!("postgresql:{rest}"))),
        _ => Err(Error::Config(format!(
            "unsupported database {scheme:?} (sqlite or postgresql)"
        ))),
    }
}

pub(crate) async fn connect(url: &str, options: &Options) -> Result<Pool> {
    let pool = match parse(url)? {
        Target::SqliteMemory => {
            // One connection, kept for ever: each in-memory connection is
            // its own database.
            let opts = SqliteConnectOptions::from_str("sqlite::memory:")?.foreign_keys(true);
            Pool::Sqlite(
                SqlitePoolOptions::new()
                    .max_connections(1)
                    .min_connections(1)
                    .idle_timeout(None)
                    .max_lifetime(None)
                    .acquire_timeout(options.connect_timeout)
                    .connect_with(opts)
                    .await?,
            )
        }
        Target::SqliteFile(path) => {
            let opts = SqliteConnectOptions::new()
                .filename(&path)
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                // Statement journals in memory: a multi-row insert inside a
                // transaction writes one (to a temporary file by default).
                .pragma("temp_store", "memory");
            Pool::Sqlite(
                SqlitePoolOptions::new()
                    .max_connections(options.max_connections.max(1))
                    .acquire_timeout(options.connect_timeout)
                    .connect_with(opts)
                    .await?,
            )
        }
        Target::Postgres(url) => {
            let opts = PgConnectOptions::from_str(&url)?;
            Pool::Postgres(
                PgPoolOptions::new()
                    .max_connections(options.max_connections.max(1))
                    .acquire_timeout(options.connect_timeout)
                    .connect_with(opts)
                    .await?,
            )
        }
    };
    migrate(&pool).await?;
    Ok(pool)
}

const SQLITE: &[(i64, &str, &str)] = &[
    (
        1,
        "schema",
        include_str!("../migrations/sqlite/0001_schema.sql"),
    ),
    (
        2,
        "rollups",
        include_str!("../migrations/sqlite/0002_rollups.sql"),
    ),
    (
        3,
        "rollup pages",
        include_str!("../migrations/sqlite/0003_rollup_pages.sql"),
    ),
    (
        4,
        "sealed pages",
        include_str!("../migrations/sqlite/0004_sealed_pages.sql"),
    ),
    (
        5,
        "pages in key order",
        include_str!("../migrations/sqlite/0005_pages_in_key_order.sql"),
    ),
];
const POSTGRES: &[(i64, &str, &str)] = &[
    (
        1,
        "schema",
        include_str!("../migrations/postgres/0001_schema.sql"),
    ),
    (
        2,
        "rollups",
        include_str!("../migrations/postgres/0002_rollups.sql"),
    ),
    (
        3,
        "rollup pages",
        include_str!("../migrations/postgres/0003_rollup_pages.sql"),
    ),
    (
        4,
        "sealed pages",
        include_str!("../migrations/postgres/0004_sealed_pages.sql"),
    ),
];

fn migrator(list: &[(i64, &'static str, &'static str)]) -> Migrator {
    let migrations: Vec<Migration> = list
        .iter()
        .map(|(v, d, sql)| {
            Migration::new(
                *v,
                Cow::Borrowed(*d),
                MigrationType::Simple,
                Cow::Borrowed(*sql),
                false,
            )
        })
        .collect();
    Migrator {
        migrations: Cow::Owned(migrations),
        ..Migrator::DEFAULT
    }
}

/// Applies the embedded migrations not yet applied (sqlx's
/// `_sqlx_migrations` table; on PostgreSQL under an advisory lock, so
/// several agents starting together are safe).
async fn migrate(pool: &Pool) -> Result<()> {
    let res = match pool {
        Pool::Sqlite(p) => migrator(SQLITE).run(p).await,
        Pool::Postgres(p) => migrator(POSTGRES).run(p).await,
    };
    res.map_err(|e| match e {
        sqlx::migrate::MigrateError::Execute(inner) => Error::from(inner),
        e => Error::Migration(e.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(parse("sqlite://").unwrap(), Target::SqliteMemory);
        assert_eq!(parse("sqlite::memory:").unwrap(), Target::SqliteMemory);
        assert_eq!(
            parse("sqlite:////var/lib/n.db").unwrap(),
            Target::SqliteFile("/var/lib/n.db".into())
        );
        assert_eq!(
            parse("sqlite:///n.db").unwrap(),
            Target::SqliteFile("n.db".into())
        );
        assert_eq!(
            parse(&sqlite_url(Path::new("/tmp/x.db"))).unwrap(),
            Target::SqliteFile("/tmp/x.db".into())
        );
        assert_eq!(
            parse("postgresql+psycopg2://postgres@127.0.0.1/test").unwrap(),
            Target::Postgres("postgresql://postgres@127.0.0.1/test".into())
        );
        assert!(parse("mysql://x/y").is_err());
        assert!(parse("sqlite:/x.db").is_err());
        assert!(parse("nonsense").is_err());
    }

    /// A database made before migration 5 keeps its rollup pages, now in a
    /// WITHOUT ROWID table.
    #[test]
    fn sqlite_pages_move_to_key_order_with_their_rows() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            // One connection: an in-memory database is its connection's own.
            let pool = SqlitePoolOptions::new()
                .max_connections(1)
                .connect("sqlite::memory:")
                .await
                .unwrap();
            migrator(&SQLITE[..4]).run(&pool).await.unwrap();
            for (page, cells) in [(7_200_000_000_i64, vec![1_u8; 72]), (3_600_000_000, vec![2; 144])] {
                sqlx::query(
                    "INSERT INTO rollup_pages (meter_id, page, resource_pk, cells) VALUES (1, ?, 5, ?)",
                )
                .bind(page)
                .bind(cells)
                .execute(&pool)
                .await
                .unwrap();
            }
            migrator(SQLITE).run(&pool).await.unwrap();
            let definition: String =
                sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE name = 'rollup_pages'")
                    .fetch_one(&pool)
                    .await
                    .unwrap();
            assert!(definition.ends_with("WITHOUT ROWID"), "{definition}");
            let rows: Vec<(i64, i64, i64, Vec<u8>)> = sqlx::query_as(
                "SELECT meter_id, page, resource_pk, cells FROM rollup_pages",
            )
            .fetch_all(&pool)
            .await
            .unwrap();
            assert_eq!(
                rows,
                [
                    (1, 3_600_000_000, 5, vec![2; 144]),
                    (1, 7_200_000_000, 5, vec![1; 72])
                ]
            );
        });
    }
}
