//! `http://` and `https://`: one POST per delivery, with Ceilometer's HTTP publisher options.
//! The [`HttpClient`] here is shared by the prometheus and gnocchi transports.

use std::fs;
use std::thread;
use std::time::Duration;

use ureq::tls::{ClientCert, PemItem, RootCerts, TlsConfig, parse_pem};

use crate::{Delivery, DeliveryError, OpenError, PublisherUrl, Transport, options};

/// Query parameters the HTTP publisher recognises; they are removed from the target URL.
/// `batch` and `raw_only` shape the encoding (the publisher component reads them).
pub(crate) const HTTP_OPTIONS: &[&str] = &[
    "timeout",
    "max_retries",
    "batch",
    "verify_ssl",
    "clientcert",
    "clientkey",
    "raw_only",
];

/// Headers that are never copied from a delivery onto the HTTP request.
const RESERVED_HEADERS: &[&str] = &["content-type", "content-length", "authorization", "host"];

/// The longest response body kept for logs and for Gnocchi's error detection.
const MAX_REPLY_BYTES: u64 = 64 * 1024;

/// What the server answered.
pub(crate) struct Reply {
    /// The HTTP status code.
    pub(crate) status: u16,
    /// The start of the response body, as text.
    pub(crate) body: String,
}

/// A configured blocking HTTP client: timeout, retries on connection errors, TLS, basic auth.
pub(crate) struct HttpClient {
    agent: ureq::Agent,
    max_retries: u32,
    authorization: Option<String>,
    url: PublisherUrl,
}

impl HttpClient {
    /// Reads `timeout` (seconds, default `default_timeout`), `max_retries` (default 2),
    /// `verify_ssl` (boolean or a CA bundle path, default true), `clientcert`, `clientkey`, and
    /// basic-auth credentials from the URL's userinfo.
    pub(crate) fn from_url(
        url: &PublisherUrl,
        default_timeout: Duration,
    ) -> Result<Self, OpenError> {
        let timeout = options::seconds(url, "timeout", default_timeout)?;
        let max_retries = options::uint(url, "max_retries", 2)?;
        let max_retries = u32::try_from(max_retries)
            .map_err(|_| OpenError::option(url, "max_retries", "is too large"))?;
        let tls = tls_config(url)?;
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(timeout))
            .timeout_send_request(Some(timeout))
            .timeout_send_body(Some(timeout))
            .timeout_recv_response(Some(timeout))
            .timeout_recv_body(Some(timeout))
            .tls_config(tls)
            .build();
        let authorization = url.username().filter(|user| !user.is_empty()).map(|user| {
            let pair = format!("{user}:{}", url.password().unwrap_or(""));
            format!("Basic {}", base64(pair.as_bytes()))
        });
        Ok(Self {
            agent: config.into(),
            max_retries,
            authorization,
            url: url.clone(),
        })
    }

    /// Sends `body` with `method` (`POST` or `PATCH`) to `target`, retrying connection errors up
    /// to `max_retries` times. Any HTTP status is a [`Reply`]; transport failures are errors.
    pub(crate) fn send(
        &self,
        method: &str,
        target: &str,
        content_type: &str,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Result<Reply, DeliveryError> {
        let mut attempt = 0;
        loop {
            match self.send_once(method, target, content_type, headers, body) {
                Ok(reply) => return Ok(reply),
                Err(error) if attempt < self.max_retries && is_connect_error(&error) => {
                    attempt += 1;
                    tracing::debug!(url = %self.url, %error, attempt, "HTTP connection failed, retrying");
                    // urllib3's default backoff starts at zero; a short pause avoids a busy loop.
                    thread::sleep(Duration::from_millis(100 * u64::from(attempt)));
                }
                Err(error) => {
                    return Err(DeliveryError::new(
                        &self.url,
                        format!("{method} {}: {error}", redact_target(target)),
                    ));
                }
            }
        }
    }

    fn send_once(
        &self,
        method: &str,
        target: &str,
        content_type: &str,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Result<Reply, ureq::Error> {
        let mut request = match method {
            "PATCH" => self.agent.patch(target),
            _ => self.agent.post(target),
        };
        let content_type = if content_type.is_empty() {
            "application/json"
        } else {
            content_type
        };
        request = request.header("Content-Type", content_type);
        if let Some(authorization) = &self.authorization {
            request = request.header("Authorization", authorization.as_str());
        }
        for (name, value) in headers {
            if !RESERVED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
                request = request.header(name.as_str(), value.as_str());
            }
        }
        let mut response = request.send(body)?;
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_REPLY_BYTES)
            .read_to_vec()
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .unwrap_or_default();
        Ok(Reply { status, body })
    }
}

/// A target URL for messages, without userinfo.
fn redact_target(target: &str) -> String {
    PublisherUrl::parse(target).map_or_else(|_| target.to_string(), |url| url.to_string())
}

