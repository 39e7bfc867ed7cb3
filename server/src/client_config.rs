//! What each MCP client needs to reach Teetrack, rendered from one place.
//!
//! `teetrack config <client>` prints it with the running binary's absolute
//! path (and a fresh token with `--create-token`); the docs generator renders
//! it, through this library, for the getting-started page, with placeholders.

use std::fmt;
use std::str::FromStr;

use serde_json::{Map, Value, json};

/// The environment variable `teetrack mcp` reads its token from.
pub const TOKEN_VAR: &str = "TEETRACK_MCP_TOKEN";
/// The environment variable that names the database.
pub const DATABASE_VAR: &str = "TEETRACK_DATABASE_URL";
/// Stands for a token when none was created: unmistakable, and refused by
/// the server with a clear message if left in place.
pub const TOKEN_PLACEHOLDER: &str = "tt_YOUR_TOKEN";
/// Stands for the binary's absolute path in the docs.
pub const COMMAND_PLACEHOLDER: &str = "/path/to/teetrack";
/// Where `teetrack serve` answers MCP by default.
pub const DEFAULT_URL: &str = "http://127.0.0.1:8787/api/mcp";
/// The name the server is registered under in every client.
pub const SERVER_NAME: &str = "teetrack";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Client {
    ClaudeCode,
    ClaudeDesktop,
    Gemini,
    Chatgpt,
    Vscode,
}

impl Client {
    pub const ALL: [Client; 5] = [
        Client::ClaudeCode,
        Client::ClaudeDesktop,
        Client::Gemini,
        Client::Vscode,
        Client::Chatgpt,
    ];

    /// The command-line name: `teetrack config <name>`.
    pub fn as_str(self) -> &'static str {
        match self {
            Client::ClaudeCode => "claude-code",
            Client::ClaudeDesktop => "claude-desktop",
            Client::Gemini => "gemini",
            Client::Chatgpt => "chatgpt",
            Client::Vscode => "vscode",
        }
    }

    pub fn display_name(self) -> &'static str {
        match self {
            Client::ClaudeCode => "Claude Code",
            Client::ClaudeDesktop => "Claude Desktop",
            Client::Gemini => "Gemini CLI",
            Client::Chatgpt => "ChatGPT",
            Client::Vscode => "VS Code",
        }
    }

    /// Whether the client starts `teetrack mcp` itself (stdio), rather than
    /// reaching a running `teetrack serve` over HTTP.
    pub fn is_local(self) -> bool {
        !matches!(self, Client::Chatgpt)
    }
}

impl fmt::Display for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Client {
    type Err = String;
    fn from_str(s: &str) -> Result<Client, String> {
        Client::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<_> = Client::ALL.iter().map(|c| c.as_str()).collect();
                format!("unknown client {s:?}; expected one of {}", names.join(", "))
            })
    }
}

/// What the configuration is made of.
#[derive(Clone, Debug)]
pub struct Setup {
    /// The `teetrack` binary the client starts: an absolute path.
    pub command: String,
    /// The token to put in; `None` for [`TOKEN_PLACEHOLDER`] (or, in VS Code,
    /// a prompt for it).
    pub token: Option<String>,
    /// The database `teetrack mcp` must open, when it is not the default.
    pub database_url: Option<String>,
    /// The MCP endpoint of `teetrack serve`, for remote clients.
    pub url: String,
    /// `--toolsets`: the toolsets to expose; empty for all.
    pub toolsets: Vec<String>,
    /// `--read-only`: only the read-only tools.
    pub read_only: bool,
}

impl Setup {
    /// The placeholders the docs show.
    pub fn placeholders() -> Setup {
        Setup {
            command: COMMAND_PLACEHOLDER.into(),
            token: None,
            database_url: None,
            url: DEFAULT_URL.into(),
            toolsets: Vec::new(),
            read_only: false,
        }
    }

    /// The arguments of `teetrack mcp`: `mcp`, then the toolsets and
    /// read-only mode asked for.
    pub fn mcp_args(&self) -> Vec<String> {
        let mut args = vec!["mcp".to_owned()];
        if !self.toolsets.is_empty() {
            args.extend(["--toolsets".to_owned(), self.toolsets.join(",")]);
        }
        if self.read_only {
            args.push("--read-only".into());
        }
        args
    }

