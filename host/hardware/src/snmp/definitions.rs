//! snmp.yaml: Ceilometer's hardware meter definitions, loaded and checked.
//!
//! Each definition is checked on its own; one that is wrong is reported
//! with its file and line and left out, and the others load (Ceilometer's
//! `load_definition` logs and skips the same way).

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use nepho_polling::SampleType;
use serde_yaml_ng::Value as Yaml;

use super::converter::Converter;
use super::locate::{self, ItemLines};
use super::oid::ObjectId;
use super::post_op::PostOp;

/// Ceilometer's snmp.yaml of 17.0.0 (Wallaby), the embedded default.
pub const EMBEDDED_NAME: &str = "snmp.yaml (embedded, Ceilometer 17.0.0)";
const EMBEDDED_TEXT: &str = include_str!("../../data/snmp.yaml");

/// How a definition's OID is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Matching {
    /// `type_exact`: one GET, one sample.
    Exact,
    /// `type_prefix`: a walk of the column, one sample per row.
    Prefix,
}

/// One metadata field of a definition.
#[derive(Clone, Debug, PartialEq)]
pub struct MetadataField {
    /// The metadata key.
    pub name: String,
    /// The OID (for a prefix definition: the column, read at the sample's row).
    pub oid: ObjectId,
    /// The converter; `None` when the definition names none (the value is
    /// then kept as a number or its text).
    pub converter: Option<Converter>,
}

/// The `snmp_inspector` part of a definition.
#[derive(Clone, Debug, PartialEq)]
pub struct SnmpInspector {
    /// `matching_type`.
    pub matching: Matching,
    /// `oid`.
    pub oid: ObjectId,
    /// `type`: the value's converter.
    pub converter: Converter,
    /// `metadata`, in file order.
    pub metadata: Vec<MetadataField>,
    /// `post_op`.
    pub post_op: Option<PostOp>,
}

/// One hardware meter definition.
#[derive(Clone, Debug, PartialEq)]
pub struct MeterDefinition {
    /// The meter name (`hardware.cpu.load.1min`).
    pub name: String,
    /// The sample type.
    pub sample_type: SampleType,
    /// The unit.
    pub unit: String,
    /// How to read it over SNMP.
    pub inspector: SnmpInspector,
    /// The file it came from.
    pub file: Arc<str>,
    /// The line where it starts (1 when unknown).
    pub line: usize,
}

impl MeterDefinition {
    /// The OIDs read by GET for this definition.
    pub fn exact_oids(&self) -> Vec<ObjectId> {
        let mut oids = Vec::new();
        if self.inspector.matching == Matching::Exact {
            oids.push(self.inspector.oid.clone());
            oids.extend(self.inspector.metadata.iter().map(|m| m.oid.clone()));
        }
        if let Some(op) = self.inspector.post_op {
            oids.extend(op.exact_oids());
        }
        oids
    }

    /// The subtrees walked for this definition.
    pub fn prefix_oids(&self) -> Vec<ObjectId> {
        let mut oids = Vec::new();
        if self.inspector.matching == Matching::Prefix {
            oids.push(self.inspector.oid.clone());
            oids.extend(self.inspector.metadata.iter().map(|m| m.oid.clone()));
        }
        if let Some(op) = self.inspector.post_op {
            oids.extend(op.prefix_oids());
        }
        oids
    }
}

/// A problem in a definitions file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DefinitionError {
    /// The file.
    pub file: String,
    /// The 1-based line.
    pub line: usize,
    /// The definition's name, when it has one.
    pub name: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for DefinitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(name) => write!(
                f,
                "{}:{}: definition `{name}`: {}",
                self.file, self.line, self.message
            ),
            None => write!(f, "{}:{}: {}", self.file, self.line, self.message),
        }
    }
}

