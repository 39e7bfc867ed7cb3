//! Account settings: profile, preferences (time zone, formats, rounding:
//! `update_settings`, as an assistant would call it), tier and usage
//! (`get_subscription`), the password, API tokens, connected apps (OAuth
//! grants), and the configuration of each assistant, as `teetrack config`
//! prints it, with a token made here filled in.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use catalogue::db::{oauth, users};
use serde_json::{Value, json};

use super::account::checked_form;
use super::html::{self, escape, text};
use super::session::Signed;
use super::{Web, see_other, session, to_signin};
use crate::client_config::{self, Client, Setup};

fn options(current: &str, values: &[(&str, &str)]) -> String {
    values
        .iter()
        .map(|(value, label)| {
            let selected = if *value == current { " selected" } else { "" };
            format!("<option value=\"{value}\"{selected}>{label}</option>")
        })
        .collect()
}

fn select(id: &str, name: &str, label: &str, current: &str, values: &[(&str, &str)]) -> String {
    format!(
        "<div><label for=\"{id}\">{label}</label><select id=\"{id}\" name=\"{name}\">{}</select></div>\n",
        options(current, values)
    )
}

fn preferences(settings: &Value) -> String {
    let rounding = &settings["rounding"];
    let minutes = rounding["minutes"].as_i64().unwrap_or(15);
    format!(
        "<section class=\"card\" aria-labelledby=\"prefs\"><h2 id=\"prefs\">Time zone, formats and rounding</h2>\n\
         <form data-tool=\"update_settings\" data-then=\"stay\">\n\
         <div class=\"row\"><div><label for=\"tz\">Time zone</label>\
         <input id=\"tz\" name=\"time_zone\" value=\"{tz}\" aria-describedby=\"tz-hint\"></div>\n{week}</div>\n\
         <p class=\"muted small\" id=\"tz-hint\">An IANA name such as <code>Europe/Berlin</code>.</p>\n\
         <div class=\"row\">{date}{time}{duration}</div>\n\
         <div class=\"row\">{mode}<div class=\"narrow\"><label for=\"r-min\">Minutes</label>\
         <input id=\"r-min\" name=\"rounding.minutes\" data-type=\"int\" inputmode=\"numeric\" value=\"{minutes}\"></div>{scope}</div>\n\
         <p class=\"error\" role=\"alert\"></p><p class=\"ok\" role=\"status\"></p>\n\
         <div class=\"actions\"><button type=\"submit\">Save preferences</button></div>\n</form>\n\
         <p class=\"muted small\">Now shown as: {preview}.</p></section>\n",
        tz = escape(text(settings, "time_zone")),
        week = select(
            "week",
            "week_start",
            "Week starts",
            text(settings, "week_start"),
            &[("monday", "Monday"), ("sunday", "Sunday")]
        ),
        date = select(
            "date",
            "date_format",
            "Dates",
            text(settings, "date_format"),
            &[
                ("iso", "2026-11-25"),
                ("dmy_dot", "25.11.2026"),
                ("dmy_slash", "25/11/2026"),
                ("mdy_slash", "11/25/2026")
            ]
        ),
        time = select(
            "time",
            "time_format",
            "Times",
            text(settings, "time_format"),
            &[("24h", "14:30"), ("12h", "2:30 PM")]
        ),
        duration = select(
            "dur",
            "duration_format",
            "Durations",
            text(settings, "duration_format"),
            &[
                ("hh_mm_ss", "1:30:00"),
                ("hh_mm", "1:30"),
                ("decimal", "1.50 h")
            ]
        ),
        mode = select(
            "r-mode",
            "rounding.mode",
            "Rounding",
            text(rounding, "mode"),
            &[
                ("none", "None (exact)"),
                ("up", "Up"),
                ("down", "Down"),
                ("nearest", "Nearest")
            ]
        ),
        scope = select(
            "r-scope",
            "rounding.scope",
            "Round each",
            text(rounding, "scope"),
            &[("track", "Track"), ("total", "Total")]
        ),
        preview = escape(
            &[
                text(&settings["preview"], "date"),
                text(&settings["preview"], "time"),
                text(&settings["preview"], "duration")
            ]
            .join(" · ")
        ),
    )
}

