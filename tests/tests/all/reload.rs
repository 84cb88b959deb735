//! Hot reload: a change to the configuration, a policy or a component file is
//! picked up without a restart; a broken change is rolled back; batches in
//! flight are never lost; unchanged components keep their state.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nepho_runtime::{ComponentSet, ReloadOutcome, ReloadWatcher};

use crate::support::{FAST_POLICY, Site, batch, builtin, count, eventually, names, test_guest};

const DEBOUNCE: Duration = Duration::from_millis(50);
const PATIENCE: Duration = Duration::from_secs(10);

fn probe_config(tag: &str) -> String {
    format!("[components.probe]\nsource = \"file:probe.wasm\"\nconfig = {{ tag = \"{tag}\" }}\n")
}

fn first_name(set: &ComponentSet) -> String {
    set.transform("probe", &batch(&["cpu"]))
        .map(|b| names(&b).join(","))
        .unwrap_or_else(|e| e.to_string())
}

type Outcomes = Arc<Mutex<Vec<ReloadOutcome>>>;

/// The error text of the first rolled-back reload, if any.
fn rolled_back(outcomes: &Outcomes) -> Option<String> {
    outcomes.lock().unwrap().iter().find_map(|o| match o {
        ReloadOutcome::RolledBack(error) => Some(error.to_string()),
        _ => None,
    })
}

/// The error text of the first reload whose configuration did not validate, if any.
fn invalid_plan(outcomes: &Outcomes) -> Option<String> {
    outcomes.lock().unwrap().iter().find_map(|o| match o {
        ReloadOutcome::InvalidPlan(errors) => Some(errors.to_string()),
        _ => None,
    })
}

/// Starts the site's components and a watcher that records every outcome.
fn watched(
    site: &Site,
) -> (
    Arc<ComponentSet>,
    ReloadWatcher,
    Arc<Mutex<Vec<ReloadOutcome>>>,
) {
    let set = Arc::new(site.start());
    let outcomes = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&outcomes);
    let watcher = ReloadWatcher::start(
        site.config_path(),
        Arc::clone(&set),
        DEBOUNCE,
        move |outcome| {
            sink.lock().unwrap().push(outcome);
        },
    )
    .expect("watcher");
    (set, watcher, outcomes)
}

#[test]
fn editing_the_configuration_swaps_the_component_live() {
    let site = Site::new(&probe_config("-v1"), FAST_POLICY);
    site.install("probe.wasm", &test_guest("test-probe"));
    let (set, _watcher, outcomes) = watched(&site);
    assert_eq!(first_name(&set), "cpu-v1");

    site.write_config(&probe_config("-v2"));
    assert!(
        eventually(PATIENCE, || first_name(&set) == "cpu-v2"),
        "still {}",
        first_name(&set)
    );
    let outcomes = outcomes.lock().unwrap();
    assert!(
        outcomes
            .iter()
            .any(|o| matches!(o, ReloadOutcome::Applied(r) if r.changed == ["probe"])),
        "{outcomes:?}"
    );
}

#[test]
fn replacing_a_component_file_swaps_the_code_and_a_broken_file_is_rolled_back() {
    let site = Site::new(&probe_config("-probe"), FAST_POLICY);
    site.install("probe.wasm", &test_guest("test-probe"));
    let (set, _watcher, outcomes) = watched(&site);
    assert_eq!(first_name(&set), "cpu-probe");

    site.install("probe.wasm", &builtin("transform-passthrough"));
    assert!(
        eventually(PATIENCE, || first_name(&set) == "cpu"),
        "still {}",
        first_name(&set)
    );

    site.install("probe.wasm", b"not wasm at all");
    assert!(
        eventually(PATIENCE, || rolled_back(&outcomes).is_some()),
        "the broken file was never tried"
    );
    assert_eq!(first_name(&set), "cpu", "the running version stays");
    let message = rolled_back(&outcomes).unwrap_or_default();
    assert!(
        message.contains("component `probe`")
            && message.contains("not a valid WebAssembly component"),
        "{message}"
    );

    site.install("probe.wasm", &test_guest("test-probe"));
    assert!(
        eventually(PATIENCE, || first_name(&set) == "cpu-probe"),
        "the fixed file is picked up"
    );
}

#[test]
fn a_configuration_that_does_not_parse_keeps_the_running_version() {
    let site = Site::new(&probe_config("-ok"), FAST_POLICY);
    site.install("probe.wasm", &test_guest("test-probe"));
    let (set, _watcher, outcomes) = watched(&site);
    site.write_config("[components.probe\nsource = ");
    assert!(
        eventually(PATIENCE, || invalid_plan(&outcomes).is_some()),
        "the broken configuration was never tried"
    );
    let message = invalid_plan(&outcomes);
    let config = site.config_path().display().to_string();
    assert!(
        message
            .unwrap_or_default()
            .starts_with(&format!("{config}:2:")),
        "errors name the file and line"
    );
    assert_eq!(first_name(&set), "cpu-ok");
}