    /// The HTTP endpoint, asking for the toolsets and read-only mode in its
    /// query (`?toolsets=timers,tracks&read_only=true`).
    pub fn server_url(&self) -> String {
        let mut query = Vec::new();
        if !self.toolsets.is_empty() {
            query.push(format!("toolsets={}", self.toolsets.join(",")));
        }
        if self.read_only {
            query.push("read_only=true".into());
        }
        match query.is_empty() {
            true => self.url.clone(),
            false => {
                let joiner = if self.url.contains('?') { '&' } else { '?' };
                format!("{}{joiner}{}", self.url, query.join("&"))
            }
        }
    }

    fn token(&self) -> &str {
        self.token.as_deref().unwrap_or(TOKEN_PLACEHOLDER)
    }

    /// The environment of `teetrack mcp`, token first.
    fn env(&self, token: &str) -> Map<String, Value> {
        let mut env = Map::new();
        env.insert(TOKEN_VAR.into(), token.into());
        if let Some(url) = &self.database_url {
            env.insert(DATABASE_VAR.into(), url.clone().into());
        }
        env
    }

    /// The stdio server entry shared by the `mcpServers` clients.
    fn stdio_server(&self) -> Value {
        json!({
            "command": self.command,
            "args": self.mcp_args(),
            "env": self.env(self.token()),
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A shell command line.
    Shell,
    /// A JSON document, pretty-printed.
    Json,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Shell => "sh",
            Format::Json => "json",
        }
    }
}

/// One client's configuration: how to use it, and the exact text.
///
/// Text in `before` and `after` is plain prose in which `backticks` mark
/// code, read by a terminal as is and rendered by the docs.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    pub client: Client,
    /// Where the snippet goes.
    pub before: Vec<String>,
    pub format: Format,
    /// The exact configuration: what `teetrack config` writes on stdout.
    pub snippet: String,
    /// Anything to know after.
    pub after: Vec<String>,
}

pub fn render(client: Client, setup: &Setup) -> ClientConfig {
    let mut config = match client {
        Client::ClaudeCode => claude_code(setup),
        Client::ClaudeDesktop => claude_desktop(setup),
        Client::Gemini => gemini(setup),
        Client::Vscode => vscode(setup),
        Client::Chatgpt => chatgpt(setup),
    };
    if client.is_local() && setup.token.is_none() {
        config.after.push(if client == Client::Vscode {
            format!(
                "VS Code asks for the token the first time it starts the server and keeps it in \
                 its secret storage: create one with `teetrack tokens create EMAIL --name \
                 {client}`, or let `teetrack config {client} --create-token EMAIL` write a new \
                 one into the file instead."
            )
        } else {
            format!(
                "Create a token with `teetrack tokens create EMAIL --name {client}` and replace \
                 `{TOKEN_PLACEHOLDER}` with it, or let `teetrack config {client} --create-token \
                 EMAIL` put a new one in."
            )
        });
    }
    config
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).expect("JSON values serialise")
}

fn claude_code(setup: &Setup) -> ClientConfig {
    let mut words = vec![
        "claude".to_owned(),
        "mcp".into(),
        "add".into(),
        SERVER_NAME.into(),
    ];
    for (key, value) in setup.env(setup.token()) {
        let value = value.as_str().unwrap_or_default().to_owned();
        words.extend(["-e".into(), shell_quote(&format!("{key}={value}"))]);
    }
    words.extend(["--".into(), shell_quote(&setup.command)]);
    words.extend(setup.mcp_args().iter().map(|a| shell_quote(a)));
    ClientConfig {
        client: Client::ClaudeCode,
        before: vec!["Run this once in a terminal:".into()],
        format: Format::Shell,
        snippet: words.join(" "),
        after: vec![
            "It adds Teetrack to the current project; add `--scope user` after `add` to have it \
             in every project. `claude mcp list` shows whether it connects."
                .into(),
        ],
    }
}

fn claude_desktop(setup: &Setup) -> ClientConfig {
    ClientConfig {
        client: Client::ClaudeDesktop,
        before: vec![
            "Add this to `claude_desktop_config.json` (Settings → Developer → Edit Config; on \
             macOS `~/Library/Application Support/Claude/`, on Windows `%APPDATA%\\Claude\\`), \
             merging it into an existing `mcpServers` object, then restart Claude Desktop:"
                .into(),
        ],
        format: Format::Json,
        snippet: pretty(&json!({ "mcpServers": { SERVER_NAME: setup.stdio_server() } })),
        after: vec![],
    }
}

