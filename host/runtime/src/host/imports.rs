//! Implementations of the contract's host imports.
//!
//! A component reaches these only if its policy grants the matching capability:
//! the grant check refuses ungranted imports before instantiation.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use crate::bindings::{clock, config, log, types};

use super::HostState;

impl types::Host for HostState {}

impl log::Host for HostState {
    fn log(&mut self, level: log::Level, message: String) {
        if self.log_lines_left == 0 {
            self.log_lines_dropped += 1;
            return;
        }
        self.log_lines_left -= 1;
        let component = &*self.component;
        match level {
            log::Level::Trace => tracing::trace!(component, "{message}"),
            log::Level::Debug => tracing::debug!(component, "{message}"),
            log::Level::Info => tracing::info!(component, "{message}"),
            log::Level::Warn => tracing::warn!(component, "{message}"),
            log::Level::Error => tracing::error!(component, "{message}"),
        }
    }
}

impl config::Host for HostState {
    fn get(&mut self, key: String) -> Option<String> {
        self.config.get(&key).map(|value| value.to_string())
    }

    fn keys(&mut self) -> Vec<String> {
        self.config.keys().cloned().collect()
    }
}

/// The origin of [`clock::Host::monotonic`], shared by every component.
fn monotonic_origin() -> Instant {
    static ORIGIN: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    *ORIGIN.get_or_init(Instant::now)
}

impl clock::Host for HostState {
    fn now(&mut self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64)
    }

    fn monotonic(&mut self) -> u64 {
        monotonic_origin().elapsed().as_nanos() as u64
    }
}
