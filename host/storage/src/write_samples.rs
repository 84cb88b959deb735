//! Recording a batch of samples in one transaction: validate everything
//! first (one bad record refuses the batch), then upsert meters and resource
//! rows (with their flattened metadata), then insert the samples, skipping
//! ids already stored.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::bulk::{Columns, in_list};
use crate::db::{Arg, Pool, Sql, Tx};
use crate::error::{Error, Result};
use crate::metadata::{Flat, canonical, flatten, resource_key};
use crate::model::StoredSample;
use crate::time::Timestamp;

const SAMPLE_TYPES: [&str; 3] = ["gauge", "delta", "cumulative"];
/// Keys per lookup statement.
const LOOKUP_CHUNK: usize = 500;

struct ResourceRow {
    key: String,
    resource_id: String,
    user_id: Option<String>,
    project_id: Option<String>,
    source: String,
    metadata: String,
    /// The sample whose metadata this is (flattened only if the row is new).
    sample: usize,
}

struct Row {
    meter: usize,
    resource: usize,
    volume: f64,
    ts: i64,
    recorded_at: i64,
    message_id: String,
    signature: Option<String>,
    monotonic: Option<f64>,
}

struct Prepared {
    meters: Vec<(String, String, String)>,
    resources: Vec<ResourceRow>,
    rows: Vec<Row>,
}

fn no_nul(i: usize, field: &str, s: &str) -> Result<()> {
    if s.contains('\0') {
        return Err(Error::record(i, field, "contains a NUL character"));
    }
    Ok(())
}

fn has_nul(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::String(s) => s.contains('\0'),
        serde_json::Value::Array(items) => items.iter().any(has_nul),
        serde_json::Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
        _ => false,
    }
}

fn prepare(samples: &[StoredSample]) -> Result<Prepared> {
    let now = Timestamp::now().micros();
    let mut meter_idx: HashMap<(String, String, String), usize> = HashMap::new();
    let mut meters = Vec::new();
    let mut res_idx: HashMap<String, usize> = HashMap::new();
    let mut resources = Vec::new();
    let mut rows = Vec::with_capacity(samples.len());
    for (i, s) in samples.iter().enumerate() {
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
        let ts = Timestamp::parse(&s.timestamp).map_err(|e| Error::record(i, "timestamp", e))?;
        let recorded_at = match &s.recorded_at {
            Some(r) => Timestamp::parse(r)
                .map_err(|e| Error::record(i, "recorded_at", e))?
                .micros(),
            None => now,
        };
        let empty = serde_json::Value::Object(Default::default());
        let meta = match &s.resource_metadata {
            serde_json::Value::Null => &empty,
            m @ serde_json::Value::Object(_) => m,
            _ => return Err(Error::record(i, "resource_metadata", "not a JSON object")),
        };
        let canon = canonical(meta);
        let key = resource_key(
            &s.resource_id,
            s.user_id.as_deref(),
            s.project_id.as_deref(),
            &s.source,
            &canon,
        );
        let resource = match res_idx.get(&key) {
            Some(&r) => r,
            None => {
                // serde_json escapes NUL in the JSON text, but the flattened
                // keys and values hold it raw, which PostgreSQL refuses.
                if has_nul(meta) {
                    return Err(Error::record(
                        i,
                        "resource_metadata",
                        "contains a NUL character",
                    ));
                }
                res_idx.insert(key.clone(), resources.len());
                resources.push(ResourceRow {
                    key,
                    resource_id: s.resource_id.clone(),
                    user_id: s.user_id.clone(),
                    project_id: s.project_id.clone(),
                    source: s.source.clone(),
                    metadata: canon,
                    sample: i,
                });
                resources.len() - 1
            }
        };
        let mkey = (s.name.clone(), s.sample_type.clone(), s.unit.clone());
        let meter = match meter_idx.get(&mkey) {
            Some(&m) => m,
            None => {
                meter_idx.insert(mkey.clone(), meters.len());
                meters.push(mkey);
                meters.len() - 1
            }
        };
        rows.push(Row {
            meter,
            resource,
            volume: s.volume,
            ts: ts.micros(),
            recorded_at,
            message_id: s.message_id.clone(),
            signature: s.message_signature.clone(),
            monotonic: s.monotonic_time,
        });
    }
    Ok(Prepared {
        meters,
        resources,
        rows,
    })
}