#[test]
fn batches_in_flight_during_reloads_are_never_lost() {
    let site = Site::new(&probe_config("-a"), FAST_POLICY);
    site.install("probe.wasm", &test_guest("test-probe"));
    let set = Arc::new(site.start());
    let running = Arc::new(AtomicBool::new(true));
    let worker = {
        let set = Arc::clone(&set);
        let running = Arc::clone(&running);
        std::thread::spawn(move || {
            let input = batch(&["cpu"; 200]);
            let (mut calls, mut samples_out) = (0usize, 0usize);
            while running.load(Ordering::Relaxed) || calls < 50 {
                let output = set
                    .transform("probe", &input)
                    .expect("no call fails during reloads");
                samples_out += output.samples.len();
                calls += 1;
            }
            (calls, samples_out)
        })
    };
    for round in 0..20 {
        site.write_config(&probe_config(if round % 2 == 0 { "-b" } else { "-a" }));
        let report = set.apply(site.plan()).expect("reload");
        assert_eq!(report.changed, ["probe"]);
    }
    running.store(false, Ordering::Relaxed);
    let (calls, samples_out) = worker.join().expect("worker");
    assert_eq!(
        samples_out,
        calls * 200,
        "every sample of every batch came out"
    );
}

#[test]
fn a_replaced_transformer_is_flushed_and_unchanged_ones_keep_their_state() {
    let config = |tag: &str| {
        format!(
            "{}\n[components.other]\nsource = \"file:probe.wasm\"\n",
            probe_config(tag)
        )
    };
    let site = Site::new(&config("-1"), FAST_POLICY);
    site.install("probe.wasm", &test_guest("test-probe"));
    let set = site.start();
    assert_eq!(count(&set, "other"), 1.0);
    assert_eq!(count(&set, "probe"), 1.0);
    let held = set
        .transform("probe", &batch(&["hold", "cpu", "memory"]))
        .expect("held");
    assert!(held.samples.is_empty(), "the probe holds the batch back");

    site.write_config(&config("-2"));
    let report = set.apply(site.plan()).expect("reload");
    assert_eq!(report.changed, ["probe"]);
    let flushed: Vec<String> = report.flushed.iter().flat_map(|(_, b)| names(b)).collect();
    assert_eq!(
        flushed,
        ["hold", "cpu", "memory"],
        "what the old version held comes out of the reload"
    );
    assert_eq!(
        count(&set, "probe"),
        1.0,
        "the changed component starts afresh"
    );
    assert_eq!(
        count(&set, "other"),
        2.0,
        "the unchanged component kept its instance and state"
    );
}

#[test]
fn editing_a_policy_reloads_and_an_unsatisfiable_policy_is_rolled_back() {
    let site = Site::new(&probe_config("-p"), FAST_POLICY);
    site.install("probe.wasm", &test_guest("test-probe"));
    let (set, _watcher, outcomes) = watched(&site);
    let applied_with_probe_changed = |outcomes: &Mutex<Vec<ReloadOutcome>>| {
        outcomes
            .lock()
            .unwrap()
            .iter()
            .any(|o| matches!(o, ReloadOutcome::Applied(r) if r.changed == ["probe"]))
    };

    site.write_policy(&format!(
        "{FAST_POLICY}\n[components.probe]\nmax_call_ms = 700\n"
    ));
    assert!(
        eventually(PATIENCE, || applied_with_probe_changed(&outcomes)),
        "the policy edit was not applied"
    );
    assert_eq!(
        set.get("probe").unwrap().spec.sandbox.max_call,
        Duration::from_millis(700)
    );

    // The probe imports `log`; a policy that takes the grant away cannot be applied.
    site.write_policy(&format!(
        "{FAST_POLICY}\n[components.probe]\ngrants = [\"config\"]\n"
    ));
    assert!(
        eventually(PATIENCE, || rolled_back(&outcomes).is_some()),
        "the policy edit was not tried"
    );
    assert!(
        rolled_back(&outcomes)
            .unwrap_or_default()
            .contains("needs the `log` capability")
    );
    assert_eq!(
        set.get("probe").unwrap().spec.sandbox.max_call,
        Duration::from_millis(700),
        "the old version runs on"
    );
    assert_eq!(first_name(&set), "cpu-p");
}
