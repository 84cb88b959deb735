//! Tokenizer for the Python expression subset.

/// A token of the expression language.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// Integer literal.
    Int(i64),
    /// Float literal (also integer literals too large for `i64`).
    Float(f64),
    /// String literal (escapes resolved).
    Str(String),
    /// Identifier or keyword.
    Name(String),
    /// Operator or punctuation.
    Op(&'static str),
}

const OPS: [&str; 28] = [
    "**", "//", "<<", ">>", "<=", ">=", "==", "!=", "(", ")", "[", "]", ".", ",", "+", "-", "*",
    "/", "%", "<", ">", "&", "|", "^", "~", ":", "=", "@",
];

/// Splits `src` into tokens; `Err` is a Python-style `SyntaxError` message.
pub fn tokenize(src: &str) -> Result<Vec<Tok>, String> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b' ' || c == b'\t' || c == b'\n' || c == b'\r' || c == b'\x0c' {
            i += 1;
        } else if c == b'\\' && b.get(i + 1) == Some(&b'\n') {
            i += 2;
        } else if c == b'#' {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if c.is_ascii_digit() || (c == b'.' && b.get(i + 1).is_some_and(u8::is_ascii_digit))
        {
            let (tok, next) = number(src, i)?;
            out.push(tok);
            i = next;
        } else if c == b'\'' || c == b'"' {
            let (s, next) = string(src, i)?;
            out.push(Tok::Str(s));
            i = next;
        } else if c == b'_' || c.is_ascii_alphabetic() || c >= 0x80 {
            let start = i;
            for (off, ch) in src[i..].char_indices() {
                if ch == '_' || ch.is_alphanumeric() {
                    i = start + off + ch.len_utf8();
                } else {
                    break;
                }
            }
            if i == start {
                return Err("invalid syntax".to_string());
            }
            let word = &src[start..i];
            // String prefixes such as r'..' / b'..' are outside the subset.
            if matches!(b.get(i), Some(b'\'') | Some(b'"')) {
                return Err(format!("unsupported string prefix {word:?}"));
            }
            out.push(Tok::Name(word.to_string()));
        } else {
            let rest = &src[i..];
            match OPS.iter().find(|op| rest.starts_with(**op)) {
                Some(op) => {
                    out.push(Tok::Op(op));
                    i += op.len();
                }
                None => return Err("invalid syntax".to_string()),
            }
        }
    }
    Ok(out)
}

fn number(src: &str, start: usize) -> Result<(Tok, usize), String> {
    let b = src.as_bytes();
    let mut i = start;
    if b[i] == b'0' && matches!(b.get(i + 1), Some(b'x' | b'X' | b'o' | b'O' | b'b' | b'B')) {
        let radix = match b[i + 1] {
            b'x' | b'X' => 16,
            b'o' | b'O' => 8,
            _ => 2,
        };
        i += 2;
        let ds = i;
        while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
            i += 1;
        }
        let digits: String = src[ds..i].chars().filter(|c| *c != '_').collect();
        return i64::from_str_radix(&digits, radix)
            .map(|v| (Tok::Int(v), i))
            .map_err(|_| "invalid syntax".to_string());
    }
    let mut is_float = false;
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
        i += 1;
    }
    if i < b.len() && b[i] == b'.' {
        is_float = true;
        i += 1;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            i += 1;
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        let mut j = i + 1;
        if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
            j += 1;
        }
        if j < b.len() && b[j].is_ascii_digit() {
            is_float = true;
            i = j;
            while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
                i += 1;
            }
        }
    }
    if i < b.len() && (b[i] == b'j' || b[i] == b'J') {
        return Err("complex numbers are outside the supported subset".to_string());
    }
    if i < b.len() && (b[i].is_ascii_alphabetic() || b[i] == b'_') {
        return Err("invalid syntax".to_string());
    }
    let text: String = src[start..i].chars().filter(|c| *c != '_').collect();
    if !is_float {
        if text.len() > 1 && text.starts_with('0') && text.bytes().any(|d| d != b'0') {
            return Err("leading zeros in decimal integer literals are not permitted".to_string());
        }
        if let Ok(v) = text.parse::<i64>() {
            return Ok((Tok::Int(v), i));
        }
    }
    text.parse::<f64>()
        .map(|f| (Tok::Float(f), i))
        .map_err(|_| "invalid syntax".to_string())
}

fn string(src: &str, start: usize) -> Result<(String, usize), String> {
    let quote = src.as_bytes()[start] as char;
    let mut out = String::new();
    let mut chars = src[start + 1..].char_indices();
    while let Some((off, ch)) = chars.next() {
        match ch {
            c if c == quote => return Ok((out, start + 1 + off + 1)),
            '\n' => break,
            '\\' => match chars.next() {
                Some((_, 'n')) => out.push('\n'),
                Some((_, 't')) => out.push('\t'),
                Some((_, 'r')) => out.push('\r'),
                Some((_, '0')) => out.push('\0'),
                Some((_, '\\')) => out.push('\\'),
                Some((_, '\'')) => out.push('\''),
                Some((_, '"')) => out.push('"'),
                Some((_, '\n')) => {}
                Some((_, other)) => {
                    out.push('\\');
                    out.push(other);
                }
                None => break,
            },
            c => out.push(c),
        }
    }
    Err("EOL while scanning string literal".to_string())
}
