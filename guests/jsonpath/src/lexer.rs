//! The tokenizer of jsonpath-rw-ext's `ExtendedJsonPathLexer`.
//!
//! PLY tries the rules in a fixed order and takes the first that matches (not
//! the longest): `BOOL`, `SORT_DIRECTION`, `ID`, `FLOAT`, `NUMBER`, the three
//! quotes, newline, `FILTER_OP`, `DOUBLEDOT`, then the one-character literals.
//! Hence the quirks reproduced here: `/` is always a sort direction (never
//! division), `trueish` is `BOOL ID`, `a-b` is one identifier, `1.5` is a
//! float but `1.x` is `NUMBER . ID`.

use crate::ParseError;

/// A terminal of the grammar. The order is the terminal numbering of the
/// parse tables (`End` must stay first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tok {
    End,
    Dollar,
    Amp,
    LParen,
    RParen,
    Star,
    Plus,
    Comma,
    Minus,
    Dot,
    Slash,
    Colon,
    Question,
    At,
    LBracket,
    RBracket,
    Pipe,
    Bool,
    DoubleDot,
    FilterOp,
    Float,
    Id,
    NamedOperator,
    Number,
    SortDirection,
    Where,
}

/// How many terminals there are.
pub(crate) const TERMINALS: usize = Tok::Where as usize + 1;

impl Tok {
    /// The token type name PLY prints in parse errors.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Tok::End => "$end",
            Tok::Dollar => "$",
            Tok::Amp => "&",
            Tok::LParen => "(",
            Tok::RParen => ")",
            Tok::Star => "*",
            Tok::Plus => "+",
            Tok::Comma => ",",
            Tok::Minus => "-",
            Tok::Dot => ".",
            Tok::Slash => "/",
            Tok::Colon => ":",
            Tok::Question => "?",
            Tok::At => "@",
            Tok::LBracket => "[",
            Tok::RBracket => "]",
            Tok::Pipe => "|",
            Tok::Bool => "BOOL",
            Tok::DoubleDot => "DOUBLEDOT",
            Tok::FilterOp => "FILTER_OP",
            Tok::Float => "FLOAT",
            Tok::Id => "ID",
            Tok::NamedOperator => "NAMED_OPERATOR",
            Tok::Number => "NUMBER",
            Tok::SortDirection => "SORT_DIRECTION",
            Tok::Where => "WHERE",
        }
    }

    fn literal(c: char) -> Option<Tok> {
        Some(match c {
            '*' => Tok::Star,
            '.' => Tok::Dot,
            '[' => Tok::LBracket,
            ']' => Tok::RBracket,
            '(' => Tok::LParen,
            ')' => Tok::RParen,
            '$' => Tok::Dollar,
            ',' => Tok::Comma,
            ':' => Tok::Colon,
            '|' => Tok::Pipe,
            '&' => Tok::Amp,
            '?' => Tok::Question,
            '@' => Tok::At,
            '+' => Tok::Plus,
            '/' => Tok::Slash,
            '-' => Tok::Minus,
            _ => return None,
        })
    }
}

/// The value a token carries.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TokValue {
    /// Literals, `SORT_DIRECTION`: the character.
    Char(char),
    /// `ID`, `NAMED_OPERATOR`, `FILTER_OP`, `WHERE`: the text.
    Str(String),
    /// `NUMBER` (Python ints are unbounded; this saturates at 128 bits).
    Int(i128),
    /// `FLOAT`.
    Float(f64),
    /// `BOOL`.
    Bool(bool),
}

/// One token with its position (1-based line, PLY's column).
#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub(crate) kind: Tok,
    pub(crate) value: TokValue,
    pub(crate) line: usize,
    pub(crate) col: usize,
    /// Character offset in the expression (PLY's `lexpos`).
    pub(crate) pos: usize,
}

impl Token {
    /// The value as Python's `str()` prints it in "near token ..." messages.
    pub(crate) fn display_value(&self) -> String {
        match &self.value {
            TokValue::Char(c) => c.to_string(),
            TokValue::Str(s) => s.clone(),
            TokValue::Int(i) => i.to_string(),
            TokValue::Float(f) => crate::pyops::float_repr(*f),
            TokValue::Bool(true) => "True".into(),
            TokValue::Bool(false) => "False".into(),
        }
    }
}

/// Python's `\s` (`str.isspace`).
pub(crate) fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// A lazy tokenizer: like PLY's generator, an error surfaces only when the
/// parser asks for the token where it happens.
pub(crate) struct Lexer {
    chars: Vec<char>,
    pos: usize,
    line: usize,
    latest_newline: usize,
}

impl Lexer {
    pub(crate) fn new(src: &str) -> Self {
        Lexer {
            chars: src.chars().collect(),
            pos: 0,
            line: 1,
            latest_newline: 0,
        }
    }

    fn peek_at(&self, i: usize) -> Option<char> {
        self.chars.get(i).copied()
    }

    fn starts_with(&self, s: &str) -> bool {
        s.chars()
            .enumerate()
            .all(|(k, c)| self.peek_at(self.pos + k) == Some(c))
    }

    fn token(&self, kind: Tok, value: TokValue, pos: usize) -> Token {
        Token {
            kind,
            value,
            line: self.line,
            col: pos.saturating_sub(self.latest_newline),
            pos,
        }
    }

    fn error(&self, at: usize, what: &str) -> ParseError {
        let c = self.peek_at(at).map(String::from).unwrap_or_default();
        ParseError {
            message: format!(
                "Error on line {}, col {}{}: Unexpected character: {} ",
                self.line,
                at.saturating_sub(self.latest_newline),
                what,
                c
            ),
        }
    }

