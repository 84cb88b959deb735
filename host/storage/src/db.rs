//! The two backends behind one small interface: SQL text with numbered
//! placeholders (`$n` on PostgreSQL, `?n` on SQLite), bound arguments, and
//! rows read into backend-neutral cells. Values are always bound, never
//! written into the SQL text.

use std::fmt::Write as _;

use sqlx::postgres::{PgArguments, PgPool, PgRow};
use sqlx::query::Query;
use sqlx::sqlite::{SqliteArguments, SqlitePool, SqliteRow};
use sqlx::{Column, Postgres, Row as _, Sqlite, TypeInfo, ValueRef};

use crate::error::{Error, Result};

/// Which SQL dialect to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Sqlite,
    Postgres,
}

/// A bound argument.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Text(String),
    OptText(Option<String>),
    Int(i64),
    Float(f64),
    Bool(bool),
    Bytes(Vec<u8>),
    // PostgreSQL arrays, for UNNEST.
    TextArr(Vec<String>),
    OptTextArr(Vec<Option<String>>),
    IntArr(Vec<i64>),
    FloatArr(Vec<f64>),
    BoolArr(Vec<bool>),
    BytesArr(Vec<Vec<u8>>),
}

/// SQL text and its arguments.
#[derive(Debug, Clone)]
pub(crate) struct Sql {
    pub text: String,
    pub args: Vec<Arg>,
    pub dialect: Dialect,
}

impl Sql {
    pub fn new(dialect: Dialect) -> Sql {
        Sql {
            text: String::new(),
            args: Vec::new(),
            dialect,
        }
    }

    /// Appends SQL text (never a value).
    pub fn push(&mut self, text: &str) -> &mut Sql {
        self.text.push_str(text);
        self
    }

    /// Binds a value and appends its placeholder.
    pub fn bind(&mut self, arg: Arg) -> &mut Sql {
        self.args.push(arg);
        let sigil = match self.dialect {
            Dialect::Postgres => '$',
            Dialect::Sqlite => '?',
        };
        let _ = write!(self.text, "{sigil}{}", self.args.len());
        self
    }

    /// Appends ` LIMIT n` (bound) when there is a limit.
    pub fn limit(&mut self, limit: Option<u64>) -> &mut Sql {
        if let Some(n) = limit {
            self.push(" LIMIT ")
                .bind(Arg::Int(i64::try_from(n).unwrap_or(i64::MAX)));
        }
        self
    }
}

/// A backend-neutral cell.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    Null,
    Int(i64),
    Float(f64),
    Text(String),
    Bool(bool),
}

/// A row of cells.
#[derive(Debug, Clone)]
pub(crate) struct Row(pub Vec<Cell>);

