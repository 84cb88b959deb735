//! `GET /v2/samples` and `GET /v2/samples/{id}`.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use nepho_storage::Filter;

use super::{Q, json_list, reply, simple_query};
use crate::caller::Caller;
use crate::error::ApiError;
use crate::params::Params;
use crate::query::simple::Target;
use crate::render;
use crate::state::Shared;

/// `GET /v2/samples?q...&limit`.
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    caller.enforce("get_samples")?;
    let params = Params::parse(raw.as_deref());
    params.only(&[Q[0], Q[1], Q[2], Q[3], "limit"])?;
    let limit = params.limit(shared.default_limit)?;
    let query = simple_query(&params, Target::Samples, caller.limited_to_project(), None)?;
    let samples = shared.storage.samples(&query.filter, Some(limit)).await?;
    Ok(json_list(samples.iter().map(render::sample).collect()))
}

/// `GET /v2/samples/{id}`; another project's sample is not found for a
/// non-admin.
pub(crate) async fn one(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    caller.enforce("get_sample")?;
    let mut filter = Filter::eq("message_id", id.as_str());
    if let Some(project) = caller.limited_to_project() {
        filter = filter.and(Filter::eq("project_id", project));
    }
    let found = shared.storage.samples(&filter, Some(1)).await?;
    match found.first() {
        Some(sample) => Ok(reply(StatusCode::OK, &render::sample(sample))),
        None => Err(ApiError::not_found("Sample", &id)),
    }
}
