//! Publisher URLs: `scheme://[user[:password]@]host[:port]/path?query`, split the way Python's
//! `urlsplit` does, with `parse_qs`-style query access (last occurrence wins).

use std::fmt;

/// Query parameter names whose values are never shown in messages.
const SECRET_PARAMS: &[&str] = &["token", "password", "secret"];

/// A publisher URL that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("publisher URL `{url}` is not valid: {reason}")]
pub struct UrlError {
    /// The URL as written, with any password replaced by `***`.
    pub url: String,
    /// What is wrong with it.
    pub reason: String,
}

/// One `name=value` pair of the query string.
#[derive(Debug, Clone, PartialEq, Eq)]
struct QueryPair {
    /// Percent-decoded name (`+` is a space).
    name: String,
    /// Percent-decoded value; empty for `name` or `name=`.
    value: String,
    /// The pair exactly as written, used to rebuild a target URL.
    raw: String,
}

/// A parsed publisher URL.
///
/// Parsing follows Python's `urllib.parse.urlsplit`: the scheme is lower-cased, the userinfo is
/// everything before the last `@` of the authority, the port must be a number up to 65535, and an
/// IPv6 host is written in brackets. The query keeps every pair in order (blank values too); the
/// accessors return the last occurrence of a name, as `parse_qs(...)[name][-1]` does.
#[derive(Clone, PartialEq, Eq)]
pub struct PublisherUrl {
    scheme: String,
    username: Option<String>,
    password: Option<String>,
    host: String,
    port: Option<u16>,
    path: String,
    query: Vec<QueryPair>,
}

impl PublisherUrl {
    /// Parses a publisher URL such as `http://user:pw@host:8080/post?timeout=3`.
    pub fn parse(url: &str) -> Result<Self, UrlError> {
        let fail = |reason: &str| UrlError {
            url: redact_raw(url),
            reason: reason.to_string(),
        };
        let url_trimmed = url.trim();
        let (scheme, rest) = url_trimmed
            .split_once(':')
            .ok_or_else(|| fail("missing `scheme:`"))?;
        let scheme_ok = scheme
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        if !scheme_ok {
            return Err(fail("the scheme must start with a letter"));
        }
        let scheme = scheme.to_ascii_lowercase();
        // The fragment is ignored, as every Ceilometer publisher does.
        let rest = rest.split_once('#').map_or(rest, |(before, _)| before);
        let (before_query, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (netloc, path) = match before_query.strip_prefix("//") {
            Some(after) => match after.find('/') {
                Some(i) => (&after[..i], &after[i..]),
                None => (after, ""),
            },
            None => ("", before_query),
        };
        let (userinfo, hostport) = match netloc.rfind('@') {
            Some(i) => (Some(&netloc[..i]), &netloc[i + 1..]),
            None => (None, netloc),
        };
        let (username, password) = match userinfo {
            Some(info) => match info.split_once(':') {
                Some((user, pass)) => (
                    Some(percent_decode(user, false)),
                    Some(percent_decode(pass, false)),
                ),
                None => (Some(percent_decode(info, false)), None),
            },
            None => (None, None),
        };
        let (host, port_text) = if let Some(after) = hostport.strip_prefix('[') {
            let end = after
                .find(']')
                .ok_or_else(|| fail("an IPv6 host opened with `[` is not closed with `]`"))?;
            let tail = &after[end + 1..];
            let port = match tail.strip_prefix(':') {
                Some(port) => Some(port),
                None if tail.is_empty() => None,
                None => return Err(fail("unexpected text after the bracketed IPv6 host")),
            };
            (after[..end].to_string(), port)
        } else {
            if hostport.contains(']') {
                return Err(fail("a `]` without `[` in the host"));
            }
            match hostport.rsplit_once(':') {
                Some((host, port)) => (host.to_ascii_lowercase(), Some(port)),
                None => (hostport.to_ascii_lowercase(), None),
            }
        };
        let port = match port_text {
            None | Some("") => None,
            Some(text) => {
                let ok = text.chars().all(|c| c.is_ascii_digit());
                match text.parse::<u16>() {
                    Ok(port) if ok => Some(port),
                    _ => {
                        return Err(fail(&format!(
                            "the port `{text}` is not a number from 0 to 65535"
                        )));
                    }
                }
            }
        };
        let query = query
            .split('&')
            .filter(|piece| !piece.is_empty())
            .map(|piece| {
                let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
                QueryPair {
                    name: percent_decode(name, true),
                    value: percent_decode(value, true),
                    raw: piece.to_string(),
                }
            })
            .collect();
        Ok(Self {
            scheme,
            username,
            password,
            host,
            port,
            path: path.to_string(),
            query,
        })
    }

    /// The destination used for policy grants: `scheme://host[:port]/path`, with NO userinfo and
    /// NO query. An IPv6 host is written in brackets.
    pub fn destination(&self) -> String {
        format!("{}://{}{}", self.scheme, self.authority(), self.path)
    }

    /// The lower-cased scheme, for example `notifier`.
    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// The host (lower-cased, IPv6 without brackets); empty when the URL names none.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port, when the URL names one.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// The path, including its leading `/`; empty when the URL has none.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The percent-decoded user name from the userinfo, if any.
    pub fn username(&self) -> Option<&str> {
        self.username.as_deref()
    }

    /// The percent-decoded password from the userinfo, if any.
    pub fn password(&self) -> Option<&str> {
        self.password.as_deref()
    }

    /// The value of the last occurrence of query parameter `name` (`parse_qs` semantics); a
    /// parameter written without `=` has the empty value.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .rev()
            .find(|pair| pair.name == name)
            .map(|pair| pair.value.as_str())
    }

