//! The ceilometer client's commands against Nephometer's v2 API
//! (`sample-create`, `sample-list`, `meter-list`, `resource-list`,
//! `statistics`, `event-list`): the same options, the same tables, or the
//! API's JSON with `--json`.

mod http;
mod query;
mod table;
mod verbs;

pub(crate) use verbs::{
    EventListArgs, MeterListArgs, ResourceListArgs, SampleCreateArgs, SampleListArgs,
    StatisticsArgs, event_list, meter_list, resource_list, sample_create, sample_list, statistics,
};

/// Where the API is and who is asking; shared by every client command.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct ClientArgs {
    /// The API's base URL.
    #[arg(long, env = "OS_ENDPOINT", default_value = "http://127.0.0.1:8777")]
    pub(crate) os_endpoint: String,
    /// A token of the API's tokens file, sent as X-Auth-Token. Prefer the
    /// OS_TOKEN variable: a command line is visible in the process list.
    #[arg(long, env = "OS_TOKEN", hide_env_values = true)]
    pub(crate) os_token: Option<String>,
    /// Print the API's JSON instead of a table.
    #[arg(long)]
    pub(crate) json: bool,
    /// Seconds to wait for the API.
    #[arg(long, default_value_t = 30)]
    pub(crate) timeout: u64,
}
