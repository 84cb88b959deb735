//! Meter / event name filters (`agent.Source` in Ceilometer).
//!
//! Entries are `*`, names, globs (`disk.*`) and exclusions (`!cpu`, `!disk.*`),
//! matched with Python `fnmatch` rules (case-sensitive).

use crate::fnmatch::Glob;

/// Why a list of filter entries is rejected. The message needs the list's kind
/// (`meters` or `events`), see [`FilterError::message`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterError {
    /// The list is empty.
    Empty,
    /// An entry is the empty string (Ceilometer crashes on it with an `IndexError`).
    EmptyEntry,
    /// Both included (`name`) and excluded (`!name`) entries.
    IncludedAndExcluded,
    /// `*` together with included entries.
    IncludedWithWildcard,
}

impl FilterError {
    /// Ceilometer's message for this error, e.g. `No meters specified`.
    pub fn message(self, kind: &str) -> String {
        match self {
            FilterError::Empty => format!("No {kind} specified"),
            FilterError::EmptyEntry => format!("Empty name in {kind}"),
            FilterError::IncludedAndExcluded => {
                format!("Both included and excluded {kind} specified")
            }
            FilterError::IncludedWithWildcard => format!("Included {kind} specified with wildcard"),
        }
    }
}

/// A validated filter over meter or event names.
///
/// Evaluation (Ceilometer's `is_supported`): a name matching any exclusion is
/// rejected; otherwise a name matching any other entry is accepted; otherwise it
/// is accepted only when every entry is an exclusion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    entries: Vec<String>,
    include: Vec<Glob>,
    exclude: Vec<Glob>,
}

impl Filter {
    /// Validates `entries` with Ceilometer's rules: not empty, no empty entry,
    /// no mix of included and excluded entries, no `*` with included entries.
    ///
    /// As upstream, an entry counts as "included" only if it starts with
    /// neither `!` nor `*`; so `["*", "!cpu"]` and `["*.bytes", "!cpu"]` are valid.
    pub fn new(entries: Vec<String>) -> Result<Filter, FilterError> {
        if entries.is_empty() {
            return Err(FilterError::Empty);
        }
        if entries.iter().any(String::is_empty) {
            return Err(FilterError::EmptyEntry);
        }
        let is_included = |e: &String| !e.starts_with('!') && !e.starts_with('*');
        let has_included = entries.iter().any(is_included);
        if has_included && entries.iter().any(|e| e.starts_with('!')) {
            return Err(FilterError::IncludedAndExcluded);
        }
        if has_included && entries.iter().any(|e| e == "*") {
            return Err(FilterError::IncludedWithWildcard);
        }
        let mut include = Vec::new();
        let mut exclude = Vec::new();
        for entry in &entries {
            match entry.strip_prefix('!') {
                Some(pattern) => exclude.push(Glob::new(pattern)),
                None => include.push(Glob::new(entry)),
            }
        }
        Ok(Filter {
            entries,
            include,
            exclude,
        })
    }

    /// The entries as written in the file.
    pub fn entries(&self) -> &[String] {
        &self.entries
    }

    /// Whether `name` passes the filter.
    pub fn matches(&self, name: &str) -> bool {
        if self.exclude.iter().any(|g| g.matches(name)) {
            return false;
        }
        if self.include.iter().any(|g| g.matches(name)) {
            return true;
        }
        self.include.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(entries: &[&str]) -> Result<Filter, FilterError> {
        Filter::new(entries.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn wildcard_matches_everything() {
        let f = filter(&["*"]).unwrap();
        assert!(f.matches("cpu"));
        assert!(f.matches("disk.read.bytes"));
        assert!(f.matches(""));
    }

    #[test]
    fn exclusion_with_wildcard() {
        let f = filter(&["*", "!cpu"]).unwrap();
        assert!(!f.matches("cpu"));
        assert!(f.matches("cpu_util"));
        assert!(f.matches("memory.usage"));
    }

    #[test]
    fn exclusions_only_default_allow() {
        let f = filter(&["!cpu", "!disk.*"]).unwrap();
        assert!(!f.matches("cpu"));
        assert!(!f.matches("disk.read.bytes"));
        assert!(f.matches("disk"));
        assert!(f.matches("memory"));
    }

    #[test]
    fn includes_only_default_deny() {
        let f = filter(&["cpu", "disk.*"]).unwrap();
        assert!(f.matches("cpu"));
        assert!(f.matches("disk.read.bytes"));
        assert!(f.matches("disk.device.write.requests"));
        assert!(!f.matches("disk"));
        assert!(!f.matches("cpu_util"));
        assert!(!f.matches("CPU"));
    }

    #[test]
    fn not_star_matches_nothing() {
        let f = filter(&["!*"]).unwrap();
        assert!(!f.matches("cpu"));
        assert!(!f.matches(""));
        let f = filter(&["*", "!*"]).unwrap();
        assert!(!f.matches("cpu"));
    }

    #[test]
    fn exclusion_wins_over_inclusion() {
        // Only reachable with a star-led include, which upstream does not count as "included".
        let f = filter(&["*.bytes", "!network.*"]).unwrap();
        assert!(f.matches("disk.read.bytes"));
        assert!(!f.matches("network.incoming.bytes"));
        assert!(!f.matches("cpu"));
    }

    #[test]
    fn rejected_lists() {
        assert_eq!(filter(&[]), Err(FilterError::Empty));
        assert_eq!(filter(&["cpu", ""]), Err(FilterError::EmptyEntry));
        assert_eq!(
            filter(&["cpu", "!disk.*"]),
            Err(FilterError::IncludedAndExcluded)
        );
        assert_eq!(
            filter(&["*", "cpu"]),
            Err(FilterError::IncludedWithWildcard)
        );
        assert_eq!(
            filter(&["*", "cpu", "!disk"]),
            Err(FilterError::IncludedAndExcluded)
        );
    }

    #[test]
    fn messages() {
        assert_eq!(FilterError::Empty.message("meters"), "No meters specified");
        assert_eq!(
            FilterError::IncludedAndExcluded.message("events"),
            "Both included and excluded events specified"
        );
        assert_eq!(
            FilterError::IncludedWithWildcard.message("meters"),
            "Included meters specified with wildcard"
        );
    }
}