impl Row {
    /// Orders rows by their first `n` cells: nulls first, numbers by
    /// value, text bytewise.
    pub fn cmp_prefix(&self, other: &Row, n: usize) -> std::cmp::Ordering {
        use std::cmp::Ordering;
        fn rank(c: &Cell) -> u8 {
            match c {
                Cell::Null => 0,
                Cell::Bool(_) | Cell::Int(_) | Cell::Float(_) => 1,
                Cell::Text(_) => 2,
            }
        }
        fn number(c: &Cell) -> f64 {
            match c {
                Cell::Int(v) => *v as f64,
                Cell::Float(v) => *v,
                Cell::Bool(b) => f64::from(u8::from(*b)),
                _ => 0.0,
            }
        }
        for i in 0..n {
            let (a, b) = (self.cell(i), other.cell(i));
            let o = match (a, b) {
                (Cell::Int(x), Cell::Int(y)) => x.cmp(y),
                (Cell::Text(x), Cell::Text(y)) => x.as_bytes().cmp(y.as_bytes()),
                _ if rank(a) != rank(b) => rank(a).cmp(&rank(b)),
                _ => number(a).total_cmp(&number(b)),
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    }

    fn cell(&self, i: usize) -> &Cell {
        self.0.get(i).unwrap_or(&Cell::Null)
    }

    pub fn int(&self, i: usize) -> Result<i64> {
        self.opt_int(i)?
            .ok_or_else(|| Error::Database(format!("column {i}: unexpected null")))
    }

    pub fn opt_int(&self, i: usize) -> Result<Option<i64>> {
        match self.cell(i) {
            Cell::Null => Ok(None),
            Cell::Int(v) => Ok(Some(*v)),
            Cell::Bool(b) => Ok(Some(i64::from(*b))),
            c => Err(Error::Database(format!(
                "column {i}: {c:?} is not an integer"
            ))),
        }
    }

    pub fn float(&self, i: usize) -> Result<f64> {
        self.opt_float(i)?
            .ok_or_else(|| Error::Database(format!("column {i}: unexpected null")))
    }

    pub fn opt_float(&self, i: usize) -> Result<Option<f64>> {
        match self.cell(i) {
            Cell::Null => Ok(None),
            Cell::Int(v) => Ok(Some(*v as f64)),
            Cell::Float(v) => Ok(Some(*v)),
            c => Err(Error::Database(format!(
                "column {i}: {c:?} is not a number"
            ))),
        }
    }

    /// [`Row::opt_text`], moving the text out of the row.
    pub fn take_opt_text(&mut self, i: usize) -> Result<Option<String>> {
        match self.0.get_mut(i) {
            Some(Cell::Text(s)) => Ok(Some(std::mem::take(s))),
            _ => self.opt_text(i),
        }
    }

    pub fn text(&self, i: usize) -> Result<String> {
        self.opt_text(i)?
            .ok_or_else(|| Error::Database(format!("column {i}: unexpected null")))
    }

    pub fn opt_text(&self, i: usize) -> Result<Option<String>> {
        match self.cell(i) {
            Cell::Null => Ok(None),
            Cell::Text(s) => Ok(Some(s.clone())),
            Cell::Int(v) => Ok(Some(v.to_string())),
            Cell::Float(v) => Ok(Some(v.to_string())),
            Cell::Bool(b) => Ok(Some(if *b { "True" } else { "False" }.to_string())),
        }
    }
}

/// Numeric cells of a backend's row, by column number.
pub(crate) trait Numbers {
    /// An integer column (not null; on PostgreSQL a `bigint`).
    fn int(&self, i: usize) -> Result<i64>;
    /// A floating-point column (not null; SQLite integers convert).
    fn float(&self, i: usize) -> Result<f64>;
    /// A binary column (not null; `bytea` or a blob).
    fn bytes(&self, i: usize) -> Result<&[u8]>;
}

impl Numbers for PgRow {
    fn int(&self, i: usize) -> Result<i64> {
        Ok(self.try_get::<i64, _>(i)?)
    }

    fn float(&self, i: usize) -> Result<f64> {
        Ok(self.try_get::<f64, _>(i)?)
    }

    fn bytes(&self, i: usize) -> Result<&[u8]> {
        Ok(self.try_get::<&[u8], _>(i)?)
    }
}

fn pg_row(row: &PgRow) -> Result<Row> {
    let mut cells = Vec::with_capacity(row.columns().len());
    for (i, col) in row.columns().iter().enumerate() {
        let raw = row.try_get_raw(i)?;
        if raw.is_null() {
            cells.push(Cell::Null);
            continue;
        }
        // The column's type was just read: decode without checking it again.
        let cell = match col.type_info().name() {
            "INT8" => Cell::Int(row.try_get_unchecked::<i64, _>(i)?),
            "INT4" => Cell::Int(i64::from(row.try_get_unchecked::<i32, _>(i)?)),
            "INT2" => Cell::Int(i64::from(row.try_get_unchecked::<i16, _>(i)?)),
            "FLOAT8" => Cell::Float(row.try_get_unchecked::<f64, _>(i)?),
            "FLOAT4" => Cell::Float(f64::from(row.try_get_unchecked::<f32, _>(i)?)),
            "BOOL" => Cell::Bool(row.try_get_unchecked::<bool, _>(i)?),
            _ => Cell::Text(row.try_get::<String, _>(i)?),
        };
        cells.push(cell);
    }
    Ok(Row(cells))
}

fn sqlite_row(row: &SqliteRow) -> Result<Row> {
    let mut cells = Vec::with_capacity(row.columns().len());
    for i in 0..row.columns().len() {
        let raw = row.try_get_raw(i)?;
        if raw.is_null() {
            cells.push(Cell::Null);
            continue;
        }
        // The value's own storage class (no copy of its name).
        let kind = match raw.type_info().name() {
            "INTEGER" | "BOOLEAN" => 0,
            "REAL" => 1,
            _ => 2,
        };
        let cell = match kind {
            0 => Cell::Int(row.try_get_unchecked::<i64, _>(i)?),
            1 => Cell::Float(row.try_get_unchecked::<f64, _>(i)?),
            _ => Cell::Text(row.try_get::<String, _>(i)?),
        };
        cells.push(cell);
    }
    Ok(Row(cells))
}

fn pg_query(sql: &Sql) -> Query<'_, Postgres, PgArguments> {
    let mut q = sqlx::query(&sql.text);
    for a in &sql.args {
        q = match a {
            Arg::Text(s) => q.bind(s.as_str()),
            Arg::OptText(s) => q.bind(s.as_deref()),
            Arg::Int(v) => q.bind(*v),
            Arg::Float(v) => q.bind(*v),
            Arg::Bool(v) => q.bind(*v),
            Arg::TextArr(v) => q.bind(v.as_slice()),
            Arg::OptTextArr(v) => q.bind(v.as_slice()),
            Arg::IntArr(v) => q.bind(v.as_slice()),
            Arg::FloatArr(v) => q.bind(v.as_slice()),
            Arg::BoolArr(v) => q.bind(v.as_slice()),
            Arg::Bytes(v) => q.bind(v.as_slice()),
            Arg::BytesArr(v) => q.bind(v.as_slice()),
        };
    }
    q
}

fn sqlite_query(sql: &Sql) -> Result<Query<'_, Sqlite, SqliteArguments<'_>>> {
    let mut q = sqlx::query(&sql.text);
    for a in &sql.args {
        q = match a {
            Arg::Text(s) => q.bind(s.as_str()),
            Arg::OptText(s) => q.bind(s.as_deref()),
            Arg::Int(v) => q.bind(*v),
            Arg::Float(v) => q.bind(*v),
            Arg::Bool(v) => q.bind(*v),
            Arg::Bytes(v) => q.bind(v.as_slice()),
            _ => return Err(Error::Database("array argument on SQLite".into())),
        };
    }
    Ok(q)
}

/// A connection pool of either backend.
#[derive(Debug, Clone)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl Pool {
    pub fn dialect(&self) -> Dialect {
        match self {
            Pool::Sqlite(_) => Dialect::Sqlite,
            Pool::Postgres(_) => Dialect::Postgres,
        }
    }

