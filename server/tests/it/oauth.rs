//! Teetrack's OAuth 2.1 authorization server over real sockets: discovery,
//! registration (DCR and client metadata documents), the consent form, the
//! token endpoint, scopes, and every refusal the issue names.

use std::time::Duration;

use crate::common::Teetrack;
use crate::server::{Client, Server, user_with_token};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::redirect::Policy;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const INIT: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#;
const REDIRECT: &str = "http://127.0.0.1:9/callback";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .timeout(crate::common::DEADLINE)
        .build()
        .unwrap()
}

fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

async fn get_json(url: &str) -> Value {
    let response = http().get(url).send().await.unwrap();
    assert_eq!(response.status(), 200, "{url}");
    response.json_value().await
}

trait JsonValue {
    async fn json_value(self) -> Value;
}

impl JsonValue for reqwest::Response {
    async fn json_value(self) -> Value {
        let text = self.text().await.unwrap();
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("JSON: {text}"))
    }
}

/// The value of a hidden input of the consent form.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + marker.len();
    let end = start + html[start..].find('"').unwrap();
    html[start..end]
        .replace("&amp;", "&")
        .replace("&quot;", "\"")
}

/// The scopes the consent form offers, every box ticked.
fn grants(html: &str) -> Vec<String> {
    html.split("name=\"grant\" value=\"")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].to_owned())
        .collect()
}

fn query_param(location: &str, name: &str) -> Option<String> {
    let url = url::Url::parse(location).unwrap();
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

struct Oauth<'a> {
    server: &'a Server,
    client_id: String,
}

