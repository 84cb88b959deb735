//! Rows of numbers read straight from SQLite's C API, on the connection
//! sqlx holds (its lock taken, so within the transaction it runs).
//!
//! sqlx's SQLite driver steps a statement on a thread of its own and sends
//! every row over a channel, each value copied into an allocation of its
//! own. Here each row is read in place while the statement stands on it,
//! through the [`Numbers`] accessors statistics use: about 1.3 µs a row
//! less (0.25–0.3 s of the full statistics benchmark on SQLite; see
//! docs/performance.md).
//!
//! Reading blocks the calling thread, as sqlx's own thread would be
//! blocked; on a multi-threaded runtime the task says so
//! (`block_in_place`), so other tasks move to other threads meanwhile.

#![allow(
    unsafe_code,
    reason = "SQLite's C API, on the handle sqlx lends; invariants at each block"
)]

use std::ffi::{CStr, c_int};
use std::ptr;

use libsqlite3_sys as ffi;
use sqlx::sqlite::SqliteConnection;

use crate::db::{Arg, Numbers, Sql};
use crate::error::{Error, Result};

/// Runs `sql` on `conn` and calls `each` with every row.
pub(crate) async fn for_each_row(
    conn: &mut SqliteConnection,
    sql: &Sql,
    each: impl FnMut(&dyn Numbers) -> Result<()>,
) -> Result<()> {
    let mut handle = conn.lock_handle().await?;
    let db = handle.as_raw_handle().as_ptr();
    let run = || run(db, sql, each);
    match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(run),
        _ => run(),
    }
}

/// A prepared statement, finalized when dropped.
struct Statement {
    db: *mut ffi::sqlite3,
    stmt: *mut ffi::sqlite3_stmt,
}

impl Drop for Statement {
    fn drop(&mut self) {
        // SAFETY: `stmt` came from sqlite3_prepare_v2 on `db` and is
        // finalized once, here (finalizing null is a no-op).
        unsafe {
            ffi::sqlite3_finalize(self.stmt);
        }
    }
}

impl Statement {
    /// The connection's last error, naming what failed.
    fn error(&self, what: &str, rc: c_int) -> Error {
        // SAFETY: `db` is the open connection whose lock the caller holds;
        // sqlite3_errmsg returns a NUL-terminated string it owns, copied
        // here before any other call on the connection.
        let message = unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(self.db)) };
        Error::Database(format!(
            "SQLite {what} failed ({rc}): {}",
            message.to_string_lossy()
        ))
    }
}

fn run(
    db: *mut ffi::sqlite3,
    sql: &Sql,
    mut each: impl FnMut(&dyn Numbers) -> Result<()>,
) -> Result<()> {
    let length = c_int::try_from(sql.text.len())
        .map_err(|_| Error::Database("statement too long for SQLite".into()))?;
    let mut statement = Statement {
        db,
        stmt: ptr::null_mut(),
    };
    // SAFETY: `db` is open and locked for this thread; the text pointer
    // and its length describe `sql.text`, which outlives the call.
    let rc = unsafe {
        ffi::sqlite3_prepare_v2(
            db,
            sql.text.as_ptr().cast(),
            length,
            &mut statement.stmt,
            ptr::null_mut(),
        )
    };
    if rc != ffi::SQLITE_OK {
        return Err(statement.error("prepare", rc));
    }
    if statement.stmt.is_null() {
        return Ok(());
    }
    for (i, arg) in sql.args.iter().enumerate() {
        let at = c_int::try_from(i + 1)
            .map_err(|_| Error::Database("too many arguments for SQLite".into()))?;
        bind(&statement, at, arg)?;
    }
    let row = RawRow(statement.stmt);
    loop {
        // SAFETY: a prepared, bound statement of this connection.
        let rc = unsafe { ffi::sqlite3_step(statement.stmt) };
        match rc {
            ffi::SQLITE_ROW => each(&row)?,
            ffi::SQLITE_DONE => return Ok(()),
            _ => return Err(statement.error("step", rc)),
        }
    }
}

/// Binds `arg` as parameter `at` (`?at` in the text).
fn bind(statement: &Statement, at: c_int, arg: &Arg) -> Result<()> {
    let stmt = statement.stmt;
    let too_long = || Error::Database("argument too long for SQLite".into());
    // SAFETY: `stmt` is prepared and not yet stepped; text and blob values
    // are copied by SQLite (SQLITE_TRANSIENT) before the call returns.
    let rc = unsafe {
        match arg {
            Arg::Int(v) => ffi::sqlite3_bind_int64(stmt, at, *v),
            Arg::Float(v) => ffi::sqlite3_bind_double(stmt, at, *v),
            Arg::Bool(v) => ffi::sqlite3_bind_int64(stmt, at, i64::from(*v)),
            Arg::Text(s) | Arg::OptText(Some(s)) => ffi::sqlite3_bind_text(
                stmt,
                at,
                s.as_ptr().cast(),
                c_int::try_from(s.len()).map_err(|_| too_long())?,
                ffi::SQLITE_TRANSIENT(),
            ),
            Arg::OptText(None) => ffi::sqlite3_bind_null(stmt, at),
            Arg::Bytes(b) => ffi::sqlite3_bind_blob(
                stmt,
                at,
                b.as_ptr().cast(),
                c_int::try_from(b.len()).map_err(|_| too_long())?,
                ffi::SQLITE_TRANSIENT(),
            ),
            _ => return Err(Error::Database("array argument on SQLite".into())),
        }
    };
    if rc != ffi::SQLITE_OK {
        return Err(statement.error("bind", rc));
    }
    Ok(())
}

