//! Line numbers of the definitions in an snmp.yaml text, which the YAML
//! value tree does not keep.
//!
//! Works on block-style YAML as Ceilometer ships and operators write it: a
//! top-level `metric:` key and its `- ` items. A layout it does not
//! recognise (flow style) gives no item lines; callers then report line 1.

/// The lines of one `metric:` item: `[start, end)`, 1-based.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ItemLines {
    /// The line of the item's dash.
    pub start: usize,
    /// The line after the item's last line.
    pub end: usize,
}

/// Indentation and body of a significant (non-blank, non-comment) line.
fn significant(raw: &str) -> Option<(usize, &str)> {
    let body = raw.trim_start_matches(' ');
    let trimmed = body.trim_end();
    if trimmed.is_empty() || trimmed.starts_with('#') || trimmed == "---" || trimmed == "..." {
        return None;
    }
    Some((raw.len() - body.len(), trimmed))
}

fn is_dash(body: &str) -> bool {
    body == "-" || body.starts_with("- ") || body.starts_with("-\t")
}

/// Whether `body` opens `key:` (optionally quoted).
fn opens_key(body: &str, key: &str) -> bool {
    ["", "\"", "'"].iter().any(|q| {
        body.strip_prefix(q)
            .and_then(|r| r.strip_prefix(key))
            .and_then(|r| r.strip_prefix(q))
            .map(str::trim_start)
            .and_then(|r| r.strip_prefix(':'))
            .is_some_and(|r| r.is_empty() || r.starts_with([' ', '\t']))
    })
}

/// The items of the top-level `metric:` list.
pub fn metric_items(text: &str) -> Vec<ItemLines> {
    let lines: Vec<(usize, usize, &str)> = text
        .lines()
        .enumerate()
        .filter_map(|(i, raw)| significant(raw).map(|(indent, body)| (i + 1, indent, body)))
        .collect();
    let Some(head) = lines
        .iter()
        .position(|(_, indent, body)| *indent == 0 && opens_key(body, "metric"))
    else {
        return Vec::new();
    };
    let section_end = lines[head + 1..]
        .iter()
        .position(|(_, indent, body)| *indent == 0 && !is_dash(body))
        .map_or(lines.len(), |p| head + 1 + p);
    let Some(&(_, item_indent, first)) = lines.get(head + 1).filter(|_| head + 1 < section_end)
    else {
        return Vec::new();
    };
    if !is_dash(first) {
        return Vec::new();
    }
    let starts: Vec<usize> = (head + 1..section_end)
        .filter(|&i| lines[i].1 == item_indent && is_dash(lines[i].2))
        .collect();
    let after_section = lines
        .get(section_end)
        .map_or_else(|| text.lines().count() + 1, |l| l.0);
    starts
        .iter()
        .enumerate()
        .map(|(n, &i)| ItemLines {
            start: lines[i].0,
            end: starts.get(n + 1).map_or(after_section, |&j| lines[j].0),
        })
        .collect()
}

/// The line of the first `key:` of `path`, each key searched after the
/// previous one, inside `item`; the item's own line when a key is not found.
pub fn key_line(text: &str, item: ItemLines, path: &[&str]) -> usize {
    let mut line = item.start;
    let mut from = item.start;
    for key in path {
        let found = text
            .lines()
            .enumerate()
            .skip(from.saturating_sub(1))
            .take(item.end.saturating_sub(from))
            .find_map(|(i, raw)| {
                let (_, body) = significant(raw)?;
                let body = if is_dash(body) {
                    body[1..].trim_start()
                } else {
                    body
                };
                opens_key(body, key).then_some(i + 1)
            });
        match found {
            Some(l) => {
                line = l;
                from = l;
            }
            None => return line,
        }
    }
    line
}

/// The text of an item, as a YAML document of its own (a one-item list).
pub fn item_text(text: &str, item: ItemLines) -> String {
    let mut out = String::new();
    for raw in text
        .lines()
        .skip(item.start - 1)
        .take(item.end - item.start)
    {
        out.push_str(raw);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "# comment\nmetric:\n# cpu\n    - name: a\n      unit: x\n      snmp_inspector:\n          type: int\n\n    - name: b\n      type: gauge\nother: 1\n";

    #[test]
    fn finds_items_and_their_keys() {
        let items = metric_items(TEXT);
        assert_eq!(
            items,
            [
                ItemLines { start: 4, end: 9 },
                ItemLines { start: 9, end: 11 }
            ]
        );
        assert_eq!(key_line(TEXT, items[0], &["name"]), 4);
        assert_eq!(key_line(TEXT, items[0], &["snmp_inspector", "type"]), 7);
        assert_eq!(key_line(TEXT, items[1], &["type"]), 10);
        assert_eq!(key_line(TEXT, items[1], &["snmp_inspector", "oid"]), 9);
        assert_eq!(
            item_text(TEXT, items[1]),
            "    - name: b\n      type: gauge\n"
        );
    }

    #[test]
    fn flow_style_has_no_item_lines() {
        assert!(metric_items("metric: [{name: a}]\n").is_empty());
        assert!(metric_items("nothing: here\n").is_empty());
    }
}
