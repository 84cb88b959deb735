//! Running the discoveries a source names, once per cycle each.

use std::sync::Arc;

use crate::state_log::StateLog;
use crate::{CycleCache, Resource, Selection};

/// A polling.yaml discovery entry split as Ceilometer's `_parse_discoverer`
/// (`urlparse`): `name` is the URL scheme, or the whole entry when it has
/// none; `param` what follows the scheme (network location and path).
pub(crate) fn parse_discoverer(entry: &str) -> (String, Option<String>) {
    let Some((scheme, rest)) = entry.split_once(':') else {
        return (entry.to_owned(), None);
    };
    let valid_scheme = scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !valid_scheme {
        return (entry.to_owned(), None);
    }
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    let param = rest.strip_prefix("//").unwrap_or(rest);
    (scheme.to_ascii_lowercase(), Some(param.to_owned()))
}

/// The selected discoveries, with a log of their failures.
pub(crate) struct Discoverer {
    selection: Selection,
    log: StateLog,
}

impl Discoverer {
    pub(crate) fn new(selection: Selection) -> Self {
        Discoverer {
            selection,
            log: StateLog::new(),
        }
    }

    /// The resources of every entry, each entry run at most once per
    /// `cycle` (its result shared by every pollster and source asking).
    pub(crate) fn discover(&self, entries: &[String], cycle: &CycleCache) -> Vec<Resource> {
        let mut out = Vec::new();
        for entry in entries {
            let found = cycle
                .get_or_insert_with::<Vec<Resource>>(&format!("discovery:{entry}"), || {
                    self.run(entry)
                });
            out.extend(found.iter().cloned());
        }
        out
    }

    fn run(&self, entry: &str) -> Vec<Resource> {
        let (name, param) = parse_discoverer(entry);
        let Some(discovery) = self.selection.discovery(&name).map(Arc::clone) else {
            if self.log.problem(entry, "unknown") {
                tracing::warn!(discovery = %name, "Unknown discovery extension: {name}");
            }
            return Vec::new();
        };
        match discovery.discover(param.as_deref()) {
            Ok(resources) => {
                if self.log.ok(entry) {
                    tracing::info!(discovery = %entry, found = resources.len(), "discovery works again");
                }
                resources
            }
            Err(error) => {
                if self.log.problem(entry, &error) {
                    tracing::warn!(discovery = %entry, %error, "Unable to discover resources: {error}");
                } else {
                    tracing::debug!(discovery = %entry, %error, "discovery still failing");
                }
                Vec::new()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_discoverer;

    #[test]
    fn entries_split_as_urlparse_does() {
        let p = |s: &str| parse_discoverer(s);
        assert_eq!(p("local_instances"), ("local_instances".into(), None));
        assert_eq!(
            p("endpoint:compute"),
            ("endpoint".into(), Some("compute".into()))
        );
        assert_eq!(
            p("Endpoint:image"),
            ("endpoint".into(), Some("image".into()))
        );
        assert_eq!(
            p("snmp://host:161/x?a=b"),
            ("snmp".into(), Some("host:161/x".into()))
        );
        // An underscore is not a scheme character: the whole entry is the name.
        assert_eq!(p("local_node:x"), ("local_node:x".into(), None));
    }
}
