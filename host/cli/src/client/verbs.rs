//! The client commands: their options (the ceilometer client's) and tables.

use std::process::ExitCode;

use anyhow::{Context, anyhow};
use serde_json::{Map, Value, json};

use super::http::Api;
use super::table::{cell, render, render_dict};
use super::{ClientArgs, query};

/// `-q`: `key[op]data_type::value;...`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct QueryArg {
    /// key[op]data_type::value; list. data_type is optional, but if supplied
    /// must be string, integer, float, boolean or datetime.
    #[arg(short, long)]
    query: Option<String>,
}

impl QueryArg {
    fn params(&self) -> anyhow::Result<Vec<(String, String)>> {
        match &self.query {
            None => Ok(Vec::new()),
            Some(text) => Ok(query::to_params(
                &query::parse(text).map_err(|e| anyhow!("-q: {e}"))?,
            )),
        }
    }
}

fn limit_param(params: &mut Vec<(String, String)>, limit: Option<i64>) {
    if let Some(limit) = limit {
        params.push(("limit".to_owned(), limit.to_string()));
    }
}

/// Prints `value` as JSON, or its rows as a table.
fn print(
    client: &ClientArgs,
    value: &Value,
    labels: &[&str],
    fields: &[&str],
    sort_by: Option<usize>,
) {
    if client.json {
        println!(
            "{}",
            serde_json::to_string_pretty(value).unwrap_or_default()
        );
        return;
    }
    let items: Vec<&Value> = match value {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    let mut rows: Vec<Vec<String>> = items
        .iter()
        .map(|item| fields.iter().map(|f| cell(item.get(*f))).collect())
        .collect();
    if let Some(column) = sort_by {
        rows.sort_by(|a, b| a[column].cmp(&b[column]));
    }
    print!("{}", render(labels, &rows));
}

fn print_dict(client: &ClientArgs, object: &Map<String, Value>) {
    if client.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&Value::Object(object.clone())).unwrap_or_default()
        );
    } else {
        print!("{}", render_dict(object));
    }
}

/// `nephometer sample-create`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct SampleCreateArgs {
    #[command(flatten)]
    client: ClientArgs,
    /// Project of the sample (admins only may name another than their own).
    #[arg(long)]
    project_id: Option<String>,
    /// User of the sample (admins only may name another than their own).
    #[arg(long)]
    user_id: Option<String>,
    /// Resource the sample is about.
    #[arg(short, long)]
    resource_id: String,
    /// Meter name.
    #[arg(short, long)]
    meter_name: String,
    /// gauge, delta or cumulative.
    #[arg(long)]
    meter_type: String,
    /// Unit.
    #[arg(long)]
    meter_unit: String,
    /// Value.
    #[arg(long)]
    sample_volume: String,
    /// Resource metadata, a JSON object such as '{"key":"value"}'.
    #[arg(long)]
    resource_metadata: Option<String>,
    /// Timestamp (ISO 8601; default: now).
    #[arg(long)]
    timestamp: Option<String>,
    /// Store directly instead of through the pipeline.
    #[arg(long)]
    direct: Option<String>,
}

/// `sample-create`: posts one sample and prints what the API stored.
pub(crate) fn sample_create(args: &SampleCreateArgs) -> anyhow::Result<ExitCode> {
    let volume: f64 = args
        .sample_volume
        .parse()
        .map_err(|_| anyhow!("--sample-volume: `{}` is not a number", args.sample_volume))?;
    let mut sample = json!({
        "counter_name": args.meter_name,
        "counter_type": args.meter_type,
        "counter_unit": args.meter_unit,
        "counter_volume": volume,
        "resource_id": args.resource_id,
    });
    let object = sample.as_object_mut().context("a JSON object")?;
    for (key, value) in [
        ("project_id", &args.project_id),
        ("user_id", &args.user_id),
        ("timestamp", &args.timestamp),
    ] {
        if let Some(value) = value {
            object.insert(key.to_owned(), json!(value));
        }
    }
    if let Some(text) = &args.resource_metadata {
        let metadata: Value = serde_json::from_str(text).map_err(|_| {
            anyhow!(r#"--resource-metadata: invalid resource metadata, it should be a JSON object, like '{{"foo":"bar"}}'"#)
        })?;
        if !metadata.is_object() {
            return Err(anyhow!("--resource-metadata: must be a JSON object"));
        }
        object.insert("resource_metadata".to_owned(), metadata);
    }
    let mut params = Vec::new();
    if let Some(direct) = &args.direct {
        params.push(("direct".to_owned(), direct.clone()));
    }
    let api = Api::new(&args.client);
    let reply = api.post(
        &format!("/v2/meters/{}", encode(&args.meter_name)),
        &params,
        &Value::Array(vec![sample]),
    )?;
    let first = reply
        .as_array()
        .and_then(|a| a.first())
        .and_then(Value::as_object)
        .context("the API answered without the created sample")?;
    let shown: Map<String, Value> = first
        .iter()
        .filter(|(k, _)| k.as_str() != "recorded_at")
        .map(|(k, v)| {
            (
                k.strip_prefix("counter_").unwrap_or(k).to_owned(),
                v.clone(),
            )
        })
        .collect();
    print_dict(&args.client, &shown);
    Ok(ExitCode::SUCCESS)
}

/// `nephometer sample-list`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct SampleListArgs {
    #[command(flatten)]
    client: ClientArgs,
    #[command(flatten)]
    query: QueryArg,
    /// Name of meter to show samples for (then the old sample format is listed).
    #[arg(short, long)]
    meter: Option<String>,
    /// Maximum number of samples to return.
    #[arg(short, long)]
    limit: Option<i64>,
}

