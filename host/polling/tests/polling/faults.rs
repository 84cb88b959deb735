//! Faults: an unreachable or hung libvirt.
