//! The pollster contract: what a pollster and a discovery are, what they
//! take and what they give back (Ceilometer's `PollsterBase`,
//! `DiscoveryBase`, `Sample` and `PollsterPermanentError`).
//!
//! Pollsters are called from the agent's worker threads, several at once;
//! they must be `Send + Sync` and must never block forever: every network
//! or process call a pollster makes has a timeout.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use crate::CycleCache;

/// Ceilometer's sample types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SampleType {
    /// A value at a point in time (`gauge`).
    Gauge,
    /// A change since the previous sample (`delta`).
    Delta,
    /// A counter that only grows (`cumulative`).
    Cumulative,
}

impl SampleType {
    /// The name Ceilometer writes in `counter_type`: `gauge`, `delta`, `cumulative`.
    pub fn as_str(self) -> &'static str {
        match self {
            SampleType::Gauge => "gauge",
            SampleType::Delta => "delta",
            SampleType::Cumulative => "cumulative",
        }
    }
}

impl fmt::Display for SampleType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One measurement, as a pollster reads it. The agent adds the cycle's
/// timestamp, the sample id (`message_id`) and the source
/// ([`Pollster::sample_source`]).
#[derive(Clone, Debug, PartialEq)]
pub struct PolledSample {
    /// The meter name, e.g. `cpu`, `hardware.memory.used`.
    pub name: String,
    /// Gauge, delta or cumulative.
    pub sample_type: SampleType,
    /// The unit, e.g. `ns`, `MB`, `B`, `packet`.
    pub unit: String,
    /// The value.
    pub volume: f64,
    /// The owning user, if known.
    pub user_id: Option<String>,
    /// The owning project, if known.
    pub project_id: Option<String>,
    /// The resource the value belongs to (an instance UUID, a vNIC's id, a host).
    pub resource_id: String,
    /// Ceilometer's `resource_metadata`.
    pub resource_metadata: serde_json::Map<String, serde_json::Value>,
    /// Seconds of a monotonic clock when the value was read (Ceilometer's
    /// `monotonic_time`), if the pollster records it.
    pub monotonic_time: Option<f64>,
}

/// A resource to poll, from polling.yaml `resources` or from a discovery.
///
/// Two resources are the same resource when their keys are equal (the agent
/// polls a resource once per pollster per cycle, and remembers permanent
/// failures by key).
#[derive(Clone)]
pub struct Resource {
    /// Its identity in polling.yaml and in failure lists: an `snmp://` URL,
    /// an instance UUID, a node name.
    pub key: String,
    /// What the discovery learned about it (e.g. a libvirt domain's parsed
    /// XML), if anything. Pollsters downcast it with [`Resource::details_as`].
    pub details: Option<Arc<dyn Any + Send + Sync>>,
}

impl Resource {
    /// A resource known only by its key (a polling.yaml `resources` entry).
    pub fn new(key: impl Into<String>) -> Self {
        Resource {
            key: key.into(),
            details: None,
        }
    }

    /// A resource with what a discovery learned about it.
    pub fn with_details<T: Any + Send + Sync>(key: impl Into<String>, details: T) -> Self {
        Resource {
            key: key.into(),
            details: Some(Arc::new(details)),
        }
    }

    /// The details, if there are some and they are a `T`.
    pub fn details_as<T: Any + Send + Sync>(&self) -> Option<&T> {
        self.details.as_deref().and_then(|d| d.downcast_ref::<T>())
    }
}

impl fmt::Debug for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Resource")
            .field("key", &self.key)
            .field("details", &self.details.is_some())
            .finish()
    }
}

impl PartialEq for Resource {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl Eq for Resource {}

/// What one run of a pollster over its resources gave: the samples it could
/// read, and the resources it could not.
///
/// A failure for one resource never discards the samples of the others.
#[derive(Debug, Default)]
pub struct Polled {
    /// The samples read.
    pub samples: Vec<PolledSample>,
    /// The resources that failed, with why.
    pub failures: Vec<ResourceFailure>,
}

impl Polled {
    /// An empty result.
    pub fn new() -> Self {
        Polled::default()
    }
}

/// One resource a pollster could not poll.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceFailure {
    /// The resource's [`Resource::key`].
    pub resource: String,
    /// Ceilometer's `PollsterPermanentError`: the agent never polls this
    /// resource with this pollster (for this source) again. `false`: logged,
    /// and retried next cycle.
    pub permanent: bool,
    /// Why, for the log.
    pub reason: String,
}

impl ResourceFailure {
    /// A failure retried next cycle.
    pub fn transient(resource: impl Into<String>, reason: impl Into<String>) -> Self {
        ResourceFailure {
            resource: resource.into(),
            permanent: false,
            reason: reason.into(),
        }
    }

    /// A failure that stops this pollster polling this resource for this source.
    pub fn permanent(resource: impl Into<String>, reason: impl Into<String>) -> Self {
        ResourceFailure {
            resource: resource.into(),
            permanent: true,
            reason: reason.into(),
        }
    }
}

/// One meter's pollster (Ceilometer's `PollsterBase`).
pub trait Pollster: Send + Sync {
    /// The meter name, e.g. `cpu`, `hardware.cpu.load.1min`; polling.yaml
    /// `meters` and `--pollster-list` match against it.
    fn name(&self) -> &str;

    /// The discovery used when the source names neither resources nor a
    /// discovery (e.g. `local_instances`, `local_node`), if any.
    fn default_discovery(&self) -> Option<&str>;

    /// The `source` of its samples: Ceilometer's `sample_source` default
    /// `openstack`; the SNMP pollsters say `hardware`.
    fn sample_source(&self) -> &str {
        "openstack"
    }

    /// How the agent writes one of its resource keys in the log: the key
    /// itself unless it holds secrets, which this hides (the SNMP pollsters'
    /// keys are `snmp://` URLs with their passwords).
    fn shown_key(&self, key: &str) -> String {
        key.to_owned()
    }

    /// Polls `resources` (never empty, each once per cycle). `cache` is
    /// shared by every pollster of the cycle: put inspector results there
    /// (one SNMP walk, one libvirt stats call per cycle) under keys that
    /// name what they hold.
    fn poll(&self, cache: &CycleCache, resources: &[Resource]) -> Polled;
}

/// A discovery (Ceilometer's `DiscoveryBase`), known by the name polling.yaml
/// `discovery` gives it (`local_instances`, `local_node`, ...).
pub trait Discovery: Send + Sync {
    /// The name before the `:` of a polling.yaml discovery entry.
    fn name(&self) -> &str;

    /// The resources found now. `param` is what follows `name:` in the
    /// discovery entry (`endpoint:compute` → `Some("compute")`), if anything.
    /// Like a pollster, a discovery never blocks forever.
    fn discover(&self, param: Option<&str>) -> Result<Vec<Resource>, String>;
}
