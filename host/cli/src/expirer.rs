//! Expiry of old samples and events: `nephometer expirer` (Ceilometer's
//! `ceilometer-expirer`, for cron) and the periodic task of `nephometer run`.

use std::process::ExitCode;
use std::sync::Arc;

use nepho_policy::{DatabaseConfig, Plan};
use nepho_storage::{BlockingStorage, Expired};

use crate::ConfigArgs;
use crate::setup::load_plan;

/// `nephometer expirer`: removes what is older than the configured time to
/// live, once, and prints what went.
pub(crate) fn run(args: &ConfigArgs) -> anyhow::Result<ExitCode> {
    let plan = match load_plan(args) {
        Ok(plan) => plan,
        Err(errors) => {
            eprintln!("{errors}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let Some(database) = plan.database else {
        eprintln!("error: the configuration has no [database] connection to expire");
        return Ok(ExitCode::FAILURE);
    };
    if !database.expires() {
        println!(
            "Nothing to clean: database metering_time_to_live and event_time_to_live are disabled"
        );
        return Ok(ExitCode::SUCCESS);
    }
    let storage = BlockingStorage::open(&database.connection)
        .map_err(|e| anyhow::anyhow!("{}: {e}", nepho_publish::redact_raw(&database.connection)))?;
    let expired = expire(&storage, &database)?;
    println!("{}", describe(&expired));
    Ok(ExitCode::SUCCESS)
}

/// One expiry run with the TTLs of `database`.
fn expire(storage: &BlockingStorage, database: &DatabaseConfig) -> anyhow::Result<Expired> {
    Ok(storage.clear_expired(database.metering_time_to_live, database.event_time_to_live)?)
}

fn describe(expired: &Expired) -> String {
    format!(
        "Expired {} samples, {} meters, {} resources, {} events",
        expired.samples, expired.meters, expired.resources, expired.events
    )
}

/// Starts the periodic expiry of `nephometer run` on its own thread. Each
/// round reads the current plan (so a reloaded `[database]` applies from the
/// next round), sleeps its `expirer_interval`, then expires; a failure is
/// logged and the next round tries again.
pub(crate) fn start_periodic(
    current_plan: Arc<dyn Fn() -> Option<Plan> + Send + Sync>,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("nepho-expirer".to_owned())
        .spawn(move || {
            let mut open: Option<(String, BlockingStorage)> = None;
            loop {
                let database = current_plan().and_then(|plan| plan.database);
                let interval = database
                    .as_ref()
                    .and_then(|d| d.expirer_interval)
                    .unwrap_or(nepho_policy::DEFAULT_EXPIRER_INTERVAL);
                std::thread::sleep(interval);
                let Some(database) =
                    database.filter(|d| d.expires() && d.expirer_interval.is_some())
                else {
                    continue;
                };
                if open
                    .as_ref()
                    .is_none_or(|(url, _)| *url != database.connection)
                {
                    match BlockingStorage::open(&database.connection) {
                        Ok(storage) => open = Some((database.connection.clone(), storage)),
                        Err(e) => {
                            tracing::warn!(
                                database = %nepho_publish::redact_raw(&database.connection),
                                "Expiry skipped: cannot open the database: {e}"
                            );
                            continue;
                        }
                    }
                }
                let Some((_, storage)) = &open else { continue };
                match expire(storage, &database) {
                    Ok(expired) => tracing::info!("{}", describe(&expired)),
                    Err(e) => tracing::warn!("Expiry failed, retried in {interval:?}: {e:#}"),
                }
            }
        })
}
