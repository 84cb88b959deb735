//! The validated configuration types.

use serde::{Serialize, Serializer};

use crate::filter::Filter;

impl Serialize for Filter {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.entries().serialize(serializer)
    }
}

/// Which kind of pipeline file was parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PipelineKind {
    /// `pipeline.yaml`: sources filter `meters`.
    Sample,
    /// `event_pipeline.yaml`: sources filter `events`; pipeline names get an `event:` prefix.
    Event,
}

/// A validated `pipeline.yaml` or `event_pipeline.yaml`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PipelineConfig {
    /// Sample or event pipeline.
    pub kind: PipelineKind,
    /// Sources in file order.
    pub sources: Vec<Source>,
    /// Sinks in file order.
    pub sinks: Vec<Sink>,
}

/// One pipeline: a (source, sink) pair, as Ceilometer builds them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PipelineLink {
    /// `source` if source and sink share a name, else `source:sink`; prefixed
    /// with `event:` for event pipelines. Unique within a file.
    pub name: String,
    /// Index into [`PipelineConfig::sources`].
    pub source: usize,
    /// Index into [`PipelineConfig::sinks`].
    pub sink: usize,
}

/// Ceilometer's pipeline name for a source/sink pair.
pub fn pipeline_name(kind: PipelineKind, source: &str, sink: &str) -> String {
    let base = if source == sink {
        source.to_owned()
    } else {
        format!("{source}:{sink}")
    };
    match kind {
        PipelineKind::Sample => base,
        PipelineKind::Event => format!("event:{base}"),
    }
}

impl PipelineConfig {
    /// The pipelines, in source order then in each source's `sinks` order.
    pub fn pipelines(&self) -> Vec<PipelineLink> {
        let mut out = Vec::new();
        for (si, source) in self.sources.iter().enumerate() {
            for target in &source.sinks {
                if let Some(ki) = self.sinks.iter().position(|k| &k.name == target) {
                    out.push(PipelineLink {
                        name: pipeline_name(self.kind, &source.name, target),
                        source: si,
                        sink: ki,
                    });
                }
            }
        }
        out
    }

    /// The sink called `name`.
    pub fn sink(&self, name: &str) -> Option<&Sink> {
        self.sinks.iter().find(|s| s.name == name)
    }

    /// The source called `name`.
    pub fn source(&self, name: &str) -> Option<&Source> {
        self.sources.iter().find(|s| s.name == name)
    }
}

/// A pipeline source: which meters (or events) go to which sinks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Source {
    /// Unique source name.
    pub name: String,
    /// The `meters:` filter (sample pipelines) or `events:` filter (event pipelines).
    pub filter: Filter,
    /// Names of the sinks fed by this source (all exist in the file).
    pub sinks: Vec<String>,
    /// 1-based line of the source's `name:` key (or of its list item).
    pub line: usize,
    /// Pre-Ocata (≤ Newton) `interval:` of a sample source, in seconds; `None` when absent.
    pub interval: Option<u64>,
    /// Pre-Ocata `resources:` of a sample source (empty when absent).
    pub resources: Vec<String>,
    /// Pre-Ocata `discovery:` of a sample source (empty when absent).
    pub discovery: Vec<String>,
}

/// A pipeline sink: transformers (≤ Rocky) then publishers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sink {
    /// Unique sink name.
    pub name: String,
    /// Transformer chain, in order (empty when absent or null).
    pub transformers: Vec<TransformerSpec>,
    /// Publisher URLs, never empty; `://` appended to entries without it, as upstream.
    pub publishers: Vec<String>,
    /// 1-based line of the sink's `name:` key (or of its list item).
    pub line: usize,
}

/// One transformer of a sink.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TransformerSpec {
    /// One of `accumulator`, `delta`, `unit_conversion`, `rate_of_change`,
    /// `aggregator`, `arithmetic`.
    pub name: String,
    /// The `parameters:` mapping as JSON (an empty object when null).
    pub parameters: serde_json::Value,
}

/// The transformer names Rocky (11.0.0) registers in `ceilometer.transformer`.
pub const TRANSFORMER_NAMES: [&str; 6] = [
    "accumulator",
    "delta",
    "unit_conversion",
    "rate_of_change",
    "aggregator",
    "arithmetic",
];

/// A validated `polling.yaml`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PollingConfig {
    /// Sources in file order (names are not required to be unique, as upstream).
    pub sources: Vec<PollingSource>,
}

/// One polling source.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PollingSource {
    /// Source name.
    pub name: String,
    /// Polling period in seconds (> 0).
    pub interval: u64,
    /// Which pollsters (by meter name) this source runs.
    pub meters: Filter,
    /// Static resources (empty when absent).
    pub resources: Vec<String>,
    /// Discoverer URLs (empty when absent).
    pub discovery: Vec<String>,
    /// Optional Python expression for the coordination group id (master).
    pub group_id_coordination_expression: Option<String>,
    /// 1-based line of the source's `name:` key (or of its list item).
    pub line: usize,
}

impl PollingConfig {
    /// The distinct intervals, ascending: one polling task each.
    pub fn intervals(&self) -> Vec<u64> {
        let mut v: Vec<u64> = self.sources.iter().map(|s| s.interval).collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// The sources whose meter filter accepts `meter`.
    pub fn sources_for(&self, meter: &str) -> impl Iterator<Item = &PollingSource> {
        self.sources.iter().filter(move |s| s.meters.matches(meter))
    }
}