fn gemini(setup: &Setup) -> ClientConfig {
    ClientConfig {
        client: Client::Gemini,
        before: vec![
            "Add this to `~/.gemini/settings.json` (or `.gemini/settings.json` in a project), \
             merging it into an existing `mcpServers` object:"
                .into(),
        ],
        format: Format::Json,
        snippet: pretty(&json!({ "mcpServers": { SERVER_NAME: setup.stdio_server() } })),
        after: vec!["In Gemini CLI, `/mcp` lists Teetrack and its tools.".into()],
    }
}

/// VS Code's `mcp.json` uses `servers` with a `type`; without a token it
/// prompts for one (`inputs`) rather than storing a placeholder.
fn vscode(setup: &Setup) -> ClientConfig {
    const INPUT_ID: &str = "teetrack-token";
    let mut doc = Map::new();
    let token = match &setup.token {
        Some(token) => token.clone(),
        None => {
            doc.insert(
                "inputs".into(),
                json!([{
                    "type": "promptString",
                    "id": INPUT_ID,
                    "description": "Teetrack API token (teetrack tokens create EMAIL)",
                    "password": true,
                }]),
            );
            format!("${{input:{INPUT_ID}}}")
        }
    };
    let server = json!({
        "type": "stdio",
        "command": setup.command,
        "args": setup.mcp_args(),
        "env": setup.env(&token),
    });
    doc.insert("servers".into(), json!({ SERVER_NAME: server }));
    ClientConfig {
        client: Client::Vscode,
        before: vec![
            "Save this as `.vscode/mcp.json` in a workspace (or run `MCP: Open User \
             Configuration` to have it everywhere), merging it into an existing `servers` \
             object:"
                .into(),
        ],
        format: Format::Json,
        snippet: pretty(&Value::Object(doc)),
        after: vec![],
    }
}

