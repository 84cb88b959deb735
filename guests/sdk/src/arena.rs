//! Reading and writing the text arena of a batch.

use crate::transformer::{MeterType, Sample, SampleBatch, Span};

/// Read access to the strings of a batch.
pub trait BatchText {
    /// The arena bytes.
    fn arena(&self) -> &[u8];

    /// The text of `span`, or `""` if the span is out of bounds or not UTF-8
    /// (the host never sends such spans).
    fn str(&self, span: Span) -> &str {
        let start = span.start as usize;
        let end = start.saturating_add(span.len as usize);
        self.arena()
            .get(start..end)
            .and_then(|bytes| std::str::from_utf8(bytes).ok())
            .unwrap_or("")
    }
}

impl BatchText for crate::meter::NotificationBatch {
    fn arena(&self) -> &[u8] {
        &self.text
    }
}

impl BatchText for SampleBatch {
    fn arena(&self) -> &[u8] {
        &self.text
    }
}

/// The fields of a new sample, as plain strings, for [`SampleBatchBuilder::push`].
#[derive(Debug, Clone, Copy)]
pub struct SampleFields<'a> {
    /// Meter name.
    pub name: &'a str,
    /// Meter type.
    pub meter_type: MeterType,
    /// Unit.
    pub unit: &'a str,
    /// Value.
    pub volume: f64,
    /// User id.
    pub user_id: Option<&'a str>,
    /// Project id.
    pub project_id: Option<&'a str>,
    /// Resource id.
    pub resource_id: &'a str,
    /// ISO 8601 timestamp.
    pub timestamp: &'a str,
    /// Resource metadata as a JSON object.
    pub resource_metadata: &'a str,
    /// Source.
    pub source: &'a str,
    /// Sample id.
    pub id: &'a str,
    /// Monotonic time in seconds.
    pub monotonic_time: Option<f64>,
}

/// Builds a [`SampleBatch`], appending each string to the arena once.
#[derive(Debug, Default)]
pub struct SampleBatchBuilder {
    batch: SampleBatch,
}

impl SampleBatchBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends `text` to the arena and returns its span.
    pub fn text(&mut self, text: &str) -> Span {
        let start = self.batch.text.len() as u32;
        self.batch.text.extend_from_slice(text.as_bytes());
        Span {
            start,
            len: text.len() as u32,
        }
    }

    /// Copies the text of `span` from `source` into this batch's arena.
    pub fn copy(&mut self, source: &impl BatchText, span: Span) -> Span {
        let text = source.str(span);
        self.text(text)
    }

    /// Copies a sample of `source` unchanged.
    pub fn copy_sample(&mut self, source: &impl BatchText, sample: &Sample) {
        let copied = Sample {
            name: self.copy(source, sample.name),
            type_: sample.type_,
            unit: self.copy(source, sample.unit),
            volume: sample.volume,
            user_id: sample.user_id.map(|s| self.copy(source, s)),
            project_id: sample.project_id.map(|s| self.copy(source, s)),
            resource_id: self.copy(source, sample.resource_id),
            timestamp: self.copy(source, sample.timestamp),
            resource_metadata: self.copy(source, sample.resource_metadata),
            source: self.copy(source, sample.source),
            id: self.copy(source, sample.id),
            monotonic_time: sample.monotonic_time,
        };
        self.batch.samples.push(copied);
    }

    /// Appends a sample given as plain strings.
    pub fn push(&mut self, fields: SampleFields<'_>) {
        let sample = Sample {
            name: self.text(fields.name),
            type_: fields.meter_type,
            unit: self.text(fields.unit),
            volume: fields.volume,
            user_id: fields.user_id.map(|s| self.text(s)),
            project_id: fields.project_id.map(|s| self.text(s)),
            resource_id: self.text(fields.resource_id),
            timestamp: self.text(fields.timestamp),
            resource_metadata: self.text(fields.resource_metadata),
            source: self.text(fields.source),
            id: self.text(fields.id),
            monotonic_time: fields.monotonic_time,
        };
        self.batch.samples.push(sample);
    }

    /// Appends a sample whose spans already point into this builder's arena.
    pub fn push_raw(&mut self, sample: Sample) {
        self.batch.samples.push(sample);
    }

    /// The most recently appended sample, to adjust it.
    pub fn last_mut(&mut self) -> Option<&mut Sample> {
        self.batch.samples.last_mut()
    }

    /// The finished batch.
    pub fn finish(self) -> SampleBatch {
        self.batch
    }
}

/// Builds an [`EventBatch`](crate::event::EventBatch): events with their traits
/// stored flat, each event owning a contiguous range.
#[derive(Debug, Default)]
pub struct EventBatchBuilder {
    text: Vec<u8>,
    events: Vec<crate::event::Event>,
    traits: Vec<crate::event::EventTrait>,
}

impl EventBatchBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends `text` to the arena and returns its span.
    pub fn text(&mut self, text: &str) -> Span {
        let start = self.text.len() as u32;
        self.text.extend_from_slice(text.as_bytes());
        Span {
            start,
            len: text.len() as u32,
        }
    }

    /// Appends a trait to the event being built (call before [`Self::push_event`]).
    pub fn push_trait(&mut self, name: &str, value: crate::event::TraitValue) {
        let name = self.text(name);
        self.traits.push(crate::event::EventTrait { name, value });
    }

    /// Appends an event owning every trait pushed since the previous event.
    pub fn push_event(
        &mut self,
        message_id: &str,
        event_type: &str,
        generated: &str,
        raw: Option<&str>,
    ) {
        let first = self
            .events
            .last()
            .map_or(0, |e| e.first_trait + e.trait_count);
        let event = crate::event::Event {
            message_id: self.text(message_id),
            event_type: self.text(event_type),
            generated: self.text(generated),
            first_trait: first,
            trait_count: self.traits.len() as u32 - first,
            raw: self.text(raw.unwrap_or("")),
        };
        self.events.push(event);
    }

    /// The finished batch.
    pub fn finish(self) -> crate::event::EventBatch {
        crate::event::EventBatch {
            text: self.text,
            events: self.events,
            traits: self.traits,
        }
    }
}
