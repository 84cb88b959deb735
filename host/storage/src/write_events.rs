//! Recording a batch of events in one transaction: event types upserted,
//! events inserted skipping message ids already stored, typed traits
//! inserted for the new events only.

use std::collections::HashMap;

use crate::bulk::{Columns, in_list};
use crate::db::{Arg, Pool, Sql};
use crate::error::{Error, Result};
use crate::metadata::canonical;
use crate::model::{StoredEvent, TraitValue};
use crate::time::Timestamp;

const LOOKUP_CHUNK: usize = 500;

fn no_nul(i: usize, field: &str, s: &str) -> Result<()> {
    if s.contains('\0') {
        return Err(Error::record(i, field, "contains a NUL character"));
    }
    Ok(())
}

/// Stores `events` in one transaction; returns how many were new.
pub(crate) async fn record_events(pool: &Pool, events: &[StoredEvent]) -> Result<usize> {
    if events.is_empty() {
        return Ok(0);
    }
    // Validate and convert everything first.
    let mut generated = Vec::with_capacity(events.len());
    let mut raws = Vec::with_capacity(events.len());
    // Per trait table: (event index, key, value).
    let mut traits: [Vec<(usize, String, Arg)>; 4] = Default::default();
    for (i, e) in events.iter().enumerate() {
        if e.message_id.is_empty() {
            return Err(Error::record(i, "message_id", "empty"));
        }
        if e.event_type.is_empty() {
            return Err(Error::record(i, "event_type", "empty"));
        }
        no_nul(i, "message_id", &e.message_id)?;
        no_nul(i, "event_type", &e.event_type)?;
        generated.push(
            Timestamp::parse(&e.generated)
                .map_err(|err| Error::record(i, "generated", err))?
                .micros(),
        );
        raws.push(match &e.raw {
            serde_json::Value::Null => "{}".to_string(),
            raw => canonical(raw),
        });
        for t in &e.traits {
            let field = format!("traits.{}", t.name);
            if t.name.is_empty() {
                return Err(Error::record(i, "traits", "a trait without a name"));
            }
            no_nul(i, &field, &t.name)?;
            let (table, arg) = match &t.value {
                TraitValue::Text(s) => {
                    no_nul(i, &field, s)?;
                    (0, Arg::Text(s.clone()))
                }
                TraitValue::Int(v) => (1, Arg::Int(*v)),
                TraitValue::Float(v) if v.is_finite() => (2, Arg::Float(*v)),
                TraitValue::Float(_) => {
                    return Err(Error::record(i, field, "not a finite number"));
                }
                TraitValue::Datetime(s) => (
                    3,
                    Arg::Int(
                        Timestamp::parse(s)
                            .map_err(|err| Error::record(i, field.clone(), err))?
                            .micros(),
                    ),
                ),
            };
            traits[table].push((i, t.name.clone(), arg));
        }
    }

    let d = pool.dialect();
    let mut tx = pool.begin().await?;

    // Event types.
    let mut types: Vec<String> = events.iter().map(|e| e.event_type.clone()).collect();
    types.sort();
    types.dedup();
    let cols = Columns {
        cols: vec![(
            "name",
            "text[]",
            types.iter().map(|t| Arg::Text(t.clone())).collect(),
        )],
    };
    for sql in cols.insert(d, "event_types", "ON CONFLICT (name) DO NOTHING") {
        tx.execute(&sql).await?;
    }
    let mut type_ids: HashMap<String, i64> = HashMap::new();
    for chunk in types.chunks(LOOKUP_CHUNK) {
        let mut sql = Sql::new(d);
        sql.push("SELECT id, name FROM event_types WHERE ");
        in_list(&mut sql, "name", chunk);
        for row in tx.fetch(&sql).await? {
            type_ids.insert(row.text(1)?, row.int(0)?);
        }
    }

    // Events; RETURNING names only the new ones.
    let mut cols = Columns {
        cols: vec![
            ("message_id", "text[]", Vec::new()),
            ("event_type_id", "bigint[]", Vec::new()),
            ("generated", "bigint[]", Vec::new()),
            ("raw", "text[]", Vec::new()),
        ],
    };
    for (i, e) in events.iter().enumerate() {
        let type_id = type_ids.get(&e.event_type).copied().ok_or_else(|| {
            Error::Conflict(format!(
                "event type {} vanished during the write",
                e.event_type
            ))
        })?;
        let values = [
            Arg::Text(e.message_id.clone()),
            Arg::Int(type_id),
            Arg::Int(generated[i]),
            Arg::Text(std::mem::take(&mut raws[i])),
        ];
        for (col, v) in cols.cols.iter_mut().zip(values) {
            col.2.push(v);
        }
    }
    let mut new_ids: HashMap<String, i64> = HashMap::new();
    for sql in cols.insert(
        d,
        "events",
        "ON CONFLICT (message_id) DO NOTHING RETURNING id, message_id",
    ) {
        for row in tx.fetch(&sql).await? {
            new_ids.insert(row.text(1)?, row.int(0)?);
        }
    }

    // Traits of the new events (an event repeated within the batch gets its
    // traits once: from its first occurrence).
    let mut owner: HashMap<&str, usize> = HashMap::new();
    for (i, e) in events.iter().enumerate() {
        owner.entry(e.message_id.as_str()).or_insert(i);
    }
    let tables = [
        ("trait_text", "text[]"),
        ("trait_int", "bigint[]"),
        ("trait_float", "float8[]"),
        ("trait_datetime", "bigint[]"),
    ];
    for ((table, ty), rows) in tables.into_iter().zip(traits) {
        let mut ids = Vec::new();
        let mut keys = Vec::new();
        let mut values = Vec::new();
        for (i, key, v) in rows {
            let mid = events[i].message_id.as_str();
            let (Some(&id), Some(&first)) = (new_ids.get(mid), owner.get(mid)) else {
                continue;
            };
            if first != i {
                continue;
            }
            ids.push(Arg::Int(id));
            keys.push(Arg::Text(key));
            values.push(v);
        }
        if ids.is_empty() {
            continue;
        }
        let cols = Columns {
            cols: vec![
                ("event_id", "bigint[]", ids),
                ("key", "text[]", keys),
                ("value", ty, values),
            ],
        };
        for sql in cols.insert(d, table, "") {
            tx.execute(&sql).await?;
        }
    }
    tx.commit().await?;
    Ok(new_ids.len())
}
