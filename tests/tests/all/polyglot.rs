//! Transformers written in Python (componentize-py) and JavaScript
//! (componentize-js), built by `guests/polyglot/build.sh`, load through the
//! real runtime under the shipped default policy and transform exactly as
//! described; a bad configuration is refused at `init`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use nepho_policy::Capability;
use nepho_runtime::bindings::SampleBatch;
use nepho_runtime::{ComponentKind, ComponentSet, OwnedSample};

use crate::support::{Site, runtime, sample};

/// The shipped default policy: the components must load with its grants.
const DEFAULT_POLICY: &str = nepho_policy::DEFAULT_POLICY;

/// The two languages, with the file name `build.sh` gives each component.
const LANGUAGES: [&str; 2] = ["python-scale", "js-scale"];

/// Runs `guests/polyglot/build.sh` once per test process and returns the
/// directory holding `python-scale.wasm` and `js-scale.wasm`.
fn built_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../guests/polyglot/build.sh");
        let output = Command::new("bash")
            .arg(&script)
            .output()
            .expect("bash runs");
        assert!(
            output.status.success(),
            "{} failed ({}):\n{}",
            script.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        let stdout = String::from_utf8(output.stdout).expect("UTF-8 paths");
        let first = stdout.lines().next().expect("build.sh prints the paths");
        Path::new(first).parent().expect("a directory").to_owned()
    })
}

/// A site running `language` as `scale` with `parameters` (a TOML inline table
/// or `None`), under the default policy.
fn site(language: &str, parameters: Option<&str>) -> Site {
    let wasm = std::fs::read(built_dir().join(format!("{language}.wasm"))).expect("built");
    let config = parameters.map_or(String::new(), |p| {
        format!("config = {{ parameters = {p} }}\n")
    });
    let site = Site::new_deferred(
        &format!("[components.scale]\nsource = \"file:{language}.wasm\"\n{config}"),
        DEFAULT_POLICY,
    );
    site.install(&format!("{language}.wasm"), &wasm);
    site
}

fn start(site: &Site) -> Result<ComponentSet, String> {
    ComponentSet::start(runtime(), site.plan()).map_err(|e| e.to_string())
}

/// Samples with varied fields: no user, non-ASCII metadata, large volumes.
fn input() -> Vec<OwnedSample> {
    let mut samples: Vec<OwnedSample> = (0..5).map(|i| sample("cpu", i)).collect();
    samples[1].user_id = None;
    samples[2].resource_metadata = r#"{"display_name":"réseau-✓","n":[1,2]}"#.to_owned();
    samples[3].volume = 123_456_789_012.0;
    samples[4].monotonic_time = None;
    samples
}

#[test]
fn both_load_under_the_default_policy_without_forbidden_imports() {
    for language in LANGUAGES {
        let site = site(language, Some("{ target = { scale = 1 } }"));
        let set = start(&site).unwrap_or_else(|e| panic!("{language} does not load:\n{e}"));
        let contract = &set.get("scale").expect("running").contract;
        assert_eq!(contract.kind, ComponentKind::Transformer, "{language}");
        for import in &contract.imports {
            assert!(
                !["wasi:http/", "wasi:filesystem/", "wasi:sockets/"]
                    .iter()
                    .any(|p| import.starts_with(p)),
                "{language} imports {import}"
            );
        }
        let granted = [Capability::Log, Capability::Config, Capability::Clock];
        assert!(
            contract.needs.iter().all(|c| granted.contains(c)),
            "{language} needs {:?}",
            contract.needs
        );
    }
}

