//! `prometheus://` against a real HTTP server standing in for a Pushgateway.

use std::time::Duration;

use nepho_publish::{Delivery, PublisherUrl, open};

use crate::support::{Answer, http_server};

#[test]
fn posts_to_the_job_path_plus_the_suffix() {
    let (port, requests) = http_server(vec![Answer::status(200)]);
    let url = PublisherUrl::parse(&format!(
        "prometheus://127.0.0.1:{port}/metrics/job/ceilometer/region/one?timeout=3&max_retries=0"
    ))
    .expect("parse");
    let transport = open(&url).expect("open");
    let body = b"# TYPE cpu counter\ncpu{resource_id=\"r1\"} 42\n".to_vec();
    transport
        .deliver(&[
            Delivery::new("plain/text", body.clone()).with_header("path-suffix", "/resource_id/r1"),
            Delivery::new("plain/text", b"x 1\n".to_vec()),
        ])
        .expect("deliver");
    let request = requests
        .recv_timeout(Duration::from_secs(5))
        .expect("request");
    assert_eq!(request.method, "POST");
    assert_eq!(
        request.target,
        "/metrics/job/ceilometer/region/one/resource_id/r1"
    );
    assert_eq!(request.headers["content-type"], "plain/text");
    assert!(!request.headers.contains_key("path-suffix"));
    assert_eq!(request.body, body);
    let request = requests
        .recv_timeout(Duration::from_secs(5))
        .expect("request");
    assert_eq!(request.target, "/metrics/job/ceilometer/region/one");
    assert_eq!(request.body, b"x 1\n");
}

#[test]
fn a_suffix_cannot_leave_the_destination() {
    let (port, requests) = http_server(vec![Answer::status(200)]);
    let url = PublisherUrl::parse(&format!("prometheus://127.0.0.1:{port}/metrics/job/j"))
        .expect("parse");
    let transport = open(&url).expect("open");
    for suffix in ["/../../admin", "resource_id/x", "/a?b=c"] {
        let error = transport
            .deliver(&[
                Delivery::new("plain/text", b"x 1\n".to_vec()).with_header("path-suffix", suffix)
            ])
            .expect_err(suffix);
        assert!(error.to_string().contains("path-suffix"), "{error}");
    }
    assert!(
        requests.recv_timeout(Duration::from_millis(300)).is_err(),
        "nothing was sent"
    );
}