    pub async fn fetch(&self, sql: &Sql) -> Result<Vec<Row>> {
        match self {
            Pool::Sqlite(p) => sqlite_query(sql)?
                .fetch_all(p)
                .await?
                .iter()
                .map(sqlite_row)
                .collect(),
            Pool::Postgres(p) => pg_query(sql)
                .fetch_all(p)
                .await?
                .iter()
                .map(pg_row)
                .collect(),
        }
    }

    pub async fn begin(&self) -> Result<Tx> {
        Ok(match self {
            Pool::Sqlite(p) => Tx::Sqlite(p.begin().await?),
            Pool::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// A transaction opened with a statement of its own per backend (for
    /// example `BEGIN IMMEDIATE`, or `BEGIN` followed by taking a lock).
    pub async fn begin_with(&self, sqlite: &'static str, postgres: &'static str) -> Result<Tx> {
        Ok(match self {
            Pool::Sqlite(p) => Tx::Sqlite(p.begin_with(sqlite).await?),
            Pool::Postgres(p) => Tx::Postgres(p.begin_with(postgres).await?),
        })
    }

    pub async fn close(&self) {
        match self {
            Pool::Sqlite(p) => p.close().await,
            Pool::Postgres(p) => p.close().await,
        }
    }
}

/// A transaction of either backend; dropped without `commit` it rolls back.
pub(crate) enum Tx {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

impl Tx {
    pub async fn fetch(&mut self, sql: &Sql) -> Result<Vec<Row>> {
        match self {
            Tx::Sqlite(t) => sqlite_query(sql)?
                .fetch_all(&mut **t)
                .await?
                .iter()
                .map(sqlite_row)
                .collect(),
            Tx::Postgres(t) => pg_query(sql)
                .fetch_all(&mut **t)
                .await?
                .iter()
                .map(pg_row)
                .collect(),
        }
    }

    /// Runs `sql` and hands every row to `each` as it arrives, read
    /// straight from the backend's row (no cells built): for large results
    /// of numbers.
    pub async fn for_each_row(
        &mut self,
        sql: &Sql,
        mut each: impl FnMut(&dyn Numbers) -> Result<()>,
    ) -> Result<()> {
        use futures_lite::StreamExt;
        match self {
            Tx::Sqlite(t) => crate::sqlite_rows::for_each_row(t, sql, each).await?,
            Tx::Postgres(t) => {
                let q = pg_query(sql);
                let mut rows = q.fetch(&mut **t);
                while let Some(row) = rows.next().await {
                    each(&row?)?;
                }
            }
        }
        Ok(())
    }

    pub async fn execute(&mut self, sql: &Sql) -> Result<u64> {
        Ok(match self {
            Tx::Sqlite(t) => sqlite_query(sql)?.execute(&mut **t).await?.rows_affected(),
            Tx::Postgres(t) => pg_query(sql).execute(&mut **t).await?.rows_affected(),
        })
    }

    pub fn dialect(&self) -> Dialect {
        match self {
            Tx::Sqlite(_) => Dialect::Sqlite,
            Tx::Postgres(_) => Dialect::Postgres,
        }
    }

    /// The PostgreSQL connection, for statements that bind borrowed data.
    pub fn postgres(&mut self) -> Option<&mut sqlx::PgConnection> {
        match self {
            Tx::Postgres(t) => Some(&mut **t),
            Tx::Sqlite(_) => None,
        }
    }

    /// The SQLite connection, for statements that bind borrowed data.
    pub fn sqlite(&mut self) -> Option<&mut sqlx::SqliteConnection> {
        match self {
            Tx::Sqlite(t) => Some(&mut **t),
            Tx::Postgres(_) => None,
        }
    }

    pub async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}
