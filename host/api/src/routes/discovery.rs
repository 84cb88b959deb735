//! Version discovery (`GET /`, `GET /v2`), capabilities, and the alarms
//! URLs (served by Aodh, not here).

use std::sync::Arc;

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use super::{application_url, reply};
use crate::caller::Caller;
use crate::error::ApiError;
use crate::state::Shared;

fn descriptor(url: &str) -> Value {
    json!({
        "id": "v2",
        "links": [
            {"href": format!("{url}/v2"), "rel": "self"},
            {"href": "https://docs.openstack.org/", "rel": "describedby", "type": "text/html"},
        ],
        "media-types": [
            {"base": "application/json", "type": "application/vnd.openstack.telemetry-v2+json"},
            {"base": "application/xml", "type": "application/vnd.openstack.telemetry-v2+xml"},
        ],
        "status": "stable",
        "updated": "2013-02-13T00:00:00Z",
    })
}

/// `GET /`: the versions (no token needed).
pub(crate) async fn versions(headers: HeaderMap) -> Response {
    let url = application_url(&headers);
    reply(
        StatusCode::OK,
        &json!({"versions": {"values": [descriptor(&url)]}}),
    )
}

/// `GET /v2`: this version (no token needed).
pub(crate) async fn version(headers: HeaderMap) -> Response {
    reply(
        StatusCode::OK,
        &json!({"version": descriptor(&application_url(&headers))}),
    )
}

/// `GET /v2/capabilities`: what the API and the SQL storage support,
/// flattened as Ceilometer flattens them (`a:b:c`).
pub(crate) async fn capabilities(
    axum::extract::State(_): axum::extract::State<Arc<Shared>>,
    _caller: Caller,
) -> Response {
    let mut api = serde_json::Map::new();
    for (key, value) in [
        ("meters:query:simple", true),
        ("meters:query:metadata", true),
        ("resources:query:simple", true),
        ("resources:query:metadata", true),
        ("samples:query:simple", true),
        ("samples:query:metadata", true),
        ("samples:query:complex", true),
        ("statistics:groupby", true),
        ("statistics:query:simple", true),
        ("statistics:query:metadata", true),
        ("statistics:aggregation:standard", true),
        ("statistics:aggregation:selectable:max", true),
        ("statistics:aggregation:selectable:min", true),
        ("statistics:aggregation:selectable:sum", true),
        ("statistics:aggregation:selectable:avg", true),
        ("statistics:aggregation:selectable:count", true),
        ("statistics:aggregation:selectable:stddev", true),
        ("statistics:aggregation:selectable:cardinality", true),
        ("events:query:simple", true),
    ] {
        api.insert(key.to_string(), Value::Bool(value));
    }
    reply(
        StatusCode::OK,
        &json!({
            "api": api,
            "storage": {"storage:production_ready": true},
            "event_storage": {"storage:production_ready": true},
        }),
    )
}

/// `/v2/alarms...`: alarms live in Aodh.
pub(crate) async fn alarms() -> ApiError {
    ApiError::new(
        StatusCode::GONE,
        "alarms URLs is unavailable when Aodh is disabled or unavailable.",
    )
}
