//! The suite's multi round-trip request fixtures (2026-07-28, SEP-2322):
//! the first call answers an `InputRequiredResult` naming what the client
//! must ask its user, its model or its roots; the retry carries the answers
//! (`inputResponses`) and, where the fixture kept any, its state. Answers
//! that are missing or malformed are asked for again; keys nobody asked for
//! are ignored.

use serde_json::{Map, Value, json};

use super::{Fault, Input, result, text};

fn elicit(message: &str, field: &str, kind: &str) -> Value {
    json!({"method": "elicitation/create", "params": {
        "message": message,
        "requestedSchema": {"type": "object", "properties": {field: {"type": kind}}, "required": [field]},
    }})
}

fn sample(prompt: &str, max_tokens: u32) -> Value {
    json!({"method": "sampling/createMessage", "params": {
        "messages": [{"role": "user", "content": {"type": "text", "text": prompt}}],
        "maxTokens": max_tokens,
    }})
}

fn list_roots() -> Value {
    json!({"method": "roots/list", "params": {}})
}

/// Asks for `requests`; `state` comes back (sealed) with the retry.
fn input_required(requests: Map<String, Value>, state: Option<Value>) -> Value {
    let mut result = json!({"resultType": "input_required", "inputRequests": requests});
    if let Some(state) = state {
        result["requestState"] = state;
    }
    result
}

fn response<'a>(input: &Input<'a>, key: &str) -> Option<&'a Value> {
    input.responses?.get(key)
}

/// The accepted elicitation's `field`.
fn accepted<'a>(input: &Input<'a>, key: &str, field: &str) -> Option<&'a Value> {
    let answer = response(input, key)?;
    (answer.get("action")? == "accept")
        .then(|| answer.get("content")?.get(field))
        .flatten()
}

/// The text of a sampling reply (one content block or several).
fn sampled(input: &Input, key: &str) -> Option<String> {
    let content = response(input, key)?.get("content")?;
    let blocks = match content {
        Value::Array(blocks) => blocks.iter().collect(),
        block => vec![block],
    };
    let texts: Vec<&str> = blocks
        .iter()
        .filter_map(|b| b.get("text")?.as_str())
        .collect();
    (!texts.is_empty()).then(|| texts.join(" "))
}

/// The URIs of a `roots/list` reply.
fn roots(input: &Input, key: &str) -> Option<Vec<String>> {
    let roots = response(input, key)?.get("roots")?.as_array()?;
    roots
        .iter()
        .map(|root| root.get("uri")?.as_str().map(str::to_owned))
        .collect()
}

/// Whether the client declared capability `name` in this request's `_meta`.
fn declared(meta: &Value, name: &str) -> bool {
    meta.get("io.modelcontextprotocol/clientCapabilities")
        .and_then(|c| c.get(name))
        .is_some()
}

/// A fixture may ask only for what the client declared it can answer.
fn needs(meta: &Value, capabilities: &[&str]) -> Result<(), Fault> {
    let missing: Map<String, Value> = capabilities
        .iter()
        .filter(|c| !declared(meta, c))
        .map(|c| (c.to_string(), json!({})))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(Fault {
        code: -32021,
        message: format!(
            "this fixture needs the client's {} capabilities",
            missing.keys().cloned().collect::<Vec<_>>().join(", ")
        ),
        data: Some(json!({"requiredCapabilities": missing})),
    })
}

fn one(key: &str, request: Value) -> Map<String, Value> {
    Map::from_iter([(key.to_owned(), request)])
}

fn greeting(input: &Input, state: Option<Value>) -> Value {
    match accepted(input, "user_name", "name").and_then(Value::as_str) {
        Some(name) => result(vec![text(&format!("Hello, {name}!"))]),
        None => input_required(
            one("user_name", elicit("What is your name?", "name", "string")),
            state,
        ),
    }
}

/// A confirmation whose retry must bring back the state it was asked with.
fn confirmation(input: &Input) -> Value {
    let state = json!({"step": "confirm"});
    let ask = || {
        input_required(
            one("confirm", elicit("Please confirm", "ok", "boolean")),
            Some(state.clone()),
        )
    };
    if input.state != Some(&state) {
        return ask();
    }
    match accepted(input, "confirm", "ok").and_then(Value::as_bool) {
        Some(ok) => result(vec![text(&format!(
            "state-ok: the requestState came back intact; confirmed: {ok}"
        ))]),
        None => ask(),
    }
}

