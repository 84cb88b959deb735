//! The error type every parser returns: one problem, with file and line.

/// One configuration problem, located in its file.
///
/// Displays as `file:line: message`, e.g.
/// `pipeline.yaml:7: source "cpu_source": Dangling sink cpu_sinkk from source cpu_source`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct ConfigError {
    /// The file name given to the parser (not opened; only used for reporting).
    pub file: String,
    /// 1-based line of the offending value, item or key (1 for whole-file problems).
    pub line: usize,
    /// The message: Ceilometer's own text, prefixed with `source "x": ` / `sink "x": `
    /// when the problem belongs to one source or sink.
    pub message: String,
}

impl ConfigError {
    /// Builds an error.
    pub fn new(file: &str, line: usize, message: impl Into<String>) -> Self {
        ConfigError {
            file: file.to_owned(),
            line,
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_file_line_message() {
        let e = ConfigError::new("pipeline.yaml", 3, "No publisher specified");
        assert_eq!(e.to_string(), "pipeline.yaml:3: No publisher specified");
    }
}
