//! Who is calling: the identity a token stands for, and the strategy that
//! turns a token into one.
//!
//! The identity always comes from the token. Headers a client sends that
//! Keystone's middleware would set (`X-Roles`, `X-User-Id`, `X-Project-Id`)
//! are never read.

use std::future::Future;
use std::pin::Pin;

/// The identity behind a token, as Keystone's middleware would describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The user's id.
    pub user_id: String,
    /// The project the token is scoped to.
    pub project_id: String,
    /// The roles the user has in that project (`admin`, `member`, ...).
    pub roles: Vec<String>,
    /// The user's name, if known.
    pub user_name: Option<String>,
    /// The project's name, if known.
    pub project_name: Option<String>,
}

/// Why a token gives no identity.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// The token is unknown, expired or revoked: 401.
    #[error("The request you have made requires authentication: the token is not valid")]
    InvalidToken,
    /// The identity service cannot be asked now: 503 (a Keystone
    /// strategy's outage must not read as a bad token).
    #[error("The identity service is unavailable: {0}")]
    Unavailable(String),
}

/// What [`Authenticator::authenticate`] returns.
pub type AuthFuture<'a> = Pin<Box<dyn Future<Output = Result<Identity, AuthError>> + Send + 'a>>;

/// Turns an `X-Auth-Token` into an identity.
///
/// [`crate::TokensFile`] looks tokens up in a file. A Keystone strategy
/// would implement this by asking Keystone (`GET /v3/auth/tokens` with the
/// token in `X-Subject-Token`, authenticated as the service user), mapping
/// the token's `user`, `project` and `roles`, and caching the answer until
/// the token's `expires_at`; an unreachable Keystone is
/// [`AuthError::Unavailable`]. The future makes such an asynchronous check
/// possible without blocking the server.
pub trait Authenticator: Send + Sync {
    /// The identity of `token`, or why there is none.
    fn authenticate<'a>(&'a self, token: &'a str) -> AuthFuture<'a>;
}
