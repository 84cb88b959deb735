//! Picking the samples or events a source accepts, without rebuilding the
//! batch: the records that stay keep their spans into the same text.

use std::borrow::Cow;

use nepho_runtime::bindings::{EventBatch, SampleBatch};

/// The samples of `batch` whose meter name `keep` accepts. Borrows the batch
/// when every sample stays.
pub(crate) fn samples<'a>(
    batch: &'a SampleBatch,
    keep: impl Fn(&str) -> bool,
) -> Cow<'a, SampleBatch> {
    let kept: Vec<_> = batch
        .samples
        .iter()
        .filter(|s| keep(batch.str(s.name)))
        .copied()
        .collect();
    if kept.len() == batch.samples.len() {
        return Cow::Borrowed(batch);
    }
    Cow::Owned(SampleBatch {
        text: if kept.is_empty() {
            Vec::new()
        } else {
            batch.text.clone()
        },
        samples: kept,
    })
}

/// The events of `batch` whose event type `keep` accepts. Borrows the batch
/// when every event stays.
pub(crate) fn events<'a>(
    batch: &'a EventBatch,
    keep: impl Fn(&str) -> bool,
) -> Cow<'a, EventBatch> {
    let kept: Vec<_> = batch
        .events
        .iter()
        .filter(|e| keep(batch.str(e.event_type)))
        .copied()
        .collect();
    if kept.len() == batch.events.len() {
        return Cow::Borrowed(batch);
    }
    if kept.is_empty() {
        return Cow::Owned(EventBatch {
            text: Vec::new(),
            events: Vec::new(),
            traits: Vec::new(),
        });
    }
    Cow::Owned(EventBatch {
        text: batch.text.clone(),
        events: kept,
        traits: batch.traits.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use nepho_runtime::OwnedSample;
    use nepho_runtime::bindings::MeterType;

    fn sample(name: &str) -> OwnedSample {
        OwnedSample {
            name: name.into(),
            meter_type: MeterType::Gauge,
            unit: "B".into(),
            volume: 1.0,
            user_id: None,
            project_id: None,
            resource_id: format!("r-{name}"),
            timestamp: "2026-11-23T10:00:00".into(),
            resource_metadata: "{}".into(),
            source: "openstack".into(),
            id: format!("id-{name}"),
            monotonic_time: None,
        }
    }

    #[test]
    fn keeps_the_accepted_samples_with_their_text() {
        let batch = SampleBatch::from_samples(&[sample("cpu"), sample("disk"), sample("cpu")]);
        let picked = samples(&batch, |name| name == "cpu");
        let owned = picked.to_owned_samples();
        assert_eq!(owned.len(), 2);
        assert!(
            owned
                .iter()
                .all(|s| s.name == "cpu" && s.resource_id == "r-cpu")
        );
        assert!(matches!(samples(&batch, |_| true), Cow::Borrowed(_)));
        assert!(samples(&batch, |_| false).samples.is_empty());
    }
}
