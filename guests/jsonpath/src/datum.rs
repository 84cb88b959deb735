//! jsonpath-rw's `DatumInContext`: a value with the path that led to it.
//!
//! Two representations share one evaluator: [`Lean`] keeps only the value
//! and the root (what `$` returns), for [`crate::JsonPath::values`];
//! [`Full`] keeps the whole context chain, for full paths and `` `parent` ``.

use std::borrow::Cow;
use std::fmt::Write;
use std::rc::Rc;

use serde_json::Value;

/// What upstream's `` `parent` `` yields for a datum without context: the
/// Python `None` itself rather than a datum holding it. Most nodes treat it
/// as a null value; reading its `.value` (a final match, an operand, a
/// filter item) raises. Told apart from real nulls by its address.
pub(crate) static NONE: Value = Value::Null;

/// A null value, for `DatumInContext.wrap(None)`.
pub(crate) static NULL: Value = Value::Null;

/// Whether a value is [`NONE`].
pub(crate) fn is_none_object(value: &Value) -> bool {
    std::ptr::eq(value, &NONE)
}

/// A value: borrowed from the document, or computed.
#[derive(Debug, Clone)]
pub(crate) enum Val<'a> {
    Doc(&'a Value),
    Owned(Rc<Value>),
}

impl<'a> Val<'a> {
    /// A computed value.
    pub(crate) fn owned(value: Value) -> Val<'a> {
        Val::Owned(Rc::new(value))
    }

    /// The value.
    pub(crate) fn get(&self) -> &Value {
        match self {
            Val::Doc(v) => v,
            Val::Owned(v) => v,
        }
    }

    /// `value[key]` of a dict, with the key as stored.
    pub(crate) fn field(&self, key: &str) -> Option<(Val<'a>, Cow<'a, str>)> {
        match self {
            Val::Doc(Value::Object(map)) => map
                .get_key_value(key)
                .map(|(k, v)| (Val::Doc(v), Cow::Borrowed(k.as_str()))),
            Val::Owned(v) => match &**v {
                Value::Object(map) => map
                    .get(key)
                    .map(|v| (Val::owned(v.clone()), Cow::Owned(key.to_string()))),
                _ => None,
            },
            Val::Doc(_) => None,
        }
    }

    /// Every `(key, value)` of a dict, in its order.
    pub(crate) fn entries(&self) -> Vec<(Cow<'a, str>, Val<'a>)> {
        match self {
            Val::Doc(Value::Object(map)) => map
                .iter()
                .map(|(k, v)| (Cow::Borrowed(k.as_str()), Val::Doc(v)))
                .collect(),
            Val::Owned(v) => match &**v {
                Value::Object(map) => map
                    .iter()
                    .map(|(k, v)| (Cow::Owned(k.clone()), Val::owned(v.clone())))
                    .collect(),
                _ => Vec::new(),
            },
            Val::Doc(_) => Vec::new(),
        }
    }

    /// `value[i]` of a list (`i` already in range).
    pub(crate) fn item(&self, i: usize) -> Option<Val<'a>> {
        match self {
            Val::Doc(Value::Array(a)) => a.get(i).map(Val::Doc),
            Val::Owned(v) => match &**v {
                Value::Array(a) => a.get(i).map(|v| Val::owned(v.clone())),
                _ => None,
            },
            Val::Doc(_) => None,
        }
    }

    /// The value for a [`crate::Match`].
    pub(crate) fn into_cow(self) -> Cow<'a, Value> {
        match self {
            Val::Doc(v) => Cow::Borrowed(v),
            Val::Owned(v) => Cow::Owned(Rc::try_unwrap(v).unwrap_or_else(|v| (*v).clone())),
        }
    }
}

/// One step of a path (the `path` of a `DatumInContext`).
#[derive(Debug, Clone)]
pub(crate) enum Seg<'a> {
    This,
    Root,
    Len,
    Field(Cow<'a, str>),
    Index(i64),
}

/// What the evaluator needs of a datum.
pub(crate) trait Datum<'a>: Clone {
    /// Whether contexts are kept (values of wrappers are then needed too).
    const KEEPS_CONTEXT: bool;
    /// The value.
    fn val(&self) -> &Val<'a>;
    /// A datum without context (`DatumInContext.wrap`, or a computed result).
    fn top(value: Val<'a>, seg: Seg<'a>) -> Self;
    /// A datum in the context of this one.
    fn child(&self, value: Val<'a>, seg: impl FnOnce() -> Seg<'a>) -> Self;
    /// The same path and context with another value (`Slice` wraps scalars).
    fn with_value(&self, value: Val<'a>) -> Self;
    /// `Root().find(self)`.
    fn root(&self) -> Self;
    /// The context, if any.
    fn parent(&self) -> Option<Self>;
    /// The value.
    fn value(&self) -> &Value;
}

