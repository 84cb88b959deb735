//! Logging a resource's failures once per change of state, not every cycle.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use tracing::{info, warn};

/// The last known state of each resource of a family of pollsters (all
/// SNMP pollsters share one, so a host that stops answering is logged once,
/// not once per meter).
#[derive(Debug)]
pub struct FaultLog {
    /// What the resources are, for messages (`SNMP agent`, `BMC`).
    what: &'static str,
    /// Resource → why it is failing (absent: working).
    failing: Mutex<HashMap<String, String>>,
}

/// What a report changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// The state is the one already logged; nothing was logged.
    Same,
    /// The resource started failing, or fails for another reason now (logged).
    Failing,
    /// The resource works again (logged).
    Recovered,
}

impl FaultLog {
    /// An empty log about `what`.
    pub fn new(what: &'static str) -> Self {
        FaultLog {
            what,
            failing: Mutex::new(HashMap::new()),
        }
    }

    /// `resource` failed for `reason`: logged as a warning when that is new.
    pub fn failed(&self, resource: &str, reason: &str) -> Change {
        let mut failing = self.failing.lock().unwrap_or_else(PoisonError::into_inner);
        if failing.get(resource).is_some_and(|r| r == reason) {
            return Change::Same;
        }
        warn!(
            resource,
            "{} failing (retried every cycle, logged again when this changes): {reason}", self.what
        );
        failing.insert(resource.to_owned(), reason.to_owned());
        Change::Failing
    }

    /// `resource` worked: logged when it had been failing.
    pub fn worked(&self, resource: &str) -> Change {
        let mut failing = self.failing.lock().unwrap_or_else(PoisonError::into_inner);
        match failing.remove(resource) {
            Some(reason) => {
                info!(
                    resource,
                    "{} works again (it failed with: {reason})", self.what
                );
                Change::Recovered
            }
            None => Change::Same,
        }
    }

    /// Whether `resource` is currently known to fail.
    pub fn is_failing(&self, resource: &str) -> bool {
        self.failing
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains_key(resource)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_change_is_reported_once() {
        let log = FaultLog::new("SNMP agent");
        assert_eq!(log.worked("a"), Change::Same);
        assert_eq!(log.failed("a", "no answer"), Change::Failing);
        assert_eq!(log.failed("a", "no answer"), Change::Same);
        assert!(log.is_failing("a"));
        assert_eq!(log.failed("a", "bad password"), Change::Failing);
        assert_eq!(log.failed("b", "no answer"), Change::Failing);
        assert_eq!(log.worked("a"), Change::Recovered);
        assert_eq!(log.worked("a"), Change::Same);
        assert!(!log.is_failing("a"));
        assert!(log.is_failing("b"));
    }
}
