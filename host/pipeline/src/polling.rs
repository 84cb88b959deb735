//! `polling.yaml` (`PollingManager` / `PollingSource`).

use serde_yaml_ng::Value;

use crate::error::ConfigError;
use crate::fields::{occurrence, read_filter, read_name, read_optional_list, top_list};
use crate::interval::parse_interval;
use crate::model::{PollingConfig, PollingSource};
use crate::report::{At, ItemRef, Reporter};
use crate::yaml;

/// Parses and validates a polling file.
pub(crate) fn parse(file: &str, text: &str) -> Result<PollingConfig, Vec<ConfigError>> {
    let mut r = Reporter::new(file, text);
    let doc = match yaml::load(text) {
        Ok(doc) => doc,
        Err(e) => {
            r.at_line(e.line, e.message);
            return Err(r.finish());
        }
    };
    let sources_v = match &doc {
        Value::Mapping(map) => yaml::get(map, "sources"),
        Value::Null => None,
        _ => {
            r.at_line(1, "Polling definition should be a mapping");
            return Err(r.finish());
        }
    };
    let Some(sources_v) = sources_v else {
        r.at_line(1, "sources required");
        return Err(r.finish());
    };
    let Some(list) = top_list(&mut r, sources_v, "sources") else {
        return Err(r.finish());
    };
    let mut sources = Vec::with_capacity(list.len());
    let mut names: Vec<Option<String>> = Vec::with_capacity(list.len());
    for (i, v) in list.iter().enumerate() {
        let (name, source) = parse_source(&mut r, i, v, &names);
        names.push(name);
        sources.extend(source);
    }
    if r.has_errors() {
        return Err(r.finish());
    }
    Ok(PollingConfig { sources })
}

/// One polling source: its name (if valid) and the source (if fully valid).
fn parse_source(
    r: &mut Reporter<'_>,
    index: usize,
    value: &Value,
    earlier: &[Option<String>],
) -> (Option<String>, Option<PollingSource>) {
    let anonymous = ItemRef {
        section: "sources",
        label: "source",
        index,
        name: None,
        occurrence: 0,
    };
    let Value::Mapping(map) = value else {
        r.item(
            &anonymous,
            At::Item,
            "Source definition should be a mapping",
        );
        return (None, None);
    };
    let name = read_name(r, &anonymous, map);
    let item = ItemRef {
        name: name.as_deref(),
        occurrence: name.as_deref().map_or(0, |n| occurrence(earlier, n)),
        ..anonymous
    };
    let meter_value = yaml::get(map, "meters");
    if meter_value.is_none() {
        r.item(&item, At::Item, "Missing meters value");
    }
    let interval = match yaml::get(map, "interval") {
        None => {
            r.item(&item, At::Item, "Missing interval value");
            None
        }
        Some(v) => parse_interval(v)
            .map_err(|message| r.item(&item, At::Key("interval"), message))
            .ok(),
    };
    let resources = read_optional_list(r, &item, map, "resources");
    let discovery = read_optional_list(r, &item, map, "discovery");
    let meters = match meter_value {
        Some(v) => read_filter(r, &item, Some(v), "meters", None),
        None => None,
    };
    let group = match yaml::get(map, "group_id_coordination_expression") {
        None | Some(Value::Null) => Some(None),
        Some(Value::String(s)) => Some(Some(s.clone())),
        Some(_) => {
            r.item(
                &item,
                At::Key("group_id_coordination_expression"),
                "group_id_coordination_expression should be a string",
            );
            None
        }
    };
    let line = r.item_line(&item);
    let source = match (&name, interval, meters, resources, discovery, group) {
        (
            Some(name),
            Some(interval),
            Some(meters),
            Some(resources),
            Some(discovery),
            Some(group),
        ) => Some(PollingSource {
            name: name.clone(),
            interval,
            meters,
            resources,
            discovery,
            group_id_coordination_expression: group,
            line,
        }),
        _ => None,
    };
    (name, source)
}
