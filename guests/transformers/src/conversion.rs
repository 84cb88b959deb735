//! What unit_conversion, rate_of_change, aggregator and delta share
//! (`BaseConversionTransformer` and `ScalingTransformer`): source unit filter,
//! name/unit mapping, scale, max and target type.

use serde_json::{Map, Value};

use crate::expr::{Expression, SampleScope};
use crate::mapping::Mapping;
use crate::py;
use crate::sample::Sample;

/// `target.scale`.
#[derive(Debug, Clone)]
enum Scale {
    /// Absent or falsy: the volume is kept.
    Keep,
    /// A number: `volume * factor`.
    Factor(f64),
    /// A string: evaluated over the sample (a parse error fails every sample).
    Expr(Result<Expression, String>),
    /// Anything else truthy: fails every sample, as in Python.
    Invalid(&'static str),
}

/// `target.max`.
#[derive(Debug, Clone)]
enum Max {
    None,
    Num(f64),
    Invalid(&'static str),
}

/// How one attribute (`name` or `unit`) of the output is chosen.
#[derive(Debug, Clone, Default)]
struct Attr {
    /// `Some` when both `map_from[attr]` and `map_to[attr]` are set; `Err` when the
    /// regex or template does not compile (every substitution then fails).
    mapping: Option<Result<Mapping, String>>,
    /// `target[attr]`.
    target: Option<String>,
}

impl Attr {
    /// `mapped or target.get(attr, original)`.
    fn apply(&self, original: &str) -> String {
        if let Some(Ok(m)) = &self.mapping
            && let Some(mapped) = m.apply(original)
            && !mapped.is_empty()
        {
            return mapped;
        }
        match &self.target {
            Some(t) => t.clone(),
            None => original.to_string(),
        }
    }
}

/// Parsed `source` / `target` parameters.
#[derive(Debug, Clone)]
pub struct Conversion {
    /// `source.unit`: `Some(None)` when present but not a string (never matches).
    source_unit: Option<Option<String>>,
    name: Attr,
    unit: Attr,
    target_type: Option<String>,
    scale: Scale,
    max: Max,
}

fn object<'a>(params: &'a Value, key: &str) -> Result<Option<&'a Map<String, Value>>, String> {
    match params.get(key) {
        None => Ok(None),
        Some(v) if !py::json_truthy(v) => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(other) => Err(format!(
            "{key}: '{}' object has no attribute 'get'",
            py::json_type_name(other)
        )),
    }
}

impl Conversion {
    /// Reads `source` and `target` from the transformer parameters. `default_scale` is
    /// rate_of_change's `self.scale or '1'`.
    pub fn from_params(params: &Value, default_scale: Option<&str>) -> Result<Conversion, String> {
        let source = object(params, "source")?;
        let target = object(params, "target")?;
        let map_from = match source {
            Some(s) => object(&Value::Object(s.clone()), "map_from")?.cloned(),
            None => None,
        };
        let map_to = match target {
            Some(t) => object(&Value::Object(t.clone()), "map_to")?.cloned(),
            None => None,
        };
        let attr = |key: &str| -> Attr {
            let mapping = match (&map_from, &map_to) {
                (Some(f), Some(t)) => match (f.get(key), t.get(key)) {
                    (Some(a), Some(b)) if py::json_truthy(a) && py::json_truthy(b) => {
                        Some(match (a, b) {
                            (Value::String(a), Value::String(b)) => Mapping::new(a, b),
                            _ => Err("expected string or bytes-like object".to_string()),
                        })
                    }
                    _ => None,
                },
                _ => None,
            };
            Attr {
                mapping,
                target: target.and_then(|t| t.get(key)).map(py::json_str),
            }
        };
        let source_unit = source
            .and_then(|s| s.get("unit"))
            .map(|u| u.as_str().map(str::to_string));
        let scale_value = target
            .and_then(|t| t.get("scale"))
            .filter(|v| py::json_truthy(v));
        let scale = match (scale_value, default_scale) {
            (None, None) => Scale::Keep,
            (None, Some(d)) => Scale::Expr(Expression::parse(d)),
            (Some(Value::String(s)), _) => Scale::Expr(Expression::parse(s)),
            (Some(v @ (Value::Number(_) | Value::Bool(_))), _) => {
                Scale::Factor(py::json_number(v).unwrap_or(f64::NAN))
            }
            (Some(other), _) => Scale::Invalid(py::json_type_name(other)),
        };
        let max = match target
            .and_then(|t| t.get("max"))
            .filter(|v| py::json_truthy(v))
        {
            None => Max::None,
            Some(v @ (Value::Number(_) | Value::Bool(_))) => {
                Max::Num(py::json_number(v).unwrap_or(f64::NAN))
            }
            Some(other) => Max::Invalid(py::json_type_name(other)),
        };
        Ok(Conversion {
            source_unit,
            name: attr("name"),
            unit: attr("unit"),
            target_type: target.and_then(|t| t.get("type")).map(py::json_str),
            scale,
            max,
        })
    }

    /// `self.source.get('unit', s.unit) == s.unit`.
    pub fn unit_matches(&self, s: &Sample) -> bool {
        match &self.source_unit {
            None => true,
            Some(Some(u)) => *u == s.unit,
            Some(None) => false,
        }
    }

    /// The mapped name (`_map(s, 'name')`).
    pub fn map_name(&self, name: &str) -> String {
        self.name.apply(name)
    }

    /// `_scale(s)`: the scaled volume of `s`.
    pub fn scale(&self, s: &Sample) -> Result<f64, String> {
        match &self.scale {
            Scale::Keep => Ok(s.volume),
            Scale::Factor(f) => Ok(s.volume * f),
            Scale::Expr(Ok(e)) => {
                let v = e.eval(&SampleScope(s))?;
                v.as_f64().ok_or_else(|| {
                    format!(
                        "unsupported operand type(s) for *: '{}' and 'int'",
                        v.type_name()
                    )
                })
            }
            Scale::Expr(Err(msg)) => Err(format!("SyntaxError: {msg}")),
            Scale::Invalid(t) => Err(format!(
                "unsupported operand type(s) for *: 'float' and '{t}'"
            )),
        }
    }

    /// `min(volume, max) if max else volume`.
    fn clamp(&self, volume: f64) -> Result<f64, String> {
        match self.max {
            Max::None => Ok(volume),
            Max::Num(m) => Ok(if m < volume { m } else { volume }),
            Max::Invalid(t) => Err(format!(
                "'<' not supported between instances of '{t}' and 'float'"
            )),
        }
    }

    /// `ScalingTransformer._convert(s, growth)`: a new sample.
    pub fn convert(&self, s: Sample, growth: f64) -> Result<Sample, String> {
        let volume = self.clamp(self.scale(&s)? * growth)?;
        let name = self.name.apply(&s.name);
        let unit = self.unit.apply(&s.unit);
        let r#type = match &self.target_type {
            Some(t) => t.clone(),
            None => s.r#type,
        };
        Ok(Sample::derived(
            name,
            r#type,
            unit,
            volume,
            s.user_id,
            s.project_id,
            s.resource_id,
            s.timestamp,
            s.resource_metadata,
        ))
    }
}