pub fn call_tool(name: &str, meta: &Value, input: Input) -> Option<Result<Value, Fault>> {
    let needing = |capabilities: &[&str], answer: &dyn Fn() -> Value| {
        needs(meta, capabilities).map(|()| answer())
    };
    Some(match name {
        "test_input_required_result_elicitation" | "test_streaming_elicitation" => {
            needing(&["elicitation"], &|| greeting(&input, None))
        }
        "test_input_required_result_sampling" => needing(&["sampling"], &|| match sampled(
            &input,
            "capital_question",
        ) {
            Some(reply) => result(vec![text(&format!("The model answered: {reply}"))]),
            None => input_required(
                one(
                    "capital_question",
                    sample("What is the capital of France?", 100),
                ),
                None,
            ),
        }),
        "test_input_required_result_list_roots" => {
            needing(&["roots"], &|| match roots(&input, "client_roots") {
                Some(uris) => result(vec![text(&format!(
                    "The client's roots: {}",
                    uris.join(", ")
                ))]),
                None => input_required(one("client_roots", list_roots()), None),
            })
        }
        "test_input_required_result_request_state"
        | "test_input_required_result_tampered_state" => {
            needing(&["elicitation"], &|| confirmation(&input))
        }
        "test_input_required_result_multiple_inputs" => {
            needing(&["elicitation", "sampling", "roots"], &|| {
                multiple_inputs(&input)
            })
        }
        "test_input_required_result_multi_round" => {
            needing(&["elicitation"], &|| multi_round(&input))
        }
        "test_input_required_result_capabilities" => Ok(capabilities(meta, &input)),
        _ => return None,
    })
}

/// Elicitation, sampling and roots at once; a retry missing some is asked
/// for those again.
fn multiple_inputs(input: &Input) -> Value {
    let state = json!({"step": "all"});
    let name = accepted(input, "user_name", "name").and_then(Value::as_str);
    let greeting = sampled(input, "greeting");
    let uris = roots(input, "client_roots");
    if input.state == Some(&state)
        && let (Some(name), Some(greeting), Some(uris)) = (name, &greeting, &uris)
    {
        return result(vec![text(&format!(
            "{greeting} {name}; roots: {}",
            uris.join(", ")
        ))]);
    }
    let fresh = input.state != Some(&state);
    let mut requests = Map::new();
    if fresh || name.is_none() {
        requests.insert(
            "user_name".into(),
            elicit("What is your name?", "name", "string"),
        );
    }
    if fresh || greeting.is_none() {
        requests.insert("greeting".into(), sample("Generate a greeting", 50));
    }
    if fresh || uris.is_none() {
        requests.insert("client_roots".into(), list_roots());
    }
    input_required(requests, Some(state))
}

/// Round 1 asks a name, round 2 (its state holding the name) a colour;
/// round 3 answers.
fn multi_round(input: &Input) -> Value {
    let step1 = || {
        input_required(
            one(
                "step1",
                elicit("Step 1: What is your name?", "name", "string"),
            ),
            Some(json!({"round": 1})),
        )
    };
    let step2 = |name: &str| {
        input_required(
            one(
                "step2",
                elicit("Step 2: What is your favorite color?", "color", "string"),
            ),
            Some(json!({"round": 2, "name": name})),
        )
    };
    let Some(state) = input.state else {
        return step1();
    };
    match state["round"].as_i64() {
        Some(1) => match accepted(input, "step1", "name").and_then(Value::as_str) {
            Some(name) => step2(name),
            None => step1(),
        },
        Some(2) => {
            let name = state["name"].as_str().unwrap_or_default();
            match accepted(input, "step2", "color").and_then(Value::as_str) {
                Some(color) => result(vec![text(&format!("{name}'s favorite color is {color}."))]),
                None => step2(name),
            }
        }
        _ => step1(),
    }
}

