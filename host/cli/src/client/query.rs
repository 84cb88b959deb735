//! The ceilometer client's `-q` syntax: `key[op]data_type::value;...`, with
//! `op` one of `= != < <= > >=` and an optional `string|integer|float|datetime|boolean::`
//! before the value. Turned into the API's `q.field`/`q.op`/`q.type`/`q.value` parameters.

/// One term of a simple query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Term {
    /// Field name.
    pub(crate) field: String,
    /// `eq`, `ne`, `lt`, `le`, `gt`, `ge`.
    pub(crate) op: &'static str,
    /// Declared type, or empty.
    pub(crate) kind: String,
    /// Value text.
    pub(crate) value: String,
}

/// Operators, longest first so `<=` is not read as `<`.
const OPERATORS: [(&str, &str); 6] = [
    ("!=", "ne"),
    (">=", "ge"),
    ("<=", "le"),
    (">", "gt"),
    ("<", "lt"),
    ("=", "eq"),
];

const TYPES: [&str; 5] = ["string", "integer", "float", "datetime", "boolean"];

/// Parses a `-q` argument; the error names the term and what it lacks, as
/// the ceilometer client's `invalid query ...: missing ...`.
pub(crate) fn parse(text: &str) -> Result<Vec<Term>, String> {
    text.split(';').map(parse_term).collect()
}

fn parse_term(term: &str) -> Result<Term, String> {
    let missing = |what: &str| format!("invalid query {term}: missing {what}");
    // The first operator in the text wins (the client splits on the first match).
    let (at, symbol, op) = OPERATORS
        .iter()
        .filter_map(|(symbol, op)| term.find(symbol).map(|at| (at, *symbol, *op)))
        .min_by_key(|(at, symbol, _)| (*at, std::cmp::Reverse(symbol.len())))
        .ok_or_else(|| missing("operator"))?;
    let field = term[..at].trim();
    let value = term[at + symbol.len()..].trim();
    if field.is_empty() {
        return Err(missing("field"));
    }
    if value.is_empty() {
        return Err(missing("value"));
    }
    let (kind, value) = match value.split_once("::") {
        Some((kind, rest)) if TYPES.contains(&kind) && !rest.is_empty() => (kind, rest),
        _ => ("", value),
    };
    Ok(Term {
        field: field.to_owned(),
        op,
        kind: kind.to_owned(),
        value: value.to_owned(),
    })
}

/// The terms as URL query parameters, the four of each term together (the
/// ceilometer client sends all fields, then ops, types and values; the API
/// pairs them by position either way).
pub(crate) fn to_params(terms: &[Term]) -> Vec<(String, String)> {
    let mut params = Vec::with_capacity(terms.len() * 4);
    for term in terms {
        params.push(("q.field".to_owned(), term.field.clone()));
        params.push(("q.op".to_owned(), term.op.to_owned()));
        params.push(("q.type".to_owned(), term.kind.clone()));
        params.push(("q.value".to_owned(), term.value.clone()));
    }
    params
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_with_operators_and_types() {
        let terms = parse("resource_id=abc;volume>=float::2.5;timestamp<2015-01-01T00:00:00")
            .expect("valid");
        assert_eq!(terms.len(), 3);
        assert_eq!(
            (
                terms[0].field.as_str(),
                terms[0].op,
                terms[0].value.as_str()
            ),
            ("resource_id", "eq", "abc")
        );
        assert_eq!((terms[1].op, terms[1].kind.as_str()), ("ge", "float"));
        assert_eq!(terms[1].value, "2.5");
        assert_eq!(terms[2].op, "lt");
        assert_eq!(terms[2].value, "2015-01-01T00:00:00");
    }

    #[test]
    fn a_value_with_an_operator_inside_keeps_it() {
        let terms = parse("metadata.expr=a=b").expect("valid");
        assert_eq!(terms[0].field, "metadata.expr");
        assert_eq!(terms[0].value, "a=b");
        let terms = parse("x!=1").expect("valid");
        assert_eq!(terms[0].op, "ne");
    }

    #[test]
    fn an_unknown_type_prefix_is_part_of_the_value() {
        let terms = parse("metadata.url=http::x").expect("valid");
        assert_eq!(terms[0].kind, "");
        assert_eq!(terms[0].value, "http::x");
    }

    #[test]
    fn missing_parts_are_named() {
        assert_eq!(
            parse("resource_id").unwrap_err(),
            "invalid query resource_id: missing operator"
        );
        assert_eq!(parse("=x").unwrap_err(), "invalid query =x: missing field");
        assert_eq!(parse("a=").unwrap_err(), "invalid query a=: missing value");
    }
}
