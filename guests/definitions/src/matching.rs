//! Matching notification event types against definition patterns.

use fancy_regex::Regex;

/// How a definition's `event_type` patterns are interpreted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PatternSyntax {
    /// Python regular expressions tested with `re.match` (anchored at the
    /// start only), as Ceilometer 10.0.0 (Queens) and later do.
    #[default]
    Regex,
    /// Shell globs (`fnmatch`, case-sensitive), as Ceilometer 5.0.0–9.0.0 did.
    Glob,
}

/// One compiled event-type pattern.
#[derive(Debug, Clone)]
pub enum EventTypePattern {
    /// A Python regular expression, anchored at the start.
    Regex(Regex),
    /// An `fnmatch` glob.
    Glob(crate::events::glob::Glob),
}

impl EventTypePattern {
    /// Compiles `pattern` in the given syntax.
    pub fn new(pattern: &str, syntax: PatternSyntax) -> Result<Self, String> {
        match syntax {
            PatternSyntax::Regex => Regex::new(&format!("^(?:{pattern})"))
                .map(EventTypePattern::Regex)
                .map_err(|e| format!("invalid event_type pattern {pattern:?}: {e}")),
            PatternSyntax::Glob => Ok(EventTypePattern::Glob(crate::events::glob::Glob::new(
                pattern,
            ))),
        }
    }

    /// Whether `event_type` matches.
    pub fn matches(&self, event_type: &str) -> bool {
        match self {
            EventTypePattern::Regex(regex) => regex.is_match(event_type).unwrap_or(false),
            EventTypePattern::Glob(glob) => glob.matches(event_type),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regex_patterns_match_at_the_start_only_and_support_lookahead() {
        let p = EventTypePattern::new(
            "compute.instance.(?!create.start|update).*",
            PatternSyntax::Regex,
        )
        .unwrap();
        assert!(p.matches("compute.instance.delete.end"));
        assert!(!p.matches("compute.instance.create.start"));
        assert!(!p.matches("compute.instance.update"));
        let plain = EventTypePattern::new("test.create", PatternSyntax::Regex).unwrap();
        assert!(
            plain.matches("test.createX"),
            "re.match does not anchor at the end"
        );
        assert!(plain.matches("test_create"), "`.` is any character");
        assert!(!plain.matches("xtest.create"));
    }

    #[test]
    fn globs_match_the_whole_name() {
        let p = EventTypePattern::new("volume.create.*", PatternSyntax::Glob).unwrap();
        assert!(p.matches("volume.create.end"));
        assert!(!p.matches("volume_create.end"));
        assert!(
            !EventTypePattern::new("image.send", PatternSyntax::Glob)
                .unwrap()
                .matches("image.sendX")
        );
        assert!(
            EventTypePattern::new("snap[!x]hot.?", PatternSyntax::Glob)
                .unwrap()
                .matches("snapshot.1")
        );
    }
}
