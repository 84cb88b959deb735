//! Resolution of the agent configuration and the policy files into a [`Plan`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::agent_config::{
    ComponentSource, ComponentSpec, RawAgentConfig, toml_to_json, valid_name,
};
use crate::diagnostic::{Diagnostic, Diagnostics, Location, parse_toml};
use crate::pipelines::{PipelineContext, Pipelines};
use crate::sandbox::{Layer, RawLimits, Sandbox};

/// The text of one configuration or policy file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigSource {
    /// Its path (for embedded defaults, a descriptive path such as `<embedded>/nephometer.toml`).
    pub path: PathBuf,
    /// Its contents.
    pub text: String,
}

impl ConfigSource {
    /// Reads a file.
    pub fn read(path: &Path) -> Result<Self, Diagnostic> {
        std::fs::read_to_string(path)
            .map(|text| ConfigSource {
                path: path.to_path_buf(),
                text,
            })
            .map_err(|error| Diagnostic::new(Location::file(path), format!("cannot read: {error}")))
    }

    /// Text that ships inside the binary.
    pub fn embedded(name: &str, text: &str) -> Self {
        ConfigSource {
            path: Path::new("<embedded>").join(name),
            text: text.to_owned(),
        }
    }
}

/// A policy file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicyFile {
    defaults: Option<Spanned<RawLimits>>,
    #[serde(default)]
    tenants: BTreeMap<Spanned<String>, RawLimits>,
    #[serde(default)]
    components: BTreeMap<Spanned<String>, RawLimits>,
}

/// Everything the agent runs, validated: the output of configuration loading
/// and the input of the runtime. Loading a new plan and diffing it against the
/// running one is how reload works.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The agent configuration file.
    pub config_file: PathBuf,
    /// The policy directory, if the policies came from files.
    pub policy_dir: Option<PathBuf>,
    /// The policy files, in the order they were read.
    pub policy_files: Vec<PathBuf>,
    /// Where compiled components are cached, if configured.
    pub cache_dir: Option<PathBuf>,
    /// The components, sorted by name: those configured, then those the
    /// pipeline files need.
    pub components: Vec<ComponentSpec>,
    /// The pipeline files and publishing options.
    pub pipelines: Pipelines,
    /// The notification consumer (`[notification]`), if configured.
    pub notification: Option<crate::NotificationConfig>,
    /// The metering database and its retention (`[database]`), if configured.
    pub database: Option<crate::DatabaseConfig>,
    /// The REST API (`[api]`), if configured.
    pub api: Option<crate::ApiConfig>,
    /// The polling agent (`[polling]`), if configured.
    pub polling: Option<crate::PollingAgentConfig>,
}

struct ParsedPolicy<'a> {
    source: &'a ConfigSource,
    raw: RawPolicyFile,
}

impl Plan {
    /// Loads the agent configuration at `config_path` and the policy files it names.
    /// Without a `policies` key the shipped default policy applies.
    pub fn load(config_path: &Path) -> Result<Plan, Diagnostics> {
        let config = ConfigSource::read(config_path)?;
        let raw: RawAgentConfig = parse_toml(&config.path, &config.text)?;
        let base = config_path.parent().unwrap_or(Path::new("."));
        let (policies, policy_dir) = match &raw.policies {
            Some(dir) => {
                let dir_path = base.join(dir.get_ref());
                (read_policy_dir(&dir_path, &config, dir)?, Some(dir_path))
            }
            None => (
                vec![ConfigSource::embedded(
                    "policies/default.toml",
                    crate::DEFAULT_POLICY,
                )],
                None,
            ),
        };
        let mut plan = Plan::resolve(&config, &policies)?;
        plan.policy_dir = policy_dir;
        Ok(plan)
    }