impl<'a> Oauth<'a> {
    async fn register(server: &'a Server) -> Oauth<'a> {
        let response = http()
            .post(format!("{}/oauth/register", server.base))
            .header("content-type", "application/json")
            .body(json!({"client_name": "Test connector", "redirect_uris": [REDIRECT]}).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        let body = response.json_value().await;
        assert_eq!(body["token_endpoint_auth_method"], "none");
        Oauth {
            server,
            client_id: body["client_id"].as_str().unwrap().to_owned(),
        }
    }

    fn authorize_url(&self, scope: Option<&str>, extra: &[(&str, &str)]) -> String {
        let mut url = url::Url::parse(&format!("{}/oauth/authorize", self.server.base)).unwrap();
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("response_type", "code")
                .append_pair("client_id", &self.client_id)
                .append_pair("redirect_uri", REDIRECT)
                .append_pair("code_challenge", &challenge(VERIFIER))
                .append_pair("code_challenge_method", "S256")
                .append_pair("state", "st4te");
            if let Some(scope) = scope {
                q.append_pair("scope", scope);
            }
            for (k, v) in extra {
                q.append_pair(k, v);
            }
        }
        url.to_string()
    }

    /// The consent page, then its form posted back with `credential`.
    async fn consent(
        &self,
        scope: Option<&str>,
        credential: &str,
        decision: &str,
    ) -> reqwest::Response {
        self.consent_keeping(scope, credential, decision, None)
            .await
    }

    /// The consent page (as the browser with `cookie` sees it, if any), and
    /// its form posted back, every box ticked, with `fields` added.
    async fn consent_with(
        &self,
        cookie: Option<&str>,
        fields: &[(&str, &str)],
    ) -> (String, reqwest::Response) {
        let mut get = http().get(self.authorize_url(None, &[]));
        if let Some(cookie) = cookie {
            get = get.header("cookie", cookie);
        }
        let html = get.send().await.unwrap().text().await.unwrap();
        let mut form: Vec<(String, String)> = [
            "response_type",
            "client_id",
            "redirect_uri",
            "code_challenge",
            "code_challenge_method",
            "state",
            "scope",
            "resource",
            "csrf",
        ]
        .iter()
        .map(|name| (name.to_string(), hidden(&html, name)))
        .collect();
        form.extend(grants(&html).into_iter().map(|g| ("grant".to_owned(), g)));
        form.extend(fields.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let mut post = http()
            .post(format!("{}/oauth/authorize", self.server.base))
            .form(&form);
        if let Some(cookie) = cookie {
            post = post.header("cookie", cookie);
        }
        (html, post.send().await.unwrap())
    }

    /// The consent page's form, with only `keep` of its boxes left ticked
    /// (`None`: all of them).
    async fn consent_keeping(
        &self,
        scope: Option<&str>,
        credential: &str,
        decision: &str,
        keep: Option<&[&str]>,
    ) -> reqwest::Response {
        let page = http()
            .get(self.authorize_url(scope, &[]))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        let mut form: Vec<(String, String)> = [
            "response_type",
            "client_id",
            "redirect_uri",
            "code_challenge",
            "code_challenge_method",
            "state",
            "scope",
            "resource",
            "csrf",
        ]
        .iter()
        .map(|name| (name.to_string(), hidden(&html, name)))
        .collect();
        for grant in grants(&html) {
            if keep.is_none_or(|keep| keep.contains(&grant.as_str())) {
                form.push(("grant".into(), grant));
            }
        }
        form.push(("credential".into(), credential.into()));
        form.push(("decision".into(), decision.into()));
        http()
            .post(format!("{}/oauth/authorize", self.server.base))
            .form(&form)
            .send()
            .await
            .unwrap()
    }

    /// A code, approved with `credential`.
    async fn code(&self, scope: Option<&str>, credential: &str) -> String {
        let response = self.consent(scope, credential, "approve").await;
        assert_eq!(response.status(), 303, "{}", response.text().await.unwrap());
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        assert!(location.starts_with(REDIRECT), "{location}");
        assert_eq!(query_param(&location, "state").as_deref(), Some("st4te"));
        assert_eq!(
            query_param(&location, "iss").as_deref(),
            Some(self.server.base.as_str())
        );
        query_param(&location, "code").expect("a code")
    }

    async fn token(&self, form: &[(&str, &str)]) -> (u16, Value) {
        let response = http()
            .post(format!("{}/oauth/token", self.server.base))
            .form(form)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        assert_eq!(response.headers()["cache-control"], "no-store");
        (status, response.json_value().await)
    }

    async fn exchange(&self, code: &str, verifier: &str) -> (u16, Value) {
        self.token(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("client_id", &self.client_id),
            ("code_verifier", verifier),
        ])
        .await
    }

    async fn tokens(&self, scope: Option<&str>, credential: &str) -> Value {
        let code = self.code(scope, credential).await;
        let (status, body) = self.exchange(&code, VERIFIER).await;
        assert_eq!(status, 200, "{body}");
        body
    }

    async fn refresh(&self, refresh_token: &str) -> (u16, Value) {
        self.token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", &self.client_id),
        ])
        .await
    }
}

fn login_code(t: &Teetrack, email: &str) -> String {
    t.ok(&["login-code", email]).trim().to_owned()
}

async fn call(server: &Server, token: &str, tool: &str, arguments: Value) -> crate::server::Reply {
    Client::new(&server.url, Some(token))
        .legacy(
            "2025-06-18",
            2,
            "tools/call",
            json!({"name": tool, "arguments": arguments}),
        )
        .await
}

#[tokio::test]
async fn metadata_names_the_public_url_and_the_401_points_at_it() {
    let t = Teetrack::new();
    user_with_token(&t, "ada@example.com");
    let server = Server::start(&t, &["--public-url", "https://tt.example.com/"]);
    for path in [
        "/.well-known/oauth-protected-resource",
        "/.well-known/oauth-protected-resource/api/mcp",
    ] {
        let prm = get_json(&format!("{}{path}", server.base)).await;
        assert_eq!(prm["resource"], "https://tt.example.com/api/mcp");
        assert_eq!(
            prm["authorization_servers"],
            json!(["https://tt.example.com"])
        );
        assert_eq!(
            prm["scopes_supported"],
            json!(["tracks:read", "tracks:write", "invoices", "admin"])
        );
    }
    for path in [
        "/.well-known/oauth-authorization-server",
        "/.well-known/openid-configuration",
    ] {
        let asm = get_json(&format!("{}{path}", server.base)).await;
        assert_eq!(asm["issuer"], "https://tt.example.com");
        assert_eq!(
            asm["authorization_endpoint"],
            "https://tt.example.com/oauth/authorize"
        );
        assert_eq!(asm["token_endpoint"], "https://tt.example.com/oauth/token");
        assert_eq!(
            asm["registration_endpoint"],
            "https://tt.example.com/oauth/register"
        );
        assert_eq!(
            asm["revocation_endpoint"],
            "https://tt.example.com/oauth/revoke"
        );
        assert_eq!(asm["code_challenge_methods_supported"], json!(["S256"]));
        assert_eq!(asm["client_id_metadata_document_supported"], true);
    }
    let anonymous = Client::new(&server.url, None).post(INIT, &[]).await;
    assert_eq!(anonymous.status, 401);
    let challenge = anonymous.headers["www-authenticate"].to_str().unwrap();
    assert!(
        challenge.contains(
            "resource_metadata=\"https://tt.example.com/.well-known/oauth-protected-resource/api/mcp\""
        ),
        "{challenge}"
    );
}

