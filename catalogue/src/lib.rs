//! Teetrack's tool catalogue: the runtime contract every tool is built on
//! ([`ToolDef`], [`Ctx`], [`ToolError`]), the tools themselves (one module per
//! area under [`tools`], a folder of rooms once an area holds more than one
//! concern), the domain they share (pure modules such as [`time`], [`money`],
//! [`settings`], [`tracking`], [`billing`], [`reports`]: no database, unit
//! tested), and the only code that speaks SQL ([`db`]).
//!
//! Dependencies point one way: tools → db → domain. A domain module never
//! uses `crate::db` or `crate::tools`, `db` never uses `crate::tools`, and no
//! tool imports from another tool.

// `#[tool]` expands to `::catalogue::…` paths, which must resolve here too.
extern crate self as catalogue;

#[path = "../../schema.rs"]
#[rustfmt::skip]
mod schema;

pub mod billing;
mod contract;
mod ctx;
pub mod day_totals;
pub mod db;
mod error;
#[cfg(feature = "testing")]
pub mod examples;
pub mod fields;
pub mod invoice_number;
pub mod limits;
pub mod money;
mod names;
mod pagination;
mod patch;
pub mod project;
pub mod reference;
mod registry;
pub mod reports;
pub mod rounding;
mod schemas;
pub mod scopes;
pub mod settings;
#[cfg(feature = "testing")]
pub mod testing;
pub mod tiers;
pub mod time;
pub mod tools;
pub mod tracking;

pub use contract::{Json, NoArgs, Tier, ToolDef, ToolInput, ToolOutput, ToolReturn};
pub use ctx::{Clock, Ctx, Progress};
pub use db::{Db, User};
pub use error::{CallError, ErrorCode, ToolError};
pub use registry::{find_tool, registry};
pub use scopes::Scope;
pub use teetrack_macros::tool;

/// What `#[tool]` expands to; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use crate::contract::{HandlerFuture, finish, input_schema, output_schema, parse_args};
    pub use inventory;
    pub use serde_json::Value;
}
