//! `requestState` of the 2026-07-28 revision's multi round-trip requests
//! (SEP-2322): what a handler needs to remember between an
//! `InputRequiredResult` and the client's retry travels with the client,
//! opaque to it and sealed by us, so any instance can take the retry.
//!
//! A sealed state is `base64url(payload) "." base64url(HMAC-SHA-256(key,
//! payload))`; the payload binds the handler's own state to the user, the
//! method, the tool or prompt and a digest of its arguments (the request it
//! was issued for), and to an expiry. A state
//! that fails any of these checks is refused with -32602: the client gets no
//! oracle beyond "not accepted".

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::RpcError;

type HmacSha256 = Hmac<Sha256>;

/// How long a client has to answer an `InputRequiredResult`.
const LIFETIME_SECS: i64 = 15 * 60;

/// The key states are sealed with: derived from the server's secret in the
/// database (the one every instance shares, `oauth_keys`), never the secret
/// itself, which signs other things too.
#[derive(Clone)]
pub struct StateKey([u8; 32]);

impl std::fmt::Debug for StateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StateKey(..)")
    }
}

/// What a request carries of a state and to whom it belongs.
pub struct Binding<'a> {
    pub user_id: i32,
    pub method: &'a str,
    /// The tool's or prompt's name.
    pub name: &'a str,
    /// The request's arguments: a retry must repeat them.
    pub arguments: &'a Value,
}

impl Binding<'_> {
    fn arguments_digest(&self) -> String {
        B64.encode(Sha256::digest(self.arguments.to_string()))
    }
}

impl StateKey {
    pub fn from_secret(secret: &[u8]) -> StateKey {
        StateKey(
            mac(secret, b"teetrack requestState v1")
                .finalize()
                .into_bytes()
                .into(),
        )
    }

    /// Seals `state` for a retry of the request `binding` describes.
    pub fn seal(&self, binding: &Binding, state: &Value, now: i64) -> String {
        let payload = json!({
            "u": binding.user_id,
            "m": binding.method,
            "n": binding.name,
            "a": binding.arguments_digest(),
            "exp": now + LIFETIME_SECS,
            "s": state,
        })
        .to_string();
        let tag = mac(&self.0, payload.as_bytes()).finalize().into_bytes();
        format!("{}.{}", B64.encode(payload), B64.encode(tag))
    }

    /// The state `sealed` carries, if we sealed it for this very request
    /// and it has not expired.
    pub fn open(&self, binding: &Binding, sealed: &str, now: i64) -> Result<Value, RpcError> {
        let refused = |why: &str| RpcError::invalid_params(format!("invalid requestState: {why}"));
        let (payload, tag) = sealed
            .split_once('.')
            .ok_or_else(|| refused("not a state this server issued"))?;
        let (Ok(payload), Ok(tag)) = (B64.decode(payload), B64.decode(tag)) else {
            return Err(refused("not a state this server issued"));
        };
        // Compared in constant time.
        if mac(&self.0, &payload).verify_slice(&tag).is_err() {
            return Err(refused("integrity check failed"));
        }
        let payload: Value =
            serde_json::from_slice(&payload).map_err(|_| refused("integrity check failed"))?;
        if payload["u"] != json!(binding.user_id)
            || payload["m"] != binding.method
            || payload["n"] != binding.name
            || payload["a"] != binding.arguments_digest()
        {
            return Err(refused("issued for another request"));
        }
        if payload["exp"].as_i64().is_none_or(|exp| exp < now) {
            return Err(refused("expired; call again without it"));
        }
        Ok(payload["s"].clone())
    }
}

fn mac(key: &[u8], message: &[u8]) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(message);
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_790_000_000;

    const NO_ARGUMENTS: &Value = &Value::Null;

    fn call(name: &str) -> Binding<'_> {
        Binding {
            user_id: 7,
            method: "tools/call",
            name,
            arguments: NO_ARGUMENTS,
        }
    }

    #[test]
    fn a_sealed_state_comes_back_to_any_instance_with_the_secret() {
        let state = json!({"round": 2, "name": "Alice"});
        let sealed = StateKey::from_secret(b"shared").seal(&call("t"), &state, NOW);
        let other_instance = StateKey::from_secret(b"shared");
        assert_eq!(
            other_instance.open(&call("t"), &sealed, NOW + 60).unwrap(),
            state
        );
    }

    #[test]
    fn tampered_foreign_misbound_and_expired_states_are_refused_as_invalid_params() {
        let key = StateKey::from_secret(b"shared");
        let sealed = key.seal(&call("t"), &json!({"round": 1}), NOW);
        let (payload, tag) = sealed.split_once('.').unwrap();
        let forged_payload = B64.encode(
            json!({"u": 7, "m": "tools/call", "n": "t", "a": call("t").arguments_digest(),
                   "exp": NOW + 900, "s": {"round": 9}})
            .to_string(),
        );
        let refusals = [
            (format!("{sealed}-TAMPERED"), "integrity check failed"),
            (format!("{forged_payload}.{tag}"), "integrity check failed"),
            (
                format!("{payload}.{}", B64.encode([0u8; 32])),
                "integrity check failed",
            ),
            ("opaque".to_owned(), "not a state this server issued"),
            ("a.b.c!".to_owned(), "not a state this server issued"),
        ];
        for (state, why) in refusals {
            let err = key.open(&call("t"), &state, NOW).unwrap_err();
            assert_eq!(err.code, RpcError::INVALID_PARAMS, "{state}");
            assert!(err.message.contains(why), "{state}: {}", err.message);
        }
        let err = StateKey::from_secret(b"another")
            .open(&call("t"), &sealed, NOW)
            .unwrap_err();
        assert!(err.message.contains("integrity check failed"));
        let err = key.open(&call("u"), &sealed, NOW).unwrap_err();
        assert!(err.message.contains("another request"));
        let other_user = Binding {
            user_id: 8,
            ..call("t")
        };
        assert!(key.open(&other_user, &sealed, NOW).is_err());
        let other_arguments = json!({"id": 1});
        let other_call = Binding {
            arguments: &other_arguments,
            ..call("t")
        };
        assert!(key.open(&other_call, &sealed, NOW).is_err());
        let prompt = Binding {
            method: "prompts/get",
            ..call("t")
        };
        assert!(key.open(&prompt, &sealed, NOW).is_err());
        let err = key
            .open(&call("t"), &sealed, NOW + LIFETIME_SECS + 1)
            .unwrap_err();
        assert!(err.message.contains("expired"));
    }
}
