//! The authenticated caller of a request: its identity (from `X-Auth-Token`
//! only) and the access rules in force when the request came in.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::access::AccessRules;
use crate::error::ApiError;
use crate::identity::{AuthError, Identity};
use crate::state::Shared;

/// The header carrying the token.
pub(crate) const TOKEN_HEADER: &str = "x-auth-token";

/// Who is calling, and what the rules let them do.
pub(crate) struct Caller {
    /// The identity of the token.
    pub identity: Identity,
    rules: Arc<AccessRules>,
    admin: bool,
}

impl Caller {
    /// Refuses the call unless `telemetry:<action>` allows it (403).
    pub fn enforce(&self, action: &str) -> Result<(), ApiError> {
        if self.rules.allows(action, &self.identity) {
            Ok(())
        } else {
            Err(ApiError::forbidden())
        }
    }

    /// The project a non-admin is limited to; `None` for an admin.
    pub fn limited_to_project(&self) -> Option<&str> {
        (!self.admin).then_some(self.identity.project_id.as_str())
    }

    /// Whether the caller sees every project.
    pub fn is_admin(&self) -> bool {
        self.admin
    }

    /// Refuses a non-admin with Ceilometer's 401 for admin-only calls.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        match self.limited_to_project() {
            Some(project) => Err(ApiError::project_not_authorized(project)),
            None => Ok(()),
        }
    }
}

impl FromRequestParts<Arc<Shared>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<Shared>,
    ) -> Result<Caller, ApiError> {
        let token = parts
            .headers
            .get(TOKEN_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                ApiError::unauthenticated(
                    "The request you have made requires authentication: no X-Auth-Token header",
                )
            })?;
        let identity = state
            .auth
            .authenticate(token)
            .await
            .map_err(|error| match error {
                AuthError::InvalidToken => ApiError::unauthenticated(error.to_string()),
                AuthError::Unavailable(_) => ApiError::unavailable(error.to_string()),
            })?;
        let rules = state.access.current();
        let admin = rules.is_admin(&identity);
        Ok(Caller {
            identity,
            rules,
            admin,
        })
    }
}
