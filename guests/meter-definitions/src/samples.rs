//! Converting a batch of notifications into a batch of samples.

use nepho_definitions::envelope;
use nepho_definitions::meters::{
    Dialect, MeterDefinitions, MeterSample, python_str, volume_number,
};
use nepho_guest::meter::{NotificationBatch, SampleBatch, log};
use nepho_guest::transformer::{MeterType, Sample};
use nepho_guest::{BatchText, SampleBatchBuilder};
use std::sync::Arc;

use nepho_guest::transformer::Span;
use serde_json::Value;

fn meter_type(value: &Value) -> Option<MeterType> {
    match value.as_str()? {
        "gauge" => Some(MeterType::Gauge),
        "delta" => Some(MeterType::Delta),
        "cumulative" => Some(MeterType::Cumulative),
        _ => None,
    }
}

fn optional_text(
    builder: &mut SampleBatchBuilder,
    value: &Value,
) -> Option<nepho_guest::transformer::Span> {
    (!value.is_null()).then(|| builder.text(&python_str(value)))
}

/// The metadata last written to the arena, so samples of one notification
/// that share their metadata share its text too.
type SharedMetadata = Option<(Arc<Value>, Span)>;

/// Appends `sample` (the `index`-th of its notification) unless its volume
/// or type is unusable, which is logged.
fn push(
    builder: &mut SampleBatchBuilder,
    previous_metadata: &mut SharedMetadata,
    sample: &MeterSample,
    message_id: &str,
    index: usize,
) {
    let name = python_str(&sample.name);
    let Some(volume) = volume_number(&sample.volume) else {
        let reason = if sample.volume.is_null() {
            "has no volume (volume: None)"
        } else {
            "has a volume which is not a number"
        };
        log::log(
            log::Level::Warn,
            &format!("Sample {name} {reason}; the sample will be dropped"),
        );
        return;
    };
    let Some(kind) = meter_type(&sample.meter_type) else {
        log::log(
            log::Level::Warn,
            &format!(
                "Sample {name} has an invalid type {}; dropped",
                python_str(&sample.meter_type)
            ),
        );
        return;
    };
    let id = nepho_definitions::sample_id(message_id, &name, index, &sample.timestamp);
    let metadata = match previous_metadata {
        Some((shared, span)) if Arc::ptr_eq(shared, &sample.resource_metadata) => *span,
        _ => {
            let span = builder.text(&sample.resource_metadata.to_string());
            *previous_metadata = Some((Arc::clone(&sample.resource_metadata), span));
            span
        }
    };
    let built = Sample {
        name: builder.text(&name),
        type_: kind,
        unit: builder.text(&python_str(&sample.unit)),
        volume,
        user_id: optional_text(builder, &sample.user_id),
        project_id: optional_text(builder, &sample.project_id),
        resource_id: if sample.resource_id.is_null() {
            builder.text("")
        } else {
            builder.text(&python_str(&sample.resource_id))
        },
        timestamp: builder.text(&sample.timestamp),
        resource_metadata: metadata,
        source: builder.text("openstack"),
        id: builder.text(&id),
        monotonic_time: None,
    };
    builder.push_raw(built);
}

/// The notification with the event type the host read from the bus when its
/// body lacks one (oslo.messaging passes it to endpoints separately).
fn with_event_type(mut notification: Value, event_type: &str) -> Value {
    if let Some(map) = notification.as_object_mut()
        && !map.contains_key("event_type")
        && !event_type.is_empty()
    {
        map.insert("event_type".into(), Value::String(event_type.to_owned()));
    }
    notification
}

/// Converts every notification of `batch`; one that fails is logged and skipped.
pub fn convert_batch(
    definitions: &MeterDefinitions,
    dialect: Dialect,
    batch: &NotificationBatch,
) -> SampleBatch {
    let mut builder = SampleBatchBuilder::new();
    let mut warnings = Vec::new();
    for notification in &batch.notifications {
        let body = batch.str(notification.body);
        let parsed: Value = match serde_json::from_str(body) {
            Ok(value) => value,
            Err(error) => {
                log::log(
                    log::Level::Warn,
                    &format!("Skipping a notification that is not JSON: {error}"),
                );
                continue;
            }
        };
        let parsed = with_event_type(parsed, batch.str(notification.event_type));
        let parsed = match dialect {
            Dialect::Current => envelope::to_current(parsed),
            Dialect::Mitaka => envelope::to_legacy(parsed),
        };
        let message_id = envelope::message_id(&parsed).unwrap_or_default();
        match definitions.convert(&parsed, &mut warnings) {
            Ok(samples) => {
                let mut previous_metadata = None;
                for (index, sample) in samples.iter().enumerate() {
                    push(
                        &mut builder,
                        &mut previous_metadata,
                        sample,
                        &message_id,
                        index,
                    );
                }
            }
            Err(error) => log::log(
                log::Level::Warn,
                &format!(
                    "Skipping notification {message_id} ({}): {error}",
                    batch.str(notification.event_type)
                ),
            ),
        }
        for warning in warnings.drain(..) {
            log::log(log::Level::Warn, &warning);
        }
    }
    builder.finish()
}
