//! `nephometer meters test` and `nephometer events test`: run notifications
//! through the built-in meter- or event-definition component with the
//! operator's definitions, and print the samples (keys of Ceilometer's sample
//! dict) or events (Ceilometer's serialised event) as JSON Lines.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use nepho_policy::{ConfigSource, Plan};
use nepho_runtime::{ComponentSet, NotificationBatchBuilder, Runtime, RuntimeConfig};
use serde_json::Value;

/// Which definitions are tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `meters.yaml` → samples.
    Meters,
    /// `event_definitions.yaml` → events.
    Events,
}

/// Options of `nephometer meters test` and `nephometer events test`.
#[derive(Debug, clap::Args)]
pub(crate) struct DefinitionsTestArgs {
    /// A definitions file, or a directory of them (its *.yaml files, sorted).
    /// Repeat to load several, in order. Without it, Ceilometer's packaged
    /// definitions (embedded) are used.
    #[arg(long)]
    definitions: Vec<PathBuf>,
    /// JSON Lines file of notifications (one per line), or `-` for stdin.
    #[arg(long)]
    input: Option<PathBuf>,
    /// Meters only: Ceilometer dialect, `current` (10.0.0 and later) or `mitaka`.
    #[arg(long, default_value = "current")]
    dialect: String,
    /// Where compiled components are cached.
    #[arg(long)]
    cache_dir: Option<PathBuf>,
    /// Notification files (one JSON notification each).
    notifications: Vec<PathBuf>,
}

fn config_for(kind: Kind, args: &DefinitionsTestArgs) -> String {
    let listed: Vec<String> = args
        .definitions
        .iter()
        .map(|p| {
            std::path::absolute(p)
                .unwrap_or_else(|_| p.clone())
                .display()
                .to_string()
        })
        .collect();
    let files = if listed.is_empty() {
        String::new()
    } else {
        format!("files = {{ definitions = {} }}\n", Value::from(listed))
    };
    match kind {
        Kind::Meters => format!(
            "[components.definitions]\nsource = \"builtin:meter-definitions\"\nconfig = {{ dialect = {} }}\n{files}",
            Value::String(args.dialect.clone())
        ),
        Kind::Events => {
            format!("[components.definitions]\nsource = \"builtin:event-definitions\"\n{files}")
        }
    }
}

/// Reads notifications from `--input` and the listed files.
fn read_notifications(args: &DefinitionsTestArgs) -> anyhow::Result<Vec<String>> {
    let mut bodies = Vec::new();
    if let Some(input) = &args.input {
        let reader: Box<dyn BufRead> = if input == Path::new("-") {
            Box::new(std::io::stdin().lock())
        } else {
            Box::new(std::io::BufReader::new(std::fs::File::open(input)?))
        };
        for line in reader.lines() {
            let line = line?;
            if !line.trim().is_empty() {
                bodies.push(line);
            }
        }
    }
    for file in &args.notifications {
        bodies.push(std::fs::read_to_string(file)?);
    }
    Ok(bodies)
}

/// `nephometer meters test` or `nephometer events test`.
pub(crate) fn run(kind: Kind, args: &DefinitionsTestArgs) -> anyhow::Result<ExitCode> {
    let config = ConfigSource::embedded("definitions-test.toml", &config_for(kind, args));
    let policy = ConfigSource::embedded("policies/default.toml", nepho_policy::DEFAULT_POLICY);
    let plan = match Plan::resolve(&config, &[policy]) {
        Ok(plan) => plan,
        Err(errors) => {
            eprintln!("{errors}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let runtime = Runtime::new(RuntimeConfig {
        builtins: nepho_guest_artifacts::BUILTINS,
        cache_dir: args
            .cache_dir
            .clone()
            .or_else(crate::setup::default_cache_dir),
    })?;
    let set = ComponentSet::start(runtime, plan)?;
    let mut batch = NotificationBatchBuilder::default();
    for body in read_notifications(args)? {
        match serde_json::from_str::<Value>(&body) {
            Ok(parsed) => batch.push_json(&body, &parsed),
            Err(error) => eprintln!("skipping input that is not JSON: {error}"),
        }
    }
    let batch = batch.finish();
    let records = match kind {
        Kind::Meters => set.convert_meters("definitions", &batch)?.to_sample_dicts(),
        Kind::Events => set.convert_events("definitions", &batch)?.to_serialized(),
    };
    let mut out = std::io::stdout().lock();
    for record in records {
        writeln!(out, "{record}")?;
    }
    Ok(ExitCode::SUCCESS)
}
