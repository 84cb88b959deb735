//! Statistics from rollups against the samples-only computation, on both
//! backends: random data and queries, redelivery, expiry, concurrent
//! writers and maintenance, and a database made by the first schema.

use std::time::Duration;

use nepho_storage::{
    Aggregate, BlockingStorage, Filter, Op, Options, Statistics, StoredSample, Timestamp,
};
use serde_json::json;

use crate::common::{Db, both, sample};

/// xorshift64*: a fixed seed, so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const CELL: i64 = 300_000_000;
const MINUTE: i64 = 60_000_000;
const HOUR: i64 = 60 * MINUTE;

/// The same database read without rollups (the reference).
fn raw_reader(db: &Db) -> BlockingStorage {
    let options = Options {
        rollup_statistics: false,
        ..Options::default()
    };
    BlockingStorage::open_with(&db.url, &options).unwrap()
}

/// Random samples over the two days before `now`: two meters (one with
/// values far from zero, where a careless variance loses its digits),
/// six resources with metadata changing over time (so several resource
/// rows per resource), some without a user; times often exactly on cell
/// or minute boundaries.
fn random_samples(rng: &mut Rng, now: i64, from_id: usize, n: usize) -> Vec<StoredSample> {
    (from_id..from_id + n)
        .map(|i| {
            let r = rng.below(6);
            let meter = if rng.chance(70) {
                "cpu_util"
            } else {
                "disk.bytes"
            };
            let mut t = now - 48 * HOUR + (rng.next() % (48 * HOUR as u64)) as i64;
            if rng.chance(15) {
                t -= t.rem_euclid(CELL);
            } else if rng.chance(10) {
                t -= t.rem_euclid(MINUTE);
            }
            let volume = match meter {
                "cpu_util" => rng.below(10_000) as f64 / 100.0,
                _ => 1e9 + rng.below(1000) as f64 / 8.0,
            };
            let flavor = ["m1.tiny", "m1.small"][((t / (7 * HOUR)) as u64 % 2) as usize];
            let user = format!("u{}", r % 3);
            let mut s = sample(
                &format!("s{i}"),
                meter,
                &format!("r{r}"),
                (r != 5).then_some(user.as_str()),
                Some(if r.is_multiple_of(2) { "p0" } else { "p1" }),
                &Timestamp(t).to_string(),
                volume,
                json!({"flavor": flavor, "host": format!("h{}", r % 2), "vcpus": 1 + r % 2}),
            );
            if meter == "disk.bytes" {
                s.unit = "B".into();
            }
            s
        })
        .collect()
}

/// Stores `samples` in random batches, with redeliveries of earlier
/// samples and duplicates within a batch; returns how many were new.
fn store(rng: &mut Rng, s: &BlockingStorage, samples: &[StoredSample]) -> usize {
    let mut stored = 0;
    let mut at = 0;
    while at < samples.len() {
        let take = (1 + rng.below(200) as usize).min(samples.len() - at);
        let mut batch: Vec<StoredSample> = samples[at..at + take].to_vec();
        if rng.chance(30) {
            batch.push(samples[rng.below((at + take) as u64) as usize].clone());
        }
        if rng.chance(20) {
            batch.push(batch[0].clone());
        }
        stored += s.record_samples(&batch).unwrap();
        at += take;
    }
    stored
}

type Query = (Filter, Option<u64>, Vec<String>, Vec<Aggregate>);

fn describe(q: &Query) -> String {
    format!(
        "filter {:?} period {:?} groupby {:?} aggregates {:?}",
        q.0, q.1, q.2, q.3
    )
}

/// Random statistics queries around `now`: periods on and off the cell
/// grid, bounds on and off it (`ge`, `gt`, `lt`, `le`, one side only),
/// groupbys, metadata and resource filters, OR and NOT, stddev with and
/// without cardinality; and some the rollups cannot answer (volume
/// filters).
fn random_queries(rng: &mut Rng, now: i64, n: usize) -> Vec<Query> {
    let base = now - now.rem_euclid(CELL);
    (0..n)
        .map(|_| {
            let mut f = Filter::eq("meter", *rng.pick(&["cpu_util", "disk.bytes"]));
            let edge = |rng: &mut Rng, at: i64| match rng.below(3) {
                0 => at,
                1 => at + rng.below(5) as i64 * MINUTE,
                _ => at + (rng.next() % CELL as u64) as i64,
            };
            if rng.chance(80) {
                let hours = 1 + rng.below(50) as i64;
                let lo = edge(rng, base - hours * HOUR);
                let op = *rng.pick(&[Op::Ge, Op::Gt]);
                f = f.and(Filter::cmp("timestamp", op, Timestamp(lo)));
            }
            if rng.chance(70) {
                let hours = rng.below(20) as i64;
                let hi = edge(rng, base - hours * HOUR);
                let op = *rng.pick(&[Op::Lt, Op::Le]);
                f = f.and(Filter::cmp("timestamp", op, Timestamp(hi)));
            }
            match rng.below(8) {
                0 => f = f.and(Filter::eq("metadata.flavor", "m1.tiny")),
                1 => f = f.and(Filter::eq("project_id", "p1")),
                2 => {
                    f = f.and(Filter::In {
                        field: "resource_id".into(),
                        values: vec!["r1".into(), "r4".into(), "r5".into()],
                    })
                }
                3 => {
                    f = f.and(Filter::Or(vec![
                        Filter::eq("user_id", "u0"),
                        Filter::cmp("metadata.vcpus", Op::Ge, 2i64),
                    ]))
                }
                4 => f = f.and(Filter::Not(Box::new(Filter::eq("resource_id", "r2")))),
                5 => f = f.and(Filter::cmp("volume", Op::Gt, 50.0)),
                _ => {}
            }
            let period = *rng.pick(&[
                None,
                Some(300),
                Some(300),
                Some(600),
                Some(900),
                Some(3600),
                Some(450),
                Some(120),
                Some(86400),
            ]);
            let groupby: Vec<String> = rng
                .pick(&[
                    &[][..],
                    &["resource_id"][..],
                    &["resource_id"][..],
                    &["project_id", "user_id"][..],
                    &["resource_metadata.flavor"][..],
                    &["source"][..],
                ])
                .iter()
                .map(|g| g.to_string())
                .collect();
            let aggregates = match rng.below(3) {
                0 => Vec::new(),
                // Without distinct counts: merged outside the database
                // where the periods allow.
                1 => vec![
                    Aggregate::Stddev,
                    Aggregate::Count,
                    Aggregate::Avg,
                    Aggregate::Min,
                    Aggregate::Max,
                    Aggregate::Sum,
                ],
                _ => vec![
                    Aggregate::Stddev,
                    Aggregate::Count,
                    Aggregate::Avg,
                    Aggregate::Cardinality("resource_id".into()),
                    Aggregate::Cardinality("user_id".into()),
                    Aggregate::Cardinality("project_id".into()),
                ],
            };
            (f, period, groupby, aggregates)
        })
        .collect()
}

