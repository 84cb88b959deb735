//! Parsing and the destination used for policy grants.

use nepho_publish::{OpenError, PublisherUrl, open};

#[test]
fn destination_strips_credentials_and_query() {
    let url = PublisherUrl::parse(
        "notifier://User:p%40ss@RabbitHost:5673/vhost?topic=a&policy=queue&topic=b",
    )
    .expect("parse");
    assert_eq!(url.destination(), "notifier://rabbithost:5673/vhost");
    assert_eq!(url.scheme(), "notifier");
    assert_eq!(url.username(), Some("User"));
    assert_eq!(url.password(), Some("p@ss"));
    assert_eq!(url.param("topic"), Some("b"), "last occurrence wins");
    assert_eq!(url.param("policy"), Some("queue"));
    assert_eq!(url.param("missing"), None);
    let shown = url.to_string();
    assert!(
        !shown.contains("p%40ss") && !shown.contains("p@ss"),
        "{shown}"
    );
    assert_eq!(
        shown,
        "notifier://User:***@rabbithost:5673/vhost?topic=a&policy=queue&topic=b"
    );
}

#[test]
fn destination_of_other_shapes() {
    let cases = [
        (
            "file:///var/log/samples?max_bytes=10&backup_count=2&json",
            "file:///var/log/samples",
        ),
        (
            "http://u:pw@127.0.0.1:8080/post?timeout=1#frag",
            "http://127.0.0.1:8080/post",
        ),
        ("udp://[::1]:4952", "udp://[::1]:4952"),
        ("udp://[FE80::1]", "udp://[FE80::1]"),
        ("notifier://", "notifier://"),
        (
            "gnocchi://admin@?endpoint=http://x:8041&token=t",
            "gnocchi://",
        ),
        ("HTTPS://Example.COM/Path", "https://example.com/Path"),
    ];
    for (raw, destination) in cases {
        let url = PublisherUrl::parse(raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
        assert_eq!(url.destination(), destination, "{raw}");
    }
    let url = PublisherUrl::parse("udp://[::1]:4952").expect("parse");
    assert_eq!(url.host(), "::1");
    assert_eq!(url.port(), Some(4952));
}

#[test]
fn blank_and_flag_parameters_are_kept() {
    let url = PublisherUrl::parse("file:///x?json&clientcert=&a=1+2%21").expect("parse");
    assert!(url.has_param("json"));
    assert_eq!(url.param("json"), Some(""));
    assert_eq!(url.param("clientcert"), Some(""));
    assert_eq!(url.param("a"), Some("1 2!"));
    let pairs: Vec<_> = url.params().collect();
    assert_eq!(pairs, [("json", ""), ("clientcert", ""), ("a", "1 2!")]);
}

#[test]
fn secret_parameters_are_masked_in_messages() {
    let url = PublisherUrl::parse("gnocchi://?endpoint=http://g:8041&token=abc123").expect("parse");
    let shown = url.to_string();
    assert!(
        shown.contains("token=***") && !shown.contains("abc123"),
        "{shown}"
    );
}

#[test]
fn bad_urls_are_errors_without_the_password() {
    for raw in [
        "http://user:hunter2@host:99999/x",
        "http://user:hunter2@host:port/x",
        "http://user:hunter2@[::1/x",
        "no-scheme-here",
        "1http://x",
    ] {
        let error = PublisherUrl::parse(raw).expect_err(raw).to_string();
        assert!(!error.contains("hunter2"), "{error}");
        assert!(error.contains("is not valid"), "{error}");
    }
    let error = PublisherUrl::parse("http://user:hunter2@host:99999/x").expect_err("port");
    assert!(error.to_string().contains("`99999`"), "{error}");
}

#[test]
fn unknown_scheme_is_an_open_error() {
    let url = PublisherUrl::parse("zaqar://?queue=q").expect("parse");
    let Err(error) = open(&url) else {
        panic!("zaqar opened");
    };
    assert!(
        matches!(error, OpenError::UnsupportedScheme { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("`zaqar`"), "{error}");
}

#[test]
fn bad_options_name_the_option() {
    let cases = [
        ("http://u:secretpw@127.0.0.1/x?timeout=abc", "`timeout`"),
        ("http://127.0.0.1/x?timeout=0", "`timeout`"),
        ("http://127.0.0.1/x?max_retries=-1", "`max_retries`"),
        (
            "http://127.0.0.1/x?verify_ssl=/does/not/exist.pem",
            "`verify_ssl`",
        ),
        (
            "http://127.0.0.1/x?clientcert=/does/not/exist.pem",
            "`clientcert`",
        ),
        ("http:///x", "`host`"),
        ("file:///tmp/x?max_bytes=ten&backup_count=1", "`max_bytes`"),
        ("file://", "`path`"),
        ("prometheus://127.0.0.1:9091/metrics", "`path`"),
        ("notifier://?max_retry=many", "`max_retry`"),
        ("notifier://?driver=kafka", "`driver`"),
        ("gnocchi://", "`endpoint`"),
        ("gnocchi://g:8041?endpoint=http://g:8041", "`endpoint`"),
        ("gnocchi://?endpoint=ftp://g", "`endpoint`"),
        (
            "gnocchi://g:8041?auth_mode=noauth&user_id=u",
            "`project_id`",
        ),
        ("gnocchi://g:8041?auth_mode=magic", "`auth_mode`"),
    ];
    for (raw, option) in cases {
        let url = PublisherUrl::parse(raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
        let Err(error) = open(&url) else {
            panic!("{raw} opened");
        };
        let text = error.to_string();
        assert!(text.contains(option), "{raw}: {text}");
        assert!(!text.contains("secretpw"), "{raw}: {text}");
    }
}
