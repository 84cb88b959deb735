//! `POST /v2/query/samples`: the complex query.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::response::Response;

use super::{json_body, json_list};
use crate::caller::Caller;
use crate::error::ApiError;
use crate::params::Params;
use crate::query::complex::parse;
use crate::render;
use crate::state::Shared;

/// Samples matching `{filter, orderby, limit}`.
pub(crate) async fn samples(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    RawQuery(raw): RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    caller.enforce("query_sample")?;
    Params::parse(raw.as_deref()).only(&[])?;
    // No body at all: every sample (in scope), as an empty query.
    let body = match &body {
        Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => serde_json::json!({}),
        _ => json_body(body)?,
    };
    let query = parse(&body, caller.limited_to_project(), shared.default_limit)?;
    let samples = shared
        .storage
        .samples_ordered(&query.filter, &query.orderby, Some(query.limit))
        .await?;
    Ok(json_list(samples.iter().map(render::sample).collect()))
}
