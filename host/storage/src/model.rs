//! Plain records going in and out of storage.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::time::Timestamp;

/// A sample to store: Ceilometer's sample fields (`ceilometer/sample.py`).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredSample {
    /// Meter name (`counter_name`), e.g. `cpu`.
    pub name: String,
    /// `gauge`, `delta` or `cumulative`.
    pub sample_type: String,
    /// Unit, free text.
    pub unit: String,
    /// The value; must be finite.
    pub volume: f64,
    /// User, if any.
    pub user_id: Option<String>,
    /// Project, if any.
    pub project_id: Option<String>,
    /// Resource (required, not empty).
    pub resource_id: String,
    /// ISO 8601; without a zone it is UTC.
    pub timestamp: String,
    /// Resource metadata, a JSON object (null is taken as `{}`).
    pub resource_metadata: serde_json::Value,
    /// Source, e.g. `openstack`.
    pub source: String,
    /// Sample id (unique; a redelivered sample with the same id is skipped).
    pub message_id: String,
    /// The meter message's signature, if any.
    pub message_signature: Option<String>,
    /// ISO 8601 time of recording; `None` means now.
    pub recorded_at: Option<String>,
    /// Poll time from `time.monotonic()`, if known.
    pub monotonic_time: Option<f64>,
}

/// A stored sample, as read back.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Sample id (`message_id`).
    pub message_id: String,
    /// Meter name.
    pub name: String,
    /// Meter type.
    pub sample_type: String,
    /// Unit.
    pub unit: String,
    /// Value.
    pub volume: f64,
    /// User.
    pub user_id: Option<String>,
    /// Project.
    pub project_id: Option<String>,
    /// Resource.
    pub resource_id: String,
    /// Source.
    pub source: String,
    /// When the sample was taken.
    pub timestamp: Timestamp,
    /// When it was stored.
    pub recorded_at: Timestamp,
    /// Resource metadata as stored.
    pub resource_metadata: serde_json::Value,
    /// Signature, if any.
    pub message_signature: Option<String>,
    /// Monotonic poll time, if any.
    pub monotonic_time: Option<f64>,
}

/// One distinct (meter, resource, project, user, source) combination, as
/// `GET /v2/meters` lists them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Meter {
    /// Meter name.
    pub name: String,
    /// Meter type.
    pub sample_type: String,
    /// Unit.
    pub unit: String,
    /// Resource.
    pub resource_id: String,
    /// Project.
    pub project_id: Option<String>,
    /// User.
    pub user_id: Option<String>,
    /// Source.
    pub source: String,
}

/// A resource: its latest user, project, source and metadata (those of its
/// most recent matching sample) and the span of its matching samples.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    /// Resource id.
    pub resource_id: String,
    /// User of the latest sample.
    pub user_id: Option<String>,
    /// Project of the latest sample.
    pub project_id: Option<String>,
    /// Source of the latest sample.
    pub source: String,
    /// Metadata of the latest sample.
    pub metadata: serde_json::Value,
    /// Timestamp of the first matching sample.
    pub first_sample_timestamp: Timestamp,
    /// Timestamp of the last matching sample.
    pub last_sample_timestamp: Timestamp,
    /// Names of the meters with matching samples for this resource.
    pub meters: Vec<String>,
}

/// A trait value, typed as Ceilometer's trait types (1 text, 2 int, 3 float,
/// 4 datetime).
#[derive(Debug, Clone, PartialEq)]
pub enum TraitValue {
    /// `text` (Ceilometer cuts these to 255 characters before storage; we store as given).
    Text(String),
    /// `int`.
    Int(i64),
    /// `float`.
    Float(f64),
    /// `datetime`: ISO 8601 going in; read back as naive-UTC `isoformat()`.
    Datetime(String),
}

impl TraitValue {
    /// Ceilometer's type name: `string`, `integer`, `float` or `datetime`
    /// (the names `/v2/events` shows).
    pub fn type_name(&self) -> &'static str {
        match self {
            TraitValue::Text(_) => "string",
            TraitValue::Int(_) => "integer",
            TraitValue::Float(_) => "float",
            TraitValue::Datetime(_) => "datetime",
        }
    }
}

