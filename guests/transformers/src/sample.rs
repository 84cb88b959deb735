//! The sample model shared by every transformer (Ceilometer's `ceilometer.sample.Sample`).

use serde::{Deserialize, Serialize};

use crate::metadata::Metadata;

/// Ceilometer's default `source` for samples built without one (`Sample.SOURCE_DEFAULT`).
pub const SOURCE_DEFAULT: &str = "openstack";

/// One measurement, with the fields of Ceilometer's `Sample`.
///
/// `volume` is always an `f64`: Ceilometer keeps Python ints and floats apart, but every
/// transformer result is compared numerically, so only the textual rendering differs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// Meter name, e.g. `cpu`.
    pub name: String,
    /// `gauge`, `delta` or `cumulative`.
    #[serde(rename = "type")]
    pub r#type: String,
    /// Free-text unit, e.g. `ns`.
    pub unit: String,
    /// The measured value.
    pub volume: f64,
    /// Owner user, if any.
    #[serde(default)]
    pub user_id: Option<String>,
    /// Owner project, if any.
    #[serde(default)]
    pub project_id: Option<String>,
    /// The resource measured.
    pub resource_id: String,
    /// ISO-8601 timestamp, kept as the original string.
    #[serde(default)]
    pub timestamp: String,
    /// Arbitrary metadata (a JSON object in practice), parsed on demand.
    #[serde(default)]
    pub resource_metadata: Metadata,
    /// Sample source; Ceilometer's default is `openstack`.
    #[serde(default = "default_source")]
    pub source: String,
    /// Message id. Samples built by a transformer get an empty id: Ceilometer would
    /// assign `str(uuid.uuid1())`, which the caller does when it needs one.
    #[serde(default)]
    pub id: String,
    /// High-precision poll time (`time.monotonic()`), when the poller gave one.
    #[serde(default)]
    pub monotonic_time: Option<f64>,
}

fn default_source() -> String {
    SOURCE_DEFAULT.to_string()
}

impl Sample {
    /// A new sample the way a transformer builds one: default source, empty id
    /// (Ceilometer: fresh uuid1) and no `monotonic_time`.
    #[allow(clippy::too_many_arguments)]
    pub fn derived(
        name: String,
        r#type: String,
        unit: String,
        volume: f64,
        user_id: Option<String>,
        project_id: Option<String>,
        resource_id: String,
        timestamp: String,
        resource_metadata: Metadata,
    ) -> Sample {
        // `resource_metadata or {}`
        let resource_metadata = if resource_metadata.is_truthy() {
            resource_metadata
        } else {
            Metadata::empty()
        };
        Sample {
            name,
            r#type,
            unit,
            volume,
            user_id,
            project_id,
            resource_id,
            timestamp,
            resource_metadata,
            source: default_source(),
            id: String::new(),
            monotonic_time: None,
        }
    }

    /// Ceilometer's `repr(sample)` as it appears inside a tuple in log messages:
    /// `(<name: cpu, volume: 1.0, resource_id: r, timestamp: t>,)`.
    pub fn log_repr(&self) -> String {
        format!(
            "(<name: {}, volume: {}, resource_id: {}, timestamp: {}>,)",
            self.name,
            crate::py::float_repr(self.volume),
            self.resource_id,
            self.timestamp
        )
    }
}
