//! The parsed expression: one node per jsonpath-rw / jsonpath-rw-ext class.

use fancy_regex::Regex;

use crate::pyregex::Template;

/// A node of the expression tree.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    /// `$`.
    Root,
    /// `` `this` ``, `@`.
    This,
    /// `` `parent` ``.
    Parent,
    /// Field names (`a`, `'a.b'`, `[a,b]`); a `*` among them means every key.
    Fields(Vec<String>),
    /// `[n]`.
    Index(i64),
    /// `[*]`, `[start:end]`.
    Slice(Option<i64>, Option<i64>),
    /// `left.right`, and every bracket suffix.
    Child(Box<Node>, Box<Node>),
    /// `left..right`.
    Descendants(Box<Node>, Box<Node>),
    /// `left where right`.
    Where(Box<Node>, Box<Node>),
    /// `left|right`.
    Union(Box<Node>, Box<Node>),
    /// `left&right` (upstream raises `NotImplementedError` when evaluated).
    Intersect(Box<Node>, Box<Node>),
    /// `` `len` ``.
    Len,
    /// `` `sorted` `` (no keys) or `[/key,\key]`.
    Sorted(Option<Vec<SortKey>>),
    /// `` `split(c, segment, max_split)` ``.
    Split(Split),
    /// `` `sub(/regex/, repl)` ``.
    Sub(Box<Sub>),
    /// `left op right` arithmetic.
    Operation(Box<Operation>),
    /// `[?expression & ...]`.
    Filter(Vec<Expression>),
    /// A left-nested run of `Child` nodes, flattened after parsing.
    Chain(Vec<Node>),
}

/// One key of a `[/key]` sort.
#[derive(Debug, Clone)]
pub(crate) struct SortKey {
    pub(crate) path: Node,
    /// `\` sorts descending.
    pub(crate) reverse: bool,
}

/// `` `split(c, segment, max_split)` ``.
#[derive(Debug, Clone)]
pub(crate) struct Split {
    pub(crate) separator: char,
    pub(crate) segment: usize,
    /// `-1`: no limit.
    pub(crate) max_split: i64,
}

/// `` `sub(/regex/, repl)` ``.
#[derive(Debug, Clone)]
pub(crate) struct Sub {
    pub(crate) pattern: String,
    pub(crate) regex: Regex,
    /// See [`crate::pyregex::nonempty_variant`].
    pub(crate) nonempty: Option<Regex>,
    pub(crate) repl: String,
    /// The parsed replacement, or the error Python's `re.sub` would raise.
    pub(crate) template: Result<Template, String>,
}

/// The arithmetic operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ArithOp {
    Add,
    Sub,
    Mul,
    /// Grammatical but unreachable: the lexer turns every `/` into a sort direction.
    Div,
}

/// An operand of an operation.
#[derive(Debug, Clone)]
pub(crate) enum Operand {
    Path(Node),
    Str(String),
    Int(i128),
    Float(f64),
}

/// `left op right`.
#[derive(Debug, Clone)]
pub(crate) struct Operation {
    pub(crate) left: Operand,
    pub(crate) op: ArithOp,
    pub(crate) right: Operand,
}

/// A filter's comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// `~`: `re.match(literal, value)`.
    Match,
}

/// The literal on the right of a filter comparison.
#[derive(Debug, Clone)]
pub(crate) enum Literal {
    Str(String),
    Int(i128),
    Float(f64),
    Bool(bool),
}

/// One filter expression: a path, optionally compared with a literal.
#[derive(Debug, Clone)]
pub(crate) struct Expression {
    pub(crate) target: Node,
    pub(crate) comparison: Option<(CmpOp, Literal)>,
    /// For `~` with a string literal: the compiled pattern, or the error
    /// Python raises when it compiles it.
    pub(crate) regex: Option<Result<Regex, String>>,
    /// When the target is a plain field path from the element (`@.a.b`,
    /// `a`, `$.a`), its keys: evaluated without building datums.
    pub(crate) simple: Option<Vec<String>>,
}

