//! Python's `fnmatch.fnmatch` on POSIX (case-sensitive): `*`, `?`, `[seq]`,
//! `[!seq]` with ranges; an unclosed `[` is literal; `*`, `?` and classes
//! match any character, newlines included.

/// One compiled glob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    tokens: Vec<Token>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Literal(char),
    AnyOne,
    AnyRun,
    Class {
        negated: bool,
        items: Vec<(char, char)>,
    },
}

impl Glob {
    /// Compiles `pattern`; every pattern is valid.
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
                '?' => tokens.push(Token::AnyOne),
                '[' => match class(&chars, i) {
                    Some((token, next)) => {
                        tokens.push(token);
                        i = next;
                    }
                    None => tokens.push(Token::Literal('[')),
                },
                c => tokens.push(Token::Literal(c)),
            }
        }
        Glob { tokens }
    }

    /// Whether `name` matches the whole pattern.
    pub fn matches(&self, name: &str) -> bool {
        // Classic wildcard matching with one backtrack point: the last `*`
        // and the text position it currently stands for (byte offsets).
        let (mut t, mut p) = (0, 0);
        let mut backtrack: Option<(usize, usize)> = None;
        while let Some(c) = name[t..].chars().next() {
            match self.tokens.get(p) {
                Some(Token::AnyRun) => {
                    backtrack = Some((p, t));
                    p += 1;
                }
                Some(token) if token.accepts(c) => {
                    p += 1;
                    t += c.len_utf8();
                }
                _ => match backtrack {
                    Some((star, from)) => {
                        let Some(skipped) = name[from..].chars().next() else {
                            return false;
                        };
                        p = star + 1;
                        t = from + skipped.len_utf8();
                        backtrack = Some((star, t));
                    }
                    None => return false,
                },
            }
        }
        self.tokens[p..].iter().all(|token| *token == Token::AnyRun)
    }
}

impl Token {
    fn accepts(&self, c: char) -> bool {
        match self {
            Token::Literal(l) => *l == c,
            Token::AnyOne => true,
            Token::AnyRun => false,
            Token::Class { negated, items } => {
                items.iter().any(|(lo, hi)| (*lo..=*hi).contains(&c)) != *negated
            }
        }
    }
}

/// Parses a class starting after its `[` at `start`: the token and the index
/// after its `]`, or `None` when it is not closed (then `[` is literal).
fn class(chars: &[char], start: usize) -> Option<(Token, usize)> {
    let mut j = start;
    let negated = chars.get(j) == Some(&'!');
    if negated {
        j += 1;
    }
    let body_start = j;
    if chars.get(j) == Some(&']') {
        j += 1;
    }
    while j < chars.len() && chars[j] != ']' {
        j += 1;
    }
    if j >= chars.len() {
        return None;
    }
    let body = &chars[body_start..j];
    let mut items = Vec::new();
    let mut k = 0;
    while k < body.len() {
        if k + 2 < body.len() && body[k + 1] == '-' {
            items.push((body[k], body[k + 2]));
            k += 3;
        } else {
            items.push((body[k], body[k]));
            k += 1;
        }
    }
    Some((Token::Class { negated, items }, j + 1))
}

#[cfg(test)]
mod tests {
    use super::Glob;

    fn m(pattern: &str, name: &str) -> bool {
        Glob::new(pattern).matches(name)
    }

    #[test]
    fn behaves_like_fnmatch() {
        assert!(m("compute.instance.*", "compute.instance.create.end"));
        assert!(!m("compute.instance.*", "compute.instancex"));
        assert!(m("*", ""));
        assert!(m("*http.*", "objectstore.http.request"));
        assert!(m("*.start", "a.b.start"));
        assert!(!m("*.start", "a.b.started"));
        assert!(m("image.send", "image.send"));
        assert!(!m("image.send", "image.sendX"));
        assert!(!m("Image.send", "image.send"));
        assert!(m("a?c", "abc"));
        assert!(m("a*b*c", "aXXbYYbc"));
        assert!(m("[a-c]x", "bx"));
        assert!(!m("[!a-c]x", "bx"));
        assert!(m("[!a-c]x", "\nx"));
        assert!(m("[]]", "]"));
        assert!(m("[!]]", "a"));
        assert!(m("[a-]", "-"));
        assert!(m("[^a]", "^"));
        assert!(!m("[z-a]x", "zx"));
        assert!(m("[", "["));
        assert!(m("a[b", "a[b"));
        assert!(m("[\\]", "\\"));
        assert!(m(
            "identity.OS-TRUST:trust.*",
            "identity.OS-TRUST:trust.created"
        ));
        assert!(m("*", "multi\nline"));
    }
}
