//! The `type` converters of snmp.yaml.
//!
//! Ceilometer `eval`s each `type` as a Python expression. Nephometer runs no
//! Python: it recognises the expressions Ceilometer's snmp.yaml (and its
//! tests) use and refuses any other with an error naming it.

use serde_json::Value as Json;

use super::value::SnmpValue;

/// A recognised converter expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Converter {
    /// `int`: the number of a numeric value.
    Int,
    /// `float`: the number of a numeric value, as a float.
    Float,
    /// `str` (or `lambda x: str(x)`): the value's text.
    Str,
    /// `lambda x: float(str(x))`: the value's text read as a float
    /// (UCD-SNMP-MIB's load averages are strings such as `"0.15"`).
    FloatOfStr,
    /// `lambda x: int(x) / N`: true division of the number by `N` (a float,
    /// as Python 3 divides; snmp.yaml turns ifSpeed bits into bytes with 8).
    IntDividedBy(u32),
    /// `lambda x: x.prettyPrint()`.
    PrettyPrint,
    /// `lambda x: x.prettyPrint().replace('0x', '')`: a MAC address in hex.
    PrettyPrintWithout0x,
}

/// What a converter made of a value.
#[derive(Clone, Debug, PartialEq)]
pub enum Converted {
    /// An integer.
    Int(i128),
    /// A float.
    Float(f64),
    /// Text.
    Text(String),
}

/// The expressions [`Converter::parse`] knows, for error messages.
pub const SUPPORTED: &str = "int, float, str, lambda x: str(x), lambda x: float(str(x)), \
     lambda x: int(x) / N, lambda x: x.prettyPrint(), lambda x: x.prettyPrint().replace('0x', '')";

impl Converter {
    /// Recognises a converter expression (spacing and quote style aside).
    pub fn parse(expression: &str) -> Result<Converter, String> {
        let canonical: String = expression
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| if c == '"' { '\'' } else { c })
            .collect();
        let converter = match canonical.as_str() {
            "int" => Converter::Int,
            "float" => Converter::Float,
            "str" | "lambdax:str(x)" => Converter::Str,
            "lambdax:float(str(x))" => Converter::FloatOfStr,
            "lambdax:x.prettyPrint()" => Converter::PrettyPrint,
            "lambdax:x.prettyPrint().replace('0x','')" => Converter::PrettyPrintWithout0x,
            other => match other
                .strip_prefix("lambdax:int(x)/")
                .and_then(|n| n.parse::<u32>().ok())
                .filter(|n| *n > 0)
            {
                Some(n) => Converter::IntDividedBy(n),
                None => {
                    return Err(format!(
                        "unsupported converter `{}` (Ceilometer evaluates it as Python; Nephometer knows: {SUPPORTED})",
                        expression.trim()
                    ));
                }
            },
        };
        Ok(converter)
    }

    /// Applies the converter to a present (not missing) value.
    pub fn apply(&self, value: &SnmpValue) -> Result<Converted, String> {
        let number = || {
            value.as_integer().ok_or_else(|| {
                format!(
                    "int() of a {} value `{}`",
                    value.type_name(),
                    value.to_python_str()
                )
            })
        };
        Ok(match self {
            Converter::Int => Converted::Int(number()?),
            Converter::Float => Converted::Float(number()? as f64),
            Converter::Str => Converted::Text(value.to_python_str()),
            Converter::FloatOfStr => {
                let text = value.to_python_str();
                Converted::Float(
                    python_float(&text)
                        .ok_or_else(|| format!("float() of `{text}`: not a number"))?,
                )
            }
            Converter::IntDividedBy(n) => Converted::Float(number()? as f64 / f64::from(*n)),
            Converter::PrettyPrint => Converted::Text(value.pretty_print()),
            Converter::PrettyPrintWithout0x => {
                Converted::Text(value.pretty_print().replace("0x", ""))
            }
        })
    }
}

impl Converted {
    /// As a sample volume: numbers as they are; text as Ceilometer's
    /// pipeline reads it (`float(volume)`), `None` when it is not a number.
    pub fn as_volume(&self) -> Option<f64> {
        match self {
            Converted::Int(n) => Some(*n as f64),
            Converted::Float(f) => Some(*f),
            Converted::Text(t) => python_float(t),
        }
        .filter(|v| v.is_finite())
    }

