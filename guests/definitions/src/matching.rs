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
pub struct EventTypePattern {
    regex: Regex,
}

impl EventTypePattern {
    /// Compiles `pattern` in the given syntax.
    pub fn new(pattern: &str, syntax: PatternSyntax) -> Result<Self, String> {
        let source = match syntax {
            PatternSyntax::Regex => format!("^(?:{pattern})"),
            PatternSyntax::Glob => format!("^{}$", glob_to_regex(pattern)),
        };
        Regex::new(&source)
            .map(|regex| EventTypePattern { regex })
            .map_err(|e| format!("invalid event_type pattern {pattern:?}: {e}"))
    }

    /// Whether `event_type` matches.
    pub fn matches(&self, event_type: &str) -> bool {
        self.regex.is_match(event_type).unwrap_or(false)
    }
}

/// Translates an fnmatch glob (`*`, `?`, `[seq]`, `[!seq]`) into a regex body.
pub fn glob_to_regex(glob: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = glob.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        match c {
            '*' => out.push_str(".*"),
            '?' => out.push('.'),
            '[' => {
                let mut j = i;
                if j < chars.len() && chars[j] == '!' {
                    j += 1;
                }
                if j < chars.len() && chars[j] == ']' {
                    j += 1;
                }
                while j < chars.len() && chars[j] != ']' {
                    j += 1;
                }
                if j >= chars.len() {
                    out.push_str("\\[");
                } else {
                    let mut class: String = chars[i..j].iter().collect();
                    if let Some(rest) = class.strip_prefix('!') {
                        class = format!("^{rest}");
                    }
                    out.push('[');
                    out.push_str(&class.replace('\\', "\\\\"));
                    out.push(']');
                    i = j + 1;
                }
            }
            c => {
                let mut buf = [0u8; 4];
                out.push_str(&fancy_regex::escape(c.encode_utf8(&mut buf)));
            }
        }
    }
    out
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
