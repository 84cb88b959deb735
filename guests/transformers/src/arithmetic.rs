//! `arithmetic`: evaluates an expression over several meters of the same resource.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::expr::{Expression, Scope, Val, is_keyword};
use crate::log::{Log, LogRecord};
use crate::py;
use crate::sample::Sample;

/// Ceilometer's `ArithmeticTransformer`.
#[derive(Debug, Clone)]
pub struct Arithmetic {
    target: Map<String, Value>,
    expr: String,
    /// The escaped expression, parsed (a parse error fails every evaluation).
    parsed: Result<Expression, String>,
    /// Escaped names of the required meters, first-referenced first (deduplicated).
    required: Vec<String>,
    /// Meter name -> index into `required`.
    meters: HashMap<String, usize>,
    misconfigured: bool,
    /// Latest sample per required meter, per resource, resources in insertion order.
    cache: Vec<(String, Vec<Option<Sample>>)>,
    index: HashMap<String, usize>,
    latest_timestamp: Option<String>,
}

/// Result of `ArithmeticTransformer.parse_expr`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedExpr {
    /// The expression with `$(meter)` replaced by escaped identifiers.
    pub escaped: String,
    /// `(meter name, escaped name)` in first-reference order, without duplicates.
    pub names: Vec<(String, String)>,
}

/// Escapes a meter name into a Python identifier as Ceilometer does.
pub fn escape(name: &str) -> String {
    let has_dot = name.contains('.');
    let base = if has_dot {
        name.replace('.', "_")
    } else {
        name.to_string()
    };
    if has_dot || base.ends_with("ESC") || is_keyword(&base) {
        format!("_{base}_ESC")
    } else {
        base
    }
}

fn is_word(c: char) -> bool {
    c == '_' || c == '.' || c == '-' || c.is_alphanumeric()
}

/// `parse_expr`: rewrites `$(name)` (name of `[\w.-]+`) into escaped identifiers,
/// appending `.volume` unless the reference is followed by `.`.
pub fn parse_expr(expr: &str) -> ParsedExpr {
    let mut escaped = String::with_capacity(expr.len() + 16);
    let mut names: Vec<(String, String)> = Vec::new();
    let mut i = 0;
    while i < expr.len() {
        let rest = &expr[i..];
        if let Some(body) = rest.strip_prefix("$(") {
            let len: usize = body
                .chars()
                .take_while(|c| is_word(*c))
                .map(char::len_utf8)
                .sum();
            if len > 0 && body[len..].starts_with(')') {
                let name = &body[..len];
                let esc = escape(name);
                if let Some(entry) = names.iter_mut().find(|(n, _)| n == name) {
                    entry.1.clone_from(&esc);
                } else {
                    names.push((name.to_string(), esc.clone()));
                }
                escaped.push_str(&esc);
                let end = i + 2 + len + 1;
                if !expr[end..].starts_with('.') {
                    escaped.push_str(".volume");
                }
                i = end;
                continue;
            }
        }
        let c = rest.chars().next().unwrap_or('\0');
        escaped.push(c);
        i += c.len_utf8().max(1);
    }
    ParsedExpr { escaped, names }
}

struct CacheScope<'a> {
    required: &'a [String],
    slots: &'a [Option<Sample>],
}

impl<'a> Scope<'a> for CacheScope<'a> {
    fn lookup(&self, name: &str) -> Val<'a> {
        match self.required.iter().position(|r| r == name) {
            Some(i) => self
                .slots
                .get(i)
                .and_then(Option::as_ref)
                .map_or(Val::Empty, Val::Sample),
            None => Val::Empty,
        }
    }
}

