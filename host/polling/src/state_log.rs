//! Logging once per change of state: a condition that persists (libvirt
//! unreachable, a resource failing for the same reason) is logged when it
//! starts, when it changes and when it ends, not at every cycle.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

/// The last state reported for each subject.
#[derive(Default)]
pub struct StateLog {
    last: Mutex<HashMap<String, String>>,
}

impl StateLog {
    /// An empty log.
    pub fn new() -> Self {
        StateLog::default()
    }

    /// Records `problem` for `subject`; `true` when it is new or differs
    /// from the last one recorded (so the caller logs it).
    pub fn problem(&self, subject: &str, problem: &str) -> bool {
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        match last.get(subject) {
            Some(previous) if previous == problem => false,
            _ => {
                last.insert(subject.to_owned(), problem.to_owned());
                true
            }
        }
    }

    /// Records that `subject` is fine; `true` when it had a problem before
    /// (so the caller logs the recovery).
    pub fn ok(&self, subject: &str) -> bool {
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        last.remove(subject).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::StateLog;

    #[test]
    fn reports_changes_only() {
        let log = StateLog::new();
        assert!(!log.ok("libvirt"), "nothing to recover from");
        assert!(log.problem("libvirt", "no socket"));
        assert!(!log.problem("libvirt", "no socket"), "same state: quiet");
        assert!(log.problem("libvirt", "refused"), "changed: logged");
        assert!(log.problem("other", "refused"), "subjects are separate");
        assert!(log.ok("libvirt"));
        assert!(!log.ok("libvirt"));
        assert!(log.problem("libvirt", "refused"), "a new outage is logged");
    }
}
