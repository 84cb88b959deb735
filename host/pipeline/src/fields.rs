//! Reading the fields shared by sources and sinks, reporting problems.

use serde_yaml_ng::{Mapping, Value};

use crate::filter::Filter;
use crate::report::{At, ItemRef, Reporter};
use crate::yaml::{self, ListError};

/// Reads `name:` (required, a string). Reports and returns `None` otherwise.
pub(crate) fn read_name(r: &mut Reporter<'_>, item: &ItemRef<'_>, map: &Mapping) -> Option<String> {
    match yaml::get(map, "name") {
        None => {
            r.item(item, At::Item, "Required field name not specified");
            None
        }
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            r.item(item, At::Key("name"), "Name should be a string");
            None
        }
    }
}

/// Capitalises the first letter (`meters` → `Meters`).
fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Reads the filter list under `key` (`meters` or `events`).
///
/// `value` is the raw value (`None` when the key is absent). An absent key is
/// reported with `missing` when given (`Missing meters value`), otherwise treated
/// as null (event sources use `cfg.get('events')`, giving `No events specified`).
pub(crate) fn read_filter(
    r: &mut Reporter<'_>,
    item: &ItemRef<'_>,
    value: Option<&Value>,
    key: &str,
    missing: Option<&str>,
) -> Option<Filter> {
    let value = match (value, missing) {
        (Some(v), _) => v,
        (None, Some(message)) => {
            r.item(item, At::Item, message);
            return None;
        }
        (None, None) => &Value::Null,
    };
    let entries = if yaml::is_falsy(value) {
        Vec::new()
    } else {
        match yaml::string_list(value) {
            Ok(entries) => entries,
            Err(ListError::NotAList) => {
                r.item(
                    item,
                    At::Key(key),
                    format!("{} should be a list", capitalised(key)),
                );
                return None;
            }
            Err(ListError::NotAString(i)) => {
                r.item(
                    item,
                    At::Entry(key, i),
                    format!("{} entries should be strings", capitalised(key)),
                );
                return None;
            }
        }
    };
    match Filter::new(entries) {
        Ok(filter) => Some(filter),
        Err(e) => {
            r.item(item, At::Key(key), e.message(key));
            None
        }
    }
}

/// Reads an optional list of strings (`cfg.get(key) or []`), e.g. `resources`.
/// Errors read `Resources should be a list` (upstream's wording) or
/// `Resources entries should be strings`.
pub(crate) fn read_optional_list(
    r: &mut Reporter<'_>,
    item: &ItemRef<'_>,
    map: &Mapping,
    key: &str,
) -> Option<Vec<String>> {
    match yaml::optional_string_list(yaml::get(map, key)) {
        Ok(list) => Some(list),
        Err(ListError::NotAList) => {
            r.item(
                item,
                At::Key(key),
                format!("{} should be a list", capitalised(key)),
            );
            None
        }
        Err(ListError::NotAString(i)) => {
            r.item(
                item,
                At::Entry(key, i),
                format!("{} entries should be strings", capitalised(key)),
            );
            None
        }
    }
}

/// Reads a top-level list (`sources`, `sinks`); reports `Sources should be a list` otherwise.
pub(crate) fn top_list<'v>(
    r: &mut Reporter<'_>,
    value: &'v Value,
    key: &str,
) -> Option<&'v [Value]> {
    match value {
        Value::Sequence(items) => Some(items),
        _ => {
            r.at_top_key(key, format!("{} should be a list", capitalised(key)));
            None
        }
    }
}

/// Number of earlier names equal to `name` (for locating duplicates by text).
pub(crate) fn occurrence(earlier: &[Option<String>], name: &str) -> usize {
    earlier
        .iter()
        .filter(|n| n.as_deref() == Some(name))
        .count()
}
