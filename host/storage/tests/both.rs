//! The storage suite, each test run against SQLite and PostgreSQL.

mod common;
mod rollups;

use std::collections::BTreeMap;
use std::time::Duration;

use common::{both, event, sample, simple};
use nepho_storage::{
    Aggregate, BlockingStorage, Error, Filter, Op, Options, ResourceMetadata, Statistics,
    Timestamp, TraitValue, Value,
};
use serde_json::json;

fn ts(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

fn all_ids(s: &BlockingStorage, f: &Filter) -> Vec<String> {
    let mut ids: Vec<String> = s
        .samples(f, None)
        .unwrap()
        .into_iter()
        .map(|x| x.message_id)
        .collect();
    ids.sort();
    ids
}

#[test]
fn batch_insert_and_redelivery_are_idempotent() {
    for db in both("idempotent") {
        let s = db.s();
        let batch: Vec<_> = (0..1500)
            .map(|i| simple(&format!("m{i:04}"), "2026-11-23T10:00:00Z", i as f64))
            .collect();
        assert_eq!(s.record_samples(&batch).unwrap(), 1500, "{}", db.label);
        // Redelivered whole: nothing new.
        assert_eq!(s.record_samples(&batch).unwrap(), 0, "{}", db.label);
        // Partly redelivered, with a duplicate inside the batch too, and a
        // meter and resource first seen in that batch.
        let first_seen = sample(
            "new-2",
            "disk.usage",
            "r-new",
            Some("u9"),
            Some("p9"),
            "2026-11-23T10:00:02Z",
            2.0,
            json!({"k": "v"}),
        );
        let mixed = vec![
            batch[0].clone(),
            simple("new-1", "2026-11-23T10:00:01Z", 1.0),
            simple("new-1", "2026-11-23T10:00:01Z", 1.0),
            first_seen,
        ];
        assert_eq!(s.record_samples(&mixed).unwrap(), 2, "{}", db.label);
        // Only duplicates within one batch, none stored before.
        let twice = vec![
            simple("new-3", "2026-11-23T10:00:03Z", 3.0),
            simple("new-3", "2026-11-23T10:00:03Z", 3.0),
        ];
        assert_eq!(s.record_samples(&twice).unwrap(), 1, "{}", db.label);
        assert_eq!(
            s.samples(&Filter::all(), None).unwrap().len(),
            1503,
            "{}",
            db.label
        );
        // The meter and resource row written in the retried transaction
        // exist, and a later sample of them finds them.
        let later = sample(
            "new-4",
            "disk.usage",
            "r-new",
            Some("u9"),
            Some("p9"),
            "2026-11-23T10:00:04Z",
            4.0,
            json!({"k": "v"}),
        );
        assert_eq!(s.record_samples(&[later]).unwrap(), 1, "{}", db.label);
        let got = s.sample("new-4").unwrap().expect("stored");
        assert_eq!(got.resource_id, "r-new");
        assert_eq!(got.resource_metadata, json!({"k": "v"}));
        assert_eq!(s.record_samples(&[]).unwrap(), 0);

        let got = s.sample("m0007").unwrap().expect("stored");
        assert_eq!(got.volume, 7.0);
        assert_eq!(got.timestamp.to_string(), "2026-11-23T10:00:00");
        assert_eq!(got.message_signature.as_deref(), Some("sig"));
        assert!(s.sample("nope").unwrap().is_none());
    }
}

#[test]
fn one_bad_record_refuses_the_whole_batch() {
    for db in both("bad_record") {
        let s = db.s();
        let good = simple("ok-1", "2026-11-23T10:00:00", 1.0);
        let cases: Vec<(nepho_storage::StoredSample, &str)> = vec![
            (
                simple("bad", "2014-05-1510: 24: 56.335612", 1.0),
                "timestamp",
            ),
            (simple("bad", "2026-11-23T10:00:00", f64::NAN), "volume"),
            (
                {
                    let mut x = simple("bad", "2026-11-23T10:00:00", 1.0);
                    x.sample_type = "rate".into();
                    x
                },
                "type",
            ),
            (
                {
                    let mut x = simple("bad", "2026-11-23T10:00:00", 1.0);
                    x.resource_metadata = json!([1, 2]).into();
                    x
                },
                "resource_metadata",
            ),
            (
                {
                    let mut x = simple("bad", "2026-11-23T10:00:00", 1.0);
                    x.resource_metadata = ResourceMetadata::from_json_text(r#"{"k": "v""#);
                    x
                },
                "resource_metadata",
            ),
            (
                {
                    let mut x = simple("bad", "2026-11-23T10:00:00", 1.0);
                    x.resource_metadata = json!({"k": "a\u{0}b"}).into();
                    x
                },
                "resource_metadata",
            ),
            (
                {
                    let mut x = simple("bad", "2026-11-23T10:00:00", 1.0);
                    x.user_id = Some("a\0b".into());
                    x
                },
                "user_id",
            ),
        ];
        for (bad, field) in cases {
            let batch = vec![
                good.clone(),
                simple("ok-2", "2026-11-23T10:00:00", 2.0),
                bad,
            ];
            match s.record_samples(&batch) {
                Err(e @ Error::InvalidRecord { .. }) => {
                    assert!(!e.is_retryable());
                    let Error::InvalidRecord {
                        index, field: f, ..
                    } = e
                    else {
                        unreachable!()
                    };
                    assert_eq!((index, f.as_str()), (2, field), "{}", db.label);
                }
                other => panic!("{}: {other:?}", db.label),
            }
        }
        assert!(
            s.samples(&Filter::all(), None).unwrap().is_empty(),
            "{}",
            db.label
        );
        assert!(
            s.meters(&Filter::all(), None).unwrap().is_empty(),
            "{}",
            db.label
        );
    }
}

fn filter_fixture(s: &BlockingStorage) {
    let evil = "'; DROP TABLE samples; --";
    let batch = vec![
        sample(
            "a",
            "cpu",
            "vm-1",
            Some("u1"),
            Some("p1"),
            "2026-11-23T10:00:00",
            1.0,
            json!({"instance_type": "m1.tiny", "vcpus": 1, "ratio": 0.5, "active": true,
                   "image": {"name": "cirros"}, "tags": ["x", "y"]}),
        ),
        sample(
            "b",
            "cpu",
            "vm-2",
            Some("u2"),
            Some("p1"),
            "2026-11-23T10:05:00",
            2.0,
            json!({"instance_type": "m1.small", "vcpus": 2, "ratio": 1.5, "active": false,
                   "image": {"name": "ubuntu"}}),
        ),
        sample(
            "c",
            "memory",
            "vm-1",
            Some("u1"),
            Some("p2"),
            "2026-11-23T10:10:00",
            512.0,
            json!({"instance_type": evil}),
        ),
        sample(
            evil,
            "disk",
            evil,
            None,
            Some(evil),
            "2026-11-23T10:15:00",
            3.0,
            json!({evil: evil}),
        ),
    ];
    assert_eq!(s.record_samples(&batch).unwrap(), 4);
}

#[test]
fn filters_fields_and_metadata_queries() {
    for db in both("filters") {
        let s = db.s();
        filter_fixture(s);
        let ids = |f: Filter| all_ids(s, &f);
        assert_eq!(ids(Filter::eq("project_id", "p1")), ["a", "b"]);
        assert_eq!(ids(Filter::eq("user", "u1")), ["a", "c"]);
        assert_eq!(ids(Filter::eq("resource_id", "vm-1")), ["a", "c"]);
        assert_eq!(ids(Filter::eq("meter", "cpu")), ["a", "b"]);
        assert_eq!(ids(Filter::cmp("user_id", Op::Ne, "u1")), ["b"]);
        assert_eq!(
            ids(
                Filter::cmp("timestamp", Op::Ge, "2026-11-23T10:05:00").and(Filter::cmp(
                    "timestamp",
                    Op::Lt,
                    ts("2026-11-23T10:15:00")
                ))
            ),
            ["b", "c"]
        );
        assert_eq!(
            ids(Filter::cmp("volume", Op::Gt, 1.5)),
            ["'; DROP TABLE samples; --", "b", "c"]
        );
        // Metadata queries: the value's type picks the table.
        assert_eq!(ids(Filter::eq("metadata.instance_type", "m1.tiny")), ["a"]);
        assert_eq!(ids(Filter::eq("resource_metadata.vcpus", 2i64)), ["b"]);
        assert_eq!(ids(Filter::cmp("metadata.vcpus", Op::Ge, 1i64)), ["a", "b"]);
        assert_eq!(ids(Filter::cmp("metadata.ratio", Op::Lt, 1.0)), ["a"]);
        assert_eq!(ids(Filter::eq("metadata.active", false)), ["b"]);
        assert_eq!(ids(Filter::eq("metadata.image.name", "cirros")), ["a"]);
        assert_eq!(ids(Filter::eq("metadata.tags[1]", "y")), ["a"]);
        // An integer query does not match a text value "1".
        assert!(ids(Filter::eq("metadata.instance_type", 1i64)).is_empty());
        // Complex query shapes.
        assert_eq!(
            ids(Filter::Or(vec![
                Filter::eq("resource_id", "vm-2"),
                Filter::eq("meter", "memory")
            ])),
            ["b", "c"]
        );
        assert_eq!(
            ids(Filter::Not(Box::new(Filter::eq("project_id", "p1")))),
            ["'; DROP TABLE samples; --", "c"]
        );
        assert_eq!(
            ids(Filter::In {
                field: "meter".into(),
                values: vec!["memory".into(), "disk".into()]
            }),
            ["'; DROP TABLE samples; --", "c"]
        );
        // SQL-looking values are data: stored and matched literally.
        let evil = "'; DROP TABLE samples; --";
        assert_eq!(ids(Filter::eq("resource_id", evil)), [evil]);
        assert_eq!(ids(Filter::eq("project_id", evil)), [evil]);
        assert_eq!(ids(Filter::eq("message_id", evil)), [evil]);
        assert_eq!(ids(Filter::eq("metadata.instance_type", evil)), ["c"]);
        assert_eq!(ids(Filter::eq(format!("metadata.{evil}"), evil)), [evil]);
        assert_eq!(s.sample(evil).unwrap().unwrap().resource_id, evil);
        assert_eq!(
            s.samples(&Filter::all(), None).unwrap().len(),
            4,
            "{}",
            db.label
        );
        // Limit and order (newest first).
        let newest: Vec<_> = s
            .samples(&Filter::all(), Some(2))
            .unwrap()
            .into_iter()
            .map(|x| x.message_id)
            .collect();
        assert_eq!(newest, [evil, "c"]);
    }
}

#[test]
fn meters_and_resources() {
    for db in both("meters_resources") {
        let s = db.s();
        filter_fixture(s);
        // vm-1 again, later, with new metadata.
        let later = sample(
            "d",
            "cpu",
            "vm-1",
            Some("u1"),
            Some("p1"),
            "2026-11-23T11:00:00",
            4.0,
            json!({"instance_type": "m1.large"}),
        );
        assert_eq!(s.record_samples(&[later]).unwrap(), 1);
        let meters = s.meters(&Filter::eq("project_id", "p1"), None).unwrap();
        let names: Vec<_> = meters
            .iter()
            .map(|m| {
                (
                    m.name.as_str(),
                    m.resource_id.as_str(),
                    m.user_id.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            names,
            [("cpu", "vm-1", Some("u1")), ("cpu", "vm-2", Some("u2"))]
        );
        assert_eq!(meters[0].sample_type, "gauge");
        assert_eq!(meters[0].unit, "%");

        let r = s.resource("vm-1").unwrap().expect("vm-1");
        assert_eq!(r.first_sample_timestamp, ts("2026-11-23T10:00:00"));
        assert_eq!(r.last_sample_timestamp, ts("2026-11-23T11:00:00"));
        assert_eq!(r.metadata, json!({"instance_type": "m1.large"}));
        assert_eq!(r.project_id.as_deref(), Some("p1"));
        assert_eq!(r.meters, ["cpu", "memory"]);
        let p2 = s.resources(&Filter::eq("project_id", "p2"), None).unwrap();
        assert_eq!(p2.len(), 1);
        assert_eq!(p2[0].resource_id, "vm-1");
        assert_eq!(p2[0].meters, ["memory"]);
        assert_eq!(p2[0].last_sample_timestamp, ts("2026-11-23T10:10:00"));
        let all = s.resources(&Filter::all(), None).unwrap();
        assert_eq!(all.len(), 3, "{}", db.label);
        assert!(s.resource("vm-9").unwrap().is_none());
    }
}

#[test]
fn a_meter_name_with_two_units_lists_the_samples_of_both() {
    // On SQLite a name with one meter row is read through that row's id
    // (read_samples.rs); one with two rows must still answer both.
    for db in both("meter_two_units") {
        let s = db.s();
        let at = |id: &str, meter: &str, resource: &str, time: &str| {
            sample(id, meter, resource, None, None, time, 1.0, json!({}))
        };
        let mut samples = vec![
            at("a", "disk.usage", "vm-1", "2026-11-23T10:00:00"),
            at("b", "disk.usage", "vm-1", "2026-11-23T10:01:00"),
            at("c", "disk.usage", "vm-2", "2026-11-23T10:02:00"),
            at("d", "cpu", "vm-1", "2026-11-23T10:03:00"),
            at("e", "cpu", "vm-2", "2026-11-23T10:04:00"),
        ];
        samples[1].unit = "MB".into();
        assert_eq!(s.record_samples(&samples).unwrap(), 5);
        let ids = |f: &Filter, limit: u64| -> Vec<String> {
            s.samples(f, Some(limit))
                .unwrap()
                .into_iter()
                .map(|x| x.message_id)
                .collect()
        };
        let label = db.label;
        // Newest first, from both meter rows of the name.
        assert_eq!(
            ids(&Filter::eq("meter", "disk.usage"), 10),
            ["c", "b", "a"],
            "{label}"
        );
        assert_eq!(
            ids(&Filter::eq("counter_name", "cpu"), 10),
            ["e", "d"],
            "{label}"
        );
        assert_eq!(ids(&Filter::eq("meter", "cpu"), 1), ["e"], "{label}");
        let of_vm1 = Filter::And(vec![
            Filter::eq("meter", "disk.usage"),
            Filter::eq("resource_id", "vm-1"),
        ]);
        assert_eq!(ids(&of_vm1, 10), ["b", "a"], "{label}");
        let cpu_of_either = Filter::And(vec![
            Filter::eq("meter", "cpu"),
            Filter::Or(vec![
                Filter::eq("resource_id", "vm-9"),
                Filter::eq("resource_id", "vm-1"),
            ]),
        ]);
        assert_eq!(ids(&cpu_of_either, 10), ["d"], "{label}");
        // Sample fields next to the one meter row.
        let cpu_before_ten_four = Filter::And(vec![
            Filter::eq("meter", "cpu"),
            Filter::Cmp {
                field: "timestamp".into(),
                op: Op::Lt,
                value: Value::Datetime(ts("2026-11-23T10:04:00")),
            },
        ]);
        assert_eq!(ids(&cpu_before_ten_four, 10), ["d"], "{label}");
        // A meter in an OR at the top does not restrict the answer to it.
        let cpu_or_vm2 = Filter::Or(vec![
            Filter::eq("meter", "cpu"),
            Filter::eq("resource_id", "vm-2"),
        ]);
        assert_eq!(ids(&cpu_or_vm2, 10), ["e", "d", "c"], "{label}");
        let unknown = Filter::eq("meter", "nothing");
        assert!(ids(&unknown, 10).is_empty(), "{label}");
    }
}

#[test]
fn unknown_fields_are_errors_naming_the_field() {
    for db in both("unknown_fields") {
        let s = db.s();
        let expect = |r: Result<(), Error>, field: &str| match r {
            Err(Error::InvalidQuery { field: f, .. }) => assert_eq!(f, field, "{}", db.label),
            other => panic!("{}: {other:?}", db.label),
        };
        expect(
            s.samples(&Filter::eq("colour", "red"), None).map(drop),
            "colour",
        );
        expect(
            s.meters(&Filter::eq("colour", "red"), None).map(drop),
            "colour",
        );
        expect(
            s.resources(&Filter::eq("colour", "red"), None).map(drop),
            "colour",
        );
        expect(
            s.events(&Filter::eq("colour", "red"), None).map(drop),
            "colour",
        );
        expect(
            s.samples(&Filter::eq("timestamp", "'; DROP TABLE samples; --"), None)
                .map(drop),
            "timestamp",
        );
        expect(
            s.statistics(&Filter::eq("colour", "red"), None, &[], &[])
                .map(drop),
            "colour",
        );
        expect(
            s.statistics(&Filter::all(), None, &["flavour".into()], &[])
                .map(drop),
            "flavour",
        );
        expect(Aggregate::parse("median", None).map(drop), "aggregate.func");
        expect(
            Aggregate::parse("cardinality", Some("colour")).map(drop),
            "aggregate.param",
        );
        assert!(!Error::query_example().is_retryable());
    }
}

trait Example {
    fn query_example() -> Error;
}
impl Example for Error {
    fn query_example() -> Error {
        Error::InvalidQuery {
            field: "x".into(),
            reason: "y".into(),
        }
    }
}

fn stats_fixture(s: &BlockingStorage) {
    let meta = |t: &str| json!({"instance_type": t});
    let batch = vec![
        sample(
            "1",
            "cpu_util",
            "r1",
            Some("u1"),
            Some("p1"),
            "2026-11-23T12:00:00",
            1.0,
            meta("m1.tiny"),
        ),
        sample(
            "2",
            "cpu_util",
            "r1",
            Some("u1"),
            Some("p1"),
            "2026-11-23T12:02:00",
            3.0,
            meta("m1.tiny"),
        ),
        sample(
            "3",
            "cpu_util",
            "r1",
            Some("u1"),
            Some("p1"),
            "2026-11-23T12:06:00",
            5.0,
            meta("m1.tiny"),
        ),
        sample(
            "4",
            "cpu_util",
            "r2",
            Some("u2"),
            Some("p1"),
            "2026-11-23T12:01:00",
            10.0,
            meta("m1.small"),
        ),
        sample(
            "5",
            "cpu_util",
            "r2",
            Some("u2"),
            Some("p1"),
            "2026-11-23T12:07:00",
            20.0,
            meta("m1.small"),
        ),
        sample(
            "6",
            "cpu_util",
            "r2",
            Some("u2"),
            Some("p1"),
            "2026-11-23T12:11:00",
            30.0,
            meta("m1.small"),
        ),
        // Another meter: not counted.
        sample(
            "7",
            "memory",
            "r1",
            Some("u1"),
            Some("p1"),
            "2026-11-23T12:03:00",
            99.0,
            meta("m1.tiny"),
        ),
        // Large values with a small spread: the naive sum-of-squares formula fails here.
        sample(
            "8",
            "big",
            "r1",
            Some("u1"),
            Some("p1"),
            "2026-11-23T12:00:00",
            1e12 + 1.0,
            meta("m1.tiny"),
        ),
        sample(
            "9",
            "big",
            "r1",
            Some("u1"),
            Some("p1"),
            "2026-11-23T12:00:30",
            1e12 + 3.0,
            meta("m1.tiny"),
        ),
    ];
    assert_eq!(s.record_samples(&batch).unwrap(), 9);
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

#[test]
fn statistics_without_period() {
    for db in both("stats_plain") {
        let s = db.s();
        stats_fixture(s);
        let st = s
            .statistics(&Filter::eq("meter", "cpu_util"), None, &[], &[])
            .unwrap();
        assert_eq!(st.len(), 1, "{}", db.label);
        let r = &st[0];
        assert_eq!(&*r.unit, "%");
        assert_eq!(r.count(), Some(6));
        assert_eq!(
            (r.min(), r.max(), r.sum()),
            (Some(1.0), Some(30.0), Some(69.0))
        );
        assert_eq!(r.avg(), Some(11.5));
        assert_eq!(r.aggregate(), None);
        assert_eq!(r.period, 0);
        assert_eq!(r.duration(), Some(660.0));
        assert_eq!(r.period_start, ts("2026-11-23T12:00:00"));
        assert_eq!(r.period_end, ts("2026-11-23T12:11:00"));
        assert_eq!(r.duration_start(), Some(ts("2026-11-23T12:00:00")));
        assert_eq!(r.duration_end(), Some(ts("2026-11-23T12:11:00")));

        // Selected aggregates: population standard deviation and cardinality.
        // Deviations from 11.5: -10.5 -8.5 -6.5 -1.5 8.5 18.5; squares sum to 641.5.
        let aggs = [
            Aggregate::Stddev,
            Aggregate::Cardinality("resource_id".into()),
            Aggregate::Cardinality("user_id".into()),
            Aggregate::Cardinality("project_id".into()),
            Aggregate::Avg,
        ];
        let st = s
            .statistics(&Filter::eq("meter", "cpu_util"), None, &[], &aggs)
            .unwrap();
        let agg = st[0].aggregate().cloned().unwrap();
        assert!(
            close(agg["stddev"], (641.5f64 / 6.0).sqrt()),
            "{}: {agg:?}",
            db.label
        );
        assert_eq!(agg["cardinality/resource_id"], 2.0);
        assert_eq!(agg["cardinality/user_id"], 2.0);
        assert_eq!(agg["cardinality/project_id"], 1.0);
        assert_eq!(agg["avg"], 11.5);
        assert_eq!(st[0].avg(), Some(11.5));
        assert_eq!(st[0].count(), None, "only selected aggregates are given");
        assert_eq!(st[0].sum(), None);

        let big = s
            .statistics(&Filter::eq("meter", "big"), None, &[], &[Aggregate::Stddev])
            .unwrap();
        assert!(
            close(big[0].aggregate().unwrap()["stddev"], 1.0),
            "{}: {big:?}",
            db.label
        );

        // Groupby on a metadata field and on project.
        let st = s
            .statistics(
                &Filter::eq("meter", "cpu_util"),
                None,
                &[
                    "resource_metadata.instance_type".into(),
                    "project_id".into(),
                ],
                &[],
            )
            .unwrap();
        let groups: Vec<_> = st
            .iter()
            .map(|r| ((*r.groupby.clone().unwrap()).clone(), r.sum().unwrap()))
            .collect();
        let g = |t: &str| {
            BTreeMap::from([
                ("project_id".to_string(), Some("p1".to_string())),
                (
                    "resource_metadata.instance_type".to_string(),
                    Some(t.to_string()),
                ),
            ])
        };
        assert_eq!(
            groups,
            [(g("m1.small"), 60.0), (g("m1.tiny"), 9.0)],
            "{}",
            db.label
        );
        assert!(
            s.statistics(&Filter::eq("meter", "nothing"), None, &[], &[])
                .unwrap()
                .is_empty()
        );
    }
}

fn row<'a>(st: &'a [Statistics], start: &str, resource: &str) -> &'a Statistics {
    st.iter()
        .find(|r| {
            r.period_start == ts(start)
                && r.groupby.as_ref().unwrap()["resource_id"].as_deref() == Some(resource)
        })
        .unwrap_or_else(|| panic!("no row {start} {resource} in {st:?}"))
}

#[test]
fn the_largest_filter_runs_and_a_larger_one_is_refused_naming_its_field() {
    for db in both("filter_size") {
        let s = db.s();
        stats_fixture(s);
        let ids =
            |n: usize| -> Vec<Value> { (0..n).map(|i| Value::Text(format!("r{i}"))).collect() };
        let largest = Filter::In {
            field: "resource_id".into(),
            values: ids(nepho_storage::MAX_FILTER_TERMS),
        };
        assert!(!all_ids(s, &largest).is_empty(), "{}", db.label);
        let stats = s.statistics(
            &largest.clone().and(Filter::eq("meter", "cpu_util")),
            Some(60),
            &[],
            &[],
        );
        assert!(stats.is_err(), "{}: one more term than the limit", db.label);
        let larger = Filter::Or(
            (0..=nepho_storage::MAX_FILTER_TERMS)
                .map(|i| Filter::eq("metadata.flavor", format!("f{i}")))
                .collect(),
        );
        match s.samples(&larger, None) {
            Err(Error::InvalidQuery { field, reason }) => {
                assert_eq!(field, "metadata.flavor", "{}", db.label);
                assert!(reason.contains("more than 400 comparisons"), "{reason}");
            }
            other => panic!("{}: {other:?}", db.label),
        }
        let events = Filter::In {
            field: "event_type".into(),
            values: ids(10 * nepho_storage::MAX_FILTER_TERMS),
        };
        assert!(matches!(
            s.events(&events, None),
            Err(Error::InvalidQuery { .. })
        ));
    }
}

#[test]
fn a_period_longer_than_the_range_is_one_bucket() {
    for db in both("stats_huge_period") {
        let s = db.s();
        stats_fixture(s);
        let f = Filter::eq("meter", "cpu_util")
            .and(Filter::cmp("timestamp", Op::Ge, "0001-01-01T00:00:00"))
            .and(Filter::cmp("timestamp", Op::Lt, "9999-12-31T00:00:00"));
        // About 292,000 years in seconds: the largest the API lets through.
        let st = s.statistics(&f, Some(9_223_372_036_854), &[], &[]).unwrap();
        assert_eq!(st.len(), 1, "{}: {st:?}", db.label);
        assert_eq!(st[0].count(), Some(6));
        assert_eq!(st[0].period_start, ts("0001-01-01T00:00:00"));
    }
}

#[test]
fn statistics_with_period_and_groupby() {
    for db in both("stats_period") {
        let s = db.s();
        stats_fixture(s);
        let f = Filter::eq("meter", "cpu_util")
            .and(Filter::cmp("timestamp", Op::Ge, "2026-11-23T12:00:00"))
            .and(Filter::cmp("timestamp", Op::Lt, "2026-11-23T12:15:00"));
        let st = s
            .statistics(&f, Some(300), &["resource_id".into()], &[])
            .unwrap();
        assert_eq!(st.len(), 5, "{}: {st:?}", db.label);
        let a = row(&st, "2026-11-23T12:00:00", "r1");
        assert_eq!(
            (a.count(), a.sum(), a.avg()),
            (Some(2), Some(4.0), Some(2.0))
        );
        assert_eq!((a.min(), a.max()), (Some(1.0), Some(3.0)));
        assert_eq!(a.period, 300);
        assert_eq!(a.period_end, ts("2026-11-23T12:05:00"));
        assert_eq!(a.duration(), Some(120.0));
        assert_eq!(a.duration_start(), Some(ts("2026-11-23T12:00:00")));
        assert_eq!(a.duration_end(), Some(ts("2026-11-23T12:02:00")));
        let b = row(&st, "2026-11-23T12:00:00", "r2");
        assert_eq!(
            (b.count(), b.sum(), b.duration()),
            (Some(1), Some(10.0), Some(0.0))
        );
        assert_eq!(row(&st, "2026-11-23T12:05:00", "r1").sum(), Some(5.0));
        assert_eq!(row(&st, "2026-11-23T12:05:00", "r2").sum(), Some(20.0));
        let c = row(&st, "2026-11-23T12:10:00", "r2");
        assert_eq!(
            (c.sum(), c.period_end),
            (Some(30.0), ts("2026-11-23T12:15:00"))
        );
        // Ordered by period.
        let starts: Vec<_> = st.iter().map(|r| r.period_start).collect();
        let mut sorted = starts.clone();
        sorted.sort();
        assert_eq!(starts, sorted);

        // Stddev per bucket: r1 in the first bucket has {1, 3}: 1.0.
        let st = s
            .statistics(
                &f,
                Some(300),
                &["resource_id".into()],
                &[Aggregate::Stddev, Aggregate::Count],
            )
            .unwrap();
        let a = row(&st, "2026-11-23T12:00:00", "r1");
        assert!(
            close(a.aggregate().unwrap()["stddev"], 1.0),
            "{}: {a:?}",
            db.label
        );
        assert_eq!(a.aggregate().unwrap()["count"], 2.0);
        assert_eq!(
            row(&st, "2026-11-23T12:00:00", "r2").aggregate().unwrap()["stddev"],
            0.0
        );

        // Without bounds the buckets run from the first to the last sample,
        // ceil(660 / 300) = 3 of them: 12:00, 12:05, 12:10; as upstream, a
        // sample exactly at the end of the last bucket would be left out.
        let st = s
            .statistics(&Filter::eq("meter", "cpu_util"), Some(300), &[], &[])
            .unwrap();
        let sums: Vec<_> = st
            .iter()
            .map(|r| (r.period_start, r.sum().unwrap()))
            .collect();
        assert_eq!(
            sums,
            [
                (ts("2026-11-23T12:00:00"), 14.0),
                (ts("2026-11-23T12:05:00"), 25.0),
                (ts("2026-11-23T12:10:00"), 30.0)
            ],
            "{}",
            db.label
        );
        let st = s
            .statistics(&Filter::eq("meter", "cpu_util"), Some(660), &[], &[])
            .unwrap();
        assert_eq!(st.len(), 1);
        assert_eq!(
            st[0].count(),
            Some(5),
            "the 12:11 sample is at the end of the only bucket"
        );
        // Clamping, as the API does with search_offset.
        let mut first = st[0].clone();
        first.clamp(
            Some(ts("2026-11-23T12:01:00")),
            Some(ts("2026-11-23T12:05:00")),
        );
        assert_eq!(first.duration(), Some(240.0));
        first.clamp(Some(ts("2026-11-23T12:20:00")), None);
        assert_eq!(first.duration(), None);
    }
}

#[test]
fn expiry_removes_old_samples_orphans_and_events() {
    for db in both("expiry") {
        let s = db.s();
        let now = Timestamp::now();
        let recent = Timestamp(now.micros() - 60_000_000).to_string();
        let batch = vec![
            sample(
                "old-1",
                "cpu",
                "vm-old",
                Some("u"),
                Some("p"),
                "2020-01-01T00:00:00",
                1.0,
                json!({"k": "v"}),
            ),
            sample(
                "old-2",
                "disk",
                "vm-1",
                Some("u"),
                Some("p"),
                "2020-01-01T00:00:00",
                1.0,
                json!({}),
            ),
            sample(
                "new-1",
                "cpu",
                "vm-1",
                Some("u"),
                Some("p"),
                &recent,
                2.0,
                json!({}),
            ),
        ];
        s.record_samples(&batch).unwrap();
        s.record_events(&[
            event(
                "e-old",
                "compute.instance.create.end",
                "2020-01-01T00:00:00",
                vec![("host", TraitValue::Text("h".into()))],
            ),
            event(
                "e-new",
                "compute.instance.create.end",
                &recent,
                vec![("host", TraitValue::Text("h".into()))],
            ),
        ])
        .unwrap();
        // No TTL: nothing goes.
        assert_eq!(s.clear_expired(None, None).unwrap(), Default::default());
        let gone = s
            .clear_expired(
                Some(Duration::from_secs(3600)),
                Some(Duration::from_secs(3600)),
            )
            .unwrap();
        assert_eq!(gone.samples, 2, "{}", db.label);
        assert_eq!(gone.meters, 1, "disk has no samples left");
        assert_eq!(gone.resources, 1, "vm-old has no samples left");
        assert_eq!(gone.events, 1);
        assert_eq!(all_ids(s, &Filter::all()), ["new-1"]);
        assert!(s.resource("vm-old").unwrap().is_none());
        assert_eq!(s.meters(&Filter::all(), None).unwrap().len(), 1);
        assert!(
            s.samples(&Filter::eq("metadata.k", "v"), None)
                .unwrap()
                .is_empty()
        );
        let events = s.events(&Filter::all(), None).unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].message_id, "e-new");
        // The expired id can be stored again (it is new data by then).
        assert_eq!(s.record_samples(&batch[..1]).unwrap(), 1);
    }
}

#[test]
fn events_with_typed_traits() {
    for db in both("events") {
        let s = db.s();
        let evil = "'; DROP TABLE events; --";
        let batch = vec![
            event(
                "ev-1",
                "compute.instance.create.end",
                "2026-11-23T10:00:00.5+01:00",
                vec![
                    ("project_id", TraitValue::Text("p1".into())),
                    ("user_id", TraitValue::Text("u1".into())),
                    ("memory_mb", TraitValue::Int(512)),
                    ("load", TraitValue::Float(0.25)),
                    (
                        "launched_at",
                        TraitValue::Datetime("2026-11-23T08:59:00Z".into()),
                    ),
                ],
            ),
            event(
                "ev-2",
                "compute.instance.delete.end",
                "2026-11-23T10:00:00",
                vec![
                    ("project_id", TraitValue::Text("p2".into())),
                    ("memory_mb", TraitValue::Int(2048)),
                    ("note", TraitValue::Text(evil.into())),
                ],
            ),
        ];
        assert_eq!(s.record_events(&batch).unwrap(), 2, "{}", db.label);
        assert_eq!(s.record_events(&batch).unwrap(), 0, "redelivery");
        assert_eq!(
            s.event_types().unwrap(),
            ["compute.instance.create.end", "compute.instance.delete.end"]
        );
        let e = s.event("ev-1").unwrap().expect("ev-1");
        assert_eq!(e.generated.to_string(), "2026-11-23T09:00:00.500000");
        assert_eq!(e.traits.len(), 5, "traits not duplicated by redelivery");
        let get = |n: &str| e.traits.iter().find(|t| t.name == n).unwrap().value.clone();
        assert_eq!(get("memory_mb"), TraitValue::Int(512));
        assert_eq!(get("load"), TraitValue::Float(0.25));
        assert_eq!(
            get("launched_at"),
            TraitValue::Datetime("2026-11-23T08:59:00".into())
        );
        assert_eq!(get("project_id"), TraitValue::Text("p1".into()));

        let ids = |f: Filter| -> Vec<String> {
            s.events(&f, None)
                .unwrap()
                .into_iter()
                .map(|e| e.message_id)
                .collect()
        };
        assert_eq!(ids(Filter::eq("project_id", "p2")), ["ev-2"]);
        assert_eq!(
            ids(Filter::cmp("traits.memory_mb", Op::Gt, 1000i64)),
            ["ev-2"]
        );
        assert_eq!(ids(Filter::cmp("traits.load", Op::Lt, 0.5)), ["ev-1"]);
        assert_eq!(
            ids(Filter::cmp(
                "traits.launched_at",
                Op::Lt,
                ts("2026-11-23T09:00:00")
            )),
            ["ev-1"]
        );
        // A text "512" is not the integer trait 512.
        assert!(ids(Filter::eq("traits.memory_mb", "512")).is_empty());
        assert_eq!(
            ids(Filter::eq("event_type", "compute.instance.delete.end")),
            ["ev-2"]
        );
        assert_eq!(ids(Filter::eq("traits.note", evil)), ["ev-2"]);
        assert_eq!(
            ids(Filter::cmp(
                "generated",
                Op::Ge,
                Value::Text("2026-11-23T09:30:00".into())
            )),
            ["ev-2"]
        );
        assert!(matches!(
            s.record_events(&[event("ev-3", "x", "not a date", vec![])]),
            Err(Error::InvalidRecord { ref field, .. }) if field == "generated"
        ));
        assert!(s.event("ev-3").unwrap().is_none());
    }
}

#[test]
fn unreachable_postgres_is_a_retryable_error() {
    // A closed port: nothing listens on port 1.
    let options = Options {
        max_connections: 1,
        connect_timeout: Duration::from_secs(2),
        ..Options::default()
    };
    let started = std::time::Instant::now();
    match BlockingStorage::open_with("postgresql://postgres@127.0.0.1:1/test", &options) {
        Err(e) => assert!(e.is_retryable(), "{e:?}"),
        Ok(_) => panic!("connected to a closed port"),
    }
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[test]
fn outage_after_open_is_retryable_and_stores_nothing() {
    // PostgreSQL reached through a proxy; cutting the proxy is an outage:
    // writes fail with a retryable error and store nothing, and once the
    // server is reachable again the same batch is stored whole.
    let dbs = both("outage");
    let name = dbs[1].url.rsplit('/').next().unwrap().to_string();
    let target = common::pg_server().rsplit('@').next().unwrap().to_string();
    let proxy = common::Proxy::start(0, &target);
    let url = format!("postgresql://postgres@127.0.0.1:{}/{name}", proxy.port);
    let options = Options {
        max_connections: 2,
        connect_timeout: Duration::from_secs(2),
        ..Options::default()
    };
    let s = BlockingStorage::open_with(&url, &options).unwrap();
    s.record_samples(&[simple("before", "2026-11-23T10:00:00", 1.0)])
        .unwrap();
    let port = proxy.cut();
    let batch: Vec<_> = (0..10)
        .map(|i| simple(&format!("during-{i}"), "2026-11-23T10:00:01", 1.0))
        .collect();
    for _ in 0..3 {
        let err = s.record_samples(&batch).expect_err("server unreachable");
        assert!(err.is_retryable(), "{err:?}");
    }
    // Nothing of the batch is there (read directly, not through the proxy).
    assert_eq!(dbs[1].s().samples(&Filter::all(), None).unwrap().len(), 1);
    let proxy = common::Proxy::start(port, &target);
    let mut stored = None;
    for _ in 0..50 {
        match s.record_samples(&batch) {
            Ok(n) => {
                stored = Some(n);
                break;
            }
            Err(e) if e.is_retryable() => std::thread::sleep(Duration::from_millis(100)),
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!(stored, Some(10));
    assert_eq!(dbs[1].s().samples(&Filter::all(), None).unwrap().len(), 11);
    drop(s);
    proxy.cut();
}

#[test]
fn metadata_written_two_ways_is_one_resource_row() {
    // The same metadata with other spacing and key order (and once as
    // null against {}): the writer keys its cache by the text, but the
    // rows it stores are the canonical metadata's, one per resource.
    for db in both("metadata_text") {
        let s = db.s();
        let texts = [
            (r#"{"a": 1, "b": {"c": "x", "d": [1, 2]}}"#, "vm-1"),
            (r#"{"b":{"d":[1,2],"c":"x"},"a":1}"#, "vm-1"),
            (r#"  {"a":1,"b":{"c":"x","d":[1, 2]}}  "#, "vm-1"),
            ("null", "vm-2"),
            ("{}", "vm-2"),
            ("", "vm-2"),
        ];
        let batch: Vec<_> = texts
            .iter()
            .enumerate()
            .map(|(i, (text, resource))| {
                let mut x = simple(&format!("m{i}"), "2020-01-01T00:00:00", 1.0);
                x.resource_id = (*resource).into();
                x.resource_metadata = ResourceMetadata::from_json_text(*text);
                x
            })
            .collect();
        // Written as one batch and, again under new ids, one by one.
        assert_eq!(s.record_samples(&batch).unwrap(), texts.len());
        for mut x in batch {
            x.message_id.push_str("-again");
            assert_eq!(s.record_samples(&[x]).unwrap(), 1);
        }
        let got = s.sample("m1").unwrap().expect("stored");
        assert_eq!(
            got.resource_metadata,
            json!({"a": 1, "b": {"c": "x", "d": [1, 2]}})
        );
        assert_eq!(
            s.samples(&Filter::eq("metadata.b.c", "x"), None)
                .unwrap()
                .len(),
            6,
            "{}",
            db.label
        );
        let gone = s
            .clear_expired(Some(Duration::from_secs(3600)), None)
            .unwrap();
        assert_eq!(
            (gone.samples, gone.resources),
            (12, 2),
            "{}: one resource row per resource",
            db.label
        );
    }
}

#[test]
fn ids_remembered_across_an_expiry_elsewhere_are_retried() {
    // Writer A remembers resource and meter ids; another process (B)
    // expires them; A's next write is refused retryably and the retry
    // stores it.
    for db in both("stale_ids") {
        let a = db.s();
        let b = BlockingStorage::open(&db.url).unwrap();
        a.record_samples(&[sample(
            "old",
            "cpu",
            "vm-1",
            Some("u"),
            Some("p"),
            "2020-01-01T00:00:00",
            1.0,
            json!({"k": 1}),
        )])
        .unwrap();
        let gone = b
            .clear_expired(Some(Duration::from_secs(3600)), None)
            .unwrap();
        assert_eq!(
            (gone.samples, gone.resources, gone.meters),
            (1, 1, 1),
            "{}",
            db.label
        );
        // B then stores another resource and meter: with reused ids they
        // would take the numbers A remembers.
        b.record_samples(&[sample(
            "other",
            "disk",
            "vm-2",
            Some("u2"),
            Some("p2"),
            "2020-01-01T00:00:00",
            5.0,
            json!({"k": 2}),
        )])
        .unwrap();
        let again = [sample(
            "new",
            "cpu",
            "vm-1",
            Some("u"),
            Some("p"),
            "2020-01-01T00:00:00",
            2.0,
            json!({"k": 1}),
        )];
        let stored = match a.record_samples(&again) {
            Ok(n) => n,
            Err(e) => {
                assert!(e.is_retryable(), "{}: {e:?}", db.label);
                a.record_samples(&again).unwrap()
            }
        };
        assert_eq!(stored, 1, "{}", db.label);
        let got = b
            .sample("new")
            .unwrap()
            .expect("stored and joined to its meter and resource");
        assert_eq!(got.resource_id, "vm-1");
        assert_eq!(
            (got.name.as_str(), got.project_id.as_deref()),
            ("cpu", Some("p"))
        );
        assert_eq!(
            b.samples(&Filter::eq("metadata.k", 1i64), None)
                .unwrap()
                .len(),
            1
        );
    }
}

#[test]
fn sqlite_in_memory() {
    for url in ["sqlite::memory:", "sqlite://"] {
        let s = BlockingStorage::open(url).unwrap();
        assert_eq!(s.backend(), nepho_storage::Backend::Sqlite);
        assert_eq!(
            s.record_samples(&[simple("a", "2026-11-23T10:00:00", 1.0)])
                .unwrap(),
            1
        );
        assert_eq!(s.samples(&Filter::all(), None).unwrap().len(), 1);
    }
}
