//! `GET /v2/resources` and `GET /v2/resources/{id}` (ids may hold `/`).

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use nepho_storage::{Filter, Resource};
use serde_json::Value;

use super::{Q, application_url, encode, json_list, reply, simple_query};
use crate::caller::Caller;
use crate::error::ApiError;
use crate::params::Params;
use crate::query::simple::Target;
use crate::render;
use crate::state::Shared;

/// The self link and, with `meter_links`, one link per meter of the resource.
fn links(url: &str, resource: &Resource, meter_links: bool) -> Vec<Value> {
    let id = encode(&resource.resource_id);
    let mut out = vec![render::link("self", format!("{url}/v2/resources/{id}"))];
    if meter_links {
        for meter in &resource.meters {
            out.push(render::link(
                meter,
                format!(
                    "{url}/v2/meters/{}?q.field=resource_id&q.value={id}",
                    encode(meter)
                ),
            ));
        }
    }
    out
}

/// `GET /v2/resources?q...&limit&meter_links`.
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    caller.enforce("get_resources")?;
    let params = Params::parse(raw.as_deref());
    params.only(&[Q[0], Q[1], Q[2], Q[3], "limit", "meter_links"])?;
    let limit = params.limit(shared.default_limit)?;
    let meter_links = params.int("meter_links")?.unwrap_or(1) != 0;
    let query = simple_query(
        &params,
        Target::Resources,
        caller.limited_to_project(),
        None,
    )?;
    let url = application_url(&headers);
    let resources = shared.storage.resources(&query.filter, Some(limit)).await?;
    Ok(json_list(
        resources
            .iter()
            .map(|r| render::resource(r, links(&url, r, meter_links)))
            .collect(),
    ))
}

/// `GET /v2/resources/{id}`, within the caller's project unless admin.
pub(crate) async fn one(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    caller.enforce("get_resource")?;
    let mut filter = Filter::eq("resource_id", id.as_str());
    if let Some(project) = caller.limited_to_project() {
        filter = filter.and(Filter::eq("project_id", project));
    }
    let found = shared.storage.resources(&filter, Some(1)).await?;
    let Some(resource) = found.first() else {
        return Err(ApiError::not_found("Resource", &id));
    };
    let url = application_url(&headers);
    Ok(reply(
        StatusCode::OK,
        &render::resource(resource, links(&url, resource, true)),
    ))
}