/// The keys of a target that only walks single named fields.
fn simple_keys(node: &Node) -> Option<Vec<String>> {
    let steps = match node {
        Node::Chain(steps) => steps.as_slice(),
        other => std::slice::from_ref(other),
    };
    let mut keys = Vec::new();
    for step in steps {
        match step {
            Node::This => {}
            // Inside a filter the root is the element itself.
            Node::Root => keys.clear(),
            Node::Fields(f) if f.len() == 1 && f[0] != "*" => keys.push(f[0].clone()),
            _ => return None,
        }
    }
    Some(keys)
}

impl Node {
    /// The nodes directly below this one.
    fn children(&self) -> Vec<&Node> {
        match self {
            Node::Child(l, r)
            | Node::Descendants(l, r)
            | Node::Where(l, r)
            | Node::Union(l, r)
            | Node::Intersect(l, r) => vec![&**l, &**r],
            Node::Chain(steps) => steps.iter().collect(),
            Node::Sorted(Some(keys)) => keys.iter().map(|k| &k.path).collect(),
            Node::Operation(op) => [&op.left, &op.right]
                .into_iter()
                .filter_map(|o| match o {
                    Operand::Path(p) => Some(p),
                    _ => None,
                })
                .collect(),
            Node::Filter(exprs) => exprs.iter().map(|e| &e.target).collect(),
            _ => Vec::new(),
        }
    }

    /// How deep the tree is (computed without recursion).
    pub(crate) fn depth(&self) -> usize {
        let mut deepest = 0;
        let mut stack = vec![(self, 1)];
        while let Some((node, depth)) = stack.pop() {
            deepest = deepest.max(depth);
            stack.extend(node.children().into_iter().map(|c| (c, depth + 1)));
        }
        deepest
    }

    /// Whether `` `parent` `` occurs anywhere (evaluation then keeps contexts).
    pub(crate) fn uses_parent(&self) -> bool {
        match self {
            Node::Parent => true,
            Node::Child(l, r)
            | Node::Descendants(l, r)
            | Node::Where(l, r)
            | Node::Union(l, r)
            | Node::Intersect(l, r) => l.uses_parent() || r.uses_parent(),
            Node::Chain(steps) => steps.iter().any(Node::uses_parent),
            Node::Sorted(Some(keys)) => keys.iter().any(|k| k.path.uses_parent()),
            Node::Operation(op) => [&op.left, &op.right]
                .iter()
                .any(|o| matches!(o, Operand::Path(p) if p.uses_parent())),
            Node::Filter(exprs) => exprs.iter().any(|e| e.target.uses_parent()),
            _ => false,
        }
    }

    /// Replaces left-nested `Child` runs by `Chain`s, everywhere.
    pub(crate) fn flatten(self) -> Node {
        match self {
            Node::Child(..) => {
                let mut steps = Vec::new();
                let mut node = self;
                let mut rights = Vec::new();
                while let Node::Child(l, r) = node {
                    rights.push(r.flatten());
                    node = *l;
                }
                steps.push(node.flatten());
                steps.extend(rights.into_iter().rev());
                Node::Chain(steps)
            }
            Node::Descendants(l, r) => {
                Node::Descendants(Box::new(l.flatten()), Box::new(r.flatten()))
            }
            Node::Where(l, r) => Node::Where(Box::new(l.flatten()), Box::new(r.flatten())),
            Node::Union(l, r) => Node::Union(Box::new(l.flatten()), Box::new(r.flatten())),
            Node::Intersect(l, r) => Node::Intersect(Box::new(l.flatten()), Box::new(r.flatten())),
            Node::Sorted(Some(keys)) => Node::Sorted(Some(
                keys.into_iter()
                    .map(|k| SortKey {
                        path: k.path.flatten(),
                        reverse: k.reverse,
                    })
                    .collect(),
            )),
            Node::Operation(op) => {
                let Operation { left, op, right } = *op;
                let flat = |o: Operand| match o {
                    Operand::Path(p) => Operand::Path(p.flatten()),
                    other => other,
                };
                Node::Operation(Box::new(Operation {
                    left: flat(left),
                    op,
                    right: flat(right),
                }))
            }
            Node::Filter(exprs) => Node::Filter(
                exprs
                    .into_iter()
                    .map(|e| {
                        let target = e.target.flatten();
                        let simple = simple_keys(&target);
                        Expression {
                            target,
                            simple,
                            ..e
                        }
                    })
                    .collect(),
            ),
            other => other,
        }
    }
}
