//! The grammar of `ExtentedJsonPathParser` (jsonpath-rw 1.4 + jsonpath-rw-ext
//! 1.2), production for production in PLY's order, with its precedence table.
//!
//! The grammar is ambiguous; PLY resolves the conflicts with the precedence
//! table and otherwise shifts. [`crate::lalr`] builds the same LALR(1) tables
//! from this description, so every quirk of the upstream parser (`|` binding
//! tighter than `.`, arithmetic grouping to the right, ...) follows.

use crate::lexer::{TERMINALS, Tok};

/// A grammar symbol: terminals are `0..TERMINALS` (numbered as [`Tok`]),
/// nonterminals follow.
pub(crate) type Sym = u8;

/// The nonterminals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Nt {
    Start,
    Jsonpath,
    Operator,
    Expression,
    Expressions,
    FieldsOrAny,
    Filter,
    Fields,
    Sort,
    Idx,
    Sorts,
    Slice,
    MaybeInt,
    Empty,
}

/// How many nonterminals there are.
pub(crate) const NONTERMINALS: usize = Nt::Empty as usize + 1;

const fn t(tok: Tok) -> Sym {
    tok as Sym
}

const fn n(nt: Nt) -> Sym {
    (TERMINALS + nt as usize) as Sym
}

/// The nonterminal a symbol stands for, if it is one.
pub(crate) fn nonterminal_index(sym: Sym) -> Option<usize> {
    (sym as usize).checked_sub(TERMINALS)
}

/// Operator associativity, as PLY's precedence table declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Assoc {
    Left,
    Right,
    Nonassoc,
}

/// The precedence of a terminal: `('right', 0)` unless declared.
/// Later lines of the upstream table bind tighter.
pub(crate) fn precedence(tok: Sym) -> (Assoc, u8) {
    const PLUS: Sym = t(Tok::Plus);
    const MINUS: Sym = t(Tok::Minus);
    const STAR: Sym = t(Tok::Star);
    const SLASH: Sym = t(Tok::Slash);
    const COMMA: Sym = t(Tok::Comma);
    const DOUBLEDOT: Sym = t(Tok::DoubleDot);
    const DOT: Sym = t(Tok::Dot);
    const PIPE: Sym = t(Tok::Pipe);
    const AMP: Sym = t(Tok::Amp);
    const WHERE: Sym = t(Tok::Where);
    const ID: Sym = t(Tok::Id);
    match tok {
        PLUS | MINUS => (Assoc::Left, 1),
        STAR | SLASH => (Assoc::Left, 2),
        COMMA => (Assoc::Left, 3),
        DOUBLEDOT => (Assoc::Left, 4),
        DOT => (Assoc::Left, 5),
        PIPE => (Assoc::Left, 6),
        AMP => (Assoc::Left, 7),
        WHERE => (Assoc::Left, 8),
        ID => (Assoc::Nonassoc, 9),
        _ => (Assoc::Right, 0),
    }
}

/// One production: its left-hand side and right-hand side.
pub(crate) struct Production {
    pub(crate) lhs: Nt,
    pub(crate) rhs: &'static [Sym],
}

const fn p(lhs: Nt, rhs: &'static [Sym]) -> Production {
    Production { lhs, rhs }
}

use Nt::*;
const JP: Sym = n(Jsonpath);
const OPERATOR: Sym = n(Operator);
const NUMBER: Sym = t(Tok::Number);
const FLOAT: Sym = t(Tok::Float);
const ID: Sym = t(Tok::Id);
const LB: Sym = t(Tok::LBracket);
const RB: Sym = t(Tok::RBracket);
const FILTER_OP: Sym = t(Tok::FilterOp);

