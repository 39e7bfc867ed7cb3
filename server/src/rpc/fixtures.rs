//! The conformance suite's fixtures (crate `teetrack-conformance`), served
//! beside the product's tools, prompts and resources. Compiled only with the
//! `conformance` feature: a product build has none of this.

use std::collections::BTreeMap;

use serde_json::Value;

use super::RpcError;
use super::logging::{LogLevel, RequestLog};
use super::method::InputParams;
use super::revision::Era;
use super::scope::Scope;
use teetrack_conformance as fixtures;

/// `list[key]` with `extra` added, on the first page only.
pub fn add(mut list: Value, key: &str, first_page: bool, extra: Vec<Value>) -> Value {
    if first_page && let Some(items) = list.get_mut(key).and_then(Value::as_array_mut) {
        items.extend(extra);
    }
    list
}

pub fn tools() -> Vec<Value> {
    fixtures::tools()
}

pub fn prompts() -> Vec<Value> {
    fixtures::prompts()
}

pub fn resources() -> Vec<Value> {
    fixtures::resources()
}

pub fn resource_templates() -> Vec<Value> {
    fixtures::resource_templates()
}

/// Runs a fixture tool, or `None` when `name` is none. The handshake era
/// sends fixture logs unless the client set a level; the current one only
/// when the request asked (as for the product).
pub async fn call_tool(
    name: &str,
    meta: &Value,
    scope: &Scope,
    era: &Era,
    input: fixtures::Input<'_>,
) -> Option<Result<Value, RpcError>> {
    let threshold = match era {
        Era::Modern { log_level } => *log_level,
        Era::Legacy(_) => Some(scope.session.log_level().unwrap_or(LogLevel::Debug)),
    };
    let log = RequestLog::new(threshold, scope.notify.clone());
    let notify = scope.notify.clone();
    let emit = fixtures::Emit {
        notify: &move |method: &str, params: Value| notify.send(method, params),
        log: &move |level: &str, data: Value| {
            let level = serde_json::from_value(Value::from(level)).unwrap_or(LogLevel::Info);
            log.log(level, || {
                data.as_str()
                    .map_or_else(|| data.to_string(), str::to_owned)
            });
        },
    };
    let outcome = fixtures::call_tool(name, meta, input, emit).await?;
    Some(outcome.map_err(|fault| {
        let mut err = RpcError::invalid_params(fault.message);
        err.code = fault.code;
        err.data = fault.data;
        // -32021 names its status, like the spec's other current errors.
        err.http_status = Some(400);
        err
    }))
}

pub fn get_prompt(
    name: &str,
    arguments: &BTreeMap<String, String>,
    meta: &Value,
    input: fixtures::Input<'_>,
) -> Option<Result<Value, RpcError>> {
    fixtures::get_prompt(name, arguments, meta, input).map(|r| r.map_err(RpcError::invalid_params))
}

/// A retry's answers and its state (already checked by the dispatcher).
pub fn input<'a>(params: &'a InputParams, state: Option<&'a Value>) -> fixtures::Input<'a> {
    fixtures::Input {
        responses: params.input_responses.as_ref(),
        state,
    }
}

pub fn read_resource(uri: &str) -> Option<Value> {
    fixtures::read_resource(uri).map(|contents| serde_json::json!({"contents": contents}))
}

pub fn complete(prompt: &str, argument: &str, value: &str) -> Option<Vec<String>> {
    fixtures::complete(prompt, argument, value)
}
