//! Recording a batch of samples in one transaction: validate everything
//! first (one bad record refuses the batch), then upsert the meters and
//! resource rows the id cache does not know (with their flattened
//! metadata), then insert the samples, skipping ids already stored.
//!
//! On PostgreSQL `samples` has no foreign keys (their per-row triggers were
//! the largest cost of an insert). Instead every write transaction holds
//! the writers' lock shared ([`crate::locks`]); the expirer deletes meters
//! and resource rows only while holding it exclusively, and then bumps
//! `storage_state.epoch`. A writer reads the epoch under its lock and
//! forgets every remembered id when it changed, so an id it uses always
//! names a row that exists until it commits. SQLite keeps its foreign keys
//! (one writer at a time; a remembered id removed by an expiry elsewhere
//! fails the batch retryably, and the retry looks ids up again).

use std::collections::HashMap;
use std::sync::Mutex;

use crate::bulk::{Columns, in_list};
use crate::db::{Arg, Dialect, Pool, Sql, Tx};
use crate::error::{Error, Result};
use crate::insert_samples::{Dedup, Inserted, SampleColumns, insert};
use crate::locks;
use crate::metadata::{Flat, canonical, flatten, resource_key};
use crate::model::StoredSample;
use crate::rollup::Maintenance;
use crate::sample_key::has_nul;
use crate::time::Timestamp;

const SAMPLE_TYPES: [&str; 3] = ["gauge", "delta", "cumulative"];
/// Keys per lookup statement.
const LOOKUP_CHUNK: usize = 500;

type MeterKey = (String, String, String);

/// A distinct resource row of a batch.
struct BatchResource {
    /// The id cache's key ([`crate::sample_key::cache_key`]).
    cache_key: u128,
    /// The first sample with this row (its fields and metadata are used).
    sample: usize,
    /// Its metadata parsed, when the id cache did not know the row.
    metadata: Option<serde_json::Value>,
}

struct Row {
    meter: usize,
    resource: usize,
    ts: i64,
    recorded_at: i64,
}

struct Prepared<'a> {
    meters: Vec<(&'a str, &'a str, &'a str)>,
    resources: Vec<BatchResource>,
    /// One per sample, in order.
    rows: Vec<Row>,
}

fn no_nul(i: usize, field: &str, s: &str) -> Result<()> {
    if s.as_bytes().contains(&0) {
        return Err(Error::record(i, field, "contains a NUL character"));
    }
    Ok(())
}

/// The metadata of sample `i` parsed (`null` is `{}`), or why it is
/// refused. Called only for resource rows the writer does not know: a
/// known row's metadata text was parsed and checked when it was stored.
fn parse_metadata(i: usize, s: &StoredSample) -> Result<serde_json::Value> {
    let value = s
        .resource_metadata
        .parse()
        .map_err(|e| Error::record(i, "resource_metadata", format!("not valid JSON: {e}")))?;
    let value = match value {
        serde_json::Value::Null => serde_json::Value::Object(serde_json::Map::new()),
        m @ serde_json::Value::Object(_) => m,
        _ => return Err(Error::record(i, "resource_metadata", "not a JSON object")),
    };
    // serde_json escapes NUL in the JSON text, but the flattened keys and
    // values hold it raw, which PostgreSQL refuses.
    if has_nul(&value) {
        return Err(Error::record(
            i,
            "resource_metadata",
            "contains a NUL character",
        ));
    }
    Ok(value)
}

