//! The IPMI sensor pollsters (Ceilometer's `ipmi/pollsters/sensor.py`) and
//! the `local_node` discovery.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use nepho_polling::{
    CycleCache, Discovery, Polled, PolledSample, Pollster, Resource, ResourceFailure, SampleType,
};
use serde_json::{Map, Value as Json};
use tracing::{debug, warn};

use super::parse::{self, SensorData};
use super::tool::IpmiTool;
use crate::faults::FaultLog;

/// The five sensor meters: `hardware.ipmi.<metric lower-cased>`.
pub const METRICS: [Metric; 5] = [
    Metric::Temperature,
    Metric::Current,
    Metric::Fan,
    Metric::Voltage,
    Metric::Power,
];

/// What a sensor pollster measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    /// `hardware.ipmi.temperature`.
    Temperature,
    /// `hardware.ipmi.current` (without the `Pwr Consumption` sensor).
    Current,
    /// `hardware.ipmi.fan` (with `maximum_rpm`).
    Fan,
    /// `hardware.ipmi.voltage`.
    Voltage,
    /// `hardware.ipmi.power` (the `Pwr Consumption` sensor).
    Power,
}

impl Metric {
    /// The meter name.
    pub fn meter(self) -> &'static str {
        match self {
            Metric::Temperature => "hardware.ipmi.temperature",
            Metric::Current => "hardware.ipmi.current",
            Metric::Fan => "hardware.ipmi.fan",
            Metric::Voltage => "hardware.ipmi.voltage",
            Metric::Power => "hardware.ipmi.power",
        }
    }

    /// ipmitool's arguments (Ceilometer's `IPMICMD`).
    pub fn command(self) -> &'static [&'static str] {
        match self {
            Metric::Temperature => &["sdr", "-v", "type", "Temperature"],
            Metric::Current => &["sdr", "-v", "type", "Current"],
            Metric::Fan => &["sdr", "-v", "type", "Fan"],
            Metric::Voltage => &["sdr", "-v", "type", "Voltage"],
            Metric::Power => &["sensor", "get", "Pwr Consumption"],
        }
    }

    /// The sensor type whose records make the samples (ipmitool reports
    /// `Pwr Consumption` as a `Current` sensor).
    pub fn sensor_type(self) -> &'static str {
        match self {
            Metric::Temperature => "Temperature",
            Metric::Current | Metric::Power => "Current",
            Metric::Fan => "Fan",
            Metric::Voltage => "Voltage",
        }
    }
}

/// What the IPMI pollsters of a registry share.
pub struct IpmiShared {
    /// How to run ipmitool.
    pub tool: IpmiTool,
    /// The node name in resource ids and metadata.
    pub node: String,
    /// `[ipmi] polling_retry`.
    pub polling_retry: i64,
    /// Whether the availability probe (`ipmitool sdr info`) has passed.
    available: AtomicBool,
    /// The BMC's failures, logged once per change.
    faults: FaultLog,
}

impl IpmiShared {
    /// The shared state.
    pub fn new(tool: IpmiTool, node: String, polling_retry: i64) -> Self {
        IpmiShared {
            tool,
            node,
            polling_retry,
            available: AtomicBool::new(false),
            faults: FaultLog::new("BMC"),
        }
    }
}

/// The fault-log key of the availability probe (shared by the five pollsters).
const PROBE: &str = "ipmitool sdr info";

/// A run of ipmitool in this cycle, shared through the cycle cache.
struct ToolRun(Result<String, String>);

/// One sensor meter's pollster.
pub struct SensorPollster {
    metric: Metric,
    shared: Arc<IpmiShared>,
    /// Ceilometer's `polling_failures`: failed polls in a row.
    failures: AtomicI64,
}

impl SensorPollster {
    /// The pollster of `metric`.
    pub fn new(metric: Metric, shared: Arc<IpmiShared>) -> Self {
        SensorPollster {
            metric,
            shared,
            failures: AtomicI64::new(0),
        }
    }

    /// Failed polls in a row so far.
    pub fn failures_in_a_row(&self) -> i64 {
        self.failures.load(Ordering::SeqCst)
    }

    /// Runs `args` once per cycle (pollsters asking for the same command share the run).
    fn run(&self, cache: &CycleCache, args: &[&str]) -> Result<String, String> {
        let key = format!("nepho-hardware/ipmi/{}", args.join(" "));
        let run = cache.get_or_insert_with(&key, || ToolRun(self.shared.tool.run(args)));
        run.0.clone()
    }

