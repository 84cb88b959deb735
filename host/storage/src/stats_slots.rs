//! The meters and resource rows met while statistics are merged
//! (`stats_cells.rs`), the unit and group values of each, read from the
//! database once as they appear, and the slots they fall in: a slot is a
//! unit and group values, ranked in the order rows are returned (unit,
//! then values, text bytewise, a missing value first).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use crate::bulk::in_list_int;
use crate::db::{Sql, Tx};
use crate::error::{Error, Result};
use crate::stats::{Groupby, Shared};
use crate::stats_merge::Merge;
use crate::stats_sql::{Group, Query};

/// Ids per lookup statement (SQLite's parameters stay few).
const LOOKUP_CHUNK: usize = 500;

/// The meter and resource row pairs met, numbered in that order, and the
/// slot (unit and group values) of each.
pub(crate) struct Sources<'a> {
    index: HashMap<(i64, i64), u32>,
    pairs: Vec<(i64, i64)>,
    /// Pairs below this number have their slot.
    resolved: usize,
    /// Each meter's unit, each resource row's group values, as read.
    units: HashMap<i64, String>,
    values: HashMap<i64, Vec<Option<String>>>,
    /// Slots by unit and group values (their order is the rank order),
    /// and each slot's unit and groupby map.
    slots: BTreeMap<(String, Vec<Option<String>>), u32>,
    pub(crate) shown: Vec<(Arc<str>, Option<Arc<Groupby>>)>,
    shared: Shared<'a>,
    /// `SELECT r.id, <group columns> FROM resources r WHERE `.
    select_values: String,
}

impl<'a> Sources<'a> {
    /// For the groupby fields of `q` (`fields`, their names).
    pub(crate) fn new(q: &Query, fields: &'a [String]) -> Result<Sources<'a>> {
        let columns: Vec<&str> = q
            .groups
            .iter()
            .map(|g| match g {
                Group::Column(c) => Ok(*c),
                Group::Metadata(_) => Err(Error::Database(
                    "merged statistics cannot group by metadata".into(),
                )),
            })
            .collect::<Result<_>>()?;
        Ok(Sources {
            index: HashMap::new(),
            pairs: Vec::new(),
            resolved: 0,
            units: HashMap::new(),
            values: HashMap::new(),
            slots: BTreeMap::new(),
            shown: Vec::new(),
            shared: Shared::new(fields),
            select_values: format!(
                "SELECT r.id{} FROM resources r WHERE ",
                columns.iter().map(|c| format!(", {c}")).collect::<String>()
            ),
        })
    }

    /// The number of a meter and resource row pair, new ones numbered on.
    pub(crate) fn of(&mut self, meter: i64, resource: i64) -> u32 {
        *self.index.entry((meter, resource)).or_insert_with(|| {
            self.pairs.push((meter, resource));
            (self.pairs.len() - 1) as u32
        })
    }

    /// Reads the unit and group values of the pairs met since the last
    /// call, and tells `merge` their slots (and the new rank order).
    pub(crate) async fn resolve(&mut self, tx: &mut Tx, merge: &mut Merge) -> Result<()> {
        let new = &self.pairs[self.resolved..];
        if new.is_empty() {
            return Ok(());
        }
        let meters: BTreeSet<i64> = new
            .iter()
            .map(|p| p.0)
            .filter(|m| !self.units.contains_key(m))
            .collect();
        let resources: BTreeSet<i64> = new
            .iter()
            .map(|p| p.1)
            .filter(|r| !self.values.contains_key(r))
            .collect();
        for (id, mut unit) in lookup(tx, "SELECT id, unit FROM meters WHERE ", &meters).await? {
            self.units
                .insert(id, unit.pop().flatten().unwrap_or_default());
        }
        self.values
            .extend(lookup(tx, &self.select_values, &resources).await?);
        let slots_before = self.slots.len();
        for source in self.resolved..self.pairs.len() {
            let (meter, resource) = self.pairs[source];
            let unit = self.units.get(&meter).ok_or_else(|| {
                Error::Database(format!("meter {meter} vanished during the read"))
            })?;
            let values = self.values.get(&resource).ok_or_else(|| {
                Error::Database(format!("resource row {resource} vanished during the read"))
            })?;
            let key = (unit.clone(), values.clone());
            let slot = match self.slots.get(&key) {
                Some(&slot) => slot,
                None => {
                    let slot = self.shown.len() as u32;
                    let groupby = self.shared.groupby(values.clone());
                    self.shown.push((Arc::from(unit.as_str()), groupby));
                    self.slots.insert(key, slot);
                    slot
                }
            };
            merge.assign(source as u32, slot);
        }
        self.resolved = self.pairs.len();
        if self.slots.len() != slots_before {
            merge.set_ranks(self.slots.values().copied().collect());
        }
        Ok(())
    }
}

/// Rows of `select` (an id column, then text columns) for `ids`, by id.
async fn lookup(
    tx: &mut Tx,
    select: &str,
    ids: &BTreeSet<i64>,
) -> Result<HashMap<i64, Vec<Option<String>>>> {
    let ids: Vec<i64> = ids.iter().copied().collect();
    let mut found = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(LOOKUP_CHUNK) {
        let mut sql = Sql::new(tx.dialect());
        sql.push(select);
        in_list_int(&mut sql, "id", chunk);
        for mut row in tx.fetch(&sql).await? {
            let id = row.int(0)?;
            let width = row.0.len();
            let values = (1..width)
                .map(|i| row.take_opt_text(i))
                .collect::<Result<Vec<_>>>()?;
            found.insert(id, values);
        }
    }
    Ok(found)
}
