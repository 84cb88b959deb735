use serde_json::{Value, json};

use super::*;

fn load(text: &str, options: EventOptions) -> (EventDefinitions, Vec<LoadWarning>) {
    EventDefinitions::load(
        &[DefinitionFile {
            name: "defs.yaml".into(),
            text: text.into(),
        }],
        &options,
    )
}

fn notification(event_type: &str) -> Value {
    json!({
        "ctxt": {"request_id": "req-1", "project_id": "ctx-project", "user_id": "ctx-user"},
        "publisher_id": "compute.host-1",
        "event_type": event_type,
        "payload": {
            "tenant_id": "tenant", "count": "12", "ratio": "0.5", "when": "2012-05-08T22:00:00+02:00",
            "empty": "", "nothing": null, "name": "x".repeat(300), "flavor": {"vcpus": 2}
        },
        "metadata": {"message_id": "m-1", "timestamp": "2012-05-08 20:23:48.028195"}
    })
}

fn names(event: &Event) -> Vec<&str> {
    event.traits.iter().map(|t| t.name.as_str()).collect()
}

fn value_of<'a>(event: &'a Event, name: &str) -> Option<&'a TraitValue> {
    event
        .traits
        .iter()
        .find(|t| t.name == name)
        .map(|t| &t.value)
}

const DEFINITIONS: &str = "
- event_type: compute.instance.*
  traits: &base
    count:
      type: int
      fields: payload.count
    service:
      fields: publisher_id
- event_type: compute.instance.create.end
  traits:
    <<: *base
    ratio:
      type: float
      fields: payload.ratio
- event_type: ['!compute.*', '!image.*']
  traits:
    excluded_everything_else:
      fields: payload.tenant_id
";

#[test]
fn the_last_matching_definition_wins_and_exclusions_apply() {
    let (defs, warnings) = load(DEFINITIONS, EventOptions::default());
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(
        defs.len(),
        4,
        "three definitions and the implicit catch-all"
    );
    let create = defs
        .convert(&notification("compute.instance.create.end"), Some("info"))
        .unwrap()
        .unwrap();
    assert_eq!(
        names(&create),
        [
            "service",
            "request_id",
            "project_id",
            "user_id",
            "tenant_id",
            "count",
            "ratio"
        ]
    );
    assert_eq!(value_of(&create, "count"), Some(&TraitValue::Int(12)));
    assert_eq!(value_of(&create, "ratio"), Some(&TraitValue::Float(0.5)));
    assert_eq!(
        value_of(&create, "service"),
        Some(&TraitValue::Text("compute.host-1".into()))
    );
    assert_eq!(
        value_of(&create, "project_id"),
        Some(&TraitValue::Text("tenant".into()))
    );
    assert_eq!(
        value_of(&create, "user_id"),
        Some(&TraitValue::Text("ctx-user".into()))
    );
    assert_eq!(create.generated, "2012-05-08T20:23:48.028195");
    assert_eq!(create.message_id, "m-1");
    assert_eq!(create.raw, None);

    let delete = defs
        .convert(&notification("compute.instance.delete.end"), None)
        .unwrap()
        .unwrap();
    assert!(!names(&delete).contains(&"ratio"));
    let other = defs
        .convert(&notification("volume.create.end"), None)
        .unwrap()
        .unwrap();
    assert!(names(&other).contains(&"excluded_everything_else"));
    let image = defs
        .convert(&notification("image.upload"), None)
        .unwrap()
        .unwrap();
    assert_eq!(
        names(&image),
        [
            "service",
            "request_id",
            "project_id",
            "user_id",
            "tenant_id"
        ],
        "the catch-all"
    );
    assert_eq!(
        defs.definition_for("compute.thing")
            .map(|d| d.event_types.clone()),
        Some(vec!["*".to_owned()])
    );
}

#[test]
fn unmatched_notifications_can_be_dropped() {
    let options = EventOptions {
        drop_unmatched: true,
        store_raw: vec![],
    };
    let (defs, _) = load(DEFINITIONS, options.clone());
    assert_eq!(defs.len(), 3);
    assert_eq!(defs.convert(&notification("image.upload"), None), Ok(None));
    let (defs, _) = load("- event_type: '*'\n  traits: {}\n", EventOptions::default());
    assert_eq!(
        defs.len(),
        1,
        "an explicit catch-all makes the implicit one unnecessary"
    );
}

#[test]
fn trait_types_and_missing_values() {
    let text = "
- event_type: '*'
  traits:
    empty_int: {type: int, fields: payload.empty}
    empty_text: {fields: payload.empty}
    null_text: {fields: payload.nothing}
    absent: {fields: payload.absent}
    when: {type: datetime, fields: payload.when}
    long: {fields: payload.name}
    flavor: {fields: payload.flavor}
    constant: {type: int, fields: 3}
    first: {fields: [payload.absent, payload.nothing, payload.tenant_id]}
";
    let (defs, warnings) = load(text, EventOptions::default());
    assert!(warnings.is_empty(), "{warnings:?}");
    let event = defs.convert(&notification("x"), None).unwrap().unwrap();
    assert_eq!(value_of(&event, "empty_int"), None);
    assert_eq!(
        value_of(&event, "empty_text"),
        Some(&TraitValue::Text(String::new()))
    );
    assert_eq!(value_of(&event, "null_text"), None);
    assert_eq!(value_of(&event, "absent"), None);
    assert_eq!(
        value_of(&event, "when"),
        Some(&TraitValue::Datetime("2012-05-08T20:00:00".into()))
    );
    assert_eq!(
        value_of(&event, "long"),
        Some(&TraitValue::Text("x".repeat(255)))
    );
    assert_eq!(
        value_of(&event, "flavor"),
        Some(&TraitValue::Text("{'vcpus': 2}".into()))
    );
    assert_eq!(value_of(&event, "constant"), Some(&TraitValue::Int(3)));
    assert_eq!(
        value_of(&event, "first"),
        Some(&TraitValue::Text("tenant".into()))
    );
    let serialized = event.serialize();
    assert_eq!(
        serialized["traits"][0],
        json!(["service", 1, "compute.host-1"])
    );
    assert_eq!(serialized["raw"], json!({}));
}