fn near(a: f64, b: f64, relative: f64, absolute: f64) -> bool {
    (a - b).abs() <= relative * a.abs().max(b.abs()) + absolute
}

/// The rollup answer must be the raw one: the same rows, counts, minima,
/// maxima, times and distinct counts exactly; sums, averages and standard
/// deviations to floating-point rounding.
fn assert_same(label: &str, q: &Query, got: &[Statistics], want: &[Statistics]) {
    let what = || format!("{label}: {}", describe(q));
    assert_eq!(got.len(), want.len(), "{}: rows", what());
    for (g, w) in got.iter().zip(want) {
        assert_eq!(
            (&g.groupby, &g.unit, g.period, g.period_start, g.period_end),
            (&w.groupby, &w.unit, w.period, w.period_start, w.period_end),
            "{}",
            what()
        );
        assert_eq!(
            (g.count(), g.min(), g.max()),
            (w.count(), w.min(), w.max()),
            "{}",
            what()
        );
        assert_eq!(
            (g.duration(), g.duration_start(), g.duration_end()),
            (w.duration(), w.duration_start(), w.duration_end()),
            "{}",
            what()
        );
        for (a, b) in [(g.sum(), w.sum()), (g.avg(), w.avg())] {
            match (a, b) {
                (Some(a), Some(b)) => assert!(near(a, b, 1e-12, 1e-9), "{}: {a} vs {b}", what()),
                (a, b) => assert_eq!(a, b, "{}", what()),
            }
        }
        match (g.aggregate(), w.aggregate()) {
            (Some(ga), Some(wa)) => {
                assert_eq!(
                    ga.keys().collect::<Vec<_>>(),
                    wa.keys().collect::<Vec<_>>(),
                    "{}",
                    what()
                );
                for (k, a) in ga {
                    let b = wa[k];
                    let ok = match k.as_str() {
                        "stddev" => near(*a, b, 1e-9, 1e-6),
                        "avg" | "sum" => near(*a, b, 1e-12, 1e-9),
                        _ => *a == b,
                    };
                    assert!(ok, "{}: {k} {a} vs {b}", what());
                }
            }
            (a, b) => assert_eq!(a, b, "{}", what()),
        }
    }
}

fn compare_all(label: &str, s: &BlockingStorage, raw: &BlockingStorage, queries: &[Query]) {
    let mut rows = 0;
    for q in queries {
        let got = s.statistics(&q.0, q.1, &q.2, &q.3).unwrap();
        let want = raw.statistics(&q.0, q.1, &q.2, &q.3).unwrap();
        assert_same(label, q, &got, &want);
        rows += want.len();
    }
    assert!(
        rows > queries.len(),
        "{label}: the queries found data ({rows} rows)"
    );
}

#[test]
fn rollup_statistics_equal_the_raw_computation() {
    let now = Timestamp::now().micros();
    for db in both("rollup_random") {
        let (s, raw) = (db.s(), raw_reader(&db));
        let mut rng = Rng(0x5eed_1234_abcd_0001);
        let queries = random_queries(&mut rng, now, 150);
        // Part rolled up, part above the watermark.
        let first = random_samples(&mut rng, now, 0, 3000);
        store(&mut rng, s, &first);
        s.refresh_rollups().unwrap();
        let second = random_samples(&mut rng, now, 3000, 1000);
        store(&mut rng, s, &second);
        compare_all(db.label, s, &raw, &queries);
        assert_pages_hold_the_rows(&db, "first");

        // Expiry at a time off the cell grid: the cell it cuts is
        // recomputed, older cells go.
        s.clear_expired(
            Some(Duration::from_micros((30 * HOUR + 123_456_789) as u64)),
            None,
        )
        .unwrap();
        compare_all(&format!("{} after expiry", db.label), s, &raw, &queries);
        assert_pages_hold_the_rows(&db, "after expiry");

        // More samples (some in the expired past, as late deliveries),
        // rolled up, and some above the watermark again.
        let third = random_samples(&mut rng, now, 4000, 1500);
        store(&mut rng, s, &third);
        s.refresh_rollups().unwrap();
        let fourth = random_samples(&mut rng, now, 5500, 300);
        store(&mut rng, s, &fourth);
        compare_all(&format!("{} after more", db.label), s, &raw, &queries);
        s.refresh_rollups().unwrap();
        compare_all(&format!("{} all rolled up", db.label), s, &raw, &queries);
        assert_pages_hold_the_rows(&db, "all rolled up");

        // The comparisons above did read rollups: with the rows' counts
        // inflated and the pages gone, a good share of the answers change.
        execute(&db, "UPDATE sample_rollups SET n = n + 1");
        execute(&db, "DELETE FROM rollup_pages");
        let changed = queries
            .iter()
            .filter(|q| {
                let got = s.statistics(&q.0, q.1, &q.2, &q.3).unwrap();
                let want = raw.statistics(&q.0, q.1, &q.2, &q.3).unwrap();
                counted(&got) != counted(&want)
            })
            .count();
        assert!(
            changed * 5 >= queries.len(),
            "{}: only {changed} of {} queries read rollups",
            db.label,
            queries.len()
        );
    }
}

