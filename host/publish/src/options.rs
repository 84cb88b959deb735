//! Typed reading of query parameters, with errors that name the option.

use std::time::Duration;

use crate::{OpenError, PublisherUrl};

/// oslo.utils `bool_from_string` true words.
const TRUE_WORDS: &[&str] = &["1", "t", "true", "on", "y", "yes"];
/// oslo.utils `bool_from_string` false words.
const FALSE_WORDS: &[&str] = &["0", "f", "false", "off", "n", "no"];

/// Parses a boolean the way oslo.utils `bool_from_string(strict=True)` does.
pub(crate) fn parse_bool(text: &str) -> Option<bool> {
    let word = text.trim().to_ascii_lowercase();
    if TRUE_WORDS.contains(&word.as_str()) {
        Some(true)
    } else if FALSE_WORDS.contains(&word.as_str()) {
        Some(false)
    } else {
        None
    }
}

/// The last value of `name`, treating an empty value as absent (as `parse_qs` does by default).
pub(crate) fn text<'a>(url: &'a PublisherUrl, name: &str) -> Option<&'a str> {
    url.param(name).filter(|value| !value.is_empty())
}

/// A non-negative integer option, `default` when absent.
pub(crate) fn uint(url: &PublisherUrl, name: &str, default: u64) -> Result<u64, OpenError> {
    match text(url, name) {
        None => Ok(default),
        Some(value) => value.trim().parse::<u64>().map_err(|_| {
            OpenError::option(
                url,
                name,
                format!("`{value}` is not a non-negative integer"),
            )
        }),
    }
}

/// A positive number of seconds (fractions allowed), `default` when absent.
pub(crate) fn seconds(
    url: &PublisherUrl,
    name: &str,
    default: Duration,
) -> Result<Duration, OpenError> {
    match text(url, name) {
        None => Ok(default),
        Some(value) => match value.trim().parse::<f64>() {
            Ok(secs) if secs.is_finite() && secs > 0.0 && secs < 1e9 => {
                Ok(Duration::from_secs_f64(secs))
            }
            _ => Err(OpenError::option(
                url,
                name,
                format!("`{value}` is not a positive number of seconds"),
            )),
        },
    }
}

/// A boolean option (oslo words), `default` when absent.
pub(crate) fn boolean(url: &PublisherUrl, name: &str, default: bool) -> Result<bool, OpenError> {
    match text(url, name) {
        None => Ok(default),
        Some(value) => parse_bool(value).ok_or_else(|| {
            OpenError::option(
                url,
                name,
                format!("`{value}` is not a boolean (true/false, yes/no, on/off, 1/0)"),
            )
        }),
    }
}

/// The value of a header of a delivery (names compared case-insensitively).
pub(crate) fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.as_str())
}
