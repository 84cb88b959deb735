use super::*;
use crate::fixtures::{event, sample, sample_a, sample_b};

fn encoder(url: &str) -> PrometheusEncoder {
    PrometheusEncoder::from_settings(&Settings::for_url(url)).unwrap()
}

fn batch() -> Vec<Sample> {
    vec![
        sample_a(),
        sample_b(),
        sample("disk.read-bytes", MeterType::Delta, "r1", 0.5),
        sample("memory.usage", MeterType::Gauge, "r/2", 2.0),
        sample("cpu", MeterType::Cumulative, "r1", 3.0),
    ]
}

#[test]
fn with_grouping_labels_one_push() {
    let out = encoder("prometheus://gw:9091/metrics/job/ceilometer/zone/a")
        .samples(&batch(), 0)
        .unwrap();
    assert_eq!(out.deliveries.len(), 1);
    let d = &out.deliveries[0];
    assert_eq!(d.content_type, "text/plain");
    assert!(d.headers.is_empty());
    assert_eq!(
        d.text(),
        "# TYPE cpu counter\n\
         cpu{resource_id=\"r1\", user_id=\"None\", project_id=\"p1\"} 1.0\n\
         # TYPE memory_usage gauge\n\
         memory_usage{resource_id=\"r/2\", user_id=\"u1\", project_id=\"p1\"} 1e+20\n\
         disk_read_bytes{resource_id=\"r1\", user_id=\"u1\", project_id=\"p1\"} 0.5\n\
         memory_usage{resource_id=\"r/2\", user_id=\"u1\", project_id=\"p1\"} 2.0\n\
         cpu{resource_id=\"r1\", user_id=\"u1\", project_id=\"p1\"} 3.0\n"
    );
}

#[test]
fn without_grouping_labels_one_push_per_resource() {
    for url in [
        "prometheus://gw/metrics/job/ceilometer",
        "prometheus://gw/metrics/job/ceilometer/",
        "prometheus://gw/other",
    ] {
        let out = encoder(url).samples(&batch(), 0).unwrap();
        let suffixes: Vec<&str> = out
            .deliveries
            .iter()
            .map(|d| d.headers[0].1.as_str())
            .collect();
        assert_eq!(suffixes, ["/resource_id/r1", "/resource_id/r%2F2"], "{url}");
        assert!(
            out.deliveries
                .iter()
                .all(|d| d.headers[0].0 == "path-suffix")
        );
        // Each push types its own metrics.
        assert_eq!(
            out.deliveries[1].text(),
            "# TYPE memory_usage gauge\n\
             memory_usage{resource_id=\"r/2\", user_id=\"u1\", project_id=\"p1\"} 1e+20\n\
             memory_usage{resource_id=\"r/2\", user_id=\"u1\", project_id=\"p1\"} 2.0\n"
        );
        assert!(out.deliveries[0].text().starts_with("# TYPE cpu counter\n"));
        assert_eq!(out.deliveries[0].text().matches("# TYPE cpu").count(), 1);
    }
}

#[test]
fn label_values_are_escaped() {
    let mut s = sample_a();
    s.resource_id = "a\"b\\c\nd".into();
    let out = encoder("prometheus://gw/metrics/job/j/l/v")
        .samples(&[s], 0)
        .unwrap();
    assert!(
        out.deliveries[0]
            .text()
            .contains(r#"resource_id="a\"b\\c\nd""#)
    );
}

#[test]
fn events_rejected_options_checked() {
    assert!(matches!(
        encoder("prometheus://gw/metrics/job/j").events(&[event()], 0),
        Err(PublishError::Reject(_))
    ));
    assert!(
        PrometheusEncoder::from_settings(&Settings::for_url("prometheus:///metrics/job/j"))
            .is_err()
    );
    assert!(
        encoder("prometheus://gw/metrics/job/j")
            .samples(&[], 0)
            .unwrap()
            .deliveries
            .is_empty()
    );
}
