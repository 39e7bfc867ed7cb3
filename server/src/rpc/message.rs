//! The JSON-RPC 2.0 envelope: reading one incoming message, and the
//! responses we send back.

use serde::de::IgnoredAny;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

/// A request id. MCP allows strings and integers, never `null`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(untagged)]
pub enum Id {
    Number(i64),
    String(String),
}

impl Id {
    fn from_value(value: Value) -> Option<Id> {
        match value {
            Value::String(s) => Some(Id::String(s)),
            Value::Number(n) => n.as_i64().map(Id::Number),
            _ => None,
        }
    }
}

impl std::fmt::Display for Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Id::Number(n) => write!(f, "{n}"),
            Id::String(s) => write!(f, "{s:?}"),
        }
    }
}

/// A request that expects a response.
#[derive(Debug, PartialEq)]
pub struct Request {
    pub id: Id,
    pub method: String,
    pub params: Option<Value>,
}

/// What a transport does with one incoming message.
#[derive(Debug, PartialEq)]
pub enum Incoming {
    /// Run it and send back its response (concurrently with others).
    Request(Request),
    /// `notifications/cancelled`: abort that request; nothing is sent for it.
    Cancel(Id),
    /// A message that cannot be run: send this error at once.
    Reply(Response),
    /// Nothing to run or send: other notifications, and responses from the
    /// client (we never send it requests, so none is awaited).
    Ignore,
}

/// The envelope's fields, each kept loose so that a wrong type is reported
/// as an invalid request with the id still echoed, not as a parse error.
#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    jsonrpc: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    id: Option<Value>,
    #[serde(default)]
    method: Option<Value>,
    #[serde(default)]
    params: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    result: Option<IgnoredAny>,
    #[serde(default, deserialize_with = "present")]
    error: Option<IgnoredAny>,
}

/// `Some` for a field that is present, even as `null`: `"id": null` is an
/// invalid id, not a notification.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(de: D) -> Result<Option<T>, D::Error> {
    T::deserialize(de).map(Some)
}

/// One line of stdio or one HTTP body: a message, or a JSON-RPC batch.
#[derive(Debug, PartialEq)]
pub enum Message {
    One(Incoming),
    /// Only the 2025-03-26 revision has batches; the transport decides
    /// whether the session speaks it.
    Batch(Vec<Incoming>),
}

impl Message {
    pub fn read(bytes: &[u8]) -> Message {
        if bytes.trim_ascii_start().first() != Some(&b'[') {
            return Message::One(Incoming::read(bytes));
        }
        match serde_json::from_slice::<Vec<Value>>(bytes) {
            Ok(items) if items.is_empty() => Message::One(Incoming::Reply(Response::error(
                None,
                RpcError::invalid_request("an empty batch"),
            ))),
            Ok(items) => Message::Batch(items.into_iter().map(Incoming::from_value).collect()),
            Err(err) => Message::One(Incoming::Reply(Response::error(
                None,
                RpcError::parse_error(&err),
            ))),
        }
    }
}

impl Incoming {
    /// Read one message (one line of stdio, one HTTP body).
    pub fn read(bytes: &[u8]) -> Incoming {
        Incoming::from_envelope(serde_json::from_slice(bytes))
    }

    fn from_value(value: Value) -> Incoming {
        Incoming::from_envelope(serde_json::from_value(value))
    }

    fn from_envelope(parsed: Result<Envelope, serde_json::Error>) -> Incoming {
        let envelope = match parsed {
            Ok(envelope) => envelope,
            // Valid JSON of the wrong shape (a number, a string).
            Err(err) if err.is_data() => {
                return Incoming::Reply(Response::error(
                    None,
                    RpcError::invalid_request(format!("not a JSON-RPC message: {err}")),
                ));
            }
            Err(err) => {
                return Incoming::Reply(Response::error(None, RpcError::parse_error(&err)));
            }
        };
        if envelope.method.is_none() && (envelope.result.is_some() || envelope.error.is_some()) {
            return Incoming::Ignore;
        }
        let id = match envelope.id.map(Id::from_value) {
            None => None,
            Some(Some(id)) => Some(id),
            Some(None) => {
                return invalid(None, "`id` must be a string or an integer");
            }
        };
        if envelope.jsonrpc.as_ref().and_then(Value::as_str) != Some("2.0") {
            return invalid(id, "`jsonrpc` must be \"2.0\"");
        }
        let method = match envelope.method {
            Some(Value::String(method)) => method,
            Some(_) => return invalid(id, "`method` must be a string"),
            None => return invalid(id, "no `method`"),
        };
        match id {
            Some(id) => Incoming::Request(Request {
                id,
                method,
                params: envelope.params,
            }),
            None => notification(&method, envelope.params),
        }
    }
}

fn invalid(id: Option<Id>, message: &str) -> Incoming {
    Incoming::Reply(Response::error(id, RpcError::invalid_request(message)))
}

