//! Evaluation of [`Node`]s with Python semantics (int/float arithmetic, truthiness,
//! `and`/`or` returning operands, namespace attribute access).

use std::borrow::Cow;
use std::cmp::Ordering;

use super::ast::{BinOp, CmpOp, Node, UnOp};
use super::value::{Scope, Val, sample_attr};

/// Evaluates `node` in `scope`; `Err` carries the message `str(exception)` would give.
pub fn eval<'a>(node: &'a Node, scope: &dyn Scope<'a>) -> Result<Val<'a>, String> {
    Ok(match node {
        Node::None => Val::None,
        Node::Bool(b) => Val::Bool(*b),
        Node::Int(i) => Val::Int(*i),
        Node::Float(f) => Val::Float(*f),
        Node::Str(s) => Val::Str(Cow::Borrowed(s)),
        Node::Name(n) => scope.lookup(n),
        Node::Attr(obj, name) => attr(eval(obj, scope)?, name)?,
        Node::Subscript(obj, key) => {
            let o = eval(obj, scope)?;
            let k = eval(key, scope)?;
            subscript(o, k)?
        }
        Node::Call(callee, args) => {
            let f = eval(callee, scope)?;
            for a in args {
                eval(a, scope)?;
            }
            return Err(format!("'{}' object is not callable", f.type_name()));
        }
        Node::Unary(op, inner) => unary(*op, eval(inner, scope)?)?,
        Node::Bin(op, l, r) => {
            let a = eval(l, scope)?;
            let b = eval(r, scope)?;
            binary(*op, a, b)?
        }
        Node::And(l, r) => {
            let a = eval(l, scope)?;
            if a.truthy() { eval(r, scope)? } else { a }
        }
        Node::Or(l, r) => {
            let a = eval(l, scope)?;
            if a.truthy() { a } else { eval(r, scope)? }
        }
        Node::Compare(first, rest) => {
            let mut left = eval(first, scope)?;
            for (op, rn) in rest {
                let right = eval(rn, scope)?;
                if !compare(*op, &left, &right)? {
                    return Ok(Val::Bool(false));
                }
                left = right;
            }
            Val::Bool(true)
        }
        Node::IfElse {
            cond,
            then,
            otherwise,
        } => {
            if eval(cond, scope)?.truthy() {
                eval(then, scope)?
            } else {
                eval(otherwise, scope)?
            }
        }
    })
}

fn attr<'a>(obj: Val<'a>, name: &str) -> Result<Val<'a>, String> {
    match obj {
        Val::Sample(s) => Ok(sample_attr(s, name)),
        Val::Ns(m) => Ok(m.get(name).map_or(Val::Empty, |v| Val::from_json(v, true))),
        Val::Empty => Ok(Val::Empty),
        other => Err(format!(
            "'{}' object has no attribute '{}'",
            other.type_name(),
            name
        )),
    }
}

fn subscript<'a>(obj: Val<'a>, key: Val<'a>) -> Result<Val<'a>, String> {
    match (obj, key) {
        (Val::Sample(s), Val::Str(k)) => Ok(sample_attr(s, &k)),
        (Val::Ns(m), Val::Str(k)) => Ok(m
            .get(k.as_ref())
            .map_or(Val::Empty, |v| Val::from_json(v, true))),
        (Val::Sample(_) | Val::Ns(_) | Val::Empty, _) => Ok(Val::Empty),
        (Val::Dict(m), Val::Str(k)) => match m.get(k.as_ref()) {
            Some(v) => Ok(Val::from_json(v, false)),
            None => Err(format!("'{k}'")),
        },
        (Val::Dict(_), k) => Err(k.type_name().to_string()),
        (Val::List(l), k) => {
            let idx = match k {
                Val::Int(i) => i,
                Val::Bool(b) => i64::from(b),
                other => {
                    return Err(format!(
                        "list indices must be integers or slices, not {}",
                        other.type_name()
                    ));
                }
            };
            let len = l.len() as i64;
            let real = if idx < 0 { idx + len } else { idx };
            if real < 0 || real >= len {
                return Err("list index out of range".to_string());
            }
            Ok(Val::from_json(&l[real as usize], false))
        }
        (Val::Str(s), Val::Int(i)) => {
            let n = s.chars().count() as i64;
            let real = if i < 0 { i + n } else { i };
            if real < 0 || real >= n {
                return Err("string index out of range".to_string());
            }
            Ok(Val::Str(Cow::Owned(
                s.chars()
                    .nth(real as usize)
                    .map(String::from)
                    .unwrap_or_default(),
            )))
        }
        (Val::Str(_), _) => Err("string indices must be integers".to_string()),
        (other, _) => Err(format!(
            "'{}' object is not subscriptable",
            other.type_name()
        )),
    }
}

