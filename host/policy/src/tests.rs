//! Tests of the crate as a whole: the shipped policy, layering, the agent
//! configuration, loading from disk, and the wording and place of every error.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::json;

use crate::{
    Capability, ComponentSource, ConfigSource, DEFAULT_POLICY, Diagnostics, Plan, RestartPolicy,
    Sandbox,
};

/// The fields a policy layer accepts, as serde lists them in an unknown-field error.
const LIMIT_FIELDS: &str = "`max_memory_mib`, `max_call_ms`, `max_output_records`, \
     `max_output_mib`, `grants`, `env`, `destinations`, `restart_backoff_ms`, \
     `restart_backoff_max_ms`, `crash_loop_traps`, `crash_loop_window_secs`";

fn source(path: &str, text: &str) -> ConfigSource {
    ConfigSource {
        path: PathBuf::from(path),
        text: text.to_owned(),
    }
}

/// Resolves the configuration `n.toml` against policy files given as `(path, text)`.
fn resolve(config: &str, policies: &[(&str, &str)]) -> Result<Plan, Diagnostics> {
    let policies: Vec<ConfigSource> = policies
        .iter()
        .map(|(path, text)| source(path, text))
        .collect();
    Plan::resolve(&source("n.toml", config), &policies)
}

/// The errors of a configuration that must not resolve, one per line.
fn errors(config: &str, policies: &[(&str, &str)]) -> String {
    match resolve(config, policies) {
        Ok(plan) => panic!("expected errors, resolved to {plan:#?}"),
        Err(errors) => errors.to_string(),
    }
}

/// The sandbox of component `name`.
fn sandbox<'a>(plan: &'a Plan, name: &str) -> &'a Sandbox {
    &plan
        .component(name)
        .unwrap_or_else(|| panic!("component {name} missing from {plan:#?}"))
        .sandbox
}

fn grants(names: &[Capability]) -> BTreeSet<Capability> {
    names.iter().copied().collect()
}

const ONE_COMPONENT: &str = "[components.a]\nsource = \"builtin:x\"\n";

// --- The shipped policy ------------------------------------------------------

#[test]
fn shipped_policy_resolves_to_the_documented_defaults() {
    let config = "[components.a]\nsource = \"builtin:x\"\n\n\
                  [components.b]\nsource = \"builtin:y\"\ntenant = \"third-party\"\n";
    let plan = Plan::resolve(
        &source("n.toml", config),
        &[ConfigSource::embedded(
            "policies/default.toml",
            DEFAULT_POLICY,
        )],
    )
    .expect("the shipped policy is valid");

    let a = sandbox(&plan, "a");
    assert_eq!(a.max_memory_bytes, 64 * 1024 * 1024);
    assert_eq!(a.max_call, Duration::from_millis(1000));
    assert_eq!(a.max_output_records, 100_000);
    assert_eq!(a.max_output_bytes, 32 * 1024 * 1024);
    assert_eq!(
        a.grants,
        grants(&[Capability::Log, Capability::Config, Capability::Clock])
    );
    assert!(a.env.is_empty());
    assert_eq!(
        a.restart,
        RestartPolicy {
            backoff_initial: Duration::from_millis(100),
            backoff_max: Duration::from_secs(30),
            crash_loop_traps: 5,
            crash_loop_window: Duration::from_secs(60),
        }
    );
    assert_eq!(
        a.applied,
        [
            "built-in defaults",
            "defaults (<embedded>/policies/default.toml)"
        ]
    );

    let b = sandbox(&plan, "b");
    assert_eq!(b.max_memory_bytes, 32 << 20, "tenant third-party");
    assert_eq!(b.max_call, Duration::from_millis(500), "tenant third-party");
    assert_eq!(b.grants, grants(&[Capability::Log, Capability::Config]));
    assert_eq!(b.max_output_records, 100_000, "from [defaults]");
    assert_eq!(b.restart, a.restart, "from [defaults]");
    assert_eq!(
        b.applied,
        [
            "built-in defaults",
            "defaults (<embedded>/policies/default.toml)",
            "tenant third-party (<embedded>/policies/default.toml)",
        ]
    );
}