/// `sample-list`.
pub(crate) fn sample_list(args: &SampleListArgs) -> anyhow::Result<ExitCode> {
    let mut params = args.query.params()?;
    limit_param(&mut params, args.limit);
    let api = Api::new(&args.client);
    match &args.meter {
        Some(meter) => {
            let reply = api.get(&format!("/v2/meters/{}", encode(meter)), &params)?;
            print(
                &args.client,
                &reply,
                &["Resource ID", "Name", "Type", "Volume", "Unit", "Timestamp"],
                &[
                    "resource_id",
                    "counter_name",
                    "counter_type",
                    "counter_volume",
                    "counter_unit",
                    "timestamp",
                ],
                None,
            );
        }
        None => {
            let reply = api.get("/v2/samples", &params)?;
            print(
                &args.client,
                &reply,
                &[
                    "ID",
                    "Resource ID",
                    "Name",
                    "Type",
                    "Volume",
                    "Unit",
                    "Timestamp",
                ],
                &[
                    "id",
                    "resource_id",
                    "meter",
                    "type",
                    "volume",
                    "unit",
                    "timestamp",
                ],
                None,
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `nephometer meter-list`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct MeterListArgs {
    #[command(flatten)]
    client: ClientArgs,
    #[command(flatten)]
    query: QueryArg,
    /// Maximum number of meters to return.
    #[arg(short, long)]
    limit: Option<i64>,
    /// Retrieve a unique list of meters (True|False).
    #[arg(long)]
    unique: Option<String>,
}

/// `meter-list`.
pub(crate) fn meter_list(args: &MeterListArgs) -> anyhow::Result<ExitCode> {
    let mut params = args.query.params()?;
    limit_param(&mut params, args.limit);
    if let Some(unique) = &args.unique {
        params.push(("unique".to_owned(), unique.clone()));
    }
    let reply = Api::new(&args.client).get("/v2/meters", &params)?;
    print(
        &args.client,
        &reply,
        &[
            "Name",
            "Type",
            "Unit",
            "Resource ID",
            "User ID",
            "Project ID",
        ],
        &[
            "name",
            "type",
            "unit",
            "resource_id",
            "user_id",
            "project_id",
        ],
        Some(0),
    );
    Ok(ExitCode::SUCCESS)
}

/// `nephometer resource-list`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct ResourceListArgs {
    #[command(flatten)]
    client: ClientArgs,
    #[command(flatten)]
    query: QueryArg,
    /// Maximum number of resources to return.
    #[arg(short, long)]
    limit: Option<i64>,
}

/// `resource-list`.
pub(crate) fn resource_list(args: &ResourceListArgs) -> anyhow::Result<ExitCode> {
    let mut params = args.query.params()?;
    limit_param(&mut params, args.limit);
    let reply = Api::new(&args.client).get("/v2/resources", &params)?;
    print(
        &args.client,
        &reply,
        &["Resource ID", "Source", "User ID", "Project ID"],
        &["resource_id", "source", "user_id", "project_id"],
        Some(1),
    );
    Ok(ExitCode::SUCCESS)
}

/// `nephometer statistics`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct StatisticsArgs {
    #[command(flatten)]
    client: ClientArgs,
    #[command(flatten)]
    query: QueryArg,
    /// Name of meter to list statistics for.
    #[arg(short, long)]
    meter: String,
    /// Period in seconds over which to group samples.
    #[arg(short, long)]
    period: Option<i64>,
    /// Field for group by (repeatable).
    #[arg(short, long)]
    groupby: Vec<String>,
    /// Function for data aggregation, `FUNC` or `FUNC<-PARAM` (repeatable):
    /// avg, sum, min, max, count, stddev, cardinality<-resource_id, ...
    #[arg(short, long)]
    aggregate: Vec<String>,
}

/// `statistics`.
pub(crate) fn statistics(args: &StatisticsArgs) -> anyhow::Result<ExitCode> {
    let mut params = args.query.params()?;
    if let Some(period) = args.period {
        params.push(("period".to_owned(), period.to_string()));
    }
    for field in &args.groupby {
        params.push(("groupby".to_owned(), field.clone()));
    }
    let mut aggregate_columns = Vec::new();
    for aggregate in &args.aggregate {
        match aggregate.split_once("<-") {
            Some((func, param)) => {
                params.push(("aggregate.func".to_owned(), func.to_owned()));
                params.push(("aggregate.param".to_owned(), param.to_owned()));
                aggregate_columns.push(format!("{func}/{param}"));
            }
            None => {
                params.push(("aggregate.func".to_owned(), aggregate.clone()));
                aggregate_columns.push(aggregate.clone());
            }
        }
    }
    let path = format!("/v2/meters/{}/statistics", encode(&args.meter));
    let mut reply = Api::new(&args.client).get(&path, &params)?;
    let mut fields: Vec<String> = vec!["period".into(), "period_start".into(), "period_end".into()];
    if !args.groupby.is_empty() {
        fields.push("groupby".into());
    }
    if aggregate_columns.is_empty() {
        fields.extend(["max", "min", "avg", "sum", "count"].map(String::from));
    } else {
        // The selected aggregates come in `aggregate`; show them as columns.
        if let Value::Array(rows) = &mut reply {
            for row in rows.iter_mut() {
                if let Some(Value::Object(selected)) = row.get("aggregate").cloned()
                    && let Value::Object(object) = row
                {
                    object.extend(selected);
                }
            }
        }
        fields.extend(aggregate_columns);
    }
    fields.extend(["duration", "duration_start", "duration_end"].map(String::from));
    let labels: Vec<String> = fields.iter().map(|f| statistics_label(f)).collect();
    let labels: Vec<&str> = labels.iter().map(String::as_str).collect();
    let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
    print(&args.client, &reply, &labels, &fields, None);
    Ok(ExitCode::SUCCESS)
}

fn statistics_label(field: &str) -> String {
    match field {
        "duration" => "Duration".into(),
        "duration_end" => "Duration End".into(),
        "duration_start" => "Duration Start".into(),
        "period" => "Period".into(),
        "period_end" => "Period End".into(),
        "period_start" => "Period Start".into(),
        "groupby" => "Group By".into(),
        "max" => "Max".into(),
        "min" => "Min".into(),
        "avg" => "Avg".into(),
        "sum" => "Sum".into(),
        "count" => "Count".into(),
        "stddev" => "Standard deviation".into(),
        other => other.to_owned(),
    }
}

/// `nephometer event-list`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct EventListArgs {
    #[command(flatten)]
    client: ClientArgs,
    #[command(flatten)]
    query: QueryArg,
    /// Do not print the traits.
    #[arg(long)]
    no_traits: bool,
    /// Maximum number of events to return.
    #[arg(short, long)]
    limit: Option<i64>,
}

/// `event-list`.
pub(crate) fn event_list(args: &EventListArgs) -> anyhow::Result<ExitCode> {
    let mut params = args.query.params()?;
    limit_param(&mut params, args.limit);
    let mut reply = Api::new(&args.client).get("/v2/events", &params)?;
    if !args.client.json
        && let Value::Array(events) = &mut reply
    {
        // One line per trait: `name (type): value`.
        for event in events.iter_mut() {
            let lines: Vec<String> = event
                .get("traits")
                .and_then(Value::as_array)
                .map(|traits| {
                    traits
                        .iter()
                        .map(|t| {
                            format!(
                                "{} ({}): {}",
                                cell(t.get("name")),
                                cell(t.get("type")),
                                cell(t.get("value"))
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            if let Value::Object(object) = event {
                object.insert("traits".to_owned(), Value::String(lines.join("\n")));
            }
        }
    }
    let (labels, fields): (&[&str], &[&str]) = if args.no_traits {
        (
            &["Message ID", "Event Type", "Generated"],
            &["message_id", "event_type", "generated"],
        )
    } else {
        (
            &["Message ID", "Event Type", "Generated", "Traits"],
            &["message_id", "event_type", "generated", "traits"],
        )
    };
    print(&args.client, &reply, labels, fields, None);
    Ok(ExitCode::SUCCESS)
}

/// What a path segment leaves unencoded: RFC 3986's unreserved characters.
const UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes a path segment (meter names may hold any character).
fn encode(segment: &str) -> String {
    percent_encoding::utf8_percent_encode(segment, UNRESERVED).to_string()
}

#[cfg(test)]
mod tests {
    use super::encode;

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(encode("disk.read.bytes"), "disk.read.bytes");
        assert_eq!(encode("a/b c"), "a%2Fb%20c");
    }
}
