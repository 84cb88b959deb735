//! The jsonpath dialect Ceilometer's meter and event definitions are written
//! in: jsonpath-rw 1.4 extended by jsonpath-rw-ext 1.2 (`ExtentedJsonPathParser`),
//! with its quirks (see `docs/compatibility.md` and the reference spec §2.5).
//!
//! * Parsing builds the upstream LALR(1) tables from the upstream grammar with
//!   PLY's conflict resolution (modules `grammar` and `lalr`), so precedence is
//!   upstream's: `|` binds tighter than `.` (`ctxt.user_id|ctxt.user` is
//!   `ctxt.(user_id|ctxt).user`), `where` tighter still, and arithmetic groups
//!   to the right without operator precedence (`2 * 3 + 4` is 14). The lexer
//!   reproduces PLY's first-match rule order: `/` is always a sort direction
//!   (so `B/s` and `x / 2` do not parse), `trueish` is `BOOL ID`.
//! * Evaluation follows each upstream node's `find`, including the Python
//!   exceptions it raises ([`JsonPath::try_find`] reports them; [`JsonPath::find`]
//!   and [`JsonPath::values`] then return nothing) and full paths as
//!   `str(match.full_path)` prints them (`payload.metrics.[0].value`, `` `this` ``
//!   for computed values, `` `len` ``).
//! * Python semantics: `+ - *` on ints, floats, bools, strings and lists;
//!   filter literals that are ints or bools coerce the value with `int()`;
//!   `~` is `re.match`; `` `sub` `` is Python 3.7+ `re.sub`.
//!
//! Known differences from upstream:
//! * Object keys iterate in `serde_json::Map` order (sorted, unless the
//!   `preserve_order` feature is on) where Python keeps document order: this
//!   affects `*` on objects, `..` and `` `sorted` `` on an object's keys only.
//! * Python ints are unbounded: integer literals saturate at 128 bits, and
//!   integer results beyond 64 bits become floats; float results that are
//!   infinite or NaN have no JSON form and raise.
//! * Regular expressions run on fancy-regex with Python's `$`, `\Z`, `{,n}`
//!   and literal-brace syntax translated; other rare syntax differences remain.
//!   Python's `\d` accepts non-ASCII digits in `NUMBER` tokens and in
//!   `` `split` `` arguments; only ASCII digits are accepted here.
//! * An expression ending too early (`a.`) makes upstream crash with an
//!   `AttributeError`; here it is a [`ParseError`] naming the end of input.
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
        // Evaluation recurses along the tree: keep it far from the stack's end.
        const MAX_TOKENS: usize = 2_000;
        const MAX_DEPTH: usize = 100;
        if expression.chars().count() > MAX_TOKENS * 4 {
            return Err(ParseError {
                message: "expression too long".into(),
            });
        }
        let root = parser::parse_limited(expression, MAX_TOKENS)?;
        if root.depth() > MAX_DEPTH {
            return Err(ParseError {
                message: format!("expression nested more than {MAX_DEPTH} deep"),
            });
        }
        let root = root.flatten();
        let parents = root.uses_parent();
        Ok(JsonPath { root, parents })
    }

    fn run<'a, D: Datum<'a>>(&self, root: &'a Value) -> Result<Vec<D>, EvalError> {
        let top = D::top(Val::Doc(root), Seg::This);
        let mut out = Vec::new();
        let to_error = |e| EvalError {
            message: match e {
                Flow::Raised(m) => m,
                Flow::Bare => "TypeError: not iterable".into(),
            },
        };
        Eval {
            parents: self.parents,
        }
        .find_list(&self.root, &top, true, &mut out)
        .map_err(to_error)?;
        out.iter()
            .try_for_each(eval::no_value_attribute)
            .map_err(to_error)?;
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
