//! The sign-in and consent page: plain server-rendered HTML and a little
//! inline CSS. No script, so it works without JavaScript; one column that
//! fits a phone.

use url::Url;

use super::authorize::Pending;

pub struct Page<'a> {
    /// Where the form posts (the authorization endpoint, absolute).
    pub action: &'a str,
    pub pending: &'a Pending,
    pub csrf: &'a str,
    pub error: Option<&'a str>,
    /// The email of the web app's signed-in user in this browser, if any.
    pub signed_in: Option<&'a str>,
}

/// Text made safe for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
:root { color-scheme: light dark; --accent: #2f6f5e; --muted: #667; --line: #d8dce0; --bg: #fff; --card: #f7f8f9; }
@media (prefers-color-scheme: dark) { :root { --accent: #6cc4a9; --muted: #a0a8b0; --line: #3a4046; --bg: #16191c; --card: #1f2327; } }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); }
main { max-width: 30rem; margin: 0 auto; padding: 1.5rem 1.25rem 3rem; }
.brand { font-weight: 700; letter-spacing: .02em; color: var(--accent); margin: 0 0 1.25rem; }
h1 { font-size: 1.4rem; line-height: 1.3; margin: 0 0 .5rem; overflow-wrap: anywhere; }
p { margin: .5rem 0; }
.muted { color: var(--muted); font-size: .9rem; overflow-wrap: anywhere; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: .6rem; padding: .9rem 1rem; margin: 1.25rem 0; }
.card legend { font-weight: 700; padding: 0 .3rem; margin-left: -.3rem; }
fieldset.card { margin: 1.25rem 0 0; min-width: 0; }
fieldset .hint { margin: 0 0 .5rem; }
label.scope { display: flex; gap: .6rem; align-items: flex-start; font-weight: 400; margin: .55rem 0; cursor: pointer; }
label.scope input { width: 1.2rem; height: 1.2rem; margin: .15rem 0 0; flex: none; accent-color: var(--accent); }
code { font-size: .9em; background: var(--line); padding: .05rem .3rem; border-radius: .25rem; overflow-wrap: anywhere; }
label { display: block; font-weight: 600; margin: 1.25rem 0 .35rem; }
input[type=password], input[type=email] { width: 100%; font: inherit; padding: .7rem .8rem; border: 1px solid var(--line); border-radius: .5rem; background: var(--bg); color: inherit; }
.hint { color: var(--muted); font-size: .9rem; margin-top: .4rem; }
.error { border: 1px solid #c33; background: rgba(204, 51, 51, .08); color: inherit; border-radius: .5rem; padding: .7rem .9rem; margin: 1rem 0; }
.actions { display: flex; gap: .75rem; margin-top: 1.5rem; flex-wrap: wrap; }
button { font: inherit; font-weight: 600; padding: .75rem 1.25rem; border-radius: .5rem; border: 1px solid var(--accent); cursor: pointer; flex: 1 1 8rem; min-height: 2.9rem; }
button.approve { background: var(--accent); color: #fff; }
button.deny { background: transparent; color: inherit; border-color: var(--line); }
@media (prefers-color-scheme: dark) { button.approve { color: #10241e; } }
"#;

fn document(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n\
         <p class=\"brand\">Teetrack</p>\n{body}</main>\n</body>\n</html>\n",
        title = escape(title),
    )
}

/// Where the client will send the user back: its host, which is what a user
/// can judge.
fn destination(redirect_uri: &str) -> String {
    match Url::parse(redirect_uri) {
        Ok(url) => match url.host_str() {
            Some(host) => match url.port() {
                Some(port) => format!("{host}:{port}"),
                None => host.to_owned(),
            },
            None => format!("{}:", url.scheme()),
        },
        Err(_) => redirect_uri.to_owned(),
    }
}

pub fn render(page: &Page) -> String {
    let pending = page.pending;
    let client = &pending.client;
    let mut body = String::new();
    body.push_str(&format!(
        "<h1>{} wants to use your Teetrack</h1>\n",
        escape(&client.client_name)
    ));
    let kind = match client.kind.as_str() {
        "cimd" => "described at",
        _ => "registered as",
    };
    body.push_str(&format!(
        "<p class=\"muted\">Client {kind} <code>{}</code>. After you answer, you go back to <strong>{}</strong>.</p>\n",
        escape(&client.client_id),
        escape(&destination(&pending.redirect_uri)),
    ));
    if let Some(error) = page.error {
        body.push_str(&format!(
            "<p class=\"error\" role=\"alert\">{}</p>\n",
            escape(error)
        ));
    }
    body.push_str(&format!(
        "<form method=\"post\" action=\"{}\">\n",
        escape(page.action)
    ));
    // One box a scope, all ticked: untick what the client should not get.
    body.push_str(
        "<fieldset class=\"card\">\n<legend>It asks to</legend>\n\
         <p class=\"hint\">Untick what it should not be allowed to do.</p>\n",
    );
    for scope in pending.scopes() {
        body.push_str(&format!(
            "<label class=\"scope\"><input type=\"checkbox\" name=\"grant\" value=\"{code}\" checked> \
             <span>{} <span class=\"muted\">(<code>{code}</code>)</span></span></label>\n",
            escape(catalogue::scopes::describe(scope).unwrap_or(scope)),
            code = escape(scope)
        ));
    }
    body.push_str("</fieldset>\n");
    let hidden = [
        ("response_type", Some("code")),
        ("client_id", Some(client.client_id.as_str())),
        ("redirect_uri", Some(pending.redirect_uri.as_str())),
        ("code_challenge", Some(pending.code_challenge.as_str())),
        ("code_challenge_method", Some("S256")),
        ("state", pending.state.as_deref()),
        ("scope", Some(pending.scope.as_str())),
        ("resource", Some(pending.resource.as_str())),
        ("csrf", Some(page.csrf)),
    ];
    for (name, value) in hidden {
        if let Some(value) = value {
            body.push_str(&format!(
                "<input type=\"hidden\" name=\"{name}\" value=\"{}\">\n",
                escape(value)
            ));
        }
    }
    match page.signed_in {
        // Signed in to the web app in this browser: that account approves.
        Some(email) => body.push_str(&format!(
            "<p class=\"card\">Signed in as <strong>{}</strong>.</p>\n\
             <input type=\"hidden\" name=\"use_session\" value=\"yes\">\n",
            escape(email)
        )),
        None => body.push_str(
            "<label for=\"email\">Email</label>\n\
             <input type=\"email\" id=\"email\" name=\"email\" autocomplete=\"username\">\n\
             <label for=\"password\">Password</label>\n\
             <input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"current-password\">\n\
             <label for=\"credential\">Or a one-time code or an API token</label>\n\
             <input type=\"password\" id=\"credential\" name=\"credential\" autocomplete=\"one-time-code\" \
             autocapitalize=\"characters\" spellcheck=\"false\" aria-describedby=\"credential-hint\">\n\
             <p class=\"hint\" id=\"credential-hint\">For a one-time code, run <code>teetrack login-code you@example.com</code> \
             on the Teetrack server; it is valid for 10 minutes. An API token starts with <code>tt_</code>.</p>\n",
        ),
    }
    body.push_str(
        "<div class=\"actions\">\n\
         <button class=\"approve\" type=\"submit\" name=\"decision\" value=\"approve\">Approve</button>\n\
         <button class=\"deny\" type=\"submit\" name=\"decision\" value=\"deny\">Deny</button>\n\
         </div>\n</form>\n",
    );
    body.push_str(
        "<p class=\"muted\">You can end this access at any time under Settings, Connected apps, \
         or with <code>teetrack tokens revoke</code>.</p>\n",
    );
    document("Sign in to Teetrack", &body)
}

pub fn render_error(message: &str) -> String {
    document(
        "Teetrack: cannot sign in",
        &format!(
            "<h1>This sign-in cannot go on</h1>\n<p class=\"error\" role=\"alert\">{}</p>\n",
            escape(message)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_for_content_and_attributes() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(
            destination("https://claude.ai/api/mcp/auth_callback"),
            "claude.ai"
        );
        assert_eq!(destination("http://localhost:3000/cb"), "localhost:3000");
    }
}
