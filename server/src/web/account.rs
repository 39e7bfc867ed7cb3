//! Signing in and out, and changing the password.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use catalogue::db::web as store;

use super::html::{self, escape};
use super::session::{self, Signed};
use super::signin::{self, Failure};
use super::{Web, see_other, to_signin};

/// What the sign-in form's signature covers: it is this server's form.
const SIGNIN_FORM: [&str; 1] = ["web sign-in"];

fn form(body: &[u8]) -> std::collections::HashMap<String, String> {
    let mut fields = std::collections::HashMap::new();
    for (name, value) in url::form_urlencoded::parse(body) {
        fields
            .entry(name.into_owned())
            .or_insert_with(|| value.into_owned());
    }
    fields
}

fn field<'a>(fields: &'a std::collections::HashMap<String, String>, name: &str) -> &'a str {
    fields.get(name).map(String::as_str).unwrap_or("")
}

fn signin_body(web: &Web, error: Option<&str>, email: &str) -> String {
    let csrf = web
        .oauth
        .csrf
        .sign(jiff::Timestamp::now().as_second(), &SIGNIN_FORM);
    let mut body = String::from("<div class=\"signin\">\n<h1>Sign in to Teetrack</h1>\n");
    if let Some(error) = error {
        body.push_str(&html::alert(error));
    }
    body.push_str(&format!(
        "<form class=\"card\" method=\"post\" action=\"/signin\">\n\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\n\
         <input type=\"hidden\" name=\"method\" value=\"password\">\n\
         <label for=\"email\">Email</label>\n\
         <input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"username\" required value=\"{email}\">\n\
         <label for=\"password\">Password</label>\n\
         <input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>\n\
         <div class=\"actions\"><button type=\"submit\">Sign in</button></div>\n</form>\n\
         <form class=\"card\" method=\"post\" action=\"/signin\" style=\"margin-top:1rem\">\n\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\n\
         <input type=\"hidden\" name=\"method\" value=\"code\">\n\
         <label for=\"code\">Or a one-time code</label>\n\
         <input id=\"code\" name=\"code\" autocomplete=\"one-time-code\" autocapitalize=\"characters\" \
         spellcheck=\"false\" required aria-describedby=\"code-hint\">\n\
         <p class=\"muted small\" id=\"code-hint\">Made on the server with \
         <code>teetrack login-code you@example.com</code>; valid 10 minutes. Set a password \
         with <code>teetrack users set-password you@example.com</code> or, once signed in, \
         under Settings.</p>\n\
         <div class=\"actions\"><button type=\"submit\" class=\"secondary\">Sign in with the code</button></div>\n\
         </form>\n\
         <section class=\"card\" style=\"margin-top:1rem\" aria-labelledby=\"about\"><h2 id=\"about\">About this server</h2>\n\
         <p class=\"small\">A time tracker you use from your AI assistant. This server speaks MCP \
         (Streamable HTTP) at <code>/api/mcp</code>; every request needs \
         <code>Authorization: Bearer tt_…</code>, or an OAuth sign-in for connectors such as ChatGPT \
         and Claude.</p>\n<ul class=\"small\"><li><a href=\"/docs/\">The tool reference</a> and \
         <a href=\"/docs/getting-started.html\">getting started</a></li>\n\
         <li>Claude Code: <code>teetrack config claude-code --create-token you@example.com</code> \
         prints the command; other clients: <code>teetrack config claude-desktop|gemini|vscode|chatgpt</code>, \
         or Settings, Connect an assistant, once signed in.</li></ul></section>\n</div>\n",
        csrf = escape(&csrf),
        email = escape(email),
    ));
    body
}

/// GET /signin
pub async fn signin_page(State(web): State<Arc<Web>>, headers: HeaderMap) -> Response {
    if session::current(&web, &headers).await.is_some() {
        return see_other("/");
    }
    html::respond(
        StatusCode::OK,
        html::page(
            "Sign in",
            None,
            "/signin",
            &signin_body(&web, None, ""),
            &[],
        ),
    )
}