    /// Whether the query names parameter `name` at all (even with an empty value).
    pub fn has_param(&self, name: &str) -> bool {
        self.query.iter().any(|pair| pair.name == name)
    }

    /// The query parameters as decoded `(name, value)` pairs, in the order written.
    pub fn params(&self) -> impl Iterator<Item = (&str, &str)> {
        self.query
            .iter()
            .map(|pair| (pair.name.as_str(), pair.value.as_str()))
    }

    /// The host with brackets for IPv6 and the port if one was written.
    pub(crate) fn authority(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        match self.port {
            Some(port) => format!("{host}:{port}"),
            None => host,
        }
    }

    /// The query rebuilt from the pairs whose names are not in `removed`, as written.
    pub(crate) fn query_without(&self, removed: &[&str]) -> String {
        self.query
            .iter()
            .filter(|pair| !removed.contains(&pair.name.as_str()))
            .map(|pair| pair.raw.as_str())
            .collect::<Vec<_>>()
            .join("&")
    }
}

impl fmt::Display for PublisherUrl {
    /// Shows the URL for messages: the user name is kept, the password and the values of secret
    /// query parameters (`token`, `password`, `secret`) are replaced by `***`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://", self.scheme)?;
        if let Some(user) = &self.username {
            write!(f, "{user}")?;
            if self.password.is_some() {
                write!(f, ":***")?;
            }
            write!(f, "@")?;
        }
        write!(f, "{}{}", self.authority(), self.path)?;
        for (i, pair) in self.query.iter().enumerate() {
            let sep = if i == 0 { '?' } else { '&' };
            if SECRET_PARAMS.contains(&pair.name.as_str()) {
                write!(f, "{sep}{}=***", pair.name)?;
            } else {
                write!(f, "{sep}{}", pair.raw)?;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for PublisherUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublisherUrl({self})")
    }
}

/// Replaces the password of a URL that may not parse by `***` (any scheme:
/// also database connection URLs).
pub fn redact_raw(url: &str) -> String {
    let Some(start) = url.find("//") else {
        return url.to_string();
    };
    let authority_start = start + 2;
    let authority_end = url[authority_start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| authority_start + i);
    let authority = &url[authority_start..authority_end];
    let Some(at) = authority.rfind('@') else {
        return url.to_string();
    };
    let userinfo = &authority[..at];
    let user = userinfo.split_once(':').map_or(userinfo, |(user, _)| user);
    let masked = if userinfo.contains(':') {
        format!("{user}:***")
    } else {
        user.to_string()
    };
    format!(
        "{}{}{}",
        &url[..authority_start],
        masked,
        &url[authority_start + at..]
    )
}

/// Decodes `%XX` escapes (and `+` as a space when `plus_is_space`); invalid escapes stay as
/// written and invalid UTF-8 is replaced, as Python's `unquote` does.
fn percent_decode(text: &str, plus_is_space: bool) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(byte) => {
                        out.push(byte);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            byte => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%20b+c", true), "a b c");
        assert_eq!(percent_decode("a%20b+c", false), "a b+c");
        assert_eq!(percent_decode("100%", true), "100%");
        assert_eq!(percent_decode("%4", true), "%4");
        assert_eq!(percent_decode("%zz", true), "%zz");
        assert_eq!(percent_decode("%41", true), "A");
    }

    #[test]
    fn redacts_unparseable_urls() {
        assert_eq!(redact_raw("http://u:pw@h:x/p"), "http://u:***@h:x/p");
        assert_eq!(redact_raw("http://u@h/p"), "http://u@h/p");
        assert_eq!(redact_raw("nothing"), "nothing");
        assert_eq!(
            redact_raw("postgresql://nova:s3cret@db:5432/ceilometer"),
            "postgresql://nova:***@db:5432/ceilometer"
        );
        assert_eq!(
            redact_raw("sqlite:///var/lib/n.db"),
            "sqlite:///var/lib/n.db"
        );
    }
}
