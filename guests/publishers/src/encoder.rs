//! The interface every publisher encoding implements, and its settings.

use crate::{Event, Output, PublishError, Sample};

/// Ceilometer's default `[publisher] telemetry_secret`.
pub const DEFAULT_SECRET: &str = "change this for valid signing";

/// Ceilometer's default `host` is the machine's name; a component cannot
/// see it, so the default publisher id is `telemetry.publisher.nephometer`.
pub const DEFAULT_HOST: &str = "nephometer";

/// A publisher's configuration, as the component reads it from `config`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `url`: the publisher URL exactly as written in `pipeline.yaml`.
    pub url: String,
    /// `telemetry_secret`: the signing secret; empty disables signing.
    pub telemetry_secret: String,
    /// `host`: the agent's host name, for the notifier's publisher id.
    pub host: String,
    /// `resources_definition`: the text of a `gnocchi_resources.yaml` to use
    /// instead of the built-in one.
    pub resources_definition: Option<String>,
}

impl Settings {
    /// Settings for `url` with every other key at its default.
    pub fn for_url(url: &str) -> Settings {
        Settings {
            url: url.to_owned(),
            telemetry_secret: DEFAULT_SECRET.to_owned(),
            host: DEFAULT_HOST.to_owned(),
            resources_definition: None,
        }
    }
}

/// One publisher scheme's encoding.
pub trait Encoder: Sized {
    /// Validates the settings; the error names the offending option.
    fn from_settings(settings: &Settings) -> Result<Self, String>;

    /// Encodes samples. `now_nanos` is the wall clock (ns since the epoch).
    fn samples(&mut self, samples: &[Sample], now_nanos: u64) -> Result<Output, PublishError>;

    /// Encodes events.
    fn events(&mut self, events: &[Event], now_nanos: u64) -> Result<Output, PublishError>;
}