#[test]
fn a_conversion_error_fails_the_whole_notification() {
    let text = "- event_type: '*'\n  traits:\n    bad: {type: int, fields: payload.ratio}\n";
    let (defs, _) = load(text, EventOptions::default());
    let error = defs.convert(&notification("x"), None).unwrap_err();
    assert_eq!(
        error,
        "trait bad: invalid literal for int() with base 10: '0.5'"
    );
    let mut broken = notification("x");
    broken["metadata"]["timestamp"] = json!("2014-05-1510: 24: 56.335612");
    assert!(
        defs.convert(&broken, None)
            .unwrap_err()
            .contains("Unable to parse date string")
    );
    let mut anonymous = notification("x");
    anonymous["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("message_id");
    assert!(defs.convert(&anonymous, None).is_err());
}

#[test]
fn legacy_notifications_and_raw_storage() {
    let (defs, _) = load(
        DEFINITIONS,
        EventOptions {
            drop_unmatched: false,
            store_raw: vec!["INFO".into()],
        },
    );
    let legacy = crate::envelope::to_legacy(notification("compute.instance.create.end"));
    let mut legacy = legacy;
    legacy["priority"] = json!("INFO");
    let event = defs.convert(&legacy, None).unwrap().unwrap();
    assert_eq!(event.message_id, "m-1");
    assert_eq!(event.generated, "2012-05-08T20:23:48.028195");
    assert_eq!(
        value_of(&event, "request_id"),
        Some(&TraitValue::Text("req-1".into()))
    );
    assert_eq!(
        event.raw.as_ref(),
        Some(&legacy),
        "raw is the notification as received"
    );
    let current = defs
        .convert(&notification("compute.instance.create.end"), Some("error"))
        .unwrap()
        .unwrap();
    assert_eq!(current.raw, None);
    let info = defs
        .convert(&notification("compute.instance.create.end"), Some("info"))
        .unwrap()
        .unwrap();
    assert!(info.raw.is_some());
}

#[test]
fn bad_definitions_are_reported_and_skipped() {
    let text = "
- event_type: good.one
  traits: {}
- traits:
    a: {fields: payload.a}
- event_type: ['bad.type']
  traits:
    a: {type: integer, fields: payload.a}
- event_type: bad.plugin
  traits:
    a:
      fields: payload.a
      plugin: {name: nope}
- event_type: split.user
  traits:
    host:
      fields: publisher_id
      plugin: {name: split, parameters: {segment: 1}}
";
    let (defs, warnings) = load(text, EventOptions::default());
    assert_eq!(defs.len(), 3, "good.one, split.user and the catch-all");
    let described: Vec<String> = warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        described,
        [
            "defs.yaml:4: event definition #1: Required field event_type not specified (definition skipped)",
            "defs.yaml:6: event definition #2 (event_type ['bad.type']): Invalid trait type 'integer' for trait a \
             (definition skipped)",
            "defs.yaml:9: event definition #3 (event_type bad.plugin): No plugin named nope available for a \
             (definition skipped)",
            "defs.yaml:14: event definition #4 (event_type split.user): split plugin is deprecated, add \
             \".`split(., 1, -1)`\" to your jsonpath instead",
        ]
    );
    let event = defs
        .convert(&notification("split.user"), None)
        .unwrap()
        .unwrap();
    assert_eq!(
        value_of(&event, "host"),
        Some(&TraitValue::Text("host-1".into()))
    );
    let (_, warnings) = load("- event_type: [\n", EventOptions::default());
    assert_eq!(warnings.len(), 1);
    assert!(
        warnings[0].skipped && warnings[0].index.is_none(),
        "{warnings:?}"
    );
    let (_, warnings) = load("event_type: x\n", EventOptions::default());
    assert_eq!(
        warnings[0].message,
        "the file must hold a list of definitions, not a dict"
    );
}

#[test]
fn plugins_see_full_paths() {
    let text = "
- event_type: '*'
  traits:
    flags:
      type: int
      fields: [payload.tenant_id, payload.count]
      plugin:
        name: bitfield
        parameters:
          initial_bitfield: 0
          flags:
            - {path: payload.tenant_id, bit: 0, value: tenant}
            - {path: payload.count, bit: 2}
            - {path: payload.absent, bit: 3}
";
    let (defs, warnings) = load(text, EventOptions::default());
    assert!(warnings.is_empty(), "{warnings:?}");
    let event = defs.convert(&notification("x"), None).unwrap().unwrap();
    assert_eq!(value_of(&event, "flags"), Some(&TraitValue::Int(5)));
}
