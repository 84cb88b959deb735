//! Ceilometer message signatures (being written).
