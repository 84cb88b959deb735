//! SNMP hardware pollsters (Ceilometer ≤ 17.0.0 `ceilometer/hardware/`):
//! the meters of snmp.yaml read from `snmp://` resources over SNMPv2c or
//! SNMPv3 (USM authentication and privacy).
//!
//! Per cycle each host is read once ([`read::read_host`]: GETs of every
//! scalar OID the definitions name, one GETBULK walk of every column) and
//! the snapshot is shared through the cycle cache by all the pollsters,
//! which only turn it into samples ([`samples::samples`]).

pub mod client;
pub mod converter;
pub mod definitions;
mod locate;
pub mod oid;
pub mod pollster;
pub mod post_op;
pub mod read;
pub mod samples;
pub mod snapshot;
pub mod url;
pub mod value;

pub use client::{ClientSettings, SnmpError};
pub use definitions::{DefinitionError, Loaded, MeterDefinition};
pub use pollster::{SnmpPollster, SnmpShared};
