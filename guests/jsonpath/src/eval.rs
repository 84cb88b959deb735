//! Evaluation: each node's `find` as jsonpath-rw / jsonpath-rw-ext define it,
//! Python exceptions included (they surface as [`Flow::Raised`]).

use std::cmp::Ordering;

use serde_json::Value;

use crate::ast::{CmpOp, Expression, Literal, Node, Operand, Operation, SortKey, Split, Sub};
use crate::datum::{Datum, Lean, NONE, NULL, Seg, Val, is_none_object};
use crate::pyops::{self, Py, PyError};
use crate::pyregex;

/// How a `find` ended abnormally.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Flow {
    /// Python raised this exception.
    Raised(String),
    /// `SortedThis.find` returned a bare datum instead of a list; what that
    /// does depends on the caller.
    Bare,
}

type Found = Result<(), Flow>;

fn raised(message: impl Into<String>) -> Flow {
    Flow::Raised(message.into())
}

impl From<PyError> for Flow {
    fn from(e: PyError) -> Flow {
        match e {
            PyError::Type(m) => raised(format!("TypeError: {m}")),
            PyError::Other(m) => raised(m),
        }
    }
}

/// The evaluator.
pub(crate) struct Eval {
    /// Whether `` `parent` `` occurs (wrappers then need their own values).
    pub(crate) parents: bool,
}

/// Python's slice of `range(len)[start:end]`.
fn slice_range(len: usize, start: Option<i64>, end: Option<i64>) -> std::ops::Range<usize> {
    let len_i = i64::try_from(len).unwrap_or(i64::MAX);
    let clamp = |i: i64| -> usize {
        let i = if i < 0 {
            i.saturating_add(len_i).max(0)
        } else {
            i.min(len_i)
        };
        usize::try_from(i).unwrap_or(0)
    };
    let s = start.map_or(0, clamp);
    let e = end.map_or(len, clamp);
    s..e.max(s)
}

/// A stable merge sort with a fallible `less`, like Python's `list.sort`
/// only ever asking `b < a`.
fn sort_by_less<T: Copy>(
    items: &mut [T],
    less: &mut impl FnMut(T, T) -> Result<bool, Flow>,
) -> Result<(), Flow> {
    if items.len() < 2 {
        return Ok(());
    }
    let mid = items.len() / 2;
    sort_by_less(&mut items[..mid], less)?;
    sort_by_less(&mut items[mid..], less)?;
    let mut merged = Vec::with_capacity(items.len());
    let (mut i, mut j) = (0, mid);
    while i < mid && j < items.len() {
        if less(items[j], items[i])? {
            merged.push(items[j]);
            j += 1;
        } else {
            merged.push(items[i]);
            i += 1;
        }
    }
    merged.extend_from_slice(&items[i..mid]);
    merged.extend_from_slice(&items[j..]);
    items.copy_from_slice(&merged);
    Ok(())
}

impl Eval {
    /// `node.find(d)`, where a `SortedThis` result that is not a list stays [`Flow::Bare`].
    fn find<'b, D: Datum<'b>>(&self, node: &Node, d: &D, raw: bool, out: &mut Vec<D>) -> Found {
        match node {
            Node::Root => out.push(unwrap_none(d.root())),
            Node::This => out.push(unwrap_none(d.clone())),
            Node::Parent => out.push(
                d.parent()
                    .unwrap_or_else(|| D::top(Val::Doc(&NONE), Seg::This)),
            ),
            Node::Fields(names) => fields(names, d, out),
            Node::Index(i) => index(*i, d, out)?,
            Node::Slice(start, end) => self.slice(*start, *end, d, out)?,
            Node::Child(left, right) => {
                let mut tmp = Vec::new();
                self.find_list(left, d, raw, &mut tmp)?;
                for x in &tmp {
                    self.find_list(right, x, false, out)?;
                }
            }
            Node::Chain(steps) => self.chain(steps, d, raw, out)?,
            Node::Descendants(left, right) => {
                let mut tops = Vec::new();
                match self.find(left, d, raw, &mut tops) {
                    Ok(()) => {}
                    // A bare datum is made a one-element list here.
                    Err(Flow::Bare) => tops = vec![d.clone()],
                    Err(e) => return Err(e),
                }
                for x in &tops {
                    no_value_attribute(x)?;
                    self.descend(right, x, out)?;
                }
            }
            Node::Where(left, right) => {
                let mut tmp = Vec::new();
                self.find_list(left, d, raw, &mut tmp)?;
                for x in tmp {
                    let mut found = Vec::new();
                    let keep = match self.find(right, &x, false, &mut found) {
                        Ok(()) => !found.is_empty(),
                        Err(Flow::Bare) => true,
                        Err(e) => return Err(e),
                    };
                    if keep {
                        out.push(x);
                    }
                }
            }
            Node::Union(left, right) => {
                self.find_list(left, d, raw, out)?;
                self.find_list(right, d, raw, out)?;
            }
            Node::Intersect(..) => return Err(raised("NotImplementedError: `&` (Intersect)")),
            Node::Len => {
                let n = match d.value() {
                    Value::String(s) => s.chars().count(),
                    Value::Array(a) => a.len(),
                    Value::Object(m) => m.len(),
                    _ => return Ok(()),
                };
                out.push(D::top(Val::owned(Value::from(n)), Seg::Len));
            }
            Node::Sorted(keys) => self.sorted(keys.as_deref(), d, raw, out)?,
            Node::Split(split) => split_value(split, d, out),
            Node::Sub(sub) => sub_value(sub, d, out)?,
            Node::Operation(op) => self.operation(op, d, raw, out)?,
            Node::Filter(expressions) => self.filter(expressions, d, out)?,
        }
        Ok(())
    }

