//! `unit_conversion` (`ScalingTransformer`): scale, rename and retype matching samples.

use serde_json::Value;

use crate::conversion::Conversion;
use crate::sample::Sample;

/// Ceilometer's `ScalingTransformer`.
#[derive(Debug, Clone)]
pub struct UnitConversion {
    conv: Conversion,
}

impl UnitConversion {
    /// Parameters: `source{unit, map_from}`, `target{name, unit, type, scale, max, map_to}`.
    pub fn from_params(params: &Value) -> Result<UnitConversion, String> {
        Ok(UnitConversion {
            conv: Conversion::from_params(params, None)?,
        })
    }

    /// Converts samples whose unit equals `source.unit` (all when it is not given);
    /// others pass through unchanged.
    pub fn handle(&mut self, s: Sample) -> Result<Option<Sample>, String> {
        if self.conv.unit_matches(&s) {
            self.conv.convert(s, 1.0).map(Some)
        } else {
            Ok(Some(s))
        }
    }
}
