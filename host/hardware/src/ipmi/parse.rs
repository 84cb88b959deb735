//! Parsing `ipmitool sdr -v` and `ipmitool sensor get` output (Ceilometer's
//! `ipmitool._translate_output`), and the sensor readings in it
//! (`ironic.parse_reading`, `transform_id`).

use std::collections::HashMap;

/// One sensor's record: its `key : value` lines.
pub type Record = HashMap<String, String>;

/// The sensors of an output, by sensor type then by `Sensor ID`, in output
/// order (a repeated id replaces the earlier record, as a Python dict does).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SensorData {
    types: Vec<(String, Vec<(String, Record)>)>,
    /// Records left out, and why (no `Sensor ID`, no sensor type).
    pub skipped: Vec<String>,
}

impl SensorData {
    /// The records of one sensor type (`Temperature`, `Current`, `Fan`, `Voltage`).
    pub fn of_type(&self, sensor_type: &str) -> &[(String, Record)] {
        self.types
            .iter()
            .find(|(t, _)| t == sensor_type)
            .map_or(&[], |(_, records)| records.as_slice())
    }

    /// The sensor types present, in output order.
    pub fn types(&self) -> impl Iterator<Item = &str> {
        self.types.iter().map(|(t, _)| t.as_str())
    }

    fn insert(&mut self, sensor_type: String, id: String, record: Record) {
        let pos = match self.types.iter().position(|(t, _)| *t == sensor_type) {
            Some(p) => p,
            None => {
                self.types.push((sensor_type, Vec::new()));
                self.types.len() - 1
            }
        };
        let records = &mut self.types[pos].1;
        match records.iter_mut().find(|(i, _)| *i == id) {
            Some(slot) => slot.1 = record,
            None => records.push((id, record)),
        }
    }
}

/// One record's lines: `key : value` pairs, each side trimmed; lines with
/// no colon or more than one are ignored (as Ceilometer's `split(':')`).
fn record(text: &str) -> Record {
    let mut out = Record::new();
    for line in text.lines() {
        let mut parts = line.split(':');
        if let (Some(key), Some(value), None) = (parts.next(), parts.next(), parts.next()) {
            out.insert(key.trim().to_owned(), value.trim().to_owned());
        }
    }
    out
}

/// The sensor type of a record: the first word of its `Sensor Type
/// (Analog)`, `(Discrete)` or `(Threshold)` line.
fn sensor_type(record: &Record) -> Option<String> {
    [
        "Sensor Type (Analog)",
        "Sensor Type (Discrete)",
        "Sensor Type (Threshold)",
    ]
    .iter()
    .find_map(|k| record.get(*k))
    .map(|v| v.split(' ').next().unwrap_or_default().to_owned())
}

/// Parses ipmitool's verbose sensor output: records separated by blank
/// lines; only sensors with a `Sensor Reading` are kept. An output with no
/// such sensor is an error (Ceilometer's "No data retrieved").
pub fn parse_sensor_output(output: &str) -> Result<SensorData, String> {
    let mut data = SensorData::default();
    let normalised = output.replace("\r\n", "\n");
    let mut kept = 0;
    for chunk in normalised.split("\n\n") {
        let record = record(chunk);
        if record.is_empty() {
            continue;
        }
        let Some(id) = record.get("Sensor ID").cloned() else {
            data.skipped.push(format!(
                "a record without `Sensor ID`: {}",
                first_line(chunk)
            ));
            continue;
        };
        let Some(kind) = sensor_type(&record) else {
            data.skipped.push(format!(
                "sensor `{id}`: no Sensor Type (Analog|Discrete|Threshold) line"
            ));
            continue;
        };
        if record.contains_key("Sensor Reading") {
            data.insert(kind, id, record);
            kept += 1;
        }
    }
    if kept == 0 {
        return Err(format!(
            "no sensor data in ipmitool's output{}",
            match first_line(&normalised) {
                "" => String::new(),
                line => format!(" (it begins: `{line}`)"),
            }
        ));
    }
    Ok(data)
}

fn first_line(text: &str) -> &str {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
}

/// Ironic's `validate_reading`: some sensors read `Disabled`.
pub fn reading_is_valid(reading: &str) -> bool {
    reading != "Disabled"
}

/// Ironic's `transform_id`: lower case, spaces as underscores.
pub fn transform_id(sensor_id: &str) -> String {
    sensor_id.to_lowercase().replace(' ', "_")
}

/// Ironic's `parse_reading`: `"<number> <...> <unit>"` → the number and the
/// last word (`Watts` → `W`, `Volts` → `V`).
pub fn parse_reading(reading: &str) -> Result<(f64, String), String> {
    let (number, rest) = reading
        .split_once(' ')
        .ok_or_else(|| format!("unable to parse sensor reading: {reading}"))?;
    let unit = rest.rsplit(' ').next().unwrap_or(rest);
    let volume = crate::snmp::converter::python_float(number)
        .ok_or_else(|| format!("unable to parse sensor reading: {reading}"))?;
    let unit = match unit {
        "Watts" => "W",
        "Volts" => "V",
        other => other,
    };
    Ok((volume, unit.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readings_and_ids_as_ironic_parses_them() {
        assert_eq!(
            parse_reading("25 (+/- 0) degrees C"),
            Ok((25.0, "C".into()))
        );
        assert_eq!(
            parse_reading("11.831 (+/- 0) Volts"),
            Ok((11.831, "V".into()))
        );
        assert_eq!(parse_reading("154 (+/- 0) Watts"), Ok((154.0, "W".into())));
        assert_eq!(
            parse_reading("4704 (+/- 0) RPM"),
            Ok((4704.0, "RPM".into()))
        );
        assert_eq!(
            parse_reading("0.800 (+/- 0) Amps"),
            Ok((0.8, "Amps".into()))
        );
        assert!(parse_reading("Disabled").is_err());
        assert!(parse_reading("n/a (+/- 0) RPM").is_err());
        assert!(!reading_is_valid("Disabled"));
        assert_eq!(transform_id("BB +12.0V (0xd0)"), "bb_+12.0v_(0xd0)");
    }

    #[test]
    fn lines_with_other_than_one_colon_are_ignored() {
        let r = record(
            "Sensor ID : A (0x1)\n Time : 12:00:01\n junk\n Sensor Reading : 1 (+/- 0) RPM\n",
        );
        assert_eq!(r.get("Sensor ID").map(String::as_str), Some("A (0x1)"));
        assert_eq!(r.get("Time"), None);
        assert_eq!(r.len(), 2);
    }

    #[test]
    fn an_output_without_readings_is_an_error() {
        let err =
            parse_sensor_output("Sensor ID : Watchdog (0x0)\n Sensor Type (Discrete): Watchdog\n")
                .expect_err("no readings");
        assert!(err.contains("no sensor data"), "{err}");
        let err = parse_sensor_output("").expect_err("empty");
        assert_eq!(err, "no sensor data in ipmitool's output");
    }
}