    /// Validates `config` against `policies` and resolves every component's sandbox.
    /// File sources in `config` resolve against its directory.
    pub fn resolve(config: &ConfigSource, policies: &[ConfigSource]) -> Result<Plan, Diagnostics> {
        let raw: RawAgentConfig = parse_toml(&config.path, &config.text)?;
        let mut errors = Diagnostics::default();
        let parsed: Vec<ParsedPolicy<'_>> = policies
            .iter()
            .filter_map(|source| match parse_toml(&source.path, &source.text) {
                Ok(raw) => Some(ParsedPolicy { source, raw }),
                Err(diagnostic) => {
                    errors.push(diagnostic);
                    None
                }
            })
            .collect();
        let layers = PolicyLayers::collect(&parsed, &mut errors);
        let base = config.path.parent().unwrap_or(Path::new("."));
        let mut components = Vec::new();
        for (name, component) in &raw.components {
            let at = |span| Location::of_span(&config.path, &config.text, span);
            if !valid_name(name.get_ref()) {
                errors.push(Diagnostic::new(
                    at(name.span()),
                    format!(
                        "components.{}: a name is lower-case letters, digits, `-` and `_`",
                        name.get_ref()
                    ),
                ));
                continue;
            }
            let source = match ComponentSource::parse(component.source.get_ref(), base) {
                Ok(source) => source,
                Err(message) => {
                    errors.push(Diagnostic::new(at(component.source.span()), message));
                    continue;
                }
            };
            let tenant = component.tenant.as_ref().map(|t| t.get_ref().clone());
            if let Some(t) = &component.tenant
                && !layers.tenants.contains_key(t.get_ref())
            {
                errors.push(Diagnostic::new(
                    at(t.span()),
                    format!(
                        "tenant: `{}` is not defined in any policy file",
                        t.get_ref()
                    ),
                ));
            }
            let sandbox = layers.sandbox_for(name.get_ref(), tenant.as_deref(), &mut errors);
            let mut config: serde_json::Map<String, serde_json::Value> = component
                .config
                .iter()
                .map(|(k, v)| (k.clone(), toml_to_json(v)))
                .collect();
            let mut watched = Vec::new();
            for (key, paths) in &component.files {
                match crate::files::read_listed(base, paths.get_ref()) {
                    Ok((files, dirs)) => {
                        config.insert(key.clone(), files);
                        watched.extend(dirs);
                    }
                    Err(message) => errors.push(Diagnostic::new(
                        at(paths.span()),
                        format!("files.{key}: {message}"),
                    )),
                }
            }
            components.push(ComponentSpec {
                name: name.get_ref().clone(),
                source,
                source_location: at(component.source.span()),
                tenant,
                config,
                sandbox,
                watched,
            });
        }
        let (pipelines, generated) = {
            let mut sandbox_for = |name: &str, tenant: Option<&str>, errors: &mut Diagnostics| {
                layers.sandbox_for(name, tenant, errors)
            };
            let tenant_known = |tenant: &str| layers.tenants.contains_key(tenant);
            let mut cx = PipelineContext {
                config,
                base,
                sandbox_for: &mut sandbox_for,
                tenant_known: &tenant_known,
                database: raw
                    .database
                    .as_ref()
                    .map(|d| d.connection.get_ref().clone()),
            };
            crate::pipelines::resolve(&raw, &mut cx, &mut errors)
        };
        components.extend(generated);
        let notification = raw.notification.as_ref().map(|table| {
            let names: Vec<String> = components.iter().map(|c| c.name.clone()).collect();
            crate::notification::resolve(table, config, &names, &mut errors)
        });
        let database = raw
            .database
            .as_ref()
            .map(|table| crate::database::resolve(table, config, &mut errors));
        let api = raw
            .api
            .as_ref()
            .map(|table| crate::api::resolve(table, config, raw.database.is_some(), &mut errors));
        let polling = raw
            .polling
            .as_ref()
            .map(|table| crate::polling::resolve(table, config, base, &mut errors));
        let plan = Plan {
            config_file: config.path.clone(),
            policy_dir: None,
            policy_files: policies.iter().map(|p| p.path.clone()).collect(),
            cache_dir: raw.cache_dir.clone().map(|dir| base.join(dir)),
            components,
            pipelines,
            notification,
            database,
            api,
            polling,
        };
        errors.dedup();
        errors.into_result(plan)
    }

    /// The component called `name`.
    pub fn component(&self, name: &str) -> Option<&ComponentSpec> {
        self.components.iter().find(|c| c.name == name)
    }
}