#[test]
fn shipped_defaults_match_the_built_in_values() {
    // With no policy file at all, the built-in values apply; the shipped
    // [defaults] must restate them, so the two cannot drift apart unnoticed.
    let bare = resolve(ONE_COMPONENT, &[]).expect("valid");
    let shipped = Plan::resolve(
        &source("n.toml", ONE_COMPONENT),
        &[ConfigSource::embedded(
            "policies/default.toml",
            DEFAULT_POLICY,
        )],
    )
    .expect("valid");
    let bare = sandbox(&bare, "a");
    assert_eq!(bare.applied, ["built-in defaults"]);
    let shipped = Sandbox {
        applied: bare.applied.clone(),
        ..sandbox(&shipped, "a").clone()
    };
    assert_eq!(&shipped, bare);
    assert_eq!(bare, &Sandbox::default());
}

#[test]
fn embedded_sources_have_a_descriptive_path() {
    let embedded = ConfigSource::embedded("policies/default.toml", "x");
    assert_eq!(embedded.path, Path::new("<embedded>/policies/default.toml"));
    assert_eq!(embedded.text, "x");
}

// --- Layering ----------------------------------------------------------------

#[test]
fn component_overrides_tenant_overrides_defaults() {
    let config = "[components.a]\nsource = \"builtin:x\"\ntenant = \"acme\"\n\n\
                  [components.b]\nsource = \"builtin:x\"\ntenant = \"acme\"\n\n\
                  [components.c]\nsource = \"builtin:x\"\n";
    let defaults = "[defaults]\n\
                    max_memory_mib = 48\n\
                    max_call_ms = 900\n\
                    max_output_records = 50\n\
                    max_output_mib = 8\n\
                    grants = [\"log\", \"config\", \"clock\", \"environment\"]\n\
                    env = { REGION = \"eu\", ZONE = \"1\" }\n\
                    restart_backoff_ms = 10\n\
                    restart_backoff_max_ms = 20\n\
                    crash_loop_traps = 3\n\
                    crash_loop_window_secs = 30\n";
    let tenant = "[tenants.acme]\n\
                  max_call_ms = 300\n\
                  max_output_records = 40\n\
                  grants = [\"clock\", \"environment\"]\n\
                  env = { TENANT = \"acme\" }\n\
                  crash_loop_traps = 2\n";
    let component = "[components.a]\n\
                     max_output_records = 7\n\
                     grants = [\"log\"]\n\
                     env = {}\n\
                     restart_backoff_ms = 1\n";
    let plan = resolve(
        config,
        &[
            ("d.toml", defaults),
            ("t.toml", tenant),
            ("c.toml", component),
        ],
    )
    .expect("valid");

    let a = sandbox(&plan, "a");
    assert_eq!(a.max_memory_bytes, 48 << 20, "from defaults");
    assert_eq!(a.max_output_bytes, 8 << 20, "from defaults");
    assert_eq!(
        a.max_call,
        Duration::from_millis(300),
        "tenant over defaults"
    );
    assert_eq!(a.max_output_records, 7, "component over tenant");
    assert_eq!(a.grants, grants(&[Capability::Log]), "grants replace");
    assert!(a.env.is_empty(), "env replaces: {:?}", a.env);
    assert_eq!(
        a.restart,
        RestartPolicy {
            backoff_initial: Duration::from_millis(1),
            backoff_max: Duration::from_millis(20),
            crash_loop_traps: 2,
            crash_loop_window: Duration::from_secs(30),
        }
    );
    assert_eq!(
        a.applied,
        [
            "built-in defaults",
            "defaults (d.toml)",
            "tenant acme (t.toml)",
            "component a (c.toml)",
        ]
    );

    let b = sandbox(&plan, "b");
    assert_eq!(b.max_call, Duration::from_millis(300));
    assert_eq!(b.max_output_records, 40);
    assert_eq!(
        b.grants,
        grants(&[Capability::Clock, Capability::Environment]),
        "the tenant's grants replace the defaults', not merge with them"
    );
    assert_eq!(
        b.env,
        BTreeMap::from([("TENANT".to_owned(), "acme".to_owned())]),
        "the tenant's env replaces the defaults', not merge with it"
    );
    assert_eq!(b.applied.len(), 3, "{:?}", b.applied);

    let c = sandbox(&plan, "c");
    assert_eq!(c.max_call, Duration::from_millis(900), "no tenant");
    assert_eq!(c.max_output_records, 50);
    assert_eq!(c.grants.len(), 4);
    assert_eq!(c.env.len(), 2);
    assert_eq!(c.applied, ["built-in defaults", "defaults (d.toml)"]);
}

#[test]
fn an_empty_grants_list_grants_nothing() {
    let plan = resolve(
        ONE_COMPONENT,
        &[("p.toml", "[components.a]\ngrants = []\n")],
    )
    .expect("valid");
    assert!(sandbox(&plan, "a").grants.is_empty());
}

