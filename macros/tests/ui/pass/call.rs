// The registered handler end to end: JSON arguments are parsed into the
// argument type, the untouched function is called, its result serialised;
// bad arguments are an invalid-params error and a tool's error stays a
// tool error.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use catalogue::{CallError, Clock, Ctx, Db, ErrorCode, Tier, ToolError, User, find_tool, tool};
use serde_json::json;

#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct Args {
    text: String,
}

#[derive(serde::Serialize, schemars::JsonSchema)]
struct Out {
    text: String,
    user: i32,
}

/// Echo the text back, unless it is empty.
#[tool(title = "Echo", scope = "tracks:read")]
async fn echo(ctx: &Ctx, Args { text }: Args) -> Result<Out, ToolError> {
    if text.is_empty() {
        return Err(ToolError::invalid("nothing to echo"));
    }
    Ok(Out {
        text,
        user: ctx.user_id(),
    })
}

#[derive(serde::Serialize, schemars::JsonSchema)]
struct Pong {
    ok: bool,
}

/// Answer with `ok: true`.
#[tool(title = "Ping", tier = "pro", scope = "tracks:read")]
async fn ping(_ctx: &Ctx) -> Result<Pong, ToolError> {
    Ok(Pong { ok: true })
}

/// Poll a future that never waits: these tools touch neither the database nor a timer.
fn now<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the tool waited"),
    }
}

fn ctx(tier: Tier) -> Ctx {
    let user = User {
        id: 7,
        email: "a@example.com".into(),
        name: "A".into(),
        tier,
    };
    Ctx::new(
        user,
        Db::open(Some(":memory:")).expect("an in-memory database"),
        Clock::System,
    )
}

fn main() {
    let echo = find_tool("echo").expect("`echo` is registered");
    let ctx = ctx(Tier::Pro);

    let result = now(echo.call(ctx.clone(), json!({"text": "hi"}))).expect("echo succeeds");
    assert_eq!(result, json!({"text": "hi", "user": 7}));

    match now(echo.call(ctx.clone(), json!({"text": 1}))) {
        Err(CallError::InvalidParams(message)) => {
            assert!(message.contains("invalid type"), "{message}")
        }
        other => panic!("expected invalid params, got {other:?}"),
    }
    match now(echo.call(ctx.clone(), json!({"text": "hi", "extra": true}))) {
        Err(CallError::InvalidParams(message)) => assert!(message.contains("extra"), "{message}"),
        other => panic!("expected invalid params, got {other:?}"),
    }
    match now(echo.call(ctx.clone(), json!({"text": ""}))) {
        Err(CallError::Tool(err)) => assert_eq!(err.code, ErrorCode::InvalidArgument),
        other => panic!("expected a tool error, got {other:?}"),
    }

    // The function itself is left untouched, callable as plain Rust.
    let direct = now(crate::echo(
        &ctx,
        Args {
            text: "direct".into(),
        },
    ))
    .expect("a direct call succeeds");
    assert_eq!(direct.text, "direct");

    // A parameterless tool accepts no arguments at all, or an empty object, and nothing else.
    let ping = find_tool("ping").expect("`ping` is registered");
    assert_eq!(
        now(ping.call(ctx.clone(), serde_json::Value::Null)).unwrap(),
        json!({"ok": true})
    );
    assert_eq!(
        now(ping.call(ctx.clone(), json!({}))).unwrap(),
        json!({"ok": true})
    );
    assert!(matches!(
        now(ping.call(ctx.clone(), json!({"unexpected": 1}))),
        Err(CallError::InvalidParams(_))
    ));
    // The tier given to the macro gates the call.
    match now(ping.call(self::ctx(Tier::Free), json!({}))) {
        Err(CallError::Tool(err)) => assert_eq!(err.code, ErrorCode::TierRequired),
        other => panic!("expected the tier gate, got {other:?}"),
    }
}
