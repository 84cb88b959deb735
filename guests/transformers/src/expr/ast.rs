//! Syntax tree of the Python expression subset.

/// Binary arithmetic / bitwise operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `//`
    FloorDiv,
    /// `%`
    Mod,
    /// `**`
    Pow,
    /// `<<`
    Shl,
    /// `>>`
    Shr,
    /// `&`
    BitAnd,
    /// `|`
    BitOr,
    /// `^`
    BitXor,
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnOp {
    /// `-x`
    Neg,
    /// `+x`
    Pos,
    /// `~x`
    Invert,
    /// `not x`
    Not,
}

/// Comparison operators (chainable).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `in`
    In,
    /// `not in`
    NotIn,
    /// `is`
    Is,
    /// `is not`
    IsNot,
}

/// An expression node.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// `None`
    None,
    /// `True` / `False`
    Bool(bool),
    /// Integer literal.
    Int(i64),
    /// Float literal.
    Float(f64),
    /// String literal.
    Str(Box<str>),
    /// A free name, resolved in the namespace.
    Name(Box<str>),
    /// `x.attr`
    Attr(Box<Node>, Box<str>),
    /// `x[key]`
    Subscript(Box<Node>, Box<Node>),
    /// `f(args)`: always a `TypeError` at run time (every name is a namespace value).
    Call(Box<Node>, Vec<Node>),
    /// Unary operator.
    Unary(UnOp, Box<Node>),
    /// Binary operator.
    Bin(BinOp, Box<Node>, Box<Node>),
    /// `a and b`
    And(Box<Node>, Box<Node>),
    /// `a or b`
    Or(Box<Node>, Box<Node>),
    /// `a < b <= c ...`
    Compare(Box<Node>, Vec<(CmpOp, Node)>),
    /// `a if cond else b`
    IfElse {
        /// The condition.
        cond: Box<Node>,
        /// Value when true.
        then: Box<Node>,
        /// Value when false.
        otherwise: Box<Node>,
    },
}
