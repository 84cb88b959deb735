//! The running pipelines built from a plan: which source feeds which sink,
//! and each sink's components and publishers.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use nepho_pipeline::{Filter, Glob};
use nepho_policy::{
    ComponentSource, PipelineFile, Plan, publisher_builtin, publisher_component, publisher_scheme,
    transformer_component,
};
use nepho_publish::{PublisherUrl, Transport};
use nepho_runtime::bindings::{EventBatch, SampleBatch};
use nepho_runtime::{ComponentSet, LoadError, LoadFailure};

use crate::database::Database;
use crate::outlet::{Capture, Outlet, PublishFailure};
use crate::select;
use crate::sink::RunningSink;

/// Where publishers publish.
#[derive(Clone)]
pub enum Mode {
    /// To their destinations (`test://` publishers to the given capture).
    Deliver(Arc<Capture>),
    /// Nowhere: every sink's output goes to the capture instead (a replay).
    CaptureOnly(Arc<Capture>),
}

/// One (source, sink) pair.
#[derive(Clone)]
struct Link {
    filter: Filter,
    sink: usize,
}

/// The pipelines of one file.
#[derive(Clone, Default)]
pub(crate) struct Graph {
    links: Vec<Link>,
    pub(crate) sinks: Vec<RunningSink>,
}

/// Everything that runs, for samples and for events.
#[derive(Clone, Default)]
pub(crate) struct Flows {
    pub(crate) samples: Graph,
    pub(crate) events: Graph,
}

impl Flows {
    /// The transports in use, by publisher URL, for reuse by the next plan.
    pub(crate) fn transports(&self) -> HashMap<String, Arc<dyn Transport>> {
        self.samples
            .sinks
            .iter()
            .chain(&self.events.sinks)
            .flat_map(|sink| &sink.outlets)
            .filter_map(|outlet| match outlet {
                Outlet::Publisher { url, transport, .. } => {
                    Some((url.clone(), Arc::clone(transport)))
                }
                Outlet::Capture(_) | Outlet::Database(_) => None,
            })
            .collect()
    }

    /// The open databases, by connection, for reuse by the next plan.
    pub(crate) fn databases(&self) -> Databases {
        self.samples
            .sinks
            .iter()
            .chain(&self.events.sinks)
            .flat_map(|sink| &sink.outlets)
            .filter_map(|outlet| match outlet {
                Outlet::Database(db) => Some((db.connection().to_owned(), Arc::clone(db))),
                _ => None,
            })
            .collect()
    }

    /// Builds the pipelines of `plan`, opening the transports it needs (or
    /// reusing those of `previous` for the same URL). Every problem is
    /// returned, located in the pipeline file.
    pub(crate) fn build(
        plan: &Plan,
        mode: &Mode,
        previous: &HashMap<String, Arc<dyn Transport>>,
        databases: &mut Databases,
    ) -> Result<Flows, Vec<LoadError>> {
        let mut errors = Vec::new();
        let mut flows = Flows::default();
        let mut open = Opened {
            transports: previous,
            databases,
        };
        if let Some(file) = &plan.pipelines.samples {
            flows.samples = graph(file, plan, mode, &mut open, &mut errors);
        }
        if let Some(file) = &plan.pipelines.events {
            flows.events = graph(file, plan, mode, &mut open, &mut errors);
        }
        if errors.is_empty() {
            Ok(flows)
        } else {
            Err(errors)
        }
    }

    /// Offers a batch of samples to every pipeline, then flushes every
    /// pipeline's sink (Ceilometer's `PublishContext`).
    pub(crate) fn publish_samples(
        &self,
        set: &ComponentSet,
        batch: &SampleBatch,
    ) -> Vec<PublishFailure> {
        let mut failures = Vec::new();
        let graph = &self.samples;
        for link in &graph.links {
            let picked = select::samples(batch, |name| link.filter.matches(name));
            if !picked.samples.is_empty() {
                graph.sinks[link.sink].publish_samples(set, picked, 0, &mut failures);
            }
        }
        for link in &graph.links {
            graph.sinks[link.sink].flush(set, &mut failures);
        }
        failures
    }

    /// Offers a batch of events to every event pipeline.
    pub(crate) fn publish_events(
        &self,
        set: &ComponentSet,
        batch: &EventBatch,
    ) -> Vec<PublishFailure> {
        let mut failures = Vec::new();
        let graph = &self.events;
        for link in &graph.links {
            let picked = select::events(batch, |event_type| link.filter.matches(event_type));
            graph.sinks[link.sink].publish_events(set, &picked, &mut failures);
        }
        failures
    }