/// A number operand: Python `int` (bools included) or `float`.
#[derive(Clone, Copy)]
enum Num {
    I(i64),
    F(f64),
}

fn num(v: &Val<'_>) -> Option<Num> {
    match v {
        Val::Bool(b) => Some(Num::I(i64::from(*b))),
        Val::Int(i) => Some(Num::I(*i)),
        Val::Float(f) => Some(Num::F(*f)),
        _ => None,
    }
}

fn to_f(n: Num) -> f64 {
    match n {
        Num::I(i) => i as f64,
        Num::F(f) => f,
    }
}

fn unary<'a>(op: UnOp, v: Val<'a>) -> Result<Val<'a>, String> {
    if op == UnOp::Not {
        return Ok(Val::Bool(!v.truthy()));
    }
    let sym = match op {
        UnOp::Neg => "-",
        UnOp::Pos => "+",
        _ => "~",
    };
    match (op, num(&v)) {
        (UnOp::Neg, Some(Num::I(i))) => {
            Ok(i.checked_neg().map_or(Val::Float(-(i as f64)), Val::Int))
        }
        (UnOp::Neg, Some(Num::F(f))) => Ok(Val::Float(-f)),
        (UnOp::Pos, Some(Num::I(i))) => Ok(Val::Int(i)),
        (UnOp::Pos, Some(Num::F(f))) => Ok(Val::Float(f)),
        (UnOp::Invert, Some(Num::I(i))) => Ok(Val::Int(!i)),
        _ => Err(format!(
            "bad operand type for unary {sym}: '{}'",
            v.type_name()
        )),
    }
}

fn op_symbol(op: BinOp) -> &'static str {
    match op {
        BinOp::Add => "+",
        BinOp::Sub => "-",
        BinOp::Mul => "*",
        BinOp::Div => "/",
        BinOp::FloorDiv => "//",
        BinOp::Mod => "%",
        BinOp::Pow => "** or pow()",
        BinOp::Shl => "<<",
        BinOp::Shr => ">>",
        BinOp::BitAnd => "&",
        BinOp::BitOr => "|",
        BinOp::BitXor => "^",
    }
}

/// Applies a binary operator with Python semantics.
pub fn binary<'a>(op: BinOp, a: Val<'a>, b: Val<'a>) -> Result<Val<'a>, String> {
    if let (BinOp::Add, Val::Str(x), Val::Str(y)) = (op, &a, &b) {
        let mut s = x.clone().into_owned();
        s.push_str(y);
        return Ok(Val::Str(Cow::Owned(s)));
    }
    let unsupported = || {
        format!(
            "unsupported operand type(s) for {}: '{}' and '{}'",
            op_symbol(op),
            a.type_name(),
            b.type_name()
        )
    };
    let (x, y) = match (num(&a), num(&b)) {
        (Some(x), Some(y)) => (x, y),
        _ => return Err(unsupported()),
    };
    if matches!(op, BinOp::BitAnd | BinOp::BitOr | BinOp::BitXor)
        && let (Val::Bool(p), Val::Bool(q)) = (&a, &b)
    {
        return Ok(Val::Bool(match op {
            BinOp::BitAnd => *p & *q,
            BinOp::BitOr => *p | *q,
            _ => *p ^ *q,
        }));
    }
    match (x, y) {
        (Num::I(i), Num::I(j)) => {
            int_op(op, i, j).map_err(|e| if e.is_empty() { unsupported() } else { e })
        }
        _ => {
            if matches!(
                op,
                BinOp::Shl | BinOp::Shr | BinOp::BitAnd | BinOp::BitOr | BinOp::BitXor
            ) {
                return Err(unsupported());
            }
            float_op(op, to_f(x), to_f(y)).map(Val::Float)
        }
    }
}

