//! The built-in `meter-definitions` component: Ceilometer's declarative meters.
//!
//! Configuration (through the `config` capability):
//! - `definitions`: a list of `{"name": FILE, "text": YAML}` in load order (the
//!   host reads the operator's files and directories into it); without it,
//!   Ceilometer's packaged `meters.yaml` (embedded) is used;
//! - `dialect`: `"current"` (default: Ceilometer 10.0.0 and later) or
//!   `"mitaka"` (glob event types, legacy envelope, raw timestamps).
//!
//! Every definition that fails to load is logged with file, line and name;
//! the others load. A file that is not YAML or has no `metric:` list fails
//! `init`, so a reload with it is rolled back and the previous definitions
//! keep running. Each notification is converted independently: one that
//! cannot be converted is logged and skipped. Samples whose volume is not a
//! number are dropped with a warning, as Ceilometer's pipeline drops them.

mod samples;

use std::sync::OnceLock;

use nepho_definitions::meters::{Dialect, MeterDefinitions};
use nepho_definitions::source::DefinitionFile;
use nepho_guest::meter::{ComponentError, Guest, NotificationBatch, SampleBatch, config, log};

static DEFINITIONS: OnceLock<(MeterDefinitions, Dialect)> = OnceLock::new();

/// Ceilometer's packaged `meters.yaml`, used when no `definitions` are configured.
const SHIPPED_METERS: &str = include_str!("../data/meters.yaml");
const SHIPPED_NAME: &str = "<built-in>/meters.yaml";

fn read_config() -> Result<(Vec<DefinitionFile>, Dialect), ComponentError> {
    let invalid = |m: String| ComponentError::InvalidConfig(m);
    let dialect = match config::get("dialect") {
        None => Dialect::Current,
        Some(json) => match serde_json::from_str::<String>(&json) {
            Ok(name) => Dialect::from_name(&name).map_err(invalid)?,
            Err(_) => return Err(invalid(format!("dialect: expected a string, got {json}"))),
        },
    };
    let Some(json) = config::get("definitions") else {
        let shipped = DefinitionFile {
            name: SHIPPED_NAME.into(),
            text: SHIPPED_METERS.into(),
        };
        return Ok((vec![shipped], dialect));
    };
    let entries: Vec<serde_json::Value> = serde_json::from_str(&json).map_err(|e| {
        invalid(format!(
            "definitions: expected a list of {{name, text}}: {e}"
        ))
    })?;
    let files = entries
        .iter()
        .enumerate()
        .map(|(i, entry)| {
            let field = |key: &str| {
                entry
                    .get(key)
                    .and_then(|v| v.as_str())
                    .map(str::to_owned)
                    .ok_or_else(|| invalid(format!("definitions[{i}].{key}: expected a string")))
            };
            Ok(DefinitionFile {
                name: field("name")?,
                text: field("text")?,
            })
        })
        .collect::<Result<Vec<_>, ComponentError>>()?;
    Ok((files, dialect))
}

struct Meters;

impl Guest for Meters {
    fn init() -> Result<(), ComponentError> {
        let (files, dialect) = read_config()?;
        let (definitions, errors) = MeterDefinitions::load(&files, dialect);
        let unusable: Vec<String> = errors
            .iter()
            .filter(|e| e.whole_file)
            .map(ToString::to_string)
            .collect();
        if !unusable.is_empty() {
            return Err(ComponentError::InvalidConfig(unusable.join("; ")));
        }
        for error in &errors {
            log::log(log::Level::Warn, &error.to_string());
        }
        log::log(
            log::Level::Info,
            &format!(
                "{} meter definitions loaded from {} files",
                definitions.len(),
                files.len()
            ),
        );
        let _ = DEFINITIONS.set((definitions, dialect));
        Ok(())
    }

    fn convert(batch: NotificationBatch) -> Result<SampleBatch, ComponentError> {
        let Some((definitions, dialect)) = DEFINITIONS.get() else {
            return Err(ComponentError::Other("convert called before init".into()));
        };
        Ok(samples::convert_batch(definitions, *dialect, &batch))
    }
}

nepho_guest::export_meter_definition!(Meters);