/// The rollup pages hold the rollup rows of the hours before
/// `pages_before`, no more and no less: a page per meter, resource row and
/// such hour with rows, 72 bytes per row; and no page of a later hour.
/// (That their cells are the rows' own, the statistics compared above
/// show.)
fn assert_pages_hold_the_rows(db: &Db, when: &str) {
    let hour = 3_600_000_000i64;
    let sealed = query_int(db, "SELECT pages_before FROM storage_state");
    let page = format!("bucket - ((bucket % {hour}) + {hour}) % {hour}");
    let pages_of_rows = query_int(
        db,
        &format!(
            "SELECT count(*) FROM (SELECT DISTINCT meter_id, resource_pk, {page} \
             FROM sample_rollups WHERE bucket < {sealed}) t"
        ),
    );
    let pages = query_int(db, "SELECT count(*) FROM rollup_pages");
    assert_eq!(pages, pages_of_rows, "{} {when}: pages", db.label);
    let later = query_int(
        db,
        &format!("SELECT count(*) FROM rollup_pages WHERE page >= {sealed}"),
    );
    assert_eq!(later, 0, "{} {when}: pages of open hours", db.label);
    let rows = query_int(
        db,
        &format!("SELECT count(*) FROM sample_rollups WHERE bucket < {sealed}"),
    );
    let bytes = query_int(
        db,
        "SELECT CAST(coalesce(sum(length(cells)), 0) AS BIGINT) FROM rollup_pages",
    );
    assert_eq!(bytes, 72 * rows, "{} {when}: page bytes", db.label);
    assert!(rows > 0, "{} {when}: no pages", db.label);
}

/// Runs `statement` on the test database directly.
fn execute(db: &Db, statement: &str) {
    use sqlx::Connection;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        if db.label == "postgres" {
            let mut c = sqlx::PgConnection::connect(&db.url).await.unwrap();
            sqlx::query(statement).execute(&mut c).await.unwrap();
        } else {
            let path = db.url.strip_prefix("sqlite:///").unwrap();
            let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{path}"))
                .await
                .unwrap();
            sqlx::query(statement).execute(&mut c).await.unwrap();
        }
    });
}

/// One integer from `query` on the test database.
fn query_int(db: &Db, query: &str) -> i64 {
    query_int_at(&db.url, db.label == "postgres", query)
}

/// One integer from `query` on the database at `url`.
fn query_int_at(url: &str, postgres: bool, query: &str) -> i64 {
    use sqlx::{Connection, Row};
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        if postgres {
            let mut c = sqlx::PgConnection::connect(url).await.unwrap();
            sqlx::query(query)
                .fetch_one(&mut c)
                .await
                .unwrap()
                .get::<i64, _>(0)
        } else {
            let path = url.strip_prefix("sqlite:///").unwrap();
            let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{path}"))
                .await
                .unwrap();
            sqlx::query(query)
                .fetch_one(&mut c)
                .await
                .unwrap()
                .get::<i64, _>(0)
        }
    })
}

fn counted(st: &[Statistics]) -> u64 {
    st.iter().filter_map(|r| r.count()).sum()
}

#[test]
fn sparse_and_dense_merges_equal_the_raw_computation() {
    // Three resources over a year with data on two days only: period 300
    // over the year is 105,120 periods, far more than the cells (merged
    // by sorting); over the two days alone, a grid.
    for db in both("rollup_sparse") {
        let (s, raw) = (db.s(), raw_reader(&db));
        let t0 = Timestamp::parse("2025-06-01T00:00:00").unwrap().micros();
        let day2 = t0 + 200 * 24 * HOUR;
        let batch: Vec<_> = (0..900)
            .map(|i| {
                let at = if i % 2 == 0 { t0 } else { day2 } + (i as i64 / 2) * MINUTE;
                sample(
                    &format!("s{i}"),
                    "cpu_util",
                    &format!("r{}", i % 3),
                    Some("u"),
                    Some("p"),
                    &Timestamp(at).to_string(),
                    (i * 37 % 101) as f64,
                    json!({}),
                )
            })
            .collect();
        assert_eq!(s.record_samples(&batch).unwrap(), 900);
        s.refresh_rollups().unwrap();
        let range = |a: i64, b: i64| {
            Filter::eq("meter", "cpu_util")
                .and(Filter::cmp("timestamp", Op::Ge, Timestamp(a)))
                .and(Filter::cmp("timestamp", Op::Lt, Timestamp(b)))
        };
        let queries: Vec<Query> = [
            range(t0, t0 + 365 * 24 * HOUR),
            range(t0, t0 + 8 * HOUR),
            range(day2, day2 + 8 * HOUR),
        ]
        .into_iter()
        .map(|f| (f, Some(300), vec!["resource_id".to_string()], Vec::new()))
        .collect();
        compare_all(db.label, s, &raw, &queries);
        let year = s
            .statistics(&queries[0].0, Some(300), &queries[0].2, &[])
            .unwrap();
        assert_eq!(counted(&year), 900, "{}", db.label);
        // 450 minutes a day over 3 resources: 90 periods of 5 minutes a
        // day, each with every resource.
        assert_eq!(year.len(), 2 * 90 * 3, "{}", db.label);
    }
}