/// POST /signin
pub async fn signin(State(web): State<Arc<Web>>, request: Request) -> Response {
    let address = super::address_of(&request);
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, 16 * 1024).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let fields = form(&body);
    let email = field(&fields, "email").trim().to_owned();
    let refuse = |status: StatusCode, message: &str| {
        html::respond(
            status,
            html::page(
                "Sign in",
                None,
                "/signin",
                &signin_body(&web, Some(message), &email),
                &[],
            ),
        )
    };
    if !session::same_origin(&parts.headers, &web.origin)
        || !web.oauth.csrf.verify(
            field(&fields, "csrf"),
            jiff::Timestamp::now().as_second(),
            &SIGNIN_FORM,
        )
    {
        return refuse(
            StatusCode::FORBIDDEN,
            "This form has expired or was not made by this Teetrack; sign in again.",
        );
    }
    let outcome = match field(&fields, "method") {
        "code" => signin::with_code(&web.db, field(&fields, "code").to_owned(), address).await,
        _ => {
            signin::with_password(
                &web.db,
                email.clone(),
                field(&fields, "password").to_owned(),
                address,
            )
            .await
        }
    };
    let user = match outcome {
        Ok(user) => user,
        Err(failure) => {
            let status = match failure {
                Failure::Limited(_) => StatusCode::TOO_MANY_REQUESTS,
                Failure::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
                Failure::Wrong => StatusCode::UNAUTHORIZED,
            };
            return refuse(status, &failure.message());
        }
    };
    let user_id = user.id;
    let created = web
        .db
        .run(move |conn| {
            store::create_session(
                conn,
                user_id,
                session::LIFETIME_SECS,
                jiff::Timestamp::now(),
            )
            .map_err(|err| catalogue::ToolError::internal(err.to_string()))
        })
        .await;
    match created {
        Ok(created) => {
            let mut response = see_other("/");
            response.headers_mut().insert(
                header::SET_COOKIE,
                session::set_cookie(web.secure, &created.secret),
            );
            response
        }
        Err(err) => {
            tracing::error!(error = %err.message, "cannot open a web session");
            refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                &Failure::Unavailable.message(),
            )
        }
    }
}

/// The session and form of a state-changing request, checked: the same
/// origin, a live session, and its anti-forgery token in the form.
pub async fn checked_form(
    web: &Web,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<(Signed, std::collections::HashMap<String, String>), Response> {
    let Some(signed) = session::current(web, headers).await else {
        return Err(to_signin());
    };
    let fields = form(body);
    if !session::same_origin(headers, &web.origin)
        || !session::csrf_matches(&signed, field(&fields, "csrf"))
    {
        return Err(forbidden(&signed));
    }
    Ok((signed, fields))
}

/// 403 for a form without this session's anti-forgery token.
pub fn forbidden(signed: &Signed) -> Response {
    html::respond(
        StatusCode::FORBIDDEN,
        html::page(
            "Refused",
            Some(signed),
            "",
            &html::alert(
                "This form was not sent from a Teetrack page of this session, so nothing was \
                 changed. Go back, reload the page and try again.",
            ),
            &[],
        ),
    )
}

/// POST /signout
pub async fn signout(State(web): State<Arc<Web>>, headers: HeaderMap, body: Bytes) -> Response {
    let (signed, _) = match checked_form(&web, &headers, &body).await {
        Ok(checked) => checked,
        Err(response) => return response,
    };
    let secret = signed.secret.clone();
    if let Err(err) = web
        .db
        .run(move |conn| {
            store::end_session(conn, &secret)
                .map_err(|err| catalogue::ToolError::internal(err.to_string()))
        })
        .await
    {
        tracing::error!(error = %err.message, "cannot end a web session");
    }
    let mut response = see_other("/signin");
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session::clear_cookie(web.secure));
    response
}