    /// `node.find(d)` where the caller iterates the result: a bare datum is a `TypeError`.
    pub(crate) fn find_list<'b, D: Datum<'b>>(
        &self,
        node: &Node,
        d: &D,
        raw: bool,
        out: &mut Vec<D>,
    ) -> Found {
        self.find(node, d, raw, out).map_err(|e| match e {
            Flow::Bare => raised("TypeError: 'DatumInContext' object is not iterable"),
            other => other,
        })
    }

    /// A flattened `Child` run, depth first (the order of the nested
    /// comprehensions upstream).
    fn chain<'b, D: Datum<'b>>(&self, steps: &[Node], d: &D, raw: bool, out: &mut Vec<D>) -> Found {
        let Some((first, rest)) = steps.split_first() else {
            out.push(d.clone());
            return Ok(());
        };
        if rest.is_empty() {
            return self.find_list(first, d, raw, out);
        }
        match first {
            Node::Root => return self.chain(rest, &d.root(), false, out),
            Node::This => return self.chain(rest, d, false, out),
            Node::Slice(start, end) if d.value().is_array() => {
                for i in slice_range(d.value().as_array().map_or(0, Vec::len), *start, *end) {
                    if let Some(v) = d.val().item(i) {
                        self.chain(rest, &d.child(v, || Seg::Index(i as i64)), false, out)?;
                    }
                }
                return Ok(());
            }
            Node::Fields(names) if names.len() == 1 && names[0] != "*" => {
                if let Some((value, key)) = d.val().field(&names[0]) {
                    let next = d.child(value, || Seg::Field(key));
                    self.chain(rest, &next, false, out)?;
                }
                return Ok(());
            }
            _ => {}
        }
        let mut tmp = Vec::new();
        self.find_list(first, d, raw, &mut tmp)?;
        for x in &tmp {
            self.chain(rest, x, false, out)?;
        }
        Ok(())
    }

