//! `re.sub(map_from[attr], map_to[attr], value)`: Python-style regex substitution for the
//! name/unit mapping of the conversion transformers. Regex and template are compiled once.

use fancy_regex::Regex;

/// One piece of a compiled replacement template.
#[derive(Debug, Clone)]
enum Piece {
    Literal(String),
    Group(usize),
}

/// A compiled `re.sub(pattern, template, ·)`.
#[derive(Debug, Clone)]
pub struct Mapping {
    regex: Regex,
    template: Vec<Piece>,
}

impl Mapping {
    /// Compiles the pattern and the template; `Err` when Python's `re` would raise too
    /// (or fancy-regex rejects a construct Python accepts).
    pub fn new(pattern: &str, template: &str) -> Result<Mapping, String> {
        let regex = Regex::new(pattern).map_err(|e| e.to_string())?;
        let template = compile_template(template, &regex)?;
        Ok(Mapping { regex, template })
    }

    /// Replaces every match (Python 3.7 empty-match rules); `None` if matching failed.
    pub fn apply(&self, text: &str) -> Option<String> {
        let mut out = String::with_capacity(text.len() + 8);
        let mut last = 0;
        let mut pos = 0;
        let mut prev_empty_at: Option<usize> = None;
        while pos <= text.len() {
            let caps = self.regex.captures_from_pos(text, pos).ok()?;
            let Some(caps) = caps else { break };
            let whole = caps.get(0)?;
            let (b, e) = (whole.start(), whole.end());
            if b == e && prev_empty_at == Some(b) {
                // An empty match right where the previous empty match was: advance.
                match text[b..].chars().next() {
                    Some(c) => {
                        pos = b + c.len_utf8();
                        continue;
                    }
                    None => break,
                }
            }
            out.push_str(&text[last..b]);
            for piece in &self.template {
                match piece {
                    Piece::Literal(s) => out.push_str(s),
                    Piece::Group(g) => {
                        if let Some(m) = caps.get(*g) {
                            out.push_str(m.as_str());
                        }
                    }
                }
            }
            last = e;
            prev_empty_at = if b == e { Some(e) } else { None };
            pos = e;
            if b == e && pos >= text.len() {
                break;
            }
        }
        out.push_str(&text[last..]);
        Some(out)
    }
}

fn compile_template(t: &str, re: &Regex) -> Result<Vec<Piece>, String> {
    let groups = re.captures_len();
    let mut pieces = Vec::new();
    let mut lit = String::new();
    let mut chars = t.chars().peekable();
    let push_group = |lit: &mut String, pieces: &mut Vec<Piece>, g: usize| {
        if !lit.is_empty() {
            pieces.push(Piece::Literal(std::mem::take(lit)));
        }
        pieces.push(Piece::Group(g));
    };
    while let Some(c) = chars.next() {
        if c != '\\' {
            lit.push(c);
            continue;
        }
        let Some(n) = chars.next() else {
            return Err("bad escape (end of pattern)".to_string());
        };
        match n {
            'g' => {
                if chars.next() != Some('<') {
                    return Err("missing <".to_string());
                }
                let mut name = String::new();
                loop {
                    match chars.next() {
                        Some('>') => break,
                        Some(ch) => name.push(ch),
                        None => return Err("missing >, unterminated name".to_string()),
                    }
                }
                let idx = match name.parse::<usize>() {
                    Ok(i) => i,
                    Err(_) => re
                        .capture_names()
                        .position(|n| n == Some(name.as_str()))
                        .ok_or_else(|| format!("unknown group name '{name}'"))?,
                };
                if idx >= groups {
                    return Err(format!("invalid group reference {idx}"));
                }
                push_group(&mut lit, &mut pieces, idx);
            }
            '0' => {
                // Octal escape: up to three octal digits.
                let mut v = 0u32;
                let mut k = 0;
                while k < 2 && chars.peek().is_some_and(|d| ('0'..='7').contains(d)) {
                    v = v * 8 + chars.next().and_then(|d| d.to_digit(8)).unwrap_or(0);
                    k += 1;
                }
                lit.push(char::from_u32(v).unwrap_or('\0'));
            }
            d @ '1'..='9' => {
                let mut idx = d.to_digit(10).unwrap_or(0) as usize;
                if let Some(d2) = chars.peek().and_then(|c| c.to_digit(10)) {
                    chars.next();
                    idx = idx * 10 + d2 as usize;
                }
                if idx >= groups {
                    return Err(format!("invalid group reference {idx}"));
                }
                push_group(&mut lit, &mut pieces, idx);
            }
            'a' => lit.push('\x07'),
            'b' => lit.push('\x08'),
            'f' => lit.push('\x0c'),
            'n' => lit.push('\n'),
            'r' => lit.push('\r'),
            't' => lit.push('\t'),
            'v' => lit.push('\x0b'),
            '\\' => lit.push('\\'),
            other if other.is_ascii_alphabetic() => return Err(format!("bad escape \\{other}")),
            other => {
                lit.push('\\');
                lit.push(other);
            }
        }
    }
    if !lit.is_empty() {
        pieces.push(Piece::Literal(lit));
    }
    Ok(pieces)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitutes_like_python() {
        let m = Mapping::new(r"disk\.(read|write)\.(bytes|requests)", r"disk.\1.\2.rate").unwrap();
        assert_eq!(m.apply("disk.read.bytes").unwrap(), "disk.read.bytes.rate");
        let m = Mapping::new("(B|request)", r"\g<1>/s").unwrap();
        assert_eq!(m.apply("B").unwrap(), "B/s");
        let m = Mapping::new("x*", "-").unwrap();
        assert_eq!(m.apply("abxd").unwrap(), "-a-b--d-");
        assert!(Mapping::new("(a)", r"\2").is_err());
        assert!(Mapping::new("(", "x").is_err());
    }
}
