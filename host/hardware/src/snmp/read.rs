//! Reading one host: every OID the loaded definitions need, in one session
//! (GETs of the scalar OIDs, one GETBULK walk of all the columns).

use std::collections::BTreeSet;

use tracing::warn;

use super::client::{ClientSettings, SnmpClient, SnmpError};
use super::definitions::MeterDefinition;
use super::oid::ObjectId;
use super::snapshot::HostSnapshot;
use super::url::SnmpTarget;
use super::value::SnmpValue;

/// How many OIDs one GET asks for (an agent answering `tooBig` gets halves).
const GET_BATCH: usize = 24;
/// The most rows read from one column (a guard against agents that never
/// end a walk).
const MAX_ROWS_PER_COLUMN: usize = 100_000;

/// What to read from every host: the union of the definitions' needs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReadPlan {
    /// OIDs read by GET.
    pub exact: Vec<ObjectId>,
    /// Subtrees walked (none inside another).
    pub prefixes: Vec<ObjectId>,
}

impl ReadPlan {
    /// The plan for a set of definitions.
    pub fn for_definitions<'a>(
        definitions: impl IntoIterator<Item = &'a MeterDefinition>,
    ) -> ReadPlan {
        let mut exact = BTreeSet::new();
        let mut prefixes = BTreeSet::new();
        for d in definitions {
            exact.extend(d.exact_oids());
            prefixes.extend(d.prefix_oids());
        }
        let prefixes: Vec<ObjectId> = prefixes.into_iter().collect();
        let outermost: Vec<ObjectId> = prefixes
            .iter()
            .filter(|p| !prefixes.iter().any(|q| q != *p && p.starts_with(q)))
            .cloned()
            .collect();
        ReadPlan {
            exact: exact.into_iter().collect(),
            prefixes: outermost,
        }
    }
}

/// Reads `plan` from the agent at `target`.
pub fn read_host(
    target: &SnmpTarget,
    plan: &ReadPlan,
    settings: ClientSettings,
) -> Result<HostSnapshot, SnmpError> {
    let mut client = SnmpClient::connect(target, settings)?;
    let mut snapshot = HostSnapshot::new();
    for batch in plan.exact.chunks(GET_BATCH) {
        get_into(&mut client, batch, &mut snapshot)?;
    }
    if !plan.prefixes.is_empty() {
        walk_into(&mut client, &plan.prefixes, &mut snapshot)?;
    }
    Ok(snapshot)
}

/// GETs `oids`, splitting the request when the agent says it is too big and
/// asking one by one when it reports an error for one of them.
fn get_into(
    client: &mut SnmpClient,
    oids: &[ObjectId],
    snapshot: &mut HostSnapshot,
) -> Result<(), SnmpError> {
    let answer = client.get(oids)?;
    match answer.error_message(oids) {
        None => {
            for (oid, value) in answer.varbinds {
                snapshot.insert(oid, value);
            }
            Ok(())
        }
        Some(_) if oids.len() > 1 => {
            let (a, b) = oids.split_at(oids.len() / 2);
            get_into(client, a, snapshot)?;
            get_into(client, b, snapshot)
        }
        Some(message) => {
            warn!(oid = %oids[0], "SNMP GET refused: {message}; the OID counts as absent");
            snapshot.insert(oids[0].clone(), SnmpValue::NoSuchObject);
            Ok(())
        }
    }
}

/// Walks `roots` together with GETBULK until every one has left its subtree.
fn walk_into(
    client: &mut SnmpClient,
    roots: &[ObjectId],
    snapshot: &mut HostSnapshot,
) -> Result<(), SnmpError> {
    // (root, where to continue from, rows read)
    let mut active: Vec<(ObjectId, ObjectId, usize)> =
        roots.iter().map(|r| (r.clone(), r.clone(), 0)).collect();
    while !active.is_empty() {
        let asked: Vec<ObjectId> = active.iter().map(|(_, next, _)| next.clone()).collect();
        let reps = client.repetitions_for(asked.len());
        let answer = client.get_bulk(&asked, reps)?;
        if let Some(message) = answer.error_message(&asked) {
            if asked.len() > 1 {
                // Walk the columns one at a time instead.
                for (root, next, _) in active {
                    walk_into_from(client, &root, next, snapshot)?;
                }
                return Ok(());
            }
            return Err(SnmpError::Protocol(format!("GETBULK refused: {message}")));
        }
        if answer.varbinds.is_empty() {
            break;
        }
        let width = active.len();
        let mut done = vec![false; width];
        let mut progressed = vec![false; width];
        for (i, (oid, value)) in answer.varbinds.into_iter().enumerate() {
            let column = i % width;
            if done[column] {
                continue;
            }
            let (root, next, rows) = &mut active[column];
            if matches!(value, SnmpValue::EndOfMibView) || !oid.starts_with(root) || oid <= *next {
                done[column] = true;
                continue;
            }
            *next = oid.clone();
            *rows += 1;
            progressed[column] = true;
            snapshot.insert(oid, value);
            if *rows >= MAX_ROWS_PER_COLUMN {
                done[column] = true;
            }
        }
        let mut kept = Vec::with_capacity(width);
        for (column, entry) in active.into_iter().enumerate() {
            if !done[column] && progressed[column] {
                kept.push(entry);
            }
        }
        active = kept;
    }
    Ok(())
}

fn walk_into_from(
    client: &mut SnmpClient,
    root: &ObjectId,
    from: ObjectId,
    snapshot: &mut HostSnapshot,
) -> Result<(), SnmpError> {
    let mut next = from;
    let mut rows = 0;
    loop {
        let asked = [next.clone()];
        let reps = client.repetitions_for(1);
        let answer = client.get_bulk(&asked, reps)?;
        if let Some(message) = answer.error_message(&asked) {
            return Err(SnmpError::Protocol(format!(
                "GETBULK of {root} refused: {message}"
            )));
        }
        if answer.varbinds.is_empty() {
            return Ok(());
        }
        for (oid, value) in answer.varbinds {
            if matches!(value, SnmpValue::EndOfMibView) || !oid.starts_with(root) || oid <= next {
                return Ok(());
            }
            next = oid.clone();
            snapshot.insert(oid, value);
            rows += 1;
            if rows >= MAX_ROWS_PER_COLUMN {
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snmp::definitions;

    #[test]
    fn the_plan_of_the_shipped_file_reads_each_oid_once() {
        let loaded = definitions::embedded();
        let plan = ReadPlan::for_definitions(loaded.definitions.iter().map(|d| &**d));
        let exact: Vec<String> = plan.exact.iter().map(ToString::to_string).collect();
        assert!(exact.contains(&"1.3.6.1.4.1.2021.4.5.0".to_owned()));
        assert!(exact.contains(&"1.3.6.1.2.1.4.10.0".to_owned()));
        assert_eq!(exact.len(), 22, "{exact:?}");
        let prefixes: Vec<String> = plan.prefixes.iter().map(ToString::to_string).collect();
        assert!(
            prefixes.contains(&"1.3.6.1.2.1.4.20.1.2".to_owned()),
            "{prefixes:?}"
        );
        assert!(
            prefixes.contains(&"1.3.6.1.4.1.2021.13.15.1.1.2".to_owned()),
            "{prefixes:?}"
        );
        assert_eq!(prefixes.len(), 16, "{prefixes:?}");
    }
}