#[test]
fn every_limit_accepts_its_range_boundaries() {
    let maxima = "[defaults]\n\
                  max_memory_mib = 4096\n\
                  max_call_ms = 600000\n\
                  max_output_records = 100000000\n\
                  max_output_mib = 4096\n\
                  restart_backoff_ms = 3600000\n\
                  restart_backoff_max_ms = 3600000\n\
                  crash_loop_traps = 1000\n\
                  crash_loop_window_secs = 86400\n";
    let plan = resolve(ONE_COMPONENT, &[("p.toml", maxima)]).expect("valid");
    let a = sandbox(&plan, "a");
    assert_eq!(a.max_memory_bytes, 4096 << 20);
    assert_eq!(a.max_call, Duration::from_secs(600));
    assert_eq!(a.max_output_records, 100_000_000);
    assert_eq!(a.max_output_bytes, 4096 << 20);
    assert_eq!(a.restart.backoff_initial, Duration::from_secs(3600));
    assert_eq!(a.restart.backoff_max, Duration::from_secs(3600));
    assert_eq!(a.restart.crash_loop_traps, 1000);
    assert_eq!(a.restart.crash_loop_window, Duration::from_secs(86_400));

    let minima = "[defaults]\n\
                  max_memory_mib = 1\n\
                  max_call_ms = 1\n\
                  max_output_records = 1\n\
                  max_output_mib = 1\n\
                  restart_backoff_ms = 0\n\
                  restart_backoff_max_ms = 0\n\
                  crash_loop_traps = 1\n\
                  crash_loop_window_secs = 1\n";
    let plan = resolve(ONE_COMPONENT, &[("p.toml", minima)]).expect("valid");
    let a = sandbox(&plan, "a");
    assert_eq!(a.max_memory_bytes, 1 << 20);
    assert_eq!(a.max_call, Duration::from_millis(1));
    assert_eq!(a.restart.backoff_initial, Duration::ZERO);
    assert_eq!(a.restart.backoff_max, Duration::ZERO);
    assert_eq!(a.restart.crash_loop_traps, 1);
}

// --- Errors in policies -------------------------------------------------------

#[test]
fn unknown_policy_field_is_located() {
    let policy = "[defaults]\nmax_memory_mib = 64\nmax_memory_mb = 32\n";
    assert_eq!(
        errors(ONE_COMPONENT, &[("p.toml", policy)]),
        format!("p.toml:3:1: unknown field `max_memory_mb`, expected one of {LIMIT_FIELDS}")
    );

    // In a tenant layer, indented: the column counts.
    let policy = "[tenants.acme]\nmax_call_ms = 5\n  max_cal_ms = 5\n";
    assert_eq!(
        errors(ONE_COMPONENT, &[("p.toml", policy)]),
        format!("p.toml:3:3: unknown field `max_cal_ms`, expected one of {LIMIT_FIELDS}")
    );

    // A misspelt table.
    let policy = "[defaults]\nmax_call_ms = 5\n\n[tenant.acme]\n";
    assert_eq!(
        errors(ONE_COMPONENT, &[("p.toml", policy)]),
        "p.toml:4:2: unknown field `tenant`, expected one of `defaults`, `tenants`, `components`"
    );
}

#[test]
fn out_of_range_value_names_the_field_the_layer_and_its_place() {
    let policy = "[defaults]\ngrants = [\"log\"]\nmax_memory_mib = 0\n";
    assert_eq!(
        errors(ONE_COMPONENT, &[("p.toml", policy)]),
        "p.toml:3:18: max_memory_mib = 0 is out of range (1 to 4096) in defaults"
    );

    let policy = "[tenants.acme]\nmax_call_ms = 600001\n\n[components.a]\ncrash_loop_traps = 0\n";
    assert_eq!(
        errors(ONE_COMPONENT, &[("p.toml", policy)]),
        "p.toml:2:15: max_call_ms = 600001 is out of range (1 to 600000) in tenant acme\n\
         p.toml:5:20: crash_loop_traps = 0 is out of range (1 to 1000) in component a"
    );
}