impl Arithmetic {
    /// Parameters: `target{name, unit, type, expr}`. An expression without `$(meter)`
    /// is accepted but misconfigured (warning; never emits).
    pub fn from_params(params: &Value, log: &mut Log) -> Result<Arithmetic, String> {
        let target = match params.get("target") {
            Some(v) if !py::json_truthy(v) => Map::new(),
            None => Map::new(),
            Some(Value::Object(m)) => m.clone(),
            Some(other) => {
                return Err(format!(
                    "'{}' object has no attribute 'get'",
                    py::json_type_name(other)
                ));
            }
        };
        let expr = match target.get("expr") {
            None => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(_) => return Err("expected string or bytes-like object".to_string()),
        };
        let parsed = parse_expr(&expr);
        let mut required: Vec<String> = Vec::new();
        let mut meters = HashMap::new();
        for (meter, esc) in &parsed.names {
            let idx = match required.iter().position(|r| r == esc) {
                Some(i) => i,
                None => {
                    required.push(esc.clone());
                    required.len() - 1
                }
            };
            meters.insert(meter.clone(), idx);
        }
        let misconfigured = required.is_empty();
        if misconfigured {
            log.push(LogRecord::warning(format!(
                "Arithmetic transformer must use at least one meter in expression '{expr}'"
            )));
        }
        Ok(Arithmetic {
            target,
            parsed: Expression::parse(&parsed.escaped),
            expr,
            required,
            meters,
            misconfigured,
            cache: Vec::new(),
            index: HashMap::new(),
            latest_timestamp: None,
        })
    }

    /// Caches the sample if it is a required meter; consumes every sample.
    pub fn handle(&mut self, s: Sample) -> Option<Sample> {
        self.latest_timestamp = Some(s.timestamp.clone());
        if let Some(&idx) = self.meters.get(&s.name) {
            let pos = match self.index.get(&s.resource_id) {
                Some(&p) => p,
                None => {
                    self.index.insert(s.resource_id.clone(), self.cache.len());
                    self.cache
                        .push((s.resource_id.clone(), vec![None; self.required.len()]));
                    self.cache.len() - 1
                }
            };
            self.cache[pos].1[idx] = Some(s);
        }
        None
    }

    /// Evaluates the expression for every resource that has all required meters, and
    /// forgets those resources. Failures (errors, NaN) are warnings.
    pub fn flush(&mut self, log: &mut Log) -> Vec<Sample> {
        let mut out = Vec::new();
        if self.misconfigured {
            return out;
        }
        let cache = std::mem::take(&mut self.cache);
        let mut kept = Vec::with_capacity(cache.len());
        for (rid, slots) in cache {
            if slots.iter().all(Option::is_some) {
                match self.calculate(&slots) {
                    Ok(s) => out.push(s),
                    Err(e) => log.push(LogRecord::warning(format!(
                        "Unable to evaluate expression {}: {}",
                        self.expr, e
                    ))),
                }
            } else {
                kept.push((rid, slots));
            }
        }
        self.index.clear();
        for (i, (rid, _)) in kept.iter().enumerate() {
            self.index.insert(rid.clone(), i);
        }
        self.cache = kept;
        out
    }

    fn calculate(&self, slots: &[Option<Sample>]) -> Result<Sample, String> {
        let parsed = self
            .parsed
            .as_ref()
            .map_err(|e| format!("invalid syntax ({e})"))?;
        let scope = CacheScope {
            required: &self.required,
            slots,
        };
        let v = parsed.eval(&scope)?;
        let volume = v
            .as_f64()
            .ok_or_else(|| format!("must be real number, not {}", v.type_name()))?;
        if volume.is_nan() {
            return Err("Expression evaluated to a NaN value!".to_string());
        }
        let reference = slots
            .first()
            .and_then(Option::as_ref)
            .ok_or("no reference sample")?;
        let pick = |key: &str, default: &str| {
            self.target
                .get(key)
                .map_or_else(|| default.to_string(), py::json_str)
        };
        Ok(Sample::derived(
            pick("name", &reference.name),
            pick("type", &reference.r#type),
            pick("unit", &reference.unit),
            volume,
            reference.user_id.clone(),
            reference.project_id.clone(),
            reference.resource_id.clone(),
            self.latest_timestamp.clone().unwrap_or_default(),
            reference.resource_metadata.clone(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_ceilometer() {
        let p = parse_expr("$(class) + $(_class_ESC)");
        assert_eq!(p.escaped, "_class_ESC.volume + __class_ESC_ESC.volume");
        let p = parse_expr("$(cpu) + $(cpu.util).resource_metadata");
        assert_eq!(p.escaped, "cpu.volume + _cpu_util_ESC.resource_metadata");
    }
}
