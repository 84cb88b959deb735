//! The commands of `nephometer`.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use nepho_runtime::{ComponentSet, Reload, ReloadWatcher};

use crate::ConfigArgs;
use crate::setup::{load_plan, runtime};

/// How long the files must be quiet before a reload.
const RELOAD_DEBOUNCE: Duration = Duration::from_millis(200);

/// The plan, or `None` after printing its errors (to stderr when `to_stderr`).
fn plan_or_report(args: &ConfigArgs, to_stderr: bool) -> Option<nepho_policy::Plan> {
    match load_plan(args) {
        Ok(plan) => Some(plan),
        Err(errors) if to_stderr => {
            eprintln!("{errors}");
            None
        }
        Err(errors) => {
            println!("{errors}");
            None
        }
    }
}

/// `nephometer run`.
pub(crate) fn run(args: &ConfigArgs) -> anyhow::Result<ExitCode> {
    // Absolute paths, so the watcher can match file events to the plan's files.
    let mut args = args.clone();
    args.config = args
        .config
        .map(|path| std::path::absolute(&path).unwrap_or(path));
    let args = &args;
    let Some(plan) = plan_or_report(args, true) else {
        return Ok(ExitCode::FAILURE);
    };
    let runtime = runtime(args, &plan)?;
    let capture = Arc::new(nepho_flow::Capture::default());
    let agent = Arc::new(nepho_flow::Agent::start(runtime, plan, capture, false)?);
    tracing::info!(components = ?agent.components().names(), "Nephometer agent started.");
    let notification = agent.current_plan().and_then(|plan| plan.notification);
    let _consumer = match notification.filter(|config| config.enabled) {
        Some(config) => Some(
            nepho_notification::Consumer::start(config, Arc::clone(&agent))
                .map_err(|e| anyhow::anyhow!("notification consumer: {e}"))?,
        ),
        None => None,
    };
    let _api = match agent.current_plan() {
        Some(plan) => crate::api_server::start(&plan, Arc::clone(&agent))?,
        None => None,
    };
    let _polling = crate::polling::start_in_run(&agent)?;
    let _expirer = {
        let agent = Arc::clone(&agent);
        crate::expirer::start_periodic(Arc::new(move || agent.current_plan()))?
    };
    let _watcher = match &args.config {
        Some(config) => Some(ReloadWatcher::start(
            config.clone(),
            Arc::clone(&agent),
            RELOAD_DEBOUNCE,
            |_| {},
        )?),
        None => {
            tracing::info!(
                "Running on the embedded defaults; pass --config FILE to configure and hot-reload."
            );
            None
        }
    };
    loop {
        std::thread::park();
    }
}

/// `nephometer validate`.
pub(crate) fn validate(args: &ConfigArgs) -> anyhow::Result<ExitCode> {
    let Some(plan) = plan_or_report(args, false) else {
        return Ok(ExitCode::FAILURE);
    };
    let count = plan.components.len();
    let runtime = runtime(args, &plan)?;
    let capture = Arc::new(nepho_flow::Capture::default());
    match nepho_flow::Agent::start(runtime, plan, capture, false) {
        Ok(_) => {
            println!("ok: configuration, policies and {count} components are valid");
            Ok(ExitCode::SUCCESS)
        }
        Err(errors) => {
            println!("{errors}");
            Ok(ExitCode::FAILURE)
        }
    }
}

/// `nephometer components`.
pub(crate) fn components(args: &ConfigArgs) -> anyhow::Result<ExitCode> {
    let Some(plan) = plan_or_report(args, false) else {
        return Ok(ExitCode::FAILURE);
    };
    let runtime = runtime(args, &plan)?;
    let set = match ComponentSet::start(runtime, plan) {
        Ok(set) => set,
        Err(errors) => {
            println!("{errors}");
            return Ok(ExitCode::FAILURE);
        }
    };
    for component in set.components() {
        let spec = &component.spec;
        let sandbox = &spec.sandbox;
        let grants: Vec<&str> = sandbox.grants.iter().map(|c| c.name()).collect();
        println!("{}", spec.name);
        println!("  origin:   {}", spec.source);
        println!(
            "  world:    nephometer:telemetry/{}@{}",
            component.contract.kind, component.contract.wit_version
        );
        println!("  sha256:   {}", component.digest);
        println!("  exports:  {}", component.contract.exports.join(", "));
        println!("  imports:  {}", component.contract.imports.join(", "));
        println!(
            "  policy:   memory {} MiB, {} ms per call, {} records / {} MiB per call, grants [{}]",
            sandbox.max_memory_bytes >> 20,
            sandbox.max_call.as_millis(),
            sandbox.max_output_records,
            sandbox.max_output_bytes >> 20,
            grants.join(", ")
        );
        println!("  layers:   {}", sandbox.applied.join(" > "));
    }
    Ok(ExitCode::SUCCESS)
}
