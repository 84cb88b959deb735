//! `snmp://` resource URLs: where the agent is and how to authenticate.
//!
//! `snmp://[user[:authpass]@]host[:port][?auth_proto=md5|sha&priv_proto=des|aes128|aes192|aes256&priv_password=...]`.
//! As Ceilometer's `_get_auth_strategy`: any USM option (an auth password, a
//! known `auth_proto` or `priv_proto`, a `priv_password`) makes it SNMPv3
//! with the user name (authentication MD5 and privacy DES unless named);
//! otherwise SNMPv2c with the user name as community, `public` without one.

use std::fmt;

/// The default SNMP port.
pub const DEFAULT_PORT: u16 = 161;

/// A USM authentication protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthProtocol {
    /// HMAC-MD5-96 (`md5`).
    Md5,
    /// HMAC-SHA-96 (`sha`).
    Sha1,
    /// HMAC-SHA-224 (`sha224`, beyond Ceilometer).
    Sha224,
    /// HMAC-SHA-256 (`sha256`, beyond Ceilometer).
    Sha256,
    /// HMAC-SHA-384 (`sha384`, beyond Ceilometer).
    Sha384,
    /// HMAC-SHA-512 (`sha512`, beyond Ceilometer).
    Sha512,
}

/// A USM privacy protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrivProtocol {
    /// CBC-DES (`des`).
    Des,
    /// CFB128-AES-128 (`aes128`).
    Aes128,
    /// CFB128-AES-192 (`aes192`).
    Aes192,
    /// CFB128-AES-256 (`aes256`).
    Aes256,
}

/// An SNMPv3 user.
#[derive(Clone, PartialEq, Eq)]
pub struct UsmUser {
    /// The security name.
    pub user: String,
    /// Authentication: protocol and password, if the user authenticates.
    pub auth: Option<(AuthProtocol, String)>,
    /// Privacy: protocol and password, if the user encrypts.
    pub privacy: Option<(PrivProtocol, String)>,
}

impl fmt::Debug for UsmUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UsmUser")
            .field("user", &self.user)
            .field("auth", &self.auth.as_ref().map(|(p, _)| p))
            .field("privacy", &self.privacy.as_ref().map(|(p, _)| p))
            .finish()
    }
}

/// How to talk to the agent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Security {
    /// SNMPv2c with this community.
    Community(String),
    /// SNMPv3 with this user.
    Usm(UsmUser),
}

/// A parsed `snmp://` resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnmpTarget {
    /// The host as Python's `urlsplit(...).hostname` gives it (lower case,
    /// IPv6 without brackets): the samples' resource id.
    pub hostname: String,
    /// The UDP port.
    pub port: u16,
    /// Version and credentials.
    pub security: Security,
    /// The URL with its passwords replaced by `***` (for metadata and logs).
    pub redacted_url: String,
}

impl SnmpTarget {
    /// `host:port` for a socket (IPv6 in brackets).
    pub fn socket_address(&self) -> String {
        if self.hostname.contains(':') {
            format!("[{}]:{}", self.hostname, self.port)
        } else {
            format!("{}:{}", self.hostname, self.port)
        }
    }
}

/// Parses a resource URL; the error says what is wrong with it.
pub fn parse(url: &str) -> Result<SnmpTarget, String> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| format!("`{}` is not a URL (expected snmp://host)", redact(url)))?;
    if !scheme.eq_ignore_ascii_case("snmp") {
        return Err(format!(
            "`{}`: no hardware inspector for scheme `{scheme}` (only snmp://)",
            redact(url)
        ));
    }
    let rest = rest.split_once('#').map_or(rest, |(r, _)| r);
    let (netloc, query) = rest.split_once('?').unwrap_or((rest, ""));
    let netloc = netloc.split_once('/').map_or(netloc, |(n, _)| n);
    let (userinfo, hostport) = match netloc.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, netloc),
    };
    let (username, password) = match userinfo {
        Some(u) => match u.split_once(':') {
            Some((name, pass)) => (Some(name), Some(pass)),
            None => (Some(u), None),
        },
        None => (None, None),
    };
    let (host, port) = split_host_port(hostport).map_err(|e| format!("`{}`: {e}", redact(url)))?;
    let options = Query::parse(query);
    let security =
        security(username, password, &options).map_err(|e| format!("`{}`: {e}", redact(url)))?;
    Ok(SnmpTarget {
        hostname: host,
        port,
        security,
        redacted_url: redact(url),
    })
}

