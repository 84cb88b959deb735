//! Ceilometer transformers (being written).