fn password_body(signed: &Signed, message: Option<(&str, bool)>) -> String {
    let mut body = String::from("<div class=\"signin\">\n<h1>Change your password</h1>\n");
    match message {
        Some((text, true)) => body.push_str(&format!(
            "<p class=\"ok\" role=\"status\">{}</p>\n",
            escape(text)
        )),
        Some((text, false)) => body.push_str(&html::alert(text)),
        None => {}
    }
    body.push_str(&format!(
        "<form class=\"card\" method=\"post\" action=\"/account/password\">\n{}\n\
         <input type=\"hidden\" name=\"username\" autocomplete=\"username\" value=\"{}\">\n\
         <label for=\"current\">Current password</label>\n\
         <input id=\"current\" name=\"current\" type=\"password\" autocomplete=\"current-password\" \
         aria-describedby=\"current-hint\">\n\
         <p class=\"muted small\" id=\"current-hint\">Leave it empty if you have none yet (you \
         signed in with a one-time code).</p>\n\
         <label for=\"new\">New password</label>\n\
         <input id=\"new\" name=\"new\" type=\"password\" autocomplete=\"new-password\" required \
         minlength=\"{min}\" aria-describedby=\"new-hint\">\n\
         <p class=\"muted small\" id=\"new-hint\">At least {min} characters. Your other browsers \
         are signed out.</p>\n\
         <div class=\"actions\"><button type=\"submit\">Change password</button></div>\n</form>\n</div>\n",
        html::csrf_field(signed),
        escape(&signed.user.email),
        min = super::password::MIN_CHARS,
    ));
    body
}

/// GET /account/password
pub async fn password_page(State(web): State<Arc<Web>>, headers: HeaderMap) -> Response {
    let Some(signed) = session::current(&web, &headers).await else {
        return to_signin();
    };
    html::respond(
        StatusCode::OK,
        html::page(
            "Password",
            Some(&signed),
            "/settings",
            &password_body(&signed, None),
            &[],
        ),
    )
}

/// POST /account/password
pub async fn change_password(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (signed, fields) = match checked_form(&web, &headers, &body).await {
        Ok(checked) => checked,
        Err(response) => return response,
    };
    let answer = |status: StatusCode, text: &str, ok: bool| {
        html::respond(
            status,
            html::page(
                "Password",
                Some(&signed),
                "/settings",
                &password_body(&signed, Some((text, ok))),
                &[],
            ),
        )
    };
    // The current password, when there is one: a borrowed, unlocked
    // browser must not be enough to take the account over.
    let has_password = {
        let user_id = signed.user.id;
        web.db
            .run(move |conn| {
                store::password_hash(conn, user_id)
                    .map_err(|err| catalogue::ToolError::internal(err.to_string()))
            })
            .await
    };
    match has_password {
        Ok(Some(_)) => {
            match signin::is_current(&web.db, &signed.user, field(&fields, "current").to_owned())
                .await
            {
                Ok(true) => {}
                Ok(false) => {
                    return answer(
                        StatusCode::UNAUTHORIZED,
                        "The current password is not right.",
                        false,
                    );
                }
                Err(failure) => {
                    return answer(StatusCode::SERVICE_UNAVAILABLE, &failure.message(), false);
                }
            }
        }
        Ok(None) => {}
        Err(_) => {
            return answer(
                StatusCode::SERVICE_UNAVAILABLE,
                &Failure::Unavailable.message(),
                false,
            );
        }
    }
    if let Err(message) =
        signin::set_password(&web.db, &signed.user, field(&fields, "new").to_owned()).await
    {
        return answer(StatusCode::BAD_REQUEST, &message, false);
    }
    let (user_id, keep) = (signed.user.id, signed.secret.clone());
    let _ = web
        .db
        .run(move |conn| {
            store::end_other_sessions(conn, user_id, &keep)
                .map_err(|err| catalogue::ToolError::internal(err.to_string()))
        })
        .await;
    answer(StatusCode::OK, "Your password is changed.", true)
}
