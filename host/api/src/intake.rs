//! Where posted samples go: the agent's pipeline, behind a trait so the
//! API does not depend on the agent.

use serde_json::Value;

/// Takes the signed meter messages of a `POST /v2/meters/{name}` into the
/// pipeline (Ceilometer publishes them as a `telemetry.api` notification;
/// the agent verifies their signature and runs them through
/// `pipeline.yaml` like any other sample).
///
/// `submit` is called on a plain thread (outside any async runtime, so it
/// may block) with every sample of one request; it either takes all of them or returns an error, which the
/// client gets as a 503.
pub trait SampleIntake: Send + Sync {
    /// The secret the messages are signed with (`[publisher] telemetry_secret`);
    /// called on the API's async runtime, so it must return at once.
    fn telemetry_secret(&self) -> String;

    /// Takes meter messages (`counter_*` keys, `message_signature` set).
    fn submit(&self, messages: Vec<Value>) -> Result<(), String>;
}