/// Notifications are never answered, whatever they hold; only a
/// cancellation asks the transport to act.
fn notification(method: &str, params: Option<Value>) -> Incoming {
    if method != "notifications/cancelled" {
        tracing::debug!(method, "notification");
        return Incoming::Ignore;
    }
    let request_id = params
        .and_then(|mut p| p.get_mut("requestId").map(Value::take))
        .and_then(Id::from_value);
    match request_id {
        Some(id) => Incoming::Cancel(id),
        None => {
            tracing::warn!("notifications/cancelled without a valid requestId; ignored");
            Incoming::Ignore
        }
    }
}

/// A JSON-RPC error object.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RpcError {
    pub code: i32,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
    /// The HTTP status the 2026-07-28 revision names for this error; the
    /// others travel in a 200 (or 400 when the body is unreadable).
    #[serde(skip)]
    pub http_status: Option<u16>,
}

impl RpcError {
    pub const PARSE_ERROR: i32 = -32700;
    pub const INVALID_REQUEST: i32 = -32600;
    pub const METHOD_NOT_FOUND: i32 = -32601;
    pub const INVALID_PARAMS: i32 = -32602;
    pub const INTERNAL_ERROR: i32 = -32603;
    /// "Resource not found" in the handshake era (2026-07-28 uses -32602).
    pub const RESOURCE_NOT_FOUND: i32 = -32002;
    pub const HEADER_MISMATCH: i32 = -32020;
    pub const UNSUPPORTED_PROTOCOL_VERSION: i32 = -32022;

    fn new(code: i32, message: impl Into<String>) -> RpcError {
        RpcError {
            code,
            message: message.into(),
            data: None,
            http_status: None,
        }
    }

    fn with_status(self, status: u16) -> RpcError {
        RpcError {
            http_status: Some(status),
            ..self
        }
    }

    fn parse_error(err: &serde_json::Error) -> RpcError {
        RpcError::new(Self::PARSE_ERROR, format!("parse error: {err}"))
    }

    pub fn invalid_request(message: impl Into<String>) -> RpcError {
        RpcError::new(Self::INVALID_REQUEST, message)
    }

    pub fn method_not_found(method: &str) -> RpcError {
        RpcError::new(
            Self::METHOD_NOT_FOUND,
            format!("method not found: {method}"),
        )
    }

    /// The current revision's form: HTTP 404 tells an intermediary too.
    pub fn method_not_found_404(method: &str) -> RpcError {
        RpcError::method_not_found(method).with_status(404)
    }

    pub fn invalid_params(message: impl Into<String>) -> RpcError {
        RpcError::new(Self::INVALID_PARAMS, message)
    }

    /// A current-revision request without the `_meta` fields it must carry.
    pub fn missing_meta(message: &str) -> RpcError {
        RpcError::invalid_params(message).with_status(400)
    }

    pub fn header_mismatch(message: impl Into<String>) -> RpcError {
        RpcError::new(Self::HEADER_MISMATCH, message).with_status(400)
    }

    pub fn unsupported_version(requested: &str) -> RpcError {
        RpcError {
            data: Some(serde_json::json!({
                "supported": super::revision::supported_versions(),
                "requested": requested,
            })),
            ..RpcError::new(
                Self::UNSUPPORTED_PROTOCOL_VERSION,
                format!("unsupported protocol version {requested:?}"),
            )
        }
        .with_status(400)
    }

    /// Deliberately vague: the detail of a server fault is logged, never sent.
    pub fn internal() -> RpcError {
        RpcError::new(
            Self::INTERNAL_ERROR,
            "internal error; the server log has the details",
        )
    }
}

/// A response: exactly one of `result` and `error`.
#[derive(Debug, PartialEq, Serialize)]
pub struct Response {
    jsonrpc: &'static str,
    /// `null` when the request's id could not be read.
    id: Option<Id>,
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<Payload>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<RpcError>,
}

/// A result as it goes out: built as a `Value`, or (a tool's answer) JSON
/// text already written, which is spliced in as is.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Payload {
    Value(Value),
    Json(Box<RawValue>),
}

impl From<Value> for Payload {
    fn from(value: Value) -> Payload {
        Payload::Value(value)
    }
}

impl PartialEq for Payload {
    /// The same JSON text: what the client would read.
    fn eq(&self, other: &Payload) -> bool {
        let text = |payload: &Payload| match payload {
            Payload::Value(value) => value.to_string(),
            Payload::Json(json) => json.get().to_owned(),
        };
        text(self) == text(other)
    }
}

impl Response {
    pub fn new(id: Id, outcome: Result<impl Into<Payload>, RpcError>) -> Response {
        match outcome {
            Ok(result) => Response {
                jsonrpc: "2.0",
                id: Some(id),
                result: Some(result.into()),
                error: None,
            },
            Err(error) => Response::error(Some(id), error),
        }
    }

    pub fn error(id: Option<Id>, error: RpcError) -> Response {
        Response {
            jsonrpc: "2.0",
            id,
            result: None,
            error: Some(error),
        }
    }