fn int_op<'a>(op: BinOp, i: i64, j: i64) -> Result<Val<'a>, String> {
    let (fi, fj) = (i as f64, j as f64);
    let promote = |r: Option<i64>, f: f64| Ok(r.map_or(Val::Float(f), Val::Int));
    match op {
        BinOp::Add => promote(i.checked_add(j), fi + fj),
        BinOp::Sub => promote(i.checked_sub(j), fi - fj),
        BinOp::Mul => promote(i.checked_mul(j), fi * fj),
        BinOp::Div => {
            if j == 0 {
                Err("division by zero".to_string())
            } else {
                Ok(Val::Float(fi / fj))
            }
        }
        BinOp::FloorDiv | BinOp::Mod => {
            if j == 0 {
                return Err("integer division or modulo by zero".to_string());
            }
            match (i.checked_div(j), i.checked_rem(j)) {
                (Some(q), Some(r)) => {
                    let adjust = r != 0 && ((r < 0) != (j < 0));
                    if op == BinOp::FloorDiv {
                        Ok(Val::Int(if adjust { q - 1 } else { q }))
                    } else {
                        Ok(Val::Int(if adjust { r + j } else { r }))
                    }
                }
                // i64::MIN // -1
                _ => Ok(if op == BinOp::FloorDiv {
                    Val::Float(-fi)
                } else {
                    Val::Int(0)
                }),
            }
        }
        BinOp::Pow => {
            if j < 0 {
                if i == 0 {
                    return Err("0.0 cannot be raised to a negative power".to_string());
                }
                return Ok(Val::Float(fi.powf(fj)));
            }
            let r = u32::try_from(j).ok().and_then(|e| i.checked_pow(e));
            promote(r, fi.powf(fj))
        }
        BinOp::Shl | BinOp::Shr => {
            if j < 0 {
                return Err("negative shift count".to_string());
            }
            if op == BinOp::Shr {
                return Ok(Val::Int(i >> j.min(63)));
            }
            if i == 0 {
                return Ok(Val::Int(0));
            }
            let r = u32::try_from(j).ok().filter(|s| *s < 64).and_then(|s| {
                let v = i.checked_mul(1i64.checked_shl(s)?)?;
                Some(v)
            });
            r.map(Val::Int)
                .ok_or_else(|| "integer result too large for this implementation".to_string())
        }
        BinOp::BitAnd => Ok(Val::Int(i & j)),
        BinOp::BitOr => Ok(Val::Int(i | j)),
        BinOp::BitXor => Ok(Val::Int(i ^ j)),
    }
}

/// Python's float `divmod` (sign of the remainder follows the divisor).
fn float_divmod(x: f64, y: f64) -> (f64, f64) {
    let mut m = x % y;
    let mut div = (x - m) / y;
    if m != 0.0 {
        if (y < 0.0) != (m < 0.0) {
            m += y;
            div -= 1.0;
        }
    } else {
        m = 0.0f64.copysign(y);
    }
    let floordiv = if div != 0.0 {
        let mut f = div.floor();
        if div - f > 0.5 {
            f += 1.0;
        }
        f
    } else {
        0.0f64.copysign(x / y)
    };
    (floordiv, m)
}

fn float_op(op: BinOp, x: f64, y: f64) -> Result<f64, String> {
    match op {
        BinOp::Add => Ok(x + y),
        BinOp::Sub => Ok(x - y),
        BinOp::Mul => Ok(x * y),
        BinOp::Div => {
            if y == 0.0 {
                Err("float division by zero".to_string())
            } else {
                Ok(x / y)
            }
        }
        BinOp::FloorDiv => {
            if y == 0.0 {
                Err("float divmod()".to_string())
            } else {
                Ok(float_divmod(x, y).0)
            }
        }
        BinOp::Mod => {
            if y == 0.0 {
                Err("float modulo".to_string())
            } else {
                Ok(float_divmod(x, y).1)
            }
        }
        BinOp::Pow => {
            if y == 0.0 {
                return Ok(1.0);
            }
            if x == 0.0 && y < 0.0 {
                return Err("0.0 cannot be raised to a negative power".to_string());
            }
            if x < 0.0 && x.is_finite() && y.is_finite() && y.fract() != 0.0 {
                return Err("complex results are outside the supported subset".to_string());
            }
            let r = x.powf(y);
            if r.is_infinite() && x.is_finite() && y.is_finite() {
                return Err("(34, 'Numerical result out of range')".to_string());
            }
            Ok(r)
        }
        _ => Err("unsupported operand".to_string()),
    }
}

