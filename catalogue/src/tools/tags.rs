//! Tags tools.
