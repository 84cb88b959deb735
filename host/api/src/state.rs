//! What every request handler shares.

use std::sync::Arc;

use nepho_storage::Storage;

use crate::access::Access;
use crate::identity::Authenticator;
use crate::intake::SampleIntake;

/// The API's state, behind an `Arc` in the router.
pub(crate) struct Shared {
    /// How many records a list returns without `limit`.
    pub default_limit: u64,
    /// The metering database.
    pub storage: Storage,
    /// Turns tokens into identities.
    pub auth: Arc<dyn Authenticator>,
    /// The access rules.
    pub access: Access,
    /// Where posted samples go.
    pub intake: Arc<dyn SampleIntake>,
}