    /// The sensors of this metric, after the availability probe. The error
    /// names what failed: the BMC as a whole (the probe, logged once for all
    /// five pollsters) or this meter's command.
    fn read(&self, cache: &CycleCache) -> Result<SensorData, (&'static str, String)> {
        if !self.shared.available.load(Ordering::SeqCst) {
            self.run(cache, &["sdr", "info"])
                .map_err(|e| (PROBE, format!("IPMI not available (sdr info): {e}")))?;
            self.shared.available.store(true, Ordering::SeqCst);
            self.shared.faults.worked(PROBE);
        }
        let output = self
            .run(cache, self.metric.command())
            .map_err(|e| (self.metric.meter(), e))?;
        parse::parse_sensor_output(&output).map_err(|e| (self.metric.meter(), e))
    }

    fn samples(&self, data: &SensorData) -> Vec<PolledSample> {
        let mut out = Vec::new();
        for (_, record) in data.of_type(self.metric.sensor_type()) {
            let (Some(reading), Some(id)) = (record.get("Sensor Reading"), record.get("Sensor ID"))
            else {
                continue;
            };
            if self.metric == Metric::Current && id.contains("Pwr Consumption") {
                continue;
            }
            if !parse::reading_is_valid(reading) {
                continue;
            }
            let (volume, unit) = match parse::parse_reading(reading) {
                Ok(v) => v,
                Err(e) => {
                    debug!(sensor = %id, "{}: {e}", self.metric.meter());
                    continue;
                }
            };
            let mut metadata = Map::new();
            metadata.insert("node".to_owned(), Json::String(self.shared.node.clone()));
            if self.metric == Metric::Fan
                && let Some(max) = record.get("Normal Maximum")
            {
                metadata.insert("maximum_rpm".to_owned(), Json::String(max.clone()));
            }
            out.push(PolledSample {
                name: self.metric.meter().to_owned(),
                sample_type: SampleType::Gauge,
                unit,
                volume,
                user_id: None,
                project_id: None,
                resource_id: format!("{}-{}", self.shared.node, parse::transform_id(id)),
                resource_metadata: metadata,
                monotonic_time: None,
            });
        }
        out
    }
}

impl Pollster for SensorPollster {
    fn name(&self) -> &str {
        self.metric.meter()
    }

    fn default_discovery(&self) -> Option<&str> {
        Some("local_node")
    }

    fn poll(&self, cache: &CycleCache, resources: &[Resource]) -> Polled {
        let mut polled = Polled::new();
        // Like Ceilometer, one read per poll whatever the resources are: the
        // BMC is this node's (or the configured remote one).
        match self.read(cache) {
            Ok(data) => {
                self.failures.store(0, Ordering::SeqCst);
                self.shared.faults.worked(self.metric.meter());
                polled.samples = self.samples(&data);
            }
            Err((what, reason)) => {
                let failures = self.failures.fetch_add(1, Ordering::SeqCst) + 1;
                let retry = self.shared.polling_retry;
                let permanent = (0..failures).contains(&retry);
                self.shared.faults.failed(what, &reason);
                let reason = if permanent {
                    warn!(
                        "{}: {failures} failed polls in a row ([ipmi] polling_retry {retry}); the pollster is disabled for its resources",
                        self.metric.meter()
                    );
                    format!(
                        "{reason} ({failures} failed polls in a row, polling_retry {retry}: given up)"
                    )
                } else {
                    reason
                };
                for r in resources {
                    polled.failures.push(ResourceFailure {
                        resource: r.key.clone(),
                        permanent,
                        reason: reason.clone(),
                    });
                }
            }
        }
        polled
    }
}

/// Ceilometer's `local_node` discovery: this node, by its configured name.
pub struct LocalNode {
    node: String,
}

impl LocalNode {
    /// The discovery of `node`.
    pub fn new(node: String) -> Self {
        LocalNode { node }
    }
}

impl Discovery for LocalNode {
    fn name(&self) -> &str {
        "local_node"
    }

    fn discover(&self, _param: Option<&str>) -> Result<Vec<Resource>, String> {
        Ok(vec![Resource::new(self.node.clone())])
    }
}