/// A datum without its path.
#[derive(Debug, Clone)]
pub(crate) struct Lean<'a> {
    value: Val<'a>,
    root: Val<'a>,
}

impl<'a> Lean<'a> {
    pub(crate) fn into_val(self) -> Val<'a> {
        self.value
    }
}

impl<'a> Datum<'a> for Lean<'a> {
    const KEEPS_CONTEXT: bool = false;

    fn val(&self) -> &Val<'a> {
        &self.value
    }

    fn value(&self) -> &Value {
        self.value.get()
    }

    fn top(value: Val<'a>, _: Seg<'a>) -> Self {
        Lean {
            root: value.clone(),
            value,
        }
    }

    fn child(&self, value: Val<'a>, _: impl FnOnce() -> Seg<'a>) -> Self {
        Lean {
            value,
            root: self.root.clone(),
        }
    }

    fn with_value(&self, value: Val<'a>) -> Self {
        Lean {
            value,
            root: self.root.clone(),
        }
    }

    fn root(&self) -> Self {
        Lean {
            value: self.root.clone(),
            root: self.root.clone(),
        }
    }

    fn parent(&self) -> Option<Self> {
        None
    }
}

#[derive(Debug)]
struct Link<'a> {
    seg: Seg<'a>,
    value: Val<'a>,
    root: Val<'a>,
    up: Option<Rc<Link<'a>>>,
}

/// A datum with its context chain.
#[derive(Debug, Clone)]
pub(crate) struct Full<'a>(Rc<Link<'a>>);

impl<'a> Datum<'a> for Full<'a> {
    const KEEPS_CONTEXT: bool = true;

    fn val(&self) -> &Val<'a> {
        &self.0.value
    }

    fn value(&self) -> &Value {
        self.0.value.get()
    }

    fn top(value: Val<'a>, seg: Seg<'a>) -> Self {
        Full(Rc::new(Link {
            seg,
            root: value.clone(),
            value,
            up: None,
        }))
    }

    fn child(&self, value: Val<'a>, seg: impl FnOnce() -> Seg<'a>) -> Self {
        Full(Rc::new(Link {
            seg: seg(),
            value,
            root: self.0.root.clone(),
            up: Some(self.0.clone()),
        }))
    }

    fn with_value(&self, value: Val<'a>) -> Self {
        let link = &self.0;
        Full(Rc::new(Link {
            seg: link.seg.clone(),
            value,
            root: link.root.clone(),
            up: link.up.clone(),
        }))
    }

    fn root(&self) -> Self {
        let root = self.0.root.clone();
        Full(Rc::new(Link {
            seg: Seg::Root,
            value: root.clone(),
            root,
            up: None,
        }))
    }

    fn parent(&self) -> Option<Self> {
        self.0.up.clone().map(Full)
    }
}

impl<'a> Full<'a> {
    /// `str(datum.full_path)`.
    pub(crate) fn path_string(&self) -> String {
        let mut chain = Vec::new();
        let mut link = Some(&self.0);
        while let Some(l) = link {
            chain.push(&l.seg);
            link = l.up.as_ref();
        }
        // `context.full_path.child(path)`: a `This`/`Root` prefix is dropped,
        // a `This` step adds nothing, a `Root` step restarts.
        let mut acc: Vec<&Seg<'a>> = Vec::new();
        for seg in chain.into_iter().rev() {
            let prefix_is_this_or_root = matches!(acc.as_slice(), [] | [Seg::This] | [Seg::Root]);
            match seg {
                _ if prefix_is_this_or_root => acc = vec![seg],
                Seg::This => {}
                Seg::Root => acc = vec![seg],
                _ => acc.push(seg),
            }
        }
        let mut out = String::new();
        for (i, seg) in acc.iter().enumerate() {
            if i > 0 {
                out.push('.');
            }
            match seg {
                Seg::This => out.push_str("`this`"),
                Seg::Root => out.push('$'),
                Seg::Len => out.push_str("`len`"),
                Seg::Field(name) => out.push_str(name),
                Seg::Index(i) => {
                    let _ = write!(out, "[{i}]");
                }
            }
        }
        out
    }

    pub(crate) fn into_val(self) -> Val<'a> {
        match Rc::try_unwrap(self.0) {
            Ok(link) => link.value,
            Err(rc) => rc.value.clone(),
        }
    }
}