#[test]
fn merged_statistics_stream_over_stretches_and_periods_across_them() {
    // Ten days of four resources, one sample each ten minutes, and a fifth
    // resource from day six: read a stretch of hours at a time, with
    // periods off the hour (55 minutes from 00:05) and longer than a
    // stretch (a week), samples above the watermark early and late, and
    // every row handed over in order before the query ends.
    for db in both("rollup_stretches") {
        let (s, raw) = (db.s(), raw_reader(&db));
        let t0 = Timestamp::parse("2026-03-01T00:00:00").unwrap().micros();
        let mut batch = Vec::new();
        for step in 0..(10 * 24 * 6) {
            for r in 0..5 {
                if r == 4 && step < 6 * 24 * 6 {
                    continue;
                }
                let at = t0 + step as i64 * 10 * MINUTE + r as i64 * 1000;
                batch.push(sample(
                    &format!("s{step}-{r}"),
                    "cpu_util",
                    &format!("r{r}"),
                    Some("u"),
                    Some("p"),
                    &Timestamp(at).to_string(),
                    ((step * 7 + r * 13) % 97) as f64,
                    json!({}),
                ));
            }
        }
        let stored = s.record_samples(&batch).unwrap();
        s.refresh_rollups().unwrap();
        let late: Vec<_> = [(0, 1), (30, 2), (14_000, 4)]
            .iter()
            .map(|&(minute, r)| {
                sample(
                    &format!("late-{minute}"),
                    "cpu_util",
                    &format!("r{r}"),
                    Some("u"),
                    Some("p"),
                    &Timestamp(t0 + minute * MINUTE + 7).to_string(),
                    1000.0,
                    json!({}),
                )
            })
            .collect();
        assert_eq!(s.record_samples(&late).unwrap(), 3);
        let range = Filter::eq("meter", "cpu_util")
            .and(Filter::cmp("timestamp", Op::Ge, Timestamp(t0 + 5 * MINUTE)))
            .and(Filter::cmp(
                "timestamp",
                Op::Lt,
                Timestamp(t0 + 10 * 24 * HOUR),
            ));
        let queries: Vec<Query> = [
            (Some(3300), "resource_id"),
            (Some(7 * 86400), "resource_id"),
            (Some(3300), "project_id"),
            (None, "resource_id"),
        ]
        .into_iter()
        .map(|(period, groupby)| (range.clone(), period, vec![groupby.to_string()], Vec::new()))
        .collect();
        compare_all(db.label, s, &raw, &queries);
        // Row by row as they are made: in batches of a few thousand, the
        // same rows in the same order.
        let fine = (range.clone(), Some(300), vec!["resource_id".to_string()]);
        let mut batches = Vec::new();
        s.statistics_each(&fine.0, fine.1, &fine.2, &[], |batch| {
            batches.push(batch);
            Ok(())
        })
        .unwrap();
        assert!(batches.len() > 1, "{}: {} batches", db.label, batches.len());
        // At most 4096 rows and the rest of a period (five resources).
        assert!(batches.iter().all(|b| !b.is_empty() && b.len() < 4096 + 5));
        let seen: Vec<Statistics> = batches.concat();
        // Less the first 5 minutes of day one (one sample per resource).
        assert_eq!(counted(&seen), (stored - 4 + 2) as u64, "{}", db.label);
        assert_eq!(seen, s.statistics(&fine.0, fine.1, &fine.2, &[]).unwrap());
        // An error from the receiver ends the query with it.
        let mut taken = 0;
        let stopped = s.statistics_each(&fine.0, fine.1, &fine.2, &[], |_| {
            taken += 1;
            if taken == 2 {
                return Err(nepho_storage::Error::Stopped("enough".into()));
            }
            Ok(())
        });
        assert!(
            matches!(stopped, Err(nepho_storage::Error::Stopped(_))),
            "{stopped:?}"
        );
        assert_eq!(taken, 2);
    }
}

/// Where a statistics query takes its whole cells from.
#[derive(Debug, PartialEq)]
enum Source {
    /// The rollup rows (grouped by the database).
    Rows,
    /// The rollup pages (merged in Rust).
    Pages,
    /// No rollups: samples only.
    Samples,
}

