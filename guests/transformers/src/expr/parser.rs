//! Recursive-descent parser producing [`Node`]s with Python's precedence rules.

use super::ast::{BinOp, CmpOp, Node, UnOp};
use super::lexer::{Tok, tokenize};

/// Parses one Python expression; `Err` is a `SyntaxError`-like message.
pub fn parse(src: &str) -> Result<Node, String> {
    let toks = tokenize(src)?;
    let mut p = Parser {
        toks,
        pos: 0,
        depth: 0,
    };
    if p.toks.is_empty() {
        return Err("unexpected EOF while parsing".to_string());
    }
    let node = p.expr()?;
    if p.pos != p.toks.len() {
        return Err("invalid syntax".to_string());
    }
    Ok(node)
}

const MAX_DEPTH: usize = 200;

const KEYWORDS: [&str; 35] = [
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

/// Whether `name` is a Python 3.7 keyword (`keyword.kwlist`).
pub fn is_keyword(name: &str) -> bool {
    KEYWORDS.contains(&name)
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
    depth: usize,
}

impl Parser {
    fn peek_op(&self, op: &str) -> bool {
        matches!(self.toks.get(self.pos), Some(Tok::Op(o)) if *o == op)
    }

    fn peek_kw(&self, kw: &str) -> bool {
        matches!(self.toks.get(self.pos), Some(Tok::Name(n)) if n == kw)
    }

    fn eat_op(&mut self, op: &str) -> bool {
        if self.peek_op(op) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn eat_kw(&mut self, kw: &str) -> bool {
        if self.peek_kw(kw) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn enter(&mut self) -> Result<(), String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err("expression too deeply nested".to_string());
        }
        Ok(())
    }

    fn expr(&mut self) -> Result<Node, String> {
        self.enter()?;
        if self.peek_kw("lambda") {
            return Err("lambda is outside the supported subset".to_string());
        }
        let then = self.or_test()?;
        let node = if self.eat_kw("if") {
            let cond = self.or_test()?;
            if !self.eat_kw("else") {
                return Err("invalid syntax".to_string());
            }
            let otherwise = self.expr()?;
            Node::IfElse {
                cond: Box::new(cond),
                then: Box::new(then),
                otherwise: Box::new(otherwise),
            }
        } else {
            then
        };
        self.depth -= 1;
        Ok(node)
    }

    fn or_test(&mut self) -> Result<Node, String> {
        let mut left = self.and_test()?;
        while self.eat_kw("or") {
            let right = self.and_test()?;
            left = Node::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and_test(&mut self) -> Result<Node, String> {
        let mut left = self.not_test()?;
        while self.eat_kw("and") {
            let right = self.not_test()?;
            left = Node::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn not_test(&mut self) -> Result<Node, String> {
        if self.eat_kw("not") {
            self.enter()?;
            let inner = self.not_test()?;
            self.depth -= 1;
            return Ok(Node::Unary(UnOp::Not, Box::new(inner)));
        }
        self.comparison()
    }

    fn cmp_op(&mut self) -> Option<CmpOp> {
        let op = match self.toks.get(self.pos) {
            Some(Tok::Op("<")) => CmpOp::Lt,
            Some(Tok::Op("<=")) => CmpOp::Le,
            Some(Tok::Op(">")) => CmpOp::Gt,
            Some(Tok::Op(">=")) => CmpOp::Ge,
            Some(Tok::Op("==")) => CmpOp::Eq,
            Some(Tok::Op("!=")) => CmpOp::Ne,
            Some(Tok::Name(n)) if n == "in" => CmpOp::In,
            Some(Tok::Name(n)) if n == "is" => {
                if matches!(self.toks.get(self.pos + 1), Some(Tok::Name(m)) if m == "not") {
                    self.pos += 1;
                    CmpOp::IsNot
                } else {
                    CmpOp::Is
                }
            }
            Some(Tok::Name(n)) if n == "not" => {
                if matches!(self.toks.get(self.pos + 1), Some(Tok::Name(m)) if m == "in") {
                    self.pos += 1;
                    CmpOp::NotIn
                } else {
                    return None;
                }
            }
            _ => return None,
        };
        self.pos += 1;
        Some(op)
    }

    fn comparison(&mut self) -> Result<Node, String> {
        let first = self.binary(0)?;
        let mut rest = Vec::new();
        while let Some(op) = self.cmp_op() {
            rest.push((op, self.binary(0)?));
        }
        if rest.is_empty() {
            Ok(first)
        } else {
            Ok(Node::Compare(Box::new(first), rest))
        }
    }

    /// Binary levels, loosest first: `|`, `^`, `&`, shifts, `+ -`, `* / // %`.
    fn binary(&mut self, level: usize) -> Result<Node, String> {
        const LEVELS: [&[(&str, BinOp)]; 6] = [
            &[("|", BinOp::BitOr)],
            &[("^", BinOp::BitXor)],
            &[("&", BinOp::BitAnd)],
            &[("<<", BinOp::Shl), (">>", BinOp::Shr)],
            &[("+", BinOp::Add), ("-", BinOp::Sub)],
            &[
                ("*", BinOp::Mul),
                ("/", BinOp::Div),
                ("//", BinOp::FloorDiv),
                ("%", BinOp::Mod),
            ],
        ];
        if level == LEVELS.len() {
            return self.factor();
        }
        let mut left = self.binary(level + 1)?;
        'outer: loop {
            for (sym, op) in LEVELS[level] {
                if self.eat_op(sym) {
                    let right = self.binary(level + 1)?;
                    left = Node::Bin(*op, Box::new(left), Box::new(right));
                    continue 'outer;
                }
            }
            return Ok(left);
        }
    }

    fn factor(&mut self) -> Result<Node, String> {
        let op = if self.eat_op("-") {
            UnOp::Neg
        } else if self.eat_op("+") {
            UnOp::Pos
        } else if self.eat_op("~") {
            UnOp::Invert
        } else {
            return self.power();
        };
        self.enter()?;
        let inner = self.factor()?;
        self.depth -= 1;
        Ok(Node::Unary(op, Box::new(inner)))
    }

    fn power(&mut self) -> Result<Node, String> {
        let base = self.primary()?;
        if self.eat_op("**") {
            self.enter()?;
            let exp = self.factor()?;
            self.depth -= 1;
            return Ok(Node::Bin(BinOp::Pow, Box::new(base), Box::new(exp)));
        }
        Ok(base)
    }

    fn primary(&mut self) -> Result<Node, String> {
        let mut node = self.atom()?;
        loop {
            if self.eat_op(".") {
                match self.toks.get(self.pos) {
                    Some(Tok::Name(n)) if !is_keyword(n) => {
                        node = Node::Attr(Box::new(node), n.clone().into_boxed_str());
                        self.pos += 1;
                    }
                    _ => return Err("invalid syntax".to_string()),
                }
            } else if self.eat_op("[") {
                let key = self.expr()?;
                if !self.eat_op("]") {
                    return Err("subscripts other than a single expression are outside the supported subset".to_string());
                }
                node = Node::Subscript(Box::new(node), Box::new(key));
            } else if self.eat_op("(") {
                let mut args = Vec::new();
                if !self.eat_op(")") {
                    loop {
                        args.push(self.expr()?);
                        if self.eat_op(")") {
                            break;
                        }
                        if !self.eat_op(",") {
                            return Err("invalid syntax".to_string());
                        }
                        if self.eat_op(")") {
                            break;
                        }
                    }
                }
                node = Node::Call(Box::new(node), args);
            } else {
                return Ok(node);
            }
        }
    }

    fn atom(&mut self) -> Result<Node, String> {
        let tok = self
            .toks
            .get(self.pos)
            .cloned()
            .ok_or("unexpected EOF while parsing")?;
        self.pos += 1;
        match tok {
            Tok::Int(i) => Ok(Node::Int(i)),
            Tok::Float(f) => Ok(Node::Float(f)),
            Tok::Str(mut s) => {
                while let Some(Tok::Str(more)) = self.toks.get(self.pos) {
                    s.push_str(more);
                    self.pos += 1;
                }
                Ok(Node::Str(s.into_boxed_str()))
            }
            Tok::Name(n) => match n.as_str() {
                "None" => Ok(Node::None),
                "True" => Ok(Node::Bool(true)),
                "False" => Ok(Node::Bool(false)),
                kw if is_keyword(kw) => Err("invalid syntax".to_string()),
                _ => Ok(Node::Name(n.into_boxed_str())),
            },
            Tok::Op("(") => {
                if self.peek_op(")") {
                    return Err("tuples are outside the supported subset".to_string());
                }
                let inner = self.expr()?;
                if self.peek_op(",") {
                    return Err("tuples are outside the supported subset".to_string());
                }
                if !self.eat_op(")") {
                    return Err("unexpected EOF while parsing".to_string());
                }
                Ok(inner)
            }
            Tok::Op("[") | Tok::Op("{") => {
                Err("list/dict displays are outside the supported subset".to_string())
            }
            _ => Err("invalid syntax".to_string()),
        }
    }
}