fn validate(i: usize, s: &StoredSample) -> Result<()> {
    if s.name.is_empty() {
        return Err(Error::record(i, "name", "empty"));
    }
    if !SAMPLE_TYPES.contains(&s.sample_type.as_str()) {
        return Err(Error::record(
            i,
            "type",
            format!("{:?} is not gauge, delta or cumulative", s.sample_type),
        ));
    }
    if !s.volume.is_finite() {
        return Err(Error::record(i, "volume", "not a finite number"));
    }
    if s.resource_id.is_empty() {
        return Err(Error::record(i, "resource_id", "empty"));
    }
    if s.message_id.is_empty() {
        return Err(Error::record(i, "message_id", "empty"));
    }
    for (field, v) in [
        ("name", Some(s.name.as_str())),
        ("unit", Some(s.unit.as_str())),
        ("resource_id", Some(s.resource_id.as_str())),
        ("user_id", s.user_id.as_deref()),
        ("project_id", s.project_id.as_deref()),
        ("source", Some(s.source.as_str())),
        ("message_id", Some(s.message_id.as_str())),
        ("message_signature", s.message_signature.as_deref()),
    ] {
        no_nul(i, field, v.unwrap_or_default())?;
    }
    Ok(())
}

/// Validates the batch and finds its distinct meters and resource rows.
/// `cache` tells which rows were stored before (their metadata is known to
/// be free of NUL characters).
fn prepare<'a>(samples: &'a [StoredSample], cache: &IdCache) -> Result<Prepared<'a>> {
    let now = Timestamp::now().micros();
    let mut meter_idx: HashMap<(&str, &str, &str), usize> = HashMap::new();
    let mut meters = Vec::new();
    let mut res_idx: HashMap<u128, usize> = HashMap::new();
    let mut resources = Vec::new();
    let mut rows = Vec::with_capacity(samples.len());
    let mut scratch = Vec::with_capacity(2048);
    for (i, s) in samples.iter().enumerate() {
        validate(i, s)?;
        let ts = Timestamp::parse(&s.timestamp).map_err(|e| Error::record(i, "timestamp", e))?;
        let recorded_at = match &s.recorded_at {
            Some(r) => Timestamp::parse(r)
                .map_err(|e| Error::record(i, "recorded_at", e))?
                .micros(),
            None => now,
        };
        let key = crate::key_memo::key(s, &mut scratch);
        let resource = match res_idx.get(&key) {
            Some(&r) => r,
            None => {
                let metadata = if cache.knows(key) {
                    None
                } else {
                    Some(parse_metadata(i, s)?)
                };
                res_idx.insert(key, resources.len());
                resources.push(BatchResource {
                    cache_key: key,
                    sample: i,
                    metadata,
                });
                resources.len() - 1
            }
        };
        let mkey = (s.name.as_str(), s.sample_type.as_str(), s.unit.as_str());
        let meter = *meter_idx.entry(mkey).or_insert_with(|| {
            meters.push(mkey);
            meters.len() - 1
        });
        rows.push(Row {
            meter,
            resource,
            ts: ts.micros(),
            recorded_at,
        });
    }
    Ok(Prepared {
        meters,
        resources,
        rows,
    })
}

/// Ids of meters and resource rows already stored, so a batch only
/// upserts what is new. Cleared whenever a write fails (on SQLite an id
/// may have been removed by an expiry elsewhere: the foreign keys then
/// refuse the batch, retryably, and the retry looks everything up again),
/// when the expiry epoch changes (PostgreSQL) and when it grows too large.
#[derive(Debug, Default)]
pub(crate) struct IdCache {
    inner: Mutex<CacheInner>,
}

#[derive(Debug, Default)]
struct CacheInner {
    /// The `storage_state.epoch` the ids belong to (PostgreSQL).
    epoch: Option<i64>,
    meters: HashMap<MeterKey, i64>,
    resources: HashMap<u128, i64>,
}

/// Most resource rows remembered (about 50 bytes each).
const CACHE_MAX: usize = 200_000;

impl IdCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, CacheInner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether a resource row with this cache key was stored before.
    fn knows(&self, key: u128) -> bool {
        self.lock().resources.contains_key(&key)
    }

    /// Forgets every id.
    pub(crate) fn clear(&self) {
        let mut c = self.lock();
        c.meters.clear();
        c.resources.clear();
        c.epoch = None;
    }
}

