//! Access rules as Ceilometer's `policy.json` and `ceilometer/api/rbac.py`:
//! each call is allowed by its rule `telemetry:<action>` (or the `default`
//! rule when it has none; with neither, allowed), and callers for whom
//! `segregation` (or, without it, `context_is_admin`) does not hold are
//! limited to their own project.
//!
//! The shipped rules are `policies/api-access.json` (Ceilometer's Pike
//! `policy.json` plus Newton's event rules), embedded; `[api] access_policy`
//! names another file, read again when it changes.

mod rule;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use crate::identity::Identity;
use crate::live_file::{LiveFile, line_column};
use rule::Rule;

/// The shipped access rules (`policies/api-access.json`).
pub const SHIPPED_ACCESS_RULES: &str = include_str!("../../../../policies/api-access.json");

/// A set of named oslo.policy rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRules {
    rules: BTreeMap<String, Rule>,
}

/// The place of the key `"name"` in `text`, for errors about one rule.
fn rule_place(path: &Path, text: &str, name: &str) -> String {
    let quoted = serde_json::Value::String(name.to_string()).to_string();
    let (line, column) = text
        .find(&quoted)
        .map_or((1, 1), |offset| line_column(text, offset));
    format!("{}:{line}:{column}", path.display())
}

impl AccessRules {
    /// Parses an oslo.policy JSON file (an object of rule name → rule
    /// text); errors are `file:line:column: message`.
    pub fn parse(path: &Path, text: &str) -> Result<AccessRules, String> {
        let raw: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(text).map_err(|e| {
                format!(
                    "{}:{}:{}: {e}",
                    path.display(),
                    e.line().max(1),
                    e.column().max(1)
                )
            })?;
        let mut rules = BTreeMap::new();
        for (name, value) in &raw {
            let serde_json::Value::String(text_rule) = value else {
                return Err(format!(
                    "{}: rule `{name}` must be a string in oslo.policy's rule syntax",
                    rule_place(path, text, name)
                ));
            };
            let rule = Rule::parse(text_rule)
                .map_err(|e| format!("{}: rule `{name}`: {e}", rule_place(path, text, name)))?;
            rules.insert(name.clone(), rule);
        }
        let parsed = AccessRules { rules };
        if let Some(cycle) = parsed.find_cycle() {
            return Err(format!(
                "{}: rule `{cycle}` refers to itself through rule: checks",
                rule_place(path, text, &cycle)
            ));
        }
        for (name, rule) in &parsed.rules {
            let mut refs = Vec::new();
            rule.refs(&mut refs);
            for missing in refs.iter().filter(|r| !parsed.rules.contains_key(**r)) {
                tracing::warn!(
                    "{}: rule `{name}` refers to rule:{missing}, which is not defined (never holds)",
                    rule_place(path, text, name)
                );
            }
        }
        Ok(parsed)
    }

    /// The shipped rules.
    pub fn shipped() -> AccessRules {
        AccessRules::parse(
            Path::new("<embedded>/api-access.json"),
            SHIPPED_ACCESS_RULES,
        )
        .unwrap_or_else(|error| {
            // Covered by a test; never expected. Refuse everything rather than allow.
            tracing::error!("{error}");
            AccessRules {
                rules: BTreeMap::from([("default".to_string(), Rule::Never)]),
            }
        })
    }

    fn find_cycle(&self) -> Option<String> {
        fn visit<'a>(
            rules: &'a BTreeMap<String, Rule>,
            name: &'a str,
            path: &mut Vec<&'a str>,
            done: &mut Vec<&'a str>,
        ) -> Option<String> {
            if path.contains(&name) {
                return Some(name.to_string());
            }
            if done.contains(&name) {
                return None;
            }
            let rule = rules.get(name)?;
            path.push(name);
            let mut refs = Vec::new();
            rule.refs(&mut refs);
            for next in refs {
                if let Some(found) = visit(rules, next, path, done) {
                    return Some(found);
                }
            }
            path.pop();
            done.push(name);
            None
        }
        let mut done = Vec::new();
        self.rules
            .keys()
            .find_map(|name| visit(&self.rules, name, &mut Vec::new(), &mut done))
    }

    fn holds(&self, name: &str, who: &Identity) -> Option<bool> {
        let rule = self.rules.get(name)?;
        Some(rule.holds(who, &|n| self.rules.get(n)))
    }

    /// Whether `who` may call `action` (the rule `telemetry:<action>`, else
    /// `default`; allowed when neither exists, as Ceilometer).
    pub fn allows(&self, action: &str, who: &Identity) -> bool {
        let name = format!("telemetry:{action}");
        self.holds(&name, who)
            .or_else(|| self.holds("default", who))
            .unwrap_or(true)
    }

    /// Whether `who` sees every project: `segregation`, or without it
    /// `context_is_admin`; with neither, nobody does.
    pub fn is_admin(&self, who: &Identity) -> bool {
        let name = if self.rules.contains_key("segregation") {
            "segregation"
        } else {
            "context_is_admin"
        };
        self.holds(name, who)
            .or_else(|| self.holds("default", who))
            .unwrap_or(false)
    }
}

