//! `file://`: appending and RotatingFileHandler rotation.

use std::fs;
use std::path::Path;

use nepho_publish::{Delivery, OpenError, PublisherUrl, open};

fn url(path: &Path, query: &str) -> PublisherUrl {
    PublisherUrl::parse(&format!("file://{}{query}", path.display())).expect("parse")
}

fn lines(text: &str) -> Delivery {
    Delivery::new("text/plain", text.as_bytes().to_vec())
}

fn read(path: &Path, suffix: &str) -> Option<String> {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    fs::read_to_string(name).ok()
}

#[test]
fn appends_lines_without_rotation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("samples.log");
    fs::write(&path, "old\n").expect("seed");
    // Only one of the two rotation numbers: no rotation, as in Ceilometer.
    let transport = open(&url(&path, "?max_bytes=5&json")).expect("open");
    transport
        .deliver(&[lines("a\nb\n"), lines("c")])
        .expect("deliver");
    transport.deliver(&[lines("d\n")]).expect("deliver");
    assert_eq!(
        fs::read_to_string(&path).expect("read"),
        "old\na\nb\nc\nd\n"
    );
    assert_eq!(read(&path, ".1"), None);
}

#[test]
fn rotates_like_rotating_file_handler() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("samples.log");
    let transport = open(&url(&path, "?max_bytes=20&backup_count=2")).expect("open");
    // Lines are 8 bytes: a file holds two (16 bytes); a third would reach 24 >= 20.
    transport
        .deliver(&[lines("line-01\nline-02\nline-03\n")])
        .expect("deliver");
    assert_eq!(read(&path, ""), Some("line-03\n".into()));
    assert_eq!(read(&path, ".1"), Some("line-01\nline-02\n".into()));
    transport
        .deliver(&[lines("line-04\nline-05\n"), lines("line-06\nline-07\n")])
        .expect("deliver");
    assert_eq!(read(&path, ""), Some("line-07\n".into()));
    assert_eq!(read(&path, ".1"), Some("line-05\nline-06\n".into()));
    assert_eq!(read(&path, ".2"), Some("line-03\nline-04\n".into()));
    assert_eq!(
        read(&path, ".3"),
        None,
        "only backup_count backups are kept"
    );
}

#[test]
fn a_line_reaching_max_bytes_exactly_rolls_over() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("s");
    let transport = open(&url(&path, "?max_bytes=16&backup_count=1")).expect("open");
    transport
        .deliver(&[lines("line-01\nline-02\nline-03\n")])
        .expect("deliver");
    // 8 + 8 >= 16, so every line starts a new file; one backup is kept.
    assert_eq!(read(&path, ""), Some("line-03\n".into()));
    assert_eq!(read(&path, ".1"), Some("line-02\n".into()));
    assert_eq!(read(&path, ".2"), None);
}

#[test]
fn a_line_longer_than_max_bytes_goes_into_a_fresh_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("s");
    let transport = open(&url(&path, "?max_bytes=4&backup_count=3")).expect("open");
    transport
        .deliver(&[lines("long-line\nx\n")])
        .expect("deliver");
    // The empty file is not rolled for the long line; the next line rolls it.
    assert_eq!(read(&path, ""), Some("x\n".into()));
    assert_eq!(read(&path, ".1"), Some("long-line\n".into()));
    assert_eq!(read(&path, ".2"), None);
}

#[test]
fn missing_parent_directory_is_an_open_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("no-such-dir").join("samples");
    let Err(error) = open(&url(&path, "")) else {
        panic!("opened a file in a missing directory");
    };
    assert!(matches!(error, OpenError::Setup { .. }), "{error}");
    assert!(error.to_string().contains("no-such-dir"), "{error}");
    assert!(
        !path.parent().expect("parent").exists(),
        "parent directories are not created"
    );
}
