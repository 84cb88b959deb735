//! Errors of loading components and of calling them.

use std::time::Duration;

use nepho_policy::{ComponentSource, Location};

use crate::batch::OutputError;
use crate::contract::ContractError;

/// Why a component could not be loaded. Its display names the configuration
/// file and line where the component is declared.
#[derive(Debug, thiserror::Error)]
#[error("{location}: component `{name}` ({source_name}): {reason}")]
pub struct LoadError {
    /// Where the component's `source` is written.
    pub location: Location,
    /// The component's name.
    pub name: String,
    /// Its source.
    pub source_name: ComponentSource,
    /// What went wrong.
    pub reason: LoadFailure,
}

/// The ways loading fails.
#[derive(Debug, thiserror::Error)]
pub enum LoadFailure {
    /// No built-in component has that name.
    #[error("no built-in component is called `{name}` (built-ins: {known})")]
    UnknownBuiltin {
        /// The name asked for.
        name: String,
        /// The built-in names.
        known: String,
    },
    /// The file cannot be read.
    #[error("cannot read the component file: {0}")]
    Read(#[from] std::io::Error),
    /// The bytes are not a valid component, or do not compile.
    #[error("not a valid WebAssembly component: {0:#}")]
    Compile(wasmtime::Error),
    /// The component's contract is unacceptable.
    #[error("refused: {0}")]
    Contract(#[from] ContractError),
    /// Pre-linking or the first instantiation failed.
    #[error("cannot instantiate: {0:#}")]
    Instantiate(wasmtime::Error),
    /// The component rejected its configuration in `init`.
    #[error("rejected its configuration: {0}")]
    Config(String),
    /// A publisher's destination is not granted, or cannot be opened.
    #[error("publisher: {0}")]
    Publisher(String),
}

/// Why a call into a component produced no result.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CallError {
    /// The instance trapped (panic, memory cap, time limit, ...) and was dropped;
    /// a new one is made from the pre-linked template after `restart_in`.
    #[error("component `{component}` {reason}; restarting in {restart_in:?}")]
    Trapped {
        /// The component.
        component: String,
        /// What happened, in words.
        reason: String,
        /// When the next instance will be made.
        restart_in: Duration,
    },
    /// The component is waiting out its restart backoff.
    #[error("component `{component}` is restarting after a trap (ready in {ready_in:?})")]
    BackingOff {
        /// The component.
        component: String,
        /// Time left.
        ready_in: Duration,
    },
    /// The crash-loop breaker is open: the component stays stopped until reloaded.
    #[error(
        "component `{component}` is stopped: {traps} traps within {window:?}; fix it and reload"
    )]
    CrashLoop {
        /// The component.
        component: String,
        /// Traps counted.
        traps: u32,
        /// The window they fell in.
        window: Duration,
    },
    /// The component returned output its policy does not allow; it was discarded.
    #[error("component `{component}` {error}; output discarded")]
    Output {
        /// The component.
        component: String,
        /// What was wrong.
        #[source]
        error: OutputError,
    },
    /// The component reported an error for this batch (not a trap).
    #[error("component `{component}` reported: {message}")]
    Reported {
        /// The component.
        component: String,
        /// Its message.
        message: String,
    },
    /// The component has another role than the call needs.
    #[error("component `{component}` is a {actual}, not a {wanted}")]
    WrongKind {
        /// The component.
        component: String,
        /// Its role.
        actual: crate::ComponentKind,
        /// The role the call needs.
        wanted: crate::ComponentKind,
    },
    /// No component by that name is running.
    #[error("no component called `{0}` is running")]
    Unknown(String),
}
