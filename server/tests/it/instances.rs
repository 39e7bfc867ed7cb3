//! Three `teetrack serve` instances on one PostgreSQL database, clients
//! spread round-robin across them, everything at once: every track billed
//! once, invoice numbers gapless, no user above `max_active_timers`, an
//! authorization code and a refresh token each redeemed once, the rate limit holding across instances, no
//! 5xx. Runs in the PostgreSQL pass of `scripts/test` (TEETRACK_TEST_POSTGRES).

use std::sync::Arc;

use catalogue::db::oauth::{self, Authorization, Lifetimes, OAuthError};
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::common::Teetrack;
use crate::server::{Client, Server, user_with_token};

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    count: i64,
}

fn count(db: &catalogue::Db, sql: &str) -> i64 {
    diesel::sql_query(sql)
        .get_result::<Count>(&mut *db.conn().unwrap())
        .unwrap()
        .count
}

async fn call(client: &Client, id: i64, tool: &str, arguments: Value) -> (u16, Value) {
    let reply = client
        .legacy(
            "2025-06-18",
            id,
            "tools/call",
            json!({"name": tool, "arguments": arguments}),
        )
        .await;
    let body = reply.messages.last().cloned().unwrap_or(Value::Null);
    (reply.status, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_instances_on_one_postgres_database_keep_every_invariant() {
    let t = Teetrack::new();
    if !t.db_url().starts_with("postgres") {
        eprintln!("three instances: needs TEETRACK_TEST_POSTGRES (scripts/test sets it); not run");
        return;
    }
    // Five tokens of one user share the load (each its own rate limit).
    let first = user_with_token(&t, "ada@example.com");
    t.ok(&["users", "set-tier", "ada@example.com", "business"]);
    let mut tokens = vec![first];
    for _ in 0..4 {
        tokens.push(
            t.ok(&["tokens", "create", "ada@example.com"])
                .trim()
                .to_owned(),
        );
    }
    let args = ["--rate-limit", "60", "--rate-burst", "30"];
    let servers: Vec<Server> = (0..3).map(|_| Server::start(&t, &args)).collect();
    let clients: Vec<Arc<Client>> = (0..15)
        .map(|i| Arc::new(Client::new(&servers[i % 3].url, Some(&tokens[i % 5]))))
        .collect();

    let (status, created) = call(
        &clients[0],
        1,
        "create_client",
        json!({"name": "Acme", "currency": "EUR"}),
    )
    .await;
    assert_eq!(status, 200, "{created}");
    let (status, project) = call(
        &clients[1],
        2,
        "create_project",
        json!({"name": "Website", "client": "Acme", "billable": true, "hourly_rate": "100"}),
    )
    .await;
    assert_eq!(status, 200, "{project}");

    // At once, round-robin over the instances: timers, logs, invoices
    // generated for the same client and sent.
    let mut tasks = Vec::new();
    for i in 0..45_i64 {
        let client = Arc::clone(&clients[i as usize % clients.len()]);
        tasks.push(tokio::spawn(async move {
            let (tool, arguments) = match i % 3 {
                0 => ("start_timer", json!({"project": "Website", "if_running": "error"})),
                1 => (
                    "log_track",
                    json!({"project": "Website", "start": format!("2026-11-{:02}T09:00:00Z", 1 + i / 3), "end": format!("2026-11-{:02}T10:00:00Z", 1 + i / 3)}),
                ),
                _ => ("generate_invoice", json!({"client": "Acme", "from": "2026-11-01", "to": "2026-11-30"})),
            };
            call(&client, 100 + i, tool, arguments).await
        }));
    }
    let mut drafts = Vec::new();
    for task in tasks {
        let (status, body) = task.await.unwrap();
        assert!(status < 500, "{status}: {body}");
        assert_eq!(status, 200, "{body}");
        if let Some(id) = body["result"]["structuredContent"]["invoice"]["id"].as_i64() {
            drafts.push(id);
        }
    }
    assert!(!drafts.is_empty(), "some invoice was generated");
    let mut sends = Vec::new();
    for (i, id) in drafts.iter().enumerate() {
        let client = Arc::clone(&clients[i % clients.len()]);
        let id = *id;
        sends.push(tokio::spawn(async move {
            call(&client, 1000 + id, "mark_invoice_sent", json!({"id": id})).await
        }));
    }
    for send in sends {
        let (status, body) = send.await.unwrap();
        assert_eq!(status, 200, "{body}");
    }

    let db = catalogue::Db::open(Some(t.db_url())).unwrap();
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) AS count FROM (SELECT track_id FROM invoice_tracks WHERE active \
             GROUP BY track_id HAVING COUNT(*) > 1) AS twice"
        ),
        0,
        "a track on two live invoices"
    );
    let sent = count(
        &db,
        "SELECT COUNT(*) AS count FROM invoices WHERE number IS NOT NULL",
    );
    assert_eq!(sent, drafts.len() as i64);
    let numbered = count(
        &db,
        "SELECT COUNT(DISTINCT number) AS count FROM invoices WHERE number IS NOT NULL",
    );
    assert_eq!(numbered, sent, "numbers are unique");
    let last = count(
        &db,
        "SELECT CAST(invoice_last_seq AS BIGINT) AS count FROM user_settings",
    );
    assert_eq!(last, sent, "numbers 1..n: none skipped");
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) AS count FROM tracks WHERE ended_at IS NULL"
        ),
        1,
        "max_active_timers is 1"
    );

    // An authorization code, then the refresh token its exchange gave,
    // each presented to the three instances at once: each redeemed once.
    let verifier = "v".repeat(43);
    let (client_id, code) = {
        use base64::Engine as _;
        use sha2::Digest as _;
        let conn = &mut db.conn().unwrap();
        let now = jiff::Timestamp::now();
        let client =
            oauth::register_client(conn, "Claude", &["https://claude.ai/cb".into()], None, now)
                .unwrap();
        let user = catalogue::db::users::find_by_email(conn, "ada@example.com").unwrap();
        let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(sha2::Sha256::digest(verifier.as_bytes()));
        let auth = Authorization {
            client_id: client.client_id.clone(),
            user_id: user.id,
            redirect_uri: "https://claude.ai/cb".into(),
            code_challenge: challenge,
            resource: servers[0].url.clone(),
            scope: "tracks:read".into(),
        };
        (
            client.client_id,
            oauth::create_code(conn, &auth, 120, now).unwrap(),
        )
    };
    let http = reqwest::Client::new();
    let race = |form: Vec<(&'static str, String)>| {
        let handles: Vec<_> = (0..6)
            .map(|round| {
                let (http, url, form) = (
                    http.clone(),
                    format!("{}/oauth/token", servers[round % 3].base),
                    form.clone(),
                );
                tokio::spawn(async move {
                    let response = http.post(url).form(&form).send().await.unwrap();
                    let status = response.status().as_u16();
                    (status, response.text().await.unwrap_or_default())
                })
            })
            .collect();
        async move {
            let mut answers = Vec::new();
            for handle in handles {
                answers.push(handle.await.unwrap());
            }
            answers
        }
    };
    let exchanged = race(vec![
        ("grant_type", "authorization_code".into()),
        ("code", code),
        ("code_verifier", verifier.clone()),
        ("redirect_uri", "https://claude.ai/cb".into()),
        ("client_id", client_id.clone()),
    ])
    .await;
    assert!(exchanged.iter().all(|(s, _)| *s < 500), "{exchanged:?}");
    let granted: Vec<_> = exchanged.iter().filter(|(s, _)| *s == 200).collect();
    assert_eq!(
        granted.len(),
        1,
        "the code is exchanged once: {exchanged:?}"
    );
    // (A second use of a code revokes the grant of its first: the pair
    // issued may already be void. A fresh pair for the refresh race.)
    let refresh = {
        let conn = &mut db.conn().unwrap();
        let now = jiff::Timestamp::now();
        let user = catalogue::db::users::find_by_email(conn, "ada@example.com").unwrap();
        let auth = Authorization {
            client_id: client_id.clone(),
            user_id: user.id,
            redirect_uri: "https://claude.ai/cb".into(),
            code_challenge: "challenge".into(),
            resource: servers[0].url.clone(),
            scope: "tracks:read".into(),
        };
        let code = oauth::create_code(conn, &auth, 120, now).unwrap();
        let life = Lifetimes {
            access_secs: 3600,
            refresh_secs: 86400,
        };
        oauth::exchange_code(conn, &code, life, now, |_| Ok::<_, OAuthError>(()))
            .unwrap()
            .refresh_token
    };
    let refreshed = race(vec![
        ("grant_type", "refresh_token".into()),
        ("refresh_token", refresh),
        ("client_id", client_id),
    ])
    .await;
    assert!(refreshed.iter().all(|(s, _)| *s < 500), "{refreshed:?}");
    assert_eq!(
        refreshed.iter().filter(|(s, _)| *s == 200).count(),
        1,
        "the refresh token is redeemed once: {refreshed:?}"
    );

    // One fresh token, 90 requests spread over the three instances: the
    // burst of 30 (and what refills meanwhile) is allowed in all, not 30
    // per instance.
    let token = t
        .ok(&["tokens", "create", "ada@example.com"])
        .trim()
        .to_owned();
    let spread: Vec<Client> = servers
        .iter()
        .map(|s| Client::new(&s.url, Some(&token)))
        .collect();
    let mut allowed = 0;
    for i in 0..90 {
        let (status, _) = call(&spread[i % 3], 5000 + i as i64, "get_context", json!({})).await;
        assert!(status == 200 || status == 429, "{status}");
        if status == 200 {
            allowed += 1;
        }
    }
    assert!(
        (30..45).contains(&allowed),
        "{allowed} of 90 allowed: the limit is one for all instances"
    );
}
