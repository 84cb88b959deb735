//! `nephometer meters test`: run notifications through the built-in
//! meter-definition component with the operator's definitions, and print the
//! samples as JSON Lines with the keys of Ceilometer's sample dict.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use nepho_policy::{ConfigSource, Plan};
use nepho_runtime::bindings::{MeterType, SampleBatch};
use nepho_runtime::{ComponentSet, NotificationBatchBuilder, Runtime, RuntimeConfig};
use serde_json::{Value, json};

/// Options of `nephometer meters test`.
#[derive(Debug, clap::Args)]
pub(crate) struct MetersTestArgs {
    /// A definitions file, or a directory of them (its *.yaml files, sorted).
    /// Repeat to load several, in order, as Ceilometer's meter_definitions_dirs.
    #[arg(long, required = true)]
    definitions: Vec<PathBuf>,
    /// JSON Lines file of notifications (one per line), or `-` for stdin.
    #[arg(long)]
    input: Option<PathBuf>,
    /// Ceilometer dialect: `current` (10.0.0 and later) or `mitaka`.
    #[arg(long, default_value = "current")]
    dialect: String,
    /// Where compiled components are cached.
    #[arg(long)]
    cache_dir: Option<PathBuf>,
    /// Notification files (one JSON notification each).
    notifications: Vec<PathBuf>,
}

fn config_for(args: &MetersTestArgs) -> String {
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
    format!(
        "[components.meters]\nsource = \"builtin:meter-definitions\"\nconfig = {{ dialect = {} }}\nfiles = {{ definitions = {} }}\n",
        Value::String(args.dialect.clone()),
        Value::from(listed)
    )
}

/// Reads notifications from `--input` and the listed files.
fn read_notifications(args: &MetersTestArgs) -> anyhow::Result<Vec<String>> {
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

/// A sample as Ceilometer's sample dict.
pub(crate) fn sample_dicts(batch: &SampleBatch) -> Vec<Value> {
    batch
        .to_owned_samples()
        .into_iter()
        .map(|s| {
            let metadata: Value = serde_json::from_str(&s.resource_metadata).unwrap_or(Value::Null);
            let kind = match s.meter_type {
                MeterType::Gauge => "gauge",
                MeterType::Delta => "delta",
                MeterType::Cumulative => "cumulative",
            };
            json!({
                "name": s.name, "type": kind, "unit": s.unit, "volume": s.volume,
                "user_id": s.user_id, "project_id": s.project_id, "resource_id": s.resource_id,
                "timestamp": s.timestamp, "resource_metadata": metadata, "source": s.source, "id": s.id,
            })
        })
        .collect()
}

/// `nephometer meters test`.
pub(crate) fn run(args: &MetersTestArgs) -> anyhow::Result<ExitCode> {
    let config = ConfigSource::embedded("meters-test.toml", &config_for(args));
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
    let samples = set.convert_meters("meters", &batch.finish())?;
    let mut out = std::io::stdout().lock();
    for sample in sample_dicts(&samples) {
        writeln!(out, "{sample}")?;
    }
    Ok(ExitCode::SUCCESS)
}
