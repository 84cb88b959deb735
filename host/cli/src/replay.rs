//! `nephometer pipeline replay`: run samples through a pipeline file
//! in-process, and print what each sink would publish.
//!
//! Nothing is delivered: every sink's output is printed instead, as JSON
//! Lines `{"sink": NAME, "sample": SAMPLE_DICT}`. After the last batch every
//! sink is flushed, so what transformers hold back at the end shows too.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use nepho_flow::{Agent, Capture, Captured, sample_from_json_text};
use nepho_policy::{ConfigSource, Plan};
use nepho_runtime::{OwnedSample, Runtime, RuntimeConfig, SampleBatchBuilder};
use serde_json::Value;

/// Options of `nephometer pipeline replay`.
#[derive(Debug, clap::Args)]
pub(crate) struct ReplayArgs {
    /// The pipeline file (Ceilometer's pipeline.yaml format).
    #[arg(long)]
    pipeline: PathBuf,
    /// JSON Lines of samples (Ceilometer sample dicts, or signed meter
    /// messages), or `-` for stdin (the default).
    #[arg(long)]
    input: Option<PathBuf>,
    /// How many consecutive samples form one batch; every sink is flushed
    /// after each batch, as Ceilometer flushes after each notification.
    #[arg(long, default_value_t = 1)]
    batch_size: usize,
    /// Verify meter messages with this telemetry_secret (default:
    /// Ceilometer's default secret; empty turns verification off).
    #[arg(long)]
    telemetry_secret: Option<String>,
    /// A transformer component pipeline files may name besides the six
    /// built-ins, as NAME=FILE.wasm. Repeatable.
    #[arg(long, value_parser = parse_transformer)]
    transformer: Vec<(String, PathBuf)>,
    /// Where compiled components are cached.
    #[arg(long)]
    cache_dir: Option<PathBuf>,
}

fn parse_transformer(text: &str) -> Result<(String, PathBuf), String> {
    let (name, path) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}` is not NAME=FILE.wasm"))?;
    Ok((name.to_owned(), PathBuf::from(path)))
}

fn absolute(path: &Path) -> String {
    std::path::absolute(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}

/// The agent configuration around the pipeline file.
fn config_text(args: &ReplayArgs) -> String {
    let quote = |s: &str| Value::from(s).to_string();
    let mut text = format!(
        "[pipeline]\nsamples = {}\n",
        quote(&absolute(&args.pipeline))
    );
    if let Some(secret) = &args.telemetry_secret {
        text += &format!("[publisher]\ntelemetry_secret = {}\n", quote(secret));
    }
    for (name, path) in &args.transformer {
        text += &format!(
            "[transformers.{}]\nsource = {}\n",
            quote(name),
            quote(&format!("file:{}", absolute(path)))
        );
    }
    text
}

/// Runs the replay.
pub(crate) fn run(args: &ReplayArgs) -> anyhow::Result<ExitCode> {
    let config = ConfigSource::embedded("replay.toml", &config_text(args));
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
    let capture = Arc::new(Capture::default());
    let agent = match Agent::start(runtime, plan, Arc::clone(&capture), true) {
        Ok(agent) => agent,
        Err(errors) => {
            eprintln!("{errors}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let secret = agent.telemetry_secret();
    let reader: Box<dyn BufRead> = match args.input.as_deref() {
        None => Box::new(std::io::stdin().lock()),
        Some(path) if path == Path::new("-") => Box::new(std::io::stdin().lock()),
        Some(path) => Box::new(std::io::BufReader::new(std::fs::File::open(path)?)),
    };
    let input_name = args
        .input
        .as_deref()
        .map_or("<stdin>".to_owned(), |p| p.display().to_string());
    let mut out = std::io::stdout().lock();
    let mut pending: Vec<OwnedSample> = Vec::new();
    let mut refused = 0usize;
    let batch_size = args.batch_size.max(1);
    for (index, line) in reader.lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        match sample_from_json_text(&line, &secret) {
            Ok(sample) => pending.push(sample),
            Err(error) => {
                refused += 1;
                tracing::error!("{input_name}:{}: sample refused: {error}", index + 1);
                continue;
            }
        }
        if pending.len() >= batch_size {
            replay_batch(&agent, &std::mem::take(&mut pending), &capture, &mut out)?;
        }
    }
    if !pending.is_empty() {
        replay_batch(&agent, &pending, &capture, &mut out)?;
    }
    let _ = agent.flush();
    print_captured(&capture, &mut out)?;
    Ok(if refused == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn replay_batch(
    agent: &Agent,
    samples: &[OwnedSample],
    capture: &Capture,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let mut builder = SampleBatchBuilder::default();
    for sample in samples {
        builder.push(sample);
    }
    let _ = agent.publish_samples(&builder.finish());
    print_captured(capture, out)
}

fn print_captured(capture: &Capture, out: &mut impl Write) -> anyhow::Result<()> {
    for captured in capture.take() {
        if let Captured::Samples { sink, samples } = captured {
            for sample in samples {
                writeln!(
                    out,
                    "{}",
                    serde_json::json!({"sink": sink, "sample": sample})
                )?;
            }
        }
    }
    Ok(())
}
