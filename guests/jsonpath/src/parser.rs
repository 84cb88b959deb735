//! The LR driver and the semantic actions of `ExtentedJsonPathParser`.

use std::sync::OnceLock;

use fancy_regex::Regex;

use crate::ParseError;
use crate::ast::{
    ArithOp, CmpOp, Expression, Literal, Node, Operand, Operation, SortKey, Split, Sub,
};
use crate::grammar::PRODUCTIONS;
use crate::lalr::{Action, tables};
use crate::lexer::{Lexer, Tok, TokValue, Token};
use crate::pyregex;

/// A value on the parse stack.
enum Sem {
    Token(Token),
    Node(Node),
    Op(ArithOp),
    Fields(Vec<String>),
    Slice(Option<i64>, Option<i64>),
    MaybeInt(Option<i64>),
    Expression(Expression),
    Expressions(Vec<Expression>),
    Sorts(Vec<SortKey>),
    Empty,
}

fn internal() -> ParseError {
    ParseError {
        message: "internal parser error".into(),
    }
}

/// Parses an expression of at most `max_tokens` tokens into its tree.
pub(crate) fn parse_limited(expression: &str, max_tokens: usize) -> Result<Node, ParseError> {
    let mut tokens = 0;
    let tables = tables();
    let mut lexer = Lexer::new(expression);
    let mut states: Vec<u16> = vec![0];
    let mut values: Vec<Sem> = Vec::new();
    let mut lookahead = lexer.next_token()?;
    loop {
        let state = *states.last().ok_or_else(internal)? as usize;
        let row = tables.action.get(state).ok_or_else(internal)?;
        match row[lookahead.kind as usize] {
            Action::Shift(next) => {
                states.push(next);
                values.push(Sem::Token(lookahead));
                lookahead = lexer.next_token()?;
                tokens += 1;
                if tokens > max_tokens {
                    return Err(ParseError {
                        message: format!("expression longer than {max_tokens} tokens"),
                    });
                }
            }
            Action::Reduce(prod) => {
                let production = &PRODUCTIONS[prod as usize];
                let n = production.rhs.len();
                if values.len() < n || states.len() <= n {
                    return Err(internal());
                }
                let args = values.split_off(values.len() - n);
                states.truncate(states.len() - n);
                let value = reduce(prod, args)?;
                let top = *states.last().ok_or_else(internal)? as usize;
                let next = tables.goto[top][production.lhs as usize];
                if next == u16::MAX {
                    return Err(internal());
                }
                states.push(next);
                values.push(value);
            }
            Action::Accept => {
                return match values.pop() {
                    Some(Sem::Node(node)) => Ok(node),
                    _ => Err(internal()),
                };
            }
            Action::Error => return Err(syntax_error(&lookahead)),
        }
    }
}

fn syntax_error(token: &Token) -> ParseError {
    let message = if token.kind == Tok::End {
        // Upstream crashes here (`p_error(None)`); say what happened instead.
        "Parse error at end of input: the expression is incomplete".to_string()
    } else {
        format!(
            "Parse error at {}:{} near token {} ({})",
            token.line,
            token.col,
            token.display_value(),
            token.kind.name()
        )
    };
    ParseError { message }
}

/// Pops the arguments of a production in order.
struct Args(std::vec::IntoIter<Sem>);

impl Args {
    fn next(&mut self) -> Result<Sem, ParseError> {
        self.0.next().ok_or_else(internal)
    }

    fn node(&mut self) -> Result<Node, ParseError> {
        match self.next()? {
            Sem::Node(n) => Ok(n),
            _ => Err(internal()),
        }
    }

    fn token(&mut self) -> Result<Token, ParseError> {
        match self.next()? {
            Sem::Token(t) => Ok(t),
            _ => Err(internal()),
        }
    }

    fn fields(&mut self) -> Result<Vec<String>, ParseError> {
        match self.next()? {
            Sem::Fields(f) => Ok(f),
            _ => Err(internal()),
        }
    }

    fn expressions(&mut self) -> Result<Vec<Expression>, ParseError> {
        match self.next()? {
            Sem::Expressions(e) => Ok(e),
            _ => Err(internal()),
        }
    }

    fn sorts(&mut self) -> Result<Vec<SortKey>, ParseError> {
        match self.next()? {
            Sem::Sorts(s) => Ok(s),
            _ => Err(internal()),
        }
    }

