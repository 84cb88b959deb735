//! One sink of `pipeline.yaml` / `event_pipeline.yaml`, with its transformers.

use serde_yaml_ng::{Mapping, Value};

use crate::fields::{occurrence, read_name};
use crate::model::{PipelineKind, Sink, TRANSFORMER_NAMES, TransformerSpec};
use crate::report::{At, ItemRef, Reporter};
use crate::yaml::{self, ListError};

/// What was learnt about one sink, even when it is invalid.
#[derive(Debug, Default)]
pub(crate) struct SinkParse {
    /// Its name, when valid.
    pub name: Option<String>,
    /// The sink, when it had no error of its own.
    pub sink: Option<Sink>,
}

/// Parses sink `index`; `earlier` holds the names of the sinks before it.
pub(crate) fn parse_sink(
    r: &mut Reporter<'_>,
    kind: PipelineKind,
    index: usize,
    value: &Value,
    earlier: &[Option<String>],
    extra_transformers: &[String],
) -> SinkParse {
    let anonymous = ItemRef {
        section: "sinks",
        label: "sink",
        index,
        name: None,
        occurrence: 0,
    };
    let Value::Mapping(map) = value else {
        r.item(&anonymous, At::Item, "Sink definition should be a mapping");
        return SinkParse::default();
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
            format!("Duplicated sink names: {n}"),
        );
        ok = false;
    }
    let publishers = read_publishers(r, &item, map);
    let transformers = read_transformers(r, &item, kind, map, extra_transformers);
    let line = r.item_line(&item);
    let sink = match (ok, &name, publishers, transformers) {
        (true, Some(name), Some(publishers), Some(transformers)) => Some(Sink {
            name: name.clone(),
            transformers,
            publishers,
            line,
        }),
        _ => None,
    };
    SinkParse { name, sink }
}

/// `publishers:`: required and non-empty; `://` is appended to bare names.
fn read_publishers(r: &mut Reporter<'_>, item: &ItemRef<'_>, map: &Mapping) -> Option<Vec<String>> {
    let value = match yaml::get(map, "publishers") {
        Some(v) if !yaml::is_falsy(v) => v,
        Some(_) => {
            r.item(item, At::Key("publishers"), "No publisher specified");
            return None;
        }
        None => {
            r.item(item, At::Item, "No publisher specified");
            return None;
        }
    };
    match yaml::string_list(value) {
        Ok(list) => Some(
            list.into_iter()
                .map(|p| if p.contains("://") { p } else { p + "://" })
                .collect(),
        ),
        Err(ListError::NotAList) => {
            r.item(item, At::Key("publishers"), "Publishers should be a list");
            None
        }
        Err(ListError::NotAString(i)) => {
            r.item(
                item,
                At::Entry("publishers", i),
                "Publishers entries should be strings",
            );
            None
        }
    }
}

/// `transformers:` (optional; null or empty means none). Sample sinks accept
/// Rocky's six transformers and the operator's `extra_transformers`; event
/// sinks accept none (Rocky gave event pipelines an empty transformer manager).
fn read_transformers(
    r: &mut Reporter<'_>,
    item: &ItemRef<'_>,
    kind: PipelineKind,
    map: &Mapping,
    extra_transformers: &[String],
) -> Option<Vec<TransformerSpec>> {
    let items = match yaml::get(map, "transformers") {
        None => return Some(Vec::new()),
        Some(v) if yaml::is_falsy(v) => return Some(Vec::new()),
        Some(Value::Sequence(items)) => items,
        Some(_) => {
            r.item(
                item,
                At::Key("transformers"),
                "Transformers should be a list",
            );
            return None;
        }
    };
    let mut out = Vec::with_capacity(items.len());
    let mut ok = true;
    for (i, t) in items.iter().enumerate() {
        match read_transformer(kind, extra_transformers, t) {
            Ok(spec) => out.push(spec),
            Err(message) => {
                r.item(item, At::Entry("transformers", i), message);
                ok = false;
            }
        }
    }
    ok.then_some(out)
}

/// One transformer entry; the error message on failure.
fn read_transformer(
    kind: PipelineKind,
    extra_transformers: &[String],
    value: &Value,
) -> Result<TransformerSpec, String> {
    let Value::Mapping(map) = value else {
        return Err("Transformer definition should be a mapping".to_owned());
    };
    let name = match yaml::get(map, "name") {
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err("Transformer name should be a string".to_owned()),
        None => return Err("Required field name not specified in transformer".to_owned()),
    };
    let known = kind == PipelineKind::Sample
        && (TRANSFORMER_NAMES.contains(&name.as_str()) || extra_transformers.contains(&name));
    let parameters = match yaml::get(map, "parameters") {
        None => {
            return Err(format!(
                "Required field parameters not specified in transformer {name}"
            ));
        }
        Some(v) if yaml::is_falsy(v) => serde_json::Value::Object(serde_json::Map::new()),
        Some(v @ Value::Mapping(_)) => yaml::to_json(v)
            .map_err(|e| format!("Invalid parameters of transformer {name}: {e}"))?,
        Some(_) => {
            return Err(format!(
                "Parameters of transformer {name} should be a mapping"
            ));
        }
    };
    if !known {
        return Err(format!("No transformer named {name} loaded"));
    }
    Ok(TransformerSpec { name, parameters })
}