/// What loading a definitions file gave.
#[derive(Clone, Debug, Default)]
pub struct Loaded {
    /// The definitions that loaded, in file order (a later definition of the
    /// same name replaces an earlier one, as in Ceilometer's mapping).
    pub definitions: Vec<Arc<MeterDefinition>>,
    /// Definitions left out, or the whole file when it is unusable.
    pub errors: Vec<DefinitionError>,
    /// Things ignored (unknown fields, replaced definitions).
    pub warnings: Vec<DefinitionError>,
}

/// Ceilometer's packaged snmp.yaml.
pub fn embedded() -> Loaded {
    parse(EMBEDDED_NAME, EMBEDDED_TEXT)
}

/// Reads and loads an operator's definitions file (Ceilometer's
/// `[hardware] meter_definitions_file`).
pub fn load_file(path: &Path) -> Loaded {
    let name = path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(text) => parse(&name, &text),
        Err(e) => Loaded {
            errors: vec![DefinitionError {
                file: name,
                line: 1,
                name: None,
                message: format!("cannot read the definitions file: {e}"),
            }],
            ..Loaded::default()
        },
    }
}

/// Loads the definitions of one file's text.
pub fn parse(file_name: &str, text: &str) -> Loaded {
    let file: Arc<str> = Arc::from(file_name);
    let items = locate::metric_items(text);
    let mut loaded = Loaded::default();
    let file_error = |line: usize, message: String| DefinitionError {
        file: file_name.to_owned(),
        line,
        name: None,
        message,
    };
    let entries: Vec<(Option<ItemLines>, Result<Yaml, DefinitionError>)> =
        match parse_document(text) {
            Ok(document) => {
                let Some(list) = document.get("metric") else {
                    loaded.errors.push(file_error(
                        1,
                        "no `metric` list: the file must hold `metric:` and a list of definitions"
                            .into(),
                    ));
                    return loaded;
                };
                let Some(list) = list.as_sequence() else {
                    let line = locate::metric_items(text).first().map_or(1, |i| i.start);
                    loaded.errors.push(file_error(
                        line,
                        "`metric` must be a list of definitions".into(),
                    ));
                    return loaded;
                };
                let lines_known = items.len() == list.len();
                list.iter()
                    .enumerate()
                    .map(|(i, item)| (lines_known.then(|| items[i]), Ok(item.clone())))
                    .collect()
            }
            Err((line, message)) if items.is_empty() => {
                loaded.errors.push(file_error(line, message));
                return loaded;
            }
            Err((line, message)) => {
                // The file as a whole is not YAML: read each definition on its
                // own so that one broken definition does not take the others down.
                loaded.errors.push(file_error(
                    line,
                    format!("{message}; loading the definitions one by one"),
                ));
                items
                    .iter()
                    .map(|item| (Some(*item), parse_item_alone(file_name, text, *item)))
                    .collect()
            }
        };
    for (lines, entry) in entries {
        let item = match entry {
            Ok(item) => item,
            Err(e) => {
                loaded.errors.push(e);
                continue;
            }
        };
        let at = |path: &[&str]| lines.map_or(1, |l| locate::key_line(text, l, path));
        match definition(&file, &item, &at, &mut loaded.warnings) {
            Ok(def) => {
                if let Some(pos) = loaded.definitions.iter().position(|d| d.name == def.name) {
                    loaded.warnings.push(DefinitionError {
                        file: file_name.to_owned(),
                        line: def.line,
                        name: Some(def.name.clone()),
                        message: format!(
                            "replaces the definition of the same name at line {}",
                            loaded.definitions[pos].line
                        ),
                    });
                    loaded.definitions.remove(pos);
                }
                loaded.definitions.push(Arc::new(def));
            }
            Err(e) => loaded.errors.push(DefinitionError {
                file: file_name.to_owned(),
                ..e
            }),
        }
    }
    loaded
}