/// The row a statement stands on; valid until its next step.
struct RawRow(*mut ffi::sqlite3_stmt);

impl RawRow {
    /// Column `i`, refused when out of range or null.
    fn column(&self, i: usize) -> Result<c_int> {
        // SAFETY: the statement stands on a row (the caller just stepped
        // it to SQLITE_ROW); these calls only read that row.
        let (count, at) = unsafe { (ffi::sqlite3_column_count(self.0), c_int::try_from(i)) };
        let at = at
            .ok()
            .filter(|&a| a < count)
            .ok_or_else(|| Error::Database(format!("no column {i} (of {count})")))?;
        // SAFETY: as above; `at` is a column of the row.
        if unsafe { ffi::sqlite3_column_type(self.0, at) } == ffi::SQLITE_NULL {
            return Err(Error::Database(format!("column {i} is null")));
        }
        Ok(at)
    }
}

impl Numbers for RawRow {
    fn int(&self, i: usize) -> Result<i64> {
        let at = self.column(i)?;
        // SAFETY: a column of the current row (checked above).
        Ok(unsafe { ffi::sqlite3_column_int64(self.0, at) })
    }

    fn float(&self, i: usize) -> Result<f64> {
        let at = self.column(i)?;
        // SAFETY: a column of the current row (checked above).
        Ok(unsafe { ffi::sqlite3_column_double(self.0, at) })
    }

    fn bytes(&self, i: usize) -> Result<&[u8]> {
        let at = self.column(i)?;
        // SAFETY: a column of the current row; the blob pointer SQLite
        // returns stays valid until the statement steps again, which
        // cannot happen while `self` is borrowed by the returned slice
        // (the caller's row callback returns before the next step).
        unsafe {
            let data = ffi::sqlite3_column_blob(self.0, at);
            let len = usize::try_from(ffi::sqlite3_column_bytes(self.0, at)).unwrap_or(0);
            if data.is_null() || len == 0 {
                return Ok(&[]);
            }
            Ok(std::slice::from_raw_parts(data.cast::<u8>(), len))
        }
    }
}

#[cfg(test)]
mod tests {
    use sqlx::Connection;
    use sqlx::sqlite::SqliteConnection;

    use super::for_each_row;
    use crate::db::{Arg, Dialect, Numbers, Sql};

    fn sql(text: &str, args: Vec<Arg>) -> Sql {
        let mut s = Sql::new(Dialect::Sqlite);
        s.push(text);
        s.args = args;
        s
    }

    async fn rows(conn: &mut SqliteConnection, q: &Sql) -> crate::Result<Vec<(i64, f64, Vec<u8>)>> {
        let mut out = Vec::new();
        for_each_row(conn, q, |r: &dyn Numbers| {
            out.push((r.int(0)?, r.float(1)?, r.bytes(2)?.to_vec()));
            Ok(())
        })
        .await?;
        Ok(out)
    }

    #[test]
    fn rows_arguments_and_errors_as_sqlx_would_give_them() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async {
            let mut conn = SqliteConnection::connect("sqlite::memory:").await.unwrap();
            let q = sql(
                "SELECT ?1 + value, ?2 * value, ?3 FROM (SELECT 1 AS value UNION ALL SELECT 2) \
                 WHERE ?4 = 'yes' ORDER BY value",
                vec![
                    Arg::Int(10),
                    Arg::Float(0.5),
                    Arg::Bytes(vec![0, 255, 7]),
                    Arg::Text("yes".into()),
                ],
            );
            assert_eq!(
                rows(&mut conn, &q).await.unwrap(),
                [(11, 0.5, vec![0, 255, 7]), (12, 1.0, vec![0, 255, 7])]
            );

            let bad = sql("SELECT FROM nowhere", Vec::new());
            let err = rows(&mut conn, &bad).await.unwrap_err().to_string();
            assert!(
                err.contains("prepare") && err.contains("syntax error"),
                "{err}"
            );

            let null = sql("SELECT 1, 2.0, NULL", Vec::new());
            let err = rows(&mut conn, &null).await.unwrap_err().to_string();
            assert!(err.contains("column 2 is null"), "{err}");

            let narrow = sql("SELECT 1, 2.0", Vec::new());
            let err = rows(&mut conn, &narrow).await.unwrap_err().to_string();
            assert!(err.contains("no column 2 (of 2)"), "{err}");

            // The connection still works for sqlx afterwards.
            let n: i64 = sqlx::query_scalar("SELECT 41 + 1")
                .fetch_one(&mut conn)
                .await
                .unwrap();
            assert_eq!(n, 42);
        });
    }
}
