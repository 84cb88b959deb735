//! The `[pipeline]` part of the agent configuration: Ceilometer's pipeline
//! files, read and validated, and the components they need.
//!
//! Every transformer of every sink and every publisher (except `test://`,
//! which the host handles itself) becomes one component with its own instance,
//! so per-resource transformer state belongs to one sink, as in Ceilometer.
//! The generated names are stable (`pipeline/SINK/INDEX/TRANSFORMER`,
//! `pipeline/SINK/publisher/INDEX`, `event_pipeline/...`): a reload that leaves
//! a sink's transformer as it was keeps that transformer's state.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use nepho_pipeline::{ConfigError, PipelineConfig, PipelineKind};
use toml::Spanned;

use crate::agent_config::{ComponentSource, ComponentSpec, RawAgentConfig};
use crate::diagnostic::{Diagnostic, Diagnostics, Location};
use crate::plan::ConfigSource;
use crate::sandbox::Sandbox;

/// The built-in pipeline files, named `builtin:NAME` in `[pipeline]`:
/// every meter, and every event, into `[database] connection`.
pub const BUILTIN_PIPELINES: [(&str, &str); 2] = [
    ("pipeline.yaml", include_str!("builtin/pipeline.yaml")),
    (
        "event_pipeline.yaml",
        include_str!("builtin/event_pipeline.yaml"),
    ),
];

/// Where built-in pipeline files are said to be (never a real directory).
const EMBEDDED_DIR: &str = "<embedded>";

/// Ceilometer's default `telemetry_secret`.
pub const DEFAULT_TELEMETRY_SECRET: &str = "change this for valid signing";

/// The pipeline files the agent runs, validated.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Pipelines {
    /// `pipeline.yaml` (samples), if configured.
    pub samples: Option<PipelineFile>,
    /// `event_pipeline.yaml` (events), if configured.
    pub events: Option<PipelineFile>,
    /// The secret that signs published meter messages and events and
    /// verifies incoming ones (`[publisher] telemetry_secret`); Ceilometer's
    /// default when not set.
    pub telemetry_secret: String,
    /// Where `database://` publishers store (`[database] connection`), if set.
    pub database: Option<String>,
}

/// One validated pipeline file.
#[derive(Debug, Clone, PartialEq)]
pub struct PipelineFile {
    /// Where it was read from.
    pub path: PathBuf,
    /// Its sources and sinks.
    pub config: PipelineConfig,
}

impl Pipelines {
    /// The pipeline files read from disk, for watching (built-in ones are not).
    pub fn files(&self) -> impl Iterator<Item = &Path> {
        self.samples
            .iter()
            .chain(&self.events)
            .map(|file| file.path.as_path())
            .filter(|path| !path.starts_with(EMBEDDED_DIR))
    }
}

fn prefix(kind: PipelineKind) -> &'static str {
    match kind {
        PipelineKind::Sample => "pipeline",
        PipelineKind::Event => "event_pipeline",
    }
}

/// The component that runs transformer `index` (named `transformer`) of `sink`.
pub fn transformer_component(
    kind: PipelineKind,
    sink: &str,
    index: usize,
    transformer: &str,
) -> String {
    format!("{}/{sink}/{index}/{transformer}", prefix(kind))
}

/// The component that encodes for publisher `index` of `sink`.
pub fn publisher_component(kind: PipelineKind, sink: &str, index: usize) -> String {
    format!("{}/{sink}/publisher/{index}", prefix(kind))
}

/// The scheme of a publisher URL (`udp` for `udp://host`).
pub fn publisher_scheme(url: &str) -> &str {
    url.split_once("://").map_or(url, |(scheme, _)| scheme)
}

/// The built-in component that encodes for `url`, or `None` for `test://`
/// and `database://`, which the host handles without a component.
pub fn publisher_builtin(url: &str) -> Option<String> {
    match publisher_scheme(url) {
        "test" | "database" => None,
        "https" => Some("publish-http".to_owned()),
        scheme => Some(format!("publish-{scheme}")),
    }
}

/// What resolving the pipelines needs from the rest of the plan.
pub(crate) struct PipelineContext<'a> {
    pub(crate) config: &'a ConfigSource,
    pub(crate) base: &'a Path,
    /// The sandbox of a component, given its name and tenant.
    pub(crate) sandbox_for: &'a mut dyn FnMut(&str, Option<&str>, &mut Diagnostics) -> Sandbox,
    /// Whether a tenant is defined.
    pub(crate) tenant_known: &'a dyn Fn(&str) -> bool,
    /// `[database] connection`, if set.
    pub(crate) database: Option<String>,
}

/// An operator's transformer type: where its code comes from.
struct TransformerType {
    source: ComponentSource,
    tenant: Option<String>,
}