/// The whole document, merge keys applied; or the error's line and message.
fn parse_document(text: &str) -> Result<Yaml, (usize, String)> {
    let mut document: Yaml = serde_yaml_ng::from_str(text).map_err(|e| {
        (
            e.location().map_or(1, |l| l.line()),
            format!("not valid YAML: {e}"),
        )
    })?;
    document
        .apply_merge()
        .map_err(|e| (1, format!("bad YAML merge key: {e}")))?;
    Ok(document)
}

/// One item parsed as a document of its own (after the file failed to parse).
fn parse_item_alone(file: &str, text: &str, item: ItemLines) -> Result<Yaml, DefinitionError> {
    let error = |line: usize, message: String| DefinitionError {
        file: file.to_owned(),
        line,
        name: None,
        message,
    };
    let offset = item.start - 1;
    let mut value: Yaml = serde_yaml_ng::from_str(&locate::item_text(text, item)).map_err(|e| {
        let line = item.start + e.location().map_or(0, |l| l.line().saturating_sub(1));
        error(
            line,
            format!("not valid YAML: {}", shift_lines(&e.to_string(), offset)),
        )
    })?;
    value
        .apply_merge()
        .map_err(|e| error(item.start, format!("bad YAML merge key: {e}")))?;
    match value {
        Yaml::Sequence(mut one) if one.len() == 1 => Ok(one.remove(0)),
        _ => Err(error(item.start, "not a definition".into())),
    }
}

/// A YAML error message about an item parsed alone, with its `line N`
/// numbers made the file's.
fn shift_lines(message: &str, offset: usize) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find("line ") {
        let (head, tail) = rest.split_at(at + "line ".len());
        out.push_str(head);
        let digits = tail.bytes().take_while(u8::is_ascii_digit).count();
        match tail[..digits].parse::<usize>() {
            Ok(n) => out.push_str(&(n + offset).to_string()),
            Err(_) => out.push_str(&tail[..digits]),
        }
        rest = &tail[digits..];
    }
    out.push_str(rest);
    out
}

/// An error inside one definition, before the file name is filled in.
fn item_error(line: usize, name: Option<&str>, message: impl Into<String>) -> DefinitionError {
    DefinitionError {
        file: String::new(),
        line,
        name: name.map(str::to_owned),
        message: message.into(),
    }
}

