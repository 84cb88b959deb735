//! Definition files: their text, YAML parsing, and locating items for errors.

use serde_json::Value;

/// One definition file: its name (for messages) and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefinitionFile {
    /// The file's path or name.
    pub name: String,
    /// Its YAML text.
    pub text: String,
}

/// A definition that did not load, or a file that did not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    /// The file.
    pub file: String,
    /// The line where the definition starts (1 for file-level errors).
    pub line: usize,
    /// The definition's name, if it has one.
    pub name: Option<String>,
    /// What is wrong.
    pub message: String,
    /// Whether the whole file is unusable (not YAML, no definition list),
    /// rather than one definition in it.
    pub whole_file: bool,
}

impl LoadError {
    /// An error about one definition of `file`, at `line`.
    pub fn new(file: &DefinitionFile, line: usize, name: Option<&str>, message: String) -> Self {
        LoadError {
            file: file.name.clone(),
            line,
            name: name.map(str::to_owned),
            message,
            whole_file: false,
        }
    }

    /// An error that makes the whole of `file` unusable.
    pub fn file(file: &DefinitionFile, line: usize, message: String) -> Self {
        LoadError {
            whole_file: true,
            ..LoadError::new(file, line, None, message)
        }
    }
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.name {
            Some(name) => write!(
                f,
                "{}:{}: definition `{name}`: {}",
                self.file, self.line, self.message
            ),
            None => write!(f, "{}:{}: {}", self.file, self.line, self.message),
        }
    }
}

/// Parses a YAML file into JSON values, resolving `<<` merge keys.
pub fn parse_yaml(file: &DefinitionFile) -> Result<Value, LoadError> {
    let mut document: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(&file.text).map_err(|error| {
            let line = error.location().map_or(1, |l| l.line());
            LoadError::file(file, line, format!("not valid YAML: {error}"))
        })?;
    document
        .apply_merge()
        .map_err(|error| LoadError::file(file, 1, format!("bad YAML merge key: {error}")))?;
    serde_json::to_value(&document)
        .map_err(|error| LoadError::file(file, 1, format!("unsupported YAML value: {error}")))
}

/// The 1-based lines where the items of the file's top-level list start, for
/// block-style YAML: lines that open a sequence item (`- `) at the shallowest
/// indentation used by sequence items. Flow-style files get no lines.
pub fn item_lines(text: &str, expected: usize) -> Vec<usize> {
    let starts: Vec<(usize, usize)> = text
        .lines()
        .enumerate()
        .filter_map(|(i, line)| {
            let trimmed = line.trim_start();
            (trimmed.starts_with("- ") || trimmed == "-")
                .then(|| (i + 1, line.len() - trimmed.len()))
        })
        .collect();
    let Some(indent) = starts.iter().map(|(_, indent)| *indent).min() else {
        return Vec::new();
    };
    let lines: Vec<usize> = starts
        .into_iter()
        .filter(|(_, i)| *i == indent)
        .map(|(line, _)| line)
        .collect();
    if lines.len() == expected {
        lines
    } else {
        Vec::new()
    }
}
