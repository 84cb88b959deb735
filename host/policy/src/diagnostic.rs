//! Errors that point at a place in a configuration or policy file.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// A position in a file, 1-based.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file.
    pub file: PathBuf,
    /// Line, starting at 1.
    pub line: usize,
    /// Column in characters, starting at 1.
    pub column: usize,
}

impl Location {
    /// The location of byte `offset` in `source`, the text of `file`.
    pub fn at(file: &Path, source: &str, offset: usize) -> Self {
        let offset = offset.min(source.len());
        let before = source.get(..offset).unwrap_or(source);
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
        Location {
            file: file.to_path_buf(),
            line,
            column,
        }
    }

    /// The location of the start of `span` in `source`.
    pub fn of_span(file: &Path, source: &str, span: Range<usize>) -> Self {
        Self::at(file, source, span.start)
    }

    /// The start of a file, for errors about a whole file.
    pub fn file(file: &Path) -> Self {
        Location {
            file: file.to_path_buf(),
            line: 1,
            column: 1,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

/// One error at one place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Where the error is.
    pub location: Location,
    /// What is wrong, naming the field.
    pub message: String,
}

impl Diagnostic {
    /// An error at `location`.
    pub fn new(location: Location, message: impl Into<String>) -> Self {
        Diagnostic {
            location,
            message: message.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

/// Every error found in one pass, so an operator can fix them all at once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// Records an error.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.0.push(diagnostic);
    }

    /// Drops repeats of an error, keeping the first.
    pub fn dedup(&mut self) {
        let mut seen = Vec::new();
        self.0.retain(|d| {
            let fresh = !seen.contains(d);
            if fresh {
                seen.push(d.clone());
            }
            fresh
        });
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(value)` when nothing was recorded, else the errors.
    pub fn into_result<T>(self, value: T) -> Result<T, Diagnostics> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, diagnostic) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{diagnostic}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

impl From<Diagnostic> for Diagnostics {
    fn from(diagnostic: Diagnostic) -> Self {
        Diagnostics(vec![diagnostic])
    }
}

/// Parses TOML into `T`, turning a parse error into a located diagnostic.
pub(crate) fn parse_toml<T: serde::de::DeserializeOwned>(
    file: &Path,
    source: &str,
) -> Result<T, Diagnostic> {
    toml::from_str(source).map_err(|error| {
        let location = match error.span() {
            Some(span) => Location::of_span(file, source, span),
            None => Location::file(file),
        };
        Diagnostic::new(location, error.message().trim().to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_counts_lines_and_characters() {
        let source = "a = 1\nbé = 2\n";
        let offset = source.find("= 2").unwrap();
        let location = Location::at(Path::new("x.toml"), source, offset);
        assert_eq!((location.line, location.column), (2, 4));
        assert_eq!(location.to_string(), "x.toml:2:4");
    }
}
