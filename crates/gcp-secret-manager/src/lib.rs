//! Provider crate (being written).
