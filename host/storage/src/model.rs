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
    /// Resource metadata, a JSON object (null is taken as `{}`), as JSON text.
    pub resource_metadata: ResourceMetadata,
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

/// A sample's resource metadata as JSON text, which should be an object
/// (`null` is taken as `{}`).
///
/// Kept as text because a writer mostly sees metadata it has stored
/// before: it recognises it by comparing the text, and parses it only for
/// a resource row it does not know yet. Text that is not a JSON object is
/// refused then, naming the sample and `resource_metadata`. The same
/// metadata written differently (spacing, key order) is the same resource
/// row; only the writer's cache holds it twice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceMetadata(String);

impl ResourceMetadata {
    /// Metadata from its JSON text, taken as it is (checked when stored);
    /// empty text is `{}`.
    pub fn from_json_text(text: impl Into<String>) -> ResourceMetadata {
        let text = text.into();
        if text.trim().is_empty() {
            return ResourceMetadata::default();
        }
        ResourceMetadata(text)
    }

    /// The JSON text.
    pub fn as_json_text(&self) -> &str {
        &self.0
    }

    /// The metadata parsed.
    pub fn parse(&self) -> serde_json::Result<serde_json::Value> {
        serde_json::from_str(&self.0)
    }
}

impl Default for ResourceMetadata {
    fn default() -> ResourceMetadata {
        ResourceMetadata("{}".to_owned())
    }
}

impl From<&serde_json::Value> for ResourceMetadata {
    fn from(value: &serde_json::Value) -> ResourceMetadata {
        match value {
            serde_json::Value::Null => ResourceMetadata::default(),
            // Serialising a Value cannot fail (its keys are strings).
            v => ResourceMetadata(serde_json::to_string(v).unwrap_or_default()),
        }
    }
}

impl From<serde_json::Value> for ResourceMetadata {
    fn from(value: serde_json::Value) -> ResourceMetadata {
        ResourceMetadata::from(&value)
    }
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
///
/// Kept small (120 bytes), since a query over a long range at a short
/// period answers millions of rows: the selected aggregates are flagged
/// rather than each wrapped in an `Option`, the other aggregates are boxed
/// and `duration` is computed from its bounds. Read them through the
/// accessors ([`Statistics::count`], [`Statistics::min`], ...).
#[derive(Debug, Clone)]
pub struct Statistics {
    /// The group's values (`None` when no groupby was asked); a value is
    /// `None` when the column is null (e.g. no user). Shared by the rows
    /// of one group (a group has a row per period).
    pub groupby: Option<Arc<BTreeMap<String, Option<String>>>>,
    /// Unit of the meter, shared by the rows of that unit.
    pub unit: Arc<str>,
    /// Period length in seconds (0 without a period).
    pub period: u64,
    /// Start of the period (without a period: the first sample's timestamp).
    pub period_start: Timestamp,
    /// End of the period (without a period: the last sample's timestamp).
    pub period_end: Timestamp,
    /// Which of count, min, max, avg, sum and the duration are given.
    pub(crate) shown: Shown,
    pub(crate) count: u64,
    /// Min, max, avg and sum.
    pub(crate) values: [f64; 4],
    #[allow(
        clippy::box_collection,
        reason = "8 bytes a row instead of 24; most rows have no selected aggregates"
    )]
    pub(crate) aggregate: Option<Box<BTreeMap<String, f64>>>,
    /// First and last sample times (given unless clamped away).
    pub(crate) first: Timestamp,
    pub(crate) last: Timestamp,
}

/// Rows are equal when everything they give is.
impl PartialEq for Statistics {
    fn eq(&self, other: &Self) -> bool {
        self.groupby == other.groupby
            && self.unit == other.unit
            && (self.period, self.period_start, self.period_end)
                == (other.period, other.period_start, other.period_end)
            && self.count() == other.count()
            && (self.min(), self.max(), self.avg(), self.sum())
                == (other.min(), other.max(), other.avg(), other.sum())
            && self.aggregate() == other.aggregate()
            && (self.duration_start(), self.duration_end())
                == (other.duration_start(), other.duration_end())
    }
}

/// Bits of [`Statistics`] fields that are given.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Shown(pub(crate) u8);

