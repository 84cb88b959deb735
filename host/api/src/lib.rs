//! Ceilometer's v2 REST API over Nephometer's storage (axum).
//!
//! - Endpoints and JSON shapes of Ceilometer Pike (`/v2/meters`,
//!   `/v2/meters/{name}` GET and POST, `/v2/meters/{name}/statistics`,
//!   `/v2/samples`, `/v2/resources`, `/v2/query/samples`,
//!   `/v2/capabilities`) and Newton's events (`/v2/events`,
//!   `/v2/event_types`), with WSME's error messages in Ceilometer's error
//!   shape, so python-ceilometerclient works against it.
//! - Identity from `X-Auth-Token` only, through an [`Authenticator`]
//!   ([`TokensFile`] today); authorization by oslo.policy rules
//!   ([`AccessRules`], shipped as `policies/api-access.json`): a non-admin
//!   sees and writes only their own project.
//! - Posted samples are validated, signed with the telemetry secret and
//!   handed to a [`SampleIntake`] (the agent's pipeline), or stored
//!   directly with `direct=true`.
//!
//! [`Api::from_config`] builds the API from the agent configuration's
//! `[api]` table; [`serve`] runs it on a listener.

mod access;
mod caller;
mod error;
mod identity;
mod intake;
mod json_stream;
mod live_file;
mod params;
mod post_samples;
mod query;
mod render;
mod routes;
mod state;
mod stats_json;
mod tokens;

use std::sync::Arc;

use nepho_policy::ApiConfig;
use nepho_storage::Storage;

pub use access::{AccessRules, SHIPPED_ACCESS_RULES};
pub use error::ApiError;
pub use identity::{AuthError, AuthFuture, Authenticator, Identity};
pub use intake::SampleIntake;
pub use tokens::TokensFile;

/// The API, ready to serve.
#[derive(Clone)]
pub struct Api {
    shared: Arc<state::Shared>,
}

impl Api {
    /// An API over `storage` that authenticates with `authenticator`,
    /// authorizes with the rules of `access_policy` (an oslo.policy JSON
    /// file, read again when it changes; `None`: the shipped rules), and
    /// hands posted samples to `intake`. Fails when the rules file does not
    /// parse (`file:line:column: message`).
    pub fn new(
        storage: Storage,
        authenticator: Arc<dyn Authenticator>,
        access_policy: Option<&std::path::Path>,
        intake: Arc<dyn SampleIntake>,
        default_return_limit: u64,
    ) -> Result<Api, String> {
        Ok(Api {
            shared: Arc::new(state::Shared {
                default_limit: default_return_limit.max(1),
                storage,
                auth: authenticator,
                access: access::Access::open(access_policy)?,
                intake,
            }),
        })
    }

    /// The API the `[api]` table describes: its tokens file, access rules
    /// and default limit.
    pub fn from_config(
        config: &ApiConfig,
        storage: Storage,
        intake: Arc<dyn SampleIntake>,
    ) -> Result<Api, String> {
        let tokens = config
            .tokens
            .as_deref()
            .ok_or_else(|| "api.tokens: no tokens file is configured".to_string())?;
        let authenticator = Arc::new(TokensFile::open(tokens)?);
        Api::new(
            storage,
            authenticator,
            config.access_policy.as_deref(),
            intake,
            config.default_return_limit,
        )
    }

    /// The routes, for embedding in another axum server.
    pub fn router(&self) -> axum::Router {
        routes::router(Arc::clone(&self.shared))
    }
}

/// Serves `api` on `listener` until the listener fails.
pub async fn serve(listener: tokio::net::TcpListener, api: Api) -> std::io::Result<()> {
    axum::serve(listener, api.router()).await
}
