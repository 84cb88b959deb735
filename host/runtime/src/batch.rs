//! Host-side helpers for batches: building them from plain values, reading
//! their text, and checking what a component returns before anything else sees it.

use crate::bindings::{MeterType, Sample, SampleBatch, Span};

/// A sample with owned strings: the convenient form for tests, tools and
/// conversions at the edges. Batches are the form that flows.
#[derive(Debug, Clone, PartialEq)]
pub struct OwnedSample {
    /// Meter name.
    pub name: String,
    /// Meter type.
    pub meter_type: MeterType,
    /// Unit.
    pub unit: String,
    /// Value.
    pub volume: f64,
    /// User id.
    pub user_id: Option<String>,
    /// Project id.
    pub project_id: Option<String>,
    /// Resource id.
    pub resource_id: String,
    /// ISO 8601 timestamp.
    pub timestamp: String,
    /// Resource metadata, a JSON object.
    pub resource_metadata: String,
    /// Source.
    pub source: String,
    /// Sample id.
    pub id: String,
    /// Monotonic time in seconds.
    pub monotonic_time: Option<f64>,
}

impl SampleBatch {
    /// An empty batch.
    pub fn empty() -> Self {
        SampleBatch {
            text: Vec::new(),
            samples: Vec::new(),
        }
    }

    /// Builds a batch from owned samples.
    pub fn from_samples<'a>(samples: impl IntoIterator<Item = &'a OwnedSample>) -> Self {
        let mut builder = SampleBatchBuilder::default();
        for sample in samples {
            builder.push(sample);
        }
        builder.finish()
    }

    /// The text of `span` (empty if the span is invalid; batches from
    /// components are validated by [`check_sample_batch`] first).
    pub fn str(&self, span: Span) -> &str {
        span_str(&self.text, span).unwrap_or("")
    }

    /// The samples as owned values.
    pub fn to_owned_samples(&self) -> Vec<OwnedSample> {
        self.samples
            .iter()
            .map(|s| OwnedSample {
                name: self.str(s.name).to_owned(),
                meter_type: s.type_,
                unit: self.str(s.unit).to_owned(),
                volume: s.volume,
                user_id: s.user_id.map(|u| self.str(u).to_owned()),
                project_id: s.project_id.map(|p| self.str(p).to_owned()),
                resource_id: self.str(s.resource_id).to_owned(),
                timestamp: self.str(s.timestamp).to_owned(),
                resource_metadata: self.str(s.resource_metadata).to_owned(),
                source: self.str(s.source).to_owned(),
                id: self.str(s.id).to_owned(),
                monotonic_time: s.monotonic_time,
            })
            .collect()
    }

    /// The samples as Ceilometer's sample dicts: `name`, `type`, `unit`,
    /// `volume`, `user_id`, `project_id`, `resource_id`, `timestamp`,
    /// `resource_metadata` (parsed), `source`, `id`.
    pub fn to_sample_dicts(&self) -> Vec<serde_json::Value> {
        self.to_owned_samples()
            .into_iter()
            .map(|s| {
                let kind = match s.meter_type {
                    MeterType::Gauge => "gauge",
                    MeterType::Delta => "delta",
                    MeterType::Cumulative => "cumulative",
                };
                let metadata: serde_json::Value =
                    serde_json::from_str(&s.resource_metadata).unwrap_or(serde_json::Value::Null);
                serde_json::json!({
                    "name": s.name, "type": kind, "unit": s.unit, "volume": s.volume,
                    "user_id": s.user_id, "project_id": s.project_id, "resource_id": s.resource_id,
                    "timestamp": s.timestamp, "resource_metadata": metadata, "source": s.source, "id": s.id,
                })
            })
            .collect()
    }

    /// Bytes the batch occupies: its text plus its fixed-size records.
    pub fn size_bytes(&self) -> u64 {
        (self.text.len() + self.samples.len() * std::mem::size_of::<Sample>()) as u64
    }
}

fn span_str(text: &[u8], span: Span) -> Option<&str> {
    let start = span.start as usize;
    let end = start.checked_add(span.len as usize)?;
    std::str::from_utf8(text.get(start..end)?).ok()
}

