//! The tools, one module per area. Each is a plain `#[tool]` async fn.

pub mod context;