    /// The length of a run of ASCII digits starting at `i`.
    fn digits(&self, i: usize) -> usize {
        let mut n = 0;
        while self.peek_at(i + n).is_some_and(|c| c.is_ascii_digit()) {
            n += 1;
        }
        n
    }

    /// The next token, `Tok::End` at the end of input.
    pub(crate) fn next_token(&mut self) -> Result<Token, ParseError> {
        loop {
            while matches!(self.peek_at(self.pos), Some(' ' | '\t')) {
                self.pos += 1;
            }
            let start = self.pos;
            let Some(c) = self.peek_at(start) else {
                return Ok(self.token(Tok::End, TokValue::Char('\0'), start));
            };
            // BOOL: `true|false`, even as the prefix of a longer name.
            for (word, value) in [("true", true), ("false", false)] {
                if self.starts_with(word) {
                    self.pos += word.len();
                    return Ok(self.token(Tok::Bool, TokValue::Bool(value), start));
                }
            }
            // SORT_DIRECTION: `,?\s*(/|\\)`.
            let mut i = start;
            if c == ',' {
                i += 1;
            }
            while self.peek_at(i).is_some_and(is_py_space) {
                i += 1;
            }
            if let Some(d @ ('/' | '\\')) = self.peek_at(i) {
                // PLY does not count the newlines a regex rule eats.
                let token = self.token(Tok::SortDirection, TokValue::Char(d), start);
                self.pos = i + 1;
                return Ok(token);
            }
            // ID: `@?[a-zA-Z_][a-zA-Z0-9_@\-]*`.
            let first = if c == '@' { start + 1 } else { start };
            if self
                .peek_at(first)
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            {
                let mut end = first + 1;
                while self
                    .peek_at(end)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '@' | '-'))
                {
                    end += 1;
                }
                let text: String = self.chars[start..end].iter().collect();
                self.pos = end;
                let kind = if text == "where" { Tok::Where } else { Tok::Id };
                return Ok(self.token(kind, TokValue::Str(text), start));
            }
            // FLOAT `-?\d+\.\d+`, then NUMBER `-?\d+`.
            let sign = usize::from(c == '-');
            let whole = self.digits(start + sign);
            if whole > 0 {
                let after = start + sign + whole;
                let fraction = if self.peek_at(after) == Some('.') {
                    self.digits(after + 1)
                } else {
                    0
                };
                if fraction > 0 {
                    let end = after + 1 + fraction;
                    let text: String = self.chars[start..end].iter().collect();
                    self.pos = end;
                    let value = text.parse::<f64>().unwrap_or(f64::NAN);
                    return Ok(self.token(Tok::Float, TokValue::Float(value), start));
                }
                let text: String = self.chars[start..after].iter().collect();
                self.pos = after;
                let value =
                    text.parse::<i128>()
                        .unwrap_or(if sign == 1 { i128::MIN } else { i128::MAX });
                return Ok(self.token(Tok::Number, TokValue::Int(value), start));
            }
            match c {
                '\'' | '"' | '`' => return self.quoted(c),
                '\n' => {
                    self.line += 1;
                    self.latest_newline = start;
                    self.pos += 1;
                    continue;
                }
                _ => {}
            }
            // FILTER_OP: `==?|<=|>=|!=|<|>|~`.
            let op = match (c, self.peek_at(start + 1)) {
                ('=', Some('=')) => Some("=="),
                ('=', _) => Some("="),
                ('<', Some('=')) => Some("<="),
                ('>', Some('=')) => Some(">="),
                ('!', Some('=')) => Some("!="),
                ('<', _) => Some("<"),
                ('>', _) => Some(">"),
                ('~', _) => Some("~"),
                _ => None,
            };
            if let Some(op) = op {
                self.pos += op.len();
                return Ok(self.token(Tok::FilterOp, TokValue::Str(op.into()), start));
            }
            if c == '.' && self.peek_at(start + 1) == Some('.') {
                self.pos += 2;
                return Ok(self.token(Tok::DoubleDot, TokValue::Str("..".into()), start));
            }
            if let Some(kind) = Tok::literal(c) {
                self.pos += 1;
                return Ok(self.token(kind, TokValue::Char(c), start));
            }
            return Err(self.error(start, ""));
        }
    }

    /// A quoted field name (`'...'`, `"..."`: `ID`) or a backquoted named
    /// operator (`` `...` ``: `NAMED_OPERATOR`); a backslash escapes any
    /// character but a newline.
    fn quoted(&mut self, quote: char) -> Result<Token, ParseError> {
        let what = match quote {
            '\'' => " while lexing singlequoted field",
            '"' => " while lexing doublequoted field",
            _ => " while lexing backquoted operator",
        };
        let mut i = self.pos + 1;
        let mut text = String::new();
        loop {
            match self.peek_at(i) {
                None => {
                    return Err(ParseError {
                        message: "Unexpected EOF in string literal or identifier".into(),
                    });
                }
                Some('\\') => match self.peek_at(i + 1) {
                    Some(c) if c != '\n' => {
                        text.push(c);
                        i += 2;
                    }
                    _ => return Err(self.error(i, what)),
                },
                Some(c) if c == quote => {
                    // PLY reports the token at its closing quote.
                    let kind = if quote == '`' {
                        Tok::NamedOperator
                    } else {
                        Tok::Id
                    };
                    let token = self.token(kind, TokValue::Str(text), i);
                    self.pos = i + 1;
                    return Ok(token);
                }
                Some(c) => {
                    text.push(c);
                    i += 1;
                }
            }
        }
    }
}
