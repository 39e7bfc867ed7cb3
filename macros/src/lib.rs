//! `#[tool]`: a plain `async fn` becomes a registered Teetrack MCP tool.
//!
//! ```ignore
//! use catalogue::{tool, Ctx, ToolError};
//!
//! /// Start a timer now. If one is already running and the user's limit is
//! /// reached, the oldest is stopped and the result says so.
//! #[tool(title = "Start a timer", scope = "tracks:write", area = "timers")]
//! async fn start_timer(ctx: &Ctx, args: StartTimer) -> Result<TimerStarted, ToolError> {
//!     /* ... */
//! }
//! ```
//!
//! The function stays exactly as written, callable and testable as plain Rust.
//! Beside it the macro registers a `catalogue::ToolDef` with:
//!
//! - **name**: the function's name (1–128 of `[A-Za-z0-9_.-]`);
//! - **description**: its doc comment (required);
//! - **input schema**: from the second argument's *type* through
//!   `catalogue::ToolInput` (serde + schemars), or an empty object that refuses
//!   every property when the function takes only the context;
//! - **output schema**: from the return type through `catalogue::ToolReturn`
//!   (`Result<T, E>` where `T: ToolOutput` and `E: Into<ToolError>`).
//!
//! Schemas are resolved by the same traits the call path uses, never by
//! matching type names, so an alias or a renamed import cannot advertise a
//! schema that differs from what the tool accepts.
//!
//! # The function
//!
//! `async fn name(ctx: &Ctx) -> Result<T, E>` or
//! `async fn name(ctx: &Ctx, args: Args) -> Result<T, E>`, with a doc comment;
//! the argument may be destructured in place (`Args { text }: Args`). It is
//! not generic, takes no `self`, is not `unsafe`, and its future is `Send`
//! (the server runs it on any thread).
//!
//! # Attributes
//!
//! | attribute | meaning |
//! |---|---|
//! | `title = "…"` | human title (required) |
//! | `read_only` | `readOnlyHint`: changes nothing |
//! | `destructive` | `destructiveHint`: may delete or overwrite user data |
//! | `idempotent` | `idempotentHint`: repeating the call changes nothing more |
//! | `scope = "tracks:read"` | the OAuth scope a token needs to call it (required): a `catalogue::Scope` |
//! | `tier = "pro"` | lowest tier that may call it (default `free`): a `catalogue::Tier` |
//! | `area = "timers"` | the group it is listed under (default: its module after `tools::`) |
//!
//! `tier` and `scope` name an enum variant in lowercase words joined by `:`
//! (`"tracks:read"` is `Scope::TracksRead`, the variant whose serde name it
//! is). The macro keeps no list of them: it expands to the variant's path,
//! spanned at the string, so a name the enum lacks fails to compile there.
//!
//! Every mistake is reported at once, each at the offending tokens.

mod tool;

use proc_macro::TokenStream;

#[proc_macro_attribute]
pub fn tool(attr: TokenStream, item: TokenStream) -> TokenStream {
    tool::expand(attr.into(), item.into()).into()
}