    fn maybe_int(&mut self) -> Result<Option<i64>, ParseError> {
        match self.next()? {
            Sem::MaybeInt(i) => Ok(i),
            _ => Err(internal()),
        }
    }

    fn skip(&mut self) -> Result<(), ParseError> {
        self.next().map(drop)
    }
}

fn int_of(token: &Token) -> Result<i64, ParseError> {
    match token.value {
        TokValue::Int(i) => Ok(i64::try_from(i).unwrap_or(if i < 0 { i64::MIN } else { i64::MAX })),
        _ => Err(internal()),
    }
}

fn text_of(token: Token) -> Result<String, ParseError> {
    match token.value {
        TokValue::Str(s) => Ok(s),
        _ => Err(internal()),
    }
}

/// An arithmetic operand: a one-field `Fields` is a string literal upstream.
fn operand(sem: Sem) -> Result<Operand, ParseError> {
    Ok(match sem {
        Sem::Node(Node::Fields(mut fields)) if fields.len() == 1 => Operand::Str(fields.remove(0)),
        Sem::Node(node) => Operand::Path(node),
        Sem::Token(Token {
            value: TokValue::Int(i),
            ..
        }) => Operand::Int(i),
        Sem::Token(Token {
            value: TokValue::Float(f),
            ..
        }) => Operand::Float(f),
        Sem::Token(Token {
            value: TokValue::Str(s),
            ..
        }) => Operand::Str(s),
        _ => return Err(internal()),
    })
}

fn binary(make: fn(Box<Node>, Box<Node>) -> Node, mut args: Args) -> Result<Sem, ParseError> {
    let left = args.node()?;
    args.skip()?;
    let right = args.node()?;
    Ok(Sem::Node(make(Box::new(left), Box::new(right))))
}

fn child(left: Node, right: Node) -> Sem {
    Sem::Node(Node::Child(Box::new(left), Box::new(right)))
}

/// The semantic action of a production.
fn reduce(prod: u8, args: Vec<Sem>) -> Result<Sem, ParseError> {
    let mut args = Args(args.into_iter());
    Ok(match prod {
        0 => return Err(internal()),
        1 => return binary(Node::Child, args),
        2 => return binary(Node::Descendants, args),
        3 => return binary(Node::Where, args),
        4 => return binary(Node::Union, args),
        5 => return binary(Node::Intersect, args),
        6..=13 => {
            let left = operand(args.next()?)?;
            let Sem::Op(op) = args.next()? else {
                return Err(internal());
            };
            let right = operand(args.next()?)?;
            Sem::Node(Node::Operation(Box::new(Operation { left, op, right })))
        }
        14 => Sem::Node(Node::Fields(args.fields()?)),
        15 => Sem::Op(ArithOp::Add),
        16 => Sem::Op(ArithOp::Sub),
        17 => Sem::Op(ArithOp::Mul),
        18 => Sem::Op(ArithOp::Div),
        19 => Sem::Node(named_operator(args.token()?)?),
        20 => Sem::Node(Node::Root),
        21 | 22 => {
            args.skip()?;
            args.next()?
        }
        23 => {
            args.skip()?;
            Sem::Node(Node::Fields(args.fields()?))
        }
        24..=28 => {
            let target = args.node()?;
            if prod == 24 {
                Sem::Expression(Expression {
                    target,
                    comparison: None,
                    regex: None,
                    simple: None,
                })
            } else {
                let op = match text_of(args.token()?)?.as_str() {
                    "=" | "==" => CmpOp::Eq,
                    "!=" => CmpOp::Ne,
                    "<" => CmpOp::Lt,
                    "<=" => CmpOp::Le,
                    ">" => CmpOp::Gt,
                    ">=" => CmpOp::Ge,
                    _ => CmpOp::Match,
                };
                let literal = match args.token()?.value {
                    TokValue::Str(s) => Literal::Str(s),
                    TokValue::Float(f) => Literal::Float(f),
                    TokValue::Int(i) => Literal::Int(i),
                    TokValue::Bool(b) => Literal::Bool(b),
                    TokValue::Char(_) => return Err(internal()),
                };
                let regex = match (&literal, op) {
                    (Literal::Str(pattern), CmpOp::Match) => Some(pyregex::compile(pattern, true)),
                    _ => None,
                };
                Sem::Expression(Expression {
                    target,
                    comparison: Some((op, literal)),
                    regex,
                    simple: None,
                })
            }
        }
        29 | 30 | 31 | 40 | 48 => {
            let left = args.node()?;
            args.skip()?;
            let right = match args.next()? {
                Sem::Fields(f) => Node::Fields(f),
                Sem::Node(n) => n,
                Sem::Expressions(e) => Node::Filter(e),
                Sem::Sorts(s) => Node::Sorted(Some(s)),
                _ => return Err(internal()),
            };
            child(left, right)
        }
        32 => match args.next()? {
            Sem::Expression(e) => Sem::Expressions(vec![e]),
            _ => return Err(internal()),
        },
        33 | 37 => {
            args.skip()?;
            args.next()?
        }
        34 => {
            let mut left = args.expressions()?;
            args.skip()?;
            left.extend(args.expressions()?);
            Sem::Expressions(left)
        }
        35 => Sem::Fields(args.fields()?),
        36 => Sem::Fields(vec!["*".into()]),
        38 => {
            args.skip()?;
            Sem::Expressions(args.expressions()?)
        }
        39 => Sem::Fields(vec![text_of(args.token()?)?]),
        41 => {
            let mut left = args.fields()?;
            args.skip()?;
            left.extend(args.fields()?);
            Sem::Fields(left)
        }
        42 => {
            let direction = args.token()?;
            let path = args.node()?;
            Sem::Sorts(vec![SortKey {
                path,
                reverse: direction.value != TokValue::Char('/'),
            }])
        }
        43 => Sem::Node(Node::Index(int_of(&args.token()?)?)),
        44 => Sem::Sorts(args.sorts()?),
        45 => Sem::Node(Node::Slice(None, None)),
        46 => {
            let mut left = args.sorts()?;
            left.extend(args.sorts()?);
            Sem::Sorts(left)
        }
        47 => {
            let start = args.maybe_int()?;
            args.skip()?;
            let end = args.maybe_int()?;
            Sem::Slice(start, end)
        }
        49 => Sem::MaybeInt(Some(int_of(&args.token()?)?)),
        50 => Sem::MaybeInt(None),
        51 => Sem::Node(Node::This),
        52 => Sem::Empty,
        _ => return Err(internal()),
    })
    .map(|sem| match sem {
        Sem::Slice(start, end) => Sem::Node(Node::Slice(start, end)),
        other => other,
    })
}

