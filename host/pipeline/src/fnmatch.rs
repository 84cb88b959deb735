//! Python's `fnmatch.fnmatch` on POSIX: shell globs, case-sensitive.
//!
//! `*` matches any run of characters (including `.` and `/`), `?` one character,
//! `[seq]` / `[!seq]` a character in / not in the set (ranges `a-z` allowed,
//! a `]` right after `[` or `[!` is literal, reversed ranges match nothing); a `[`
//! without a closing `]` is a literal. Everything else matches itself.

/// A compiled glob pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    tokens: Vec<Token>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Literal(char),
    AnyChar,
    AnyRun,
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

impl Token {
    /// Whether this single-character token accepts `c` (never called on `AnyRun`).
    fn accepts(&self, c: char) -> bool {
        match self {
            Token::Literal(l) => *l == c,
            Token::AnyChar | Token::AnyRun => true,
            Token::Class { negated, ranges } => {
                ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *negated
            }
        }
    }
}

impl Glob {
    /// Compiles `pattern`. Every string is a valid pattern.
    pub fn new(pattern: &str) -> Glob {
        let chars: Vec<char> = pattern.chars().collect();
        let mut tokens = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            i += 1;
            match c {
                '*' => {
                    if tokens.last() != Some(&Token::AnyRun) {
                        tokens.push(Token::AnyRun);
                    }
                }
                '?' => tokens.push(Token::AnyChar),
                '[' => match parse_class(&chars, i) {
                    Some((token, next)) => {
                        tokens.push(token);
                        i = next;
                    }
                    None => tokens.push(Token::Literal('[')),
                },
                other => tokens.push(Token::Literal(other)),
            }
        }
        Glob { tokens }
    }

    /// Whether the whole of `name` matches the pattern.
    pub fn matches(&self, name: &str) -> bool {
        let text: Vec<char> = name.chars().collect();
        let (mut t, mut p) = (0usize, 0usize);
        // Position of the last `*` seen and the text position it was tried at.
        let mut backtrack: Option<(usize, usize)> = None;
        while t < text.len() {
            match self.tokens.get(p) {
                Some(Token::AnyRun) => {
                    backtrack = Some((p, t));
                    p += 1;
                }
                Some(token) if token.accepts(text[t]) => {
                    p += 1;
                    t += 1;
                }
                _ => match backtrack {
                    Some((star, from)) => {
                        backtrack = Some((star, from + 1));
                        p = star + 1;
                        t = from + 1;
                    }
                    None => return false,
                },
            }
        }
        self.tokens[p..].iter().all(|tok| *tok == Token::AnyRun)
    }
}

/// Parses a `[...]` set whose content starts at `start` (just after `[`).
/// Returns the token and the index after the closing `]`, or `None` if unclosed.
fn parse_class(chars: &[char], start: usize) -> Option<(Token, usize)> {
    let mut j = start;
    if chars.get(j) == Some(&'!') {
        j += 1;
    }
    if chars.get(j) == Some(&']') {
        j += 1;
    }
    while j < chars.len() && chars[j] != ']' {
        j += 1;
    }
    if j >= chars.len() {
        return None;
    }
    let mut body = &chars[start..j];
    let negated = body.first() == Some(&'!');
    if negated {
        body = &body[1..];
    }
    let mut ranges = Vec::new();
    let mut k = 0;
    while k < body.len() {
        if k + 2 < body.len() && body[k + 1] == '-' {
            // A reversed range (`z-a`) is kept but can never match.
            ranges.push((body[k], body[k + 2]));
            k += 3;
        } else {
            ranges.push((body[k], body[k]));
            k += 1;
        }
    }
    Some((Token::Class { negated, ranges }, j + 1))
}

#[cfg(test)]
mod tests {
    use super::Glob;

    fn m(p: &str, n: &str) -> bool {
        Glob::new(p).matches(n)
    }

    #[test]
    fn star_and_literals() {
        assert!(m("*", ""));
        assert!(m("*", "disk.read.bytes"));
        assert!(m("disk.*", "disk.read.bytes"));
        assert!(m("disk.*", "disk."));
        assert!(!m("disk.*", "disk"));
        assert!(!m("disk.*", "network.disk.x"));
        assert!(m("*.bytes", "network.incoming.bytes"));
        assert!(m("a*b*c", "aXXbYYbc"));
        assert!(!m("a*b*c", "aXXbYYb"));
        assert!(m("cpu", "cpu"));
        assert!(!m("cpu", "cpu_util"));
        assert!(!m("", "x"));
        assert!(m("", ""));
    }

    #[test]
    fn case_sensitive() {
        assert!(!m("CPU", "cpu"));
        assert!(!m("disk.*", "Disk.read"));
    }

    #[test]
    fn question_mark_and_sets() {
        assert!(m("cpu?", "cpu1"));
        assert!(!m("cpu?", "cpu"));
        assert!(m("disk.[rw]*", "disk.read"));
        assert!(m("disk.[rw]*", "disk.write"));
        assert!(!m("disk.[rw]*", "disk.allocation"));
        assert!(m("v[!a]", "vb"));
        assert!(!m("v[!a]", "va"));
        assert!(m("x[0-9]", "x5"));
        assert!(!m("x[0-9]", "xa"));
        assert!(m("[]]", "]"));
        assert!(m("[!]]", "a"));
        assert!(!m("[z-a]", "m"));
        assert!(m("[!z-a]", "m"));
        assert!(m("a[-]b", "a-b"));
    }

    #[test]
    fn unclosed_bracket_is_literal() {
        assert!(m("a[b", "a[b"));
        assert!(!m("a[b", "ab"));
    }

    #[test]
    fn multibyte_and_newlines() {
        assert!(m("é*", "été"));
        assert!(m("a*b", "a\nb"));
        assert!(m("?", "é"));
    }
}
