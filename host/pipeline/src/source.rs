//! One source of `pipeline.yaml` / `event_pipeline.yaml`.

use serde_yaml_ng::Value;

use crate::fields::{occurrence, read_filter, read_name, read_optional_list};
use crate::interval::parse_interval;
use crate::model::{PipelineKind, Source};
use crate::report::{At, ItemRef, Reporter};
use crate::yaml::{self, ListError};

/// What was learnt about one source, even when it is invalid.
#[derive(Debug, Default)]
pub(crate) struct SourceParse {
    /// Its name, when valid.
    pub name: Option<String>,
    /// Its `sinks:` list, when present and well-formed (may be empty).
    pub sinks: Option<Vec<String>>,
    /// The source, when it had no error of its own.
    pub source: Option<Source>,
}

/// Parses source `index`; `earlier` holds the names of the sources before it.
pub(crate) fn parse_source(
    r: &mut Reporter<'_>,
    kind: PipelineKind,
    index: usize,
    value: &Value,
    earlier: &[Option<String>],
) -> SourceParse {
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
        return SourceParse::default();
    };
    let name = read_name(r, &anonymous, map);
    let item = ItemRef {
        name: name.as_deref(),
        occurrence: name.as_deref().map_or(0, |n| occurrence(earlier, n)),
        ..anonymous
    };
    let mut ok = name.is_some();
    if let Some(n) = item.name
        && item.occurrence > 0
    {
        r.item(
            &item,
            At::Key("name"),
            format!("Duplicated source names: {n}"),
        );
        ok = false;
    }

    let sinks = match yaml::get(map, "sinks") {
        None => {
            r.item(&item, At::Item, "Required field sinks not specified");
            None
        }
        Some(v) if yaml::is_falsy(v) => Some(Vec::new()),
        Some(v) => match yaml::string_list(v) {
            Ok(list) => Some(list),
            Err(ListError::NotAList) => {
                r.item(&item, At::Key("sinks"), "Sinks should be a list");
                None
            }
            Err(ListError::NotAString(i)) => {
                r.item(
                    &item,
                    At::Entry("sinks", i),
                    "Sinks entries should be strings",
                );
                None
            }
        },
    };
    ok &= sinks.is_some();

    let filter = match kind {
        PipelineKind::Sample => read_filter(
            r,
            &item,
            yaml::get(map, "meters"),
            "meters",
            Some("Missing meters value"),
        ),
        PipelineKind::Event => read_filter(r, &item, yaml::get(map, "events"), "events", None),
    };

    // Pre-Ocata sample sources also carried polling settings; validated as then.
    let mut interval = None;
    let (mut resources, mut discovery) = (Some(Vec::new()), Some(Vec::new()));
    if kind == PipelineKind::Sample {
        if let Some(v) = yaml::get(map, "interval") {
            match parse_interval(v) {
                Ok(seconds) => interval = Some(seconds),
                Err(message) => {
                    r.item(&item, At::Key("interval"), message);
                    ok = false;
                }
            }
        }
        resources = read_optional_list(r, &item, map, "resources");
        discovery = read_optional_list(r, &item, map, "discovery");
    }

    let line = r.item_line(&item);
    let source = match (ok, &name, &sinks, filter, resources, discovery) {
        (true, Some(name), Some(sinks), Some(filter), Some(resources), Some(discovery)) => {
            Some(Source {
                name: name.clone(),
                filter,
                sinks: sinks.clone(),
                line,
                interval,
                resources,
                discovery,
            })
        }
        _ => None,
    };
    SourceParse {
        name,
        sinks,
        source,
    }
}
