//! The tools, one module per area; an area with more than one concern is a
//! folder of rooms (`invoices/{draft,lifecycle,read}`), and its tools keep
//! the area's name. Each tool is a plain `#[tool]` async fn that checks its
//! arguments, calls `db::<area>` and the domain modules, and shapes the
//! answer. No tool imports from another tool: what two share lives in a
//! domain module or in `db`.

pub mod analytics;
pub mod clients;
pub mod context;
pub mod invoices;
pub mod projects;
pub mod settings;
pub mod tags;
pub mod timers;
pub mod tracks;