/// Ids of meters and resource rows already stored, so a batch only
/// upserts what is new. Cleared whenever a write fails (an id may have been
/// removed by an expiry: the foreign keys then refuse the batch, retryably,
/// and the retry looks everything up again) and when it grows too large.
#[derive(Debug, Default)]
pub(crate) struct IdCache {
    inner: Mutex<CacheInner>,
}

#[derive(Debug, Default)]
struct CacheInner {
    meters: HashMap<(String, String, String), i64>,
    resources: HashMap<String, i64>,
}

/// Most resource rows remembered (about 100 bytes each).
const CACHE_MAX: usize = 200_000;

impl IdCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, CacheInner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Forgets every id.
    pub(crate) fn clear(&self) {
        let mut c = self.lock();
        c.meters.clear();
        c.resources.clear();
    }
}

/// Stores `samples` in one transaction; returns how many were new.
pub(crate) async fn record_samples(
    pool: &Pool,
    cache: &IdCache,
    samples: &[StoredSample],
) -> Result<usize> {
    if samples.is_empty() {
        return Ok(0);
    }
    let p = prepare(samples)?;
    let result = write(pool, cache, p, samples).await;
    if result.is_err() {
        cache.clear();
    }
    result
}

async fn write(
    pool: &Pool,
    cache: &IdCache,
    p: Prepared,
    samples: &[StoredSample],
) -> Result<usize> {
    let d = pool.dialect();
    // Split what the cache knows from what must be upserted.
    let mut meter_ids: Vec<i64> = vec![0; p.meters.len()];
    let mut resource_ids: Vec<i64> = vec![0; p.resources.len()];
    let mut new_meters = Vec::new();
    let mut new_meter_at = Vec::new();
    let mut new_resources = Vec::new();
    let mut new_resource_at = Vec::new();
    {
        let c = cache.lock();
        for (i, m) in p.meters.iter().enumerate() {
            match c.meters.get(m) {
                Some(&id) => meter_ids[i] = id,
                None => {
                    new_meters.push(m.clone());
                    new_meter_at.push(i);
                }
            }
        }
        for (i, r) in p.resources.into_iter().enumerate() {
            match c.resources.get(&r.key) {
                Some(&id) => resource_ids[i] = id,
                None => {
                    new_resources.push(r);
                    new_resource_at.push(i);
                }
            }
        }
    }
    let mut tx = pool.begin().await?;
    let found = upsert_meters(&mut tx, d, &new_meters).await?;
    for (&i, id) in new_meter_at.iter().zip(&found) {
        meter_ids[i] = *id;
    }
    let found_resources = upsert_resources(&mut tx, d, &new_resources, samples).await?;
    for (&i, id) in new_resource_at.iter().zip(&found_resources) {
        resource_ids[i] = *id;
    }
    let mut cols = Columns {
        cols: vec![
            ("meter_id", "bigint[]", Vec::with_capacity(p.rows.len())),
            ("resource_pk", "bigint[]", Vec::with_capacity(p.rows.len())),
            ("volume", "float8[]", Vec::with_capacity(p.rows.len())),
            ("ts", "bigint[]", Vec::with_capacity(p.rows.len())),
            ("recorded_at", "bigint[]", Vec::with_capacity(p.rows.len())),
            ("message_id", "text[]", Vec::with_capacity(p.rows.len())),
            (
                "message_signature",
                "text[]",
                Vec::with_capacity(p.rows.len()),
            ),
            (
                "monotonic_time",
                "float8[]",
                Vec::with_capacity(p.rows.len()),
            ),
        ],
    };
    for r in p.rows {
        let values = [
            Arg::Int(meter_ids[r.meter]),
            Arg::Int(resource_ids[r.resource]),
            Arg::Float(r.volume),
            Arg::Int(r.ts),
            Arg::Int(r.recorded_at),
            Arg::Text(r.message_id),
            Arg::OptText(r.signature),
            Arg::OptFloat(r.monotonic),
        ];
        for (col, v) in cols.cols.iter_mut().zip(values) {
            col.2.push(v);
        }
    }
    let mut stored = 0u64;
    for sql in cols.insert(d, "samples", "ON CONFLICT (message_id) DO NOTHING") {
        stored += tx.execute(&sql).await?;
    }
    tx.commit().await?;
    // Only ids seen committed are remembered.
    let mut c = cache.lock();
    if c.resources.len() + new_resources.len() > CACHE_MAX {
        c.resources.clear();
    }
    for (m, id) in new_meters.into_iter().zip(found) {
        c.meters.insert(m, id);
    }
    for (r, id) in new_resources.into_iter().zip(found_resources) {
        c.resources.insert(r.key, id);
    }
    Ok(usize::try_from(stored).unwrap_or(usize::MAX))
}