#[test]
fn every_limit_rejects_a_value_past_its_range() {
    let cases = [
        ("max_memory_mib", 4097, "1 to 4096"),
        ("max_call_ms", 0, "1 to 600000"),
        ("max_output_records", 100_000_001, "1 to 100000000"),
        ("max_output_mib", 0, "1 to 4096"),
        ("restart_backoff_ms", 3_600_001, "0 to 3600000"),
        ("restart_backoff_max_ms", 3_600_001, "0 to 3600000"),
        ("crash_loop_traps", 1001, "1 to 1000"),
        ("crash_loop_window_secs", 0, "1 to 86400"),
    ];
    for (field, value, range) in cases {
        let policy = format!("[defaults]\n{field} = {value}\n");
        let column = field.len() + 4;
        assert_eq!(
            errors(ONE_COMPONENT, &[("p.toml", &policy)]),
            format!("p.toml:2:{column}: {field} = {value} is out of range ({range}) in defaults"),
            "{field}"
        );
    }
}

#[test]
fn values_of_the_wrong_type_are_located() {
    assert_eq!(
        errors(
            ONE_COMPONENT,
            &[("p.toml", "[defaults]\nmax_call_ms = -1\n")]
        ),
        "p.toml:2:15: invalid value: integer `-1`, expected u64"
    );
    assert_eq!(
        errors(
            ONE_COMPONENT,
            &[("p.toml", "[defaults]\nmax_call_ms = \"1s\"\n")]
        ),
        "p.toml:2:15: invalid type: string \"1s\", expected u64"
    );
    assert_eq!(
        errors(
            ONE_COMPONENT,
            &[("p.toml", "[defaults]\ncrash_loop_traps = 5000000000\n")]
        ),
        "p.toml:2:20: invalid value: integer `5000000000`, expected u32"
    );
}

#[test]
fn unknown_capability_is_rejected() {
    let policy = "[defaults]\ngrants = [\"log\", \"net\"]\n";
    assert_eq!(
        errors(ONE_COMPONENT, &[("p.toml", policy)]),
        "p.toml:2:18: grants: unknown capability `net` (known: log, config, clock, environment)"
    );
}

#[test]
fn filesystem_and_sockets_are_never_granted() {
    for name in ["filesystem", "sockets", "network"] {
        let policy = format!("[components.a]\ngrants = [\"{name}\"]\n");
        assert_eq!(
            errors(ONE_COMPONENT, &[("p.toml", &policy)]),
            format!(
                "p.toml:2:11: grants: `{name}` cannot be granted: components never get a \
                 filesystem or sockets (publishers return deliveries and the host sends them)"
            )
        );
    }
}

#[test]
fn capability_names_round_trip() {
    let names: Vec<String> = Capability::ALL.iter().map(ToString::to_string).collect();
    assert_eq!(names, ["log", "config", "clock", "environment"]);
    for capability in Capability::ALL {
        assert_eq!(capability.name().parse::<Capability>(), Ok(capability));
    }
    assert!(
        "Log".parse::<Capability>().is_err(),
        "names are case-sensitive"
    );
}

#[test]
fn env_needs_the_environment_grant() {
    let policy = "[defaults]\ngrants = [\"log\"]\n\n[components.a]\nenv = { TOKEN = \"x\" }\n";
    assert_eq!(
        errors(ONE_COMPONENT, &[("p.toml", policy)]),
        "p.toml:5:7: env is set in component a but `environment` is not granted"
    );

    // Granted in [defaults] but taken away by the tenant, whose components
    // still inherit the env of [defaults]: reported where that env is written.
    let config = "[components.a]\nsource = \"builtin:x\"\ntenant = \"acme\"\n";
    let policy = "[defaults]\ngrants = [\"environment\"]\nenv = { A = \"1\" }\n\n\
                  [tenants.acme]\ngrants = [\"log\"]\n";
    assert_eq!(
        errors(config, &[("p.toml", policy)]),
        "p.toml:3:7: env is set in defaults but `environment` is not granted"
    );

    // Granted: the variables reach the sandbox.
    let policy = "[components.a]\ngrants = [\"environment\"]\nenv = { A = \"1\", B = \"two\" }\n";
    let plan = resolve(ONE_COMPONENT, &[("p.toml", policy)]).expect("valid");
    assert_eq!(
        sandbox(&plan, "a").env,
        BTreeMap::from([
            ("A".to_owned(), "1".to_owned()),
            ("B".to_owned(), "two".to_owned()),
        ])
    );

    // An empty env needs no grant.
    resolve(ONE_COMPONENT, &[("p.toml", "[defaults]\nenv = {}\n")]).expect("valid");
}