#[tokio::test]
async fn the_code_flow_signs_in_with_a_login_code_or_an_api_token_and_refreshes() {
    let t = Teetrack::new();
    let api_token = user_with_token(&t, "ada@example.com");
    let server = Server::start(&t, &[]);
    let client = Oauth::register(&server).await;

    let tokens = client
        .tokens(None, &login_code(&t, "ada@example.com"))
        .await;
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 3600);
    assert_eq!(tokens["scope"], "tracks:read tracks:write invoices admin");
    let access = tokens["access_token"].as_str().unwrap();
    let reply = call(&server, access, "get_context", json!({})).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.result()["structuredContent"]["user"]["email"],
        "ada@example.com"
    );

    // Rotation: the new pair works, the old access token and refresh token
    // do not; reusing the old refresh token ends the whole chain.
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let (status, rotated) = client.refresh(refresh).await;
    assert_eq!(status, 200, "{rotated}");
    let new_access = rotated["access_token"].as_str().unwrap();
    assert_eq!(
        call(&server, access, "get_context", json!({})).await.status,
        401
    );
    assert_eq!(
        call(&server, new_access, "get_context", json!({}))
            .await
            .status,
        200
    );
    let (status, body) = client.refresh(refresh).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(
        call(&server, new_access, "get_context", json!({}))
            .await
            .status,
        401
    );
    let (status, _) = client
        .refresh(rotated["refresh_token"].as_str().unwrap())
        .await;
    assert_eq!(status, 400);

    // An API token signs in too, and keeps working beside OAuth.
    let tokens = client.tokens(Some("tracks:read"), &api_token).await;
    assert_eq!(tokens["scope"], "tracks:read");
    assert_eq!(
        call(&server, &api_token, "get_context", json!({}))
            .await
            .status,
        200
    );

    // A login code works once.
    let code = login_code(&t, "ada@example.com");
    client.code(None, &code).await;
    let again = client.consent(None, &code, "approve").await;
    assert_eq!(again.status(), 200);
    assert!(again.text().await.unwrap().contains("not valid"));

    // Revocation: the grant ends, and both of its tokens with it.
    let access = tokens["access_token"].as_str().unwrap();
    let revoked = http()
        .post(format!("{}/oauth/revoke", server.base))
        .form(&[
            ("token", tokens["refresh_token"].as_str().unwrap()),
            ("client_id", &client.client_id),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 200);
    assert_eq!(
        call(&server, access, "get_context", json!({})).await.status,
        401
    );
}

