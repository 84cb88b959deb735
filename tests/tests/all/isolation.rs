//! A component that traps, loops, exhausts its memory, returns too much or
//! malformed output, or imports what it is not granted is stopped or refused
//! with one log line naming it; the agent and the other components carry on.

use std::time::{Duration, Instant};

use nepho_runtime::{CallError, ComponentSet};

use crate::support::{FAST_POLICY, Site, batch, count, log_lines_with, names, test_guest};

/// A site running the probe as `name` beside a passthrough called `bystander-of-NAME`.
fn probe_site(name: &str, policy: &str, probe_policy: &str) -> (Site, ComponentSet) {
    let config = format!(
        "[components.{name}]\nsource = \"file:probe.wasm\"\n\n\
         [components.bystander-of-{name}]\nsource = \"builtin:transform-passthrough\"\n"
    );
    let site = Site::new(
        &config,
        &format!("{policy}\n[components.{name}]\n{probe_policy}"),
    );
    site.install("probe.wasm", &test_guest("test-probe"));
    let set = site.start();
    (site, set)
}

fn assert_bystander_unaffected(set: &ComponentSet, name: &str) {
    let input = batch(&["cpu", "vcpus"]);
    let output = set
        .transform(&format!("bystander-of-{name}"), &input)
        .expect("bystander still serves");
    assert_eq!(output.to_owned_samples(), input.to_owned_samples());
}

#[test]
fn a_trap_kills_only_that_instance_which_is_recreated_from_its_template() {
    let (_site, set) = probe_site("probe-trap", FAST_POLICY, "");
    assert_eq!(count(&set, "probe-trap"), 1.0);
    assert_eq!(
        count(&set, "probe-trap"),
        2.0,
        "state lives in the instance between calls"
    );

    let error = set
        .transform("probe-trap", &batch(&["trap"]))
        .expect_err("a panic traps");
    let CallError::Trapped { reason, .. } = &error else {
        panic!("expected a trap, got {error}")
    };
    assert!(
        reason.contains("trapped") && reason.contains("test-probe was asked to trap"),
        "{reason}"
    );
    let lines = log_lines_with("`probe-trap` trapped");
    assert_eq!(
        lines.len(),
        1,
        "exactly one log line names the component and the reason: {lines:?}"
    );

    assert_bystander_unaffected(&set, "probe-trap");
    assert_eq!(
        count(&set, "probe-trap"),
        1.0,
        "a fresh instance (state reset) serves the next call"
    );
}

#[test]
fn an_endless_loop_is_interrupted_at_the_call_limit() {
    let (_site, set) = probe_site("probe-loop", FAST_POLICY, "max_call_ms = 50");
    let started = Instant::now();
    let error = set
        .transform("probe-loop", &batch(&["loop"]))
        .expect_err("the loop is stopped");
    let elapsed = started.elapsed();
    assert!(
        matches!(&error, CallError::Trapped { reason, .. } if reason.contains("ran past its 50 ms call limit")),
        "{error}"
    );
    assert!(
        elapsed < Duration::from_secs(2),
        "interrupted after {elapsed:?}"
    );
    assert_eq!(
        log_lines_with("`probe-loop` ran past its 50 ms call limit").len(),
        1
    );
    assert_bystander_unaffected(&set, "probe-loop");
    assert_eq!(count(&set, "probe-loop"), 1.0);
}

#[test]
fn exhausting_memory_stops_at_the_cap() {
    let (_site, set) = probe_site("probe-oom", FAST_POLICY, "max_memory_mib = 16");
    let error = set
        .transform("probe-oom", &batch(&["oom"]))
        .expect_err("the cap stops the hoarding");
    assert!(
        matches!(&error, CallError::Trapped { reason, .. } if reason.contains("exceeded its memory cap of 16 MiB")),
        "{error}"
    );
    assert_eq!(
        log_lines_with("`probe-oom` exceeded its memory cap of 16 MiB").len(),
        1
    );
    assert_bystander_unaffected(&set, "probe-oom");
    assert_eq!(count(&set, "probe-oom"), 1.0);
}

#[test]
fn oversized_or_malformed_output_is_refused_and_the_instance_lives_on() {
    let (_site, set) = probe_site("probe-output", FAST_POLICY, "max_output_records = 1000");
    assert_eq!(count(&set, "probe-output"), 1.0);
    let error = set
        .transform("probe-output", &batch(&["oversize"]))
        .expect_err("10,000 samples is over 1,000");
    assert!(
        error
            .to_string()
            .contains("returned 10000 records, over its limit of 1000"),
        "{error}"
    );
    assert_eq!(
        log_lines_with("`probe-output` returned 10000 records").len(),
        1
    );

    let error = set
        .transform("probe-output", &batch(&["bad-span"]))
        .expect_err("a span past the text");
    assert!(
        error
            .to_string()
            .contains("malformed batch: sample 0: name span"),
        "{error}"
    );

    assert_eq!(
        count(&set, "probe-output"),
        4.0,
        "refusing output does not kill the instance"
    );
    assert_bystander_unaffected(&set, "probe-output");
}

