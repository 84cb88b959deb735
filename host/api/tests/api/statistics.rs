//! Statistics checked against values the test computes from the samples it
//! posted: periods, groupby, selectable aggregates (stddev, cardinality),
//! durations and their clamping to the query's own bounds.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::common::{ADMIN, Server, enc, fault, servers};

const BASE: i64 = 1_775_001_600; // 2026-04-01T00:00:00Z

struct Posted {
    offset: i64,
    resource: String,
    user: String,
    volume: f64,
}

fn iso(offset: i64) -> String {
    nepho_storage::Timestamp((BASE + offset) * 1_000_000).to_string()
}

fn seed(srv: &Server) -> Vec<Posted> {
    let posted: Vec<Posted> = (0..18)
        .map(|i| Posted {
            offset: i * 10,
            resource: format!("r{}", i % 3 + 1),
            user: if i % 2 == 0 { "u1" } else { "u2" }.to_string(),
            volume: ((i * 7) % 11) as f64 + 0.5,
        })
        .collect();
    let body: Vec<Value> = posted
        .iter()
        .map(|p| {
            json!({"counter_name": "cpu_util", "counter_type": "gauge", "counter_unit": "%",
                   "counter_volume": p.volume, "resource_id": p.resource, "user_id": p.user,
                   "timestamp": iso(p.offset)})
        })
        .collect();
    srv.seed("cpu_util", ADMIN, &body);
    posted
}

#[derive(Default)]
struct Expect {
    volumes: Vec<f64>,
    offsets: Vec<i64>,
    users: Vec<String>,
}

impl Expect {
    fn count(&self) -> usize {
        self.volumes.len()
    }
    fn sum(&self) -> f64 {
        self.volumes.iter().sum()
    }
    fn avg(&self) -> f64 {
        self.sum() / self.count() as f64
    }
    fn stddev(&self) -> f64 {
        let m = self.avg();
        (self.volumes.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / self.count() as f64).sqrt()
    }
    fn min(&self) -> f64 {
        self.volumes.iter().copied().fold(f64::INFINITY, f64::min)
    }
    fn max(&self) -> f64 {
        self.volumes
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max)
    }
}

fn close(got: &Value, want: f64, what: &str) {
    let got = got.as_f64().unwrap_or_else(|| panic!("{what}: {got}"));
    assert!((got - want).abs() < 1e-9, "{what}: got {got}, want {want}");
}

fn get(srv: &Server, query: &str) -> Vec<Value> {
    let (status, body) = srv.get(&format!("/v2/meters/cpu_util/statistics?{query}"), ADMIN);
    assert_eq!(status, 200, "{}: {query}: {body}", srv.label);
    body.as_array().unwrap().clone()
}

fn bounds() -> String {
    format!(
        "q.field=timestamp&q.op=ge&q.value={}&q.field=timestamp&q.op=lt&q.value={}",
        enc(&iso(0)),
        enc(&iso(180))
    )
}

#[test]
fn period_and_groupby_match_the_posted_samples() {
    for srv in servers("stats_groupby") {
        let posted = seed(&srv);
        let l = srv.label;
        let rows = get(&srv, &format!("{}&period=60&groupby=resource_id", bounds()));
        let mut expected: BTreeMap<(i64, String), Expect> = BTreeMap::new();
        for p in &posted {
            let e = expected
                .entry((p.offset / 60, p.resource.clone()))
                .or_default();
            e.volumes.push(p.volume);
            e.offsets.push(p.offset);
        }
        assert_eq!(rows.len(), expected.len(), "{l}: {rows:?}");
        for row in &rows {
            let resource = row["groupby"]["resource_id"].as_str().unwrap().to_string();
            let start =
                nepho_storage::Timestamp::parse(row["period_start"].as_str().unwrap()).unwrap();
            let bucket = (start.micros() / 1_000_000 - BASE) / 60;
            let e = &expected[&(bucket, resource.clone())];
            let what = format!("{l} bucket {bucket} {resource}");
            assert_eq!(row["count"], e.count(), "{what}");
            close(&row["sum"], e.sum(), &what);
            close(&row["avg"], e.avg(), &what);
            close(&row["min"], e.min(), &what);
            close(&row["max"], e.max(), &what);
            assert_eq!(row["period"], 60, "{what}");
            assert_eq!(row["period_end"], iso(bucket * 60 + 60), "{what}");
            assert_eq!(row["unit"], "%");
            let first = *e.offsets.iter().min().unwrap();
            let last = *e.offsets.iter().max().unwrap();
            assert_eq!(row["duration_start"], iso(first), "{what}");
            assert_eq!(row["duration_end"], iso(last), "{what}");
            close(&row["duration"], (last - first) as f64, &what);
            assert!(row.get("aggregate").is_none(), "{what}: no aggregate asked");
        }
    }
}

