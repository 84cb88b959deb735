//! Multi-row statements: `INSERT .. SELECT FROM UNNEST(arrays)` on
//! PostgreSQL (one statement whatever the batch size), chunked
//! `INSERT .. VALUES (..), (..)` on SQLite.

use crate::db::{Arg, Dialect, Sql};

/// Rows of a bulk statement, column by column.
pub(crate) struct Columns {
    /// `(name, PostgreSQL array type, values)`, all the same length.
    pub cols: Vec<(&'static str, &'static str, Vec<Arg>)>,
}

/// Rows per SQLite statement (SQLite allows 32,766 parameters).
const SQLITE_ROWS: usize = 400;

impl Columns {
    pub fn len(&self) -> usize {
        self.cols.first().map_or(0, |c| c.2.len())
    }

    /// `INSERT INTO table (cols) <rows> suffix`, as one or more statements.
    pub fn insert(self, dialect: Dialect, table: &str, suffix: &str) -> Vec<Sql> {
        let names: Vec<&str> = self.cols.iter().map(|c| c.0).collect();
        let head = format!("INSERT INTO {table} ({}) ", names.join(", "));
        match dialect {
            Dialect::Postgres => {
                let mut sql = Sql::new(dialect);
                sql.push(&head).push("SELECT * FROM UNNEST(");
                let ncols = self.cols.len();
                for (i, (_, ty, values)) in self.cols.into_iter().enumerate() {
                    sql.bind(to_array(values)).push("::").push(ty);
                    if i + 1 < ncols {
                        sql.push(", ");
                    }
                }
                sql.push(") ").push(suffix);
                vec![sql]
            }
            Dialect::Sqlite => {
                let n = self.len();
                let mut cols: Vec<std::vec::IntoIter<Arg>> =
                    self.cols.into_iter().map(|c| c.2.into_iter()).collect();
                let mut out = Vec::new();
                let mut done = 0;
                while done < n {
                    let take = SQLITE_ROWS.min(n - done);
                    let mut sql = Sql::new(dialect);
                    sql.push(&head).push("VALUES ");
                    for r in 0..take {
                        sql.push(if r == 0 { "(" } else { ", (" });
                        for (c, col) in cols.iter_mut().enumerate() {
                            if c > 0 {
                                sql.push(", ");
                            }
                            sql.bind(col.next().unwrap_or(Arg::OptText(None)));
                        }
                        sql.push(")");
                    }
                    sql.push(" ").push(suffix);
                    out.push(sql);
                    done += take;
                }
                out
            }
        }
    }
}

/// Turns a column of scalar arguments into one array argument.
fn to_array(values: Vec<Arg>) -> Arg {
    match values.first() {
        Some(Arg::Int(_)) => Arg::IntArr(
            values
                .into_iter()
                .map(|a| if let Arg::Int(v) = a { v } else { 0 })
                .collect(),
        ),
        Some(Arg::Float(_)) => Arg::FloatArr(
            values
                .into_iter()
                .map(|a| if let Arg::Float(v) = a { v } else { 0.0 })
                .collect(),
        ),
        Some(Arg::Bytes(_)) => Arg::BytesArr(
            values
                .into_iter()
                .map(|a| if let Arg::Bytes(v) = a { v } else { Vec::new() })
                .collect(),
        ),
        Some(Arg::Bool(_)) => Arg::BoolArr(
            values
                .into_iter()
                .map(|a| matches!(a, Arg::Bool(true)))
                .collect(),
        ),
        Some(Arg::OptText(_)) => Arg::OptTextArr(
            values
                .into_iter()
                .map(|a| match a {
                    Arg::OptText(v) => v,
                    Arg::Text(v) => Some(v),
                    _ => None,
                })
                .collect(),
        ),
        _ => Arg::TextArr(
            values
                .into_iter()
                .map(|a| {
                    if let Arg::Text(v) = a {
                        v
                    } else {
                        String::new()
                    }
                })
                .collect(),
        ),
    }
}

/// `col = ANY($n)` on PostgreSQL, `col IN (?a, ?b, ..)` on SQLite, for a list
/// of text keys (at most a few thousand: one batch's keys).
pub(crate) fn in_list(sql: &mut Sql, col: &str, keys: &[String]) {
    if keys.is_empty() {
        sql.push("(1=0)");
        return;
    }
    match sql.dialect {
        Dialect::Postgres => {
            sql.push(col)
                .push(" = ANY(")
                .bind(Arg::TextArr(keys.to_vec()))
                .push(")");
        }
        Dialect::Sqlite => {
            sql.push(col).push(" IN (");
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.bind(Arg::Text(k.clone()));
            }
            sql.push(")");
        }
    }
}

/// `col = ANY($n)` / `col IN (..)` for integer ids.
pub(crate) fn in_list_int(sql: &mut Sql, col: &str, ids: &[i64]) {
    if ids.is_empty() {
        sql.push("(1=0)");
        return;
    }
    match sql.dialect {
        Dialect::Postgres => {
            sql.push(col)
                .push(" = ANY(")
                .bind(Arg::IntArr(ids.to_vec()))
                .push(")");
        }
        Dialect::Sqlite => {
            sql.push(col).push(" IN (");
            for (i, id) in ids.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.bind(Arg::Int(*id));
            }
            sql.push(")");
        }
    }
}
