//! Errors as Ceilometer's API returns them: a status code and WSME's fault
//! wrapped by Ceilometer's `ParsableErrorMiddleware`,
//! `{"error_message": {"faultcode": "Client", "faultstring": "...", "debuginfo": null}}`,
//! which python-ceilometerclient reads (it prints `faultstring`).

use axum::http::header::{CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// An error answer: status and fault string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// The fault string shown to the client.
    pub message: String,
}

impl ApiError {
    /// Any status with a message.
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
        }
    }

    /// 400 with a message (WSME's `ClientSideError`).
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    /// 400 naming a field and its value (WSME's `InvalidInput`).
    pub fn invalid_input(field: &str, value: &str, message: &str) -> ApiError {
        ApiError::bad_request(format!(
            "Invalid input for field/attribute {field}. Value: '{value}'. {message}"
        ))
    }

    /// 400 for an argument the call does not take (WSME's `UnknownArgument`).
    pub fn unknown_argument(argument: &str, message: &str) -> ApiError {
        let detail = if message.is_empty() {
            String::new()
        } else {
            format!(": {message}")
        };
        ApiError::bad_request(format!("Unknown argument: \"{argument}\"{detail}"))
    }

    /// 404 `"<entity> <id> Not Found"` (Ceilometer's `EntityNotFound`).
    pub fn not_found(entity: &str, id: &str) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, format!("{entity} {id} Not Found"))
    }

    /// 401 `"Not Authorized to access project <id>"` (Ceilometer's
    /// `ProjectNotAuthorized`, for a non-admin naming another project).
    pub fn project_not_authorized(project: &str) -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            format!("Not Authorized to access project {project}"),
        )
    }

    /// 403 when an access rule refuses the call (Ceilometer's `rbac.enforce`).
    pub fn forbidden() -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "RBAC Authorization Failed")
    }

    /// 401 for a missing or unknown token.
    pub fn unauthenticated(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, message)
    }

    /// 503: a backend (storage, identity, pipeline) cannot take the call now.
    pub fn unavailable(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, message)
    }

    /// 500, logged; the client gets `message` without internals.
    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.status, self.message)
    }
}

impl std::error::Error for ApiError {}

impl From<nepho_storage::Error> for ApiError {
    fn from(error: nepho_storage::Error) -> ApiError {
        use nepho_storage::Error as E;
        match &error {
            E::InvalidQuery { field, reason } => {
                ApiError::bad_request(format!("Invalid query on field {field}: {reason}"))
            }
            E::InvalidRecord { field, reason, .. } => ApiError::invalid_input(field, "", reason),
            E::Unavailable(_) | E::Conflict(_) => {
                tracing::warn!("API: {error}");
                // The database's own words (addresses, driver messages) stay in the log.
                ApiError::unavailable(
                    "The metering database is unavailable; try again later (details in the agent's log)",
                )
            }
            E::Config(_) | E::Migration(_) | E::Database(_) | E::Stopped(_) => {
                tracing::error!("API: {error}");
                ApiError::internal("The metering database failed; see the agent's log")
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let faultcode = if self.status.is_server_error() {
            "Server"
        } else {
            "Client"
        };
        let body = json!({
            "error_message": {
                "faultcode": faultcode,
                "faultstring": self.message,
                "debuginfo": null,
            }
        });
        let mut response = (
            self.status,
            [(CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static("X-Auth-Token"));
        }
        response
    }
}
