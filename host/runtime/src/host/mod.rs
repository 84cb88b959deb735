//! The host side of the sandbox: the state each component's store holds, and
//! the implementations of the imports the contract offers (`log`, `config`,
//! `clock`) plus the inert WASI plumbing every Rust guest imports.

mod imports;
mod limiter;
mod state;

pub(crate) use state::HostState;
