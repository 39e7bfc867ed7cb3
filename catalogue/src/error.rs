//! Errors a tool reports. Domain errors reach the assistant as a tool result
//! with `isError: true` and a `{code, message, hint, …}` body it can act on;
//! protocol faults become JSON-RPC errors in the server.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::Tier;

/// The codes of SPEC §2, plus `internal` for faults that are not the caller's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    NotFound,
    Ambiguous,
    InvalidArgument,
    TimerRunning,
    NoTimerRunning,
    Overlap,
    TrackInvoiced,
    InvoiceFrozen,
    TierRequired,
    LimitReached,
    Conflict,
    /// A server fault (database unreachable, a bug); reported as a JSON-RPC
    /// internal error, its detail only in the server's log.
    Internal,
}

#[derive(Clone, Debug, PartialEq, Serialize, thiserror::Error)]
#[error("{code:?}: {message}")]
pub struct ToolError {
    pub code: ErrorCode,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// Extra fields an assistant can use (candidates, the limit, ids…),
    /// flattened into the body beside `code` and `message`.
    #[serde(flatten)]
    pub details: Box<Map<String, Value>>,
}

impl ToolError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ToolError {
            code,
            message: message.into(),
            hint: None,
            details: Box::default(),
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn detail(mut self, key: &str, value: impl Serialize) -> Self {
        let value = serde_json::to_value(value).unwrap_or(Value::Null);
        self.details.insert(key.to_owned(), value);
        self
    }

    pub fn not_found(kind: &str, reference: impl std::fmt::Display) -> Self {
        ToolError::new(ErrorCode::NotFound, format!("no {kind} {reference}"))
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        ToolError::new(ErrorCode::InvalidArgument, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        ToolError::new(ErrorCode::Internal, message)
    }

    pub fn tier_required(tool: &str, tier: Tier) -> Self {
        ToolError::new(
            ErrorCode::TierRequired,
            format!("`{tool}` needs the {tier} tier"),
        )
        .hint(format!(
            "ask the operator to run `teetrack users set-tier EMAIL {tier}`"
        ))
        .detail("feature", tool)
        .detail("required_tier", tier)
    }
}

impl From<diesel::result::Error> for ToolError {
    fn from(err: diesel::result::Error) -> Self {
        tracing::error!(error = %err, "database error");
        ToolError::internal("database error")
    }
}

/// Why a tool call did not produce a result.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// The arguments do not match the input schema: a JSON-RPC invalid-params error.
    #[error("{0}")]
    InvalidParams(String),
    #[error(transparent)]
    Tool(#[from] ToolError),
}