/// Asks only what the client can answer: its model if it declared
/// sampling, its user if elicitation, its roots if roots.
fn capabilities(meta: &Value, input: &Input) -> Value {
    let mut requests = Map::new();
    let mut answers = Vec::new();
    if declared(meta, "sampling") {
        match sampled(input, "model_reply") {
            Some(reply) => answers.push(format!("model: {reply}")),
            None => {
                requests.insert("model_reply".into(), sample("Say hello", 20));
            }
        }
    }
    if declared(meta, "elicitation") {
        match accepted(input, "user_name", "name").and_then(Value::as_str) {
            Some(name) => answers.push(format!("user: {name}")),
            None => {
                requests.insert(
                    "user_name".into(),
                    elicit("What is your name?", "name", "string"),
                );
            }
        }
    }
    if declared(meta, "roots") {
        match roots(input, "client_roots") {
            Some(uris) => answers.push(format!("roots: {}", uris.join(", "))),
            None => {
                requests.insert("client_roots".into(), list_roots());
            }
        }
    }
    if requests.is_empty() {
        let said = match answers.is_empty() {
            true => "The client declared nothing to ask for.".to_owned(),
            false => answers.join("; "),
        };
        return result(vec![text(&said)]);
    }
    input_required(requests, None)
}

/// `test_input_required_result_prompt`: asks the user for the prompt's
/// context first.
pub fn prompt(meta: &Value, input: Input) -> Result<Value, String> {
    if !declared(meta, "elicitation") {
        return Err(
            "test_input_required_result_prompt needs the client's elicitation capability".into(),
        );
    }
    Ok(
        match accepted(&input, "user_context", "context").and_then(Value::as_str) {
            Some(context) => json!({"messages": [
                {"role": "user", "content": text(&format!("Answer with this context in mind: {context}"))},
            ]}),
            None => input_required(
                one(
                    "user_context",
                    elicit("What context should the prompt use?", "context", "string"),
                ),
                None,
            ),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answers(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    fn call(name: &str, responses: Option<&Map<String, Value>>, state: Option<&Value>) -> Value {
        let meta = json!({"io.modelcontextprotocol/clientCapabilities":
            {"sampling": {}, "elicitation": {}, "roots": {}}});
        call_tool(name, &meta, Input { responses, state })
            .unwrap()
            .unwrap()
    }

    #[test]
    fn multi_round_keeps_its_answers_in_the_state() {
        let r1 = call("test_input_required_result_multi_round", None, None);
        assert_eq!(r1["resultType"], "input_required");
        let step1 = answers(json!({"step1": {"action": "accept", "content": {"name": "Alice"}}}));
        let r2 = call(
            "test_input_required_result_multi_round",
            Some(&step1),
            Some(&r1["requestState"]),
        );
        assert!(r2["inputRequests"]["step2"].is_object());
        assert_eq!(r2["requestState"], json!({"round": 2, "name": "Alice"}));
        let step2 = answers(json!({"step2": {"action": "accept", "content": {"color": "blue"}}}));
        let r3 = call(
            "test_input_required_result_multi_round",
            Some(&step2),
            Some(&r2["requestState"]),
        );
        assert_eq!(r3["content"][0]["text"], "Alice's favorite color is blue.");
    }

    #[test]
    fn missing_or_malformed_answers_are_asked_again_and_extra_keys_ignored() {
        let name = "test_input_required_result_elicitation";
        for wrong in [
            json!({"wrong_key": {"action": "accept", "content": {}}}),
            json!({"user_name": 12345}),
        ] {
            let r = call(name, Some(&answers(wrong)), None);
            assert!(r["inputRequests"]["user_name"].is_object(), "{r}");
        }
        let extra = answers(
            json!({"user_name": {"action": "accept", "content": {"name": "Alice"}},
            "unknown_extra_key": {"action": "accept", "content": {"foo": "bar"}}}),
        );
        assert_eq!(
            call(name, Some(&extra), None)["content"][0]["text"],
            "Hello, Alice!"
        );
    }

    #[test]
    fn only_declared_capabilities_are_asked_for() {
        let meta = json!({"io.modelcontextprotocol/clientCapabilities": {"sampling": {}}});
        let r = call_tool(
            "test_input_required_result_capabilities",
            &meta,
            Input::default(),
        )
        .unwrap()
        .unwrap();
        let requests = r["inputRequests"].as_object().unwrap();
        assert!(
            requests
                .values()
                .all(|r| r["method"] == "sampling/createMessage"),
            "{r}"
        );
        let fault = call_tool(
            "test_input_required_result_elicitation",
            &meta,
            Input::default(),
        )
        .unwrap()
        .unwrap_err();
        assert_eq!(
            fault.data,
            Some(json!({"requiredCapabilities": {"elicitation": {}}}))
        );
    }
}
