//! oslo.policy's rule language, the part Ceilometer's rules use:
//!
//! - `""` and `@`: always; `!`: never;
//! - `role:NAME`: the caller has the role (case-insensitive);
//! - `rule:NAME`: another rule of the file holds (a rule that is not
//!   defined never holds, as in oslo.policy);
//! - `FIELD:VALUE` with FIELD `user_id`, `project_id`, `user_name` or
//!   `project_name`: the caller's field equals VALUE (a quoted `'VALUE'` is
//!   taken literally); VALUE may be `%(KEY)s`, substituted from the target,
//!   which Ceilometer leaves empty, so such a check never holds;
//! - `not`, `and`, `or` (binding in that order) and parentheses.

use crate::identity::Identity;

/// A parsed rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Rule {
    /// Always holds.
    Always,
    /// Never holds.
    Never,
    /// The caller has this role.
    Role(String),
    /// The named rule holds.
    Ref(String),
    /// A credential field equals a value.
    Field {
        /// `user_id`, `project_id`, `user_name` or `project_name`.
        field: String,
        /// The value, or a `%(key)s` template.
        value: String,
    },
    /// Negation.
    Not(Box<Rule>),
    /// Conjunction.
    And(Vec<Rule>),
    /// Disjunction.
    Or(Vec<Rule>),
}

const FIELDS: [&str; 4] = ["user_id", "project_id", "user_name", "project_name"];

/// Splits a rule into tokens: parentheses, words (`and`, `or`, `not`) and checks.
fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in text.split_whitespace() {
        let mut word = word;
        while let Some(rest) = word.strip_prefix('(') {
            out.push("(".to_string());
            word = rest;
        }
        let mut closing = 0;
        while let Some(rest) = word.strip_suffix(')') {
            closing += 1;
            word = rest;
        }
        if !word.is_empty() {
            out.push(word.to_string());
        }
        out.extend(std::iter::repeat_n(")".to_string(), closing));
    }
    out
}

struct Parser {
    tokens: Vec<String>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&str> {
        self.tokens.get(self.at).map(String::as_str)
    }

    fn next(&mut self) -> Option<String> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn or(&mut self) -> Result<Rule, String> {
        let mut parts = vec![self.and()?];
        while self.peek().is_some_and(|t| t.eq_ignore_ascii_case("or")) {
            self.at += 1;
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Rule::Or(parts)
        })
    }

    fn and(&mut self) -> Result<Rule, String> {
        let mut parts = vec![self.not()?];
        while self.peek().is_some_and(|t| t.eq_ignore_ascii_case("and")) {
            self.at += 1;
            parts.push(self.not()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Rule::And(parts)
        })
    }

    fn not(&mut self) -> Result<Rule, String> {
        match self.next() {
            None => Err("the rule ends where a check was expected".to_string()),
            Some(t) if t.eq_ignore_ascii_case("not") => Ok(Rule::Not(Box::new(self.not()?))),
            Some(t) if t == "(" => {
                let inner = self.or()?;
                match self.next().as_deref() {
                    Some(")") => Ok(inner),
                    _ => Err("a `(` is not closed".to_string()),
                }
            }
            Some(t) if t == ")" => Err("a `)` without its `(`".to_string()),
            Some(t) if t.eq_ignore_ascii_case("and") || t.eq_ignore_ascii_case("or") => {
                Err(format!("`{t}` where a check was expected"))
            }
            Some(check) => parse_check(&check),
        }
    }
}

fn parse_check(check: &str) -> Result<Rule, String> {
    match check {
        "@" => return Ok(Rule::Always),
        "!" => return Ok(Rule::Never),
        _ => {}
    }
    let Some((kind, value)) = check.split_once(':') else {
        return Err(format!(
            "`{check}` is not a check (role:NAME, rule:NAME, FIELD:VALUE, @ or !)"
        ));
    };
    if value.is_empty() {
        return Err(format!("`{check}` names nothing after `{kind}:`"));
    }
    Ok(match kind {
        "role" => Rule::Role(value.to_string()),
        "rule" => Rule::Ref(value.to_string()),
        field if FIELDS.contains(&field) => Rule::Field {
            field: field.to_string(),
            value: value.to_string(),
        },
        other => {
            return Err(format!(
                "`{other}:` checks are not supported (role:, rule:, {})",
                FIELDS.map(|f| format!("{f}:")).join(", ")
            ));
        }
    })
}

