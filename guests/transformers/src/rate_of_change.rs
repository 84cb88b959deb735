//! `rate_of_change`: converts successive (cumulative) samples of a resource into a rate.

use std::collections::HashMap;

use serde_json::Value;

use crate::conversion::Conversion;
use crate::log::{Log, LogRecord};
use crate::sample::Sample;
use crate::timestamp::{Micros, delta_seconds, parse_isotime};

/// Previous sample of one `name + resource_id` key.
#[derive(Debug, Clone, Copy)]
struct Prev {
    volume: f64,
    timestamp: Micros,
    monotonic_time: Option<f64>,
}

/// Ceilometer's `RateOfChangeTransformer`.
#[derive(Debug, Clone)]
pub struct RateOfChange {
    conv: Conversion,
    /// Keyed by `name + resource_id` (plain concatenation, as Ceilometer does).
    cache: HashMap<String, Prev>,
    /// Reused buffer for building lookup keys without allocating.
    key: String,
}

impl RateOfChange {
    /// Parameters as unit_conversion; `scale` defaults to `"1"`.
    pub fn from_params(params: &Value) -> Result<RateOfChange, String> {
        Ok(RateOfChange {
            conv: Conversion::from_params(params, Some("1"))?,
            cache: HashMap::new(),
            key: String::new(),
        })
    }

    /// Emits `scale(sample) * Δvolume/Δt` against the previous sample of the same key.
    /// Δt is the monotonic_time difference when both samples have one, else the
    /// timestamp difference. No predecessor or Δt < 0 drops the sample (with a warning;
    /// the out-of-order one leaves the cache as it was). A cumulative counter that went
    /// down counts from 0. Δt == 0 gives a rate of 0.0. Note: like Ceilometer, the
    /// `source.unit` filter is not applied here.
    pub fn handle(&mut self, s: Sample, log: &mut Log) -> Result<Option<Sample>, String> {
        self.key.clear();
        self.key.push_str(&s.name);
        self.key.push_str(&s.resource_id);
        let timestamp = parse_isotime(&s.timestamp)?;
        let new = Prev {
            volume: s.volume,
            timestamp,
            monotonic_time: s.monotonic_time,
        };
        let prev = match self.cache.get_mut(self.key.as_str()) {
            Some(entry) => Some(std::mem::replace(entry, new)),
            None => {
                self.cache.insert(self.key.clone(), new);
                None
            }
        };
        let Some(prev) = prev else {
            log.push(LogRecord::warning(format!(
                "dropping sample with no predecessor: {}",
                s.log_repr()
            )));
            return Ok(None);
        };
        let time_delta = match (prev.monotonic_time, s.monotonic_time) {
            (Some(p), Some(c)) => c - p,
            _ => delta_seconds(prev.timestamp, timestamp),
        };
        if time_delta < 0.0 {
            log.push(LogRecord::warning(format!(
                "dropping out of time order sample: {}",
                s.log_repr()
            )));
            if let Some(entry) = self.cache.get_mut(self.key.as_str()) {
                *entry = prev;
            }
            return Ok(None);
        }
        let volume_delta = if prev.volume <= s.volume || s.r#type != "cumulative" {
            s.volume - prev.volume
        } else {
            s.volume
        };
        let rate = if time_delta != 0.0 {
            volume_delta / time_delta
        } else {
            0.0
        };
        self.conv.convert(s, rate).map(Some)
    }
}
