//! Ceilometer's polling agent (`ceilometer-polling`), natively.
//!
//! [`pollster`] is the contract every pollster and discovery implements
//! (the compute and host pollsters here, the SNMP and IPMI pollsters in
//! `nepho-hardware`); [`Registry`] groups them by namespace as Ceilometer's
//! stevedore namespaces `ceilometer.poll.<namespace>` and
//! `ceilometer.discover.<namespace>` do.

mod cycle_cache;
pub mod pollster;
mod registry;

pub use cycle_cache::CycleCache;
pub use pollster::{
    Discovery, Polled, PolledSample, Pollster, Resource, ResourceFailure, SampleType,
};
pub use registry::{CENTRAL, COMPUTE, IPMI, Registry, Selection};
