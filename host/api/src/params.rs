//! Query-string parameters, read as WSME reads them: repeated keys kept in
//! order (`q.field=a&q.field=b`), integers converted with a 400 naming the
//! parameter, unknown parameters refused.

use crate::error::ApiError;

/// The decoded `key=value` pairs of a query string.
#[derive(Debug, Default, Clone)]
pub(crate) struct Params(Vec<(String, String)>);

impl Params {
    /// Decodes a raw query string (`None`: no parameters).
    pub fn parse(raw: Option<&str>) -> Params {
        Params(
            raw.map(|q| {
                form_urlencoded::parse(q.as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default(),
        )
    }

    /// Refuses any parameter not in `known` (a typo such as `q.feild`
    /// would otherwise widen the query silently).
    pub fn only(&self, known: &[&str]) -> Result<&Params, ApiError> {
        match self.0.iter().find(|(k, _)| !known.contains(&k.as_str())) {
            Some((key, _)) => Err(ApiError::unknown_argument(key, "")),
            None => Ok(self),
        }
    }

    /// Every value of `key`, in order.
    pub fn all(&self, key: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The last value of `key`.
    pub fn last(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The last value of `key` as an integer (Python's `int()`: surrounding
    /// blanks allowed).
    pub fn int(&self, key: &str) -> Result<Option<i64>, ApiError> {
        self.last(key).map(|v| parse_int(key, v)).transpose()
    }

    /// `limit`, defaulting to `default`; refuses zero and negatives
    /// (Ceilometer's `enforce_limit`).
    pub fn limit(&self, default: u64) -> Result<u64, ApiError> {
        enforce_limit(self.int("limit")?, default)
    }
}

/// Python's `int(text)` for a parameter, or WSME's 400.
pub(crate) fn parse_int(key: &str, text: &str) -> Result<i64, ApiError> {
    text.trim()
        .replace('_', "")
        .parse::<i64>()
        .ok()
        .filter(|_| !text.trim().starts_with('_') && !text.trim().ends_with('_'))
        .ok_or_else(|| ApiError::invalid_input(key, text, "unable to convert to int"))
}

/// `limit` or the default; zero and negatives are a 400.
pub(crate) fn enforce_limit(limit: Option<i64>, default: u64) -> Result<u64, ApiError> {
    match limit {
        None => Ok(default),
        Some(n) if n > 0 => Ok(n.unsigned_abs()),
        Some(_) => Err(ApiError::bad_request("Limit must be positive")),
    }
}

/// oslo's `bool_from_string(text, strict=False)`: `1 t true on y yes`
/// (any case) are true, everything else false.
pub(crate) fn truthy(text: &str) -> bool {
    matches!(
        text.trim().to_ascii_lowercase().as_str(),
        "1" | "t" | "true" | "on" | "y" | "yes"
    )
}

/// oslo's `bool_from_string(text, strict=True)`: also knows the false
/// words (`0 f false off n no`); anything else is not a boolean.
pub(crate) fn strict_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "1" | "t" | "true" | "on" | "y" | "yes" => Some(true),
        "0" | "f" | "false" | "off" | "n" | "no" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_keys_keep_their_order_and_values_are_decoded() {
        let p = Params::parse(Some(
            "q.field=a&q.value=x%20y&q.field=b&q.value=2%3A3&limit=5",
        ));
        assert_eq!(p.all("q.field"), ["a", "b"]);
        assert_eq!(p.all("q.value"), ["x y", "2:3"]);
        assert_eq!(p.limit(100).expect("valid"), 5);
        assert!(p.only(&["q.field", "q.value"]).is_err());
        assert!(p.only(&["q.field", "q.value", "limit"]).is_ok());
        assert_eq!(Params::parse(None).limit(100).expect("default"), 100);
    }

    #[test]
    fn limits_and_integers_as_ceilometer() {
        let bad = Params::parse(Some("limit=0"))
            .limit(100)
            .expect_err("refused");
        assert_eq!(bad.message, "Limit must be positive");
        assert!(Params::parse(Some("limit=-3")).limit(100).is_err());
        let bad = Params::parse(Some("limit=ten"))
            .limit(100)
            .expect_err("refused");
        assert_eq!(
            bad.message,
            "Invalid input for field/attribute limit. Value: 'ten'. unable to convert to int"
        );
        assert_eq!(parse_int("x", " 1_000 ").expect("python int"), 1000);
        assert!(parse_int("x", "1.5").is_err());
        assert!(parse_int("x", "_1").is_err());
    }

    #[test]
    fn booleans_as_oslo() {
        assert!(truthy("True") && truthy(" yes") && truthy("1"));
        assert!(!truthy("") && !truthy("nope") && !truthy("0"));
        assert_eq!(strict_bool("Off"), Some(false));
        assert_eq!(strict_bool("maybe"), None);
    }
}