#[test]
fn restarts_back_off_and_a_crash_loop_opens_the_breaker() {
    let policy = "[defaults]\nrestart_backoff_ms = 150\nrestart_backoff_max_ms = 150\ncrash_loop_traps = 3\n";
    let (site, set) = probe_site("probe-crashloop", policy, "");
    let trap = || set.transform("probe-crashloop", &batch(&["trap"]));
    assert!(
        matches!(trap(), Err(CallError::Trapped { restart_in, .. }) if restart_in == Duration::from_millis(150))
    );
    assert!(
        matches!(
            set.transform("probe-crashloop", &batch(&["cpu"])),
            Err(CallError::BackingOff { .. })
        ),
        "no instance is made during the backoff"
    );
    std::thread::sleep(Duration::from_millis(200));
    assert!(matches!(trap(), Err(CallError::Trapped { .. })));
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        matches!(trap(), Err(CallError::CrashLoop { traps: 3, .. })),
        "the third trap opens the breaker"
    );
    std::thread::sleep(Duration::from_millis(200));
    assert!(matches!(
        set.transform("probe-crashloop", &batch(&["cpu"])),
        Err(CallError::CrashLoop { .. })
    ));
    assert_eq!(log_lines_with("`probe-crashloop` trapped").len(), 3);
    assert_eq!(
        log_lines_with("opened the crash-loop breaker")
            .iter()
            .filter(|l| l.contains("probe-crashloop"))
            .count(),
        1
    );
    assert_bystander_unaffected(&set, "probe-crashloop");

    // A reload of the component (here: its policy) closes the breaker.
    site.write_policy(&format!(
        "{policy}\n[components.probe-crashloop]\nmax_call_ms = 900\n"
    ));
    set.apply(site.plan()).expect("reload");
    assert_eq!(
        names(
            &set.transform("probe-crashloop", &batch(&["cpu"]))
                .expect("serves again")
        ),
        ["cpu"]
    );
}

#[test]
fn imports_that_are_not_granted_are_refused_at_load() {
    let site = Site::new(
        "[components.snoop]\nsource = \"file:snoop.wasm\"\n\n[components.quiet]\nsource = \"file:probe.wasm\"\n",
        "[defaults]\n\n[components.quiet]\ngrants = [\"config\"]\n",
    );
    site.install("snoop.wasm", &test_guest("test-forbidden-import"));
    site.install("probe.wasm", &test_guest("test-probe"));
    let errors = ComponentSet::start(crate::support::runtime(), site.plan())
        .expect_err("both are refused")
        .to_string();
    let config = site.config_path().display().to_string();
    assert!(
        errors.contains(&format!("{config}:3:10: component `snoop`"))
            && errors.contains("refused: imports wasi:filesystem/")
            && errors.contains("components get no filesystem"),
        "{errors}"
    );
    assert!(
        errors.contains(&format!("{config}:6:10: component `quiet`"))
            && errors.contains("needs the `log` capability; its policy grants only [config]"),
        "{errors}"
    );
}

#[test]
fn a_component_for_another_contract_version_is_refused_with_both_versions() {
    let site = Site::new(
        "[components.future]\nsource = \"file:future.wasm\"\n",
        FAST_POLICY,
    );
    site.install("future.wasm", &test_guest("test-wrong-version"));
    let error = ComponentSet::start(crate::support::runtime(), site.plan())
        .expect_err("refused")
        .to_string();
    assert!(
        error.contains("this component targets nephometer:telemetry@0.2.0")
            && error.contains("this agent serves nephometer:telemetry@0.1.0"),
        "{error}"
    );
}

#[test]
fn bad_bytes_and_bad_configuration_are_refused_with_their_location() {
    let site = Site::new(
        "[components.junk]\nsource = \"file:junk.wasm\"\n\n\
         [components.misconfigured]\nsource = \"file:probe.wasm\"\nconfig = { tag = 5 }\n",
        FAST_POLICY,
    );
    site.install("junk.wasm", b"\0asm but not really a component");
    site.install("probe.wasm", &test_guest("test-probe"));
    let error = ComponentSet::start(crate::support::runtime(), site.plan())
        .expect_err("refused")
        .to_string();
    let config = site.config_path().display().to_string();
    assert!(
        error.contains(&format!("{config}:3:10: component `junk`"))
            && error.contains("not a valid WebAssembly component"),
        "{error}"
    );
    assert!(
        error.contains("component `misconfigured`")
            && error.contains(
                "rejected its configuration: invalid configuration: tag: expected a string, got 5"
            ),
        "{error}"
    );
}