#[test]
fn only_the_env_that_takes_effect_needs_the_grant() {
    // [defaults] passes variables to everyone; the tenant takes the grant away
    // and, with `env = {}`, the variables too. The replaced env reaches no
    // third-party component, so it is not an error for them.
    let config = "[components.a]\nsource = \"builtin:x\"\n\n\
                  [components.b]\nsource = \"builtin:x\"\ntenant = \"third-party\"\n";
    let policy = "[defaults]\ngrants = [\"log\", \"environment\"]\nenv = { A = \"1\" }\n\n\
                  [tenants.third-party]\ngrants = [\"log\"]\nenv = {}\n";
    let plan = resolve(config, &[("p.toml", policy)]).expect("valid");
    assert_eq!(sandbox(&plan, "a").env.len(), 1);
    assert_eq!(
        sandbox(&plan, "b").grants,
        grants(&[Capability::Log]),
        "no environment"
    );
    assert!(sandbox(&plan, "b").env.is_empty());

    // Without `env = {}` the tenant inherits the variables it cannot see.
    let policy = policy.replace("env = {}\n", "");
    assert_eq!(
        errors(config, &[("p.toml", &policy)]),
        "p.toml:3:7: env is set in defaults but `environment` is not granted"
    );
}

#[test]
fn an_error_shared_by_many_components_is_reported_once() {
    let config = "[components.a]\nsource = \"builtin:x\"\n\n\
                  [components.b]\nsource = \"builtin:x\"\n";
    let policy = "[defaults]\nenv = { A = \"1\" }\n";
    assert_eq!(
        errors(config, &[("p.toml", policy)]),
        "p.toml:2:7: env is set in defaults but `environment` is not granted"
    );
}

#[test]
fn layers_no_component_uses_are_still_validated() {
    let policy = "[tenants.unused]\nmax_call_ms = 0\n\n[components.absent]\ngrants = [\"disk\"]\n";
    assert_eq!(
        errors(ONE_COMPONENT, &[("p.toml", policy)]),
        "p.toml:2:15: max_call_ms = 0 is out of range (1 to 600000) in tenant unused\n\
         p.toml:5:11: grants: unknown capability `disk` (known: log, config, clock, environment)"
    );
}

#[test]
fn duplicate_tenant_across_files_names_both_places() {
    let config = "[components.a]\nsource = \"builtin:x\"\ntenant = \"acme\"\n";
    let first = "[defaults]\nmax_call_ms = 10\n\n[tenants.acme]\nmax_call_ms = 20\n";
    let second = "# second\n[tenants.acme]\nmax_call_ms = 30\n";
    assert_eq!(
        errors(config, &[("a.toml", first), ("b.toml", second)]),
        "b.toml:2:10: tenants.acme is already defined at a.toml:4:10"
    );
}

#[test]
fn duplicate_defaults_and_components_across_files_are_errors() {
    let first = "[defaults]\nmax_call_ms = 10\n\n[components.a]\nmax_call_ms = 20\n";
    let second = "[components.a]\nmax_call_ms = 30\n\n[defaults]\nmax_call_ms = 40\n";
    assert_eq!(
        errors(ONE_COMPONENT, &[("a.toml", first), ("b.toml", second)]),
        "b.toml:4:1: defaults is already defined at a.toml:1:1\n\
         b.toml:1:13: components.a is already defined at a.toml:4:13"
    );
}

// --- Errors in the agent configuration ------------------------------------------

#[test]
fn undefined_tenant_is_located() {
    let config = "[components.a]\nsource = \"builtin:x\"\ntenant = \"nobody\"\n";
    assert_eq!(
        errors(config, &[("p.toml", "[tenants.acme]\n")]),
        "n.toml:3:10: tenant: `nobody` is not defined in any policy file"
    );
}

#[test]
fn bad_component_source_is_located() {
    let config = "[components.a]\nsource = \"foo\"\n";
    assert_eq!(
        errors(config, &[]),
        "n.toml:2:10: source: `foo` is neither `builtin:NAME` nor `file:PATH` \
         (nor a path ending in .wasm)"
    );
    assert_eq!(
        errors("[components.a]\nsource = \"builtin:\"\n", &[]),
        "n.toml:2:10: source: `builtin:` needs a component name"
    );
    assert_eq!(
        errors("[components.a]\nsource = \"file:\"\n", &[]),
        "n.toml:2:10: source: `file:` is neither `builtin:NAME` nor `file:PATH` \
         (nor a path ending in .wasm)"
    );
}

