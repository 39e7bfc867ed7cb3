//! Clients tools.
