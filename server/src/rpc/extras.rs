//! The seam for what a build serves beside the product's own tools, prompts
//! and resources. A product build installs none; a build with the
//! `conformance` feature (the test build) installs the conformance suite's
//! fixtures when `TEETRACK_CONFORMANCE_FIXTURES=1`. The dispatcher asks
//! the installed extras at each point where one may answer, the same way in
//! every build, and nothing in it depends on the feature.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use serde_json::Value;

use super::RpcError;
use super::method::InputParams;
use super::revision::Era;
use super::scope::Scope;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A retry's answers (`inputResponses`) and its state (`requestState`,
/// already opened and checked by the dispatcher).
pub type Retry<'a> = (&'a InputParams, Option<&'a Value>);

/// Every method answers "not mine" by default: `None`, or nothing to add.
pub trait Extras: Send + Sync + std::fmt::Debug {
    /// Tools listed after the product's, on the first page.
    fn tools(&self) -> Vec<Value> {
        Vec::new()
    }

    fn prompts(&self) -> Vec<Value> {
        Vec::new()
    }

    fn resources(&self) -> Vec<Value> {
        Vec::new()
    }

    fn resource_templates(&self) -> Vec<Value> {
        Vec::new()
    }

    /// Runs the extra tool `name` (asked only for a name no product tool
    /// has). An `input_required` result has its `requestState` sealed by
    /// the dispatcher.
    fn call_tool<'a>(
        &'a self,
        name: &'a str,
        meta: &'a Value,
        scope: &'a Scope,
        era: &'a Era,
        retry: Retry<'a>,
    ) -> BoxFuture<'a, Option<Result<Value, RpcError>>> {
        let _ = (name, meta, scope, era, retry);
        Box::pin(async { None })
    }

    /// Asked before the product's prompts.
    fn get_prompt(
        &self,
        name: &str,
        arguments: &BTreeMap<String, String>,
        meta: &Value,
        retry: Retry<'_>,
    ) -> Option<Result<Value, RpcError>> {
        let _ = (name, arguments, meta, retry);
        None
    }

    /// A `resources/read` result, asked before the product's resources.
    fn read_resource(&self, uri: &str) -> Option<Result<Value, RpcError>> {
        let _ = uri;
        None
    }

    /// Completion values for an argument of the extra prompt `prompt`.
    fn complete(
        &self,
        prompt: &str,
        argument: &str,
        value: &str,
    ) -> Option<Result<Vec<String>, RpcError>> {
        let _ = (prompt, argument, value);
        None
    }
}

#[derive(Debug)]
struct Nothing;

impl Extras for Nothing {}

/// The extras this process serves: with the `conformance` feature and
/// `TEETRACK_CONFORMANCE_FIXTURES=1`, the conformance suite's fixtures;
/// otherwise none, so the test build's binary is the product everywhere
/// else. With [`installed`] below, the only place the feature reaches the
/// dispatcher.
#[cfg(feature = "conformance")]
pub fn installed() -> &'static dyn Extras {
    match std::env::var_os("TEETRACK_CONFORMANCE_FIXTURES").as_deref() {
        Some(on) if on == "1" => &super::fixtures::Fixtures,
        _ => &Nothing,
    }
}

/// The extras this build serves: a product build has none.
#[cfg(not(feature = "conformance"))]
pub fn installed() -> &'static dyn Extras {
    &Nothing
}

/// `list[key]` with `extra` added, on the first page only.
pub fn add(mut list: Value, key: &str, first_page: bool, extra: Vec<Value>) -> Value {
    if first_page && let Some(items) = list.get_mut(key).and_then(Value::as_array_mut) {
        items.extend(extra);
    }
    list
}