fn named_operator(token: Token) -> Result<Node, ParseError> {
    let (line, pos) = (token.line, token.pos);
    let name = text_of(token)?;
    let invalid = || ParseError {
        message: format!("{name} is not valid"),
    };
    Ok(match name.as_str() {
        "len" => Node::Len,
        "sorted" => Node::Sorted(None),
        "this" => Node::This,
        "parent" => Node::Parent,
        _ if name.starts_with("split(") => {
            let caps = split_syntax()
                .captures(&name)
                .ok()
                .flatten()
                .ok_or_else(invalid)?;
            let group = |i| caps.get(i).map_or("", |m| m.as_str());
            let separator = group(1).chars().next().ok_or_else(invalid)?;
            let segment = group(2).parse::<usize>().unwrap_or(usize::MAX);
            let max_split = match group(3) {
                "-1" => -1,
                digits => digits.parse::<i64>().unwrap_or(i64::MAX),
            };
            Node::Split(Split {
                separator,
                segment,
                max_split,
            })
        }
        _ if name.starts_with("sub(") => {
            let caps = sub_syntax()
                .captures(&name)
                .ok()
                .flatten()
                .ok_or_else(invalid)?;
            let pattern = caps.get(1).map_or("", |m| m.as_str()).trim().to_string();
            let repl = caps.get(2).map_or("", |m| m.as_str()).trim().to_string();
            let regex = pyregex::compile(&pattern, false).map_err(|e| ParseError {
                message: format!("bad regex in {name}: {e}"),
            })?;
            let template = pyregex::template(&repl, &regex);
            let nonempty = pyregex::nonempty_variant(&pattern);
            Node::Sub(Box::new(Sub {
                pattern,
                regex,
                nonempty,
                repl,
                template,
            }))
        }
        _ => {
            return Err(ParseError {
                message: format!("Unknown named operator `{name}` at {line}:{pos}"),
            });
        }
    })
}

/// jsonpath-rw-ext's `SPLIT`, applied with `re.match`.
fn split_syntax() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"\Asplit\((.),\s+([0-9]+),\s+([0-9]+|-1)\)").expect("constant pattern")
    })
}

/// jsonpath-rw-ext's `SUB`, applied with `re.match`.
fn sub_syntax() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\Asub\(/(.*)/,\s+(.*)\)").expect("constant pattern"))
}