    fn descend<'b, D: Datum<'b>>(&self, right: &Node, x: &D, out: &mut Vec<D>) -> Found {
        self.find_list(right, x, false, out)?;
        match x.value() {
            Value::Array(items) => {
                for i in 0..items.len() {
                    if let Some(v) = x.val().item(i) {
                        let c = x.child(v, || Seg::Index(i as i64));
                        self.descend(right, &c, out)?;
                    }
                }
            }
            Value::Object(_) => {
                for (key, v) in x.val().entries() {
                    let c = x.child(v, || Seg::Field(key));
                    self.descend(right, &c, out)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn slice<'b, D: Datum<'b>>(
        &self,
        start: Option<i64>,
        end: Option<i64>,
        d: &D,
        out: &mut Vec<D>,
    ) -> Found {
        let value = d.value();
        match value {
            Value::Array(items) => {
                for i in slice_range(items.len(), start, end) {
                    if let Some(v) = d.val().item(i) {
                        out.push(d.child(v, || Seg::Index(i as i64)));
                    }
                }
            }
            // Dicts, ints (bools too) and strings are sliced as one-element lists.
            Value::Object(_) | Value::String(_) | Value::Bool(_) => {
                self.slice_wrapped(start, end, d, out)
            }
            Value::Number(n) if n.is_i64() || n.is_u64() => self.slice_wrapped(start, end, d, out),
            other => {
                let kind = if other.is_null() { "NoneType" } else { "float" };
                return Err(raised(format!(
                    "TypeError: object of type '{kind}' has no len()"
                )));
            }
        }
        Ok(())
    }

    fn slice_wrapped<'b, D: Datum<'b>>(
        &self,
        start: Option<i64>,
        end: Option<i64>,
        d: &D,
        out: &mut Vec<D>,
    ) {
        if slice_range(1, start, end).is_empty() {
            return;
        }
        let wrapper = if D::KEEPS_CONTEXT && self.parents {
            d.with_value(Val::owned(Value::Array(vec![d.value().clone()])))
        } else {
            d.clone()
        };
        out.push(wrapper.child(d.val().clone(), || Seg::Index(0)));
    }

    fn sorted<'b, D: Datum<'b>>(
        &self,
        keys: Option<&[SortKey]>,
        d: &D,
        raw: bool,
        out: &mut Vec<D>,
    ) -> Found {
        if raw {
            return Err(raised(
                "AttributeError: the document has no attribute 'value'",
            ));
        }
        no_value_attribute(d)?;
        let sorted = match (d.value(), keys) {
            (Value::Array(items), _) => {
                let mut refs: Vec<&Value> = items.iter().collect();
                match keys {
                    None => sort_by_less(&mut refs, &mut |a, b| Ok(pyops::less(a, b)?))?,
                    Some(keys) => sort_by_less(&mut refs, &mut |a, b| {
                        Ok(self.compare_keys(keys, a, b)? == Ordering::Less)
                    })?,
                }
                refs.into_iter().cloned().collect()
            }
            (Value::Object(map), None) => {
                let mut names: Vec<&String> = map.keys().collect();
                names.sort();
                names
                    .into_iter()
                    .map(|k| Value::String(k.clone()))
                    .collect()
            }
            _ => return Err(Flow::Bare),
        };
        out.push(D::top(Val::owned(Value::Array(sorted)), Seg::This));
        Ok(())
    }

    /// `SortedThis._compare`.
    fn compare_keys(
        &self,
        keys: &[SortKey],
        left: &Value,
        right: &Value,
    ) -> Result<Ordering, Flow> {
        for key in keys {
            let (mut l, mut r) = (Vec::new(), Vec::new());
            self.find_list(
                &key.path,
                &Lean::top(Val::Doc(left), Seg::This),
                false,
                &mut l,
            )?;
            self.find_list(
                &key.path,
                &Lean::top(Val::Doc(right), Seg::This),
                false,
                &mut r,
            )?;
            let ([l], [r]) = (l.as_slice(), r.as_slice()) else {
                continue;
            };
            no_value_attribute(l)?;
            no_value_attribute(r)?;
            if pyops::values_eq(l.value(), r.value()) {
                continue;
            }
            let less = pyops::less(l.value(), r.value())?;
            return Ok(if less != key.reverse {
                Ordering::Less
            } else {
                Ordering::Greater
            });
        }
        Ok(Ordering::Equal)
    }

    fn operation<'b, D: Datum<'b>>(
        &self,
        operation: &Operation,
        d: &D,
        raw: bool,
        out: &mut Vec<D>,
    ) -> Found {
        let Operation { left, op, right } = operation;
        let as_py = operand_py;
        let mut results = Vec::new();
        let mut apply = |a: Py<'_>, b: Py<'_>| -> Result<bool, Flow> {
            match pyops::arith(*op, a, b) {
                Ok(v) => {
                    results.push(v);
                    Ok(true)
                }
                Err(PyError::Type(_)) => Ok(false),
                Err(e) => Err(e.into()),
            }
        };
        match (left, right) {
            (Operand::Path(l), Operand::Path(r)) => {
                let (mut lv, mut rv) = (Vec::new(), Vec::new());
                self.find_list(l, d, raw, &mut lv)?;
                self.find_list(r, d, raw, &mut rv)?;
                if lv.is_empty() || lv.len() != rv.len() {
                    return Ok(());
                }
                for (x, y) in lv.iter().zip(&rv) {
                    no_value_attribute(x)?;
                    no_value_attribute(y)?;
                    if !apply(Py::of(x.value()), Py::of(y.value()))? {
                        return Ok(());
                    }
                }
            }
            (Operand::Path(l), lit) => {
                let mut lv = Vec::new();
                self.find_list(l, d, raw, &mut lv)?;
                let Some(b) = as_py(lit) else { return Ok(()) };
                for x in &lv {
                    no_value_attribute(x)?;
                    if !apply(Py::of(x.value()), b)? {
                        return Ok(());
                    }
                }
            }
            (lit, Operand::Path(r)) => {
                let mut rv = Vec::new();
                self.find_list(r, d, raw, &mut rv)?;
                let Some(a) = as_py(lit) else { return Ok(()) };
                for y in &rv {
                    no_value_attribute(y)?;
                    if !apply(a, Py::of(y.value()))? {
                        return Ok(());
                    }
                }
            }
            (a, b) => {
                let (Some(a), Some(b)) = (as_py(a), as_py(b)) else {
                    return Ok(());
                };
                if !apply(a, b)? {
                    return Ok(());
                }
            }
        }
        out.extend(
            results
                .into_iter()
                .map(|v| D::top(Val::owned(v), Seg::This)),
        );
        Ok(())
    }

    fn filter<'b, D: Datum<'b>>(
        &self,
        expressions: &[Expression],
        d: &D,
        out: &mut Vec<D>,
    ) -> Found {
        let Value::Array(items) = d.value() else {
            return Ok(());
        };
        let mut scratch: Vec<D> = Vec::new();
        for i in 0..items.len() {
            let Some(item) = d.val().item(i) else {
                continue;
            };
            // Every expression is evaluated (no short circuit upstream).
            let mut all = true;
            for e in expressions {
                all &= self.holds(e, &item, &mut scratch)?;
            }
            if all {
                out.push(d.child(item, || Seg::Index(i as i64)));
            }
        }
        Ok(())
    }

    /// Whether `Expression.find` returns something truthy.
    fn holds<'b, D: Datum<'b>>(
        &self,
        e: &Expression,
        item: &Val<'b>,
        found: &mut Vec<D>,
    ) -> Result<bool, Flow> {
        if let Some(keys) = &e.simple {
            let mut value = item.get();
            for key in keys {
                match value {
                    Value::Object(map) => match map.get(key) {
                        Some(v) => value = v,
                        None => return Ok(false),
                    },
                    _ => return Ok(false),
                }
            }
            return match &e.comparison {
                None => Ok(true),
                Some((op, literal)) => compare_literal(value, *op, literal, e.regex.as_ref()),
            };
        }
        let element = D::top(item.clone(), Seg::This);
        found.clear();
        match self.find(&e.target, &element, false, found) {
            Ok(()) => {}
            Err(Flow::Bare) if e.comparison.is_none() => return Ok(true),
            Err(Flow::Bare) => {
                return Err(raised("TypeError: 'DatumInContext' object is not iterable"));
            }
            Err(other) => return Err(other),
        }
        let Some((op, literal)) = &e.comparison else {
            return Ok(!found.is_empty());
        };
        let mut any = false;
        for x in found.iter() {
            no_value_attribute(x)?;
            any |= compare_literal(x.value(), *op, literal, e.regex.as_ref())?;
        }
        Ok(any)
    }
}

/// `DatumInContext.wrap(None)`: the `None` of `` `parent` `` becomes a datum.
fn unwrap_none<'b, D: Datum<'b>>(d: D) -> D {
    if is_none_object(d.value()) {
        D::top(Val::Doc(&NULL), Seg::This)
    } else {
        d
    }
}

/// Reading `.value` of the `None` of `` `parent` `` raises.
pub(crate) fn no_value_attribute<'b, D: Datum<'b>>(d: &D) -> Found {
    if is_none_object(d.value()) {
        return Err(raised(
            "AttributeError: 'NoneType' object has no attribute 'value'",
        ));
    }
    Ok(())
}

/// A literal operand as a Python object (`None` for a path).
fn operand_py(o: &Operand) -> Option<Py<'_>> {
    match o {
        Operand::Path(_) => None,
        Operand::Str(s) => Some(Py::Str(s)),
        Operand::Int(i) => Some(Py::Int(*i)),
        Operand::Float(f) => Some(Py::Float(*f)),
    }
}

fn fields<'b, D: Datum<'b>>(names: &[String], d: &D, out: &mut Vec<D>) {
    if names.iter().any(|n| n == "*") {
        for (key, v) in d.val().entries() {
            out.push(d.child(v, || Seg::Field(key)));
        }
        return;
    }
    for name in names {
        if let Some((v, key)) = d.val().field(name) {
            out.push(d.child(v, || Seg::Field(key)));
        }
    }
}

fn index<'b, D: Datum<'b>>(i: i64, d: &D, out: &mut Vec<D>) -> Found {
    let out_of_range = || raised("IndexError: index out of range");
    // `len(value) > i`, then `value[i]`.
    let position = |len: usize| -> Result<Option<usize>, Flow> {
        let len = i64::try_from(len).unwrap_or(i64::MAX);
        if len <= i {
            return Ok(None);
        }
        let at = if i < 0 { len + i } else { i };
        usize::try_from(at).map(Some).map_err(|_| out_of_range())
    };
    match d.value() {
        Value::Array(items) => {
            if let Some(at) = position(items.len())? {
                let v = d.val().item(at).ok_or_else(out_of_range)?;
                out.push(d.child(v, || Seg::Index(i)));
            }
        }
        Value::String(s) => {
            if let Some(at) = position(s.chars().count())? {
                let c = s.chars().nth(at).ok_or_else(out_of_range)?;
                out.push(d.child(Val::owned(Value::String(c.to_string())), || Seg::Index(i)));
            }
        }
        Value::Object(map) => {
            if position(map.len())?.is_some() {
                return Err(raised(format!("KeyError: {i}")));
            }
        }
        _ => return Err(raised("TypeError: object has no len()")),
    }
    Ok(())
}

fn split_value<'b, D: Datum<'b>>(split: &Split, d: &D, out: &mut Vec<D>) {
    let Value::String(s) = d.value() else { return };
    let part = match usize::try_from(split.max_split) {
        Err(_) => s.split(split.separator).nth(split.segment),
        Ok(n) => s
            .splitn(n.saturating_add(1), split.separator)
            .nth(split.segment),
    };
    if let Some(part) = part {
        out.push(D::top(
            Val::owned(Value::String(part.to_string())),
            Seg::This,
        ));
    }
}

fn sub_value<'b, D: Datum<'b>>(sub: &Sub, d: &D, out: &mut Vec<D>) -> Found {
    let Value::String(s) = d.value() else {
        return Err(raised("TypeError: expected string or bytes-like object"));
    };
    let template = sub
        .template
        .as_ref()
        .map_err(|e| raised(format!("re.error: {e}")))?;
    let replaced = pyregex::sub(&sub.regex, sub.nonempty.as_ref(), template, s).map_err(raised)?;
    if replaced != *s {
        out.push(D::top(Val::owned(Value::String(replaced)), Seg::This));
    }
    Ok(())
}

/// One comparison of `Expression.find`: `Ok(false)` also when the item is
/// skipped (`None`, or `int()` failing with a `ValueError`).
fn compare_literal(
    value: &Value,
    op: CmpOp,
    literal: &Literal,
    regex: Option<&Result<fancy_regex::Regex, String>>,
) -> Result<bool, Flow> {
    if value.is_null() {
        return Ok(false);
    }
    let not_a_pattern = || raised("TypeError: first argument must be string or compiled pattern");
    let by_order = |ord: Option<Ordering>| {
        let Some(ord) = ord else {
            return op == CmpOp::Ne;
        };
        match op {
            CmpOp::Eq => ord == Ordering::Equal,
            CmpOp::Ne => ord != Ordering::Equal,
            CmpOp::Lt => ord == Ordering::Less,
            CmpOp::Le => ord != Ordering::Greater,
            CmpOp::Gt => ord == Ordering::Greater,
            CmpOp::Ge => ord != Ordering::Less,
            CmpOp::Match => false,
        }
    };
    match literal {
        // `isinstance(literal, int)` holds for bools too: the value is `int()`-ed.
        Literal::Int(_) | Literal::Bool(_) => {
            let target = match literal {
                Literal::Int(i) => *i,
                Literal::Bool(b) => i128::from(*b),
                _ => 0,
            };
            let Some(v) = pyops::to_int(Py::of(value))? else {
                return Ok(false);
            };
            if op == CmpOp::Match {
                return Err(not_a_pattern());
            }
            Ok(by_order(Some(v.cmp(&target))))
        }
        Literal::Float(f) => match op {
            CmpOp::Match => Err(not_a_pattern()),
            CmpOp::Eq => Ok(pyops::eq(Py::of(value), Py::Float(*f))),
            CmpOp::Ne => Ok(!pyops::eq(Py::of(value), Py::Float(*f))),
            _ => Ok(by_order(pyops::compare(Py::of(value), Py::Float(*f))?)),
        },
        Literal::Str(s) => match op {
            CmpOp::Eq => Ok(matches!(value, Value::String(v) if v == s)),
            CmpOp::Ne => Ok(!matches!(value, Value::String(v) if v == s)),
            CmpOp::Match => {
                let Value::String(v) = value else {
                    return Err(raised("TypeError: expected string or bytes-like object"));
                };
                match regex {
                    Some(Ok(re)) => re.is_match(v).map_err(|e| raised(e.to_string())),
                    Some(Err(e)) => Err(raised(format!("re.error: {e}"))),
                    None => Err(not_a_pattern()),
                }
            }
            _ => Ok(by_order(pyops::compare(Py::of(value), Py::Str(s))?)),
        },
    }
}
