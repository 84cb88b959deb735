//! What a component targets and needs, read from its type before it is ever
//! instantiated: which world it implements, at which contract version, and
//! which host capabilities its imports require.

use std::collections::BTreeSet;
use std::fmt;

use nepho_policy::Capability;
use wasmtime::Engine;
use wasmtime::component::Component;

use crate::bindings::{SERVED_PACKAGE, SERVED_VERSION};

/// The role a component plays, from the interface it exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ComponentKind {
    /// Exports `meter`: notifications to samples.
    MeterDefinition,
    /// Exports `event`: notifications to events.
    EventDefinition,
    /// Exports `transform`: samples to samples.
    Transformer,
    /// Exports `publish`: samples and events to deliveries.
    Publisher,
}

impl ComponentKind {
    /// The world's name in the WIT package.
    pub fn world(self) -> &'static str {
        match self {
            ComponentKind::MeterDefinition => "meter-definition",
            ComponentKind::EventDefinition => "event-definition",
            ComponentKind::Transformer => "transformer",
            ComponentKind::Publisher => "publisher",
        }
    }

    fn from_export(interface: &str) -> Option<Self> {
        match interface {
            "meter" => Some(ComponentKind::MeterDefinition),
            "event" => Some(ComponentKind::EventDefinition),
            "transform" => Some(ComponentKind::Transformer),
            "publish" => Some(ComponentKind::Publisher),
            _ => None,
        }
    }
}

impl fmt::Display for ComponentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.world())
    }
}

/// What an import needs from the host.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ImportNeed {
    /// Inert plumbing every Rust guest links (types, streams, stdio, exit, random).
    Nothing,
    /// A capability the policy must grant.
    Capability(Capability),
    /// Something the sandbox never provides; the reason says what.
    Never(&'static str),
}

/// A component's contract, as read from its type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contract {
    /// Its role.
    pub kind: ComponentKind,
    /// The contract version it targets, for example `0.1.0`.
    pub wit_version: String,
    /// Every export name.
    pub exports: Vec<String>,
    /// Every import name.
    pub imports: Vec<String>,
    /// The capabilities its imports need.
    pub needs: BTreeSet<Capability>,
}

/// Why a component's contract is unacceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContractError {
    /// It targets another version of the contract.
    #[error(
        "this component targets nephometer:telemetry@{targeted} ({item}); this agent serves {SERVED_PACKAGE}"
    )]
    Version {
        /// The version it targets.
        targeted: String,
        /// The export or import that says so.
        item: String,
    },
    /// It exports none of the four worlds' interfaces, or more than one.
    #[error("{0}")]
    World(String),
    /// It imports something no policy can grant or the host does not provide.
    #[error("imports {import}, which {reason}")]
    Forbidden {
        /// The import.
        import: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// It imports a capability its policy does not grant.
    #[error(
        "imports {import}, which needs the `{capability}` capability; its policy grants only [{granted}]"
    )]
    NotGranted {
        /// The import.
        import: String,
        /// The capability needed.
        capability: Capability,
        /// What is granted, comma-separated.
        granted: String,
    },
}

/// Splits `nephometer:telemetry/transform@0.1.0` into `("transform", "0.1.0")`.
fn telemetry_item(name: &str) -> Option<(&str, &str)> {
    name.strip_prefix("nephometer:telemetry/")?.split_once('@')
}

fn classify_import(name: &str) -> ImportNeed {
    let interface = name.split('@').next().unwrap_or(name);
    match interface {
        "nephometer:telemetry/types" => ImportNeed::Nothing,
        "nephometer:telemetry/log" => ImportNeed::Capability(Capability::Log),
        "nephometer:telemetry/config" => ImportNeed::Capability(Capability::Config),
        "nephometer:telemetry/clock" => ImportNeed::Capability(Capability::Clock),
        // Rust's standard library imports the environment whether or not it is
        // used; without the `environment` grant it is simply empty.
        "wasi:cli/environment" => ImportNeed::Nothing,
        "wasi:cli/exit" | "wasi:cli/stdin" | "wasi:cli/stdout" | "wasi:cli/stderr" => {
            ImportNeed::Nothing
        }
        i if i.starts_with("wasi:cli/terminal-") => ImportNeed::Nothing,
        i if i.starts_with("wasi:io/") || i.starts_with("wasi:random/") => ImportNeed::Nothing,
        i if i.starts_with("wasi:clocks/") => ImportNeed::Capability(Capability::Clock),
        i if i.starts_with("wasi:filesystem/") => {
            ImportNeed::Never("the sandbox never grants: components get no filesystem")
        }
        i if i.starts_with("wasi:sockets/") || i.starts_with("wasi:http/") => ImportNeed::Never(
            "the sandbox never grants: components get no sockets (the host delivers what publishers encode)",
        ),
        _ => ImportNeed::Never("this host does not provide"),
    }
}

