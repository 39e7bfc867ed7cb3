//! The conformance suite's fixtures (crate `teetrack-conformance`), served
//! beside the product's tools, prompts and resources through [`Extras`].
//! Compiled only with the `conformance` feature (a product build has none of
//! this), and served only with `TEETRACK_CONFORMANCE_FIXTURES=1`.

use std::collections::BTreeMap;

use serde_json::Value;
use teetrack_conformance as fixtures;

use super::RpcError;
use super::extras::{BoxFuture, Extras, Retry};
use super::logging::{LogLevel, RequestLog};
use super::revision::Era;
use super::scope::Scope;

#[derive(Debug)]
pub struct Fixtures;

/// A retry's answers and its state, as the fixtures read them.
fn fixture_input((input, state): Retry<'_>) -> fixtures::Input<'_> {
    fixtures::Input {
        responses: input.input_responses.as_ref(),
        state,
    }
}

impl Extras for Fixtures {
    fn tools(&self) -> Vec<Value> {
        fixtures::tools()
    }

    fn prompts(&self) -> Vec<Value> {
        fixtures::prompts()
    }

    fn resources(&self) -> Vec<Value> {
        fixtures::resources()
    }

    fn resource_templates(&self) -> Vec<Value> {
        fixtures::resource_templates()
    }

    /// The handshake era sends fixture logs unless the client set a level;
    /// the current one only when the request asked (as for the product).
    fn call_tool<'a>(
        &'a self,
        name: &'a str,
        meta: &'a Value,
        scope: &'a Scope,
        era: &'a Era,
        retry: Retry<'a>,
    ) -> BoxFuture<'a, Option<Result<Value, RpcError>>> {
        Box::pin(async move {
            let threshold = match era {
                Era::Modern { log_level } => *log_level,
                Era::Legacy(_) => Some(scope.session.log_level().unwrap_or(LogLevel::Debug)),
            };
            let log = RequestLog::new(threshold, scope.notify.clone());
            let notify = scope.notify.clone();
            let emit = fixtures::Emit {
                notify: &move |method: &str, params: Value| notify.send(method, params),
                log: &move |level: &str, data: Value| {
                    let level =
                        serde_json::from_value(Value::from(level)).unwrap_or(LogLevel::Info);
                    log.log(level, || {
                        data.as_str()
                            .map_or_else(|| data.to_string(), str::to_owned)
                    });
                },
            };
            let outcome = fixtures::call_tool(name, meta, fixture_input(retry), emit).await?;
            Some(outcome.map_err(|fault| {
                let mut err = RpcError::invalid_params(fault.message);
                err.code = fault.code;
                err.data = fault.data;
                // -32021 names its status, like the spec's other current errors.
                err.http_status = Some(400);
                err
            }))
        })
    }

    fn get_prompt(
        &self,
        name: &str,
        arguments: &BTreeMap<String, String>,
        meta: &Value,
        retry: Retry<'_>,
    ) -> Option<Result<Value, RpcError>> {
        fixtures::get_prompt(name, arguments, meta, fixture_input(retry))
            .map(|r| r.map_err(RpcError::invalid_params))
    }

    /// Every `test://` resource is the fixtures'.
    fn read_resource(&self, uri: &str) -> Option<Result<Value, RpcError>> {
        if !uri.starts_with("test://") {
            return None;
        }
        Some(
            fixtures::read_resource(uri)
                .map(|contents| serde_json::json!({"contents": contents}))
                .ok_or_else(|| RpcError {
                    data: Some(serde_json::json!({"uri": uri})),
                    ..RpcError::invalid_params(format!("no resource {uri:?}"))
                }),
        )
    }

    /// Every `test_` prompt is the fixtures'.
    fn complete(
        &self,
        prompt: &str,
        argument: &str,
        value: &str,
    ) -> Option<Result<Vec<String>, RpcError>> {
        if !prompt.starts_with("test_") {
            return None;
        }
        Some(
            fixtures::complete(prompt, argument, value)
                .ok_or_else(|| RpcError::invalid_params(format!("unknown prompt {prompt:?}"))),
        )
    }
}
