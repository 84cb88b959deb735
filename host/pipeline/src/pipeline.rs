//! `pipeline.yaml` / `event_pipeline.yaml`: the whole file and the links
//! between sources and sinks (`PipelineManager.__init__`, `check_sinks`).

use std::collections::HashSet;

use serde_yaml_ng::Value;

use crate::error::ConfigError;
use crate::fields::top_list;
use crate::model::{PipelineConfig, PipelineKind, pipeline_name};
use crate::report::{At, ItemRef, Reporter};
use crate::sink::parse_sink;
use crate::source::{SourceParse, parse_source};
use crate::yaml;

/// Parses and validates a pipeline file of the given kind.
pub(crate) fn parse(
    file: &str,
    text: &str,
    kind: PipelineKind,
    extra_transformers: &[String],
) -> Result<PipelineConfig, Vec<ConfigError>> {
    let mut r = Reporter::new(file, text);
    let doc = match yaml::load(text) {
        Ok(doc) => doc,
        Err(e) => {
            r.at_line(e.line, e.message);
            return Err(r.finish());
        }
    };
    let map = match &doc {
        Value::Mapping(map) => Some(map),
        Value::Null => None,
        _ => {
            r.at_line(1, "Pipeline definition should be a mapping");
            return Err(r.finish());
        }
    };
    let (Some(sources_v), Some(sinks_v)) = (
        map.and_then(|m| yaml::get(m, "sources")),
        map.and_then(|m| yaml::get(m, "sinks")),
    ) else {
        r.at_line(1, "Both sources & sinks are required");
        return Err(r.finish());
    };
    let sources_list = top_list(&mut r, sources_v, "sources");
    let sinks_list = top_list(&mut r, sinks_v, "sinks");
    let (Some(sources_list), Some(sinks_list)) = (sources_list, sinks_list) else {
        return Err(r.finish());
    };

    let mut source_parses: Vec<SourceParse> = Vec::with_capacity(sources_list.len());
    let mut source_names: Vec<Option<String>> = Vec::with_capacity(sources_list.len());
    for (i, v) in sources_list.iter().enumerate() {
        let parsed = parse_source(&mut r, kind, i, v, &source_names);
        source_names.push(parsed.name.clone());
        source_parses.push(parsed);
    }

    let mut sinks = Vec::with_capacity(sinks_list.len());
    let mut sink_names: Vec<Option<String>> = Vec::with_capacity(sinks_list.len());
    for (i, v) in sinks_list.iter().enumerate() {
        let parsed = parse_sink(&mut r, kind, i, v, &sink_names, extra_transformers);
        sink_names.push(parsed.name);
        sinks.extend(parsed.sink);
    }

    let known_sinks: HashSet<&str> = sink_names.iter().flatten().map(String::as_str).collect();
    let mut pipeline_names = HashSet::new();
    for (i, parsed) in source_parses.iter().enumerate() {
        check_sinks(
            &mut r,
            kind,
            i,
            parsed,
            &source_names,
            &known_sinks,
            &mut pipeline_names,
        );
    }

    if r.has_errors() {
        return Err(r.finish());
    }
    Ok(PipelineConfig {
        kind,
        sources: source_parses.into_iter().filter_map(|p| p.source).collect(),
        sinks,
    })
}

/// A source's sinks: at least one, all defined, no pipeline name twice.
fn check_sinks(
    r: &mut Reporter<'_>,
    kind: PipelineKind,
    index: usize,
    parsed: &SourceParse,
    source_names: &[Option<String>],
    known_sinks: &HashSet<&str>,
    pipeline_names: &mut HashSet<String>,
) {
    let (Some(name), Some(targets)) = (&parsed.name, &parsed.sinks) else {
        return;
    };
    let item = ItemRef {
        section: "sources",
        label: "source",
        index,
        name: Some(name),
        occurrence: crate::fields::occurrence(&source_names[..index], name),
    };
    if item.occurrence > 0 {
        return; // already reported as a duplicated source name
    }
    if targets.is_empty() {
        r.item(
            &item,
            At::Key("sinks"),
            format!("No sink defined in source {name}"),
        );
        return;
    }
    for (j, target) in targets.iter().enumerate() {
        if !known_sinks.contains(target.as_str()) {
            r.item(
                &item,
                At::Entry("sinks", j),
                format!("Dangling sink {target} from source {name}"),
            );
            continue;
        }
        let pipe = pipeline_name(kind, name, target);
        if !pipeline_names.insert(pipe.clone()) {
            r.item(
                &item,
                At::Entry("sinks", j),
                format!(
                    "Duplicate pipeline name: {pipe}. Ensure pipeline names are unique. \
                     (name is the source and sink names combined)"
                ),
            );
        }
    }
}
