//! Ironic's IPMI sensor notifications (`hardware.ipmi.*`), which Ceilometer
//! converts with Python endpoints rather than declarative definitions
//! (`ceilometer.ipmi.notifications.ironic`): one gauge sample per sensor
//! reading of each sensor type.

use serde_json::{Map, Value};

use crate::meters::{MeterSample, Warnings};

/// The sensor types, each Ceilometer endpoint's `metric`, in endpoint order.
const METRICS: [&str; 5] = ["Temperature", "Current", "Fan", "Voltage", "Power"];

/// Whether Ceilometer's IPMI endpoints handle `event_type`.
pub fn handles(event_type: &str) -> bool {
    event_type.starts_with("hardware.ipmi.")
}

/// `Volts` and `Watts` become SI symbols; other units stay.
fn unit_symbol(unit: &str) -> &str {
    match unit {
        "Watts" => "W",
        "Volts" => "V",
        other => other,
    }
}

/// Python's `float()` of one token, with Python's error text.
fn python_float(token: &str) -> Result<f64, String> {
    token
        .trim()
        .parse::<f64>()
        .map_err(|_| format!("could not convert string to float: '{token}'"))
}

/// `"26 (+/- 0.500) degrees C"` → `(26.0, "C")`.
fn parse_reading(reading: &str) -> Result<(f64, String), String> {
    let Some((volume, rest)) = reading.split_once(' ') else {
        return Err("not enough values to unpack (expected 2, got 1)".into());
    };
    let unit = rest.rsplit(' ').next().unwrap_or(rest);
    Ok((python_float(volume)?, unit_symbol(unit).to_owned()))
}

fn sensor_sample(
    notification: &Value,
    metric: &str,
    record: &Map<String, Value>,
) -> Result<Option<MeterSample>, (String, String)> {
    let payload = &notification["payload"];
    let sensor_id = record.get("Sensor ID").and_then(Value::as_str);
    let node = payload.get("node_uuid");
    let (Some(sensor_id), Some(node)) = (sensor_id, node) else {
        let key = if sensor_id.is_none() {
            "Sensor ID"
        } else {
            "node_uuid"
        };
        return Err((
            "missing id".into(),
            format!("missing key in payload: '{key}'"),
        ));
    };
    let node = crate::meters::python_str(node);
    let resource_id = format!("{node}-{}", sensor_id.to_lowercase().replace(' ', "_"));
    if metric == "Current" && sensor_id.contains("Pwr Consumption") {
        return Ok(None);
    }
    let Some(reading) = record.get("Sensor Reading") else {
        return Err((resource_id, "missing 'Sensor Reading' in payload".into()));
    };
    let reading = crate::meters::python_str(reading);
    if reading == "Disabled" {
        return Ok(None);
    }
    let (volume, unit) = parse_reading(&reading).map_err(|e| (resource_id.clone(), e))?;
    let mut metadata = record.clone();
    metadata.insert("node".into(), Value::String(node));
    metadata.insert(
        "event_type".into(),
        payload.get("event_type").cloned().unwrap_or(Value::Null),
    );
    metadata.insert(
        "host".into(),
        notification
            .get("publisher_id")
            .cloned()
            .unwrap_or(Value::Null),
    );
    let timestamp = payload.get("timestamp").cloned().unwrap_or(Value::Null);
    let timestamp =
        crate::timeutil::isotime_of(&timestamp).map_err(|e| (resource_id.clone(), e))?;
    Ok(Some(MeterSample {
        name: Value::String(format!("hardware.ipmi.{}", metric.to_lowercase())),
        meter_type: Value::String("gauge".into()),
        unit: Value::String(unit),
        volume: serde_json::Number::from_f64(volume).map_or(Value::Null, Value::Number),
        user_id: payload.get("user_id").cloned().unwrap_or(Value::Null),
        project_id: payload.get("project_id").cloned().unwrap_or(Value::Null),
        resource_id: Value::String(resource_id),
        timestamp,
        resource_metadata: std::sync::Arc::new(Value::Object(metadata)),
    }))
}

/// Converts an IPMI notification (current envelope): every sensor of every
/// type with a usable reading. A sensor that cannot be read is skipped with
/// Ceilometer's warning.
pub fn convert(notification: &Value, warnings: &mut Warnings) -> Vec<MeterSample> {
    let mut samples = Vec::new();
    for metric in METRICS {
        let Some(Value::Object(sensors)) =
            notification.pointer(&format!("/payload/payload/{metric}"))
        else {
            continue;
        };
        for record in sensors.values() {
            let Value::Object(record) = record else {
                continue;
            };
            match sensor_sample(notification, metric, record) {
                Ok(Some(sample)) => samples.push(sample),
                Ok(None) => {}
                Err((resource, error)) => {
                    warnings.push(format!("invalid sensor data for {resource}: {error}"))
                }
            }
        }
    }
    samples
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readings_parse_as_ceilometer_parses_them() {
        assert_eq!(
            parse_reading("26 (+/- 0.500) degrees C"),
            Ok((26.0, "C".into()))
        );
        assert_eq!(parse_reading("12.250 Volts"), Ok((12.25, "V".into())));
        assert_eq!(
            parse_reading("some bad stuff"),
            Err("could not convert string to float: 'some'".into())
        );
        assert!(parse_reading("42").is_err());
    }
}