    /// The HTTP status its error names, if any.
    pub fn http_status(&self) -> Option<u16> {
        self.error.as_ref().and_then(|e| e.http_status)
    }

    /// The response as JSON.
    pub fn to_value(&self) -> Value {
        // Serialising our own types (string keys, finite numbers) cannot fail.
        serde_json::to_value(self).expect("a response serialises")
    }

    /// The response as one line of newline-delimited JSON.
    pub fn to_line(&self) -> Vec<u8> {
        // Serialising our own types (string keys, finite numbers) cannot fail.
        let mut line = serde_json::to_vec(self).expect("a response serialises");
        line.push(b'\n');
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(text: &str) -> Incoming {
        Incoming::read(text.as_bytes())
    }

    fn error_of(incoming: Incoming) -> (Option<Id>, i32) {
        match incoming {
            Incoming::Reply(r) => (r.id, r.error.expect("an error").code),
            other => panic!("expected an error reply, got {other:?}"),
        }
    }

    #[test]
    fn a_request_keeps_its_id_method_and_params() {
        assert_eq!(
            read(r#"{"jsonrpc":"2.0","id":7,"method":"tools/list","params":{"cursor":"x"}}"#),
            Incoming::Request(Request {
                id: Id::Number(7),
                method: "tools/list".into(),
                params: Some(json!({"cursor": "x"})),
            })
        );
        assert_eq!(
            read(r#"{"jsonrpc":"2.0","id":"a-1","method":"ping"}"#),
            Incoming::Request(Request {
                id: Id::String("a-1".into()),
                method: "ping".into(),
                params: None,
            })
        );
    }

    #[test]
    fn bad_json_is_a_parse_error_with_a_null_id() {
        assert_eq!(error_of(read("{not json")), (None, RpcError::PARSE_ERROR));
        assert_eq!(error_of(read("")), (None, RpcError::PARSE_ERROR));
    }

    #[test]
    fn malformed_envelopes_are_invalid_requests() {
        let n = |i| Some(Id::Number(i));
        for (text, id) in [
            (r#"{"id":1,"method":"ping"}"#, n(1)),
            (r#"{"jsonrpc":"1.0","id":2,"method":"ping"}"#, n(2)),
            (r#"{"jsonrpc":"2.0","id":3}"#, n(3)),
            (r#"{"jsonrpc":"2.0","id":4,"method":12}"#, n(4)),
            (r#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#, None),
            (r#"{"jsonrpc":"2.0","id":1.5,"method":"ping"}"#, None),
            (r#"{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}"#, None),
            (r#"{"jsonrpc":"2.0","id":true,"method":"ping"}"#, None),
            ("42", None),
        ] {
            assert_eq!(
                error_of(read(text)),
                (id, RpcError::INVALID_REQUEST),
                "{text}"
            );
        }
    }

    #[test]
    fn an_array_is_a_batch_of_messages_read_one_by_one() {
        let batch = Message::read(br#" [{"jsonrpc":"2.0","id":1,"method":"ping"}, 7]"#);
        let Message::Batch(items) = batch else {
            panic!("{batch:?}")
        };
        assert!(matches!(&items[0], Incoming::Request(r) if r.method == "ping"));
        assert_eq!(
            error_of(items.into_iter().nth(1).unwrap()).1,
            RpcError::INVALID_REQUEST
        );
        let Message::One(empty) = Message::read(b"[]") else {
            panic!()
        };
        assert_eq!(error_of(empty), (None, RpcError::INVALID_REQUEST));
        let Message::One(broken) = Message::read(b"[{") else {
            panic!()
        };
        assert_eq!(error_of(broken), (None, RpcError::PARSE_ERROR));
    }

    #[test]
    fn notifications_and_client_responses_are_never_answered() {
        for text in [
            r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
            r#"{"jsonrpc":"2.0","method":"notifications/whatever","params":{"x":1}}"#,
            r#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{}}"#,
            r#"{"jsonrpc":"2.0","id":5,"result":{}}"#,
            r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"x"}}"#,
        ] {
            assert_eq!(read(text), Incoming::Ignore, "{text}");
        }
    }

    #[test]
    fn a_cancellation_names_the_request_to_abort() {
        assert_eq!(
            read(
                r#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"r9","reason":"user"}}"#
            ),
            Incoming::Cancel(Id::String("r9".into()))
        );
    }

    #[test]
    fn responses_serialise_with_exactly_one_of_result_and_error() {
        let ok = Response::new(Id::Number(1), Ok(json!({})));
        assert_eq!(
            ok.to_line(),
            b"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n"
        );
        let err = Response::error(None, RpcError::method_not_found("nope"));
        let value: Value = serde_json::from_slice(&err.to_line()).unwrap();
        assert_eq!(
            value,
            json!({"jsonrpc":"2.0","id":null,"error":{"code":-32601,"message":"method not found: nope"}})
        );
    }
}
