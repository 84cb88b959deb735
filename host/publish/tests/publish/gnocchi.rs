//! `gnocchi://`: the batch call and resource creation against a server started by the test, and
//! (ignored unless `NEPHO_TEST_GNOCCHI` names one) against a real Gnocchi.

use std::time::Duration;

use nepho_publish::{Delivery, PublisherUrl, open};

use crate::support::{Answer, http_server};

const WAIT: Duration = Duration::from_secs(5);

fn measures(body: &str) -> Delivery {
    Delivery::new("application/json", body.as_bytes().to_vec())
        .with_header("gnocchi-role", "measures")
}

fn resource(kind: &str, body: &str) -> Delivery {
    Delivery::new("application/json", body.as_bytes().to_vec())
        .with_header("gnocchi-role", "resource")
        .with_header("resource-type", kind)
}

#[test]
fn unknown_resources_are_created_then_measures_retried_once() {
    let unknown = Answer {
        status: 400,
        body: r#"{"code":400,"description":{"cause":"Unknown resources","detail":[]}}"#.into(),
        delay: Duration::ZERO,
    };
    let (port, requests) = http_server(vec![
        unknown,
        Answer::status(201),
        Answer::status(409),
        Answer::status(202),
    ]);
    let url = PublisherUrl::parse(&format!(
        "gnocchi://?endpoint=http://127.0.0.1:{port}&auth_mode=noauth&user_id=u1&project_id=p1"
    ))
    .expect("parse");
    let transport = open(&url).expect("open");
    transport
        .deliver(&[
            resource("instance", r#"{"id":"r1"}"#),
            measures(r#"{"r1":{}}"#),
            resource("generic", r#"{"id":"r2"}"#),
        ])
        .expect("deliver");
    let batch = "/v1/batch/resources/metrics/measures?create_metrics=true";
    let first = requests.recv_timeout(WAIT).expect("batch");
    assert_eq!(
        (first.method.as_str(), first.target.as_str()),
        ("POST", batch)
    );
    assert_eq!(first.body, br#"{"r1":{}}"#);
    assert_eq!(first.headers["x-user-id"], "u1");
    assert_eq!(first.headers["x-project-id"], "p1");
    assert!(!first.headers.contains_key("gnocchi-role"));
    let created = requests.recv_timeout(WAIT).expect("resource 1");
    assert_eq!(created.target, "/v1/resource/instance");
    assert_eq!(created.body, br#"{"id":"r1"}"#);
    assert!(!created.headers.contains_key("resource-type"));
    let exists = requests.recv_timeout(WAIT).expect("resource 2");
    assert_eq!(exists.target, "/v1/resource/generic");
    let retried = requests.recv_timeout(WAIT).expect("batch retried");
    assert_eq!(retried.target, batch);
    assert!(
        requests.recv_timeout(Duration::from_millis(200)).is_err(),
        "retried once only"
    );
}

#[test]
fn known_resources_are_not_created_and_the_token_is_sent() {
    let (port, requests) = http_server(vec![Answer::status(202)]);
    let url = PublisherUrl::parse(&format!("gnocchi://127.0.0.1:{port}?token=tok")).expect("parse");
    open(&url)
        .expect("open")
        .deliver(&[measures("{}"), resource("generic", r#"{"id":"x"}"#)])
        .expect("deliver");
    let request = requests.recv_timeout(WAIT).expect("batch");
    assert_eq!(request.headers["x-auth-token"], "tok");
    assert!(requests.recv_timeout(Duration::from_millis(200)).is_err());
}

#[test]
fn deliveries_without_a_role_are_refused() {
    let (port, requests) = http_server(vec![Answer::status(202)]);
    let url = PublisherUrl::parse(&format!("gnocchi://127.0.0.1:{port}")).expect("parse");
    let transport = open(&url).expect("open");
    let error = transport
        .deliver(&[Delivery::new("application/json", b"{}".to_vec())])
        .expect_err("no role");
    assert!(error.to_string().contains("gnocchi-role"), "{error}");
    let error = transport
        .deliver(&[resource("../../x", "{}")])
        .expect_err("bad resource type");
    assert!(error.to_string().contains("resource-type"), "{error}");
    assert!(requests.recv_timeout(Duration::from_millis(200)).is_err());
}

/// Run with a real Gnocchi (basic auth):
/// `NEPHO_TEST_GNOCCHI=http://127.0.0.1:8041 cargo test -p nepho-publish -- --ignored real_gnocchi`
#[test]
#[ignore = "needs a Gnocchi API; set NEPHO_TEST_GNOCCHI=http://host:port"]
fn real_gnocchi_creates_resources_and_stores_measures() {
    let Ok(endpoint) = std::env::var("NEPHO_TEST_GNOCCHI") else {
        panic!("set NEPHO_TEST_GNOCCHI to the Gnocchi API address, e.g. http://127.0.0.1:8041");
    };
    let id = format!("nepho-{}", std::process::id());
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let url = PublisherUrl::parse(&format!("gnocchi://admin@?endpoint={endpoint}")).expect("parse");
    let transport = open(&url).expect("open");
    let measures_body = format!(
        r#"{{"{id}":{{"cpu":{{"archive_policy_name":"nepho-test","measures":[{{"timestamp":{stamp},"value":42.0}}]}}}}}}"#
    );
    let resource_body = format!(r#"{{"id":"{id}","project_id":"p","user_id":"u"}}"#);
    // An archive policy for the test metric (201, or 409 when it exists).
    let policy = Delivery::new(
        "application/json",
        br#"{"name":"nepho-test","definition":[{"granularity":"1s","timespan":"1 hour"}]}"#
            .to_vec(),
    );
    let _ = ureq_post(&format!("{endpoint}/v1/archive_policy"), &policy.body);
    let (result, log) = crate::support::capture_logs(|| {
        transport.deliver(&[
            resource("generic", &resource_body),
            measures(&measures_body),
        ])
    });
    result.expect("deliver");
    assert!(log.contains("Gnocchi reports unknown resources"), "{log}");
    assert!(log.contains("Gnocchi resource created"), "{log}");
    assert!(!log.contains("ERROR"), "{log}");
    let (status, read) = ureq_get(&format!("{endpoint}/v1/resource/generic/{id}"));
    assert_eq!(status, 200, "{read}");
    assert!(read.contains(&id), "{read}");
    let (status, read) = ureq_get(&format!(
        "{endpoint}/v1/resource/generic/{id}/metric/cpu/measures?refresh=true"
    ));
    assert_eq!(status, 200, "{read}");
    assert!(read.starts_with('[') && read.contains("42.0"), "{read}");
}

fn ureq_post(target: &str, body: &[u8]) -> String {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    agent
        .post(target)
        .header("Authorization", "Basic YWRtaW46")
        .header("Content-Type", "application/json")
        .send(body)
        .map(|mut r| r.body_mut().read_to_string().unwrap_or_default())
        .unwrap_or_default()
}

fn ureq_get(target: &str) -> (u16, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    match agent
        .get(target)
        .header("Authorization", "Basic YWRtaW46")
        .call()
    {
        Ok(mut response) => (
            response.status().as_u16(),
            response.body_mut().read_to_string().unwrap_or_default(),
        ),
        Err(error) => (0, error.to_string()),
    }
}