impl Shown {
    pub(crate) const COUNT: u8 = 1;
    pub(crate) const MIN: u8 = 1 << 1;
    pub(crate) const MAX: u8 = 1 << 2;
    pub(crate) const AVG: u8 = 1 << 3;
    pub(crate) const SUM: u8 = 1 << 4;
    /// `duration`, `duration_start` and `duration_end`.
    pub(crate) const DURATION: u8 = 1 << 5;

    fn has(self, bit: u8) -> bool {
        self.0 & bit != 0
    }
}

impl Statistics {
    /// Number of samples (given when no aggregate was selected, or `count` was).
    pub fn count(&self) -> Option<u64> {
        self.shown.has(Shown::COUNT).then_some(self.count)
    }

    /// Minimum volume (given as `count` is).
    pub fn min(&self) -> Option<f64> {
        self.shown.has(Shown::MIN).then_some(self.values[0])
    }

    /// Maximum volume.
    pub fn max(&self) -> Option<f64> {
        self.shown.has(Shown::MAX).then_some(self.values[1])
    }

    /// Average volume.
    pub fn avg(&self) -> Option<f64> {
        self.shown.has(Shown::AVG).then_some(self.values[2])
    }

    /// Sum of the volumes.
    pub fn sum(&self) -> Option<f64> {
        self.shown.has(Shown::SUM).then_some(self.values[3])
    }

    /// Selected aggregates by their key (`stddev`, `cardinality/resource_id`,
    /// `avg`, ...); `None` when no aggregate was selected.
    pub fn aggregate(&self) -> Option<&BTreeMap<String, f64>> {
        self.aggregate.as_deref()
    }

    /// Seconds between the first and last sample of the row.
    pub fn duration(&self) -> Option<f64> {
        self.shown
            .has(Shown::DURATION)
            .then(|| self.first.seconds_until(self.last))
    }

    /// Timestamp of the first sample of the row.
    pub fn duration_start(&self) -> Option<Timestamp> {
        self.shown.has(Shown::DURATION).then_some(self.first)
    }

    /// Timestamp of the last sample of the row.
    pub fn duration_end(&self) -> Option<Timestamp> {
        self.shown.has(Shown::DURATION).then_some(self.last)
    }

    /// Ceilometer's API-side clamping (`Statistics._update_duration`):
    /// duration_start/end are clamped to the query's original bounds (before
    /// `search_offset` widened them); if start ends up after end, all three
    /// duration fields become `None`.
    pub fn clamp(&mut self, start: Option<Timestamp>, end: Option<Timestamp>) {
        if !self.shown.has(Shown::DURATION) {
            return;
        }
        if let Some(s) = start {
            self.first = self.first.max(s);
        }
        if let Some(e) = end {
            self.last = self.last.min(e);
        }
        if self.last < self.first {
            self.shown.0 &= !Shown::DURATION;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A long range at a short period answers millions of rows: each must
    /// stay small (it was 208 bytes with an `Option` per aggregate).
    #[test]
    fn a_statistics_row_takes_at_most_120_bytes() {
        assert!(
            size_of::<Statistics>() <= 120,
            "{}",
            size_of::<Statistics>()
        );
    }

    #[test]
    fn hidden_fields_read_as_none_and_clamping_can_hide_the_duration() {
        let mut row = Statistics {
            groupby: None,
            unit: Arc::from("%"),
            period: 60,
            period_start: Timestamp(0),
            period_end: Timestamp(60_000_000),
            shown: Shown(Shown::SUM | Shown::DURATION),
            count: 3,
            values: [1.0, 2.0, 1.5, 4.5],
            aggregate: None,
            first: Timestamp(10_000_000),
            last: Timestamp(40_000_000),
        };
        assert_eq!(
            (row.count(), row.min(), row.max(), row.avg()),
            (None, None, None, None)
        );
        assert_eq!((row.sum(), row.duration()), (Some(4.5), Some(30.0)));
        let hidden_count_differs = Statistics {
            count: 9,
            ..row.clone()
        };
        assert_eq!(row, hidden_count_differs, "equality is over what is given");
        row.clamp(Some(Timestamp(20_000_000)), None);
        assert_eq!(row.duration_start(), Some(Timestamp(20_000_000)));
        assert_eq!(row.duration(), Some(20.0));
        row.clamp(None, Some(Timestamp(15_000_000)));
        assert_eq!(
            (row.duration(), row.duration_start(), row.duration_end()),
            (None, None, None)
        );
    }
}
