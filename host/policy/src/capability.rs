//! Host capabilities a policy can grant to a component.

use std::fmt;
use std::str::FromStr;

/// A host capability. A component that imports the interfaces of a capability
/// it is not granted is refused at load time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Capability {
    /// `nephometer:telemetry/log`: write lines to the agent's log.
    Log,
    /// `nephometer:telemetry/config`: read the component's own configuration.
    Config,
    /// `nephometer:telemetry/clock` and `wasi:clocks/*`: read the time.
    Clock,
    /// The environment variables the policy lists in `env` become visible
    /// through `wasi:cli/environment` (never the agent's own environment).
    /// Without this grant a component's environment is empty.
    Environment,
}

impl Capability {
    /// Every capability, in the order they are documented.
    pub const ALL: [Capability; 4] = [
        Capability::Log,
        Capability::Config,
        Capability::Clock,
        Capability::Environment,
    ];

    /// The name used in policy files.
    pub fn name(self) -> &'static str {
        match self {
            Capability::Log => "log",
            Capability::Config => "config",
            Capability::Clock => "clock",
            Capability::Environment => "environment",
        }
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Capability {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        if let Some(capability) = Capability::ALL.into_iter().find(|c| c.name() == name) {
            return Ok(capability);
        }
        match name {
            "filesystem" | "sockets" | "network" => Err(format!(
                "`{name}` cannot be granted: components never get a filesystem or sockets \
                 (publishers return deliveries and the host sends them)"
            )),
            _ => Err(format!(
                "unknown capability `{name}` (known: log, config, clock, environment)"
            )),
        }
    }
}