#[test]
fn statistics_read_the_rollups_where_they_can() {
    // Proof by tampering: after the rollup rows' counts are inflated,
    // queries answered from them change; after the rollup pages are
    // removed, those answered from pages (periods on the cell grid, merged
    // in Rust) lose their samples; the others change in neither case.
    for db in both("rollup_used") {
        let s = db.s();
        let t0 = Timestamp::parse("2026-11-23T12:00:00").unwrap().micros();
        let batch: Vec<_> = (0..120)
            .map(|i| {
                sample(
                    &format!("m{i}"),
                    "cpu_util",
                    &format!("r{}", i % 3),
                    Some("u"),
                    Some("p"),
                    &Timestamp(t0 + i as i64 * MINUTE).to_string(),
                    i as f64,
                    json!({}),
                )
            })
            .collect();
        assert_eq!(s.record_samples(&batch).unwrap(), 120);
        // A sample of another meter three hours on: the two hours of
        // cpu_util are over, and get their pages.
        let later = sample(
            "later",
            "disk.bytes",
            "r0",
            Some("u"),
            Some("p"),
            &Timestamp(t0 + 4 * HOUR).to_string(),
            1.0,
            json!({}),
        );
        assert_eq!(s.record_samples(&[later]).unwrap(), 1);
        let range = |a: i64, b: i64| {
            Filter::eq("meter", "cpu_util")
                .and(Filter::cmp("timestamp", Op::Ge, Timestamp(a)))
                .and(Filter::cmp("timestamp", Op::Lt, Timestamp(b)))
        };
        let aligned = range(t0, t0 + 2 * HOUR);
        let by_volume = aligned.clone().and(Filter::cmp("volume", Op::Ge, 0.0));
        let per_minute = (aligned.clone(), Some(60));
        // Distinct counts are the database's to compute: from rows.
        let distinct = [Aggregate::Count, Aggregate::Cardinality("user_id".into())];
        let cases = [
            (aligned.clone(), Some(300), &[][..], Source::Pages),
            (aligned.clone(), Some(600), &[][..], Source::Pages),
            (aligned.clone(), None, &[][..], Source::Pages),
            (
                Filter::eq("meter", "cpu_util"),
                None,
                &[][..],
                Source::Pages,
            ),
            (aligned.clone(), Some(300), &distinct[..], Source::Rows),
            (aligned.clone(), None, &distinct[..], Source::Rows),
            (by_volume, Some(300), &[][..], Source::Samples),
            (per_minute.0, per_minute.1, &[][..], Source::Samples),
        ];
        let count = |f: &Filter, p: Option<u64>, a: &[Aggregate]| {
            counted(&s.statistics(f, p, &["resource_id".into()], a).unwrap())
        };
        let before: Vec<u64> = cases.iter().map(|(f, p, a, _)| count(f, *p, a)).collect();
        assert!(before.iter().all(|&n| n == 120), "{}: {before:?}", db.label);
        s.refresh_rollups().unwrap();
        let rows = query_int(&db, "SELECT count(*) FROM sample_rollups");
        assert_eq!(
            rows,
            72 + 1,
            "{}: 24 cells, each with 3 resources, and disk.bytes's",
            db.label
        );
        let pages = query_int(&db, "SELECT count(*) FROM rollup_pages");
        assert_eq!(pages, 6, "{}: 2 hours, each with 3 resources", db.label);
        execute(&db, "UPDATE sample_rollups SET n = n + 1000");
        for ((f, p, a, source), n) in cases.iter().zip(&before) {
            let want = if *source == Source::Rows {
                n + 72 * 1000
            } else {
                *n
            };
            assert_eq!(count(f, *p, a), want, "{}: {f:?} {p:?} {a:?}", db.label);
        }
        execute(&db, "DELETE FROM rollup_pages");
        for ((f, p, a, source), n) in cases.iter().zip(&before) {
            let want = match source {
                Source::Rows => n + 72 * 1000,
                Source::Pages => 0,
                Source::Samples => *n,
            };
            assert_eq!(count(f, *p, a), want, "{}: {f:?} {p:?} {a:?}", db.label);
        }
        // Bounds off the grid, one period: the 12 whole cells come from
        // the rollups (their 60 samples from the pages, gone now; with a
        // distinct count from the 36 rows, inflated), the cells the bounds
        // cut from samples.
        let off = range(t0 + 2 * MINUTE, t0 + HOUR + 7 * MINUTE);
        let st = s.statistics(&off, None, &[], &[]).unwrap();
        assert_eq!(counted(&st), 65 - 60, "{}", db.label);
        let st = s.statistics(&off, None, &[], &distinct).unwrap();
        assert_eq!(counted(&st), 65 + 36 * 1000, "{}", db.label);
        // Periods starting off the grid cut every cell: samples only.
        let st = s.statistics(&off, Some(300), &[], &[]).unwrap();
        assert_eq!(counted(&st), 65, "{}", db.label);
    }
}

#[test]
fn rollups_count_a_redelivered_sample_once() {
    for db in both("rollup_redelivery") {
        let s = db.s();
        let t = |m: i64| Timestamp(1_800_000_000 * 1_000_000 + m * MINUTE).to_string();
        let a = sample("a", "cpu", "r", None, None, &t(0), 1.0, json!({}));
        let b = sample("b", "cpu", "r", None, None, &t(1), 3.0, json!({}));
        // Duplicates within the batch.
        assert_eq!(
            s.record_samples(&[a.clone(), b.clone(), a.clone()])
                .unwrap(),
            2
        );
        s.refresh_rollups().unwrap();
        // Redelivered after they were rolled up, with a new one.
        let c = sample("c", "cpu", "r", None, None, &t(2), 5.0, json!({}));
        assert_eq!(s.record_samples(&[b.clone(), c, a]).unwrap(), 1);
        s.refresh_rollups().unwrap();
        s.refresh_rollups().unwrap();
        let st = s
            .statistics(
                &Filter::eq("meter", "cpu"),
                None,
                &[],
                &[Aggregate::Stddev, Aggregate::Count],
            )
            .unwrap();
        let agg = st[0].aggregate().unwrap();
        assert_eq!(agg["count"], 3.0, "{}", db.label);
        assert!(
            (agg["stddev"] - (8.0f64 / 3.0).sqrt()).abs() < 1e-12,
            "{agg:?}"
        );
        assert_eq!(
            query_int(&db, "SELECT CAST(sum(n) AS BIGINT) FROM sample_rollups"),
            3
        );
    }
}

/// The `b`-th batch of 1,000 `cpu` samples, one a second, over 100
/// resources.
fn cpu_batch(b: usize) -> Vec<StoredSample> {
    // 2026-01-01, in the past: the hours over get rollup pages.
    let t0 = 1_767_225_600 * 1_000_000i64;
    (0..1000)
        .map(|i| {
            let n = b * 1000 + i;
            sample(
                &format!("m{n}"),
                "cpu",
                &format!("r{}", n % 100),
                None,
                None,
                &Timestamp(t0 + n as i64 * 1_000_000).to_string(),
                1.0,
                json!({}),
            )
        })
        .collect()
}

