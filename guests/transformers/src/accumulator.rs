//! `accumulator`: holds samples and releases them all at a flush once `size` are held.

use serde_json::Value;

use crate::py;
use crate::sample::Sample;

/// Ceilometer's `TransformerAccumulator`.
#[derive(Debug, Clone)]
pub struct Accumulator {
    size: f64,
    samples: Vec<Sample>,
}

impl Accumulator {
    /// Parameters: `size` (default 1). A non-numeric size fails like Python 3's `>=`.
    pub fn from_params(params: &Value) -> Result<Accumulator, String> {
        let size = match params.get("size") {
            None => 1.0,
            Some(v) => py::json_number(v).ok_or_else(|| {
                format!(
                    "'>=' not supported between instances of '{}' and 'int'",
                    py::json_type_name(v)
                )
            })?,
        };
        Ok(Accumulator {
            size,
            samples: Vec::new(),
        })
    }

    /// Holds the sample (size >= 1) or passes it through.
    pub fn handle(&mut self, s: Sample) -> Option<Sample> {
        if self.size >= 1.0 {
            self.samples.push(s);
            None
        } else {
            Some(s)
        }
    }

    /// Releases every held sample once `len >= size`. With size < 1 Ceilometer never
    /// created its list, so its flush raises (logged by the sink); reproduced as `Err`.
    pub fn flush(&mut self) -> Result<Vec<Sample>, String> {
        if self.size < 1.0 {
            return Err("'TransformerAccumulator' object has no attribute 'samples'".to_string());
        }
        if self.samples.len() as f64 >= self.size {
            Ok(std::mem::take(&mut self.samples))
        } else {
            Ok(Vec::new())
        }
    }
}
