//! Publisher URLs as Ceilometer reads them: `netutils.urlsplit` and
//! `urllib.parse.parse_qs` (several values per name; callers pick the last
//! or all of them), `strutils.bool_from_string`, `parse.quote`.

/// A publisher URL split into its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublisherUrl {
    /// The scheme (`file`, `http`, ...).
    pub scheme: String,
    /// Everything between `//` and the path: `user:pass@host:port`.
    pub netloc: String,
    /// The path, `""` when absent.
    pub path: String,
    /// The raw query string, without `?`.
    pub query: String,
}

impl PublisherUrl {
    /// Splits `url` as `netutils.urlsplit` does. A URL without `://` is
    /// taken as `url + "://"`, as Ceilometer's pipeline does.
    pub fn parse(url: &str) -> PublisherUrl {
        let url = url.trim();
        let (scheme, rest) = match url.split_once("://") {
            Some((scheme, rest)) => (scheme, rest),
            None => (url, ""),
        };
        let rest = rest.split_once('#').map_or(rest, |(before, _)| before);
        let (before_query, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (netloc, path) = match before_query.find('/') {
            Some(at) => before_query.split_at(at),
            None => (before_query, ""),
        };
        PublisherUrl {
            scheme: scheme.to_ascii_lowercase(),
            netloc: netloc.to_owned(),
            path: path.to_owned(),
            query: query.to_owned(),
        }
    }

    /// Refuses a URL whose scheme is not one of `schemes` (the component
    /// of one publisher was given another's URL).
    pub fn expect_scheme(&self, schemes: &[&str]) -> Result<(), String> {
        if schemes.contains(&self.scheme.as_str()) {
            Ok(())
        } else {
            Err(format!(
                "url: scheme {:?} is not handled by this publisher (expects {})",
                self.scheme,
                schemes.join(" or ")
            ))
        }
    }

    /// The host part of the netloc, lower case, without user info, port or
    /// IPv6 brackets (`urlsplit(...).hostname`); `None` when empty.
    pub fn hostname(&self) -> Option<String> {
        let host_port = self.host_port();
        let host = if let Some(inner) = host_port.strip_prefix('[') {
            inner.split(']').next().unwrap_or("")
        } else {
            host_port.split(':').next().unwrap_or("")
        };
        (!host.is_empty()).then(|| host.to_ascii_lowercase())
    }

    /// The port of the netloc (`urlsplit(...).port`): `Ok(None)` when
    /// absent, an error when it is not a number in 0..=65535.
    pub fn port(&self) -> Result<Option<u16>, String> {
        let host_port = self.host_port();
        let after_host = match host_port.strip_prefix('[') {
            Some(inner) => inner.split_once(']').map_or("", |(_, rest)| rest),
            None => host_port.find(':').map_or("", |at| &host_port[at..]),
        };
        let Some(port) = after_host.strip_prefix(':') else {
            return Ok(None);
        };
        if port.is_empty() {
            return Ok(None);
        }
        if !port.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "Port could not be cast to integer value as {port:?}"
            ));
        }
        port.parse::<u16>()
            .map(Some)
            .map_err(|_| "Port out of range 0-65535".to_owned())
    }

    /// The netloc without user info.
    fn host_port(&self) -> &str {
        self.netloc
            .rsplit_once('@')
            .map_or(self.netloc.as_str(), |(_, hp)| hp)
    }

    /// The query parameters, `parse_qs`-style.
    pub fn params(&self, keep_blank_values: bool) -> Params {
        Params::parse(&self.query, keep_blank_values)
    }
}

/// Query parameters in the order written (`parse_qsl`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(Vec<(String, String)>);

impl Params {
    /// Parses `query` as `urllib.parse.parse_qsl(query, keep_blank_values)`:
    /// `&`-separated, `+` is a space, percent escapes decoded as UTF-8;
    /// fields without `=` or with an empty value only kept when
    /// `keep_blank_values`.
    pub fn parse(query: &str, keep_blank_values: bool) -> Params {
        let mut pairs = Vec::new();
        for field in query.split('&') {
            if field.is_empty() {
                continue;
            }
            let (name, value) = match field.split_once('=') {
                Some(pair) => pair,
                None if keep_blank_values => (field, ""),
                None => continue,
            };
            if value.is_empty() && !keep_blank_values {
                continue;
            }
            pairs.push((unquote_plus(name), unquote_plus(value)));
        }
        Params(pairs)
    }

