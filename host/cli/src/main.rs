//! `nephometer`: the Nephometer agent and its operator tools.

mod api_server;
mod client;
mod commands;
mod definitions_test;
mod doctor;
mod expirer;
mod polling;
mod replay;
mod setup;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Large blocks (a big statistics answer) are backed by huge pages and
/// kept for reuse; see `nepho_alloc`.
#[global_allocator]
static ALLOC: nepho_alloc::LargeBlockAlloc = nepho_alloc::LargeBlockAlloc;

/// Nephometer: metering and monitoring for OpenStack-style clouds.
#[derive(Debug, Parser)]
#[command(name = "nephometer", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Options shared by every command that reads the configuration.
#[derive(Debug, Clone, clap::Args)]
struct ConfigArgs {
    /// Agent configuration file (TOML). Without it, the embedded defaults run:
    /// the built-in components under the shipped policy.
    #[arg(long, short)]
    config: Option<PathBuf>,
    /// Where compiled components are cached (default: the configuration's
    /// `cache_dir`, else $XDG_CACHE_HOME/nephometer or ~/.cache/nephometer).
    #[arg(long)]
    cache_dir: Option<PathBuf>,
    /// Where the embedded defaults keep their SQLite database (default:
    /// $XDG_DATA_HOME/nephometer or ~/.local/share/nephometer). Ignored with --config.
    #[arg(long, env = "NEPHOMETER_DATA_DIR")]
    data_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the agent: load the components and reload them when the
    /// configuration, policies or component files change.
    Run(ConfigArgs),
    /// Check the configuration, the policies and every component; print every
    /// error as file:line:column and exit non-zero if there is one.
    Validate(ConfigArgs),
    /// List the components with their origin, contract version, exports,
    /// imports and the policy applied to them.
    Components(ConfigArgs),
    /// Try meter definitions on notifications.
    #[command(subcommand)]
    Meters(MetersCommand),
    /// Try event definitions on notifications.
    #[command(subcommand)]
    Events(EventsCommand),
    /// Try a pipeline file.
    #[command(subcommand)]
    Pipeline(PipelineCommand),
    /// Examine the RabbitMQ broker of [notification] and report what keeps
    /// notifications from being metered (unconsumed topics, unbound
    /// exchanges, dead-lettered messages) and what to change.
    Doctor(doctor::DoctorArgs),
    /// Run the polling agent (Ceilometer's ceilometer-polling): the pollsters
    /// of the namespaces on polling.yaml's sources, samples sent to RabbitMQ
    /// as telemetry.polling notifications.
    Polling(polling::PollingArgs),
    /// Remove samples and events older than `[database]` metering_time_to_live
    /// and event_time_to_live (Ceilometer's ceilometer-expirer), once.
    Expirer(ConfigArgs),
    /// Create a sample through the API (as the ceilometer client's sample-create).
    SampleCreate(client::SampleCreateArgs),
    /// List samples through the API (with -m: the meter's samples in the old format).
    SampleList(client::SampleListArgs),
    /// List meters through the API.
    MeterList(client::MeterListArgs),
    /// List resources through the API.
    ResourceList(client::ResourceListArgs),
    /// Statistics of a meter through the API.
    Statistics(client::StatisticsArgs),
    /// List events through the API.
    EventList(client::EventListArgs),
}

/// `nephometer pipeline ...`.
#[derive(Debug, Subcommand)]
enum PipelineCommand {
    /// Run samples (JSON Lines of Ceilometer sample dicts) through the
    /// pipeline's sources and sinks in-process, flush at the end, and print
    /// what each sink would publish as JSON Lines {"sink", "sample"}.
    Replay(replay::ReplayArgs),
}

/// `nephometer events ...`.
#[derive(Debug, Subcommand)]
enum EventsCommand {
    /// Convert notifications with event_definitions.yaml and print the events
    /// as JSON Lines (Ceilometer's serialised event). Broken definitions are
    /// logged with file, line and event type; the others still load.
    Test(definitions_test::DefinitionsTestArgs),
}

/// `nephometer meters ...`.
#[derive(Debug, Subcommand)]
enum MetersCommand {
    /// Convert notifications with meters.yaml definitions and print the samples
    /// as JSON Lines (Ceilometer's sample dict). Broken definitions are logged
    /// with file, line and name; the others still load.
    Test(definitions_test::DefinitionsTestArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The doctor probes queue names that may not exist; lapin logs each
    // refused probe as an error, which the doctor's own report already covers.
    setup::init_logging(match cli.command {
        Command::Doctor(_) => "info,lapin=off",
        _ => "info",
    });
    let result = match cli.command {
        Command::Run(args) => commands::run(&args),
        Command::Validate(args) => commands::validate(&args),
        Command::Components(args) => commands::components(&args),
        Command::Meters(MetersCommand::Test(args)) => {
            definitions_test::run(definitions_test::Kind::Meters, &args)
        }
        Command::Events(EventsCommand::Test(args)) => {
            definitions_test::run(definitions_test::Kind::Events, &args)
        }
        Command::Pipeline(PipelineCommand::Replay(args)) => replay::run(&args),
        Command::Doctor(args) => doctor::run(&args),
        Command::Expirer(args) => expirer::run(&args),
        Command::Polling(args) => polling::run(&args),
        Command::SampleCreate(args) => client::sample_create(&args),
        Command::SampleList(args) => client::sample_list(&args),
        Command::MeterList(args) => client::meter_list(&args),
        Command::ResourceList(args) => client::resource_list(&args),
        Command::Statistics(args) => client::statistics(&args),
        Command::EventList(args) => client::event_list(&args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
