//! Pollsters and discoveries by namespace, as Ceilometer's stevedore
//! namespaces `ceilometer.poll.<namespace>` and `ceilometer.discover.<namespace>`.

use std::collections::BTreeMap;
use std::sync::Arc;

use nepho_pipeline::Glob;

use crate::{Discovery, Pollster};

/// The compute agent's namespace: libvirt instance pollsters, `local_instances`.
pub const COMPUTE: &str = "compute";
/// The central agent's namespace: SNMP hardware pollsters (nepho-hardware).
pub const CENTRAL: &str = "central";
/// The IPMI agent's namespace: IPMI sensor pollsters, `local_node` (nepho-hardware).
pub const IPMI: &str = "ipmi";

/// Every pollster and discovery the binary knows, by namespace.
///
/// Crates register theirs with plain functions taking `&mut Registry`
/// (e.g. `nepho_polling::compute::register`, `nepho_hardware::register`);
/// the agent then [`select`](Registry::select)s what `--polling-namespaces`
/// and `--pollster-list` ask for.
#[derive(Default)]
pub struct Registry {
    pollsters: BTreeMap<String, Vec<Arc<dyn Pollster>>>,
    discoveries: BTreeMap<String, Vec<Arc<dyn Discovery>>>,
}

/// The pollsters and discoveries of the namespaces an agent runs.
#[derive(Clone, Default)]
pub struct Selection {
    /// The pollsters, namespace by namespace in the order asked, each
    /// namespace's in registration order.
    pub pollsters: Vec<Arc<dyn Pollster>>,
    /// The discoveries of those namespaces; the first registered under a
    /// name wins when several namespaces register one of the same name.
    pub discoveries: Vec<Arc<dyn Discovery>>,
}

impl Selection {
    /// The discovery called `name`, if the selected namespaces have one.
    pub fn discovery(&self, name: &str) -> Option<&Arc<dyn Discovery>> {
        self.discoveries.iter().find(|d| d.name() == name)
    }
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Registry::default()
    }

    /// Registers a pollster in `namespace`.
    pub fn add_pollster(&mut self, namespace: &str, pollster: Arc<dyn Pollster>) {
        self.pollsters
            .entry(namespace.to_owned())
            .or_default()
            .push(pollster);
    }

    /// Registers a discovery in `namespace`.
    pub fn add_discovery(&mut self, namespace: &str, discovery: Arc<dyn Discovery>) {
        self.discoveries
            .entry(namespace.to_owned())
            .or_default()
            .push(discovery);
    }

    /// The namespaces with at least one pollster or discovery, sorted.
    pub fn namespaces(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self
            .pollsters
            .keys()
            .chain(self.discoveries.keys())
            .map(String::as_str)
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// The pollsters registered in `namespace`.
    pub fn pollsters(&self, namespace: &str) -> &[Arc<dyn Pollster>] {
        self.pollsters.get(namespace).map_or(&[], Vec::as_slice)
    }

    /// What an agent running `namespaces` loads: their pollsters, only those
    /// whose name matches one of the `pollster_list` globs (Python
    /// `fnmatch`) when that list is not empty, and their discoveries.
    /// A namespace named twice is loaded once.
    pub fn select(&self, namespaces: &[String], pollster_list: &[String]) -> Selection {
        let globs: Vec<Glob> = pollster_list.iter().map(|p| Glob::new(p)).collect();
        let wanted =
            |p: &Arc<dyn Pollster>| globs.is_empty() || globs.iter().any(|g| g.matches(p.name()));
        let mut seen: Vec<&str> = Vec::new();
        let mut selection = Selection::default();
        for ns in namespaces {
            if seen.contains(&ns.as_str()) {
                continue;
            }
            seen.push(ns);
            selection
                .pollsters
                .extend(self.pollsters(ns).iter().filter(|p| wanted(p)).cloned());
            for d in self.discoveries.get(ns.as_str()).into_iter().flatten() {
                if selection.discovery(d.name()).is_none() {
                    selection.discoveries.push(Arc::clone(d));
                }
            }
        }
        selection
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CycleCache, Polled, Resource};

    struct Named(&'static str);
    impl Pollster for Named {
        fn name(&self) -> &str {
            self.0
        }
        fn default_discovery(&self) -> Option<&str> {
            None
        }
        fn poll(&self, _: &CycleCache, _: &[Resource]) -> Polled {
            Polled::new()
        }
    }
    impl Discovery for Named {
        fn name(&self) -> &str {
            self.0
        }
        fn discover(&self, _: Option<&str>) -> Result<Vec<Resource>, String> {
            Ok(vec![])
        }
    }

    fn registry() -> Registry {
        let mut r = Registry::new();
        for name in ["cpu", "memory.usage", "disk.device.read.bytes"] {
            r.add_pollster(COMPUTE, Arc::new(Named(name)));
        }
        r.add_pollster(CENTRAL, Arc::new(Named("hardware.cpu.load.1min")));
        r.add_pollster(IPMI, Arc::new(Named("hardware.ipmi.fan")));
        r.add_discovery(COMPUTE, Arc::new(Named("local_instances")));
        r.add_discovery(COMPUTE, Arc::new(Named("local_node")));
        r.add_discovery(IPMI, Arc::new(Named("local_node")));
        r
    }

    fn names(s: &Selection) -> Vec<&str> {
        s.pollsters.iter().map(|p| p.name()).collect()
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn namespaces_select_their_pollsters_and_discoveries() {
        let r = registry();
        assert_eq!(r.namespaces(), [CENTRAL, COMPUTE, IPMI]);
        let s = r.select(&strings(&["ipmi", "compute", "ipmi"]), &[]);
        assert_eq!(
            names(&s),
            [
                "hardware.ipmi.fan",
                "cpu",
                "memory.usage",
                "disk.device.read.bytes"
            ]
        );
        let d: Vec<&str> = s.discoveries.iter().map(|d| d.name()).collect();
        assert_eq!(d, ["local_node", "local_instances"], "local_node once");
        assert!(s.discovery("local_instances").is_some());
        assert!(s.discovery("endpoint").is_none());
        assert!(r.select(&strings(&["nope"]), &[]).pollsters.is_empty());
    }

    #[test]
    fn the_pollster_list_is_fnmatch_on_names() {
        let r = registry();
        let all = strings(&["compute", "central", "ipmi"]);
        let s = r.select(&all, &strings(&["memory.*", "hardware.?pmi.*"]));
        assert_eq!(names(&s), ["memory.usage", "hardware.ipmi.fan"]);
        let s = r.select(&all, &strings(&["cpu"]));
        assert_eq!(names(&s), ["cpu"], "a plain name matches only itself");
        let s = r.select(&all, &strings(&["CPU"]));
        assert!(s.pollsters.is_empty(), "case-sensitive as fnmatch on POSIX");
        // Discoveries are not filtered by the pollster list.
        assert_eq!(s.discoveries.len(), 2);
    }
}