/// Builds a [`SampleBatch`], appending each string to the arena.
#[derive(Debug, Default)]
pub struct SampleBatchBuilder {
    batch: SampleBatch,
}

impl Default for SampleBatch {
    fn default() -> Self {
        SampleBatch::empty()
    }
}

impl SampleBatchBuilder {
    /// Appends `text` and returns its span.
    pub fn text(&mut self, text: &str) -> Span {
        let start = self.batch.text.len() as u32;
        self.batch.text.extend_from_slice(text.as_bytes());
        Span {
            start,
            len: text.len() as u32,
        }
    }

    /// Appends a sample.
    pub fn push(&mut self, s: &OwnedSample) {
        let sample = Sample {
            name: self.text(&s.name),
            type_: s.meter_type,
            unit: self.text(&s.unit),
            volume: s.volume,
            user_id: s.user_id.as_deref().map(|u| self.text(u)),
            project_id: s.project_id.as_deref().map(|p| self.text(p)),
            resource_id: self.text(&s.resource_id),
            timestamp: self.text(&s.timestamp),
            resource_metadata: self.text(&s.resource_metadata),
            source: self.text(&s.source),
            id: self.text(&s.id),
            monotonic_time: s.monotonic_time,
        };
        self.batch.samples.push(sample);
    }

    /// The finished batch.
    pub fn finish(self) -> SampleBatch {
        self.batch
    }
}

/// Why a component's output was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutputError {
    /// Too many records.
    #[error("returned {count} records, over its limit of {limit}")]
    TooManyRecords {
        /// Records returned.
        count: u64,
        /// The policy's limit.
        limit: u64,
    },
    /// Too many bytes.
    #[error("returned {bytes} bytes, over its limit of {limit}")]
    TooManyBytes {
        /// Bytes returned.
        bytes: u64,
        /// The policy's limit.
        limit: u64,
    },
    /// A span or the arena is malformed.
    #[error("returned a malformed batch: {0}")]
    Malformed(String),
}

/// Refuses output over the policy's record or byte limit.
/// Checks a publisher's deliveries against the output limits: one record per
/// delivery; bytes are bodies, headers and content types together.
pub(crate) fn check_deliveries(
    deliveries: &[crate::bindings::Delivery],
    max_records: u64,
    max_bytes: u64,
) -> Result<(), OutputError> {
    let bytes: usize = deliveries
        .iter()
        .map(|d| {
            d.body.len()
                + d.content_type.len()
                + d.headers
                    .iter()
                    .map(|(k, v)| k.len() + v.len())
                    .sum::<usize>()
        })
        .sum();
    check_limits(
        deliveries.len() as u64,
        bytes as u64,
        max_records,
        max_bytes,
    )
}

fn check_limits(
    count: u64,
    bytes: u64,
    max_records: u64,
    max_bytes: u64,
) -> Result<(), OutputError> {
    if count > max_records {
        return Err(OutputError::TooManyRecords {
            count,
            limit: max_records,
        });
    }
    if bytes > max_bytes {
        return Err(OutputError::TooManyBytes {
            bytes,
            limit: max_bytes,
        });
    }
    Ok(())
}

/// The arena as text, or why it is not UTF-8.
fn utf8_text(text: &[u8]) -> Result<&str, OutputError> {
    std::str::from_utf8(text)
        .map_err(|e| OutputError::Malformed(format!("text is not UTF-8 ({e})")))
}

/// Whether `span` lies inside `text` on character boundaries.
fn span_within(text: &str, span: Span) -> bool {
    let start = span.start as usize;
    start.checked_add(span.len as usize).is_some_and(|end| {
        end <= text.len() && text.is_char_boundary(start) && text.is_char_boundary(end)
    })
}