fn read_policy_dir(
    dir: &Path,
    config: &ConfigSource,
    key: &Spanned<String>,
) -> Result<Vec<ConfigSource>, Diagnostics> {
    let key_location = Location::of_span(&config.path, &config.text, key.span());
    let entries = std::fs::read_dir(dir).map_err(|error| {
        Diagnostic::new(
            key_location.clone(),
            format!("policies: cannot read {}: {error}", dir.display()),
        )
    })?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(Diagnostic::new(
            key_location,
            format!("policies: {} holds no .toml policy file", dir.display()),
        )
        .into());
    }
    let mut errors = Diagnostics::default();
    let mut sources = Vec::new();
    for path in paths {
        match ConfigSource::read(&path) {
            Ok(source) => sources.push(source),
            Err(diagnostic) => errors.push(diagnostic),
        }
    }
    errors.into_result(sources)
}

/// Every layer of every policy file, indexed.
struct PolicyLayers<'a> {
    defaults: Option<Layer<'a>>,
    tenants: BTreeMap<String, Layer<'a>>,
    components: BTreeMap<String, Layer<'a>>,
}

/// Records that `key` is defined at `location`; false (with an error) if it already was.
fn first_definition(
    seen: &mut BTreeMap<String, Location>,
    key: String,
    location: Location,
    errors: &mut Diagnostics,
) -> bool {
    if let Some(first) = seen.get(&key) {
        errors.push(Diagnostic::new(
            location,
            format!("{key} is already defined at {first}"),
        ));
        return false;
    }
    seen.insert(key, location);
    true
}