#[tokio::test]
async fn codes_are_bound_to_their_verifier_redirect_uri_and_single_use() {
    let t = Teetrack::new();
    user_with_token(&t, "ada@example.com");
    let server = Server::start(&t, &[]);
    let client = Oauth::register(&server).await;

    // Wrong PKCE verifier: refused, and the code is spent.
    let code = client.code(None, &login_code(&t, "ada@example.com")).await;
    let wrong = "x".repeat(43);
    let (status, body) = client.exchange(&code, &wrong).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
    let (status, _) = client.exchange(&code, VERIFIER).await;
    assert_eq!(status, 400);

    // Mismatched redirect URI at the token endpoint.
    let code = client.code(None, &login_code(&t, "ada@example.com")).await;
    let (status, body) = client
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "http://127.0.0.1:9/other"),
            ("client_id", &client.client_id),
            ("code_verifier", VERIFIER),
        ])
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    // ... and at the authorization endpoint: an error page, never a redirect.
    let url = client
        .authorize_url(None, &[])
        .replace("%2Fcallback", "%2Fevil");
    let page = http().get(url).send().await.unwrap();
    assert_eq!(page.status(), 400);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("not one that Test connector registered")
    );

    // A reused code: refused, and the tokens of its first use are revoked.
    let code = client.code(None, &login_code(&t, "ada@example.com")).await;
    let (status, first) = client.exchange(&code, VERIFIER).await;
    assert_eq!(status, 200);
    let access = first["access_token"].as_str().unwrap();
    assert_eq!(
        call(&server, access, "get_context", json!({})).await.status,
        200
    );
    let (status, body) = client.exchange(&code, VERIFIER).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(
        call(&server, access, "get_context", json!({})).await.status,
        401
    );

    // Plain PKCE and no PKCE go back to the client as errors, with the state.
    let url = client
        .authorize_url(None, &[])
        .replace("code_challenge_method=S256", "code_challenge_method=plain");
    let response = http().get(url).send().await.unwrap();
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"].to_str().unwrap();
    assert_eq!(
        query_param(location, "error").as_deref(),
        Some("invalid_request")
    );
    assert_eq!(query_param(location, "state").as_deref(), Some("st4te"));

    // Another resource than this server's: invalid_target.
    let url = client.authorize_url(None, &[("resource", "https://elsewhere.example/api/mcp")]);
    let response = http().get(url).send().await.unwrap();
    let location = response.headers()["location"].to_str().unwrap();
    assert_eq!(
        query_param(location, "error").as_deref(),
        Some("invalid_target")
    );

    // Deny: access_denied.
    let response = client.consent(None, "", "deny").await;
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"].to_str().unwrap();
    assert_eq!(
        query_param(location, "error").as_deref(),
        Some("access_denied")
    );
    assert_eq!(query_param(location, "code"), None);
}

#[tokio::test]
async fn a_forged_or_altered_form_is_refused() {
    let t = Teetrack::new();
    user_with_token(&t, "ada@example.com");
    let server = Server::start(&t, &[]);
    let client = Oauth::register(&server).await;
    let page = http()
        .get(client.authorize_url(Some("tracks:read"), &[]))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden(&page, "csrf");
    let post = |scope: &'static str, csrf: String, code: String| {
        let form = vec![
            ("response_type", "code".to_owned()),
            ("client_id", client.client_id.clone()),
            ("redirect_uri", REDIRECT.to_owned()),
            ("code_challenge", challenge(VERIFIER)),
            ("code_challenge_method", "S256".to_owned()),
            ("state", "st4te".to_owned()),
            ("scope", scope.to_owned()),
            ("csrf", csrf),
            ("grant", "tracks:read".to_owned()),
            ("grant", "admin".to_owned()),
            ("credential", code),
            ("decision", "approve".to_owned()),
        ];
        http()
            .post(format!("{}/oauth/authorize", server.base))
            .form(&form)
            .send()
    };
    // More scope than the page showed: the signature does not fit.
    let altered = post(
        "tracks:read admin",
        csrf.clone(),
        login_code(&t, "ada@example.com"),
    )
    .await
    .unwrap();
    assert_eq!(altered.status(), 400);
    let forged = post(
        "tracks:read",
        "1.AAAA".into(),
        login_code(&t, "ada@example.com"),
    )
    .await
    .unwrap();
    assert_eq!(forged.status(), 400);
    let honest = post("tracks:read", csrf, login_code(&t, "ada@example.com"))
        .await
        .unwrap();
    assert_eq!(honest.status(), 303);
    // A box ticked for a scope the request did not ask for grants nothing
    // more: the code carries tracks:read only.
    let code = query_param(honest.headers()["location"].to_str().unwrap(), "code").unwrap();
    let (status, tokens) = client.exchange(&code, VERIFIER).await;
    assert_eq!(
        (status, tokens["scope"].as_str()),
        (200, Some("tracks:read"))
    );
}

