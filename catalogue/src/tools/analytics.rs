//! Analytics tools.
