//! `nephometer doctor`: examines the broker of the `[notification]`
//! configuration and reports what keeps notifications from being metered.

use std::process::ExitCode;

use crate::ConfigArgs;
use crate::setup::load_plan;

/// Options of `nephometer doctor`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct DoctorArgs {
    #[command(flatten)]
    config: ConfigArgs,
    /// Another queue to examine by name (without the management API only
    /// known and guessed names can be examined); may be repeated.
    #[arg(long = "queue")]
    queues: Vec<String>,
}

/// Prints the report; exits 1 when it found a problem, 2 when it could not run.
pub(crate) fn run(args: &DoctorArgs) -> anyhow::Result<ExitCode> {
    let plan = match load_plan(&args.config) {
        Ok(plan) => plan,
        Err(errors) => {
            eprintln!("{errors}");
            return Ok(ExitCode::from(2));
        }
    };
    let config = plan.notification.unwrap_or_default();
    match nepho_notification::doctor::diagnose(&config, &args.queues) {
        Ok(report) => {
            print!("{}", report.render());
            Ok(if report.has_problems() {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        Err(error) => {
            eprintln!("error: cannot examine the broker: {error}");
            Ok(ExitCode::from(2))
        }
    }
}
