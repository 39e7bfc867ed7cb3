//! The tools, one module per area. Each is a plain `#[tool]` async fn.

pub mod context;
pub mod timers;
pub mod tracks;
