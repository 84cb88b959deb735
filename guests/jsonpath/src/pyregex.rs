//! Python `re` on top of fancy-regex: pattern translation for the common
//! differences, `re.sub` replacement templates and Python 3.7+ `re.sub`
//! iteration (an empty match right after a match is replaced too).

use fancy_regex::{Captures, Regex};

/// Compiles a Python pattern; `anchored` gives `re.match` (anchored at the
/// start only).
pub(crate) fn compile(pattern: &str, anchored: bool) -> Result<Regex, String> {
    let translated = translate(pattern);
    let source = if anchored {
        format!(r"\A(?:{translated})")
    } else {
        translated
    };
    Regex::new(&source).map_err(|e| format!("{pattern}: {e}"))
}

/// Rewrites Python-only syntax: `\Z` is `\z`; `$` (without the multiline
/// flag) also matches before a final newline; `{,n}` is `{0,n}`; a `{` that
/// starts no repetition is a literal.
fn translate(pattern: &str) -> String {
    let multiline = pattern.contains("(?") && {
        // Inline global flags such as `(?im)`.
        pattern.match_indices("(?").any(|(i, _)| {
            pattern[i + 2..]
                .chars()
                .take_while(|c| c.is_ascii_alphabetic())
                .any(|c| c == 'm')
        })
    };
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut i = 0;
    let mut in_class = false;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                match chars.get(i + 1) {
                    Some('Z') if !in_class => out.push_str(r"\z"),
                    Some(&n) => {
                        out.push('\\');
                        out.push(n);
                    }
                    None => out.push('\\'),
                }
                i += 2;
                continue;
            }
            '[' if !in_class => {
                in_class = true;
                out.push('[');
                i += 1;
                if chars.get(i) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                if chars.get(i) == Some(&']') {
                    out.push_str(r"\]");
                    i += 1;
                }
                continue;
            }
            // Rust reads these as nested classes and set operations.
            '[' | '&' | '~' if in_class => {
                out.push('\\');
                out.push(c);
            }
            '-' if in_class && chars.get(i + 1) == Some(&'-') => out.push_str(r"\-"),
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            '$' if !in_class && !multiline => out.push_str(r"(?:(?=\n\z)|\z)"),
            '{' if !in_class => {
                let rest: String = chars[i + 1..].iter().take_while(|&&c| c != '}').collect();
                let closed = chars.len() > i + 1 + rest.chars().count();
                let (lo, hi) = rest.split_once(',').unwrap_or((&rest, ""));
                let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
                let quantifier =
                    closed && digits(lo) && digits(hi) && (!lo.is_empty() || rest.contains(','));
                if quantifier && lo.is_empty() {
                    out.push_str("{0");
                } else if quantifier {
                    out.push('{');
                } else {
                    out.push_str(r"\{");
                }
            }
            '}' if !in_class => out.push('}'),
            _ => out.push(c),
        }
        i += 1;
    }
    out
}

/// A parsed `re.sub` replacement.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Template(Vec<Piece>);

#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Text(String),
    Group(usize),
}

