//! Nephometer's component runtime.
//!
//! One [`Runtime`] per process holds the wasmtime engine (epoch interruption
//! on, component-model concurrency off), the linker with the host imports, and
//! the cache of compiled components. A [`ComponentSet`] holds the running
//! components of a [`nephometer_policy::Plan`](nepho_policy::Plan): each is
//! compiled off the hot path, checked against the contract version and its
//! policy's grants, pre-linked, and served by one supervised instance that is
//! re-created after a trap. [`ReloadWatcher`] reloads the set when the
//! configuration, policies or component files change.

pub mod batch;
pub mod bindings;
mod cache;
mod component;
mod contract;
mod engine;
mod error;
mod host;
mod set;
mod watch;

pub use batch::{NotificationBatchBuilder, OwnedSample, SampleBatchBuilder};
pub use cache::digest;
pub use component::LoadedComponent;
pub use contract::{ComponentKind, Contract, ContractError};
pub use engine::{Builtin, EPOCH_TICK, Runtime, RuntimeConfig};
pub use error::{CallError, LoadError, LoadFailure};
pub use set::{ComponentSet, ReloadError, ReloadReport};
pub use watch::{Reload, ReloadOutcome, ReloadWatcher, reload_from};