/// Ids of `meters` (name, type, unit), inserting the missing ones.
async fn upsert_meters(
    tx: &mut Tx,
    d: crate::db::Dialect,
    meters: &[(String, String, String)],
) -> Result<Vec<i64>> {
    if meters.is_empty() {
        return Ok(Vec::new());
    }
    // Sorted, so concurrent writers lock in the same order.
    let mut order: Vec<usize> = (0..meters.len()).collect();
    order.sort_by(|a, b| meters[*a].cmp(&meters[*b]));
    let cols = Columns {
        cols: vec![
            (
                "name",
                "text[]",
                order
                    .iter()
                    .map(|&i| Arg::Text(meters[i].0.clone()))
                    .collect(),
            ),
            (
                "type",
                "text[]",
                order
                    .iter()
                    .map(|&i| Arg::Text(meters[i].1.clone()))
                    .collect(),
            ),
            (
                "unit",
                "text[]",
                order
                    .iter()
                    .map(|&i| Arg::Text(meters[i].2.clone()))
                    .collect(),
            ),
        ],
    };
    for sql in cols.insert(d, "meters", "ON CONFLICT (name, type, unit) DO NOTHING") {
        tx.execute(&sql).await?;
    }
    let mut names: Vec<String> = meters.iter().map(|m| m.0.clone()).collect();
    names.sort();
    names.dedup();
    let mut found: HashMap<(String, String, String), i64> = HashMap::new();
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
    d: crate::db::Dialect,
    resources: &[ResourceRow],
    samples: &[StoredSample],
) -> Result<Vec<i64>> {
    if resources.is_empty() {
        return Ok(Vec::new());
    }
    let mut order: Vec<usize> = (0..resources.len()).collect();
    order.sort_by(|a, b| resources[*a].key.cmp(&resources[*b].key));
    let pick = |f: &dyn Fn(&ResourceRow) -> Arg| order.iter().map(|&i| f(&resources[i])).collect();
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
                pick(&|r| Arg::Text(r.resource_id.clone())),
            ),
            (
                "user_id",
                "text[]",
                pick(&|r| Arg::OptText(r.user_id.clone())),
            ),
            (
                "project_id",
                "text[]",
                pick(&|r| Arg::OptText(r.project_id.clone())),
            ),
            ("source", "text[]", pick(&|r| Arg::Text(r.source.clone()))),
            (
                "metadata",
                "text[]",
                pick(&|r| Arg::Text(r.metadata.clone())),
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
    insert_metadata(tx, d, resources, &new_rows, samples).await?;
    let keys: Vec<String> = resources.iter().map(|r| r.key.clone()).collect();
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
                    r.resource_id
                ))
            })
        })
        .collect()
}

async fn insert_metadata(
    tx: &mut Tx,
    d: crate::db::Dialect,
    resources: &[ResourceRow],
    new_rows: &[(i64, usize)],
    samples: &[StoredSample],
) -> Result<()> {
    let tables = [
        ("metadata_text", "text[]"),
        ("metadata_int", "bigint[]"),
        ("metadata_float", "float8[]"),
        ("metadata_bool", "boolean[]"),
    ];
    let mut per_table: [Vec<(i64, String, Arg)>; 4] = Default::default();
    for &(pk, i) in new_rows {
        for (k, v) in &flatten(&samples[resources[i].sample].resource_metadata) {
            let (t, arg) = match v {
                Flat::Text(s) => (0, Arg::Text(s.clone())),
                Flat::Int(n) => (1, Arg::Int(*n)),
                Flat::Float(f) => (2, Arg::Float(*f)),
                Flat::Bool(b) => (3, Arg::Bool(*b)),
            };
            per_table[t].push((pk, k.clone(), arg));
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
