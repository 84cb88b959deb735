//! Contract tests for the shipped components, and the shipped policy.

use nepho_policy::{Capability, ConfigSource, Plan};
use nepho_runtime::ComponentKind;

use crate::support::{FAST_POLICY, Site, batch, names, runtime};

#[test]
fn every_builtin_is_a_component_this_host_serves() {
    let runtime = runtime();
    let builtins: Vec<&str> = runtime.builtin_names().collect();
    assert!(
        builtins.contains(&"transform-passthrough"),
        "built-ins: {builtins:?}"
    );
    for name in builtins {
        // A publisher needs the URL of its scheme; a transformer its parameters.
        let settings = match name.strip_prefix("publish-") {
            Some(scheme) => format!("config = {{ url = \"{scheme}://127.0.0.1:9/x\" }}\n"),
            None => String::new(),
        };
        let config = format!("[components.{name}]\nsource = \"builtin:{name}\"\n{settings}");
        let site = Site::new(&config, FAST_POLICY);
        let set = site.start();
        let component = set.get(name).expect("loaded");
        assert_eq!(component.contract.wit_version, "0.1.0");
        assert!(
            component
                .contract
                .needs
                .is_subset(&[Capability::Log, Capability::Config, Capability::Clock].into())
        );
    }
}

#[test]
fn passthrough_returns_every_sample_unchanged() {
    let site = Site::new(
        "[components.p]\nsource = \"builtin:transform-passthrough\"\n",
        FAST_POLICY,
    );
    let set = site.start();
    assert_eq!(
        set.get("p").map(|c| c.kind()),
        Some(ComponentKind::Transformer)
    );
    let input = batch(&["cpu", "memory.usage", "disk.read.bytes"]);
    let output = set.transform("p", &input).expect("transform");
    assert_eq!(output.to_owned_samples(), input.to_owned_samples());
    assert_eq!(names(&set.flush("p").expect("flush")), Vec::<String>::new());
}

#[test]
fn the_shipped_policy_and_embedded_defaults_load() {
    let config = ConfigSource::embedded(
        "nephometer.toml",
        "[components.p]\nsource = \"builtin:transform-passthrough\"\n",
    );
    let policy = ConfigSource::embedded("policies/default.toml", nepho_policy::DEFAULT_POLICY);
    let plan = Plan::resolve(&config, &[policy]).expect("default policy resolves");
    nepho_runtime::ComponentSet::start(runtime(), plan)
        .expect("built-ins load under the default policy");
}
