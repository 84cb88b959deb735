//! Finds line numbers in the YAML text, which `serde_yaml_ng::Value` does not keep.
//!
//! Works on block-style YAML (what Ceilometer ships and operators write): a
//! top-level key such as `sources:`, its list items (`- name: x`), keys inside
//! an item and entries of a list inside an item. When the layout is not
//! recognised (flow style `[{...}]`), callers fall back to searching for the
//! item's name, then to the section's key line, then to line 1.

/// One significant (non-blank, non-comment) line.
#[derive(Debug, Clone, Copy)]
struct Line<'a> {
    /// 1-based line number.
    number: usize,
    /// Column of the first non-space character.
    indent: usize,
    /// The line without its indentation.
    body: &'a str,
}

/// A list item: indices into the significant lines, `[start, end)`, and the
/// column at which the item's mapping keys start.
#[derive(Debug, Clone, Copy)]
struct Item {
    start: usize,
    end: usize,
    key_col: usize,
}

/// Line index of one YAML document's text.
#[derive(Debug)]
pub(crate) struct Locator<'a> {
    text: &'a str,
    lines: Vec<Line<'a>>,
}

/// If `body` starts with `key:` (optionally quoted), the rest after the colon.
fn key_rest<'b>(body: &'b str, key: &str) -> Option<&'b str> {
    for quote in ["", "\"", "'"] {
        let Some(rest) = body
            .strip_prefix(quote)
            .and_then(|r| r.strip_prefix(key))
            .and_then(|r| r.strip_prefix(quote))
        else {
            continue;
        };
        let rest = rest.trim_start_matches(' ');
        if let Some(value) = rest.strip_prefix(':')
            && (value.is_empty() || value.starts_with([' ', '\t']))
        {
            return Some(value.trim());
        }
    }
    None
}

/// If `body` is a list entry (`- ...` or a lone `-`), the text after the dash.
fn dash_rest(body: &str) -> Option<&str> {
    let rest = body.strip_prefix('-')?;
    if rest.is_empty() || rest.starts_with([' ', '\t']) {
        Some(rest)
    } else {
        None
    }
}

impl<'a> Locator<'a> {
    /// Indexes `text`.
    pub(crate) fn new(text: &'a str) -> Self {
        let lines = text
            .lines()
            .enumerate()
            .filter_map(|(i, raw)| {
                let body = raw.trim_start_matches(' ');
                let body = body.trim_end();
                let skip =
                    body.is_empty() || body.starts_with('#') || body == "---" || body == "...";
                (!skip).then(|| Line {
                    number: i + 1,
                    indent: raw.len() - raw.trim_start_matches(' ').len(),
                    body,
                })
            })
            .collect();
        Locator { text, lines }
    }

    /// Line of the top-level key `key:`.
    pub(crate) fn top_key(&self, key: &str) -> Option<usize> {
        self.section(key).map(|i| self.lines[i].number)
    }

    /// Index of the significant line holding top-level `key:`.
    fn section(&self, key: &str) -> Option<usize> {
        self.lines
            .iter()
            .position(|l| l.indent == 0 && key_rest(l.body, key).is_some())
    }

    /// The items of the block list under top-level `key:`.
    fn items(&self, key: &str) -> Vec<Item> {
        let Some(head) = self.section(key) else {
            return Vec::new();
        };
        if key_rest(self.lines[head].body, key).is_some_and(|v| !v.is_empty()) {
            return Vec::new(); // inline / flow value
        }
        let end = self.lines[head + 1..]
            .iter()
            .position(|l| l.indent == 0 && dash_rest(l.body).is_none())
            .map_or(self.lines.len(), |p| head + 1 + p);
        let Some(first) = self.lines.get(head + 1).filter(|_| head + 1 < end) else {
            return Vec::new();
        };
        if dash_rest(first.body).is_none() {
            return Vec::new();
        }
        let item_indent = first.indent;
        let starts: Vec<usize> = (head + 1..end)
            .filter(|&i| {
                self.lines[i].indent == item_indent && dash_rest(self.lines[i].body).is_some()
            })
            .collect();
        let mut items = Vec::with_capacity(starts.len());
        for (n, &start) in starts.iter().enumerate() {
            let item_end = starts.get(n + 1).copied().unwrap_or(end);
            let line = self.lines[start];
            let rest = dash_rest(line.body).unwrap_or("");
            let inner = rest.trim_start();
            let key_col = if inner.is_empty() {
                self.lines
                    .get(start + 1)
                    .filter(|_| start + 1 < item_end)
                    .map_or(item_indent + 2, |l| l.indent)
            } else {
                item_indent + 1 + (rest.len() - inner.len())
            };
            items.push(Item {
                start,
                end: item_end,
                key_col,
            });
        }
        items
    }