/// Stores `samples` in one transaction; returns how many were new.
pub(crate) async fn record_samples(
    pool: &Pool,
    cache: &IdCache,
    maintenance: &std::sync::Arc<Maintenance>,
    durable: bool,
    samples: &[StoredSample],
) -> Result<usize> {
    if samples.is_empty() {
        return Ok(0);
    }
    let p = prepare(samples, cache)?;
    let mut result = write(pool, cache, &p, durable, samples, Dedup::Fail).await;
    if matches!(result, Ok(Inserted::Duplicate)) {
        // A message id is stored already: the batch again, skipping those.
        result = write(pool, cache, &p, durable, samples, Dedup::Skip).await;
    }
    let result = result.and_then(|inserted| match inserted {
        Inserted::Rows(n) => Ok(n),
        Inserted::Duplicate => Err(Error::Database(
            "the insert skipping stored ids reported a duplicate".into(),
        )),
    });
    match result {
        Ok(stored) => {
            maintenance.after_write(pool, stored);
            Ok(usize::try_from(stored).unwrap_or(usize::MAX))
        }
        Err(e) => {
            cache.clear();
            Err(e)
        }
    }
}

/// A resource row to upsert: its canonical key and fields.
struct NewResource<'a> {
    key: String,
    sample: &'a StoredSample,
    /// The metadata parsed, and as canonical JSON.
    metadata: serde_json::Value,
    canonical: String,
}

async fn write(
    pool: &Pool,
    cache: &IdCache,
    p: &Prepared<'_>,
    durable: bool,
    samples: &[StoredSample],
    dedup: Dedup,
) -> Result<Inserted> {
    let d = pool.dialect();
    let begin = if durable {
        locks::PG_BEGIN_WRITE
    } else {
        locks::PG_BEGIN_WRITE_ASYNC
    };
    let mut tx = pool.begin_with("BEGIN", begin).await?;
    let epoch = match d {
        Dialect::Postgres => Some(locks::epoch(&mut tx).await?),
        Dialect::Sqlite => None,
    };
    // Split what the cache knows from what must be upserted.
    let mut meter_ids: Vec<i64> = vec![0; p.meters.len()];
    let mut resource_ids: Vec<i64> = vec![0; p.resources.len()];
    let mut new_meters: Vec<MeterKey> = Vec::new();
    let mut new_meter_at = Vec::new();
    let mut new_resource_at = Vec::new();
    {
        let mut c = cache.lock();
        if c.epoch != epoch {
            c.meters.clear();
            c.resources.clear();
            c.epoch = epoch;
        }
        for (i, m) in p.meters.iter().enumerate() {
            let key = (m.0.to_string(), m.1.to_string(), m.2.to_string());
            match c.meters.get(&key) {
                Some(&id) => meter_ids[i] = id,
                None => {
                    new_meters.push(key);
                    new_meter_at.push(i);
                }
            }
        }
        for (i, r) in p.resources.iter().enumerate() {
            match c.resources.get(&r.cache_key) {
                Some(&id) => resource_ids[i] = id,
                None => new_resource_at.push(i),
            }
        }
    }
    let found = upsert_meters(&mut tx, d, &new_meters).await?;
    for (&i, id) in new_meter_at.iter().zip(&found) {
        meter_ids[i] = *id;
    }
    let new_resources: Vec<NewResource> = new_resource_at
        .iter()
        .map(|&i| {
            let r = &p.resources[i];
            let metadata = match &r.metadata {
                Some(m) => m.clone(),
                // Known when the batch was prepared, forgotten since.
                None => parse_metadata(r.sample, &samples[r.sample])?,
            };
            Ok(new_resource(&samples[r.sample], metadata))
        })
        .collect::<Result<_>>()?;
    let found_resources = upsert_resources(&mut tx, d, &new_resources).await?;
    for (&i, id) in new_resource_at.iter().zip(&found_resources) {
        resource_ids[i] = *id;
    }
    let mut cols = SampleColumns::with_capacity(samples.len());
    for (r, s) in p.rows.iter().zip(samples) {
        cols.meter_id.push(meter_ids[r.meter]);
        cols.resource_pk.push(resource_ids[r.resource]);
        cols.volume.push(s.volume);
        cols.ts.push(r.ts);
        cols.recorded_at.push(r.recorded_at);
        cols.message_id.push(&s.message_id);
        cols.message_signature.push(s.message_signature.as_deref());
        cols.monotonic_time.push(s.monotonic_time);
    }
    let stored = match insert(&mut tx, &cols, dedup).await? {
        Inserted::Rows(n) => n,
        // Dropping the aborted transaction rolls it back.
        Inserted::Duplicate => return Ok(Inserted::Duplicate),
    };
    tx.commit().await?;
    // Only ids seen committed, in the epoch they were read in, are remembered.
    let mut c = cache.lock();
    if c.epoch == epoch {
        if c.resources.len() + new_resource_at.len() > CACHE_MAX {
            c.resources.clear();
        }
        for (m, id) in new_meters.into_iter().zip(found) {
            c.meters.insert(m, id);
        }
        for (&i, id) in new_resource_at.iter().zip(found_resources) {
            c.resources.insert(p.resources[i].cache_key, id);
        }
    }
    Ok(Inserted::Rows(stored))
}