/// ChatGPT only reaches remote servers: the HTTP endpoint of `teetrack serve`,
/// with the token as a bearer header. The snippet is the same server as an
/// OpenAI Responses API / Agents SDK `mcp` tool.
fn chatgpt(setup: &Setup) -> ClientConfig {
    let header = format!("Bearer {}", setup.token());
    let tool = json!({
        "type": "mcp",
        "server_label": SERVER_NAME,
        "server_url": setup.server_url(),
        "headers": { "Authorization": header },
        "require_approval": "always",
    });
    let reach = if setup.url == DEFAULT_URL {
        format!(
            "make `{DEFAULT_URL}` reachable by ChatGPT over HTTPS (a reverse proxy or a tunnel \
             in front of it), and pass its public address as `--url` to print it here"
        )
    } else {
        format!("ChatGPT reaches it at `{}`", setup.url)
    };
    ClientConfig {
        client: Client::Chatgpt,
        before: vec![
            format!(
                "ChatGPT connects to remote MCP servers only: run `teetrack serve --public-url \
                 https://your.host` and {reach}."
            ),
            "In ChatGPT: Settings → Apps & Connectors → Advanced settings → turn on Developer \
             mode, then Create a connector named Teetrack with that MCP server URL and \
             authentication OAuth. ChatGPT registers itself with Teetrack's authorization \
             server and opens Teetrack's sign-in page, where you approve it with an API token \
             or a one-time code from `teetrack login-code EMAIL`."
                .into(),
            "The OpenAI Responses API and Agents SDK do send the header: there, Teetrack is this \
             `mcp` tool:"
                .into(),
        ],
        format: Format::Json,
        snippet: pretty(&tool),
        after: vec![
            format!(
                "Without a public address, keep to a local client ({}).",
                Client::ALL
                    .iter()
                    .filter(|c| c.is_local())
                    .map(|c| c.display_name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            "`require_approval: \"always\"` asks before every call; set it to `\"never\"` once \
             you trust the tools."
                .into(),
        ],
    }
}

/// One word for a POSIX shell: as is when plainly safe, else single-quoted.
pub fn shell_quote(word: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "_-./:=@%+,".contains(c);
    if !word.is_empty() && word.chars().all(safe) {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup(token: Option<&str>) -> Setup {
        Setup {
            command: "/opt/tee track/teetrack".into(),
            token: token.map(str::to_owned),
            database_url: Some("/data/tt.db".into()),
            url: DEFAULT_URL.into(),
            toolsets: Vec::new(),
            read_only: false,
        }
    }

    #[test]
    fn toolsets_and_read_only_go_into_every_configuration() {
        let narrowed = Setup {
            toolsets: vec!["timers".into(), "tracks".into()],
            read_only: true,
            ..setup(Some("tt_abc"))
        };
        let args = json!(["mcp", "--toolsets", "timers,tracks", "--read-only"]);
        for client in [Client::ClaudeDesktop, Client::Gemini] {
            let doc: Value = serde_json::from_str(&render(client, &narrowed).snippet).unwrap();
            assert_eq!(doc["mcpServers"]["teetrack"]["args"], args);
        }
        let doc: Value = serde_json::from_str(&render(Client::Vscode, &narrowed).snippet).unwrap();
        assert_eq!(doc["servers"]["teetrack"]["args"], args);
        assert!(
            render(Client::ClaudeCode, &narrowed)
                .snippet
                .ends_with("-- '/opt/tee track/teetrack' mcp --toolsets timers,tracks --read-only")
        );
        let doc: Value = serde_json::from_str(&render(Client::Chatgpt, &narrowed).snippet).unwrap();
        assert_eq!(
            doc["server_url"],
            format!("{DEFAULT_URL}?toolsets=timers,tracks&read_only=true")
        );
        // Nothing asked, nothing added.
        let plain = setup(Some("tt_abc"));
        assert_eq!(plain.mcp_args(), ["mcp"]);
        assert_eq!(plain.server_url(), DEFAULT_URL);
    }

    #[test]
    fn client_names_round_trip() {
        for client in Client::ALL {
            assert_eq!(client.as_str().parse::<Client>(), Ok(client));
        }
        assert!(
            "cursor"
                .parse::<Client>()
                .unwrap_err()
                .contains("claude-code")
        );
    }

    #[test]
    fn claude_code_is_one_quoted_command_line() {
        let config = render(Client::ClaudeCode, &setup(Some("tt_abc")));
        assert_eq!(
            config.snippet,
            "claude mcp add teetrack -e TEETRACK_MCP_TOKEN=tt_abc \
             -e TEETRACK_DATABASE_URL=/data/tt.db -- '/opt/tee track/teetrack' mcp"
        );
    }

    #[test]
    fn json_clients_carry_the_command_and_the_token() {
        for client in [Client::ClaudeDesktop, Client::Gemini] {
            let config = render(client, &setup(Some("tt_abc")));
            let doc: Value = serde_json::from_str(&config.snippet).unwrap();
            let server = &doc["mcpServers"]["teetrack"];
            assert_eq!(server["command"], "/opt/tee track/teetrack");
            assert_eq!(server["args"], json!(["mcp"]));
            assert_eq!(server["env"][TOKEN_VAR], "tt_abc");
            assert_eq!(server["env"][DATABASE_VAR], "/data/tt.db");
        }
    }

    #[test]
    fn vscode_prompts_for_a_missing_token() {
        let doc: Value =
            serde_json::from_str(&render(Client::Vscode, &setup(None)).snippet).unwrap();
        assert_eq!(doc["servers"]["teetrack"]["type"], "stdio");
        assert_eq!(
            doc["servers"]["teetrack"]["env"][TOKEN_VAR],
            "${input:teetrack-token}"
        );
        assert_eq!(doc["inputs"][0]["id"], "teetrack-token");
        assert_eq!(doc["inputs"][0]["password"], true);

        let doc: Value =
            serde_json::from_str(&render(Client::Vscode, &setup(Some("tt_abc"))).snippet).unwrap();
        assert_eq!(doc["servers"]["teetrack"]["env"][TOKEN_VAR], "tt_abc");
        assert!(doc.get("inputs").is_none());
    }

    #[test]
    fn chatgpt_gets_the_url_and_a_bearer_header() {
        let config = render(Client::Chatgpt, &setup(None));
        let doc: Value = serde_json::from_str(&config.snippet).unwrap();
        assert_eq!(doc["server_url"], DEFAULT_URL);
        assert_eq!(doc["headers"]["Authorization"], "Bearer tt_YOUR_TOKEN");
        assert!(config.before[0].contains(DEFAULT_URL));
    }

    #[test]
    fn shell_words_are_quoted_only_when_needed() {
        assert_eq!(shell_quote("/usr/bin/teetrack"), "/usr/bin/teetrack");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }
}