impl Contract {
    /// Reads the contract of `component` and checks its version and world.
    pub fn read(engine: &Engine, component: &Component) -> Result<Contract, ContractError> {
        let ty = component.component_type();
        let exports: Vec<String> = ty
            .exports(engine)
            .map(|(name, _)| name.to_owned())
            .collect();
        let imports: Vec<String> = ty
            .imports(engine)
            .map(|(name, _)| name.to_owned())
            .collect();
        for item in exports.iter().chain(&imports) {
            if let Some((_, version)) = telemetry_item(item)
                && version != SERVED_VERSION
            {
                return Err(ContractError::Version {
                    targeted: version.to_owned(),
                    item: item.clone(),
                });
            }
        }
        let kinds: Vec<ComponentKind> = exports
            .iter()
            .filter_map(|e| {
                telemetry_item(e).and_then(|(interface, _)| ComponentKind::from_export(interface))
            })
            .collect();
        let kind = match kinds.as_slice() {
            [kind] => *kind,
            [] => {
                return Err(ContractError::World(format!(
                    "exports none of {SERVED_PACKAGE}'s meter, event, transform or publish interfaces \
                     (it exports: {})",
                    if exports.is_empty() {
                        "nothing".to_owned()
                    } else {
                        exports.join(", ")
                    }
                )));
            }
            _ => {
                return Err(ContractError::World(format!(
                    "exports several roles at once ({}); a component targets exactly one world",
                    exports.join(", ")
                )));
            }
        };
        let mut needs = BTreeSet::new();
        for import in &imports {
            match classify_import(import) {
                ImportNeed::Nothing => {}
                ImportNeed::Capability(capability) => {
                    needs.insert(capability);
                }
                ImportNeed::Never(reason) => {
                    return Err(ContractError::Forbidden {
                        import: import.clone(),
                        reason,
                    });
                }
            }
        }
        Ok(Contract {
            kind,
            wit_version: SERVED_VERSION.to_owned(),
            exports,
            imports,
            needs,
        })
    }

    /// Checks that `granted` covers every capability the imports need.
    pub fn check_grants(&self, granted: &BTreeSet<Capability>) -> Result<(), ContractError> {
        for import in &self.imports {
            if let ImportNeed::Capability(capability) = classify_import(import)
                && !granted.contains(&capability)
            {
                let granted = granted
                    .iter()
                    .map(|c| c.name())
                    .collect::<Vec<_>>()
                    .join(", ");
                return Err(ContractError::NotGranted {
                    import: import.clone(),
                    capability,
                    granted,
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imports_are_classified_by_interface() {
        assert_eq!(
            classify_import("wasi:io/streams@0.2.6"),
            ImportNeed::Nothing
        );
        assert_eq!(
            classify_import("wasi:clocks/wall-clock@0.2.6"),
            ImportNeed::Capability(Capability::Clock)
        );
        assert_eq!(
            classify_import("nephometer:telemetry/log@0.1.0"),
            ImportNeed::Capability(Capability::Log)
        );
        assert!(matches!(
            classify_import("wasi:filesystem/preopens@0.2.6"),
            ImportNeed::Never(_)
        ));
        assert!(matches!(
            classify_import("wasi:sockets/tcp@0.2.6"),
            ImportNeed::Never(_)
        ));
        assert!(matches!(
            classify_import("acme:secret/thing"),
            ImportNeed::Never(_)
        ));
    }
}
