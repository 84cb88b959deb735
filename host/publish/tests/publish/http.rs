//! `http://` against a real HTTP server started by the test.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use nepho_publish::{Delivery, PublisherUrl, open};

use crate::support::{Answer, capture_logs, http_server};

const WAIT: Duration = Duration::from_secs(5);

#[test]
fn posts_each_delivery_with_auth_and_stripped_options() {
    let (port, requests) = http_server(vec![Answer::status(200)]);
    let url = PublisherUrl::parse(&format!(
        "http://alice:s3cret@127.0.0.1:{port}/post/path?timeout=5&keep=1&max_retries=2&batch=False&other=a%20b&verify_ssl=True&clientcert=&raw_only=False"
    ))
    .expect("parse");
    let transport = open(&url).expect("open");
    let first = Delivery::new("application/json", br#"[{"counter_name":"cpu"}]"#.to_vec())
        .with_header("X-Extra", "yes");
    let second = Delivery::new("application/json; charset=utf-8", b"[2]".to_vec());
    transport.deliver(&[first, second]).expect("deliver");

    let request = requests.recv_timeout(WAIT).expect("first request");
    assert_eq!(request.method, "POST");
    assert_eq!(request.target, "/post/path?keep=1&other=a%20b");
    // base64("alice:s3cret")
    assert_eq!(request.headers["authorization"], "Basic YWxpY2U6czNjcmV0");
    assert_eq!(request.headers["content-type"], "application/json");
    assert_eq!(request.headers["x-extra"], "yes");
    assert_eq!(request.body, br#"[{"counter_name":"cpu"}]"#);

    let request = requests.recv_timeout(WAIT).expect("second request");
    assert_eq!(
        request.headers["content-type"],
        "application/json; charset=utf-8"
    );
    assert_eq!(request.body, b"[2]");
    assert!(
        requests.recv_timeout(Duration::from_millis(200)).is_err(),
        "one POST per delivery"
    );
}

#[test]
fn no_userinfo_means_no_authorization_header() {
    let (port, requests) = http_server(vec![Answer::status(204)]);
    let url = PublisherUrl::parse(&format!("http://127.0.0.1:{port}/")).expect("parse");
    open(&url)
        .expect("open")
        .deliver(&[Delivery::new("application/json", b"[]".to_vec())])
        .expect("deliver");
    let request = requests.recv_timeout(WAIT).expect("request");
    assert_eq!(request.target, "/");
    assert!(!request.headers.contains_key("authorization"));
}

#[test]
fn a_server_error_status_is_logged_not_raised() {
    let (port, requests) = http_server(vec![Answer {
        status: 500,
        body: "boom".into(),
        delay: Duration::ZERO,
    }]);
    let url = PublisherUrl::parse(&format!("http://127.0.0.1:{port}/x")).expect("parse");
    let transport = open(&url).expect("open");
    let (result, log) =
        capture_logs(|| transport.deliver(&[Delivery::new("application/json", b"[1]".to_vec())]));
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(requests.recv_timeout(WAIT).expect("request").body, b"[1]");
    assert!(log.contains("ERROR"), "{log}");
    assert!(log.contains("status=500"), "{log}");
    assert!(log.contains("boom"), "{log}");
}

#[test]
fn a_closed_port_is_a_delivery_error_naming_the_url_without_password() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let url = PublisherUrl::parse(&format!(
        "http://bob:topsecret@127.0.0.1:{port}/x?max_retries=1"
    ))
    .expect("parse");
    let error = open(&url)
        .expect("open")
        .deliver(&[Delivery::new("application/json", b"[]".to_vec())])
        .expect_err("closed port");
    let text = error.to_string();
    assert!(text.contains(&format!("127.0.0.1:{port}")), "{text}");
    assert!(text.contains("bob:***@"), "{text}");
    assert!(!text.contains("topsecret"), "{text}");
}

#[test]
fn the_timeout_is_honoured() {
    let (port, requests) = http_server(vec![Answer {
        status: 200,
        body: String::new(),
        delay: Duration::from_secs(4),
    }]);
    let url =
        PublisherUrl::parse(&format!("http://127.0.0.1:{port}/slow?timeout=1")).expect("parse");
    let transport = open(&url).expect("open");
    let started = Instant::now();
    let error = transport
        .deliver(&[Delivery::new("application/json", b"[]".to_vec())])
        .expect_err("the server answers after the timeout");
    let elapsed = started.elapsed();
    assert!(requests.recv_timeout(WAIT).is_ok(), "the request was sent");
    assert!(elapsed >= Duration::from_millis(900), "{elapsed:?}");
    assert!(
        elapsed < Duration::from_millis(2500),
        "{elapsed:?}: {error}"
    );
    assert!(
        error.to_string().to_lowercase().contains("timeout"),
        "{error}"
    );
}

/// A port that nothing listens on now.
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

#[test]
fn connection_errors_are_retried_max_retries_times() {
    // The server starts listening 150 ms after the first attempt: the first try is refused,
    // retries (after 100 ms, then 200 ms more) reach it.
    let port = free_port();
    let server = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(150));
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("rebind");
        let (stream, _) = listener.accept().expect("accept");
        let mut reader = std::io::BufReader::new(stream.try_clone().expect("clone"));
        let mut line = String::new();
        loop {
            line.clear();
            std::io::BufRead::read_line(&mut reader, &mut line).expect("read");
            if line == "\r\n" {
                break;
            }
        }
        let mut body = [0u8; 2];
        std::io::Read::read_exact(&mut reader, &mut body).expect("body");
        let mut stream = stream;
        std::io::Write::write_all(
            &mut stream,
            b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        )
        .expect("answer");
        body
    });
    let url =
        PublisherUrl::parse(&format!("http://127.0.0.1:{port}/x?max_retries=3")).expect("parse");
    open(&url)
        .expect("open")
        .deliver(&[Delivery::new("application/json", b"[]".to_vec())])
        .expect("delivered after retrying");
    assert_eq!(&server.join().expect("server"), b"[]");

    let url = PublisherUrl::parse(&format!("http://127.0.0.1:{}/x?max_retries=0", free_port()))
        .expect("parse");
    let started = Instant::now();
    open(&url)
        .expect("open")
        .deliver(&[Delivery::new("application/json", b"[]".to_vec())])
        .expect_err("no retry");
    assert!(
        started.elapsed() < Duration::from_millis(90),
        "no pause without retries"
    );
}