fn new_resource(s: &StoredSample, metadata: serde_json::Value) -> NewResource<'_> {
    let canonical = canonical(&metadata);
    let key = resource_key(
        &s.resource_id,
        s.user_id.as_deref(),
        s.project_id.as_deref(),
        &s.source,
        &canonical,
    );
    NewResource {
        key,
        sample: s,
        metadata,
        canonical,
    }
}

/// Ids of `meters` (name, type, unit), inserting the missing ones.
async fn upsert_meters(tx: &mut Tx, d: Dialect, meters: &[MeterKey]) -> Result<Vec<i64>> {
    if meters.is_empty() {
        return Ok(Vec::new());
    }
    // Sorted, so concurrent writers lock in the same order.
    let mut order: Vec<usize> = (0..meters.len()).collect();
    order.sort_by(|a, b| meters[*a].cmp(&meters[*b]));
    let column = |f: fn(&MeterKey) -> &String| -> Vec<Arg> {
        order
            .iter()
            .map(|&i| Arg::Text(f(&meters[i]).clone()))
            .collect()
    };
    let cols = Columns {
        cols: vec![
            ("name", "text[]", column(|m| &m.0)),
            ("type", "text[]", column(|m| &m.1)),
            ("unit", "text[]", column(|m| &m.2)),
        ],
    };
    for sql in cols.insert(d, "meters", "ON CONFLICT (name, type, unit) DO NOTHING") {
        tx.execute(&sql).await?;
    }
    let mut names: Vec<String> = meters.iter().map(|m| m.0.clone()).collect();
    names.sort();
    names.dedup();
    let mut found: HashMap<MeterKey, i64> = HashMap::new();
    for chunk in names.chunks(LOOKUP_CHUNK) {
        let mut sql = Sql::new(d);
        sql.push("SELECT id, name, type, unit FROM meters WHERE ");
        in_list(&mut sql, "name", chunk);
        for row in tx.fetch(&sql).await? {
            found.insert((row.text(1)?, row.text(2)?, row.text(3)?), row.int(0)?);
        }
    }
    meters
        .iter()
        .map(|m| {
            found
                .get(m)
                .copied()
                .ok_or_else(|| Error::Conflict(format!("meter {} vanished during the write", m.0)))
        })
        .collect()
}