/// Reads the pipeline files named in `raw` and the components they need.
pub(crate) fn resolve(
    raw: &RawAgentConfig,
    cx: &mut PipelineContext<'_>,
    errors: &mut Diagnostics,
) -> (Pipelines, Vec<ComponentSpec>) {
    let at = |span| Location::of_span(&cx.config.path, &cx.config.text, span);
    let mut types = BTreeMap::new();
    for (name, raw_type) in &raw.transformers {
        match ComponentSource::parse(raw_type.source.get_ref(), cx.base) {
            Ok(source) => {
                if let Some(t) = &raw_type.tenant
                    && !(cx.tenant_known)(t.get_ref())
                {
                    errors.push(Diagnostic::new(
                        at(t.span()),
                        format!(
                            "transformers.{}.tenant: `{}` is not defined in any policy file",
                            name.get_ref(),
                            t.get_ref()
                        ),
                    ));
                }
                let tenant = raw_type.tenant.as_ref().map(|t| t.get_ref().clone());
                types.insert(name.get_ref().clone(), TransformerType { source, tenant });
            }
            Err(message) => errors.push(Diagnostic::new(
                at(raw_type.source.span()),
                format!("transformers.{}.{message}", name.get_ref()),
            )),
        }
    }
    let extra: Vec<String> = types.keys().cloned().collect();
    let secret = raw
        .publisher
        .as_ref()
        .and_then(|p| p.telemetry_secret.clone())
        .unwrap_or_else(|| DEFAULT_TELEMETRY_SECRET.to_owned());
    let mut pipelines = Pipelines {
        telemetry_secret: secret,
        database: raw
            .database
            .as_ref()
            .map(|d| d.connection.get_ref().clone()),
        ..Pipelines::default()
    };
    let mut components = Vec::new();
    let Some(files) = &raw.pipeline else {
        return (pipelines, components);
    };
    let mut read = |key: &Spanned<String>, kind: PipelineKind| -> Option<PipelineFile> {
        let (path, text) = match key.get_ref().strip_prefix("builtin:") {
            Some(name) => match BUILTIN_PIPELINES.iter().find(|(n, _)| *n == name) {
                Some((name, text)) => (Path::new(EMBEDDED_DIR).join(name), (*text).to_owned()),
                None => {
                    let known: Vec<&str> = BUILTIN_PIPELINES.iter().map(|(n, _)| *n).collect();
                    errors.push(Diagnostic::new(
                        at(key.span()),
                        format!(
                            "pipeline: no built-in pipeline `{name}` (built-in: {})",
                            known.join(", ")
                        ),
                    ));
                    return None;
                }
            },
            None => {
                let path = cx.base.join(key.get_ref());
                match std::fs::read_to_string(&path) {
                    Ok(text) => (path, text),
                    Err(error) => {
                        errors.push(Diagnostic::new(
                            at(key.span()),
                            format!("pipeline: cannot read {}: {error}", path.display()),
                        ));
                        return None;
                    }
                }
            }
        };
        let name = path.display().to_string();
        let parsed = match kind {
            PipelineKind::Sample => nepho_pipeline::parse_pipeline_with(&name, &text, &extra),
            PipelineKind::Event => nepho_pipeline::parse_event_pipeline(&name, &text),
        };
        match parsed {
            Ok(config) => Some(PipelineFile { path, config }),
            Err(problems) => {
                for problem in problems {
                    errors.push(located(&path, &problem));
                }
                None
            }
        }
    };
    pipelines.samples = files
        .samples
        .as_ref()
        .and_then(|key| read(key, PipelineKind::Sample));
    pipelines.events = files
        .events
        .as_ref()
        .and_then(|key| read(key, PipelineKind::Event));
    for file in pipelines.samples.iter().chain(&pipelines.events) {
        components.extend(file_components(
            file,
            &types,
            &pipelines.telemetry_secret,
            cx,
            errors,
        ));
    }
    (pipelines, components)
}

/// A pipeline-file problem as a diagnostic.
fn located(path: &Path, problem: &ConfigError) -> Diagnostic {
    Diagnostic::new(
        Location {
            file: path.to_path_buf(),
            line: problem.line,
            column: 1,
        },
        problem.message.clone(),
    )
}

/// The components one pipeline file needs.
fn file_components(
    file: &PipelineFile,
    types: &BTreeMap<String, TransformerType>,
    secret: &str,
    cx: &mut PipelineContext<'_>,
    errors: &mut Diagnostics,
) -> Vec<ComponentSpec> {
    let kind = file.config.kind;
    let mut out = Vec::new();
    for sink in &file.config.sinks {
        let location = Location {
            file: file.path.clone(),
            line: sink.line,
            column: 1,
        };
        for (index, transformer) in sink.transformers.iter().enumerate() {
            let (source, tenant) = match types.get(&transformer.name) {
                Some(custom) => (custom.source.clone(), custom.tenant.clone()),
                None => (
                    ComponentSource::Builtin(format!(
                        "transform-{}",
                        transformer.name.replace('_', "-")
                    )),
                    None,
                ),
            };
            let name = transformer_component(kind, &sink.name, index, &transformer.name);
            let sandbox = (cx.sandbox_for)(&name, tenant.as_deref(), errors);
            let mut config = serde_json::Map::new();
            config.insert("parameters".into(), transformer.parameters.clone());
            out.push(ComponentSpec {
                name,
                source,
                source_location: location.clone(),
                tenant,
                config,
                sandbox,
                watched: Vec::new(),
            });
        }
        for (index, url) in sink.publishers.iter().enumerate() {
            if publisher_scheme(url) == "database" && cx.database.is_none() {
                errors.push(Diagnostic::new(
                    location.clone(),
                    format!(
                        "sink {}: publisher {url} needs `[database] connection` in the agent configuration",
                        sink.name
                    ),
                ));
            }
            let Some(builtin) = publisher_builtin(url) else {
                continue;
            };
            let name = publisher_component(kind, &sink.name, index);
            let sandbox = (cx.sandbox_for)(&name, None, errors);
            let mut config = serde_json::Map::new();
            config.insert("url".into(), url.clone().into());
            config.insert("telemetry_secret".into(), secret.into());
            out.push(ComponentSpec {
                name,
                source: ComponentSource::Builtin(builtin),
                source_location: location.clone(),
                tenant: None,
                config,
                sandbox,
                watched: Vec::new(),
            });
        }
    }
    out
}
