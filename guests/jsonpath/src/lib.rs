//! The jsonpath dialect Ceilometer's meter and event definitions are written
//! in: jsonpath-rw 1.4 extended by jsonpath-rw-ext 1.2 (`ExtentedJsonPathParser`),
//! with its quirks (see `docs/compatibility.md` and the reference spec §2.5).
//!
//! The parser is the upstream LALR(1) grammar with PLY's conflict resolution
//! (so `ctxt.user_id|ctxt.user` is `ctxt.(user_id|ctxt).user`, and
//! arithmetic groups to the right: `a * b + c` is `a * (b + c)`); evaluation
//! follows each upstream node's `find`, Python semantics included.
//!
//! ```
//! let path = nepho_jsonpath::JsonPath::parse("payload.size").unwrap();
//! let doc = serde_json::json!({"payload": {"size": 42}});
//! assert_eq!(path.values(&doc), vec![std::borrow::Cow::<serde_json::Value>::Owned(serde_json::json!(42))]);
//! ```

use std::borrow::Cow;

use serde_json::Value;

mod ast;
mod datum;
mod debug;
mod eval;
mod grammar;
mod lalr;
mod lexer;
mod parser;
mod pyops;
mod pyregex;

#[cfg(test)]
mod tests;

use datum::{Datum, Full, Lean, Seg, Val};
use eval::{Eval, Flow};

/// Why an expression does not parse. The message follows jsonpath-rw's
/// ("Parse error at 1:5 near token % (PERCENT)") closely enough to recognise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// What is wrong and where in the expression.
    pub message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ParseError {}

/// An exception upstream raises while evaluating (for example `[0]` on a
/// dict, `` `sub` `` on a number, `&` between paths, ordering a string
/// against a number in a filter). Ceilometer then drops what it was
/// building; [`JsonPath::find`] and [`JsonPath::values`] return nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalError {
    /// The Python exception, roughly as Python words it.
    pub message: String,
}

impl std::fmt::Display for EvalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for EvalError {}

/// One match: the value, and its full path as jsonpath-rw prints
/// `str(match.full_path)` (for example `payload.metrics.[0].value`).
#[derive(Debug, Clone, PartialEq)]
pub struct Match<'a> {
    /// The full path of the match.
    pub path: String,
    /// The value: borrowed from the document, or computed (arithmetic, `split`, `sub`, `len`).
    pub value: Cow<'a, Value>,
}

/// A parsed expression.
#[derive(Debug, Clone)]
pub struct JsonPath {
    root: ast::Node,
    parents: bool,
}

impl JsonPath {
    /// Parses an expression.
    pub fn parse(expression: &str) -> Result<JsonPath, ParseError> {
        let root = parser::parse(expression)?.flatten();
        let parents = root.uses_parent();
        Ok(JsonPath { root, parents })
    }

    fn run<'a, D: Datum<'a>>(&self, root: &'a Value) -> Result<Vec<D>, EvalError> {
        let top = D::top(Val::Doc(root), Seg::This);
        let mut out = Vec::new();
        Eval {
            parents: self.parents,
        }
        .find_list(&self.root, &top, true, &mut out)
        .map_err(|e| EvalError {
            message: match e {
                Flow::Raised(m) => m,
                Flow::Bare => "TypeError: not iterable".into(),
            },
        })?;
        Ok(out)
    }

    /// Every matching value, in the order jsonpath-rw yields them, or the
    /// exception upstream would raise.
    pub fn try_values<'a>(&self, root: &'a Value) -> Result<Vec<Cow<'a, Value>>, EvalError> {
        if self.parents {
            return Ok(self
                .run::<Full<'a>>(root)?
                .into_iter()
                .map(|d| d.into_val().into_cow())
                .collect());
        }
        Ok(self
            .run::<Lean<'a>>(root)?
            .into_iter()
            .map(|d| d.into_val().into_cow())
            .collect())
    }

    /// Every match with its full path, in the order jsonpath-rw yields them,
    /// or the exception upstream would raise.
    pub fn try_find<'a>(&self, root: &'a Value) -> Result<Vec<Match<'a>>, EvalError> {
        Ok(self
            .run::<Full<'a>>(root)?
            .into_iter()
            .map(|d| {
                let path = d.path_string();
                Match {
                    path,
                    value: d.into_val().into_cow(),
                }
            })
            .collect())
    }

    /// Every matching value, in the order jsonpath-rw yields them (nothing
    /// if upstream would raise).
    pub fn values<'a>(&self, root: &'a Value) -> Vec<Cow<'a, Value>> {
        self.try_values(root).unwrap_or_default()
    }

    /// Every match with its full path, in the order jsonpath-rw yields them
    /// (nothing if upstream would raise).
    pub fn find<'a>(&self, root: &'a Value) -> Vec<Match<'a>> {
        self.try_find(root).unwrap_or_default()
    }

    /// The parse tree in a canonical text form (for differential tests).
    #[doc(hidden)]
    pub fn debug_tree(&self) -> String {
        debug::render(&self.root)
    }
}
