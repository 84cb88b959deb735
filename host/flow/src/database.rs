//! `database://`: the host stores samples and events itself (Ceilometer's
//! database dispatcher), in the database of `[database] connection`.
//!
//! A batch is one transaction, idempotent on message ids, so a batch retried
//! after an outage is stored once. Retryable errors (database unreachable,
//! lost races) are retried a few times with a growing pause, which holds the
//! pipeline back; if the database stays away the batch fails, and the caller
//! keeps it (the notification agent requeues it). Nothing is dropped here.

use std::time::Duration;

use nepho_runtime::bindings::{EventBatch, MeterType, SampleBatch, TraitValue};
use nepho_storage::{BlockingStorage, ResourceMetadata, StoredEvent, StoredSample, Trait};

/// Attempts per batch, and the pause before the second one (doubled after).
const ATTEMPTS: u32 = 4;
const FIRST_PAUSE: Duration = Duration::from_millis(100);

/// A database publisher's store.
pub(crate) struct Database {
    storage: BlockingStorage,
    connection: String,
}

impl Database {
    /// Connects to `connection` and migrates its schema.
    pub(crate) fn open(connection: &str) -> Result<Database, String> {
        BlockingStorage::open(connection)
            .map(|storage| Database {
                storage,
                connection: connection.to_owned(),
            })
            .map_err(|e| format!("database {}: {e}", nepho_publish::redact_raw(connection)))
    }

    /// The connection URL as configured.
    pub(crate) fn connection(&self) -> &str {
        &self.connection
    }

    /// Stores a batch of samples.
    pub(crate) fn samples(&self, batch: &SampleBatch) -> Result<(), String> {
        let mut samples = stored_samples(batch);
        self.retrying(|storage| store_samples(storage, &mut samples))
    }

    /// Stores a batch of events.
    pub(crate) fn events(&self, batch: &EventBatch) -> Result<(), String> {
        let events = stored_events(batch);
        self.retrying(|storage| storage.record_events(&events).map(drop))
    }

    fn retrying(
        &self,
        mut write: impl FnMut(&BlockingStorage) -> nepho_storage::Result<()>,
    ) -> Result<(), String> {
        let mut pause = FIRST_PAUSE;
        for attempt in 1..=ATTEMPTS {
            match write(&self.storage) {
                Ok(()) => return Ok(()),
                Err(error) if error.is_retryable() && attempt < ATTEMPTS => {
                    tracing::warn!(
                        "Database write failed (attempt {attempt} of {ATTEMPTS}), retrying in {pause:?}: {error}"
                    );
                    std::thread::sleep(pause);
                    pause *= 2;
                }
                Err(error) => return Err(error.to_string()),
            }
        }
        Err("database write failed".to_owned())
    }
}

/// Stores `samples` in one transaction. A sample whose metadata text the
/// storage refuses (not a JSON object, or holding a NUL character: a
/// component wrote it so) is stored with empty metadata instead, as are
/// the samples with the same text, and a warning names it, rather than
/// failing the whole batch. Each refusal replaces a text of the batch, so
/// this ends.
fn store_samples(
    storage: &BlockingStorage,
    samples: &mut [StoredSample],
) -> nepho_storage::Result<()> {
    loop {
        match storage.record_samples(samples) {
            Err(nepho_storage::Error::InvalidRecord {
                index,
                field,
                reason,
            }) if field == "resource_metadata"
                && samples
                    .get(index)
                    .is_some_and(|s| s.resource_metadata != ResourceMetadata::default()) =>
            {
                // The same text is refused the same way wherever it is.
                let refused = samples[index].resource_metadata.clone();
                let mut replaced = 0;
                for s in samples
                    .iter_mut()
                    .filter(|s| s.resource_metadata == refused)
                {
                    s.resource_metadata = ResourceMetadata::default();
                    replaced += 1;
                }
                let s = &samples[index];
                tracing::warn!(
                    "Sample {} of {} on {}: resource_metadata {reason}; stored with empty metadata \
                     (with {} other sample(s) of the batch holding the same text)",
                    s.message_id,
                    s.name,
                    s.resource_id,
                    replaced - 1
                );
            }
            other => return other.map(drop),
        }
    }
}

