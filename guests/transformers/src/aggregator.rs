//! `aggregator`: merges samples per key until `size` samples or `retention_time` passed.

use std::collections::HashMap;

use serde_json::Value;

use crate::conversion::Conversion;
use crate::log::{Log, LogRecord};
use crate::py;
use crate::sample::Sample;
use crate::timestamp::{Micros, parse_isotime};

/// Merge policy of an attribute that is not part of the grouping key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Policy {
    First,
    Last,
    Drop,
}

/// Attributes that can be merged, in Ceilometer's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    ProjectId,
    UserId,
    ResourceMetadata,
}

/// Ceilometer's `AggregatorTransformer`.
#[derive(Debug, Clone)]
pub struct Aggregator {
    conv: Conversion,
    size: Option<i64>,
    retention_time: Option<f64>,
    timestamp_last: bool,
    /// Attributes without a policy: part of the grouping key (project_id, user_id order).
    key_attributes: Vec<Field>,
    /// Attributes with a policy, in insertion order.
    policies: Vec<(Field, Policy)>,
    /// Aggregated samples in key insertion order, plus an index by key.
    samples: Vec<Sample>,
    index: HashMap<String, usize>,
    counts: HashMap<String, i64>,
    aggregated_samples: i64,
    initial_timestamp: Option<Micros>,
}

impl Aggregator {
    /// Parameters: `size=1`, `retention_time`, `project_id`, `user_id`,
    /// `resource_metadata='last'`, `timestamp='first'`, and `source`/`target` as
    /// unit_conversion. Bad `size`/`retention_time` fail like `int()`/`float()`;
    /// unknown policies warn and use `last`.
    pub fn from_params(params: &Value, log: &mut Log) -> Result<Aggregator, String> {
        let size = match params.get("size") {
            None => Some(1),
            Some(v) if py::json_truthy(v) => Some(py::py_int(v)?),
            Some(_) => None,
        }
        .filter(|n| *n != 0);
        let retention_time = match params.get("retention_time") {
            Some(v) if py::json_truthy(v) => Some(py::py_float(v)?),
            _ => None,
        }
        .filter(|f| *f != 0.0);
        let size = if size.is_none() && retention_time.is_none() {
            Some(1)
        } else {
            size
        };
        let timestamp_last = params.get("timestamp").and_then(Value::as_str) == Some("last");
        let mut agg = Aggregator {
            conv: Conversion::from_params(params, None)?,
            size,
            retention_time,
            timestamp_last,
            key_attributes: Vec::new(),
            policies: Vec::new(),
            samples: Vec::new(),
            index: HashMap::new(),
            counts: HashMap::new(),
            aggregated_samples: 0,
            initial_timestamp: None,
        };
        let default_last = Value::String("last".to_string());
        agg.init_attribute(
            Field::ProjectId,
            "project_id",
            params.get("project_id"),
            false,
            log,
        );
        agg.init_attribute(Field::UserId, "user_id", params.get("user_id"), false, log);
        let rm = match params.get("resource_metadata") {
            Some(v) => Some(v),
            None => Some(&default_last),
        };
        agg.init_attribute(Field::ResourceMetadata, "resource_metadata", rm, true, log);
        Ok(agg)
    }

    fn init_attribute(
        &mut self,
        field: Field,
        name: &str,
        value: Option<&Value>,
        mandatory: bool,
        log: &mut Log,
    ) {
        let truthy = value.is_some_and(py::json_truthy);
        if !(truthy || mandatory) {
            self.key_attributes.push(field);
            return;
        }
        let policy = match value.and_then(Value::as_str) {
            Some("first") => Policy::First,
            Some("last") => Policy::Last,
            Some("drop") if mandatory => Policy::Drop,
            _ => {
                let shown = value.map_or_else(|| "None".to_string(), py::json_str);
                log.push(LogRecord::warning(format!(
                    "{name} is unknown ({shown}), using last"
                )));
                Policy::Last
            }
        };
        self.policies.push((field, policy));
    }