#[test]
fn selectable_aggregates_stddev_and_cardinality() {
    for srv in servers("stats_aggregates") {
        let posted = seed(&srv);
        let l = srv.label;
        let rows = get(
            &srv,
            &format!(
                "{}&period=60&aggregate.func=cardinality&aggregate.param=user_id&aggregate.func=stddev&aggregate.func=max",
                bounds()
            ),
        );
        let mut expected: BTreeMap<i64, Expect> = BTreeMap::new();
        for p in &posted {
            let e = expected.entry(p.offset / 60).or_default();
            e.volumes.push(p.volume);
            e.users.push(p.user.clone());
        }
        assert_eq!(rows.len(), 3, "{l}");
        for (row, (bucket, e)) in rows.iter().zip(&expected) {
            let what = format!("{l} bucket {bucket}");
            assert_eq!(row["period_start"], iso(bucket * 60), "{what}");
            close(&row["aggregate"]["stddev"], e.stddev(), &what);
            close(&row["aggregate"]["max"], e.max(), &what);
            close(&row["max"], e.max(), &what);
            let mut users = e.users.clone();
            users.sort();
            users.dedup();
            close(
                &row["aggregate"]["cardinality/user_id"],
                users.len() as f64,
                &what,
            );
            assert!(
                row.get("count").is_none() && row.get("sum").is_none(),
                "{what}: only what was selected: {row}"
            );
        }
        // cardinality of resources over everything, no period.
        let rows = get(
            &srv,
            "aggregate.func=cardinality&aggregate.param=resource_id&aggregate.func=count",
        );
        assert_eq!(rows.len(), 1, "{l}");
        close(&rows[0]["aggregate"]["cardinality/resource_id"], 3.0, l);
        assert_eq!(rows[0]["count"], 18, "{l}");
        assert_eq!(rows[0]["period"], 0, "{l}");
        assert_eq!(rows[0]["period_start"], iso(0), "{l}");
        assert_eq!(rows[0]["period_end"], iso(170), "{l}");
    }
}

#[test]
fn durations_are_clamped_to_the_querys_own_bounds() {
    for srv in servers("stats_clamp") {
        let posted = seed(&srv);
        let l = srv.label;
        let query = format!(
            "q.field=timestamp&q.op=ge&q.value={}&q.field=timestamp&q.op=le&q.value={}&q.field=search_offset&q.value=1",
            enc(&iso(60)),
            enc(&iso(90))
        );
        let rows = get(&srv, &query);
        let widened: Vec<&Posted> = posted
            .iter()
            .filter(|p| (0..=150).contains(&p.offset))
            .collect();
        assert_eq!(
            rows[0]["count"],
            widened.len(),
            "{l}: search_offset widened the range"
        );
        assert_eq!(rows[0]["duration_start"], iso(60), "{l}");
        assert_eq!(rows[0]["duration_end"], iso(90), "{l}");
        close(&rows[0]["duration"], 30.0, l);
        // groupby user and project together.
        let rows = get(&srv, "groupby=user_id&groupby=project_id");
        let mut by_user: BTreeMap<String, usize> = BTreeMap::new();
        for p in &posted {
            *by_user.entry(p.user.clone()).or_default() += 1;
        }
        assert_eq!(rows.len(), 2, "{l}");
        for row in rows {
            let user = row["groupby"]["user_id"].as_str().unwrap();
            assert_eq!(row["groupby"]["project_id"], "admin-p");
            assert_eq!(row["count"], by_user[user], "{l} {user}");
        }
        // A meter without samples: no rows.
        let (_, body) = srv.get("/v2/meters/nothing/statistics", ADMIN);
        assert_eq!(body, json!([]), "{l}");
    }
}