/// Checks a batch a component returned: sizes within the limits, text valid
/// UTF-8, every span inside the text and on character boundaries.
pub fn check_sample_batch(
    batch: &SampleBatch,
    max_records: u64,
    max_bytes: u64,
) -> Result<(), OutputError> {
    check_limits(
        batch.samples.len() as u64,
        batch.size_bytes(),
        max_records,
        max_bytes,
    )?;
    let text = utf8_text(&batch.text)?;
    let check = |index: usize, field: &str, span: Span| -> Result<(), OutputError> {
        if span_within(text, span) {
            return Ok(());
        }
        Err(OutputError::Malformed(format!(
            "sample {index}: {field} span {}+{} is outside the {}-byte text or splits a character",
            span.start,
            span.len,
            text.len()
        )))
    };
    for (i, s) in batch.samples.iter().enumerate() {
        check(i, "name", s.name)?;
        check(i, "unit", s.unit)?;
        check(i, "resource_id", s.resource_id)?;
        check(i, "timestamp", s.timestamp)?;
        check(i, "resource_metadata", s.resource_metadata)?;
        check(i, "source", s.source)?;
        check(i, "id", s.id)?;
        if let Some(u) = s.user_id {
            check(i, "user_id", u)?;
        }
        if let Some(p) = s.project_id {
            check(i, "project_id", p)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(name: &str) -> OwnedSample {
        OwnedSample {
            name: name.into(),
            meter_type: MeterType::Gauge,
            unit: "B".into(),
            volume: 1.5,
            user_id: Some("u".into()),
            project_id: None,
            resource_id: "r".into(),
            timestamp: "2026-01-01T00:00:00".into(),
            resource_metadata: "{\"flavor\":\"m1.tiny\"}".into(),
            source: "openstack".into(),
            id: "id-1".into(),
            monotonic_time: Some(3.25),
        }
    }

    #[test]
    fn batches_round_trip_owned_samples() {
        let samples = vec![sample("cpu"), sample("mémoire")];
        let batch = SampleBatch::from_samples(&samples);
        assert_eq!(batch.to_owned_samples(), samples);
        assert_eq!(check_sample_batch(&batch, 10, 1 << 20), Ok(()));
    }

    #[test]
    fn output_checks_refuse_limits_and_bad_spans() {
        let batch = SampleBatch::from_samples(&[sample("cpu"), sample("mémoire")]);
        assert_eq!(
            check_sample_batch(&batch, 1, 1 << 20),
            Err(OutputError::TooManyRecords { count: 2, limit: 1 })
        );
        assert!(matches!(
            check_sample_batch(&batch, 10, 8),
            Err(OutputError::TooManyBytes { .. })
        ));
        let mut outside = batch.clone();
        outside.samples[1].unit = Span {
            start: u32::MAX - 1,
            len: 1,
        };
        assert!(
            matches!(check_sample_batch(&outside, 10, 1 << 20), Err(OutputError::Malformed(m)) if m.contains("sample 1: unit"))
        );
        let mut split = batch.clone();
        let e_acute = split.str(split.samples[1].name).find('é').unwrap() as u32;
        split.samples[1].name = Span {
            start: split.samples[1].name.start + e_acute + 1,
            len: 1,
        };
        assert!(matches!(
            check_sample_batch(&split, 10, 1 << 20),
            Err(OutputError::Malformed(_))
        ));
    }
}

/// Builds a [`NotificationBatch`](crate::bindings::NotificationBatch).
#[derive(Debug, Default)]
pub struct NotificationBatchBuilder {
    text: Vec<u8>,
    notifications: Vec<crate::bindings::Notification>,
}

impl NotificationBatchBuilder {
    fn text(&mut self, text: &str) -> Span {
        let start = self.text.len() as u32;
        self.text.extend_from_slice(text.as_bytes());
        Span {
            start,
            len: text.len() as u32,
        }
    }

    /// Appends a notification: its event type, priority and whole JSON body.
    pub fn push(&mut self, event_type: &str, priority: &str, body: &str) {
        let notification = crate::bindings::Notification {
            event_type: self.text(event_type),
            priority: self.text(priority),
            body: self.text(body),
        };
        self.notifications.push(notification);
    }

    /// Appends a notification given as JSON, taking the event type and
    /// priority from it (either envelope; priority defaults to `info`).
    pub fn push_json(&mut self, body: &str, parsed: &serde_json::Value) {
        let event_type = parsed
            .get("event_type")
            .and_then(|v| v.as_str())
            .unwrap_or("");
        let priority = parsed
            .get("priority")
            .and_then(|v| v.as_str())
            .unwrap_or("info")
            .to_ascii_lowercase();
        self.push(event_type, &priority, body);
    }

    /// How many notifications were appended.
    pub fn len(&self) -> usize {
        self.notifications.len()
    }

    /// Whether none were appended.
    pub fn is_empty(&self) -> bool {
        self.notifications.is_empty()
    }

    /// The finished batch.
    pub fn finish(self) -> crate::bindings::NotificationBatch {
        crate::bindings::NotificationBatch {
            text: self.text,
            notifications: self.notifications,
        }
    }
}

impl crate::bindings::EventBatch {
    /// The text of `span`, empty if invalid.
    pub fn str(&self, span: Span) -> &str {
        span_str(&self.text, span).unwrap_or("")
    }

    /// The traits of `event` (empty if its range lies outside the batch;
    /// batches from components are checked first).
    pub fn traits_of(&self, event: &crate::bindings::Event) -> &[crate::bindings::EventTrait] {
        let first = event.first_trait as usize;
        self.traits
            .get(first..first + event.trait_count as usize)
            .unwrap_or_default()
    }

    /// The events as Ceilometer's `Event.serialize()` writes them:
    /// `{message_id, event_type, generated, traits: [[name, dtype, value]...], raw}`
    /// with dtype 1 text, 2 int, 3 float, 4 datetime.
    pub fn to_serialized(&self) -> Vec<serde_json::Value> {
        use crate::bindings::TraitValue;
        self.events
            .iter()
            .map(|event| {
                let traits: Vec<serde_json::Value> = self
                    .traits_of(event)
                    .iter()
                    .map(|t| {
                        let (dtype, value) = match t.value {
                            TraitValue::Text(s) => (1, serde_json::Value::from(self.str(s))),
                            TraitValue::Int(i) => (2, serde_json::Value::from(i)),
                            TraitValue::Float(f) => (3, serde_json::Value::from(f)),
                            TraitValue::Datetime(s) => (4, serde_json::Value::from(self.str(s))),
                        };
                        serde_json::json!([self.str(t.name), dtype, value])
                    })
                    .collect();
                let raw = match self.str(event.raw) {
                    "" => serde_json::json!({}),
                    text => serde_json::from_str(text).unwrap_or(serde_json::Value::Null),
                };
                serde_json::json!({
                    "message_id": self.str(event.message_id),
                    "event_type": self.str(event.event_type),
                    "generated": self.str(event.generated),
                    "traits": traits,
                    "raw": raw,
                })
            })
            .collect()
    }
}

/// Checks an event batch a component returned: sizes, UTF-8, spans and trait ranges.
pub fn check_event_batch(
    batch: &crate::bindings::EventBatch,
    max_records: u64,
    max_bytes: u64,
) -> Result<(), OutputError> {
    use crate::bindings::TraitValue;
    let count = (batch.events.len() + batch.traits.len()) as u64;
    check_limits(count, batch.text.len() as u64, max_records, max_bytes)?;
    let text = utf8_text(&batch.text)?;
    let valid = |span: Span| span_within(text, span);
    for (i, event) in batch.events.iter().enumerate() {
        let end = event.first_trait as u64 + event.trait_count as u64;
        if ![
            event.message_id,
            event.event_type,
            event.generated,
            event.raw,
        ]
        .into_iter()
        .all(valid)
            || end > batch.traits.len() as u64
        {
            return Err(OutputError::Malformed(format!(
                "event {i} has a span or trait range outside the batch"
            )));
        }
    }
    for (i, t) in batch.traits.iter().enumerate() {
        let value_ok = match t.value {
            TraitValue::Text(s) | TraitValue::Datetime(s) => valid(s),
            TraitValue::Int(_) | TraitValue::Float(_) => true,
        };
        if !valid(t.name) || !value_ok {
            return Err(OutputError::Malformed(format!(
                "trait {i} has a span outside the text"
            )));
        }
    }
    Ok(())
}