impl<'a> PolicyLayers<'a> {
    /// Indexes the layers of every file and validates each layer once.
    fn collect(parsed: &'a [ParsedPolicy<'a>], errors: &mut Diagnostics) -> Self {
        let mut layers = PolicyLayers {
            defaults: None,
            tenants: BTreeMap::new(),
            components: BTreeMap::new(),
        };
        let mut seen: BTreeMap<String, Location> = BTreeMap::new();
        for policy in parsed {
            let file = policy.source.path.as_path();
            let text = policy.source.text.as_str();
            let at = |span| Location::of_span(file, text, span);
            if let Some(defaults) = &policy.raw.defaults
                && first_definition(&mut seen, "defaults".into(), at(defaults.span()), errors)
            {
                let limits = defaults.get_ref();
                layers.defaults = Some(Layer {
                    label: "defaults".into(),
                    file,
                    source: text,
                    limits,
                });
            }
            for (name, limits) in &policy.raw.tenants {
                let key = format!("tenants.{}", name.get_ref());
                if first_definition(&mut seen, key, at(name.span()), errors) {
                    let label = format!("tenant {}", name.get_ref());
                    let layer = Layer {
                        label,
                        file,
                        source: text,
                        limits,
                    };
                    layers.tenants.insert(name.get_ref().clone(), layer);
                }
            }
            for (name, limits) in &policy.raw.components {
                let key = format!("components.{}", name.get_ref());
                if first_definition(&mut seen, key, at(name.span()), errors) {
                    let label = format!("component {}", name.get_ref());
                    let layer = Layer {
                        label,
                        file,
                        source: text,
                        limits,
                    };
                    layers.components.insert(name.get_ref().clone(), layer);
                }
            }
        }
        let all = layers
            .defaults
            .iter()
            .chain(layers.tenants.values())
            .chain(layers.components.values());
        for layer in all {
            layer.apply(&mut Sandbox::default(), errors);
        }
        layers
    }

    fn sandbox_for(
        &self,
        component: &str,
        tenant: Option<&str>,
        errors: &mut Diagnostics,
    ) -> Sandbox {
        let mut sandbox = Sandbox::default();
        let chain: Vec<&Layer<'_>> = [
            self.defaults.as_ref(),
            tenant.and_then(|t| self.tenants.get(t)),
            self.components.get(component),
        ]
        .into_iter()
        .flatten()
        .collect();
        // Each layer's own errors were reported once by `collect`.
        let mut already_reported = Diagnostics::default();
        for layer in &chain {
            layer.apply(&mut sandbox, &mut already_reported);
        }
        // Only the most specific `env` reaches the component; the ones it
        // replaced need no grant.
        if let Some(layer) = chain.iter().rev().find(|layer| layer.sets_env()) {
            layer.check_env_grant(&sandbox, errors);
        }
        sandbox
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::Capability;

    fn source(path: &str, text: &str) -> ConfigSource {
        ConfigSource {
            path: PathBuf::from(path),
            text: text.to_owned(),
        }
    }

    const CONFIG: &str = "[components.a]\nsource = \"builtin:x\"\ntenant = \"acme\"\n\n\
                          [components.b]\nsource = \"file:b.wasm\"\nconfig = { tag = \"t\", n = [1, 2] }\n";

    #[test]
    fn layers_apply_from_defaults_to_tenant_to_component() {
        let policy = "[defaults]\nmax_memory_mib = 48\nmax_call_ms = 900\n\n\
                      [tenants.acme]\nmax_call_ms = 300\ngrants = [\"log\"]\n\n\
                      [components.a]\nmax_output_records = 7\n";
        let plan = Plan::resolve(
            &source("/etc/n/n.toml", CONFIG),
            &[source("p.toml", policy)],
        )
        .expect("valid");
        let a = &plan.component("a").expect("a").sandbox;
        assert_eq!(a.max_memory_bytes, 48 << 20, "from defaults");
        assert_eq!(
            a.max_call,
            Duration::from_millis(300),
            "the tenant overrides defaults"
        );
        assert_eq!(a.max_output_records, 7, "the component overrides the rest");
        assert_eq!(
            a.grants,
            [Capability::Log].into(),
            "grants replace, not merge"
        );
        assert_eq!(a.applied.len(), 4, "{:?}", a.applied);
        let b = plan.component("b").expect("b");
        assert_eq!(b.sandbox.max_call, Duration::from_millis(900));
        assert_eq!(
            b.source,
            ComponentSource::File(PathBuf::from("/etc/n/b.wasm")),
            "relative to the config file"
        );
        assert_eq!(
            serde_json::Value::Object(b.config.clone()),
            serde_json::json!({"tag": "t", "n": [1, 2]})
        );
    }

    #[test]
    fn every_error_is_reported_with_its_place() {
        let policy = "[defaults]\nmax_call_ms = 0\nbogus = 1\n";
        let other = "[tenants.acme]\n[tenants.acme2]\n";
        let errors = Plan::resolve(
            &source("n.toml", "[components.A]\nsource = \"x\"\n"),
            &[source("p.toml", policy), source("q.toml", other)],
        )
        .expect_err("invalid");
        let text = errors.to_string();
        assert!(text.contains("p.toml:3:1: unknown field `bogus`"), "{text}");
        assert!(
            text.contains("n.toml:1:13: components.A: a name is lower-case"),
            "{text}"
        );

        let errors = Plan::resolve(
            &source("n.toml", CONFIG),
            &[
                source("p.toml", "[defaults]\nmax_call_ms = 0\n[tenants.acme]\n"),
                source("q.toml", "[tenants.acme]\n"),
            ],
        )
        .expect_err("invalid")
        .to_string();
        assert!(
            errors
                .contains("p.toml:2:15: max_call_ms = 0 is out of range (1 to 600000) in defaults"),
            "{errors}"
        );
        assert!(
            errors.contains("q.toml:1:10: tenants.acme is already defined at p.toml:3:10"),
            "{errors}"
        );
        assert_eq!(
            errors.matches("max_call_ms = 0").count(),
            1,
            "a layer's error is reported once:\n{errors}"
        );
    }

    #[test]
    fn env_needs_the_environment_grant() {
        let policy = "[defaults]\nenv = { A = \"1\" }\n";
        let errors = Plan::resolve(
            &source("n.toml", CONFIG),
            &[
                source("p.toml", policy),
                source("t.toml", "[tenants.acme]\n"),
            ],
        )
        .expect_err("invalid")
        .to_string();
        assert!(
            errors.contains("p.toml:2:7: env is set in defaults but `environment` is not granted"),
            "{errors}"
        );
    }
}
