//! The routes of the v2 API and the helpers their handlers share.

mod discovery;
mod events;
mod meters;
mod query;
mod resources;
mod samples;
mod statistics;

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::header::{CONTENT_TYPE, HOST};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::Value;

use crate::error::ApiError;
use crate::params::Params;
use crate::query::simple::{Compiled, Target, compile, conditions};
use crate::state::Shared;

/// The parameters of a simple query.
pub(crate) const Q: [&str; 4] = ["q.field", "q.op", "q.value", "q.type"];

/// Every route.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/", get(discovery::versions))
        .route("/v2", get(discovery::version))
        .route("/v2/", get(discovery::version))
        .route("/v2/capabilities", get(discovery::capabilities))
        .route("/v2/meters", get(meters::list))
        .route("/v2/meters/{name}", get(meters::samples).post(meters::post))
        .route("/v2/meters/{name}/statistics", get(statistics::get))
        .route("/v2/samples", get(samples::list))
        .route("/v2/samples/{id}", get(samples::one))
        .route("/v2/resources", get(resources::list))
        .route("/v2/resources/{*id}", get(resources::one))
        .route("/v2/query/samples", axum::routing::post(query::samples))
        .route("/v2/events", get(events::list))
        .route("/v2/events/{id}", get(events::one))
        .route("/v2/event_types", get(events::types))
        .route("/v2/event_types/{event_type}", get(events::one_type))
        .route(
            "/v2/event_types/{event_type}/traits",
            get(events::trait_types),
        )
        .route(
            "/v2/event_types/{event_type}/traits/{name}",
            get(events::traits),
        )
        .route("/v2/alarms", axum::routing::any(discovery::alarms))
        .route("/v2/alarms/{*rest}", axum::routing::any(discovery::alarms))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(shared)
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "The resource could not be found.")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "The method is not allowed for this resource.",
    )
}

/// A JSON answer.
pub(crate) fn reply(status: StatusCode, value: &Value) -> Response {
    (
        status,
        [(CONTENT_TYPE, "application/json")],
        value.to_string(),
    )
        .into_response()
}

/// `200 OK` with a JSON list.
pub(crate) fn json_list(values: Vec<Value>) -> Response {
    reply(StatusCode::OK, &Value::Array(values))
}

/// The URL the client reached us at (for links), from its `Host` header.
pub(crate) fn application_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_graphic()))
        .unwrap_or("localhost:8777");
    format!("http://{host}")
}

/// A JSON body, or a 400 naming where it stops being JSON.
pub(crate) fn json_body(body: Result<Bytes, BytesRejection>) -> Result<Value, ApiError> {
    let bytes = body.map_err(|e| ApiError::new(e.status(), e.body_text()))?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            "The request has no body; JSON is expected",
        ));
    }
    serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::bad_request(format!("The body is not valid JSON: {e}")))
}

/// Reads and compiles the simple query of `params` for `target`.
pub(crate) fn simple_query(
    params: &Params,
    target: Target,
    project: Option<&str>,
    meter: Option<&str>,
) -> Result<Compiled, ApiError> {
    compile(&conditions(params)?, target, project, meter)
}

/// What a link leaves unencoded: RFC 3986's unreserved characters.
const UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes a path segment or query value of a link.
pub(crate) fn encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, UNRESERVED).to_string()
}