    fn unique_key(&self, s: &Sample) -> String {
        let mut key = String::with_capacity(s.name.len() + s.resource_id.len() + 40);
        key.push_str(&s.name);
        key.push('-');
        key.push_str(&s.resource_id);
        key.push('-');
        for (i, f) in self.key_attributes.iter().enumerate() {
            if i > 0 {
                key.push('-');
            }
            let v = match f {
                Field::ProjectId => s.project_id.as_deref(),
                Field::UserId => s.user_id.as_deref(),
                Field::ResourceMetadata => None,
            };
            key.push_str(v.unwrap_or("<undefined>"));
        }
        key
    }

    /// Aggregates the sample; always returns nothing (output comes from `flush`).
    pub fn handle(&mut self, s: Sample) -> Result<Option<Sample>, String> {
        if self.initial_timestamp.is_none() {
            self.initial_timestamp = Some(parse_isotime(&s.timestamp)?);
        }
        self.aggregated_samples += 1;
        let key = self.unique_key(&s);
        *self.counts.entry(key.clone()).or_insert(0) += 1;
        match self.index.get(&key) {
            None => {
                let mut out = self.conv.convert(s, 1.0)?;
                if self
                    .policies
                    .contains(&(Field::ResourceMetadata, Policy::Drop))
                {
                    out.resource_metadata = crate::Metadata::empty();
                }
                self.index.insert(key, self.samples.len());
                self.samples.push(out);
            }
            Some(&i) => {
                if self.timestamp_last {
                    self.samples[i].timestamp.clone_from(&s.timestamp);
                }
                let scaled = self.conv.scale(&s)?;
                let agg = &mut self.samples[i];
                if s.r#type == "cumulative" {
                    agg.volume = scaled;
                } else {
                    agg.volume += scaled;
                }
                for (field, policy) in &self.policies {
                    if *policy == Policy::Last {
                        match field {
                            Field::ProjectId => agg.project_id.clone_from(&s.project_id),
                            Field::UserId => agg.user_id.clone_from(&s.user_id),
                            Field::ResourceMetadata => {
                                agg.resource_metadata.clone_from(&s.resource_metadata)
                            }
                        }
                    }
                }
            }
        }
        Ok(None)
    }

    /// Emits every aggregate when `size` samples were handled or the first sample's
    /// timestamp is older than `retention_time` at `now`; gauges are averaged.
    ///
    /// Reproduced upstream bug: the average divides by the count of the key computed
    /// from the *output* sample, so a gauge renamed by `target.name` divides by zero;
    /// the flush then fails (logged) and nothing is cleared.
    pub fn flush(&mut self, now: Option<Micros>) -> Result<Vec<Sample>, String> {
        let Some(initial) = self.initial_timestamp else {
            return Ok(Vec::new());
        };
        let expired = match (self.retention_time, now) {
            (Some(r), Some(now)) => {
                if !r.is_finite() {
                    return Err("cannot convert float to integer".to_string());
                }
                let limit = (r * 1e6).round_ties_even();
                (now.saturating_sub(initial) as f64) > limit
            }
            _ => false,
        };
        let full = self.size.is_some_and(|n| self.aggregated_samples >= n);
        if !(full || expired) {
            return Ok(Vec::new());
        }
        for i in 0..self.samples.len() {
            if self.samples[i].r#type == "gauge" {
                let key = self.unique_key(&self.samples[i]);
                let count = *self.counts.entry(key).or_insert(0);
                if count == 0 {
                    return Err("division by zero".to_string());
                }
                self.samples[i].volume /= count as f64;
            }
        }
        self.index.clear();
        self.counts.clear();
        self.aggregated_samples = 0;
        self.initial_timestamp = None;
        Ok(std::mem::take(&mut self.samples))
    }
}