fn values_equal(a: &Val<'_>, b: &Val<'_>) -> bool {
    if let (Some(x), Some(y)) = (num(a), num(b)) {
        return match (x, y) {
            (Num::I(i), Num::I(j)) => i == j,
            _ => to_f(x) == to_f(y),
        };
    }
    match (a, b) {
        (Val::None, Val::None) => true,
        (Val::Str(x), Val::Str(y)) => x == y,
        (Val::Dict(x), Val::Dict(y)) => x == y,
        (Val::List(x), Val::List(y)) => x == y,
        (Val::Ns(x), Val::Ns(y)) => std::ptr::eq(*x, *y),
        (Val::Sample(x), Val::Sample(y)) => std::ptr::eq(*x, *y),
        _ => false,
    }
}

fn order(a: &Val<'_>, b: &Val<'_>, sym: &str) -> Result<Ordering, String> {
    if let (Some(x), Some(y)) = (num(a), num(b)) {
        let o = match (x, y) {
            (Num::I(i), Num::I(j)) => Some(i.cmp(&j)),
            _ => to_f(x).partial_cmp(&to_f(y)),
        };
        // NaN: every ordering comparison is false; signal with an impossible result.
        return Ok(o.unwrap_or(Ordering::Equal)).and_then(|o| {
            if to_f(x).is_nan() || to_f(y).is_nan() {
                Err(String::new())
            } else {
                Ok(o)
            }
        });
    }
    match (a, b) {
        (Val::Str(x), Val::Str(y)) => Ok(x.as_ref().cmp(y.as_ref())),
        _ => Err(format!(
            "'{sym}' not supported between instances of '{}' and '{}'",
            a.type_name(),
            b.type_name()
        )),
    }
}

fn contains(item: &Val<'_>, container: &Val<'_>) -> Result<bool, String> {
    match container {
        Val::Str(s) => match item {
            Val::Str(x) => Ok(s.contains(x.as_ref())),
            other => Err(format!(
                "'in <string>' requires string as left operand, not {}",
                other.type_name()
            )),
        },
        Val::List(l) => Ok(l
            .iter()
            .any(|v| values_equal(item, &Val::from_json(v, false)))),
        Val::Dict(m) => Ok(matches!(item, Val::Str(k) if m.contains_key(k.as_ref()))),
        Val::Ns(_) | Val::Sample(_) | Val::Empty => {
            Err("membership tests on a Namespace are outside the supported subset".to_string())
        }
        other => Err(format!(
            "argument of type '{}' is not iterable",
            other.type_name()
        )),
    }
}

fn compare(op: CmpOp, a: &Val<'_>, b: &Val<'_>) -> Result<bool, String> {
    let ord = |sym: &str, f: fn(Ordering) -> bool| match order(a, b, sym) {
        Ok(o) => Ok(f(o)),
        Err(e) if e.is_empty() => Ok(false),
        Err(e) => Err(e),
    };
    match op {
        CmpOp::Eq => Ok(values_equal(a, b)),
        CmpOp::Ne => Ok(!values_equal(a, b)),
        CmpOp::Lt => ord("<", |o| o == Ordering::Less),
        CmpOp::Le => ord("<=", |o| o != Ordering::Greater),
        CmpOp::Gt => ord(">", |o| o == Ordering::Greater),
        CmpOp::Ge => ord(">=", |o| o != Ordering::Less),
        CmpOp::In => contains(a, b),
        CmpOp::NotIn => contains(a, b).map(|r| !r),
        CmpOp::Is => Ok(identical(a, b)),
        CmpOp::IsNot => Ok(!identical(a, b)),
    }
}

fn identical(a: &Val<'_>, b: &Val<'_>) -> bool {
    match (a, b) {
        (Val::None, Val::None) => true,
        (Val::Bool(x), Val::Bool(y)) => x == y,
        (Val::Int(x), Val::Int(y)) => x == y && (-5..=256).contains(x),
        (Val::Ns(x), Val::Ns(y)) | (Val::Dict(x), Val::Dict(y)) => std::ptr::eq(*x, *y),
        (Val::List(x), Val::List(y)) => std::ptr::eq(*x, *y),
        (Val::Sample(x), Val::Sample(y)) => std::ptr::eq(*x, *y),
        _ => false,
    }
}
