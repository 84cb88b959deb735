//! Editing meter definitions changes what the running engine produces within
//! a second, with no restart; a broken file keeps the previous definitions.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nepho_runtime::{ComponentSet, NotificationBatchBuilder, ReloadOutcome, ReloadWatcher};

use crate::support::{FAST_POLICY, Site, eventually, names};

const NOTIFICATION: &str = r#"{"event_type": "test.create", "publisher_id": "compute.host1",
  "ctxt": {}, "metadata": {"message_id": "m-1", "timestamp": "2015-06-19T09:19:35.786893"},
  "payload": {"volume": 2, "resource_id": "r-1", "project_id": "p-1"}}"#;

fn definitions(name: &str) -> String {
    format!(
        "---\nmetric:\n  - name: {name}\n    event_type: test.create\n    type: delta\n    unit: B\n\
         \x20   volume: $.payload.volume\n    resource_id: $.payload.resource_id\n    project_id: $.payload.project_id\n"
    )
}

fn meters(set: &ComponentSet) -> Vec<String> {
    let body = NOTIFICATION;
    let parsed: serde_json::Value = serde_json::from_str(body).expect("JSON");
    let mut batch = NotificationBatchBuilder::default();
    batch.push_json(body, &parsed);
    set.convert_meters("meters", &batch.finish())
        .map(|b| names(&b))
        .unwrap_or_else(|e| vec![e.to_string()])
}

#[test]
fn editing_definitions_changes_samples_within_a_second_and_a_broken_file_is_rolled_back() {
    let site = Site::new_deferred(
        "[components.meters]\nsource = \"builtin:meter-definitions\"\nfiles = { definitions = [\"meters.d\"] }\n",
        FAST_POLICY,
    );
    std::fs::create_dir(site.path("meters.d")).expect("dir");
    site.install("meters.d/10-test.yaml", definitions("test.one").as_bytes());
    let set = Arc::new(site.start());
    assert_eq!(meters(&set), ["test.one"]);
    let outcomes = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&outcomes);
    let _watcher = ReloadWatcher::start(
        site.config_path(),
        Arc::clone(&set),
        Duration::from_millis(100),
        move |o| sink.lock().unwrap().push(o),
    )
    .expect("watcher");

    let edited = Instant::now();
    site.install("meters.d/10-test.yaml", definitions("test.two").as_bytes());
    assert!(
        eventually(Duration::from_secs(1), || meters(&set) == ["test.two"]),
        "not applied within a second: {:?} {:?}",
        meters(&set),
        outcomes.lock().unwrap()
    );
    let took = edited.elapsed();
    assert!(took < Duration::from_secs(1), "took {took:?}");

    site.install("meters.d/10-test.yaml", b"metric: [ {name: broken\n");
    let rolled_back = || {
        outcomes.lock().unwrap().iter().find_map(|o| match o {
            ReloadOutcome::RolledBack(error) => Some(error.to_string()),
            _ => None,
        })
    };
    assert!(
        eventually(Duration::from_secs(10), || rolled_back().is_some()),
        "the broken edit was not tried"
    );
    let message = rolled_back().unwrap_or_default();
    assert!(
        message.contains("10-test.yaml") && message.contains("not valid YAML"),
        "{message}"
    );
    assert_eq!(
        meters(&set),
        ["test.two"],
        "the previous definitions keep running"
    );
}