/// A named, typed trait of an event.
#[derive(Debug, Clone, PartialEq)]
pub struct Trait {
    /// Trait name.
    pub name: String,
    /// Typed value.
    pub value: TraitValue,
}

/// An event to store (`ceilometer/event/models.py`).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    /// Notification message id (unique; a redelivered event is skipped).
    pub message_id: String,
    /// Event type, e.g. `compute.instance.create.end`.
    pub event_type: String,
    /// ISO 8601 generation time.
    pub generated: String,
    /// Traits.
    pub traits: Vec<Trait>,
    /// The raw notification, or `{}` (null is taken as `{}`).
    pub raw: serde_json::Value,
}

/// A stored event as read back; trait datetimes are naive-UTC `isoformat()`.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Message id.
    pub message_id: String,
    /// Event type.
    pub event_type: String,
    /// Generation time.
    pub generated: Timestamp,
    /// Traits, sorted by name.
    pub traits: Vec<Trait>,
    /// Raw notification or `{}`.
    pub raw: serde_json::Value,
}

/// One row of statistics (Ceilometer's `Statistics` model).
#[derive(Debug, Clone, PartialEq)]
pub struct Statistics {
    /// The group's values (`None` when no groupby was asked); a value is
    /// `None` when the column is null (e.g. no user). Shared by the rows
    /// of one group (a group has a row per period).
    pub groupby: Option<Arc<BTreeMap<String, Option<String>>>>,
    /// Unit of the meter, shared by the rows of that unit.
    pub unit: Arc<str>,
    /// Number of samples (present when no aggregate was selected, or `count` was).
    pub count: Option<u64>,
    /// Minimum volume (when selected, as `count`).
    pub min: Option<f64>,
    /// Maximum volume.
    pub max: Option<f64>,
    /// Average volume.
    pub avg: Option<f64>,
    /// Sum of the volumes.
    pub sum: Option<f64>,
    /// Selected aggregates by their key (`stddev`, `cardinality/resource_id`,
    /// `avg`, ...); `None` when no aggregate was selected.
    pub aggregate: Option<BTreeMap<String, f64>>,
    /// Seconds between the first and last sample of the row.
    pub duration: Option<f64>,
    /// Timestamp of the first sample of the row.
    pub duration_start: Option<Timestamp>,
    /// Timestamp of the last sample of the row.
    pub duration_end: Option<Timestamp>,
    /// Period length in seconds (0 without a period).
    pub period: u64,
    /// Start of the period (without a period: the first sample's timestamp).
    pub period_start: Timestamp,
    /// End of the period (without a period: the last sample's timestamp).
    pub period_end: Timestamp,
}

impl Statistics {
    /// Ceilometer's API-side clamping (`Statistics._update_duration`):
    /// duration_start/end are clamped to the query's original bounds (before
    /// `search_offset` widened them); if start ends up after end, all three
    /// duration fields become `None`.
    pub fn clamp(&mut self, start: Option<Timestamp>, end: Option<Timestamp>) {
        if let (Some(s), Some(ds)) = (start, self.duration_start)
            && ds < s
        {
            self.duration_start = Some(s);
        }
        if let (Some(e), Some(de)) = (end, self.duration_end)
            && de > e
        {
            self.duration_end = Some(e);
        }
        if let (Some(ds), Some(de)) = (self.duration_start, self.duration_end) {
            if de < ds {
                self.duration = None;
                self.duration_start = None;
                self.duration_end = None;
            } else {
                self.duration = Some(ds.seconds_until(de));
            }
        }
    }
}

/// Rows removed by [`crate::Storage::clear_expired`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Expired {
    /// Samples older than the samples TTL.
    pub samples: u64,
    /// Meters left without samples.
    pub meters: u64,
    /// Resource rows left without samples (with their metadata rows).
    pub resources: u64,
    /// Events older than the events TTL (with their traits).
    pub events: u64,
}