fn stored_samples(batch: &SampleBatch) -> Vec<StoredSample> {
    batch
        .samples
        .iter()
        .map(|s| StoredSample {
            name: batch.str(s.name).to_owned(),
            sample_type: match s.type_ {
                MeterType::Gauge => "gauge",
                MeterType::Delta => "delta",
                MeterType::Cumulative => "cumulative",
            }
            .to_owned(),
            unit: batch.str(s.unit).to_owned(),
            volume: s.volume,
            user_id: s.user_id.map(|u| batch.str(u).to_owned()),
            project_id: s.project_id.map(|p| batch.str(p).to_owned()),
            resource_id: batch.str(s.resource_id).to_owned(),
            timestamp: batch.str(s.timestamp).to_owned(),
            // The batch's JSON text, checked by the storage if it is new to it.
            resource_metadata: ResourceMetadata::from_json_text(batch.str(s.resource_metadata)),
            source: batch.str(s.source).to_owned(),
            message_id: batch.str(s.id).to_owned(),
            message_signature: None,
            recorded_at: None,
            monotonic_time: s.monotonic_time,
        })
        .collect()
}

fn stored_events(batch: &EventBatch) -> Vec<StoredEvent> {
    batch
        .events
        .iter()
        .map(|e| {
            let traits = batch
                .traits_of(e)
                .iter()
                .map(|t| Trait {
                    name: batch.str(t.name).to_owned(),
                    value: match t.value {
                        TraitValue::Text(s) => {
                            nepho_storage::TraitValue::Text(batch.str(s).to_owned())
                        }
                        TraitValue::Int(i) => nepho_storage::TraitValue::Int(i),
                        TraitValue::Float(f) => nepho_storage::TraitValue::Float(f),
                        TraitValue::Datetime(s) => {
                            nepho_storage::TraitValue::Datetime(batch.str(s).to_owned())
                        }
                    },
                })
                .collect();
            StoredEvent {
                message_id: batch.str(e.message_id).to_owned(),
                event_type: batch.str(e.event_type).to_owned(),
                generated: batch.str(e.generated).to_owned(),
                traits,
                raw: match batch.str(e.raw) {
                    "" => serde_json::json!({}),
                    text => serde_json::from_str(text).unwrap_or_else(|_| serde_json::json!({})),
                },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(id: &str, metadata: &str) -> StoredSample {
        StoredSample {
            name: "cpu".into(),
            sample_type: "gauge".into(),
            unit: "%".into(),
            volume: 1.0,
            user_id: None,
            project_id: None,
            resource_id: format!("vm-{id}"),
            timestamp: "2026-12-01T00:00:00".into(),
            resource_metadata: ResourceMetadata::from_json_text(metadata),
            source: "openstack".into(),
            message_id: id.into(),
            message_signature: None,
            recorded_at: None,
            monotonic_time: None,
        }
    }

    #[test]
    fn a_sample_with_unusable_metadata_is_stored_without_it_and_the_rest_as_they_are() {
        let storage = BlockingStorage::open("sqlite::memory:").unwrap();
        let mut samples = vec![
            sample("a", r#"{"flavor": "m1.tiny"}"#),
            sample("b", r#"{"flavor": "#),
            sample("c", "[1, 2]"),
            sample("d", r#"{"x": "a\u0000b"}"#),
            sample("e", r#"{"flavor": "m1.small"}"#),
            sample("f", r#"{"flavor": "#),
        ];
        store_samples(&storage, &mut samples).unwrap();
        let stored = storage
            .samples(&nepho_storage::Filter::all(), None)
            .unwrap();
        assert_eq!(stored.len(), 6);
        let metadata = |id: &str| {
            stored
                .iter()
                .find(|s| s.message_id == id)
                .map(|s| s.resource_metadata.clone())
                .unwrap()
        };
        assert_eq!(metadata("a"), serde_json::json!({"flavor": "m1.tiny"}));
        assert_eq!(metadata("e"), serde_json::json!({"flavor": "m1.small"}));
        for id in ["b", "c", "d", "f"] {
            assert_eq!(metadata(id), serde_json::json!({}), "{id}");
        }
        // Other refusals still fail the batch.
        let mut bad = vec![sample("g", "{}")];
        bad[0].volume = f64::NAN;
        assert!(store_samples(&storage, &mut bad).is_err());
    }
}
