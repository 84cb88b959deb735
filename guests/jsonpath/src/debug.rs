//! A canonical rendering of the tree, the same as the differential test
//! script renders upstream's, to compare parses.

use std::fmt::Write;

use crate::ast::{ArithOp, CmpOp, Literal, Node, Operand};
use crate::pyops::float_repr;

fn json(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// The rendering of a node (`Chain`s print as the nested `Child`s they were).
pub(crate) fn render(node: &Node) -> String {
    let pair = |name: &str, l: &Node, r: &Node| format!("{name}({},{})", render(l), render(r));
    match node {
        Node::Root => "Root".into(),
        Node::This => "This".into(),
        Node::Parent => "Parent".into(),
        Node::Len => "Len".into(),
        Node::Fields(f) => format!(
            "Fields({})",
            f.iter().map(|s| json(s)).collect::<Vec<_>>().join(",")
        ),
        Node::Index(i) => format!("Index({i})"),
        Node::Slice(s, e) => {
            let show = |v: &Option<i64>| v.map_or("None".to_string(), |v| v.to_string());
            format!("Slice({},{})", show(s), show(e))
        }
        Node::Child(l, r) => pair("Child", l, r),
        Node::Descendants(l, r) => pair("Desc", l, r),
        Node::Where(l, r) => pair("Where", l, r),
        Node::Union(l, r) => pair("Union", l, r),
        Node::Intersect(l, r) => pair("Intersect", l, r),
        Node::Chain(steps) => {
            let mut out = String::new();
            for (i, step) in steps.iter().enumerate() {
                out = if i == 0 {
                    render(step)
                } else {
                    format!("Child({out},{})", render(step))
                };
            }
            out
        }
        Node::Sorted(None) => "Sorted".into(),
        Node::Sorted(Some(keys)) => {
            let keys: Vec<String> = keys
                .iter()
                .map(|k| format!("{}{}", if k.reverse { "\\" } else { "/" }, render(&k.path)))
                .collect();
            format!("Sort({})", keys.join(","))
        }
        Node::Split(s) => format!(
            "Split({},{},{})",
            json(&s.separator.to_string()),
            s.segment,
            s.max_split
        ),
        Node::Sub(s) => format!("Sub({},{})", json(&s.pattern), json(&s.repl)),
        Node::Operation(op) => {
            let sym = match op.op {
                ArithOp::Add => "+",
                ArithOp::Sub => "-",
                ArithOp::Mul => "*",
                ArithOp::Div => "/",
            };
            format!("Op({}{sym}{})", operand(&op.left), operand(&op.right))
        }
        Node::Filter(exprs) => {
            let mut out = String::from("Filter(");
            for (i, e) in exprs.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                match &e.comparison {
                    None => {
                        let _ = write!(out, "Expr({})", render(&e.target));
                    }
                    Some((op, lit)) => {
                        let op = match op {
                            CmpOp::Eq => "=",
                            CmpOp::Ne => "!=",
                            CmpOp::Lt => "<",
                            CmpOp::Le => "<=",
                            CmpOp::Gt => ">",
                            CmpOp::Ge => ">=",
                            CmpOp::Match => "~",
                        };
                        let lit = match lit {
                            Literal::Str(s) => format!("s{}", json(s)),
                            Literal::Int(i) => format!("i{i}"),
                            Literal::Float(f) => format!("f{}", float_repr(*f)),
                            Literal::Bool(b) => b.to_string(),
                        };
                        let _ = write!(out, "Expr({}{op}{lit})", render(&e.target));
                    }
                }
            }
            out.push(')');
            out
        }
    }
}

fn operand(o: &Operand) -> String {
    match o {
        Operand::Path(p) => render(p),
        Operand::Str(s) => format!("s{}", json(s)),
        Operand::Int(i) => format!("i{i}"),
        Operand::Float(f) => format!("f{}", float_repr(*f)),
    }
}