/// On PostgreSQL the step that writes an hour's pages reads them once
/// after its commit, so their rows are marked committed (hint bits) before
/// any statistics query reads them (a query would otherwise dirty every
/// page again).
#[test]
fn pages_are_marked_committed_by_the_step_that_wrote_them() {
    for db in both("rollup_hint_bits") {
        if db.label != "postgres" {
            continue;
        }
        let now = Timestamp::now().micros();
        let start = now - now.rem_euclid(HOUR) - 4 * HOUR;
        let samples: Vec<StoredSample> = (0..4 * 60 * 20)
            .map(|i: i64| {
                sample(
                    &format!("hint-{i}"),
                    "cpu",
                    &format!("r{}", i % 20),
                    None,
                    None,
                    &Timestamp(start + (i / 20) * MINUTE).to_string(),
                    1.0,
                    json!({"flavor": "m1.tiny"}),
                )
            })
            .collect();
        db.s().record_samples(&samples).unwrap();
        db.s().refresh_rollups().unwrap();
        // Before anything else reads the pages: their tuples as stored.
        execute(&db, "CREATE EXTENSION IF NOT EXISTS pageinspect");
        let tuple_masks = "FROM generate_series(0, pg_relation_size('rollup_pages') / 8192 - 1) AS b, \
             LATERAL heap_page_items(get_raw_page('rollup_pages', CAST(b AS INTEGER))) AS t \
             WHERE t.t_infomask IS NOT NULL";
        let pages = query_int(&db, &format!("SELECT count(*) {tuple_masks}"));
        // 20 resource rows, 2 hours over: an hour is over once the hour
        // after it has ended too, and the latest samples are of the hour
        // before this one.
        assert_eq!(pages, 40, "page rows");
        let unmarked = query_int(
            &db,
            &format!("SELECT count(*) {tuple_masks} AND t.t_infomask & 256 = 0"),
        );
        assert_eq!(unmarked, 0, "page rows not marked committed");
    }
}

#[test]
fn writes_keep_the_rollups_up_to_date() {
    // Without refresh_rollups: every 50,000 samples or so a write rolls up.
    for db in both("rollup_auto") {
        let s = db.s();
        for b in 0..60 {
            s.record_samples(&cpu_batch(b)).unwrap();
        }
        // The step runs in the background: wait for it.
        let started = std::time::Instant::now();
        let mut watermark = 0;
        while watermark < 50_000 && started.elapsed() < Duration::from_secs(30) {
            std::thread::sleep(Duration::from_millis(50));
            watermark = query_int(&db, "SELECT watermark FROM storage_state");
        }
        assert!(watermark >= 50_000, "{}: watermark {watermark}", db.label);
        let rolled = query_int(&db, "SELECT CAST(sum(n) AS BIGINT) FROM sample_rollups");
        let below = query_int(
            &db,
            &format!("SELECT count(*) FROM samples WHERE id <= {watermark}"),
        );
        assert_eq!(rolled, below, "{}", db.label);
        let st = s
            .statistics(&Filter::eq("meter", "cpu"), Some(300), &[], &[])
            .unwrap();
        assert_eq!(counted(&st), 60_000);
    }
}

/// The storage tables analyzed so far: on PostgreSQL by anyone, on SQLite
/// those with planner statistics.
fn tables_analyzed(db: &Db) -> i64 {
    if db.label == "postgres" {
        return query_int(
            db,
            "SELECT count(*) FROM pg_stat_user_tables WHERE relname IN \
             ('samples', 'sample_rollups', 'rollup_pages', 'resources', 'meters') \
             AND last_analyze IS NOT NULL",
        );
    }
    if query_int(
        db,
        "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'",
    ) == 0
    {
        return 0;
    }
    query_int(
        db,
        "SELECT count(DISTINCT tbl) FROM sqlite_stat1 WHERE tbl IN \
         ('samples', 'sample_rollups', 'rollup_pages', 'resources', 'meters')",
    )
}

#[test]
fn the_tables_get_analyzed_where_nothing_else_does() {
    // After 100,000 rolled-up samples, maintenance runs ANALYZE itself: on
    // SQLite always, on PostgreSQL where autovacuum is off (as on the test
    // server).
    for db in both("rollup_analyze") {
        let s = db.s();
        let ours = db.label == "sqlite"
            || query_int(
                &db,
                "SELECT CAST(CAST(current_setting('autovacuum') = 'off' AS INTEGER) AS BIGINT)",
            ) == 1;
        assert_eq!(
            tables_analyzed(&db),
            0,
            "{}: analyzed before any write",
            db.label
        );
        for b in 0..120 {
            s.record_samples(&cpu_batch(b)).unwrap();
            if b == 60 && ours {
                // Rolled up once (about 50,000), below the first threshold:
                // once that step is over (and an ANALYZE after it would be
                // too), nothing is analyzed.
                let started = std::time::Instant::now();
                while query_int(&db, "SELECT watermark FROM storage_state") < 50_000
                    && started.elapsed() < Duration::from_secs(30)
                {
                    std::thread::sleep(Duration::from_millis(20));
                }
                std::thread::sleep(Duration::from_millis(500));
                assert_eq!(
                    tables_analyzed(&db),
                    0,
                    "{}: analyzed below 100,000 samples",
                    db.label
                );
            }
        }
        if ours {
            let started = std::time::Instant::now();
            while tables_analyzed(&db) < 5 && started.elapsed() < Duration::from_secs(30) {
                std::thread::sleep(Duration::from_millis(100));
            }
            assert_eq!(
                tables_analyzed(&db),
                5,
                "{}: the five tables analyzed",
                db.label
            );
        }
    }
}

