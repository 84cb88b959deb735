//! Reading events, their traits and the event types.

use std::collections::HashMap;

use crate::bulk::in_list_int;
use crate::compile::event_condition;
use crate::db::{Pool, Sql};
use crate::error::Result;
use crate::model::{Event, Trait, TraitValue};
use crate::query::Filter;
use crate::read_samples::json;
use crate::time::Timestamp;

/// Events matching `filter`, oldest first.
pub(crate) async fn events(pool: &Pool, filter: &Filter, max: Option<u64>) -> Result<Vec<Event>> {
    let d = pool.dialect();
    let mut sql = Sql::new(d);
    sql.push(
        "SELECT e.id, e.message_id, et.name, e.generated, e.raw FROM events e \
         JOIN event_types et ON et.id = e.event_type_id WHERE ",
    );
    event_condition(&mut sql, filter)?;
    sql.push(" ORDER BY e.generated, e.message_id");
    sql.limit(max);
    let mut ids = Vec::new();
    let mut out = Vec::new();
    for row in pool.fetch(&sql).await? {
        ids.push(row.int(0)?);
        out.push(Event {
            message_id: row.text(1)?,
            event_type: row.text(2)?,
            generated: Timestamp(row.int(3)?),
            traits: Vec::new(),
            raw: json(&row.text(4)?),
        });
    }
    let index: HashMap<i64, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    for table in ["trait_text", "trait_int", "trait_float", "trait_datetime"] {
        for chunk in ids.chunks(500) {
            let mut sql = Sql::new(d);
            sql.push("SELECT event_id, key, value FROM ")
                .push(table)
                .push(" WHERE ");
            in_list_int(&mut sql, "event_id", chunk);
            for row in pool.fetch(&sql).await? {
                let value = match table {
                    "trait_text" => TraitValue::Text(row.text(2)?),
                    "trait_int" => TraitValue::Int(row.int(2)?),
                    "trait_float" => TraitValue::Float(row.float(2)?),
                    _ => TraitValue::Datetime(Timestamp(row.int(2)?).to_string()),
                };
                if let Some(&i) = index.get(&row.int(0)?) {
                    out[i].traits.push(Trait {
                        name: row.text(1)?,
                        value,
                    });
                }
            }
        }
    }
    for e in &mut out {
        e.traits.sort_by(|a, b| a.name.cmp(&b.name));
    }
    Ok(out)
}

/// All event types, sorted.
pub(crate) async fn event_types(pool: &Pool) -> Result<Vec<String>> {
    let mut sql = Sql::new(pool.dialect());
    sql.push("SELECT name FROM event_types ORDER BY name");
    pool.fetch(&sql).await?.iter().map(|r| r.text(0)).collect()
}
