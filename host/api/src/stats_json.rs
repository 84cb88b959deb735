//! Statistics rows as JSON text (Ceilometer's `Statistics` type), written
//! straight into a buffer: an answer can hold millions of rows, and each
//! is written without building a JSON object first. Unselected aggregates
//! are left out, as WSME leaves out unset attributes; the durations are
//! `null` when clamping leaves none.

use nepho_storage::{Statistics, Timestamp};

/// Appends `s` as a JSON object to `out`.
pub(crate) fn write_statistics(s: &Statistics, out: &mut Vec<u8>) {
    out.extend_from_slice(b"{\"groupby\":");
    match &s.groupby {
        Some(groupby) => json(out, &**groupby),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"unit\":");
    json(out, &*s.unit);
    if let Some(count) = s.count() {
        out.extend_from_slice(b",\"count\":");
        json(out, &count);
    }
    for (key, value) in [
        (&b",\"min\":"[..], s.min()),
        (b",\"max\":", s.max()),
        (b",\"avg\":", s.avg()),
        (b",\"sum\":", s.sum()),
    ] {
        if let Some(v) = value {
            out.extend_from_slice(key);
            json(out, &v);
        }
    }
    if let Some(aggregate) = s.aggregate() {
        out.extend_from_slice(b",\"aggregate\":");
        json(out, aggregate);
    }
    out.extend_from_slice(b",\"duration\":");
    json(out, &s.duration());
    out.extend_from_slice(b",\"duration_start\":");
    time(out, s.duration_start());
    out.extend_from_slice(b",\"duration_end\":");
    time(out, s.duration_end());
    out.extend_from_slice(b",\"period\":");
    json(out, &s.period);
    out.extend_from_slice(b",\"period_start\":");
    time(out, Some(s.period_start));
    out.extend_from_slice(b",\"period_end\":");
    time(out, Some(s.period_end));
    out.push(b'}');
}

/// A value as serde_json writes it (floats that are not finite as `null`).
fn json<T: serde::Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
    // Writing these types into a vector cannot fail.
    let _ = serde_json::to_writer(&mut *out, value);
}

/// A timestamp as a JSON string of its naive-UTC `isoformat()`, or `null`.
fn time(out: &mut Vec<u8>, t: Option<Timestamp>) {
    match t {
        // Digits, `-`, `:`, `.` and `T`: nothing to escape.
        Some(t) => {
            out.push(b'"');
            t.write_isoformat(out);
            out.push(b'"');
        }
        None => out.extend_from_slice(b"null"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nepho_storage::{Aggregate, Filter, ResourceMetadata, Storage, StoredSample};
    use serde_json::{Value, json};

    fn sample(id: &str, resource: &str, user: Option<&str>, ts: &str, volume: f64) -> StoredSample {
        StoredSample {
            name: "cpu".into(),
            sample_type: "gauge".into(),
            unit: "% \"of\" \u{e9}".into(),
            volume,
            user_id: user.map(Into::into),
            project_id: Some("p".into()),
            resource_id: resource.into(),
            timestamp: ts.into(),
            resource_metadata: ResourceMetadata::default(),
            source: "openstack".into(),
            message_id: id.into(),
            message_signature: None,
            recorded_at: None,
            monotonic_time: None,
        }
    }

    /// Rows of a real storage written, and parsed back.
    fn written(groupby: &[&str], aggregates: &[Aggregate], clamp: bool) -> Vec<Value> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let storage = Storage::open("sqlite::memory:").await.unwrap();
            storage
                .record_samples(&[
                    sample("a", "r1", Some("u"), "2026-04-01T00:00:10", 1.5),
                    sample("b", "r1", Some("u"), "2026-04-01T00:00:50", 2.5),
                    sample("c", "r2", None, "2026-04-01T00:01:30", -1e300),
                ])
                .await
                .unwrap();
            let groupby: Vec<String> = groupby.iter().map(|g| g.to_string()).collect();
            let rows = storage
                .statistics(&Filter::eq("meter", "cpu"), Some(60), &groupby, aggregates)
                .await
                .unwrap();
            rows.into_iter()
                .map(|mut row| {
                    if clamp {
                        let at = |s| Timestamp::parse(s).ok();
                        row.clamp(at("2026-04-01T00:00:55"), at("2026-04-01T00:00:56"));
                    }
                    let mut out = Vec::new();
                    write_statistics(&row, &mut out);
                    serde_json::from_slice(&out).expect("valid JSON")
                })
                .collect()
        })
    }

    #[test]
    fn rows_are_ceilometers_statistics_objects() {
        let rows = written(&["resource_id", "user_id"], &[], false);
        assert_eq!(
            rows[0],
            json!({
                "groupby": {"resource_id": "r1", "user_id": "u"},
                "unit": "% \"of\" \u{e9}",
                "count": 2, "min": 1.5, "max": 2.5, "avg": 2.0, "sum": 4.0,
                "duration": 40.0,
                "duration_start": "2026-04-01T00:00:10",
                "duration_end": "2026-04-01T00:00:50",
                "period": 60,
                "period_start": "2026-04-01T00:00:10",
                "period_end": "2026-04-01T00:01:10",
            })
        );
        assert_eq!(
            rows[1]["groupby"],
            json!({"resource_id": "r2", "user_id": null})
        );
        assert_eq!(rows[1]["min"], json!(-1e300));
    }

    #[test]
    fn selected_aggregates_alone_and_durations_clamped_away_are_null() {
        let rows = written(&[], &[Aggregate::Stddev, Aggregate::Max], true);
        let first = rows[0].as_object().unwrap();
        assert_eq!(first["groupby"], Value::Null);
        assert_eq!(first["max"], json!(2.5));
        assert_eq!(first["aggregate"], json!({"stddev": 0.5, "max": 2.5}));
        for absent in ["count", "min", "avg", "sum"] {
            assert!(!first.contains_key(absent), "{absent}: {first:?}");
        }
        // Clamped to 00:00:55-00:00:56, the first row's samples (00:00:10
        // and 00:00:50) leave no duration.
        for key in ["duration", "duration_start", "duration_end"] {
            assert_eq!(first[key], Value::Null, "{key}");
        }
    }
}