#[test]
fn expiry_and_maintenance_running_with_writers_lose_nothing() {
    // Two writers store samples of rotating resources, half of them old;
    // meanwhile the expirer removes old samples (and resource rows and
    // meters left without any) and rollup maintenance runs. Afterwards no
    // sample names a missing meter or resource row, and the rollups
    // describe exactly the samples they cover.
    let now = Timestamp::now().micros();
    for db in both("rollup_race") {
        let writers: Vec<BlockingStorage> = (0..2)
            .map(|_| BlockingStorage::open(&db.url).unwrap())
            .collect();
        let stop = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|scope| {
            for (w, storage) in writers.iter().enumerate() {
                let stop = &stop;
                scope.spawn(move || {
                    let mut round = 0;
                    while !stop.load(std::sync::atomic::Ordering::SeqCst) && round < 400 {
                        let batch: Vec<_> = (0..20)
                            .map(|i| {
                                let old = (round + i) % 2 == 0;
                                let t = if old { now - 10 * HOUR } else { now - MINUTE };
                                sample(
                                    &format!("w{w}-{round}-{i}"),
                                    ["cpu", "disk"][i % 2],
                                    &format!("r{}", (round + i) % 7),
                                    Some("u"),
                                    Some("p"),
                                    &Timestamp(t + i as i64).to_string(),
                                    1.0,
                                    json!({"round": round % 3}),
                                )
                            })
                            .collect();
                        loop {
                            match storage.record_samples(&batch) {
                                Ok(_) => break,
                                Err(e) if e.is_retryable() => continue,
                                Err(e) => panic!("{}: {e:?}", db.label),
                            }
                        }
                        round += 1;
                    }
                });
            }
            let s = db.s();
            for _ in 0..15 {
                loop {
                    match s.clear_expired(Some(Duration::from_secs(3600)), None) {
                        Ok(_) => break,
                        Err(e) if e.is_retryable() => continue,
                        Err(e) => panic!("{}: {e:?}", db.label),
                    }
                }
                s.refresh_rollups().unwrap();
                std::thread::sleep(Duration::from_millis(20));
            }
            stop.store(true, std::sync::atomic::Ordering::SeqCst);
        });
        let s = db.s();
        s.refresh_rollups().unwrap();
        let orphans = query_int(
            &db,
            "SELECT count(*) FROM samples s WHERE NOT EXISTS (SELECT 1 FROM meters m \
             WHERE m.id = s.meter_id) OR NOT EXISTS (SELECT 1 FROM resources r \
             WHERE r.id = s.resource_pk)",
        );
        assert_eq!(orphans, 0, "{}", db.label);
        let samples = query_int(&db, "SELECT count(*) FROM samples");
        assert!(samples > 0, "{}", db.label);
        let mismatched = query_int(
            &db,
            "SELECT count(*) FROM (SELECT meter_id, resource_pk, \
             ts - ((ts % 300000000) + 300000000) % 300000000 AS bucket, count(*) AS n \
             FROM samples GROUP BY 1, 2, 3) s FULL OUTER JOIN sample_rollups r \
             ON r.meter_id = s.meter_id AND r.resource_pk = s.resource_pk AND r.bucket = s.bucket \
             WHERE r.n IS NULL OR s.n IS NULL OR r.n <> s.n",
        );
        assert_eq!(mismatched, 0, "{}: rollups and samples differ", db.label);
        let raw = raw_reader(&db);
        let f = Filter::eq("meter", "cpu");
        let got = s
            .statistics(&f, Some(300), &["resource_id".into()], &[])
            .unwrap();
        let want = raw
            .statistics(&f, Some(300), &["resource_id".into()], &[])
            .unwrap();
        let q: Query = (f, Some(300), vec!["resource_id".into()], vec![]);
        assert_same(db.label, &q, &got, &want);
        assert_eq!(
            counted(&got) as i64,
            query_int(
                &db,
                "SELECT count(*) FROM samples s JOIN meters m ON m.id = s.meter_id WHERE m.name = 'cpu'"
            )
        );
    }
}

/// Applies only the first schema migration, as a database made before
/// rollups existed, and runs `statements` on it.
fn first_schema(url: &str, postgres: bool, statements: &[String]) {
    use std::borrow::Cow;

    use sqlx::migrate::{Migration, MigrationType, Migrator};
    let sql = if postgres {
        include_str!("../../migrations/postgres/0001_schema.sql")
    } else {
        include_str!("../../migrations/sqlite/0001_schema.sql")
    };
    let migrator = Migrator {
        migrations: Cow::Owned(vec![Migration::new(
            1,
            Cow::Borrowed("schema"),
            MigrationType::Simple,
            Cow::Borrowed(sql),
            false,
        )]),
        ..Migrator::DEFAULT
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        if postgres {
            let pool = sqlx::PgPool::connect(url).await.unwrap();
            migrator.run(&pool).await.unwrap();
            for s in statements {
                sqlx::query(s).execute(&pool).await.unwrap();
            }
            pool.close().await;
        } else {
            let options = sqlx::sqlite::SqliteConnectOptions::new()
                .filename(url.strip_prefix("sqlite:///").unwrap())
                .create_if_missing(true);
            let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
            migrator.run(&pool).await.unwrap();
            for s in statements {
                sqlx::query(s).execute(&pool).await.unwrap();
            }
            pool.close().await;
        }
    });
}

