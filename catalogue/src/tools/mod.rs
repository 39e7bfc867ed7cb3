//! The tools, one module per area. Each is a plain `#[tool]` async fn.

pub mod analytics;
pub mod clients;
pub mod context;
pub mod invoices;
pub mod projects;
pub mod settings;
pub mod tags;
pub mod timers;
pub mod tracks;