#[test]
fn sources_resolve_builtins_and_files_against_the_config_directory() {
    let config = "[components.a]\nsource = \"builtin:transform-passthrough\"\n\n\
                  [components.b]\nsource = \"file:plugins/b.wasm\"\n\n\
                  [components.c]\nsource = \"c.wasm\"\n\n\
                  [components.d]\nsource = \"file:/opt/d.wasm\"\n\n\
                  [components.e]\nsource = \"file:../e.component\"\n";
    let plan =
        Plan::resolve(&source("/etc/nephometer/nephometer.toml", config), &[]).expect("valid");
    let spec = |name| plan.component(name).expect(name);
    assert_eq!(
        spec("a").source,
        ComponentSource::Builtin("transform-passthrough".into())
    );
    assert_eq!(
        spec("a").source.to_string(),
        "builtin:transform-passthrough"
    );
    assert_eq!(
        spec("b").source,
        ComponentSource::File("/etc/nephometer/plugins/b.wasm".into())
    );
    assert_eq!(
        spec("b").source.to_string(),
        "file:/etc/nephometer/plugins/b.wasm"
    );
    assert_eq!(
        spec("c").source,
        ComponentSource::File("/etc/nephometer/c.wasm".into()),
        "a bare path ending in .wasm"
    );
    assert_eq!(
        spec("d").source,
        ComponentSource::File("/opt/d.wasm".into()),
        "absolute paths stay"
    );
    assert_eq!(
        spec("e").source,
        ComponentSource::File("/etc/nephometer/../e.component".into()),
        "with `file:` any extension is accepted"
    );
    let location = &spec("b").source_location;
    assert_eq!(location.to_string(), "/etc/nephometer/nephometer.toml:5:10");
}

#[test]
fn component_names_are_checked() {
    assert_eq!(
        errors("[components.Bad]\nsource = \"builtin:x\"\n", &[]),
        "n.toml:1:13: components.Bad: a name is lower-case letters, digits, `-` and `_`"
    );
    for name in ["\"\"", "-a", "_a", "\"a.b\"", "\"a b\"", "\"é\""] {
        let config = format!("[components.{name}]\nsource = \"builtin:x\"\n");
        let text = errors(&config, &[]);
        assert!(
            text.starts_with("n.toml:1:13: components.")
                && text.ends_with("a name is lower-case letters, digits, `-` and `_`"),
            "{name}: {text}"
        );
    }
    let config = "[components.0a]\nsource = \"builtin:x\"\n\n\
                  [components.a-b_c9]\nsource = \"builtin:x\"\n";
    let plan = resolve(config, &[]).expect("valid names");
    let names: Vec<&str> = plan.components.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["0a", "a-b_c9"], "sorted by name");
    assert!(plan.component("zz").is_none());
}

#[test]
fn unknown_config_fields_are_located() {
    assert_eq!(
        errors("polices = \"p\"\n", &[]),
        "n.toml:1:1: unknown field `polices`, expected one of `policies`, `cache_dir`, \
         `components`, `pipeline`, `publisher`, `transformers`, `notification`, `database`, `api`, `polling`"
    );
    assert_eq!(
        errors(
            "[components.a]\nsource = \"builtin:x\"\nconfg = { a = 1 }\n",
            &[]
        ),
        "n.toml:3:1: unknown field `confg`, expected one of `source`, `tenant`, `config`, `files`"
    );
    assert_eq!(
        errors("[components.a]\ntenant = \"x\"\n", &[]),
        "n.toml:1:1: missing field `source`"
    );
}

#[test]
fn syntax_errors_are_located() {
    assert_eq!(
        errors("[components.a\n", &[]),
        "n.toml:1:14: unclosed table, expected `]`"
    );
    // A broken policy file does not hide the errors of the others or of the
    // configuration.
    let config = "[components.a]\nsource = \"builtin:x\"\ntenant = \"acme\"\n";
    let text = errors(
        config,
        &[
            ("p.toml", "[tenants.acme\n"),
            ("q.toml", "[defaults]\nmax_call_ms = 0\n"),
        ],
    );
    assert_eq!(
        text,
        "p.toml:1:14: unclosed table, expected `]`\n\
         q.toml:2:15: max_call_ms = 0 is out of range (1 to 600000) in defaults\n\
         n.toml:3:10: tenant: `acme` is not defined in any policy file"
    );
}