impl Rule {
    /// Parses a rule's text.
    pub(crate) fn parse(text: &str) -> Result<Rule, String> {
        let tokens = tokens(text);
        if tokens.is_empty() {
            return Ok(Rule::Always);
        }
        let mut parser = Parser { tokens, at: 0 };
        let rule = parser.or()?;
        match parser.peek() {
            None => Ok(rule),
            Some(extra) => Err(format!("unexpected `{extra}` after a complete rule")),
        }
    }

    /// The names of the rules this rule refers to.
    pub(crate) fn refs<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Rule::Ref(name) => out.push(name),
            Rule::Not(inner) => inner.refs(out),
            Rule::And(parts) | Rule::Or(parts) => parts.iter().for_each(|p| p.refs(out)),
            _ => {}
        }
    }

    /// Whether the rule holds for `who`; `lookup` resolves `rule:` names.
    pub(crate) fn holds<'r>(
        &self,
        who: &Identity,
        lookup: &dyn Fn(&str) -> Option<&'r Rule>,
    ) -> bool {
        match self {
            Rule::Always => true,
            Rule::Never => false,
            Rule::Role(role) => who.roles.iter().any(|r| r.eq_ignore_ascii_case(role)),
            Rule::Ref(name) => lookup(name).is_some_and(|rule| rule.holds(who, lookup)),
            Rule::Field { field, value } => field_matches(who, field, value),
            Rule::Not(inner) => !inner.holds(who, lookup),
            Rule::And(parts) => parts.iter().all(|p| p.holds(who, lookup)),
            Rule::Or(parts) => parts.iter().any(|p| p.holds(who, lookup)),
        }
    }
}

fn field_matches(who: &Identity, field: &str, value: &str) -> bool {
    // `%(key)s` comes from the target, which is empty for every telemetry
    // rule (as Ceilometer's `enforce(rule, {}, creds)`): it never matches.
    if value.contains("%(") {
        return false;
    }
    let expected = value
        .strip_prefix('\'')
        .and_then(|v| v.strip_suffix('\''))
        .unwrap_or(value);
    let actual = match field {
        "user_id" => Some(who.user_id.as_str()),
        "project_id" => Some(who.project_id.as_str()),
        "user_name" => who.user_name.as_deref(),
        "project_name" => who.project_name.as_deref(),
        _ => None,
    };
    actual == Some(expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who(roles: &[&str]) -> Identity {
        Identity {
            user_id: "u1".into(),
            project_id: "p1".into(),
            roles: roles.iter().map(|r| r.to_string()).collect(),
            user_name: Some("alice".into()),
            project_name: None,
        }
    }

    fn holds(text: &str, roles: &[&str]) -> bool {
        let rule = Rule::parse(text).expect("parses");
        let admin = Rule::Role("admin".into());
        rule.holds(&who(roles), &|name| (name == "is_admin").then_some(&admin))
    }

    #[test]
    fn the_checks_ceilometer_uses() {
        assert!(holds("", &[]));
        assert!(holds("@", &[]));
        assert!(!holds("!", &["admin"]));
        assert!(
            holds("role:admin", &["member", "Admin"]),
            "case-insensitive"
        );
        assert!(!holds("role:admin", &["member"]));
        assert!(holds("rule:is_admin", &["admin"]));
        assert!(
            !holds("rule:undefined", &["admin"]),
            "a missing rule never holds"
        );
        assert!(holds("user_id:u1", &[]));
        assert!(holds("user_name:'alice'", &[]));
        assert!(!holds("project_name:x", &[]), "no name: no match");
        assert!(!holds("project_id:%(project_id)s", &[]), "empty target");
    }

    #[test]
    fn not_binds_tighter_than_and_tighter_than_or() {
        // not a or b and c  ==  (not a) or (b and c)
        assert!(holds("not role:a or role:b and role:c", &["b", "c"]));
        assert!(holds("not role:a or role:b and role:c", &[]));
        assert!(!holds("not role:a or role:b and role:c", &["a", "b"]));
        assert!(!holds("not (role:a or role:b) and role:c", &["a", "c"]));
        assert!(holds("((role:a)) and (not role:b)", &["a"]));
    }

    #[test]
    fn bad_rules_say_what_is_wrong() {
        for (text, expected) in [
            ("role:", "names nothing"),
            ("admin", "is not a check"),
            ("(role:a", "not closed"),
            ("role:a)", "unexpected `)`"),
            ("role:a or", "ends where a check was expected"),
            ("and role:a", "`and` where a check"),
            ("http://x:1", "`http:` checks are not supported"),
        ] {
            let error = Rule::parse(text).expect_err("refused");
            assert!(error.contains(expected), "{text}: {error}");
        }
    }
}