/// Parses a replacement as Python's `re._parser.parse_template` does.
pub(crate) fn template(repl: &str, regex: &Regex) -> Result<Template, String> {
    let groups = regex.captures_len().saturating_sub(1);
    let mut pieces = Vec::new();
    let mut text = String::new();
    let chars: Vec<char> = repl.chars().collect();
    let mut i = 0;
    let group = |pieces: &mut Vec<Piece>, text: &mut String, n: usize| {
        if n > groups {
            return Err(format!("invalid group reference {n}"));
        }
        if !text.is_empty() {
            pieces.push(Piece::Text(std::mem::take(text)));
        }
        pieces.push(Piece::Group(n));
        Ok(())
    };
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        if c != '\\' {
            text.push(c);
            continue;
        }
        let Some(&e) = chars.get(i) else {
            return Err("bad escape (end of pattern)".into());
        };
        i += 1;
        let octal = |c: Option<&char>| c.is_some_and(|c| ('0'..='7').contains(c));
        match e {
            'g' => {
                if chars.get(i) != Some(&'<') {
                    return Err("missing <".into());
                }
                let name: String = chars[i + 1..].iter().take_while(|&&c| c != '>').collect();
                if i + 1 + name.chars().count() >= chars.len() {
                    return Err("missing >, unterminated name".into());
                }
                i += name.chars().count() + 2;
                let n = if name
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_alphabetic() || c == '_')
                {
                    regex
                        .capture_names()
                        .position(|n| n == Some(name.as_str()))
                        .ok_or_else(|| format!("unknown group name '{name}'"))?
                } else {
                    name.parse::<usize>()
                        .map_err(|_| format!("bad character in group name '{name}'"))?
                };
                group(&mut pieces, &mut text, n)?;
            }
            '0' => {
                let mut value = 0;
                for _ in 0..2 {
                    if octal(chars.get(i)) {
                        value = value * 8 + chars[i].to_digit(8).unwrap_or(0);
                        i += 1;
                    }
                }
                text.push(char::from_u32(value & 0xff).unwrap_or('\0'));
            }
            '1'..='9' => {
                let mut digits = e.to_string();
                if chars.get(i).is_some_and(char::is_ascii_digit) {
                    digits.push(chars[i]);
                    i += 1;
                    if octal(Some(&e))
                        && octal(digits.chars().nth(1).as_ref())
                        && octal(chars.get(i))
                    {
                        digits.push(chars[i]);
                        i += 1;
                        let value = u32::from_str_radix(&digits, 8).unwrap_or(0);
                        if value > 0o377 {
                            return Err(format!(
                                "octal escape value \\{digits} outside of range 0-0o377"
                            ));
                        }
                        text.push(char::from_u32(value).unwrap_or('\0'));
                        continue;
                    }
                }
                group(&mut pieces, &mut text, digits.parse().unwrap_or(usize::MAX))?;
            }
            'a' => text.push('\x07'),
            'b' => text.push('\x08'),
            'f' => text.push('\x0c'),
            'n' => text.push('\n'),
            'r' => text.push('\r'),
            't' => text.push('\t'),
            'v' => text.push('\x0b'),
            '\\' => text.push('\\'),
            e if e.is_ascii_alphabetic() => return Err(format!("bad escape \\{e}")),
            e => {
                text.push('\\');
                text.push(e);
            }
        }
    }
    if !text.is_empty() {
        pieces.push(Piece::Text(text));
    }
    Ok(Template(pieces))
}

fn expand(template: &Template, caps: &Captures<'_>, out: &mut String) {
    for piece in &template.0 {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Group(n) => out.push_str(caps.get(*n).map_or("", |m| m.as_str())),
        }
    }
}

/// For `re.sub` after an empty match: the same pattern, matching only
/// non-empty text at the start of what it is given. `None` when the pattern
/// looks at what precedes the match (it is then run on a suffix and would
/// see a false start).
pub(crate) fn nonempty_variant(pattern: &str) -> Option<Regex> {
    let translated = translate(pattern);
    let context = ["^", "\\A", "\\b", "\\B", "(?<"]
        .iter()
        .any(|c| translated.contains(c));
    if context {
        return None;
    }
    Regex::new(&format!(r"\A(?:{translated})(?<=[\s\S])")).ok()
}

/// `regex.sub(template, text)` with Python 3.7+ semantics: after an empty
/// match the next match may not be empty at the same place (Python then
/// takes the first non-empty alternative there, which `nonempty` finds).
pub(crate) fn sub(
    regex: &Regex,
    nonempty: Option<&Regex>,
    template: &Template,
    text: &str,
) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    let mut pos = 0;
    let mut must_advance = false;
    while pos <= text.len() {
        let Some(caps) = regex
            .captures_from_pos(text, pos)
            .map_err(|e| e.to_string())?
        else {
            break;
        };
        let Some(m) = caps.get(0) else { break };
        if must_advance && m.start() == pos && m.end() == pos {
            let longer = match nonempty {
                Some(aux) => aux.captures(&text[pos..]).map_err(|e| e.to_string())?,
                None => None,
            };
            if let Some((caps, end)) =
                longer.and_then(|c| c.get(0).map(|m| m.end()).map(|e| (c, e)))
            {
                out.push_str(&text[last..pos]);
                expand(template, &caps, &mut out);
                last = pos + end;
                pos = last;
                must_advance = false;
                continue;
            }
            // No non-empty match here: look further on.
            match text[pos..].chars().next() {
                Some(c) => pos += c.len_utf8(),
                None => break,
            }
            must_advance = false;
            continue;
        }
        out.push_str(&text[last..m.start()]);
        expand(template, &caps, &mut out);
        last = m.end();
        must_advance = m.start() == m.end();
        pos = m.end();
    }
    out.push_str(&text[last..]);
    Ok(out)
}
