//! Projects tools.
