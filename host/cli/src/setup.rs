//! Logging, the cache directory and plan loading shared by the commands.

use std::path::{Path, PathBuf};

use nepho_policy::{ConfigSource, Diagnostics, Plan};
use nepho_runtime::{Runtime, RuntimeConfig};

use crate::ConfigArgs;

/// The agent configuration used without `--config`.
pub(crate) const DEFAULT_CONFIG: &str = include_str!("default_config.toml");

/// Logs to stderr; `RUST_LOG` filters (default `default_filter`).
pub(crate) fn init_logging(default_filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

/// The plan from `--config`, or the embedded defaults (with their database
/// in the data directory, which is created if needed).
pub(crate) fn load_plan(args: &ConfigArgs) -> Result<Plan, Diagnostics> {
    match &args.config {
        Some(path) => Plan::load(path),
        None => {
            let data_dir = data_dir(args);
            if let Err(error) =
                std::fs::create_dir_all(&data_dir).and_then(|()| ensure_tokens_file(&data_dir))
            {
                return Err(nepho_policy::Diagnostic::new(
                    nepho_policy::Location::file(&data_dir),
                    format!("cannot prepare the data directory: {error}"),
                )
                .into());
            }
            Plan::resolve(
                &ConfigSource::embedded("nephometer.toml", &default_config(&data_dir)),
                &[ConfigSource::embedded(
                    "policies/default.toml",
                    nepho_policy::DEFAULT_POLICY,
                )],
            )
        }
    }
}

/// The embedded configuration with its database and tokens file in `data_dir`.
pub(crate) fn default_config(data_dir: &Path) -> String {
    let database = data_dir.join("nephometer.db");
    // `sqlite:///` + an absolute path, as a TOML string (quoted and escaped).
    let url = format!("sqlite:///{}", database.display());
    DEFAULT_CONFIG
        .replace("@DATABASE_URL@", &toml_string(&url))
        .replace(
            "@TOKENS_FILE@",
            &toml_string(&tokens_file(data_dir).display().to_string()),
        )
}

/// The API's tokens file of the embedded defaults.
pub(crate) fn tokens_file(data_dir: &Path) -> PathBuf {
    data_dir.join("tokens.toml")
}

/// Makes the embedded defaults' tokens file, with one random admin token,
/// unless it exists. Readable by its owner only.
fn ensure_tokens_file(data_dir: &Path) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let path = tokens_file(data_dir);
    let mut file = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
    {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => return Ok(()),
        Err(error) => return Err(error),
    };
    let token = uuid::Uuid::new_v4().simple().to_string();
    write!(
        file,
        "# The API tokens of Nephometer's embedded defaults (docs/api.md).\n\
         # Send one as X-Auth-Token (`--os-token`).\n\
         [tokens.\"{token}\"]\nuser_id = \"admin\"\nproject_id = \"admin\"\nroles = [\"admin\"]\n"
    )?;
    tracing::info!(
        "Made the API tokens file {} with an admin token",
        path.display()
    );
    Ok(())
}

/// `text` as a TOML basic string.
fn toml_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `--data-dir`, else `$XDG_DATA_HOME/nephometer`, else `~/.local/share/nephometer`,
/// else `./nephometer-data`; always absolute.
pub(crate) fn data_dir(args: &ConfigArgs) -> PathBuf {
    let dir = args
        .data_dir
        .clone()
        .or_else(|| std::env::var_os("XDG_DATA_HOME").map(|d| PathBuf::from(d).join("nephometer")))
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share/nephometer"))
        })
        .unwrap_or_else(|| PathBuf::from("nephometer-data"));
    std::path::absolute(&dir).unwrap_or(dir)
}

/// The cache directory: flag, configuration, then [`default_cache_dir`].
fn cache_dir(args: &ConfigArgs, plan: &Plan) -> Option<PathBuf> {
    args.cache_dir
        .clone()
        .or_else(|| plan.cache_dir.clone())
        .or_else(default_cache_dir)
}

/// `$XDG_CACHE_HOME/nephometer`, else `~/.cache/nephometer`; none if both are unset.
pub(crate) fn default_cache_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_CACHE_HOME")
        .map(|d| PathBuf::from(d).join("nephometer"))
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/nephometer")))
}

/// The runtime with the built-in components and the cache directory.
pub(crate) fn runtime(args: &ConfigArgs, plan: &Plan) -> anyhow::Result<Runtime> {
    Runtime::new(RuntimeConfig {
        builtins: nepho_guest_artifacts::BUILTINS,
        cache_dir: cache_dir(args, plan),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_configuration_stores_in_the_data_directory() {
        let dir = Path::new("/tmp/odd \"name\" \\ dir");
        let text = default_config(dir);
        let plan = Plan::resolve(
            &ConfigSource::embedded("nephometer.toml", &text),
            &[ConfigSource::embedded(
                "policies/default.toml",
                nepho_policy::DEFAULT_POLICY,
            )],
        )
        .expect("the embedded defaults are valid");
        let database = plan.database.expect("a database");
        assert_eq!(
            database.connection,
            "sqlite:////tmp/odd \"name\" \\ dir/nephometer.db"
        );
        assert_eq!(
            database.metering_time_to_live, None,
            "Ceilometer keeps samples for ever"
        );
        assert!(plan.pipelines.samples.is_some() && plan.pipelines.events.is_some());
        let api = plan.api.expect("the API");
        assert!(api.enabled);
        assert_eq!(api.listen.to_string(), "127.0.0.1:8777");
        assert_eq!(api.tokens, Some(dir.join("tokens.toml")));
        let polling = plan.polling.expect("polling");
        assert!(polling.enabled);
    }

    #[test]
    fn the_tokens_file_is_made_once_with_an_admin_token_for_its_owner_only() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        ensure_tokens_file(dir.path()).unwrap();
        let path = tokens_file(dir.path());
        let first = std::fs::read_to_string(&path).unwrap();
        assert!(first.contains("roles = [\"admin\"]"), "{first}");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        ensure_tokens_file(dir.path()).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            first,
            "kept as it was"
        );
    }
}
