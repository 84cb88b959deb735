//! Batches of the contract to and from `nepho_transformers::Sample`.

use nepho_guest::transformer::{MeterType, SampleBatch, log};
use nepho_guest::{BatchText, SampleBatchBuilder, SampleFields};
use nepho_transformers::{Metadata, Sample};

/// The namespace of ids given to samples a transformer creates.
const NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x8c1f_52d4_6b0e_4a5f_b2e7_3d91_c4a8_06f2);

fn type_name(kind: MeterType) -> &'static str {
    match kind {
        MeterType::Gauge => "gauge",
        MeterType::Delta => "delta",
        MeterType::Cumulative => "cumulative",
    }
}

/// The library's samples for a batch.
pub(crate) fn from_batch(batch: &SampleBatch) -> Vec<Sample> {
    batch
        .samples
        .iter()
        .map(|s| {
            let metadata = batch.str(s.resource_metadata);
            Sample {
                name: batch.str(s.name).to_owned(),
                r#type: type_name(s.type_).to_owned(),
                unit: batch.str(s.unit).to_owned(),
                volume: s.volume,
                user_id: s.user_id.map(|u| batch.str(u).to_owned()),
                project_id: s.project_id.map(|p| batch.str(p).to_owned()),
                resource_id: batch.str(s.resource_id).to_owned(),
                timestamp: batch.str(s.timestamp).to_owned(),
                resource_metadata: Metadata::from_json_text(metadata),
                source: batch.str(s.source).to_owned(),
                id: batch.str(s.id).to_owned(),
                monotonic_time: s.monotonic_time,
            }
        })
        .collect()
}

/// A batch for the library's samples; samples with a type the contract
/// cannot carry are dropped and logged; created samples get a derived id.
pub(crate) fn to_batch(samples: &[Sample]) -> SampleBatch {
    let mut builder = SampleBatchBuilder::new();
    for s in samples {
        let meter_type = match s.r#type.as_str() {
            "gauge" => MeterType::Gauge,
            "delta" => MeterType::Delta,
            "cumulative" => MeterType::Cumulative,
            other => {
                log::log(
                    log::Level::Warn,
                    &format!("Dropping sample {} of unknown type {other}", s.name),
                );
                continue;
            }
        };
        let id = if s.id.is_empty() {
            let key = format!(
                "{}\u{0}{}\u{0}{}\u{0}{}",
                s.name,
                s.resource_id,
                s.timestamp,
                s.volume.to_bits()
            );
            let millis = nepho_transformers::timestamp::parse_isotime(&s.timestamp)
                .map_or(0, |us| us.div_euclid(1000));
            time_ordered(uuid::Uuid::new_v5(&NAMESPACE, key.as_bytes()), millis).to_string()
        } else {
            s.id.clone()
        };
        let metadata = s.resource_metadata.json_text();
        builder.push(SampleFields {
            name: &s.name,
            meter_type,
            unit: &s.unit,
            volume: s.volume,
            user_id: s.user_id.as_deref(),
            project_id: s.project_id.as_deref(),
            resource_id: &s.resource_id,
            timestamp: &s.timestamp,
            resource_metadata: &metadata,
            source: &s.source,
            id: &id,
            monotonic_time: s.monotonic_time,
        });
    }
    builder.finish()
}

/// `digest` with its first 48 bits replaced by `millis` (milliseconds since
/// the epoch, clamped to 0..2^48) as a version 8 UUID: ids of new samples
/// sort by their time, as the meter definitions' do, so the storage's
/// unique index takes them near its end.
fn time_ordered(digest: uuid::Uuid, millis: i64) -> uuid::Uuid {
    let mut bytes = digest.into_bytes();
    bytes[..6].copy_from_slice(&millis.clamp(0, (1 << 48) - 1).to_be_bytes()[2..]);
    uuid::Uuid::new_v8(bytes)
}