/// The `i`-th `cpu_util` sample of user u1 in project admin-p, stored
/// directly (not through the API).
fn cpu_util(
    i: i64,
    resource_id: String,
    timestamp: String,
    volume: f64,
) -> nepho_storage::StoredSample {
    nepho_storage::StoredSample {
        name: "cpu_util".into(),
        sample_type: "gauge".into(),
        unit: "%".into(),
        volume,
        user_id: Some("u1".into()),
        project_id: Some("admin-p".into()),
        resource_id,
        timestamp,
        resource_metadata: Default::default(),
        source: "openstack".into(),
        message_id: format!("m{i}"),
        message_signature: None,
        recorded_at: None,
        monotonic_time: None,
    }
}

#[test]
fn an_answer_of_many_batches_arrives_whole_and_in_order() {
    // 3 resources x 2,000 minutes at period 60: 6,000 rows, sent as the
    // storage makes them (batches of about 4,096), one JSON list.
    for srv in servers("stats_stream") {
        let l = srv.label;
        let records: Vec<nepho_storage::StoredSample> = (0..6000)
            .map(|i| {
                cpu_util(
                    i,
                    format!("r{}", i % 3),
                    iso(i / 3 * 60 + 1),
                    (i % 7) as f64,
                )
            })
            .collect();
        srv.block_on(srv.storage.record_samples(&records)).unwrap();
        let rows = get(
            &srv,
            &format!(
                "q.field=timestamp&q.op=ge&q.value={}&period=60&groupby=resource_id",
                enc(&iso(0))
            ),
        );
        assert_eq!(rows.len(), 6000, "{l}");
        let keys: Vec<(String, String)> = rows
            .iter()
            .map(|r| {
                let start = r["period_start"].as_str().unwrap().to_string();
                (
                    start,
                    r["groupby"]["resource_id"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted, "{l}: by period, then group");
        assert!(rows.iter().all(|r| r["count"] == 1), "{l}");
    }
}

#[test]
fn an_answer_longer_than_a_chunk_in_one_batch_arrives_whole() {
    // Without a period all 5,000 rows (one per resource) come in one
    // batch, which the API sends in chunks of at most 4,096 rows.
    for srv in servers("stats_chunks") {
        let l = srv.label;
        let records: Vec<nepho_storage::StoredSample> = (0..5000)
            .map(|i| cpu_util(i, format!("r{i:04}"), iso(60), i as f64))
            .collect();
        srv.block_on(srv.storage.record_samples(&records)).unwrap();
        let rows = get(&srv, "groupby=resource_id");
        assert_eq!(rows.len(), 5000, "{l}");
        let mut sums: Vec<f64> = rows.iter().map(|r| r["sum"].as_f64().unwrap()).collect();
        sums.sort_by(f64::total_cmp);
        let want: Vec<f64> = (0..5000).map(|i| i as f64).collect();
        assert_eq!(sums, want, "{l}: every resource's row once");
    }
}

#[test]
fn bad_statistics_parameters_are_400s() {
    for srv in servers("stats_bad") {
        let l = srv.label;
        for (query, expected) in [
            ("period=-5", "Period must be positive."),
            (
                "period=minute",
                "Invalid input for field/attribute period. Value: 'minute'. unable to convert to int",
            ),
            (
                "groupby=colour",
                "Unknown argument: \"{'colour'}\": Invalid groupby fields",
            ),
            (
                "aggregate.func=median",
                "Invalid aggregation function: median",
            ),
            (
                "aggregate.func=cardinality&aggregate.param=colour",
                "Bad aggregate: cardinality.colour",
            ),
            (
                "aggregate.func=cardinality",
                "Bad aggregate: cardinality.None",
            ),
            ("perod=60", "Unknown argument: \"perod\""),
            (
                "period=60&q.field=timestamp&q.op=ge&q.value=2026-01-01T00:00:00\
                 &q.field=timestamp&q.op=lt&q.value=2026-01-02T00:00:00\
                 &q.field=search_offset&q.value=200000000000",
                "Invalid input for field/attribute search_offset. Value: '200000000000'. \
                 it widens the timestamps beyond the years 1 to 9999",
            ),
        ] {
            let (status, body) = srv.get(&format!("/v2/meters/cpu/statistics?{query}"), ADMIN);
            assert_eq!(status, 400, "{l} {query}: {body}");
            assert_eq!(fault(&body), expected, "{l} {query}");
        }
    }
}