/// Errors requests' `HTTPAdapter(max_retries=N)` retries: failures to connect, not failures
/// after the request was sent.
fn is_connect_error(error: &ureq::Error) -> bool {
    use std::io::ErrorKind;
    match error {
        ureq::Error::HostNotFound | ureq::Error::ConnectionFailed => true,
        ureq::Error::Timeout(timeout) => {
            matches!(timeout, ureq::Timeout::Connect | ureq::Timeout::Resolve)
        }
        ureq::Error::Io(io) => matches!(
            io.kind(),
            ErrorKind::ConnectionRefused
                | ErrorKind::ConnectionAborted
                | ErrorKind::AddrNotAvailable
                | ErrorKind::NetworkUnreachable
                | ErrorKind::HostUnreachable
        ),
        _ => false,
    }
}

fn tls_config(url: &PublisherUrl) -> Result<TlsConfig, OpenError> {
    let mut builder = TlsConfig::builder();
    if let Some(verify) = options::text(url, "verify_ssl") {
        match options::parse_bool(verify) {
            Some(true) => {}
            Some(false) => builder = builder.disable_verification(true),
            None => {
                // As in Ceilometer (requests' `verify=`), a non-boolean value is a CA bundle.
                let items = read_pem(url, "verify_ssl", verify)?;
                let certs: Vec<_> = items
                    .into_iter()
                    .filter_map(|item| match item {
                        PemItem::Certificate(cert) => Some(cert),
                        _ => None,
                    })
                    .collect();
                if certs.is_empty() {
                    return Err(OpenError::option(
                        url,
                        "verify_ssl",
                        format!("`{verify}` is neither a boolean nor a PEM file with certificates"),
                    ));
                }
                builder = builder.root_certs(RootCerts::new_with_certs(&certs));
            }
        }
    }
    if let Some(cert_path) = options::text(url, "clientcert") {
        let mut items = read_pem(url, "clientcert", cert_path)?;
        if let Some(key_path) = options::text(url, "clientkey") {
            items.extend(read_pem(url, "clientkey", key_path)?);
        }
        let mut certs = Vec::new();
        let mut key = None;
        for item in items {
            match item {
                PemItem::Certificate(cert) => certs.push(cert),
                PemItem::PrivateKey(found) => key = key.or(Some(found)),
                _ => {}
            }
        }
        let Some(key) = key else {
            return Err(OpenError::option(
                url,
                "clientkey",
                "no private key found in `clientkey` (or in `clientcert` when `clientkey` is not given)",
            ));
        };
        if certs.is_empty() {
            return Err(OpenError::option(
                url,
                "clientcert",
                format!("no certificate found in `{cert_path}`"),
            ));
        }
        builder = builder.client_cert(Some(ClientCert::new_with_certs(&certs, key)));
    }
    Ok(builder.build())
}

fn read_pem(
    url: &PublisherUrl,
    option: &str,
    path: &str,
) -> Result<Vec<PemItem<'static>>, OpenError> {
    let data = fs::read(path)
        .map_err(|e| OpenError::option(url, option, format!("cannot read `{path}`: {e}")))?;
    parse_pem(&data)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| OpenError::option(url, option, format!("`{path}` is not valid PEM: {e}")))
}

/// Standard base64 with padding (RFC 4648), for the basic-auth header.
pub(crate) fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Posts each delivery's body to the target URL.
pub(crate) struct HttpTransport {
    client: HttpClient,
    target: String,
    url: PublisherUrl,
}

impl HttpTransport {
    /// The target is the URL without userinfo and without the recognised options.
    pub(crate) fn open(url: &PublisherUrl) -> Result<Self, OpenError> {
        if url.host().is_empty() {
            return Err(OpenError::option(
                url,
                "host",
                "the HTTP publisher needs a host",
            ));
        }
        let client = HttpClient::from_url(url, Duration::from_secs(5))?;
        let query = url.query_without(HTTP_OPTIONS);
        let mut target = format!("{}://{}{}", url.scheme(), url.authority(), url.path());
        if !query.is_empty() {
            target.push('?');
            target.push_str(&query);
        }
        Ok(Self {
            client,
            target,
            url: url.clone(),
        })
    }
}

/// Posts one body and logs (does not raise) an HTTP status error, as Ceilometer does.
pub(crate) fn post_logged(
    client: &HttpClient,
    url: &PublisherUrl,
    target: &str,
    delivery: &Delivery,
    headers: &[(String, String)],
) -> Result<(), DeliveryError> {
    let reply = client.send(
        "POST",
        target,
        &delivery.content_type,
        headers,
        &delivery.body,
    )?;
    if reply.status >= 400 {
        tracing::error!(
            url = %url,
            status = reply.status,
            response = %reply.body,
            bytes = delivery.body.len(),
            "publisher HTTP POST answered with an error status; the delivery is dropped"
        );
    } else {
        tracing::debug!(url = %url, status = reply.status, "publisher HTTP POST delivered");
    }
    Ok(())
}

impl Transport for HttpTransport {
    fn deliver(&self, deliveries: &[Delivery]) -> Result<(), DeliveryError> {
        for delivery in deliveries {
            post_logged(
                &self.client,
                &self.url,
                &self.target,
                delivery,
                &delivery.headers,
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::base64;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foob"), "Zm9vYg==");
        assert_eq!(base64(b"fooba"), "Zm9vYmE=");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }
}