    /// Publishes samples a replaced transformer released on reload through
    /// the rest of its sink (if the sink still exists).
    pub(crate) fn publish_released(
        &self,
        set: &ComponentSet,
        component: &str,
        batch: SampleBatch,
    ) -> Vec<PublishFailure> {
        let mut failures = Vec::new();
        let found = self.samples.sinks.iter().find_map(|sink| {
            sink.transformers
                .iter()
                .position(|t| t == component)
                .map(|index| (sink, index))
        });
        match found {
            Some((sink, index)) => {
                sink.publish_samples(set, Cow::Owned(batch), index + 1, &mut failures)
            }
            None => tracing::warn!(
                "{} samples released by the removed transformer {component} have no sink left; dropped.",
                batch.samples.len()
            ),
        }
        failures
    }
}

/// Open databases by connection URL.
pub(crate) type Databases = HashMap<String, Arc<Database>>;

/// What the previous pipelines had open, and the databases opened so far.
struct Opened<'a> {
    transports: &'a HashMap<String, Arc<dyn Transport>>,
    databases: &'a mut Databases,
}

fn graph(
    file: &PipelineFile,
    plan: &Plan,
    mode: &Mode,
    open: &mut Opened<'_>,
    errors: &mut Vec<LoadError>,
) -> Graph {
    let config = &file.config;
    let kind = config.kind;
    let sinks = config
        .sinks
        .iter()
        .map(|sink| RunningSink {
            name: sink.name.clone(),
            transformers: sink
                .transformers
                .iter()
                .enumerate()
                .map(|(i, t)| transformer_component(kind, &sink.name, i, &t.name))
                .collect(),
            outlets: outlets(file, sink, plan, mode, open, errors),
        })
        .collect();
    let links = config
        .pipelines()
        .into_iter()
        .map(|link| Link {
            filter: config.sources[link.source].filter.clone(),
            sink: link.sink,
        })
        .collect();
    Graph { links, sinks }
}

fn outlets(
    file: &PipelineFile,
    sink: &nepho_pipeline::Sink,
    plan: &Plan,
    mode: &Mode,
    open: &mut Opened<'_>,
    errors: &mut Vec<LoadError>,
) -> Vec<Outlet> {
    let test_capture = match mode {
        Mode::CaptureOnly(capture) => return vec![Outlet::Capture(Arc::clone(capture))],
        Mode::Deliver(capture) => capture,
    };
    let kind = file.config.kind;
    let (sink_line, publishers, sink) = (sink.line, &sink.publishers, sink.name.as_str());
    let mut out = Vec::new();
    for (index, url) in publishers.iter().enumerate() {
        if publisher_scheme(url) == "database" {
            match database(plan, open, &file.path, sink_line, sink) {
                Ok(db) => out.push(Outlet::Database(db)),
                Err(error) => errors.push(*error),
            }
            continue;
        }
        if publisher_builtin(url).is_none() {
            out.push(Outlet::Capture(Arc::clone(test_capture)));
            continue;
        }
        let component = publisher_component(kind, sink, index);
        let Some(spec) = plan.component(&component) else {
            continue;
        };
        let error = |message: String| LoadError {
            location: spec.source_location.clone(),
            name: component.clone(),
            source_name: spec.source.clone(),
            reason: LoadFailure::Publisher(message),
        };
        let parsed = match PublisherUrl::parse(url) {
            Ok(parsed) => parsed,
            Err(e) => {
                errors.push(error(e.to_string()));
                continue;
            }
        };
        let destination = parsed.destination();
        let granted = spec
            .sandbox
            .destinations
            .iter()
            .any(|pattern| Glob::new(pattern).matches(&destination));
        if !granted {
            errors.push(error(format!(
                "destination {destination} of sink {sink} is not granted: add a matching pattern to `destinations` in a policy (granted: {:?})",
                spec.sandbox.destinations
            )));
            continue;
        }
        let transport = match open.transports.get(url) {
            Some(transport) => Arc::clone(transport),
            None => match nepho_publish::open(&parsed) {
                Ok(transport) => Arc::from(transport),
                Err(e) => {
                    errors.push(error(e.to_string()));
                    continue;
                }
            },
        };
        out.push(Outlet::Publisher {
            url: url.clone(),
            shown: destination,
            component,
            transport,
        });
    }
    out
}

/// The database of `[database] connection`, opened once per connection.
fn database(
    plan: &Plan,
    open: &mut Opened<'_>,
    file: &std::path::Path,
    sink_line: usize,
    sink: &str,
) -> Result<Arc<Database>, Box<LoadError>> {
    let error = |message: String| {
        Box::new(LoadError {
            location: nepho_policy::Location {
                file: file.to_path_buf(),
                line: sink_line,
                column: 1,
            },
            name: format!("sink {sink}"),
            source_name: ComponentSource::Builtin("database".to_owned()),
            reason: LoadFailure::Publisher(message),
        })
    };
    let connection = plan
        .pipelines
        .database
        .as_deref()
        .ok_or_else(|| error("database:// needs `[database] connection`".to_owned()))?;
    if let Some(db) = open.databases.get(connection) {
        return Ok(Arc::clone(db));
    }
    let db = Arc::new(Database::open(connection).map_err(error)?);
    open.databases
        .insert(connection.to_owned(), Arc::clone(&db));
    Ok(db)
}
