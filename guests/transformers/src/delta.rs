//! `delta`: the volume difference between successive samples of a resource.

use std::collections::HashMap;

use serde_json::Value;

use crate::conversion::Conversion;
use crate::log::{Log, LogRecord};
use crate::py;
use crate::sample::Sample;
use crate::timestamp::{Micros, delta_seconds, parse_isotime};

/// Ceilometer's `DeltaTransformer`.
#[derive(Debug, Clone)]
pub struct Delta {
    conv: Conversion,
    growth_only: bool,
    /// Keyed by `name + resource_id`.
    cache: HashMap<String, (f64, Micros)>,
    key: String,
}

impl Delta {
    /// Parameters: `target{name}` (plus `source.map_from`/`target.map_to`),
    /// `growth_only` (Python truthiness, default false).
    pub fn from_params(params: &Value) -> Result<Delta, String> {
        Ok(Delta {
            conv: Conversion::from_params(params, None)?,
            growth_only: params.get("growth_only").is_some_and(py::json_truthy),
            cache: HashMap::new(),
            key: String::new(),
        })
    }

    /// Emits a `delta` sample `volume - previous volume`. The first sample of a key and
    /// older-timestamped samples are dropped (the latter keep the cache); with
    /// `growth_only` a negative delta is dropped but the cache still advances.
    pub fn handle(&mut self, s: Sample, log: &mut Log) -> Result<Option<Sample>, String> {
        self.key.clear();
        self.key.push_str(&s.name);
        self.key.push_str(&s.resource_id);
        let timestamp = parse_isotime(&s.timestamp)?;
        let new = (s.volume, timestamp);
        let prev = match self.cache.get_mut(self.key.as_str()) {
            Some(entry) => Some(std::mem::replace(entry, new)),
            None => {
                self.cache.insert(self.key.clone(), new);
                None
            }
        };
        let Some((prev_volume, prev_ts)) = prev else {
            log.push(LogRecord::warning(format!(
                "Dropping sample with no predecessor: {}",
                s.log_repr()
            )));
            return Ok(None);
        };
        if delta_seconds(prev_ts, timestamp) < 0.0 {
            log.push(LogRecord::warning(format!(
                "Dropping out of time order sample: {}",
                s.log_repr()
            )));
            if let Some(entry) = self.cache.get_mut(self.key.as_str()) {
                *entry = (prev_volume, prev_ts);
            }
            return Ok(None);
        }
        let volume_delta = s.volume - prev_volume;
        if self.growth_only && volume_delta < 0.0 {
            log.push(LogRecord::warning(
                "Negative delta detected, dropping value",
            ));
            return Ok(None);
        }
        let name = self.conv.map_name(&s.name);
        Ok(Some(Sample::derived(
            name,
            "delta".to_string(),
            s.unit,
            volume_delta,
            s.user_id,
            s.project_id,
            s.resource_id,
            s.timestamp,
            s.resource_metadata,
        )))
    }
}