#[test]
fn component_config_becomes_json() {
    let config = "[components.a]\n\
                  source = \"builtin:x\"\n\n\
                  [components.a.config]\n\
                  name = \"edge\"\n\
                  count = 3\n\
                  negative = -7\n\
                  ratio = 0.5\n\
                  enabled = true\n\
                  meters = [\"cpu\", \"memory.usage\"]\n\
                  since = 1979-05-27T07:32:00Z\n\
                  inline = { depth = 2, list = [1, \"two\", { three = 3 }] }\n\n\
                  [components.a.config.table]\n\
                  key = \"value\"\n\
                  deeper = { x = [] }\n";
    let plan = resolve(config, &[]).expect("valid");
    let a = plan.component("a").expect("a");
    assert_eq!(
        serde_json::Value::Object(a.config.clone()),
        json!({
            "name": "edge",
            "count": 3,
            "negative": -7,
            "ratio": 0.5,
            "enabled": true,
            "meters": ["cpu", "memory.usage"],
            "since": "1979-05-27T07:32:00Z",
            "inline": {"depth": 2, "list": [1, "two", {"three": 3}]},
            "table": {"key": "value", "deeper": {"x": []}},
        })
    );
    assert!(a.config["count"].is_i64(), "integers stay integers");
    assert_eq!(a.config["count"].to_string(), "3");

    let plan = resolve(ONE_COMPONENT, &[]).expect("valid");
    assert!(plan.component("a").expect("a").config.is_empty());
}

#[test]
fn several_errors_are_reported_at_once() {
    let policy = "[defaults]\n\
                  max_memory_mib = 0\n\
                  grants = [\"log\", \"sockets\"]\n\n\
                  [tenants.acme]\n\
                  max_call_ms = 700000\n";
    let broken = "[tenants.x]\nbogus = 1\n";
    let config = "[components.Bad]\n\
                  source = \"builtin:x\"\n\n\
                  [components.a]\n\
                  source = \"foo\"\n\n\
                  [components.b]\n\
                  source = \"builtin:b\"\n\
                  tenant = \"nobody\"\n";
    let diagnostics =
        resolve(config, &[("p.toml", policy), ("q.toml", broken)]).expect_err("invalid");
    assert_eq!(diagnostics.0.len(), 7, "{diagnostics}");
    assert_eq!(
        diagnostics.to_string(),
        format!(
            "q.toml:2:1: unknown field `bogus`, expected one of {LIMIT_FIELDS}\n\
             p.toml:2:18: max_memory_mib = 0 is out of range (1 to 4096) in defaults\n\
             p.toml:3:18: grants: `sockets` cannot be granted: components never get a filesystem \
             or sockets (publishers return deliveries and the host sends them)\n\
             p.toml:6:15: max_call_ms = 700000 is out of range (1 to 600000) in tenant acme\n\
             n.toml:1:13: components.Bad: a name is lower-case letters, digits, `-` and `_`\n\
             n.toml:5:10: source: `foo` is neither `builtin:NAME` nor `file:PATH` (nor a path \
             ending in .wasm)\n\
             n.toml:9:10: tenant: `nobody` is not defined in any policy file"
        )
    );
    let first = &diagnostics.0[1];
    assert_eq!(first.location.file, Path::new("p.toml"));
    assert_eq!((first.location.line, first.location.column), (2, 18));
}

// --- Loading from disk ------------------------------------------------------------

fn write(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create directory");
    }
    std::fs::write(path, text).expect("write file");
}

#[test]
fn load_reads_the_policy_directory_in_name_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let config = root.join("nephometer.toml");
    write(
        &config,
        "policies = \"policies\"\ncache_dir = \"cache\"\n\n\
         [components.a]\nsource = \"file:plugins/a.wasm\"\ntenant = \"acme\"\n",
    );
    let policies = root.join("policies");
    // Written out of order; read in name order.
    write(
        &policies.join("b-site.toml"),
        "[tenants.acme]\nmax_call_ms = 250\n\n[components.a]\nmax_memory_mib = 16\n",
    );
    write(
        &policies.join("a-base.toml"),
        "[defaults]\nmax_call_ms = 900\n",
    );
    // Not policy files: other extensions and subdirectories are ignored.
    write(&policies.join("README.md"), "not toml");
    write(&policies.join("old.toml.bak"), "not = [valid");
    write(&policies.join("sub/c.toml"), "not = [valid");

    let plan = Plan::load(&config).expect("valid");
    assert_eq!(plan.config_file, config);
    assert_eq!(plan.policy_dir, Some(policies.clone()));
    assert_eq!(
        plan.policy_files,
        [policies.join("a-base.toml"), policies.join("b-site.toml")]
    );
    assert_eq!(plan.cache_dir, Some(root.join("cache")));
    let a = plan.component("a").expect("a");
    assert_eq!(a.source, ComponentSource::File(root.join("plugins/a.wasm")));
    assert_eq!(a.sandbox.max_call, Duration::from_millis(250));
    assert_eq!(a.sandbox.max_memory_bytes, 16 << 20);
    assert_eq!(
        a.sandbox.applied,
        [
            "built-in defaults".to_owned(),
            format!("defaults ({})", policies.join("a-base.toml").display()),
            format!("tenant acme ({})", policies.join("b-site.toml").display()),
            format!("component a ({})", policies.join("b-site.toml").display()),
        ]
    );
}

