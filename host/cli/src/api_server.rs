//! The REST API of `nephometer run`, when `[api]` is enabled: served on
//! its own thread with a small tokio runtime, reading the metering database
//! of `[database] connection`; posted samples go through the agent's
//! pipelines like any other sample.

use std::sync::Arc;

use anyhow::{Context, anyhow};
use nepho_api::{Api, SampleIntake};
use nepho_flow::Agent;
use nepho_policy::Plan;
use nepho_runtime::bindings::SampleBatch;
use serde_json::Value;

/// Posted samples into the agent: each signed meter message is verified
/// (`sample_from_json` with the agent's telemetry secret), then the whole
/// request goes through the sample pipelines as one batch.
struct AgentIntake {
    agent: Arc<Agent>,
}

impl SampleIntake for AgentIntake {
    fn telemetry_secret(&self) -> String {
        self.agent.telemetry_secret()
    }

    fn submit(&self, messages: Vec<Value>) -> Result<(), String> {
        let secret = self.agent.telemetry_secret();
        let samples = messages
            .iter()
            .map(|m| nepho_flow::sample_from_json(m, &secret).map_err(|e| e.to_string()))
            .collect::<Result<Vec<_>, _>>()?;
        self.agent
            .publish_samples(&SampleBatch::from_samples(&samples))
            .map_err(|failures| nepho_flow::PublishFailure::joined(&failures))
    }
}

/// The running API; it serves until the process ends.
pub(crate) struct ApiServer {
    _thread: std::thread::JoinHandle<()>,
}

/// Starts the API of `plan` if `[api]` is enabled. Fails (before
/// returning) when the database, the tokens file, the access rules or the
/// listen address cannot be used.
pub(crate) fn start(plan: &Plan, agent: Arc<Agent>) -> anyhow::Result<Option<ApiServer>> {
    let Some(config) = plan.api.clone().filter(|api| api.enabled) else {
        return Ok(None);
    };
    let connection = plan
        .database
        .as_ref()
        .map(|d| d.connection.clone())
        .ok_or_else(|| anyhow!("[api] needs [database] connection"))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("nepho-api")
        .enable_all()
        .build()
        .context("starting the API runtime")?;
    let (storage, listener) = runtime.block_on(async {
        let storage = nepho_storage::Storage::open(&connection)
            .await
            .map_err(|e| anyhow!("API database: {e}"))?;
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("API: cannot listen on {}", config.listen))?;
        anyhow::Ok((storage, listener))
    })?;
    let api = Api::from_config(&config, storage, Arc::new(AgentIntake { agent }))
        .map_err(|e| anyhow!("API: {e}"))?;
    let address = listener.local_addr().unwrap_or(config.listen);
    tracing::info!("Ceilometer v2 API listening on http://{address}");
    let thread = std::thread::Builder::new()
        .name("nepho-api".into())
        .spawn(move || {
            if let Err(e) = runtime.block_on(nepho_api::serve(listener, api)) {
                tracing::error!("The API stopped: {e}");
            }
        })
        .context("starting the API thread")?;
    Ok(Some(ApiServer { _thread: thread }))
}
