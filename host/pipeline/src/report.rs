//! Collects [`ConfigError`]s and works out the line each one points at.

use crate::error::ConfigError;
use crate::locate::Locator;

/// Which list item (a source or a sink) an error belongs to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ItemRef<'n> {
    /// Top-level key of the list: `sources` or `sinks`.
    pub section: &'static str,
    /// Word used in messages: `source` or `sink`.
    pub label: &'static str,
    /// 0-based position in the list.
    pub index: usize,
    /// The item's name, when it has a valid one.
    pub name: Option<&'n str>,
    /// How many earlier items of the list have the same name (for text search).
    pub occurrence: usize,
}

/// Where inside an item an error points.
#[derive(Debug, Clone, Copy)]
pub(crate) enum At<'k> {
    /// The item itself (its `name:` line, else its first line).
    Item,
    /// The line of a key of the item (falls back to [`At::Item`]).
    Key(&'k str),
    /// Entry `n` of a list-valued key of the item (falls back to the key).
    Entry(&'k str, usize),
}

/// Error sink for one file.
#[derive(Debug)]
pub(crate) struct Reporter<'a> {
    file: &'a str,
    locator: Locator<'a>,
    errors: Vec<ConfigError>,
}

impl<'a> Reporter<'a> {
    /// A reporter for `file` whose content is `text`.
    pub(crate) fn new(file: &'a str, text: &'a str) -> Self {
        Reporter {
            file,
            locator: Locator::new(text),
            errors: Vec::new(),
        }
    }

    /// Records an error at a known line.
    pub(crate) fn at_line(&mut self, line: usize, message: impl Into<String>) {
        self.errors
            .push(ConfigError::new(self.file, line.max(1), message));
    }

    /// Records an error about a top-level key (line 1 if the key is absent).
    pub(crate) fn at_top_key(&mut self, key: &str, message: impl Into<String>) {
        let line = self.locator.top_key(key).unwrap_or(1);
        self.at_line(line, message);
    }

    /// The line of the item as a whole.
    pub(crate) fn item_line(&self, item: &ItemRef<'_>) -> usize {
        let loc = &self.locator;
        loc.item_key_line(item.section, item.index, "name")
            .or_else(|| loc.item_line(item.section, item.index))
            .or_else(|| {
                let from = loc.top_key(item.section)?;
                loc.find_text(from, item.name?, item.occurrence)
            })
            .or_else(|| loc.top_key(item.section))
            .unwrap_or(1)
    }

    /// The line an error at `at` inside `item` points at.
    pub(crate) fn line(&self, item: &ItemRef<'_>, at: At<'_>) -> usize {
        let loc = &self.locator;
        let found = match at {
            At::Item => None,
            At::Key(key) => loc.item_key_line(item.section, item.index, key),
            At::Entry(key, n) => loc
                .item_entry_line(item.section, item.index, key, n)
                .or_else(|| loc.item_key_line(item.section, item.index, key)),
        };
        found.unwrap_or_else(|| self.item_line(item))
    }

    /// Records an error about `item`, prefixed with `source "name": ` (or
    /// `source #3: ` when the item has no usable name).
    pub(crate) fn item(&mut self, item: &ItemRef<'_>, at: At<'_>, message: impl AsRef<str>) {
        let line = self.line(item, at);
        let prefix = match item.name {
            Some(name) => format!("{} \"{}\"", item.label, name),
            None => format!("{} #{}", item.label, item.index + 1),
        };
        self.at_line(line, format!("{prefix}: {}", message.as_ref()));
    }

    /// Whether any error was recorded.
    pub(crate) fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// The errors, ordered by line (stable for equal lines).
    pub(crate) fn finish(mut self) -> Vec<ConfigError> {
        self.errors.sort_by_key(|e| e.line);
        self.errors
    }
}
