//! The runtime contract between `#[tool]` functions and every transport: a
//! registered [`ToolDef`] and the traits its argument and return types meet.

use std::future::Future;
use std::pin::Pin;

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::scopes::Scope;
use crate::{CallError, Ctx, ToolError};

/// One registered tool. Built by `#[tool]`; read by the server, the docs
/// generator, the schema export and the snapshot tests, all through
/// [`crate::registry`].
pub struct ToolDef {
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    /// Explicit `area = "…"`, else taken from `module`: see [`ToolDef::area`].
    pub area: Option<&'static str>,
    pub module: &'static str,
    pub read_only: bool,
    pub destructive: bool,
    pub idempotent: bool,
    /// The lowest tier allowed to call it.
    pub tier: Tier,
    /// The OAuth scope a token needs to call it (`#[tool(scope = "…")]`).
    pub scope: Scope,
    pub input_schema: fn() -> Value,
    pub output_schema: fn() -> Value,
    pub handler: fn(Ctx, Value) -> HandlerFuture,
}

inventory::collect!(ToolDef);

/// A tool's result as JSON text, serialised once, straight from its output
/// type: the server splices it into the response as `structuredContent`
/// (and escapes it once more as the text content) instead of building a
/// `Value` tree, writing it out twice and dropping it.
pub type Json = Box<serde_json::value::RawValue>;

pub type HandlerFuture = Pin<Box<dyn Future<Output = Result<Json, CallError>> + Send>>;

impl ToolDef {
    /// The declared area, else the module after `tools::` (a tool in
    /// `tools::invoices::draft` belongs to `invoices`, so splitting an area
    /// into rooms never moves a tool to another area), else the module's
    /// last segment.
    pub fn area(&self) -> &'static str {
        self.area.unwrap_or_else(|| area_of_module(self.module))
    }

    /// The tool as MCP's `tools/list` describes it; also what the snapshots,
    /// the docs and the schema export show.
    pub fn manifest(&self) -> Value {
        serde_json::json!({
            "name": self.name,
            "title": self.title,
            "description": crate::schemas::reflow(self.description),
            "inputSchema": (self.input_schema)(),
            "outputSchema": (self.output_schema)(),
            "annotations": {
                "title": self.title,
                "readOnlyHint": self.read_only,
                "destructiveHint": self.destructive,
                "idempotentHint": self.idempotent,
                // Every tool works on the user's own Teetrack data, nothing outside it.
                "openWorldHint": false,
            },
            "_meta": {
                "teetrack/area": self.area(),
                "teetrack/tier": self.tier,
                "teetrack/scope": self.scope,
            },
        })
    }

    /// [`ToolDef::call_json`], its result read into a `Value`: for the
    /// callers that look inside it (the web app, resources, tests).
    pub async fn call(&self, ctx: Ctx, args: Value) -> Result<Value, CallError> {
        let json = self.call_json(ctx, args).await?;
        serde_json::from_str(json.get())
            .map_err(|err| ToolError::internal(format!("result not readable: {err}")).into())
    }

    /// Call the tool as `ctx`'s user: the tier gate first, then the handler.
    /// A bounded read runs where it is called, its queries on an idle
    /// connection; any other tool on one blocking thread holding one
    /// connection for all of its work (see `db::held`).
    pub async fn call_json(&self, ctx: Ctx, args: Value) -> Result<Json, CallError> {
        if ctx.user().tier < self.tier {
            return Err(ToolError::tier_required(self.name, self.tier).into());
        }
        let db = ctx.db().clone();
        let here = self.bounded_read(&args);
        let handler = (self.handler)(ctx, args);
        match here {
            true => db.call_here(handler).await,
            false => db.call(handler).await,
        }
    }

    /// A read whose cost does not grow with the user's history: a read-only
    /// tool that answers a page, one record or the running timers. Reports,
    /// exports and invoice previews read a whole range of tracks; they, and
    /// every write (which waits for the write lock and an fsync), keep off
    /// the executor's threads. So does a page asked for `totals`: they come
    /// from the per-day totals, which the call first rebuilds (a write, in
    /// a transaction of its own, seconds on a long history) when the user's
    /// zone or rounding changed since they were summed; a read transaction
    /// shared by the call cannot hold that write.
    pub fn bounded_read(&self, args: &Value) -> bool {
        self.read_only
            && !matches!(self.area(), "analytics" | "invoices")
            && args.get("totals") != Some(&Value::Bool(true))
    }
}

fn area_of_module(module: &'static str) -> &'static str {
    let mut segments = module.split("::");
    if segments.any(|s| s == "tools")
        && let Some(area) = segments.next()
    {
        return area;
    }
    module.rsplit("::").next().unwrap_or(module)
}

impl std::fmt::Debug for ToolDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ToolDef")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// Subscription tiers, ordered: a tool gated at `Pro` is open to `Business`.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    Free,
    Pro,
    Business,
}

impl Tier {
    pub const ALL: [Tier; 3] = [Tier::Free, Tier::Pro, Tier::Business];

    /// Its name: the serde name, through the one enum-to-text mapping.
    pub fn as_str(self) -> &'static str {
        crate::names::name(self)
    }
}