/// Where the rules come from: the shipped ones, or a file kept current.
pub(crate) enum Access {
    Fixed(Arc<AccessRules>),
    Live(LiveFile<AccessRules>),
}

impl Access {
    /// The shipped rules, or the file at `path` (failing when it does not parse).
    pub(crate) fn open(path: Option<&Path>) -> Result<Access, String> {
        match path {
            None => Ok(Access::Fixed(Arc::new(AccessRules::shipped()))),
            Some(path) => Ok(Access::Live(LiveFile::open(path, AccessRules::parse)?)),
        }
    }

    /// The rules in force now.
    pub(crate) fn current(&self) -> Arc<AccessRules> {
        match self {
            Access::Fixed(rules) => Arc::clone(rules),
            Access::Live(file) => file.current(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who(roles: &[&str]) -> Identity {
        Identity {
            user_id: "u".into(),
            project_id: "p".into(),
            roles: roles.iter().map(|r| r.to_string()).collect(),
            user_name: None,
            project_name: None,
        }
    }

    #[test]
    fn the_shipped_rules_parse_and_allow_every_call_but_scope_non_admins() {
        let rules = AccessRules::parse(Path::new("a.json"), SHIPPED_ACCESS_RULES).expect("valid");
        assert_eq!(rules, AccessRules::shipped());
        for action in [
            "get_samples",
            "get_sample",
            "query_sample",
            "create_samples",
            "compute_statistics",
            "get_meters",
            "get_resource",
            "get_resources",
            "events:index",
            "events:show",
        ] {
            assert!(rules.allows(action, &who(&[])), "{action}");
        }
        assert!(rules.is_admin(&who(&["admin"])));
        assert!(!rules.is_admin(&who(&["member"])));
    }

    #[test]
    fn default_rule_segregation_and_missing_rules_as_ceilometer() {
        let path = Path::new("a.json");
        let rules = AccessRules::parse(
            path,
            r#"{"context_is_admin": "role:admin", "telemetry:get_samples": "role:reader"}"#,
        )
        .expect("valid");
        assert!(!rules.allows("get_samples", &who(&[])));
        assert!(rules.allows("get_samples", &who(&["reader"])));
        assert!(
            rules.allows("get_meters", &who(&[])),
            "no rule, no default: allowed"
        );
        assert!(
            rules.is_admin(&who(&["admin"])),
            "context_is_admin without segregation"
        );

        let rules = AccessRules::parse(
            path,
            r#"{"default": "role:x", "segregation": "role:auditor", "context_is_admin": "role:admin"}"#,
        )
        .expect("valid");
        assert!(!rules.allows("get_meters", &who(&[])), "default applies");
        assert!(rules.allows("get_meters", &who(&["x"])));
        assert!(rules.is_admin(&who(&["auditor"])));
        assert!(!rules.is_admin(&who(&["admin"])), "segregation decides");

        let none = AccessRules::parse(path, "{}").expect("valid");
        assert!(
            !none.is_admin(&who(&["admin"])),
            "no admin rule: nobody sees all"
        );
    }

    #[test]
    fn errors_name_file_line_and_rule() {
        let path = Path::new("a.json");
        let cases = [
            ("{\n  \"a\": \"role:x\",\n}", "a.json:3:1:"),
            (
                "{\n  \"ok\": \"\",\n  \"bad\": \"role:x and\"\n}",
                "a.json:3:3: rule `bad`: the rule ends",
            ),
            (
                "{\"l\": [[\"role:a\"]]}",
                "a.json:1:2: rule `l` must be a string",
            ),
            (
                "{\"a\": \"rule:b\",\n \"b\": \"rule:a or role:x\"}",
                "a.json:1:2: rule `a` refers to itself",
            ),
        ];
        for (text, expected) in cases {
            let error = AccessRules::parse(path, text).expect_err("refused");
            assert!(error.starts_with(expected), "{text}: {error}");
        }
    }
}
