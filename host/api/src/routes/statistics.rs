//! `GET /v2/meters/{name}/statistics?q...&period&groupby&aggregate.func&aggregate.param`.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use nepho_storage::Aggregate;

use super::{Q, simple_query};
use crate::caller::Caller;
use crate::error::ApiError;
use crate::json_stream::{ListWriter, json_list_stream};
use crate::params::Params;
use crate::query::simple::Target;
use crate::state::Shared;
use crate::stats_json::write_statistics;

/// The groupby fields the API accepts (Ceilometer's, plus `source`, which
/// Nephometer's storage groups by too).
const GROUPBY: [&str; 5] = [
    "user_id",
    "resource_id",
    "project_id",
    "source",
    "resource_metadata.instance_type",
];

/// Rows per chunk of the answer sent.
const CHUNK_ROWS: usize = 4096;

/// The selectable aggregates.
const AGGREGATES: [&str; 7] = ["max", "min", "sum", "avg", "count", "stddev", "cardinality"];

/// The groupby fields, checked, without repeats.
fn groupby(params: &Params) -> Result<Vec<String>, ApiError> {
    let mut fields: Vec<String> = Vec::new();
    for field in params.all("groupby") {
        if !fields.iter().any(|f| f == field) {
            fields.push(field.to_string());
        }
    }
    let mut invalid: Vec<&str> = fields
        .iter()
        .map(String::as_str)
        .filter(|f| !GROUPBY.contains(f))
        .collect();
    if invalid.is_empty() {
        return Ok(fields);
    }
    invalid.sort_unstable();
    let set: Vec<String> = invalid.iter().map(|f| format!("'{f}'")).collect();
    Err(ApiError::unknown_argument(
        &format!("{{{}}}", set.join(", ")),
        "Invalid groupby fields",
    ))
}

/// `aggregate.func` paired by position with `aggregate.param`, checked,
/// without repeats.
fn aggregates(params: &Params) -> Result<Vec<Aggregate>, ApiError> {
    let funcs = params.all("aggregate.func");
    let args = params.all("aggregate.param");
    if args.len() > funcs.len() {
        return Err(ApiError::invalid_input(
            "aggregate",
            &format!(
                "{} aggregate.func, {} aggregate.param",
                funcs.len(),
                args.len()
            ),
            "every aggregate.param needs its aggregate.func",
        ));
    }
    let mut out: Vec<Aggregate> = Vec::new();
    for (i, func) in funcs.iter().enumerate() {
        if !AGGREGATES.contains(func) {
            return Err(ApiError::bad_request(format!(
                "Invalid aggregation function: {func}"
            )));
        }
        let param = args.get(i).copied().filter(|p| !p.is_empty());
        let aggregate = Aggregate::parse(func, param).map_err(|_| {
            ApiError::bad_request(format!("Bad aggregate: {func}.{}", param.unwrap_or("None")))
        })?;
        if !out.contains(&aggregate) {
            out.push(aggregate);
        }
    }
    Ok(out)
}

/// The statistics of a meter.
pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    caller: Caller,
    Path(name): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    caller.enforce("compute_statistics")?;
    let params = Params::parse(raw.as_deref());
    params.only(&[
        Q[0],
        Q[1],
        Q[2],
        Q[3],
        "groupby",
        "period",
        "aggregate.func",
        "aggregate.param",
    ])?;
    let period = match params.int("period")? {
        Some(p) if p < 0 => return Err(ApiError::bad_request("Period must be positive.")),
        Some(p) => Some(p.unsigned_abs()),
        None => None,
    };
    let query = simple_query(
        &params,
        Target::Samples,
        caller.limited_to_project(),
        Some(&name),
    )?;
    let groupby = groupby(&params)?;
    let aggregates = aggregates(&params)?;
    // Sent as the storage makes the rows: a long range at a short period
    // answers millions of them.
    let storage = shared.storage.clone();
    json_list_stream(|mut list: ListWriter| async move {
        let (start, end) = (query.start, query.end);
        storage
            .statistics_each(&query.filter, period, &groupby, &aggregates, |mut rows| {
                // A batch holds a period's rows at least (all of them
                // without a period): sent in chunks of at most CHUNK_ROWS.
                let sent: Vec<_> = rows
                    .chunks_mut(CHUNK_ROWS)
                    .map(|part| {
                        let mut chunk = Vec::new();
                        for row in part {
                            row.clamp(start, end);
                            list.item(&mut chunk, |out| write_statistics(row, out));
                        }
                        list.send(chunk)
                    })
                    .collect();
                async move {
                    for chunk in sent {
                        chunk
                            .await
                            .map_err(|gone| nepho_storage::Error::Stopped(gone.to_string()))?;
                    }
                    Ok(())
                }
            })
            .await
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groupby_and_aggregates_are_checked() {
        let p = Params::parse(Some(
            "groupby=resource_id&groupby=colour&groupby=resource_id",
        ));
        let e = groupby(&p).expect_err("refused");
        assert_eq!(
            e.message,
            "Unknown argument: \"{'colour'}\": Invalid groupby fields"
        );
        let p = Params::parse(Some(
            "aggregate.func=cardinality&aggregate.param=project_id&aggregate.func=stddev&aggregate.func=stddev",
        ));
        assert_eq!(
            aggregates(&p).expect("valid"),
            [
                Aggregate::Cardinality("project_id".into()),
                Aggregate::Stddev
            ]
        );
        let p = Params::parse(Some("aggregate.func=median"));
        assert_eq!(
            aggregates(&p).expect_err("refused").message,
            "Invalid aggregation function: median"
        );
        let p = Params::parse(Some("aggregate.func=cardinality&aggregate.param=colour"));
        assert_eq!(
            aggregates(&p).expect_err("refused").message,
            "Bad aggregate: cardinality.colour"
        );
    }
}