    /// Significant-line index of `key:` inside `item`, and the text after the colon.
    fn item_key(&self, item: Item, key: &str) -> Option<(usize, &'a str)> {
        (item.start..item.end).find_map(|i| {
            let line = self.lines[i];
            let body = if i == item.start {
                dash_rest(line.body)?.trim_start()
            } else if line.indent == item.key_col {
                line.body
            } else {
                return None;
            };
            key_rest(body, key).map(|rest| (i, rest))
        })
    }

    /// Line where item `index` of top-level list `section` starts.
    pub(crate) fn item_line(&self, section: &str, index: usize) -> Option<usize> {
        self.items(section)
            .get(index)
            .map(|item| self.lines[item.start].number)
    }

    /// Line of `key:` inside item `index` of top-level list `section`.
    pub(crate) fn item_key_line(&self, section: &str, index: usize, key: &str) -> Option<usize> {
        let item = *self.items(section).get(index)?;
        self.item_key(item, key).map(|(i, _)| self.lines[i].number)
    }

    /// Line of entry `entry` of the list `key:` inside item `index` of `section`.
    /// An inline (flow) list reports its key line for every entry.
    pub(crate) fn item_entry_line(
        &self,
        section: &str,
        index: usize,
        key: &str,
        entry: usize,
    ) -> Option<usize> {
        let item = *self.items(section).get(index)?;
        let (key_idx, rest) = self.item_key(item, key)?;
        if !rest.is_empty() {
            return Some(self.lines[key_idx].number);
        }
        let first = self
            .lines
            .get(key_idx + 1)
            .filter(|_| key_idx + 1 < item.end)?;
        dash_rest(first.body)?;
        let entry_indent = first.indent;
        self.lines[key_idx + 1..item.end]
            .iter()
            .take_while(|l| l.indent >= entry_indent)
            .filter(|l| l.indent == entry_indent && dash_rest(l.body).is_some())
            .nth(entry)
            .map(|l| l.number)
    }

    /// Line of the `occurrence`-th (0-based) line containing `needle` at or after
    /// line `from`; used when the block layout is not recognised.
    pub(crate) fn find_text(&self, from: usize, needle: &str, occurrence: usize) -> Option<usize> {
        if needle.is_empty() {
            return None;
        }
        self.text
            .lines()
            .enumerate()
            .skip(from.saturating_sub(1))
            .filter(|(_, l)| l.contains(needle))
            .nth(occurrence)
            .map(|(i, _)| i + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "---\n# comment\nsources:\n    - name: a\n      meters:\n          - \"*\"\n      sinks:\n          - s1\n          - s2\n    -\n      name: b\n      sinks: [s1]\nsinks:\n- name: s1\n  publishers:\n  - gnocchi://\n";

    #[test]
    fn finds_sections_items_keys_entries() {
        let l = Locator::new(TEXT);
        assert_eq!(l.top_key("sources"), Some(3));
        assert_eq!(l.top_key("sinks"), Some(13));
        assert_eq!(l.item_line("sources", 0), Some(4));
        assert_eq!(l.item_line("sources", 1), Some(10));
        assert_eq!(l.item_line("sources", 2), None);
        assert_eq!(l.item_key_line("sources", 0, "name"), Some(4));
        assert_eq!(l.item_key_line("sources", 1, "name"), Some(11));
        assert_eq!(l.item_key_line("sources", 0, "sinks"), Some(7));
        assert_eq!(l.item_entry_line("sources", 0, "sinks", 1), Some(9));
        assert_eq!(l.item_entry_line("sources", 0, "sinks", 2), None);
        assert_eq!(l.item_entry_line("sources", 1, "sinks", 0), Some(12));
        assert_eq!(l.item_line("sinks", 0), Some(14));
        assert_eq!(l.item_entry_line("sinks", 0, "publishers", 0), Some(16));
    }

    #[test]
    fn flow_style_has_no_items() {
        let l = Locator::new("sources: [{name: a}]\n");
        assert_eq!(l.top_key("sources"), Some(1));
        assert_eq!(l.item_line("sources", 0), None);
        assert_eq!(l.find_text(1, "a}", 0), Some(1));
    }

    #[test]
    fn quoted_keys() {
        let l = Locator::new("\"sources\":\n  - 'name': x\n");
        assert_eq!(l.item_key_line("sources", 0, "name"), Some(2));
    }
}
