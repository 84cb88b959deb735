//! A safe evaluator for the Python expressions Ceilometer `eval`s: `target.scale` of
//! unit_conversion / rate_of_change / aggregator, and arithmetic's `target.expr`.
//!
//! Supported: int, float and string literals, `None`/`True`/`False`, `+ - * / // % **`,
//! unary `- + ~`, bitwise `& | ^ << >>`, comparisons (chained, `in`, `not in`, `is`,
//! `is not`), `and`/`or` (returning an operand), `not`, `x if c else y`, parentheses,
//! attribute access and `[...]` subscripts. Names resolve the way Ceilometer's
//! `Namespace` locals do: fields of the sample (or, for arithmetic, the cached samples),
//! with every unknown name or attribute an empty, falsy namespace.
//!
//! Outside the subset (parse error or run-time error, never a panic): lambda,
//! comprehensions, tuple/list/dict displays, slices, keyword arguments, f-strings and
//! prefixed strings, complex numbers, methods of `str`/`int`/`float` (in Ceilometer every
//! call of a *name* fails anyway, because names resolve to namespaces), integers beyond
//! `i64` (arithmetic falls back to `float`), and `float ** fraction` of negatives (a
//! complex number in Python 3).

mod ast;
mod eval;
mod lexer;
mod parser;
mod value;

pub use ast::Node;
pub use parser::is_keyword;
pub use value::{SampleScope, Scope, Val};

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Expression {
    root: Node,
}

impl Expression {
    /// Parses `src`; `Err` carries a `SyntaxError`-style message.
    pub fn parse(src: &str) -> Result<Expression, String> {
        parser::parse(src).map(|root| Expression { root })
    }

    /// Evaluates the expression with names resolved by `scope`.
    pub fn eval<'a>(&'a self, scope: &dyn Scope<'a>) -> Result<Val<'a>, String> {
        eval::eval(&self.root, scope)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::Sample;

    fn sample(meta: serde_json::Value) -> Sample {
        Sample::derived(
            "cpu".into(),
            "cumulative".into(),
            "ns".into(),
            1.2e11,
            None,
            None,
            "r".into(),
            "2018-01-01T00:00:00".into(),
            meta.into(),
        )
    }

    fn num(src: &str, s: &Sample) -> Result<f64, String> {
        let e = Expression::parse(src)?;
        let v = e.eval(&SampleScope(s))?;
        v.as_f64()
            .ok_or_else(|| format!("not a number: {}", v.type_name()))
    }

    #[test]
    fn python_semantics() {
        let s = sample(serde_json::json!({"cpu_number": 4, "user_metadata": {}}));
        assert_eq!(
            num("100.0 / (10**9 * (resource_metadata.cpu_number or 1))", &s).unwrap(),
            2.5e-8
        );
        assert_eq!(
            num("resource_metadata.non.existent or 1.0", &s).unwrap(),
            1.0
        );
        assert_eq!(num("-7 // 2", &s).unwrap(), -4.0);
        assert_eq!(num("-7 % 3", &s).unwrap(), 2.0);
        assert_eq!(num("7.5 % -2", &s).unwrap(), -0.5);
        assert_eq!(num("-2 ** 2", &s).unwrap(), -4.0);
        assert_eq!(num("2 ** -1", &s).unwrap(), 0.5);
        assert_eq!(num("1 if 2 < 3 < 4 else 0", &s).unwrap(), 1.0);
        assert_eq!(num("(1 and 0) or 5", &s).unwrap(), 5.0);
        assert_eq!(num("resource_metadata['cpu_number'] * 2", &s).unwrap(), 8.0);
        assert_eq!(
            num("(volume * 1.8) + 32", &sample(serde_json::json!({}))).unwrap(),
            1.8 * 1.2e11 + 32.0
        );
        assert!(num("1 / 0", &s).is_err());
        assert!(num("float('nan')", &s).is_err());
        assert!(num("1 +", &s).is_err());
        assert!(num("resource_metadata.cpu_number.x", &s).is_err());
        assert!(num("not_a_field", &s).is_err());
    }
}
