//! Ceilometer's per-cycle `cache`.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

type Slot = Arc<OnceLock<Arc<dyn Any + Send + Sync>>>;

/// What the pollsters of one polling cycle share: inspector results read
/// once per cycle (one SNMP walk per host, one libvirt stats call per
/// instance), whichever pollster asks first.
///
/// Entries are keyed by a string and the value's type, so two pollsters
/// asking for the same key and type get the same value, computed once even
/// when they ask at the same time (the second waits for the first); asking
/// for one key never waits for the computation of another.
#[derive(Default)]
pub struct CycleCache {
    slots: Mutex<HashMap<(String, TypeId), Slot>>,
}

impl CycleCache {
    /// An empty cache (one per cycle).
    pub fn new() -> Self {
        CycleCache::default()
    }

    /// The value cached under `key`, computed by `make` if nobody has yet.
    ///
    /// To cache a fallible read, cache the `Result` itself: an error is then
    /// also read once per cycle.
    pub fn get_or_insert_with<T: Any + Send + Sync>(
        &self,
        key: &str,
        make: impl FnOnce() -> T,
    ) -> Arc<T> {
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
            Arc::clone(
                slots
                    .entry((key.to_owned(), TypeId::of::<T>()))
                    .or_default(),
            )
        };
        let value = slot.get_or_init(|| Arc::new(make()) as Arc<dyn Any + Send + Sync>);
        match Arc::clone(value).downcast::<T>() {
            Ok(v) => v,
            // The slot is keyed by T's TypeId, so it always holds a T.
            Err(_) => unreachable!("cycle cache slot holds another type than its key says"),
        }
    }

    /// The value cached under `key`, if one of type `T` has been computed.
    pub fn get<T: Any + Send + Sync>(&self, key: &str) -> Option<Arc<T>> {
        let slot = {
            let slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
            Arc::clone(slots.get(&(key.to_owned(), TypeId::of::<T>()))?)
        };
        Arc::clone(slot.get()?).downcast::<T>().ok()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Barrier};

    use super::CycleCache;

    #[test]
    fn a_value_is_computed_once_per_key_and_type() {
        let cache = CycleCache::new();
        let calls = AtomicUsize::new(0);
        let make = || {
            calls.fetch_add(1, Ordering::SeqCst);
            7_u32
        };
        assert_eq!(*cache.get_or_insert_with("stats", make), 7);
        assert_eq!(*cache.get_or_insert_with("stats", || 8_u32), 7);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        // Same key, other type: another slot.
        assert_eq!(*cache.get_or_insert_with("stats", || "text"), "text");
        assert_eq!(cache.get::<u32>("stats").as_deref(), Some(&7));
        assert_eq!(cache.get::<u64>("stats"), None);
        assert_eq!(cache.get::<u32>("other"), None);
    }

    #[test]
    fn concurrent_askers_share_one_computation() {
        let cache = Arc::new(CycleCache::new());
        let calls = Arc::new(AtomicUsize::new(0));
        let start = Arc::new(Barrier::new(8));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (cache, calls, start) = (cache.clone(), calls.clone(), start.clone());
                std::thread::spawn(move || {
                    start.wait();
                    *cache.get_or_insert_with("walk", || {
                        calls.fetch_add(1, Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(20));
                        42_i64
                    })
                })
            })
            .collect();
        for t in threads {
            assert_eq!(t.join().expect("no panic"), 42);
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
