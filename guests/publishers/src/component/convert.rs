//! Batches of the contract to the library's samples and events.

use nepho_guest::BatchText;
use nepho_guest::publisher::{self as wit, EventBatch, SampleBatch, log};
use serde_json::Value;

use crate::{Event, MeterType, Sample, Trait, TraitValue};

/// A JSON span: `{}` when empty; `None` (and a warning) when not JSON.
fn json_span(text: &str, what: &str) -> Option<Value> {
    if text.is_empty() {
        return Some(Value::Object(Default::default()));
    }
    match serde_json::from_str(text) {
        Ok(value) => Some(value),
        Err(e) => {
            log::log(log::Level::Warn, &format!("{what} is not JSON ({e})"));
            None
        }
    }
}

/// The library's samples for a batch; a sample whose metadata is not JSON
/// is skipped with a warning.
pub(super) fn samples_of(batch: &SampleBatch) -> Vec<Sample> {
    batch
        .samples
        .iter()
        .filter_map(|s| {
            let id = batch.str(s.id);
            let metadata = json_span(
                batch.str(s.resource_metadata),
                &format!("Skipping sample {id}: resource_metadata"),
            )?;
            Some(Sample {
                name: batch.str(s.name).to_owned(),
                meter_type: match s.type_ {
                    wit::MeterType::Gauge => MeterType::Gauge,
                    wit::MeterType::Delta => MeterType::Delta,
                    wit::MeterType::Cumulative => MeterType::Cumulative,
                },
                unit: batch.str(s.unit).to_owned(),
                volume: s.volume,
                user_id: s.user_id.map(|u| batch.str(u).to_owned()),
                project_id: s.project_id.map(|p| batch.str(p).to_owned()),
                resource_id: batch.str(s.resource_id).to_owned(),
                timestamp: batch.str(s.timestamp).to_owned(),
                resource_metadata: metadata,
                source: batch.str(s.source).to_owned(),
                id: id.to_owned(),
                monotonic_time: s.monotonic_time,
            })
        })
        .collect()
}

/// The library's events for a batch; a raw notification that is not JSON
/// becomes `{}` with a warning.
pub(super) fn events_of(batch: &EventBatch) -> Vec<Event> {
    batch
        .events
        .iter()
        .map(|e| {
            let first = e.first_trait as usize;
            let end = first.saturating_add(e.trait_count as usize);
            let traits = batch
                .traits
                .get(first..end)
                .unwrap_or_default()
                .iter()
                .map(|t| Trait {
                    name: batch.str(t.name).to_owned(),
                    value: match t.value {
                        wit::TraitValue::Text(s) => TraitValue::Text(batch.str(s).to_owned()),
                        wit::TraitValue::Int(i) => TraitValue::Int(i),
                        wit::TraitValue::Float(f) => TraitValue::Float(f),
                        wit::TraitValue::Datetime(s) => {
                            TraitValue::Datetime(batch.str(s).to_owned())
                        }
                    },
                })
                .collect();
            let message_id = batch.str(e.message_id).to_owned();
            let raw = json_span(
                batch.str(e.raw),
                &format!("Event {message_id}: raw notification"),
            )
            .unwrap_or_else(|| Value::Object(Default::default()));
            Event {
                message_id,
                event_type: batch.str(e.event_type).to_owned(),
                generated: batch.str(e.generated).to_owned(),
                traits,
                raw,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