#[tokio::test]
async fn scopes_are_checked_per_tool_and_users_stay_apart() {
    let t = Teetrack::new();
    let ada_api = user_with_token(&t, "ada@example.com");
    user_with_token(&t, "bob@example.com");
    let server = Server::start(&t, &[]);
    let client = Oauth::register(&server).await;
    let reader = client
        .tokens(Some("tracks:read"), &login_code(&t, "ada@example.com"))
        .await;
    let reader = reader["access_token"].as_str().unwrap();

    assert_eq!(
        call(&server, reader, "list_tracks", json!({})).await.status,
        200
    );
    let refused = call(
        &server,
        reader,
        "log_track",
        json!({"start": "2026-11-24 09:00", "end": "2026-11-24 10:00"}),
    )
    .await;
    assert_eq!(refused.status, 403);
    let header = refused.headers["www-authenticate"].to_str().unwrap();
    assert!(header.contains("error=\"insufficient_scope\""), "{header}");
    assert!(header.contains("scope=\"tracks:write\""), "{header}");
    assert_eq!(
        call(&server, reader, "update_settings", json!({}))
            .await
            .status,
        403
    );
    // An API token has every scope.
    let logged = call(
        &server,
        &ada_api,
        "log_track",
        json!({"start": "2026-11-24 09:00", "end": "2026-11-24 10:00", "description": "Ada's"}),
    )
    .await;
    assert_eq!(logged.status, 200);
    let track = logged.result()["structuredContent"]["track"]["id"].clone();
    assert!(track.is_i64(), "{}", logged.body());

    // Bob's OAuth token never reaches Ada's track.
    let bob = client
        .tokens(None, &login_code(&t, "bob@example.com"))
        .await;
    let bob = bob["access_token"].as_str().unwrap();
    let reply = call(&server, bob, "get_track", json!({"id": track})).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.result()["isError"], true);
    assert!(reply.result().get("structuredContent").is_none());
    let body: Value =
        serde_json::from_str(reply.result()["content"][0]["text"].as_str().unwrap()).unwrap();
    assert_eq!(body["code"], "not_found");
    let reply = call(&server, reader, "get_track", json!({"id": track})).await;
    assert_eq!(reply.result()["isError"], false);
}

#[tokio::test]
async fn tokens_are_bound_to_their_audience_and_expire() {
    let t = Teetrack::new();
    user_with_token(&t, "ada@example.com");
    // Two deployments on one database, reached at different URLs.
    let a = Server::start(&t, &["--oauth-access-token-secs", "2"]);
    let b = Server::start(&t, &["--public-url", "https://b.example.com"]);
    let client = Oauth::register(&a).await;
    let tokens = client
        .tokens(None, &login_code(&t, "ada@example.com"))
        .await;
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(call(&a, access, "get_context", json!({})).await.status, 200);
    let elsewhere = call(&b, access, "get_context", json!({})).await;
    assert_eq!(elsewhere.status, 401);
    assert!(
        elsewhere.body()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("another resource")
    );
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(call(&a, access, "get_context", json!({})).await.status, 401);
}

#[tokio::test]
async fn grants_are_listed_and_revoked_with_the_cli() {
    let t = Teetrack::new();
    user_with_token(&t, "ada@example.com");
    let server = Server::start(&t, &[]);
    let client = Oauth::register(&server).await;
    let tokens = client
        .tokens(None, &login_code(&t, "ada@example.com"))
        .await;
    let access = tokens["access_token"].as_str().unwrap();
    let list = t.ok(&["tokens", "list", "ada@example.com"]);
    assert!(list.contains("OAUTH GRANT"), "{list}");
    let row = list
        .lines()
        .find(|l| l.starts_with("oauth:"))
        .unwrap_or_else(|| panic!("{list}"));
    assert!(row.contains("Test connector"), "{row}");
    let id = row.split_whitespace().next().unwrap();
    t.ok(&["tokens", "revoke", "ada@example.com", id]);
    assert_eq!(
        call(&server, access, "get_context", json!({})).await.status,
        401
    );
    let out = t.run(&["tokens", "revoke", "ada@example.com", id]);
    assert!(!out.status.success());
}