#[test]
fn both_rename_set_the_unit_and_scale_exactly() {
    let samples = input();
    let batch = SampleBatch::from_samples(&samples);
    for language in LANGUAGES {
        let site = site(
            language,
            Some(r#"{ target = { name = "cpu.time", unit = "µs", scale = 0.001 } }"#),
        );
        let set = start(&site).unwrap_or_else(|e| panic!("{language} does not load:\n{e}"));
        let output = set
            .transform("scale", &batch)
            .unwrap_or_else(|e| panic!("{language}: {e}"));
        let expected: Vec<OwnedSample> = samples
            .iter()
            .map(|s| OwnedSample {
                name: "cpu.time".to_owned(),
                unit: "µs".to_owned(),
                volume: s.volume * 0.001,
                ..s.clone()
            })
            .collect();
        assert_eq!(output.to_owned_samples(), expected, "{language}");
        assert_eq!(
            output.text.len(),
            batch.text.len() + "cpu.time".len() + "µs".len(),
            "{language} appends each new string to the arena once"
        );
        assert_eq!(
            output.text[..batch.text.len()],
            batch.text[..],
            "{language}"
        );

        let empty = set
            .transform("scale", &SampleBatch::empty())
            .expect("empty");
        assert!(empty.samples.is_empty(), "{language}");
        assert!(set.flush("scale").expect("flush").samples.is_empty());
    }
}

#[test]
fn a_target_without_name_or_unit_only_scales() {
    let samples = input();
    let batch = SampleBatch::from_samples(&samples);
    for language in LANGUAGES {
        let site = site(language, Some("{ target = { scale = -2.5 } }"));
        let set = start(&site).unwrap_or_else(|e| panic!("{language} does not load:\n{e}"));
        let output = set.transform("scale", &batch).expect("transform");
        let expected: Vec<OwnedSample> = samples
            .iter()
            .map(|s| OwnedSample {
                volume: s.volume * -2.5,
                ..s.clone()
            })
            .collect();
        assert_eq!(output.to_owned_samples(), expected, "{language}");
    }
}

#[test]
fn a_bad_configuration_is_refused_at_init_naming_the_key() {
    let cases = [
        (
            Some(r#"{ target = { name = "x", scale = "a lot" } }"#),
            r#"invalid configuration: parameters.target.scale must be a number, not "a lot""#,
        ),
        (
            Some(r#"{ target = { name = "" } }"#),
            r#"invalid configuration: parameters.target.name must be a non-empty string, not """#,
        ),
        (
            Some(r#"{ target = { nmae = "x" } }"#),
            "invalid configuration: parameters.target: unknown key 'nmae'",
        ),
        (
            Some("{ scale = 2 }"),
            "invalid configuration: parameters.target: missing or not an object",
        ),
        (None, "invalid configuration: parameters: missing"),
    ];
    for language in LANGUAGES {
        for (parameters, expected) in cases {
            let error = start(&site(language, parameters))
                .err()
                .unwrap_or_else(|| panic!("{language} accepted {parameters:?}"));
            assert!(
                error.contains("component `scale`")
                    && error.contains(&format!("rejected its configuration: {expected}")),
                "{language}, {parameters:?}:\n{error}"
            );
        }
    }
}

#[test]
fn the_third_party_tenant_needs_to_grant_the_clock_and_then_fits_them() {
    let tenant_config = |language: &str| {
        format!(
            "[components.scale]\nsource = \"file:{language}.wasm\"\ntenant = \"third-party\"\n\
             config = {{ parameters = {{ target = {{ scale = 2 }} }} }}\n"
        )
    };
    let batch = SampleBatch::from_samples(&input());
    for language in LANGUAGES {
        let wasm = std::fs::read(built_dir().join(format!("{language}.wasm"))).expect("built");
        let site = Site::new(&tenant_config(language), DEFAULT_POLICY);
        site.install(&format!("{language}.wasm"), &wasm);
        let error = start(&site)
            .err()
            .unwrap_or_else(|| panic!("{language} loaded without `clock`"));
        assert!(
            error.contains("needs the `clock` capability; its policy grants only [log, config]"),
            "{language}:\n{error}"
        );

        // Granted the clock, it runs within the tenant's 32 MiB and 500 ms.
        site.write_policy(&format!(
            "{DEFAULT_POLICY}\n[components.scale]\ngrants = [\"log\", \"config\", \"clock\"]\n"
        ));
        let set = start(&site).unwrap_or_else(|e| panic!("{language} does not load:\n{e}"));
        let output = set.transform("scale", &batch).expect("transform");
        assert_eq!(output.samples.len(), batch.samples.len(), "{language}");
    }
}
