//! Reads the REST API needs beyond the basic ones: samples in an order the
//! caller chooses (complex queries' `orderby`), the distinct meter types
//! (`GET /v2/meters?unique=true`), and the traits of an event type
//! (`/v2/event_types/{type}/traits[/{name}]`).

use crate::compile::sample_condition;
use crate::db::{Arg, Sql};
use crate::error::{Error, Result};
use crate::model::{Sample, Trait, TraitValue};
use crate::query::Filter;
use crate::read_samples::{FROM_SAMPLES, SAMPLE_COLUMNS, sample_row};
use crate::time::Timestamp;
use crate::{Storage, model::Meter};

/// One `orderby` term of a sample query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleOrder {
    /// The field: `meter` (`counter_name`), `type` (`counter_type`), `unit`
    /// (`counter_unit`), `volume` (`counter_volume`), `user_id`,
    /// `project_id`, `resource_id`, `source`, `message_id`, `timestamp` or
    /// `recorded_at`.
    pub field: String,
    /// Largest first.
    pub descending: bool,
}

/// The column a sample field sorts by.
fn order_column(field: &str) -> Result<&'static str> {
    Ok(match field {
        "meter" | "counter_name" | "name" => "m.name",
        "type" | "counter_type" => "m.type",
        "unit" | "counter_unit" => "m.unit",
        "volume" | "counter_volume" => "s.volume",
        "user_id" | "user" => "r.user_id",
        "project_id" | "project" => "r.project_id",
        "resource_id" | "resource" => "r.resource_id",
        "source" => "r.source",
        "message_id" => "s.message_id",
        "timestamp" => "s.ts",
        "recorded_at" => "s.recorded_at",
        _ => {
            return Err(Error::InvalidQuery {
                field: field.to_string(),
                reason: "cannot order by this field; valid: meter, type, unit, volume, user_id, \
                         project_id, resource_id, source, message_id, timestamp, recorded_at"
                    .to_string(),
            });
        }
    })
}

/// The value column of each trait table, with its type.
const TRAIT_TABLES: [(&str, &str); 4] = [
    ("trait_text", "string"),
    ("trait_int", "integer"),
    ("trait_float", "float"),
    ("trait_datetime", "datetime"),
];

const FROM_TRAITS_OF_TYPE: &str = " t JOIN events e ON e.id = t.event_id \
     JOIN event_types et ON et.id = e.event_type_id WHERE et.name = ";

impl Storage {
    /// Samples matching `filter` in the order of `orderby` (then newest
    /// first, as without one).
    pub async fn samples_ordered(
        &self,
        filter: &Filter,
        orderby: &[SampleOrder],
        limit: Option<u64>,
    ) -> Result<Vec<Sample>> {
        let mut sql = Sql::new(self.pool.dialect());
        sql.push(SAMPLE_COLUMNS).push(FROM_SAMPLES).push("WHERE ");
        sample_condition(&mut sql, filter)?;
        sql.push(" ORDER BY ");
        for term in orderby {
            sql.push(order_column(&term.field)?)
                .push(if term.descending { " DESC, " } else { " ASC, " });
        }
        sql.push("s.ts DESC, s.id DESC");
        sql.limit(limit);
        self.pool
            .fetch(&sql)
            .await?
            .iter()
            .map(sample_row)
            .collect()
    }

    /// The distinct (name, type, unit) of the meters with samples matching
    /// `filter`, sorted; resource, project, user and source are left empty.
    pub async fn meter_types(&self, filter: &Filter, limit: Option<u64>) -> Result<Vec<Meter>> {
        let mut sql = Sql::new(self.pool.dialect());
        sql.push("SELECT DISTINCT m.name, m.type, m.unit")
            .push(FROM_SAMPLES)
            .push("WHERE ");
        sample_condition(&mut sql, filter)?;
        sql.push(" ORDER BY 1, 2, 3");
        sql.limit(limit);
        self.pool
            .fetch(&sql)
            .await?
            .iter()
            .map(|row| {
                Ok(Meter {
                    name: row.text(0)?,
                    sample_type: row.text(1)?,
                    unit: row.text(2)?,
                    resource_id: String::new(),
                    project_id: None,
                    user_id: None,
                    source: String::new(),
                })
            })
            .collect()
    }

    /// The trait names of the events of `event_type`, each with its type
    /// name (`string`, `integer`, `float`, `datetime`), sorted by name then
    /// type.
    pub async fn trait_types(&self, event_type: &str) -> Result<Vec<(String, &'static str)>> {
        let mut out = Vec::new();
        for (table, type_name) in TRAIT_TABLES {
            let mut sql = Sql::new(self.pool.dialect());
            sql.push("SELECT DISTINCT t.key FROM ")
                .push(table)
                .push(FROM_TRAITS_OF_TYPE)
                .bind(Arg::Text(event_type.to_string()));
            for row in self.pool.fetch(&sql).await? {
                out.push((row.text(0)?, type_name));
            }
        }
        out.sort();
        Ok(out)
    }

    /// Every value of the trait `name` over the events of `event_type`,
    /// oldest event first.
    pub async fn traits(&self, event_type: &str, name: &str) -> Result<Vec<Trait>> {
        let mut out: Vec<(i64, String, Trait)> = Vec::new();
        for (table, _) in TRAIT_TABLES {
            let mut sql = Sql::new(self.pool.dialect());
            sql.push("SELECT e.generated, e.message_id, t.value FROM ")
                .push(table)
                .push(FROM_TRAITS_OF_TYPE)
                .bind(Arg::Text(event_type.to_string()))
                .push(" AND t.key = ")
                .bind(Arg::Text(name.to_string()));
            for row in self.pool.fetch(&sql).await? {
                let value = match table {
                    "trait_text" => TraitValue::Text(row.text(2)?),
                    "trait_int" => TraitValue::Int(row.int(2)?),
                    "trait_float" => TraitValue::Float(row.float(2)?),
                    _ => TraitValue::Datetime(Timestamp(row.int(2)?).to_string()),
                };
                out.push((
                    row.int(0)?,
                    row.text(1)?,
                    Trait {
                        name: name.to_string(),
                        value,
                    },
                ));
            }
        }
        out.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        Ok(out.into_iter().map(|(_, _, t)| t).collect())
    }
}