/// Serves `body` at /client.json on a loopback port: a stand-in for a
/// client's metadata document host.
async fn metadata_host(body: impl Fn(&str) -> String + Send + Sync + 'static) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let url = format!("{base}/client.json");
    let document = body(&url);
    let app = axum::Router::new().route(
        "/client.json",
        axum::routing::get(move || {
            let document = document.clone();
            async move { ([("content-type", "application/json")], document) }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

#[tokio::test]
async fn client_id_metadata_documents_are_fetched_within_bounds() {
    let t = Teetrack::new();
    user_with_token(&t, "ada@example.com");
    let good = metadata_host(|url| {
        json!({"client_id": url, "client_name": "Metadata client", "redirect_uris": [REDIRECT]})
            .to_string()
    })
    .await;
    let huge = metadata_host(|url| {
        json!({"client_id": url, "client_name": "x".repeat(100_000), "redirect_uris": [REDIRECT]})
            .to_string()
    })
    .await;
    let impostor = metadata_host(|_| {
        json!({"client_id": "https://someone.else/client.json", "redirect_uris": [REDIRECT]})
            .to_string()
    })
    .await;

    // Without the test-only allowance, plain http is never fetched.
    let strict = Server::start(&t, &[]);
    let client = Oauth {
        server: &strict,
        client_id: good.clone(),
    };
    let page = http()
        .get(client.authorize_url(None, &[]))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 400);
    assert!(page.text().await.unwrap().contains("https"));

    let server = Server::start(&t, &["--oauth-allow-loopback-client-metadata"]);
    let client = Oauth {
        server: &server,
        client_id: good,
    };
    let page = http()
        .get(client.authorize_url(None, &[]))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("Metadata client wants to use your Teetrack")
    );
    let tokens = client
        .tokens(None, &login_code(&t, "ada@example.com"))
        .await;
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(
        call(&server, access, "get_context", json!({})).await.status,
        200
    );

    for (url, why) in [(huge, "too large"), (impostor, "another client_id")] {
        let client = Oauth {
            server: &server,
            client_id: url,
        };
        let page = http()
            .get(client.authorize_url(None, &[]))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 400);
        assert!(page.text().await.unwrap().contains(why));
    }
}

#[tokio::test]
async fn registration_checks_redirect_uris() {
    let t = Teetrack::new();
    let server = Server::start(&t, &[]);
    for metadata in [
        json!({"client_name": "x"}),
        json!({"redirect_uris": ["http://evil.example.com/cb"]}),
        json!({"redirect_uris": ["https://ok.example.com/cb#frag"]}),
        json!({"redirect_uris": ["https://ok.example.com/cb"], "response_types": ["token"]}),
    ] {
        let response = http()
            .post(format!("{}/oauth/register", server.base))
            .header("content-type", "application/json")
            .body(metadata.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{metadata}");
        let body = response.json_value().await;
        assert!(
            body["error"].as_str().unwrap().starts_with("invalid_"),
            "{body}"
        );
    }
}

#[tokio::test]
async fn the_user_grants_only_the_scopes_left_ticked() {
    let t = Teetrack::new();
    user_with_token(&t, "ada@example.com");
    let server = Server::start(&t, &[]);
    let client = Oauth::register(&server).await;
    let none = client
        .consent_keeping(
            None,
            &login_code(&t, "ada@example.com"),
            "approve",
            Some(&[]),
        )
        .await;
    assert_eq!(none.status(), 200);
    assert!(none.text().await.unwrap().contains("Tick at least one"));
    let some = client
        .consent_keeping(
            None,
            &login_code(&t, "ada@example.com"),
            "approve",
            Some(&["tracks:read", "invoices"]),
        )
        .await;
    assert_eq!(some.status(), 303);
    let code = query_param(some.headers()["location"].to_str().unwrap(), "code").unwrap();
    let (status, tokens) = client.exchange(&code, VERIFIER).await;
    assert_eq!(status, 200);
    assert_eq!(tokens["scope"], "tracks:read invoices");
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(
        call(&server, access, "update_settings", json!({}))
            .await
            .status,
        403
    );
    assert_eq!(
        call(&server, access, "list_tracks", json!({})).await.status,
        200
    );
}

#[tokio::test]
async fn registrations_and_sign_in_attempts_are_rate_limited() {
    let t = Teetrack::new();
    user_with_token(&t, "ada@example.com");
    let server = Server::start(&t, &[]);
    let client = Oauth::register(&server).await;
    let mut statuses = Vec::new();
    for _ in 0..25 {
        let answer = client.consent(None, "WRONG-CODE1", "approve").await;
        statuses.push(answer.status().as_u16());
    }
    assert_eq!(statuses[..19], [200; 19], "{statuses:?}");
    assert_eq!(*statuses.last().unwrap(), 429, "{statuses:?}");
    let mut statuses = Vec::new();
    for _ in 0..25 {
        let response = http()
            .post(format!("{}/oauth/register", server.base))
            .header("content-type", "application/json")
            .body(json!({"redirect_uris": [REDIRECT]}).to_string())
            .send()
            .await
            .unwrap();
        if response.status() == 429 {
            assert!(response.headers().contains_key("retry-after"));
        }
        statuses.push(response.status().as_u16());
    }
    assert!(
        statuses.contains(&201) && statuses.ends_with(&[429]),
        "{statuses:?}"
    );
}

/// A connector user signs in on their own: with the web app's password, or
/// at once when their browser is signed in to the web app.
#[tokio::test]
async fn a_connector_user_approves_with_their_password_or_their_web_session() {
    let t = Teetrack::new();
    t.ok(&["users", "add", "ada@example.com"]);
    let mut child = t
        .command(&["users", "set-password", "ada@example.com"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), b"ada passphrase 1\n").unwrap();
    assert!(child.wait().unwrap().success());
    let server = Server::start(&t, &[]);
    let oauth = Oauth::register(&server).await;

    let approve = [("decision", "approve")];
    let (_, wrong) = oauth
        .consent_with(
            None,
            &[
                ("email", "ada@example.com"),
                ("password", "nope nope nope"),
                approve[0],
            ],
        )
        .await;
    assert_eq!(wrong.status(), 200);
    assert!(wrong.text().await.unwrap().contains("do not match"));
    let (_, right) = oauth
        .consent_with(
            None,
            &[
                ("email", "ada@example.com"),
                ("password", "ada passphrase 1"),
                approve[0],
            ],
        )
        .await;
    assert_eq!(right.status(), 303);
    let location = right.headers()["location"].to_str().unwrap().to_owned();
    assert!(query_param(&location, "code").is_some(), "{location}");

    // Signed in to the web app: the page says who, and approving needs nothing more.
    let signin = http()
        .get(format!("{}/signin", server.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let signed = http()
        .post(format!("{}/signin", server.base))
        .form(&[
            ("csrf", hidden(&signin, "csrf").as_str()),
            ("method", "password"),
            ("email", "ada@example.com"),
            ("password", "ada passphrase 1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed.status(), 303);
    let cookie = signed.headers()["set-cookie"].to_str().unwrap();
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let (page, approved) = oauth
        .consent_with(Some(&cookie), &[("use_session", "yes"), approve[0]])
        .await;
    assert!(
        page.contains("Signed in as <strong>ada@example.com</strong>"),
        "{page}"
    );
    assert_eq!(approved.status(), 303);
    let location = approved.headers()["location"].to_str().unwrap().to_owned();
    assert!(query_param(&location, "code").is_some(), "{location}");
    // Without the cookie, `use_session` alone approves nothing.
    let (_, forged) = oauth
        .consent_with(None, &[("use_session", "yes"), approve[0]])
        .await;
    assert_eq!(forged.status(), 200);
    assert!(
        forged
            .text()
            .await
            .unwrap()
            .contains("Enter your email and password")
    );
}
