//! The `nephometer` binary, run as an operator runs it.

#![allow(missing_docs, reason = "tests")]

use std::path::Path;
use std::process::Command;

fn nephometer(args: &[&str], cache: &Path) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_nephometer"))
        .args(args)
        .arg("--cache-dir")
        .arg(cache)
        .env("RUST_LOG", "off")
        .output()
        .expect("nephometer runs");
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), text)
}

#[test]
fn validate_prints_every_error_with_its_location_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("policies")).unwrap();
    std::fs::write(
        dir.path().join("policies/site.toml"),
        "[defaults]\nmax_memory_mib = 0\ngrants = [\"log\", \"sockets\"]\n",
    )
    .unwrap();
    let config = dir.path().join("nephometer.toml");
    std::fs::write(
        &config,
        "policies = \"policies\"\n[components.p]\nsource = \"builtin:transform-passthrough\"\ntenant = \"nobody\"\n",
    )
    .unwrap();
    let (ok, text) = nephometer(
        &["validate", "--config", config.to_str().unwrap()],
        dir.path(),
    );
    assert!(!ok, "validate fails on errors:\n{text}");
    let policy = dir.path().join("policies/site.toml").display().to_string();
    let config = config.display().to_string();
    assert!(
        text.contains(&format!(
            "{policy}:2:18: max_memory_mib = 0 is out of range"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "{policy}:3:18: grants: `sockets` cannot be granted"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!("{config}:4:10: tenant: `nobody` is not defined")),
        "{text}"
    );
}

#[test]
fn validate_accepts_the_embedded_defaults_and_components_describes_them() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, text) = nephometer(&["validate"], dir.path());
    assert!(
        ok && text.contains("ok: configuration, policies and 3 components are valid"),
        "{text}"
    );
    let (ok, text) = nephometer(&["components"], dir.path());
    assert!(ok, "{text}");
    for expected in [
        "passthrough",
        "origin:   builtin:transform-passthrough",
        "world:    nephometer:telemetry/transformer@0.1.0",
        "exports:  nephometer:telemetry/transform@0.1.0",
        "policy:   memory 64 MiB, 1000 ms per call",
        "grants [log, config, clock]",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
}