#[test]
fn load_reports_a_duplicate_in_the_later_file_by_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("nephometer.toml");
    write(&config, "policies = \"p\"\n");
    let policies = dir.path().join("p");
    write(&policies.join("z.toml"), "[tenants.dup]\n");
    write(&policies.join("a.toml"), "[tenants.dup]\n");
    let errors = Plan::load(&config).expect_err("duplicate").to_string();
    assert_eq!(
        errors,
        format!(
            "{}:1:10: tenants.dup is already defined at {}:1:10",
            policies.join("z.toml").display(),
            policies.join("a.toml").display()
        )
    );
}

#[test]
fn load_without_policies_uses_the_shipped_policy() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("nephometer.toml");
    write(&config, ONE_COMPONENT);
    let plan = Plan::load(&config).expect("valid");
    assert_eq!(plan.policy_dir, None);
    assert_eq!(
        plan.policy_files,
        [PathBuf::from("<embedded>/policies/default.toml")]
    );
    assert_eq!(plan.cache_dir, None);
    assert_eq!(sandbox(&plan, "a").max_memory_bytes, 64 << 20);
}

#[test]
fn load_rejects_an_empty_or_missing_policy_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("nephometer.toml");
    write(&config, "policies = \"policies\"\n");
    let policies = dir.path().join("policies");

    let missing = Plan::load(&config).expect_err("missing").to_string();
    let prefix = format!(
        "{}:1:12: policies: cannot read {}: ",
        config.display(),
        policies.display()
    );
    assert!(missing.starts_with(&prefix), "{missing}");

    write(&policies.join("notes.txt"), "not a policy");
    assert_eq!(
        Plan::load(&config).expect_err("empty").to_string(),
        format!(
            "{}:1:12: policies: {} holds no .toml policy file",
            config.display(),
            policies.display()
        )
    );
}

#[test]
fn load_reports_an_unreadable_config_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("absent.toml");
    let errors = Plan::load(&config).expect_err("missing");
    assert_eq!(errors.0.len(), 1);
    let text = errors.to_string();
    assert!(
        text.starts_with(&format!("{}:1:1: cannot read: ", config.display())),
        "{text}"
    );
}

#[test]
fn files_are_read_into_the_config_and_watched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(&root.join("meters.d/b.yaml"), "b: 2\n");
    write(&root.join("meters.d/a.yml"), "a: 1\n");
    write(&root.join("meters.d/notes.txt"), "ignored");
    write(&root.join("extra.yaml"), "x: 0\n");
    let config = root.join("nephometer.toml");
    write(
        &config,
        "[components.m]\nsource = \"builtin:meter-definitions\"\n\
         config = { other = 1 }\n\
         files = { definitions = [\"meters.d\", \"extra.yaml\"] }\n",
    );
    let plan = Plan::load(&config).expect("valid");
    let m = plan.component("m").expect("m");
    let name = |p: &str| root.join(p).display().to_string();
    assert_eq!(
        serde_json::Value::Object(m.config.clone()),
        json!({
            "other": 1,
            "definitions": [
                {"name": name("meters.d/a.yml"), "text": "a: 1\n"},
                {"name": name("meters.d/b.yaml"), "text": "b: 2\n"},
                {"name": name("extra.yaml"), "text": "x: 0\n"},
            ],
        })
    );
    assert_eq!(m.watched, [root.join("meters.d"), root.to_path_buf()]);

    write(
        &config,
        "[components.m]\nsource = \"builtin:meter-definitions\"\n\
         files = { definitions = [\"missing.yaml\"] }\n",
    );
    let text = Plan::load(&config).expect_err("missing").to_string();
    let prefix = format!(
        "{}:3:25: files.definitions: cannot read {}: ",
        config.display(),
        root.join("missing.yaml").display()
    );
    assert!(text.starts_with(&prefix), "{text}");
}
