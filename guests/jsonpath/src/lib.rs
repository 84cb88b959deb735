//! The jsonpath dialect Ceilometer's meter and event definitions are written
//! in: jsonpath-rw 1.4 extended by jsonpath-rw-ext 1.2 (`ExtentedJsonPathParser`),
//! with its quirks (see `docs/compatibility.md` and the reference spec §2.5).
//!
//! ```
//! let path = nepho_jsonpath::JsonPath::parse("payload.size").unwrap();
//! let doc = serde_json::json!({"payload": {"size": 42}});
//! assert_eq!(path.values(&doc), vec![std::borrow::Cow::Owned(serde_json::json!(42))]);
//! ```

use std::borrow::Cow;

use serde_json::Value;

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
    _todo: (),
}

impl JsonPath {
    /// Parses an expression.
    pub fn parse(expression: &str) -> Result<JsonPath, ParseError> {
        let _ = expression;
        Err(ParseError { message: "not implemented".into() })
    }

    /// Every matching value, in the order jsonpath-rw yields them.
    pub fn values<'a>(&self, root: &'a Value) -> Vec<Cow<'a, Value>> {
        self.find(root).into_iter().map(|m| m.value).collect()
    }

    /// Every match with its full path, in the order jsonpath-rw yields them.
    pub fn find<'a>(&self, root: &'a Value) -> Vec<Match<'a>> {
        let _ = root;
        Vec::new()
    }
}
