//! `https://` against a rustls server started by the test, with certificates made by rcgen:
//! server verification (default roots, a CA bundle, `verify_ssl=False`) and client certificates.

use std::io::Write;
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::Duration;

use nepho_publish::{Delivery, PublisherUrl, open};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig, ServerConnection, StreamOwned};

use crate::support::{Request, read_request_from};

const WAIT: Duration = Duration::from_secs(5);

struct Identity {
    cert: CertificateDer<'static>,
    cert_pem: String,
    key_der: Vec<u8>,
    key_pem: String,
}

fn identity(names: &[&str]) -> Identity {
    let certified =
        rcgen::generate_simple_self_signed(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
            .expect("certificate");
    Identity {
        cert: certified.cert.der().clone(),
        cert_pem: certified.cert.pem(),
        key_der: certified.signing_key.serialize_der(),
        key_pem: certified.signing_key.serialize_pem(),
    }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A TLS server answering 200 to each request; handshake failures are reported as `Err`.
fn tls_server(
    server: &Identity,
    client_ca: Option<&Identity>,
) -> (u16, Receiver<Result<Request, String>>) {
    let builder = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("versions");
    let builder = match client_ca {
        Some(ca) => {
            let mut roots = RootCertStore::empty();
            roots.add(ca.cert.clone()).expect("client root");
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider())
                .build()
                .expect("client verifier");
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let config = Arc::new(
        builder
            .with_single_cert(
                vec![server.cert.clone()],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server.key_der.clone())),
            )
            .expect("server config"),
    );
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let (sender, receiver) = mpsc::channel();
    thread::spawn(move || {
        for tcp in listener.incoming() {
            let Ok(tcp) = tcp else { continue };
            let connection = ServerConnection::new(config.clone()).expect("connection");
            let mut stream = StreamOwned::new(connection, tcp);
            let outcome = match read_request_from(&mut stream) {
                Some(request) => {
                    let _ = stream.write_all(
                        b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    );
                    let _ = stream.flush();
                    stream.conn.send_close_notify();
                    let _ = stream.flush();
                    Ok(request)
                }
                None => Err("no request (handshake failed)".to_string()),
            };
            if sender.send(outcome).is_err() {
                return;
            }
        }
    });
    (port, receiver)
}

fn deliver(url: &str) -> Result<(), String> {
    let url = PublisherUrl::parse(url).expect("parse");
    let transport = open(&url).map_err(|e| e.to_string())?;
    transport
        .deliver(&[Delivery::new("application/json", b"[\"tls\"]".to_vec())])
        .map_err(|e| e.to_string())
}

#[test]
fn verifies_the_server_with_default_roots_a_bundle_or_not_at_all() {
    let server = identity(&["127.0.0.1", "localhost"]);
    let dir = tempfile::tempdir().expect("tempdir");
    let bundle = dir.path().join("ca.pem");
    std::fs::write(&bundle, &server.cert_pem).expect("bundle");
    let (port, requests) = tls_server(&server, None);

    // Mozilla's roots do not include a test certificate.
    let error =
        deliver(&format!("https://127.0.0.1:{port}/a?max_retries=0")).expect_err("untrusted");
    assert!(
        error.to_lowercase().contains("certificate") || error.contains("UnknownIssuer"),
        "{error}"
    );
    assert!(requests.recv_timeout(WAIT).expect("attempt").is_err());

    deliver(&format!(
        "https://127.0.0.1:{port}/b?verify_ssl={}",
        bundle.display()
    ))
    .expect("bundle");
    let request = requests
        .recv_timeout(WAIT)
        .expect("request")
        .expect("tls request");
    assert_eq!(request.target, "/b");
    assert_eq!(request.body, b"[\"tls\"]");

    deliver(&format!("https://127.0.0.1:{port}/c?verify_ssl=False")).expect("unverified");
    let request = requests
        .recv_timeout(WAIT)
        .expect("request")
        .expect("tls request");
    assert_eq!(request.target, "/c");
}

#[test]
fn presents_the_client_certificate() {
    let server = identity(&["127.0.0.1"]);
    let client = identity(&["nephometer-client"]);
    let dir = tempfile::tempdir().expect("tempdir");
    let cert = dir.path().join("client.pem");
    let key = dir.path().join("client.key");
    let both = dir.path().join("both.pem");
    std::fs::write(&cert, &client.cert_pem).expect("cert");
    std::fs::write(&key, &client.key_pem).expect("key");
    std::fs::write(&both, format!("{}{}", client.cert_pem, client.key_pem)).expect("both");
    let (port, requests) = tls_server(&server, Some(&client));

    let error = deliver(&format!(
        "https://127.0.0.1:{port}/none?verify_ssl=false&max_retries=0"
    ))
    .expect_err("the server requires a client certificate");
    assert!(error.contains(&format!("127.0.0.1:{port}")), "{error}");
    assert!(requests.recv_timeout(WAIT).expect("attempt").is_err());

    deliver(&format!(
        "https://127.0.0.1:{port}/pair?verify_ssl=false&clientcert={}&clientkey={}",
        cert.display(),
        key.display()
    ))
    .expect("certificate and key files");
    assert_eq!(
        requests
            .recv_timeout(WAIT)
            .expect("request")
            .expect("tls")
            .target,
        "/pair"
    );

    deliver(&format!(
        "https://127.0.0.1:{port}/combined?verify_ssl=false&clientcert={}",
        both.display()
    ))
    .expect("one file with both");
    assert_eq!(
        requests
            .recv_timeout(WAIT)
            .expect("request")
            .expect("tls")
            .target,
        "/combined"
    );

    let error = deliver(&format!(
        "https://127.0.0.1:{port}/nokey?verify_ssl=false&clientcert={}",
        cert.display()
    ))
    .expect_err("no key");
    assert!(error.contains("`clientkey`"), "{error}");
}
