//! Pipeline configuration (being written).