/// A YAML scalar as text (Ceilometer's fields are strings, numbers pass).
fn scalar(value: &Yaml) -> Option<String> {
    match value {
        Yaml::String(s) => Some(s.clone()),
        Yaml::Number(n) => Some(n.to_string()),
        Yaml::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn definition(
    file: &Arc<str>,
    item: &Yaml,
    at: &dyn Fn(&[&str]) -> usize,
    warnings: &mut Vec<DefinitionError>,
) -> Result<MeterDefinition, DefinitionError> {
    let start = at(&[]);
    let Some(map) = item.as_mapping() else {
        return Err(item_error(start, None, "a definition must be a mapping"));
    };
    let name = map.get("name").and_then(scalar).filter(|s| !s.is_empty());
    let named = name.as_deref();
    for (key, _) in map {
        let known = key
            .as_str()
            .is_some_and(|k| ["name", "unit", "type"].contains(&k) || k.ends_with("_inspector"));
        if !known {
            let shown = key
                .as_str()
                .map_or_else(|| format!("{key:?}"), str::to_owned);
            warnings.push(DefinitionError {
                file: file.to_string(),
                line: key.as_str().map_or(start, |k| at(&[k])),
                name: name.clone(),
                message: format!("unrecognized field `{shown}` ignored"),
            });
        }
    }
    let required = |field: &str| {
        map.get(field)
            .and_then(scalar)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| item_error(at(&[field]), named, format!("Missing field {field}")))
    };
    let name = required("name")?;
    let unit = required("unit")?;
    let type_name = required("type")?;
    let sample_type = match type_name.as_str() {
        "gauge" => SampleType::Gauge,
        "delta" => SampleType::Delta,
        "cumulative" => SampleType::Cumulative,
        other => {
            return Err(item_error(
                at(&["type"]),
                named,
                format!("Unrecognized type value {other}"),
            ));
        }
    };
    let inspector = snmp_inspector(map.get("snmp_inspector"), named, at)?;
    Ok(MeterDefinition {
        name,
        sample_type,
        unit,
        inspector,
        file: Arc::clone(file),
        line: start,
    })
}

fn snmp_inspector(
    value: Option<&Yaml>,
    name: Option<&str>,
    at: &dyn Fn(&[&str]) -> usize,
) -> Result<SnmpInspector, DefinitionError> {
    let section = "snmp_inspector";
    let Some(map) = value.and_then(Yaml::as_mapping) else {
        return Err(item_error(
            at(&[section]),
            name,
            "`snmp_inspector` must be a mapping with matching_type, oid and type",
        ));
    };
    let field = |key: &str| {
        map.get(key).and_then(scalar).ok_or_else(|| {
            item_error(
                at(&[section, key]),
                name,
                format!("snmp_inspector: missing field {key}"),
            )
        })
    };
    let matching = match field("matching_type")?.as_str() {
        "type_exact" => Matching::Exact,
        "type_prefix" => Matching::Prefix,
        other => {
            return Err(item_error(
                at(&[section, "matching_type"]),
                name,
                format!(
                    "snmp_inspector: matching_type `{other}` is neither type_exact nor type_prefix"
                ),
            ));
        }
    };
    let oid = ObjectId::parse(&field("oid")?).map_err(|e| {
        item_error(
            at(&[section, "oid"]),
            name,
            format!("snmp_inspector: oid: {e}"),
        )
    })?;
    let converter = Converter::parse(&field("type")?).map_err(|e| {
        item_error(
            at(&[section, "type"]),
            name,
            format!("snmp_inspector: type: {e}"),
        )
    })?;
    let post_op = match map.get("post_op") {
        None | Some(Yaml::Null) => None,
        Some(v) => Some(
            scalar(v)
                .ok_or_else(|| "must be a name".to_owned())
                .and_then(|s| PostOp::parse(&s))
                .map_err(|e| {
                    item_error(
                        at(&[section, "post_op"]),
                        name,
                        format!("snmp_inspector: post_op: {e}"),
                    )
                })?,
        ),
    };
    let metadata = match map.get("metadata") {
        None | Some(Yaml::Null) => Vec::new(),
        Some(Yaml::Mapping(fields)) => {
            let mut out = Vec::new();
            for (key, spec) in fields {
                let Some(key) = key.as_str() else {
                    return Err(item_error(
                        at(&[section, "metadata"]),
                        name,
                        "snmp_inspector: metadata keys must be strings",
                    ));
                };
                out.push(metadata_field(key, spec, name, at)?);
            }
            out
        }
        Some(_) => {
            return Err(item_error(
                at(&[section, "metadata"]),
                name,
                "snmp_inspector: metadata must be a mapping of name to {oid, type}",
            ));
        }
    };
    Ok(SnmpInspector {
        matching,
        oid,
        converter,
        metadata,
        post_op,
    })
}

fn metadata_field(
    key: &str,
    spec: &Yaml,
    name: Option<&str>,
    at: &dyn Fn(&[&str]) -> usize,
) -> Result<MetadataField, DefinitionError> {
    let path = ["snmp_inspector", "metadata", key];
    let error = |sub: &str, message: String| {
        let mut full = path.to_vec();
        if !sub.is_empty() {
            full.push(sub);
        }
        item_error(at(&full), name, message)
    };
    let Some(spec) = spec.as_mapping() else {
        return Err(error(
            "",
            format!("snmp_inspector: metadata `{key}` must be a mapping with oid (and type)"),
        ));
    };
    let oid = spec
        .get("oid")
        .and_then(scalar)
        .ok_or_else(|| {
            error(
                "",
                format!("snmp_inspector: metadata `{key}`: missing field oid"),
            )
        })
        .and_then(|text| {
            ObjectId::parse(&text)
                .map_err(|e| error("oid", format!("snmp_inspector: metadata `{key}`: oid: {e}")))
        })?;
    let converter = match spec.get("type") {
        None | Some(Yaml::Null) => None,
        Some(v) => Some(
            scalar(v)
                .ok_or_else(|| "must be a converter expression".to_owned())
                .and_then(|s| Converter::parse(&s))
                .map_err(|e| {
                    error(
                        "type",
                        format!("snmp_inspector: metadata `{key}`: type: {e}"),
                    )
                })?,
        ),
    };
    Ok(MetadataField {
        name: key.to_owned(),
        oid,
        converter,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_file_loads_every_definition() {
        let loaded = embedded();
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
        let names: Vec<&str> = loaded.definitions.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names.len(), 31, "{names:?}");
        assert_eq!(names[0], "hardware.cpu.load.1min");
        assert_eq!(names[30], "hardware.system_stats.io.incoming.blocks");
        let net = loaded
            .definitions
            .iter()
            .find(|d| d.name == "hardware.network.incoming.bytes")
            .expect("network definition");
        assert_eq!(net.sample_type, SampleType::Cumulative);
        assert_eq!(net.inspector.matching, Matching::Prefix);
        assert_eq!(net.inspector.post_op, Some(PostOp::Net));
        let meta: Vec<&str> = net
            .inspector
            .metadata
            .iter()
            .map(|m| m.name.as_str())
            .collect();
        assert_eq!(meta, ["name", "speed", "mac"]);
        assert_eq!(
            net.inspector.metadata[1].converter,
            Some(Converter::IntDividedBy(8))
        );
        // The line is the definition's dash in data/snmp.yaml.
        let load = &loaded.definitions[0];
        assert_eq!(load.line, 7);
    }

    #[test]
    fn the_diskio_quirks_of_the_shipped_file_are_kept() {
        // disk.read.bytes names `device` without a type; the three other
        // diskIO definitions merge `device` beside, not under, metadata.
        let loaded = embedded();
        let get = |n: &str| {
            loaded
                .definitions
                .iter()
                .find(|d| d.name == n)
                .expect("defined")
                .clone()
        };
        let read = get("hardware.disk.read.bytes");
        assert_eq!(read.inspector.metadata.len(), 1);
        assert_eq!(read.inspector.metadata[0].converter, None);
        assert!(
            get("hardware.disk.write.bytes")
                .inspector
                .metadata
                .is_empty()
        );
    }

    const BROKEN: &str = "metric:
    - name: hardware.good.one
      unit: KB
      type: gauge
      snmp_inspector:
          matching_type: type_exact
          oid: 1.3.6.1.4.1.2021.4.5.0
          type: int
    - name: hardware.bad.type
      unit: KB
      type: gaugee
      snmp_inspector:
          matching_type: type_exact
          oid: 1.3.6.1.4.1.2021.4.5.0
          type: int
    - name: hardware.bad.converter
      unit: KB
      type: gauge
      snmp_inspector:
          matching_type: type_exact
          oid: 1.3.6.1.4.1.2021.4.5.0
          type: \"lambda x: eval(x)\"
    - name: hardware.bad.oid
      unit: KB
      type: gauge
      snmp_inspector:
          matching_type: type_exact
          oid: 1.3.six
          type: int
    - name: hardware.no.unit
      type: gauge
      snmp_inspector: {matching_type: type_exact, oid: 1.3.6.1, type: int}
    - name: hardware.good.two
      unit: B
      type: cumulative
      color: blue
      snmp_inspector:
          matching_type: type_prefix
          oid: 1.3.6.1.2.1.2.2.1.10
          type: int
          post_op: _post_op_net
";

    #[test]
    fn bad_definitions_are_reported_with_their_line_and_the_rest_load() {
        let loaded = parse("ops/snmp.yaml", BROKEN);
        let names: Vec<&str> = loaded.definitions.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["hardware.good.one", "hardware.good.two"]);
        let errors: Vec<String> = loaded.errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            errors,
            [
                "ops/snmp.yaml:11: definition `hardware.bad.type`: Unrecognized type value gaugee",
                "ops/snmp.yaml:22: definition `hardware.bad.converter`: snmp_inspector: type: unsupported converter `lambda x: eval(x)` (Ceilometer evaluates it as Python; Nephometer knows: int, float, str, lambda x: str(x), lambda x: float(str(x)), lambda x: int(x) / N, lambda x: x.prettyPrint(), lambda x: x.prettyPrint().replace('0x', ''))",
                "ops/snmp.yaml:28: definition `hardware.bad.oid`: snmp_inspector: oid: `1.3.six` is not a dotted-decimal OID (component `six`)",
                "ops/snmp.yaml:30: definition `hardware.no.unit`: Missing field unit",
            ]
        );
        let warnings: Vec<String> = loaded.warnings.iter().map(ToString::to_string).collect();
        assert_eq!(
            warnings,
            [
                "ops/snmp.yaml:36: definition `hardware.good.two`: unrecognized field `color` ignored"
            ]
        );
    }

    #[test]
    fn a_yaml_syntax_error_in_one_definition_spares_the_others() {
        let text = BROKEN.replace(
            "          oid: 1.3.six\n",
            "          oid: [1.3.6\n          bad: }\n",
        );
        let loaded = parse("ops/snmp.yaml", &text);
        let names: Vec<&str> = loaded.definitions.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["hardware.good.one", "hardware.good.two"]);
        assert!(
            loaded.errors[0]
                .to_string()
                .starts_with("ops/snmp.yaml:29: not valid YAML"),
            "{:?}",
            loaded.errors
        );
        let alone = loaded
            .errors
            .iter()
            .find(|e| e.line == 29 && !e.message.contains("one by one"))
            .expect("the broken definition's own error");
        assert!(
            alone.message.contains("at line 29 column 14"),
            "{}",
            alone.message
        );
        assert_eq!(loaded.errors.len(), 5, "{:?}", loaded.errors);
    }

    #[test]
    fn a_file_without_definitions_says_so() {
        let loaded = parse("x.yaml", "metrics: []\n");
        assert!(loaded.definitions.is_empty());
        assert_eq!(
            loaded.errors[0].to_string(),
            "x.yaml:1: no `metric` list: the file must hold `metric:` and a list of definitions"
        );
        let loaded = parse("y.yaml", "metric: [unclosed\n");
        assert_eq!(loaded.errors.len(), 1);
        assert!(
            loaded.errors[0].to_string().starts_with("y.yaml:"),
            "{:?}",
            loaded.errors
        );
        let missing = load_file(Path::new("/nonexistent/snmp.yaml"));
        assert!(
            missing.errors[0]
                .to_string()
                .starts_with("/nonexistent/snmp.yaml:1: cannot read the definitions file"),
            "{:?}",
            missing.errors
        );
    }

    #[test]
    fn a_later_definition_of_the_same_name_replaces_the_earlier() {
        let text = "metric:\n- name: m\n  unit: a\n  type: gauge\n  snmp_inspector: {matching_type: type_exact, oid: 1.3.6.1.1, type: int}\n- name: m\n  unit: b\n  type: gauge\n  snmp_inspector: {matching_type: type_exact, oid: 1.3.6.1.2, type: int}\n";
        let loaded = parse("d.yaml", text);
        assert_eq!(loaded.definitions.len(), 1);
        assert_eq!(loaded.definitions[0].unit, "b");
        assert_eq!(
            loaded.warnings[0].to_string(),
            "d.yaml:6: definition `m`: replaces the definition of the same name at line 2"
        );
    }
}