#[test]
fn a_database_of_the_first_schema_keeps_its_samples() {
    // Made before rollups: its samples are above the (new) watermark and
    // read from samples, then rolled up like any others.
    for db in both("upgrade") {
        let postgres = db.label == "postgres";
        // A database of its own next to the suite's.
        let url = if postgres {
            let name = format!("{}_first", db.url.rsplit('/').next().unwrap());
            execute(&db, &format!("CREATE DATABASE {name}"));
            format!("{}/{name}", crate::common::pg_server())
        } else {
            db.url.replace("nepho.db", "first.db")
        };
        let t0 = 1_800_000_000 * 1_000_000i64;
        let mut statements = vec![
            "INSERT INTO meters (name, type, unit) VALUES ('cpu', 'gauge', '%')".to_string(),
            "INSERT INTO resources (resource_key, resource_id, user_id, project_id, source, \
             metadata) VALUES ('old-key', 'r1', 'u', 'p', 'openstack', '{}')"
                .to_string(),
        ];
        for i in 0..50i64 {
            statements.push(format!(
                "INSERT INTO samples (meter_id, resource_pk, volume, ts, recorded_at, message_id) \
                 VALUES (1, 1, {i}, {}, {t0}, 'old-{i}')",
                t0 + i * MINUTE
            ));
        }
        first_schema(&url, postgres, &statements);

        let s = BlockingStorage::open(&url).unwrap();
        let raw = BlockingStorage::open_with(
            &url,
            &Options {
                rollup_statistics: false,
                ..Options::default()
            },
        )
        .unwrap();
        let f = Filter::eq("meter", "cpu")
            .and(Filter::cmp("timestamp", Op::Ge, Timestamp(t0)))
            .and(Filter::cmp("timestamp", Op::Lt, Timestamp(t0 + 2 * HOUR)));
        let q: Query = (f.clone(), Some(300), vec!["resource_id".into()], vec![]);
        let check = |what: &str, n: u64| {
            let got = s.statistics(&q.0, q.1, &q.2, &q.3).unwrap();
            let want = raw.statistics(&q.0, q.1, &q.2, &q.3).unwrap();
            assert_same(&format!("{} {what}", db.label), &q, &got, &want);
            assert_eq!(counted(&got), n, "{} {what}", db.label);
        };
        check("upgraded", 50);
        // A redelivered old sample is still skipped; new ones are stored.
        let more: Vec<_> = (45..60)
            .map(|i| {
                sample(
                    &format!("old-{i}"),
                    "cpu",
                    "r1",
                    Some("u"),
                    Some("p"),
                    &Timestamp(t0 + i * MINUTE).to_string(),
                    i as f64,
                    json!({}),
                )
            })
            .collect();
        assert_eq!(s.record_samples(&more).unwrap(), 10, "{}", db.label);
        check("with new samples", 60);
        s.refresh_rollups().unwrap();
        check("rolled up", 60);
        if postgres {
            assert_eq!(
                query_int_at(
                    &url,
                    true,
                    "SELECT count(*) FROM information_schema.table_constraints \
                     WHERE table_name = 'samples' AND constraint_type = 'FOREIGN KEY'"
                ),
                0
            );
            assert_eq!(
                query_int_at(
                    &url,
                    true,
                    "SELECT count(*) FROM information_schema.columns WHERE table_name = 'samples' \
                     AND column_name = 'message_id' AND collation_name = 'C'"
                ),
                1
            );
            drop((s, raw));
            let name = url.rsplit('/').next().unwrap();
            execute(&db, &format!("DROP DATABASE {name} WITH (FORCE)"));
        }
    }
}

#[test]
fn maintenance_waits_for_writes_in_flight() {
    // A write transaction that took a sample id and has not committed: a
    // maintenance step must not move the watermark past that id before it
    // ends, or its sample would be in neither the rollups nor the tail.
    use sqlx::Connection;
    let db = both("rollup_in_flight").pop().unwrap();
    assert_eq!(db.label, "postgres");
    let s = db.s();
    let t = |m: i64| Timestamp(1_800_000_000 * 1_000_000 + m * MINUTE).to_string();
    s.record_samples(&[sample(
        "first",
        "cpu",
        "r",
        None,
        None,
        &t(0),
        1.0,
        json!({}),
    )])
    .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut c = rt.block_on(sqlx::PgConnection::connect(&db.url)).unwrap();
    rt.block_on(async {
        // As a writer does (write_samples.rs): the writers' lock, then ids.
        for statement in [
            "BEGIN",
            "SELECT pg_advisory_xact_lock_shared(1852141672, 1)",
            "INSERT INTO samples (meter_id, resource_pk, volume, ts, recorded_at, message_id) \
             SELECT meter_id, resource_pk, 5.0, ts + 60000000, recorded_at, 'in-flight' \
             FROM samples WHERE message_id = 'first'",
        ] {
            sqlx::query(statement).execute(&mut c).await.unwrap();
        }
    });
    // A later write takes a higher id and commits.
    s.record_samples(&[sample(
        "later",
        "cpu",
        "r",
        None,
        None,
        &t(2),
        3.0,
        json!({}),
    )])
    .unwrap();
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            s.refresh_rollups().unwrap();
            done.store(true, std::sync::atomic::Ordering::SeqCst);
        });
        std::thread::sleep(Duration::from_millis(500));
        assert!(
            !done.load(std::sync::atomic::Ordering::SeqCst),
            "maintenance did not wait for the write in flight"
        );
        rt.block_on(sqlx::query("COMMIT").execute(&mut c)).unwrap();
    });
    assert!(done.load(std::sync::atomic::Ordering::SeqCst));
    assert_eq!(
        query_int(&db, "SELECT CAST(sum(n) AS BIGINT) FROM sample_rollups"),
        3
    );
    let st = s
        .statistics(&Filter::eq("meter", "cpu"), None, &[], &[])
        .unwrap();
    assert_eq!((st[0].count(), st[0].sum()), (Some(3), Some(9.0)));
}