/// Ids of the resource rows, inserting the missing ones with their
/// flattened metadata.
async fn upsert_resources(
    tx: &mut Tx,
    d: Dialect,
    resources: &[NewResource<'_>],
) -> Result<Vec<i64>> {
    if resources.is_empty() {
        return Ok(Vec::new());
    }
    let mut order: Vec<usize> = (0..resources.len()).collect();
    order.sort_by(|a, b| resources[*a].key.cmp(&resources[*b].key));
    let pick = |f: &dyn Fn(&NewResource) -> Arg| order.iter().map(|&i| f(&resources[i])).collect();
    let cols = Columns {
        cols: vec![
            (
                "resource_key",
                "text[]",
                pick(&|r| Arg::Text(r.key.clone())),
            ),
            (
                "resource_id",
                "text[]",
                pick(&|r| Arg::Text(r.sample.resource_id.clone())),
            ),
            (
                "user_id",
                "text[]",
                pick(&|r| Arg::OptText(r.sample.user_id.clone())),
            ),
            (
                "project_id",
                "text[]",
                pick(&|r| Arg::OptText(r.sample.project_id.clone())),
            ),
            (
                "source",
                "text[]",
                pick(&|r| Arg::Text(r.sample.source.clone())),
            ),
            (
                "metadata",
                "text[]",
                pick(&|r| Arg::Text(r.canonical.clone())),
            ),
        ],
    };
    let by_key: HashMap<&str, usize> = resources
        .iter()
        .enumerate()
        .map(|(i, r)| (r.key.as_str(), i))
        .collect();
    let mut new_rows: Vec<(i64, usize)> = Vec::new();
    for sql in cols.insert(
        d,
        "resources",
        "ON CONFLICT (resource_key) DO NOTHING RETURNING id, resource_key",
    ) {
        for row in tx.fetch(&sql).await? {
            let key = row.text(1)?;
            if let Some(&i) = by_key.get(key.as_str()) {
                new_rows.push((row.int(0)?, i));
            }
        }
    }
    insert_metadata(tx, d, resources, &new_rows).await?;
    let mut keys: Vec<String> = resources.iter().map(|r| r.key.clone()).collect();
    keys.sort();
    keys.dedup();
    let mut found: HashMap<String, i64> = HashMap::new();
    for chunk in keys.chunks(LOOKUP_CHUNK) {
        let mut sql = Sql::new(d);
        sql.push("SELECT id, resource_key FROM resources WHERE ");
        in_list(&mut sql, "resource_key", chunk);
        for row in tx.fetch(&sql).await? {
            found.insert(row.text(1)?, row.int(0)?);
        }
    }
    resources
        .iter()
        .map(|r| {
            found.get(&r.key).copied().ok_or_else(|| {
                Error::Conflict(format!(
                    "resource {} vanished during the write",
                    r.sample.resource_id
                ))
            })
        })
        .collect()
}

async fn insert_metadata(
    tx: &mut Tx,
    d: Dialect,
    resources: &[NewResource<'_>],
    new_rows: &[(i64, usize)],
) -> Result<()> {
    let tables = [
        ("metadata_text", "text[]"),
        ("metadata_int", "bigint[]"),
        ("metadata_float", "float8[]"),
        ("metadata_bool", "boolean[]"),
    ];
    let mut per_table: [Vec<(i64, String, Arg)>; 4] = Default::default();
    for &(pk, i) in new_rows {
        for (k, v) in flatten(&resources[i].metadata) {
            let (t, arg) = match v {
                Flat::Text(s) => (0, Arg::Text(s)),
                Flat::Int(n) => (1, Arg::Int(n)),
                Flat::Float(f) => (2, Arg::Float(f)),
                Flat::Bool(b) => (3, Arg::Bool(b)),
            };
            per_table[t].push((pk, k, arg));
        }
    }
    for ((table, ty), rows) in tables.into_iter().zip(per_table) {
        if rows.is_empty() {
            continue;
        }
        let mut pks = Vec::with_capacity(rows.len());
        let mut keys = Vec::with_capacity(rows.len());
        let mut values = Vec::with_capacity(rows.len());
        for (pk, k, v) in rows {
            pks.push(Arg::Int(pk));
            keys.push(Arg::Text(k));
            values.push(v);
        }
        let cols = Columns {
            cols: vec![
                ("resource_pk", "bigint[]", pks),
                ("meta_key", "text[]", keys),
                ("value", ty, values),
            ],
        };
        for sql in cols.insert(d, table, "ON CONFLICT (resource_pk, meta_key) DO NOTHING") {
            tx.execute(&sql).await?;
        }
    }
    Ok(())
}
