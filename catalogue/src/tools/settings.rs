//! Settings tools.