    /// As a metadata value.
    pub fn into_json(self) -> Json {
        match self {
            Converted::Int(n) => i64::try_from(n)
                .map(Json::from)
                .or_else(|_| u64::try_from(n).map(Json::from))
                .unwrap_or_else(|_| Json::from(n as f64)),
            Converted::Float(f) => serde_json::Number::from_f64(f).map_or(Json::Null, Json::Number),
            Converted::Text(t) => Json::String(t),
        }
    }
}

/// The value a metadata field gets when its definition names no converter:
/// numbers stay numbers, everything else is its text.
pub fn natural(value: &SnmpValue) -> Converted {
    match value.as_integer() {
        Some(n) if !matches!(value, SnmpValue::Boolean(_)) => Converted::Int(n),
        _ => Converted::Text(value.to_python_str()),
    }
}

/// Python's `float(text)`: surrounding whitespace allowed, decimal and
/// exponent forms, `inf`/`nan` spelled as Python spells them (digit-group
/// underscores, which Python also takes, are refused).
pub fn python_float(text: &str) -> Option<f64> {
    let lower = text.trim().to_ascii_lowercase();
    let unsigned = lower.trim_start_matches(['+', '-']);
    if unsigned.starts_with("inf") || unsigned.starts_with("nan") {
        return match unsigned {
            "inf" | "infinity" | "nan" => lower.parse().ok(),
            _ => None,
        };
    }
    lower.parse::<f64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_every_expression_of_ceilometers_snmp_yaml() {
        assert_eq!(Converter::parse("int"), Ok(Converter::Int));
        assert_eq!(Converter::parse("str"), Ok(Converter::Str));
        assert_eq!(
            Converter::parse("lambda x: float(str(x))"),
            Ok(Converter::FloatOfStr)
        );
        assert_eq!(
            Converter::parse("lambda x: int(x) / 8"),
            Ok(Converter::IntDividedBy(8))
        );
        assert_eq!(
            Converter::parse("lambda x: x.prettyPrint().replace('0x', '')"),
            Ok(Converter::PrettyPrintWithout0x)
        );
        assert_eq!(
            Converter::parse("lambda x: x.prettyPrint().replace(\"0x\", \"\")"),
            Ok(Converter::PrettyPrintWithout0x)
        );
        assert_eq!(Converter::parse("lambda x: str(x)"), Ok(Converter::Str));
    }

    #[test]
    fn refuses_other_python_naming_it() {
        for bad in [
            "lambda x: __import__('os').system('id')",
            "lambda x: int(x) / 0",
            "lambda x: int(x) / 8.5",
            "hex",
            "",
        ] {
            let err = Converter::parse(bad).expect_err(bad);
            assert!(err.contains("unsupported converter"), "{err}");
            assert!(err.contains(bad.trim()), "{err}");
        }
    }

    #[test]
    fn conversions_follow_python() {
        let speed = SnmpValue::Unsigned32(10_000_000);
        assert_eq!(
            Converter::IntDividedBy(8).apply(&speed),
            Ok(Converted::Float(1_250_000.0))
        );
        let load = SnmpValue::OctetString(b"0.15".to_vec());
        assert_eq!(
            Converter::FloatOfStr.apply(&load),
            Ok(Converted::Float(0.15))
        );
        assert!(Converter::Int.apply(&load).is_err());
        let mac = SnmpValue::OctetString(vec![0x3e, 0xc6, 0x0d, 0xf2, 0x2f, 0xed]);
        assert_eq!(
            Converter::PrettyPrintWithout0x.apply(&mac),
            Ok(Converted::Text("3ec60df22fed".to_owned()))
        );
        assert_eq!(
            Converter::Str.apply(&SnmpValue::Integer(7)),
            Ok(Converted::Text("7".to_owned()))
        );
    }

    #[test]
    fn python_float_accepts_what_python_accepts() {
        assert_eq!(python_float(" 1.5 "), Some(1.5));
        assert_eq!(python_float("1e3"), Some(1000.0));
        assert!(python_float("inf").is_some_and(f64::is_infinite));
        assert_eq!(python_float("abc"), None);
        assert_eq!(python_float(""), None);
        assert_eq!(python_float("infinit"), None);
    }

    #[test]
    fn volumes_and_metadata() {
        assert_eq!(Converted::Text("12".into()).as_volume(), Some(12.0));
        assert_eq!(Converted::Text("eth0".into()).as_volume(), None);
        assert_eq!(Converted::Int(5).into_json(), serde_json::json!(5));
        assert_eq!(
            Converted::Float(1_250_000.0).into_json(),
            serde_json::json!(1_250_000.0)
        );
    }
}
