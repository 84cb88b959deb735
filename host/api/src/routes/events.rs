//! `GET /v2/events[/{id}]` and `GET /v2/event_types[/{type}/traits[/{name}]]`
//! (Ceilometer Newton's events controller).

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use nepho_storage::Filter;
use serde_json::json;

use super::{Q, json_list, reply};
use crate::caller::Caller;
use crate::error::ApiError;
use crate::params::Params;
use crate::query::events::{EventScope, compile};
use crate::query::simple::conditions;
use crate::render;
use crate::state::Shared;

fn scope(caller: &Caller) -> EventScope {
    let project = caller.identity.project_id.clone();
    if caller.is_admin() {
        EventScope::Admin { project }
    } else {
        EventScope::Owner {
            user: caller.identity.user_id.clone(),
            project,
        }
    }
}

/// `GET /v2/events?q...&limit`, oldest first.
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    caller.enforce("events:index")?;
    let params = Params::parse(raw.as_deref());
    params.only(&[Q[0], Q[1], Q[2], Q[3], "limit"])?;
    let limit = params.limit(shared.default_limit)?;
    let filter = compile(&conditions(&params)?, &scope(&caller))?;
    let events = shared.storage.events(&filter, Some(limit)).await?;
    Ok(json_list(events.iter().map(render::event).collect()))
}

/// `GET /v2/events/{message_id}`, if the caller may see it.
pub(crate) async fn one(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    caller.enforce("events:show")?;
    let filter = scope(&caller)
        .filter()
        .and(Filter::eq("message_id", id.as_str()));
    let events = shared.storage.events(&filter, Some(1)).await?;
    match events.first() {
        Some(event) => Ok(reply(StatusCode::OK, &render::event(event))),
        None => Err(ApiError::not_found("Event", &id)),
    }
}

/// `GET /v2/event_types` (admins only, as Ceilometer).
pub(crate) async fn types(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
) -> Result<Response, ApiError> {
    caller.require_admin()?;
    let types = shared.storage.event_types().await?;
    Ok(json_list(
        types.into_iter().map(serde_json::Value::String).collect(),
    ))
}

/// `GET /v2/event_types/{type}`: never anything (Ceilometer's unused call).
pub(crate) async fn one_type(caller: Caller, Path(_): Path<String>) -> Result<Response, ApiError> {
    caller.require_admin()?;
    Err(ApiError::new(
        StatusCode::NOT_FOUND,
        "The resource could not be found.",
    ))
}

/// `GET /v2/event_types/{type}/traits`: the trait names and types.
pub(crate) async fn trait_types(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(event_type): Path<String>,
) -> Result<Response, ApiError> {
    caller.require_admin()?;
    let types = shared.storage.trait_types(&event_type).await?;
    Ok(json_list(
        types
            .iter()
            .map(|(name, kind)| json!({"name": name, "type": kind}))
            .collect(),
    ))
}

/// `GET /v2/event_types/{type}/traits/{name}`: every value of the trait.
pub(crate) async fn traits(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path((event_type, name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    caller.require_admin()?;
    let traits = shared.storage.traits(&event_type, &name).await?;
    Ok(json_list(traits.iter().map(render::trait_value).collect()))
}