    /// The last value given for `name` (`params[name][-1]`).
    pub fn last(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value given for `name`, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Whether `name` was given at all.
    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(n, _)| n == name)
    }

    /// The last value of `name` as an integer (Python's `int()` of a
    /// decimal string), `default` when absent; an error naming the option
    /// otherwise.
    pub fn int(&self, name: &str, default: i64) -> Result<i64, String> {
        match self.last(name) {
            None => Ok(default),
            Some(text) => text
                .trim()
                .parse::<i64>()
                .map_err(|_| format!("option {name}: {text:?} is not an integer")),
        }
    }

    /// The last value of `name` through `bool_from_string` (lenient),
    /// `default` when absent.
    pub fn flag(&self, name: &str, default: bool) -> bool {
        self.last(name).map_or(default, bool_from_string)
    }
}

/// oslo's `strutils.bool_from_string(text)`: `1 t true on y yes` (any case,
/// surrounding spaces ignored) are true, anything else false.
pub fn bool_from_string(text: &str) -> bool {
    matches!(
        text.trim().to_ascii_lowercase().as_str(),
        "1" | "t" | "true" | "on" | "y" | "yes"
    )
}

/// `urllib.parse.unquote_plus`: `+` → space, `%XX` decoded, invalid UTF-8
/// replaced.
fn unquote_plus(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => match bytes.get(i + 1..i + 3).and_then(|h| hex_pair(h[0], h[1])) {
                Some(decoded) => {
                    out.push(decoded);
                    i += 2;
                }
                None => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_pair(high: u8, low: u8) -> Option<u8> {
    let digit = |b: u8| (b as char).to_digit(16);
    Some((digit(high)? * 16 + digit(low)?) as u8)
}

/// `urllib.parse.quote(text, safe='')`: every byte except ASCII letters,
/// digits and `_.-~` percent-encoded (upper-case hex).
pub fn quote_all(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'.' | b'-' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_urlsplit() {
        let u = PublisherUrl::parse("http://user:pw@Example.COM:8080/a/b?x=1&y=2#frag");
        assert_eq!(u.scheme, "http");
        assert_eq!(u.netloc, "user:pw@Example.COM:8080");
        assert_eq!(u.path, "/a/b");
        assert_eq!(u.query, "x=1&y=2");
        assert_eq!(u.hostname().as_deref(), Some("example.com"));
        assert_eq!(u.port(), Ok(Some(8080)));
        let f = PublisherUrl::parse("file:///var/log/x?json");
        assert_eq!((f.netloc.as_str(), f.path.as_str()), ("", "/var/log/x"));
        assert_eq!(f.hostname(), None);
        let bare = PublisherUrl::parse("gnocchi");
        assert_eq!((bare.scheme.as_str(), bare.query.as_str()), ("gnocchi", ""));
        let v6 = PublisherUrl::parse("udp://[::1]:4953");
        assert_eq!(v6.hostname().as_deref(), Some("::1"));
        assert_eq!(v6.port(), Ok(Some(4953)));
        assert!(PublisherUrl::parse("http://h:x1/").port().is_err());
        assert!(PublisherUrl::parse("http://h:70000/").port().is_err());
        assert!(u.expect_scheme(&["http", "https"]).is_ok());
        let err = u.expect_scheme(&["udp"]).unwrap_err();
        assert!(err.starts_with("url: scheme \"http\""), "{err}");
    }

    #[test]
    fn params_follow_parse_qs() {
        let p = Params::parse("a=1&a=2&b=&json&c=x+y%2Fz%C3%A9", false);
        assert_eq!(p.last("a"), Some("2"));
        assert_eq!(p.all("a"), ["1", "2"]);
        assert!(!p.has("b") && !p.has("json"));
        assert_eq!(p.last("c"), Some("x y/zé"));
        let blank = Params::parse("json&b=", true);
        assert!(blank.has("json"));
        assert_eq!(blank.last("b"), Some(""));
        assert_eq!(p.int("a", 7), Ok(2));
        assert_eq!(p.int("missing", 7), Ok(7));
        assert!(p.int("c", 0).unwrap_err().contains("option c"));
    }

    #[test]
    fn booleans_and_quoting() {
        for t in ["1", "True", " yes ", "on", "t", "Y"] {
            assert!(bool_from_string(t), "{t}");
        }
        for f in ["0", "false", "no", "", "maybe"] {
            assert!(!bool_from_string(f), "{f}");
        }
        assert_eq!(quote_all("a/b c~é"), "a%2Fb%20c~%C3%A9");
    }
}