fn split_host_port(hostport: &str) -> Result<(String, u16), String> {
    let (host, port) = if let Some(inner) = hostport.strip_prefix('[') {
        let (host, after) = inner
            .split_once(']')
            .ok_or("an IPv6 address needs its closing `]`")?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or("junk after the IPv6 address")?),
        };
        (host, port)
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    if host.is_empty() {
        return Err("no host".to_owned());
    }
    let port = match port {
        None | Some("") => DEFAULT_PORT,
        Some(p) => p
            .parse::<u16>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("port `{p}` is not a port number"))?,
    };
    Ok((host.to_ascii_lowercase(), port))
}

/// Query options as Python's `parse_qs` reads them: percent-decoded, `+`
/// as space, blank values dropped, the last of repeated keys wins.
struct Query(Vec<(String, String)>);

impl Query {
    fn parse(query: &str) -> Query {
        let mut pairs = Vec::new();
        for part in query.split(['&', ';']) {
            let Some((k, v)) = part.split_once('=') else {
                continue;
            };
            let (k, v) = (percent_decode(k), percent_decode(v));
            if !v.is_empty() {
                pairs.push((k, v));
            }
        }
        Query(pairs)
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], escaped) {
            (_, Some(b)) => {
                out.push(b);
                i += 2;
            }
            (b'+', None) => out.push(b' '),
            (b, None) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn security(
    username: Option<&str>,
    password: Option<&str>,
    options: &Query,
) -> Result<Security, String> {
    let auth_proto = options
        .get("auth_proto")
        .map(|p| match p {
            "md5" => Ok(AuthProtocol::Md5),
            "sha" => Ok(AuthProtocol::Sha1),
            "sha224" => Ok(AuthProtocol::Sha224),
            "sha256" => Ok(AuthProtocol::Sha256),
            "sha384" => Ok(AuthProtocol::Sha384),
            "sha512" => Ok(AuthProtocol::Sha512),
            other => Err(format!(
                "auth_proto `{other}` is not one of md5, sha, sha224, sha256, sha384, sha512"
            )),
        })
        .transpose()?;
    let priv_proto = options
        .get("priv_proto")
        .map(|p| match p {
            "des" => Ok(PrivProtocol::Des),
            "aes128" | "aes" => Ok(PrivProtocol::Aes128),
            "aes192" => Ok(PrivProtocol::Aes192),
            "aes256" => Ok(PrivProtocol::Aes256),
            "3des" => Err("priv_proto `3des` is not supported by Nephometer's SNMP client (use des, aes128, aes192 or aes256)".to_owned()),
            other => Err(format!(
                "priv_proto `{other}` is not one of des, aes128, aes192, aes256"
            )),
        })
        .transpose()?;
    let priv_password = options.get("priv_password");
    let auth_password = password.filter(|p| !p.is_empty());
    let usm = auth_proto.is_some()
        || priv_proto.is_some()
        || priv_password.is_some()
        || auth_password.is_some();
    if !usm {
        let community = username.filter(|u| !u.is_empty()).unwrap_or("public");
        return Ok(Security::Community(community.to_owned()));
    }
    let user = username
        .filter(|u| !u.is_empty())
        .ok_or("SNMPv3 options given but no user name (snmp://user:authpass@host)")?;
    let auth = match (auth_proto, auth_password) {
        (proto, Some(pass)) => Some((proto.unwrap_or(AuthProtocol::Md5), pass.to_owned())),
        (Some(_), None) => {
            return Err(
                "auth_proto given without an authentication password (snmp://user:authpass@host)"
                    .to_owned(),
            );
        }
        (None, None) => None,
    };
    let privacy = match (priv_proto, priv_password) {
        (proto, Some(pass)) => Some((proto.unwrap_or(PrivProtocol::Des), pass.to_owned())),
        (Some(_), None) => {
            return Err("priv_proto given without priv_password".to_owned());
        }
        (None, None) => None,
    };
    if privacy.is_some() && auth.is_none() {
        return Err(
            "privacy needs authentication: give the user an authentication password".to_owned(),
        );
    }
    Ok(Security::Usm(UsmUser {
        user: user.to_owned(),
        auth,
        privacy,
    }))
}

/// The URL with the authentication password and `priv_password` replaced by `***`.
pub fn redact(url: &str) -> String {
    let mut out = url.to_owned();
    if let Some((scheme, rest)) = url.split_once("://") {
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let netloc = &rest[..end];
        if let Some((userinfo, host)) = netloc.rsplit_once('@')
            && let Some((user, pass)) = userinfo.split_once(':')
            && !pass.is_empty()
        {
            out = format!("{scheme}://{user}:***@{host}{}", &rest[end..]);
        }
    }
    if let Some(q) = out.find('?') {
        let (head, query) = out.split_at(q + 1);
        let redacted: Vec<String> = query
            .split('&')
            .map(|part| match part.split_once('=') {
                Some((k, v)) if percent_decode(k) == "priv_password" && !v.is_empty() => {
                    format!("{k}=***")
                }
                _ => part.to_owned(),
            })
            .collect();
        out = format!("{head}{}", redacted.join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_usm_options_is_v2c_with_the_user_as_community() {
        let t = parse("snmp://Node1.Example").expect("valid");
        assert_eq!(t.hostname, "node1.example");
        assert_eq!(t.port, 161);
        assert_eq!(t.security, Security::Community("public".into()));
        let t = parse("snmp://private@10.0.0.1:1161").expect("valid");
        assert_eq!(t.security, Security::Community("private".into()));
        assert_eq!(t.socket_address(), "10.0.0.1:1161");
    }

    #[test]
    fn usm_options_make_it_v3() {
        let t = parse("snmp://a:b@foo?auth_proto=sha&priv_password=pass&priv_proto=aes256")
            .expect("valid");
        assert_eq!(
            t.security,
            Security::Usm(UsmUser {
                user: "a".into(),
                auth: Some((AuthProtocol::Sha1, "b".into())),
                privacy: Some((PrivProtocol::Aes256, "pass".into())),
            })
        );
        // Ceilometer's defaults: MD5, and DES when only a privacy password is given.
        let t = parse("snmp://a:b@foo?&priv_password=pass").expect("valid");
        assert_eq!(
            t.security,
            Security::Usm(UsmUser {
                user: "a".into(),
                auth: Some((AuthProtocol::Md5, "b".into())),
                privacy: Some((PrivProtocol::Des, "pass".into())),
            })
        );
        let t = parse("snmp://a:b@foo").expect("valid");
        assert!(matches!(
            t.security,
            Security::Usm(UsmUser { privacy: None, .. })
        ));
        assert_eq!(t.redacted_url, "snmp://a:***@foo");
    }

    #[test]
    fn ipv6_hosts_and_percent_encoded_options() {
        let t =
            parse("snmp://u:p@[::1]:1161?priv_password=a%26b&priv_proto=aes128").expect("valid");
        assert_eq!(t.hostname, "::1");
        assert_eq!(t.socket_address(), "[::1]:1161");
        match t.security {
            Security::Usm(u) => assert_eq!(u.privacy, Some((PrivProtocol::Aes128, "a&b".into()))),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bad_urls_say_why_without_their_passwords() {
        for (url, why) in [
            ("http://host", "scheme `http`"),
            ("host", "not a URL"),
            ("snmp://", "no host"),
            ("snmp://host:99999", "port `99999`"),
            ("snmp://u:secret@h?auth_proto=sha3", "auth_proto `sha3`"),
            ("snmp://u:secret@h?priv_proto=3des&priv_password=x", "3des"),
            ("snmp://:secret@h", "no user name"),
            (
                "snmp://u@h?priv_password=secret",
                "privacy needs authentication",
            ),
            (
                "snmp://u@h?auth_proto=md5",
                "without an authentication password",
            ),
        ] {
            let err = parse(url).expect_err(url);
            assert!(err.contains(why), "{url}: {err}");
            assert!(!err.contains("secret"), "{url}: {err}");
        }
    }

    #[test]
    fn redaction_hides_both_passwords() {
        assert_eq!(
            redact("snmp://u:p4ss@h:1?auth_proto=sha&priv_password=s3cret&priv_proto=aes128"),
            "snmp://u:***@h:1?auth_proto=sha&priv_password=***&priv_proto=aes128"
        );
        assert_eq!(redact("snmp://public@h"), "snmp://public@h");
    }
}