fn subscription(sub: &Value) -> String {
    let mut rows = String::new();
    if let Some(usage) = sub["usage"].as_object() {
        for (what, used) in usage {
            let limit = match used["limit"].as_i64() {
                Some(limit) => limit.to_string(),
                None => "no limit".into(),
            };
            rows.push_str(&format!(
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{limit}</td></tr>\n",
                escape(&what.replace('_', " ")),
                used["used"].as_i64().unwrap_or(0)
            ));
        }
    }
    let locked = sub["locked_tools"]
        .as_array()
        .map(|l| {
            l.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    format!(
        "<section class=\"card\" aria-labelledby=\"tier\"><h2 id=\"tier\">Tier and usage</h2>\n\
         <p>You are on the <strong>{}</strong> tier.</p>\n<div class=\"table-wrap\" tabindex=\"0\" role=\"region\" aria-label=\"Scrollable table\"><table><thead><tr>\
         <th scope=\"col\">What</th><th scope=\"col\" class=\"num\">Used</th><th scope=\"col\" class=\"num\">Limit</th>\
         </tr></thead><tbody>{rows}</tbody></table></div>\n{}</section>\n",
        escape(text(sub, "tier")),
        if locked.is_empty() {
            String::new()
        } else {
            format!(
                "<p class=\"muted small\">Needs a higher tier: {}.</p>\n",
                escape(&locked)
            )
        }
    )
}

fn tokens(signed: &Signed, list: &[users::TokenInfo], new: Option<&str>) -> String {
    let mut out = String::from(
        "<section class=\"card\" aria-labelledby=\"tokens\"><h2 id=\"tokens\">API tokens</h2>\n",
    );
    if let Some(token) = new {
        out.push_str(&format!(
            "<div class=\"ok\" role=\"status\"><p><strong>Your new token</strong>: copy it now, it is \
             shown only this once.</p><p class=\"token\" id=\"new-token\">{}</p>\
             <button type=\"button\" class=\"secondary\" data-copy=\"new-token\">Copy token</button></div>\n",
            escape(token)
        ));
    }
    let live: Vec<&users::TokenInfo> = list.iter().filter(|t| t.revoked_at.is_none()).collect();
    if live.is_empty() {
        out.push_str("<p class=\"muted\">No token yet.</p>\n");
    } else {
        out.push_str(
            "<div class=\"table-wrap\" tabindex=\"0\" role=\"region\" aria-label=\"Scrollable table\"><table><thead><tr><th scope=\"col\">Name</th><th scope=\"col\">Starts with</th>\
             <th scope=\"col\" class=\"hide-narrow\">Created</th><th scope=\"col\">Last used</th>\
             <th scope=\"col\"><span class=\"skip\">Revoke</span></th></tr></thead><tbody>\n",
        );
        for token in live {
            out.push_str(&format!(
                "<tr><td>{name}</td><td><code>{prefix}…</code></td><td class=\"hide-narrow\">{created}</td><td>{used}</td>\
                 <td><form method=\"post\" action=\"/settings/tokens/revoke\">{csrf}\
                 <input type=\"hidden\" name=\"id\" value=\"{id}\">\
                 <button type=\"submit\" class=\"danger\" aria-label=\"Revoke token {name}\">Revoke</button></form></td></tr>\n",
                name = escape(&token.name),
                prefix = escape(&token.prefix),
                created = token.created_at.strftime("%Y-%m-%d"),
                used = token
                    .last_used_at
                    .map_or("never".into(), |t| t.strftime("%Y-%m-%d %H:%M UTC").to_string()),
                csrf = html::csrf_field(signed),
                id = token.id,
            ));
        }
        out.push_str("</tbody></table></div>\n");
    }
    out.push_str(&format!(
        "<form method=\"post\" action=\"/settings/tokens\">{}\
         <div class=\"row\"><div><label for=\"token-name\">New token's name</label>\
         <input id=\"token-name\" name=\"name\" maxlength=\"60\" placeholder=\"laptop\"></div>\
         <div class=\"narrow\"><button type=\"submit\">Create token</button></div></div></form>\n</section>\n",
        html::csrf_field(signed)
    ));
    out
}

fn apps(signed: &Signed, grants: &[oauth::GrantInfo]) -> String {
    let live: Vec<&oauth::GrantInfo> = grants.iter().filter(|g| g.revoked_at.is_none()).collect();
    let mut out = String::from(
        "<section class=\"card\" aria-labelledby=\"apps\"><h2 id=\"apps\">Connected apps</h2>\n",
    );
    if live.is_empty() {
        out.push_str("<p class=\"muted\">No app is connected with OAuth.</p>\n");
    }
    for grant in live {
        out.push_str(&format!(
            "<div class=\"row\" style=\"align-items:center;margin:.4rem 0\"><div><strong>{name}</strong>\
             <div class=\"muted small\">{scope} · since {created} · last used {used}</div></div>\
             <form method=\"post\" action=\"/settings/apps/revoke\" class=\"narrow\">{csrf}\
             <input type=\"hidden\" name=\"id\" value=\"{id}\">\
             <button type=\"submit\" class=\"danger\" aria-label=\"Disconnect {name}\">Disconnect</button></form></div>\n",
            name = escape(&grant.client_name),
            scope = escape(&grant.scope),
            created = grant.created_at.strftime("%Y-%m-%d"),
            used = grant
                .last_used_at
                .map_or("never".into(), |t| t.strftime("%Y-%m-%d").to_string()),
            csrf = html::csrf_field(signed),
            id = grant.id,
        ));
    }
    out.push_str("</section>\n");
    out
}

/// Each client's configuration, as `teetrack config CLIENT --url …` prints it.
fn connect(web: &Web, token: Option<&str>) -> String {
    let command = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| client_config::COMMAND_PLACEHOLDER.into());
    let setup = Setup {
        command,
        token: token.map(str::to_owned),
        database_url: None,
        url: web.mcp_url.clone(),
        toolsets: Vec::new(),
        read_only: false,
    };
    let mut out = String::from(
        "<section class=\"card\" aria-labelledby=\"connect\"><h2 id=\"connect\">Connect an assistant</h2>\n",
    );
    out.push_str(if token.is_some() {
        "<p>Your new token is filled in below.</p>\n"
    } else {
        "<p class=\"muted\">Create a token above and it is filled in here; until then the \
         configurations hold a placeholder.</p>\n"
    });
    for client in Client::ALL {
        let config = client_config::render(client, &setup);
        let id = format!("config-{}", client.as_str());
        let prose = |lines: &[String]| -> String {
            lines
                .iter()
                .map(|line| format!("<p class=\"small\">{}</p>", backticks(line)))
                .collect()
        };
        out.push_str(&format!(
            "<details><summary>{name}</summary>\n{before}<pre id=\"{id}\">{snippet}</pre>\
             <button type=\"button\" class=\"secondary\" data-copy=\"{id}\">Copy</button>\n{after}</details>\n",
            name = escape(client.display_name()),
            before = prose(&config.before),
            snippet = escape(&config.snippet),
            after = prose(&config.after),
        ));
    }
    out.push_str("</section>\n");
    out
}

/// Prose in which `backticks` mark code.
fn backticks(line: &str) -> String {
    line.split('`')
        .enumerate()
        .map(|(i, part)| match i % 2 {
            1 => format!("<code>{}</code>", escape(part)),
            _ => escape(part),
        })
        .collect()
}

async fn render(
    web: &Web,
    signed: &Signed,
    new_token: Option<&str>,
    error: Option<&str>,
) -> Response {
    let user = &signed.user;
    let (settings, sub) = tokio::join!(
        web.call(user, "get_settings", json!({})),
        web.call(user, "get_subscription", json!({})),
    );
    let (email, user_id) = (user.email.clone(), user.id);
    let account: Result<_, catalogue::ToolError> = web
        .db
        .run(move |conn| {
            let fault = |err: String| catalogue::ToolError::internal(err);
            let tokens = users::list_tokens(conn, &email).map_err(|e| fault(e.to_string()))?;
            let grants = oauth::list_grants(conn, user_id).map_err(|e| fault(e.to_string()))?;
            Ok((tokens, grants))
        })
        .await;
    let mut body = String::from("<h1>Settings</h1>\n");
    if let Some(error) = error {
        body.push_str(&html::alert(error));
    }
    body.push_str(&format!(
        "<div class=\"grid\">\n<section class=\"card\" aria-labelledby=\"profile\"><h2 id=\"profile\">Profile</h2>\n\
         <p><strong>{}</strong></p><p class=\"muted\">{}</p>\n\
         <p><a href=\"/account/password\">Change password</a></p></section>\n",
        escape(&user.name),
        escape(&user.email)
    ));
    match &sub {
        Ok(sub) => body.push_str(&subscription(sub)),
        Err(err) => body.push_str(&html::alert(&err.to_string())),
    }
    match &settings {
        Ok(settings) => body.push_str(&preferences(settings)),
        Err(err) => body.push_str(&html::alert(&err.to_string())),
    }
    match &account {
        Ok((list, grants)) => {
            body.push_str(&tokens(signed, list, new_token));
            body.push_str(&apps(signed, grants));
        }
        Err(err) => {
            tracing::error!(error = %err.message, "cannot list tokens");
            body.push_str(&html::alert("Your tokens cannot be listed right now."));
        }
    }
    body.push_str("</div>\n");
    body.push_str(&connect(web, new_token));
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    html::respond(
        status,
        html::page("Settings", Some(signed), "/settings", &body, &[]),
    )
}

/// GET /settings
pub async fn show(State(web): State<Arc<Web>>, headers: HeaderMap) -> Response {
    let Some(signed) = session::current(&web, &headers).await else {
        return to_signin();
    };
    render(&web, &signed, None, None).await
}

/// POST /settings/tokens: the new token is in this one answer only.
pub async fn create_token(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (signed, fields) = match checked_form(&web, &headers, &body).await {
        Ok(checked) => checked,
        Err(response) => return response,
    };
    let name = fields.get("name").map(|n| n.trim()).unwrap_or("");
    if name.chars().count() > 60 {
        return render(
            &web,
            &signed,
            None,
            Some("A token's name has at most 60 characters."),
        )
        .await;
    }
    let name = (!name.is_empty()).then(|| name.to_owned());
    let email = signed.user.email.clone();
    let created: Result<_, catalogue::ToolError> = web
        .db
        .run(move |conn| {
            Ok(users::create_token(
                conn,
                &email,
                name.as_deref(),
                jiff::Timestamp::now(),
            ))
        })
        .await;
    match created {
        Ok(Ok((_, token))) => render(&web, &signed, Some(&token), None).await,
        Ok(Err(err @ users::AccountError::TokenLimit { .. })) => {
            render(&web, &signed, None, Some(&err.to_string())).await
        }
        Ok(Err(err)) => {
            tracing::error!(error = %err, "cannot create a token");
            render(
                &web,
                &signed,
                None,
                Some("The token cannot be created right now."),
            )
            .await
        }
        Err(err) => {
            tracing::error!(error = %err.message, "cannot create a token");
            render(
                &web,
                &signed,
                None,
                Some("The token cannot be created right now."),
            )
            .await
        }
    }
}

/// POST /settings/tokens/revoke
pub async fn revoke_token(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (signed, fields) = match checked_form(&web, &headers, &body).await {
        Ok(checked) => checked,
        Err(response) => return response,
    };
    let Some(id) = fields.get("id").and_then(|id| id.parse::<i32>().ok()) else {
        return render(
            &web,
            &signed,
            None,
            Some("Which token? The form named none."),
        )
        .await;
    };
    let email = signed.user.email.clone();
    let revoked: Result<_, catalogue::ToolError> = web
        .db
        .run(move |conn| {
            Ok(users::revoke_token(
                conn,
                &email,
                &id.to_string(),
                jiff::Timestamp::now(),
            ))
        })
        .await;
    match revoked {
        Ok(Ok(())) => see_other("/settings"),
        _ => {
            render(
                &web,
                &signed,
                None,
                Some("That token is not one of your live tokens."),
            )
            .await
        }
    }
}

/// POST /settings/apps/revoke
pub async fn revoke_grant(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (signed, fields) = match checked_form(&web, &headers, &body).await {
        Ok(checked) => checked,
        Err(response) => return response,
    };
    let Some(id) = fields.get("id").and_then(|id| id.parse::<i32>().ok()) else {
        return render(&web, &signed, None, Some("Which app? The form named none.")).await;
    };
    let user_id = signed.user.id;
    let revoked: Result<_, catalogue::ToolError> = web
        .db
        .run(move |conn| {
            Ok(oauth::revoke_grant(
                conn,
                user_id,
                id,
                jiff::Timestamp::now(),
            ))
        })
        .await;
    match revoked {
        Ok(Ok(())) => see_other("/settings"),
        _ => {
            render(
                &web,
                &signed,
                None,
                Some("That app is not one of your connected apps."),
            )
            .await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_marks_code_and_escapes_the_rest() {
        assert_eq!(
            backticks("Run `teetrack mcp` <now>"),
            "Run <code>teetrack mcp</code> &lt;now&gt;"
        );
        let html = select("x", "n", "L", "b", &[("a", "A"), ("b", "B")]);
        assert!(
            html.contains("<option value=\"b\" selected>B</option>"),
            "{html}"
        );
    }
}
