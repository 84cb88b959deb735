//! Tests of the `[api]` table: defaults as Ceilometer's, paths relative to
//! the configuration, and errors naming their field at file:line:column.

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::{ApiConfig, ConfigSource, DEFAULT_RETURN_LIMIT, Plan};

const DATABASE: &str = "[database]\nconnection = \"sqlite://\"\n";

fn resolve(config: &str) -> Result<Plan, crate::Diagnostics> {
    Plan::resolve(
        &ConfigSource {
            path: PathBuf::from("/etc/nepho/a.toml"),
            text: config.to_owned(),
        },
        &[ConfigSource::embedded("p.toml", crate::DEFAULT_POLICY)],
    )
}

#[test]
fn without_the_table_there_is_no_api() {
    let plan = resolve(DATABASE).expect("valid");
    assert_eq!(plan.api, None);
}

#[test]
fn a_minimal_table_takes_ceilometers_defaults_and_resolves_paths() {
    let plan = resolve(&format!("{DATABASE}[api]\ntokens = \"tokens.toml\"\n")).expect("valid");
    let api = plan.api.expect("configured");
    assert_eq!(
        api,
        ApiConfig {
            tokens: Some(PathBuf::from("/etc/nepho/tokens.toml")),
            ..ApiConfig::default()
        }
    );
    assert!(api.enabled);
    assert_eq!(api.listen, "127.0.0.1:8777".parse::<SocketAddr>().unwrap());
    assert_eq!(api.default_return_limit, DEFAULT_RETURN_LIMIT);
    assert_eq!(api.access_policy, None, "the shipped rules");
}

#[test]
fn every_setting_is_read() {
    let plan = resolve(&format!(
        "{DATABASE}[api]\nenabled = false\nlisten = \"[::1]:9999\"\ntokens = \"/srv/t.toml\"\n\
         access_policy = \"rules/access.json\"\ndefault_return_limit = 7\n"
    ))
    .expect("valid");
    let api = plan.api.expect("configured");
    assert!(!api.enabled);
    assert_eq!(api.listen, "[::1]:9999".parse::<SocketAddr>().unwrap());
    assert_eq!(
        api.tokens,
        Some(PathBuf::from("/srv/t.toml")),
        "absolute stays"
    );
    assert_eq!(
        api.access_policy,
        Some(PathBuf::from("/etc/nepho/rules/access.json"))
    );
    assert_eq!(api.default_return_limit, 7);
}

#[test]
fn bad_values_name_their_field_and_position() {
    let errors = resolve(&format!(
        "{DATABASE}[api]\nlisten = \"localhost\"\ntokens = \"\"\ndefault_return_limit = 0\n"
    ))
    .expect_err("invalid")
    .to_string();
    assert!(
        errors.contains("a.toml:4:10: api.listen: `localhost` is not an address and port"),
        "{errors}"
    );
    assert!(
        errors.contains("a.toml:5:10: api.tokens: must name a file"),
        "{errors}"
    );
    assert!(
        errors.contains("a.toml:6:24: api.default_return_limit = 0 must be 1 or more"),
        "{errors}"
    );
}

#[test]
fn an_enabled_api_needs_tokens_and_a_database() {
    let errors = resolve("[api]\nlisten = \"127.0.0.1:1\"\n")
        .expect_err("invalid")
        .to_string();
    assert!(
        errors.contains("a.toml:2:10: api.tokens: an enabled API needs a tokens file"),
        "{errors}"
    );
    assert!(
        errors.contains("a.toml:2:10: api: the API reads the metering database"),
        "{errors}"
    );
    let errors = resolve("[api]\n").expect_err("invalid").to_string();
    assert!(errors.contains("a.toml:1:1: api.tokens"), "{errors}");
    // Disabled, nothing is required.
    assert!(resolve("[api]\nenabled = false\n").is_ok());
}

#[test]
fn an_unknown_key_is_refused_with_its_place() {
    let errors = resolve(&format!("{DATABASE}[api]\ntokens = \"t\"\nport = 8777\n"))
        .expect_err("invalid")
        .to_string();
    assert!(
        errors.contains("a.toml:5:1: unknown field `port`"),
        "{errors}"
    );
}
