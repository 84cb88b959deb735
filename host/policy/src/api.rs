//! The `[api]` table of the agent configuration: the Ceilometer v2 REST API
//! that `nephometer run` serves (Ceilometer's `[api]` options, plus where
//! tokens and access rules come from). The API reads the metering database
//! of `[database] connection`.
//!
//! ```toml
//! [api]
//! enabled = true                       # default when the table is present
//! listen = "127.0.0.1:8777"            # address and port to listen on
//! tokens = "tokens.toml"               # token file, relative to this file (see docs/api.md)
//! access_policy = "api-access.json"    # oslo.policy rules, relative to this file;
//!                                      # default: the shipped policies/api-access.json
//! default_return_limit = 100           # Ceilometer's default_api_return_limit
//! ```

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::diagnostic::{Diagnostic, Diagnostics, Location};
use crate::plan::ConfigSource;

/// Where the API listens when `listen` is not set (Ceilometer's port).
pub const DEFAULT_API_LISTEN: &str = "127.0.0.1:8777";

/// Ceilometer's `default_api_return_limit`.
pub const DEFAULT_RETURN_LIMIT: u64 = 100;

/// The `[api]` table as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawApi {
    enabled: Option<bool>,
    listen: Option<Spanned<String>>,
    tokens: Option<Spanned<String>>,
    access_policy: Option<Spanned<String>>,
    default_return_limit: Option<Spanned<i64>>,
}

/// The REST API's settings, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiConfig {
    /// Whether `nephometer run` serves the API.
    pub enabled: bool,
    /// The address to listen on.
    pub listen: SocketAddr,
    /// The tokens file (absolute, or relative to the working directory when
    /// the configuration itself was given relative); always set when
    /// `enabled`.
    pub tokens: Option<PathBuf>,
    /// The access rules file (oslo.policy JSON); `None`: the shipped rules.
    pub access_policy: Option<PathBuf>,
    /// How many records a list returns when the request gives no `limit`.
    pub default_return_limit: u64,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            enabled: true,
            listen: SocketAddr::from(([127, 0, 0, 1], 8777)),
            tokens: None,
            access_policy: None,
            default_return_limit: DEFAULT_RETURN_LIMIT,
        }
    }
}

/// Validates the table. `has_database` says whether `[database]` is
/// configured, which an enabled API needs.
pub(crate) fn resolve(
    raw: &RawApi,
    config: &ConfigSource,
    has_database: bool,
    errors: &mut Diagnostics,
) -> ApiConfig {
    let at = |span| Location::of_span(&config.path, &config.text, span);
    let base = config.path.parent().unwrap_or(Path::new("."));
    let mut out = ApiConfig {
        enabled: raw.enabled.unwrap_or(true),
        ..ApiConfig::default()
    };
    if let Some(listen) = &raw.listen {
        match listen.get_ref().parse::<SocketAddr>() {
            Ok(address) => out.listen = address,
            Err(_) => errors.push(Diagnostic::new(
                at(listen.span()),
                format!(
                    "api.listen: `{}` is not an address and port such as {DEFAULT_API_LISTEN}",
                    listen.get_ref()
                ),
            )),
        }
    }
    let mut path = |field: &str, value: &Option<Spanned<String>>| -> Option<PathBuf> {
        let value = value.as_ref()?;
        if value.get_ref().trim().is_empty() {
            errors.push(Diagnostic::new(
                at(value.span()),
                format!("api.{field}: must name a file"),
            ));
            return None;
        }
        Some(base.join(value.get_ref()))
    };
    out.tokens = path("tokens", &raw.tokens);
    out.access_policy = path("access_policy", &raw.access_policy);
    if let Some(limit) = &raw.default_return_limit {
        match u64::try_from(*limit.get_ref()) {
            Ok(n) if n >= 1 => out.default_return_limit = n,
            _ => errors.push(Diagnostic::new(
                at(limit.span()),
                format!(
                    "api.default_return_limit = {} must be 1 or more",
                    limit.get_ref()
                ),
            )),
        }
    }
    if out.enabled {
        // Point at the table's first key we have, else the file.
        let place = raw
            .listen
            .as_ref()
            .map(|v| at(v.span()))
            .unwrap_or_else(|| table_location(config));
        if raw.tokens.is_none() {
            errors.push(Diagnostic::new(
                place.clone(),
                "api.tokens: an enabled API needs a tokens file (token → user, project, roles; see docs/api.md)",
            ));
        }
        if !has_database {
            errors.push(Diagnostic::new(
                place,
                "api: the API reads the metering database, but [database] connection is not configured",
            ));
        }
    }
    out
}

/// Where the `[api]` header is, for errors about the table as a whole.
fn table_location(config: &ConfigSource) -> Location {
    let offset = config
        .text
        .match_indices("[api]")
        .map(|(i, _)| i)
        .find(|&i| i == 0 || config.text.as_bytes().get(i - 1) == Some(&b'\n'));
    match offset {
        Some(i) => Location::at(&config.path, &config.text, i),
        None => Location::file(&config.path),
    }
}