/// The productions, numbered as PLY numbers them (the index is the rule
/// number; reduce/reduce conflicts would go to the lower one).
pub(crate) static PRODUCTIONS: [Production; 53] = [
    p(Start, &[JP]),                                                // 0
    p(Jsonpath, &[JP, t(Tok::Dot), JP]),                            // 1
    p(Jsonpath, &[JP, t(Tok::DoubleDot), JP]),                      // 2
    p(Jsonpath, &[JP, t(Tok::Where), JP]),                          // 3
    p(Jsonpath, &[JP, t(Tok::Pipe), JP]),                           // 4
    p(Jsonpath, &[JP, t(Tok::Amp), JP]),                            // 5
    p(Jsonpath, &[NUMBER, OPERATOR, NUMBER]),                       // 6
    p(Jsonpath, &[FLOAT, OPERATOR, FLOAT]),                         // 7
    p(Jsonpath, &[ID, OPERATOR, ID]),                               // 8
    p(Jsonpath, &[NUMBER, OPERATOR, JP]),                           // 9
    p(Jsonpath, &[FLOAT, OPERATOR, JP]),                            // 10
    p(Jsonpath, &[JP, OPERATOR, NUMBER]),                           // 11
    p(Jsonpath, &[JP, OPERATOR, FLOAT]),                            // 12
    p(Jsonpath, &[JP, OPERATOR, JP]),                               // 13
    p(Jsonpath, &[n(FieldsOrAny)]),                                 // 14
    p(Operator, &[t(Tok::Plus)]),                                   // 15
    p(Operator, &[t(Tok::Minus)]),                                  // 16
    p(Operator, &[t(Tok::Star)]),                                   // 17
    p(Operator, &[t(Tok::Slash)]),                                  // 18
    p(Jsonpath, &[t(Tok::NamedOperator)]),                          // 19
    p(Jsonpath, &[t(Tok::Dollar)]),                                 // 20
    p(Jsonpath, &[LB, n(Idx), RB]),                                 // 21
    p(Jsonpath, &[LB, n(Slice), RB]),                               // 22
    p(Jsonpath, &[LB, n(Fields), RB]),                              // 23
    p(Expression, &[JP]),                                           // 24
    p(Expression, &[JP, FILTER_OP, ID]),                            // 25
    p(Expression, &[JP, FILTER_OP, FLOAT]),                         // 26
    p(Expression, &[JP, FILTER_OP, NUMBER]),                        // 27
    p(Expression, &[JP, FILTER_OP, t(Tok::Bool)]),                  // 28
    p(Jsonpath, &[JP, LB, n(Fields), RB]),                          // 29
    p(Jsonpath, &[JP, LB, n(Idx), RB]),                             // 30
    p(Jsonpath, &[JP, LB, n(Slice), RB]),                           // 31
    p(Expressions, &[n(Expression)]),                               // 32
    p(Jsonpath, &[t(Tok::LParen), JP, t(Tok::RParen)]),             // 33
    p(Expressions, &[n(Expressions), t(Tok::Amp), n(Expressions)]), // 34
    p(FieldsOrAny, &[n(Fields)]),                                   // 35
    p(FieldsOrAny, &[t(Tok::Star)]),                                // 36
    p(
        Expressions,
        &[t(Tok::LParen), n(Expressions), t(Tok::RParen)],
    ), // 37
    p(Filter, &[t(Tok::Question), n(Expressions)]),                 // 38
    p(Fields, &[ID]),                                               // 39
    p(Jsonpath, &[JP, LB, n(Filter), RB]),                          // 40
    p(Fields, &[n(Fields), t(Tok::Comma), n(Fields)]),              // 41
    p(Sort, &[t(Tok::SortDirection), JP]),                          // 42
    p(Idx, &[NUMBER]),                                              // 43
    p(Sorts, &[n(Sort)]),                                           // 44
    p(Slice, &[t(Tok::Star)]),                                      // 45
    p(Sorts, &[n(Sorts), n(Sorts)]),                                // 46
    p(Slice, &[n(MaybeInt), t(Tok::Colon), n(MaybeInt)]),           // 47
    p(Jsonpath, &[JP, LB, n(Sorts), RB]),                           // 48
    p(MaybeInt, &[NUMBER]),                                         // 49
    p(MaybeInt, &[n(Empty)]),                                       // 50
    p(Jsonpath, &[t(Tok::At)]),                                     // 51
    p(Empty, &[]),                                                  // 52
];

/// A production's precedence: that of its rightmost terminal, `('right', 0)`
/// without one (PLY's rule, whether or not that terminal was declared).
pub(crate) fn production_precedence(prod: &Production) -> (Assoc, u8) {
    prod.rhs
        .iter()
        .rev()
        .find(|&&s| nonterminal_index(s).is_none())
        .map_or((Assoc::Right, 0), |&s| precedence(s))
}
