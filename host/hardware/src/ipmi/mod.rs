//! IPMI sensor pollsters (Ceilometer master `ceilometer/ipmi/`): the
//! temperature, current, fan, voltage and power sensors read by running
//! `ipmitool` ([`tool`]) and parsing its output ([`parse`]).

pub mod parse;
pub mod pollster;
pub mod tool;

pub use pollster::{IpmiShared, LocalNode, METRICS, Metric, SensorPollster};
pub use tool::IpmiTool;
