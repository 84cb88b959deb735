//! `GET /v2/meters`, `GET /v2/meters/{name}` and `POST /v2/meters/{name}`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use nepho_storage::Timestamp;

use super::{Q, json_body, json_list, reply, simple_query};
use crate::caller::Caller;
use crate::error::ApiError;
use crate::params::{Params, truthy};
use crate::post_samples::validate;
use crate::query::simple::Target;
use crate::render;
use crate::state::Shared;

/// `GET /v2/meters?q...&limit&unique`.
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    caller.enforce("get_meters")?;
    let params = Params::parse(raw.as_deref());
    params.only(&[Q[0], Q[1], Q[2], Q[3], "limit", "unique"])?;
    let limit = params.limit(shared.default_limit)?;
    let unique = params.last("unique").is_some_and(truthy);
    let query = simple_query(&params, Target::Meters, caller.limited_to_project(), None)?;
    let meters = if unique {
        shared
            .storage
            .meter_types(&query.filter, Some(limit))
            .await?
    } else {
        shared.storage.meters(&query.filter, Some(limit)).await?
    };
    Ok(json_list(
        meters.iter().map(|m| render::meter(m, unique)).collect(),
    ))
}

/// `GET /v2/meters/{name}?q...&limit`: the meter's samples, old format.
pub(crate) async fn samples(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(name): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    caller.enforce("get_samples")?;
    let params = Params::parse(raw.as_deref());
    params.only(&[Q[0], Q[1], Q[2], Q[3], "limit"])?;
    let limit = params.limit(shared.default_limit)?;
    let query = simple_query(
        &params,
        Target::Samples,
        caller.limited_to_project(),
        Some(&name),
    )?;
    let samples = shared.storage.samples(&query.filter, Some(limit)).await?;
    Ok(json_list(samples.iter().map(render::old_sample).collect()))
}

/// Most intake calls running at once; further posts wait their turn.
const INTAKE_THREADS: usize = 8;

/// Bounds the intake threads, so a flood of posts queues instead of
/// starting a thread each.
static INTAKE_SLOTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(INTAKE_THREADS);

/// Runs `work` on a thread of its own, outside the async runtime: the
/// intake may block (the pipeline is synchronous and may itself run a
/// runtime, as the database publisher does, which a `spawn_blocking`
/// thread of this runtime would refuse). At most [`INTAKE_THREADS`] at once.
async fn off_runtime<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    let _slot = INTAKE_SLOTS
        .acquire()
        .await
        .map_err(|_| ApiError::internal("the pipeline intake is closed"))?;
    let (send, receive) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("nepho-api-intake".into())
        .spawn(move || {
            let _ = send.send(work());
        })
        .map_err(|e| ApiError::internal(format!("cannot start the intake thread: {e}")))?;
    receive
        .await
        .map_err(|_| ApiError::internal("the pipeline intake failed (it panicked)"))
}

/// `POST /v2/meters/{name}?direct=`: validates, signs and hands the samples
/// to the pipeline (or, with `direct=true`, stores them in one transaction).
pub(crate) async fn post(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(name): Path<String>,
    RawQuery(raw): RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    caller.enforce("create_samples")?;
    let params = Params::parse(raw.as_deref());
    params.only(&["direct"])?;
    let direct = params.last("direct").is_some_and(truthy);
    let body = json_body(body)?;
    let samples = validate(
        &body,
        &name,
        &caller.identity,
        caller.limited_to_project(),
        Timestamp::now(),
    )?;
    let intake = Arc::clone(&shared.intake);
    // Reading the secret is quick (the agent keeps it in memory).
    let secret = intake.telemetry_secret();
    let messages: Vec<serde_json::Value> = samples.iter().map(|s| s.message(&secret)).collect();
    if direct {
        let records: Vec<_> = samples
            .iter()
            .zip(&messages)
            .map(|(s, m)| {
                let signature = m
                    .get(nepho_signing::SIGNATURE_KEY)
                    .and_then(|v| v.as_str())
                    .map(str::to_string);
                s.stored(signature)
            })
            .collect();
        shared.storage.record_samples(&records).await?;
    } else {
        let count = messages.len();
        off_runtime(move || intake.submit(messages))
            .await?
            .map_err(|e| {
                tracing::warn!("API: {count} posted samples not taken by the pipeline: {e}");
                ApiError::unavailable(format!("The samples were not published: {e}"))
            })?;
    }
    let echoed: Vec<_> = samples.iter().map(|s| s.echo()).collect();
    Ok(reply(
        StatusCode::CREATED,
        &serde_json::Value::Array(echoed),
    ))
}
