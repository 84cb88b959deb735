//! The [`Transformer`] enum: configuration by name and uniform handle/flush.

use serde_json::Value;

use crate::accumulator::Accumulator;
use crate::aggregator::Aggregator;
use crate::arithmetic::Arithmetic;
use crate::delta::Delta;
use crate::log::{Log, LogRecord};
use crate::rate_of_change::RateOfChange;
use crate::sample::Sample;
use crate::timestamp::{Micros, utcnow};
use crate::unit_conversion::UnitConversion;

/// The transformer names of Ceilometer's `setup.cfg`.
pub const NAMES: [&str; 6] = [
    "accumulator",
    "delta",
    "unit_conversion",
    "rate_of_change",
    "aggregator",
    "arithmetic",
];

/// One configured transformer.
#[derive(Debug, Clone)]
pub enum Kind {
    /// `accumulator`
    Accumulator(Accumulator),
    /// `aggregator`
    Aggregator(Aggregator),
    /// `arithmetic`
    Arithmetic(Arithmetic),
    /// `delta`
    Delta(Delta),
    /// `rate_of_change`
    RateOfChange(RateOfChange),
    /// `unit_conversion`
    UnitConversion(UnitConversion),
}

/// A transformer instance with its own log of what Ceilometer would have logged.
#[derive(Debug, Clone)]
pub struct Transformer {
    name: &'static str,
    kind: Kind,
    log: Log,
}

impl Transformer {
    /// Builds a transformer from its pipeline.yaml `name` and `parameters`
    /// (`null` means none). Unknown parameters are ignored, as in Ceilometer.
    /// Configuration warnings (e.g. an unknown aggregator policy) go to [`Self::take_log`].
    pub fn from_config(name: &str, parameters: &Value) -> Result<Transformer, String> {
        let empty = Value::Object(serde_json::Map::new());
        let params = match parameters {
            Value::Null => &empty,
            Value::Object(_) => parameters,
            _ => return Err(format!("{name}: parameters must be a mapping")),
        };
        let mut log = Log::new();
        let (name, kind) = match name {
            "accumulator" => (
                "accumulator",
                Kind::Accumulator(Accumulator::from_params(params)?),
            ),
            "aggregator" => (
                "aggregator",
                Kind::Aggregator(Aggregator::from_params(params, &mut log)?),
            ),
            "arithmetic" => (
                "arithmetic",
                Kind::Arithmetic(Arithmetic::from_params(params, &mut log)?),
            ),
            "delta" => ("delta", Kind::Delta(Delta::from_params(params)?)),
            "rate_of_change" => (
                "rate_of_change",
                Kind::RateOfChange(RateOfChange::from_params(params)?),
            ),
            "unit_conversion" => (
                "unit_conversion",
                Kind::UnitConversion(UnitConversion::from_params(params)?),
            ),
            other => return Err(format!("No transformer named {other} loaded")),
        };
        Ok(Transformer { name, kind, log })
    }

    /// The transformer's name (`rate_of_change`, ...).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The concrete transformer.
    pub fn kind(&self) -> &Kind {
        &self.kind
    }

    /// Ceilometer's `grouping_keys` (all transformers group by `resource_id`).
    pub fn grouping_keys(&self) -> &'static [&'static str] {
        &["resource_id"]
    }

    /// Handles one sample: `Some` passes a sample on, `None` drops or holds it. An error
    /// drops the sample and is logged like the sink's "Exit after error from transformer".
    pub fn handle_sample(&mut self, sample: Sample) -> Option<Sample> {
        let mut log = std::mem::take(&mut self.log);
        let out = self.handle_sample_into(sample, &mut log);
        self.log = log;
        out
    }

    /// [`Self::handle_sample`] writing log records into `log`.
    pub fn handle_sample_into(&mut self, sample: Sample, log: &mut Log) -> Option<Sample> {
        // No per-sample repr is built up front (it would cost an allocation per sample);
        // the error message names the transformer and the cause.
        let result = match &mut self.kind {
            Kind::Accumulator(t) => Ok(t.handle(sample)),
            Kind::Arithmetic(t) => Ok(t.handle(sample)),
            Kind::Aggregator(t) => t.handle(sample),
            Kind::Delta(t) => t.handle(sample, log),
            Kind::RateOfChange(t) => t.handle(sample, log),
            Kind::UnitConversion(t) => t.handle(sample),
        };
        match result {
            Ok(out) => out,
            Err(e) => {
                log.push(LogRecord::error(format!(
                    "Exit after error from transformer {}: {}",
                    self.name, e
                )));
                None
            }
        }
    }

    /// Flushes with the system clock as `utcnow()` (used by aggregator's retention_time).
    pub fn flush(&mut self) -> Vec<Sample> {
        self.flush_at(utcnow())
    }

    /// Flushes with `now` (microseconds since the epoch, UTC) as `utcnow()`. An error is
    /// logged like the sink's "Error flushing transformer" and yields no samples.
    pub fn flush_at(&mut self, now: Option<Micros>) -> Vec<Sample> {
        let mut log = std::mem::take(&mut self.log);
        let out = self.flush_into(now, &mut log);
        self.log = log;
        out
    }

    /// [`Self::flush_at`] writing log records into `log`.
    pub fn flush_into(&mut self, now: Option<Micros>, log: &mut Log) -> Vec<Sample> {
        let result = match &mut self.kind {
            Kind::Accumulator(t) => t.flush(),
            Kind::Aggregator(t) => t.flush(now),
            Kind::Arithmetic(t) => Ok(t.flush(log)),
            Kind::Delta(_) | Kind::RateOfChange(_) | Kind::UnitConversion(_) => Ok(Vec::new()),
        };
        result.unwrap_or_else(|e| {
            log.push(LogRecord::error(format!(
                "Error flushing transformer {}: {}",
                self.name, e
            )));
            Vec::new()
        })
    }

    /// Takes the log records gathered so far (configuration warnings included).
    pub fn take_log(&mut self) -> Log {
        std::mem::take(&mut self.log)
    }
}