impl std::str::FromStr for Tier {
    type Err = String;
    fn from_str(s: &str) -> Result<Tier, String> {
        crate::names::parse(&s.to_ascii_lowercase())
            .ok_or_else(|| format!("unknown tier {s:?}; expected free, pro or business"))
    }
}

impl std::fmt::Display for Tier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The arguments of a tool: read from JSON with serde, described by schemars
/// from the same serde attributes, so the schema and the parser agree.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a tool's arguments",
    label = "needs `#[derive(Deserialize, JsonSchema)]`",
    note = "a tool's arguments are one struct deriving `serde::Deserialize` and `schemars::JsonSchema`"
)]
pub trait ToolInput: DeserializeOwned + JsonSchema {}
impl<T: DeserializeOwned + JsonSchema> ToolInput for T {}

/// A tool's successful result: its JSON is the `structuredContent`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a tool's result",
    label = "needs `#[derive(Serialize, JsonSchema)]`",
    note = "a tool returns a struct deriving `serde::Serialize` and `schemars::JsonSchema`"
)]
pub trait ToolOutput: Serialize + JsonSchema {}
impl<T: Serialize + JsonSchema> ToolOutput for T {}

/// What a tool function returns: `Result<T, E>` with `T: ToolOutput` and an
/// error convertible into [`ToolError`].
#[diagnostic::on_unimplemented(
    message = "a #[tool] function must return `Result<T, ToolError>`, not `{Self}`",
    label = "the output schema is taken from `T`",
    note = "`T` derives `serde::Serialize` and `schemars::JsonSchema`"
)]
pub trait ToolReturn {
    type Output: ToolOutput;
    fn into_result(self) -> Result<Self::Output, ToolError>;
}

impl<T: ToolOutput, E: Into<ToolError>> ToolReturn for Result<T, E> {
    type Output = T;
    fn into_result(self) -> Result<T, ToolError> {
        self.map_err(Into::into)
    }
}

/// No arguments: `{}`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoArgs {}

pub fn parse_args<T: ToolInput>(args: Value) -> Result<T, CallError> {
    // A client may send no `arguments` at all for a tool without required ones.
    let args = if args.is_null() {
        Value::Object(Default::default())
    } else {
        args
    };
    crate::limits::check(&args, &input_schema_cached::<T>())?;
    // The error names the field's path (`billable: invalid type: …`); at the
    // root (a missing or unknown field) serde names the field itself.
    serde_path_to_error::deserialize(args).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        CallError::InvalidParams(if path == "." {
            format!("invalid arguments: {inner}")
        } else {
            format!("invalid arguments: {path}: {inner}")
        })
    })
}

/// [`input_schema`] of `T`, built once per type.
fn input_schema_cached<T: ToolInput>() -> std::sync::Arc<Value> {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};
    static CACHE: OnceLock<Mutex<HashMap<&'static str, Arc<Value>>>> = OnceLock::new();
    let key = std::any::type_name::<T>();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(schema) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(key) {
        return schema.clone();
    }
    let schema = Arc::new(input_schema::<T>());
    cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(key, schema.clone());
    schema
}

pub fn finish<R: ToolReturn>(returned: R) -> Result<Json, CallError> {
    let output = returned.into_result()?;
    serde_json::value::to_raw_value(&output)
        .map_err(|err| ToolError::internal(format!("result not serialisable: {err}")).into())
}

/// The input schema, with the `maxLength` of its free-text fields.
pub fn input_schema<T: ToolInput>() -> Value {
    let mut schema = crate::schemas::for_type::<T>();
    crate::limits::annotate(&mut schema);
    crate::schemas::drop_nested_descriptions(&mut schema);
    schema
}

pub fn output_schema<T: ToolOutput>() -> Value {
    crate::schemas::for_type::<T>()
}

#[cfg(test)]
mod tests {
    use super::{Tier, area_of_module};

    /// `#[tool(tier = "…")]` names the variant whose serde name it is, by
    /// capitalising it: each name must be one lowercase word.
    #[test]
    fn tier_names_spell_their_variants() {
        for tier in Tier::ALL {
            let name = tier.as_str();
            assert_eq!(serde_json::to_value(tier).unwrap(), name);
            assert!(
                name.chars().all(|c| c.is_ascii_lowercase()),
                "{tier:?}: #[tool] reads one lowercase word"
            );
            assert_eq!(name[..1].to_uppercase() + &name[1..], format!("{tier:?}"));
            // Read back in any case, as the CLI takes it.
            assert_eq!(name.to_uppercase().parse::<Tier>(), Ok(tier));
        }
        assert!(
            "gold"
                .parse::<Tier>()
                .unwrap_err()
                .contains("free, pro or business")
        );
    }

    #[test]
    fn area_is_the_module_after_tools_else_the_last_segment() {
        assert_eq!(area_of_module("catalogue::tools::invoices"), "invoices");
        assert_eq!(
            area_of_module("catalogue::tools::invoices::draft"),
            "invoices"
        );
        assert_eq!(area_of_module("args::timers"), "timers");
        assert_eq!(area_of_module("timers"), "timers");
        // `tools` as the last segment names no area after it.
        assert_eq!(area_of_module("x::tools"), "tools");
    }
}
