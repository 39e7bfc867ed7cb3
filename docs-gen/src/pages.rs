//! The pages: an index of every tool by area, one page per tool, getting
//! started, the protocol, and the search index.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use catalogue::examples::Example;
use catalogue::{Tier, ToolDef, registry};
use serde_json::{Value, json};
// The same client configurations `teetrack config` prints, with placeholders.
use teetrack::client_config::{self, Client, Setup};

use crate::html::{self, Section, code_block, esc, inline, json_block, page, paragraphs};
use crate::schema;

/// The order areas are presented in: the order an assistant meets them.
/// Any area not named here follows, alphabetically.
const AREA_ORDER: &[&str] = &[
    "context",
    "timers",
    "tracks",
    "projects",
    "tags",
    "clients",
    "invoices",
    "analytics",
    "settings",
];

/// The MCP revisions `teetrack` serves, oldest first, with their era and
/// what is particular to them. `server/tests/tools_config.rs` checks the
/// page against the server's own `server/discover`.
pub const PROTOCOL_REVISIONS: &[(&str, &str, &str)] = &[
    ("2024-11-05", "handshake (`initialize`)", ""),
    (
        "2025-03-26",
        "handshake (`initialize`)",
        "The only revision with JSON-RPC batches.",
    ),
    ("2025-06-18", "handshake (`initialize`)", ""),
    (
        "2025-11-25",
        "handshake (`initialize`)",
        "The latest of its era: the answer to an `initialize` with a revision not served.",
    ),
    (
        "2026-07-28",
        "stateless (`_meta` on every request)",
        "The current revision. `server/discover` instead of the handshake; every result \
         says its `resultType`.",
    ),
];

const STYLE: &str = include_str!("../assets/style.css");
const SEARCH_JS: &str = include_str!("../assets/search.js");

pub fn site(examples: &[Example]) -> BTreeMap<String, String> {
    let tools = registry();
    let mut first: BTreeMap<&str, &Example> = BTreeMap::new();
    for example in examples {
        first.entry(example.tool).or_insert(example);
    }
    let areas = areas(tools);
    let note = session_note(&first);

    let mut files = BTreeMap::new();
    files.insert("index.html".to_owned(), index(&areas, tools.len()));
    for (area, area_tools) in &areas {
        for tool in area_tools {
            files.insert(
                format!("tools/{}.html", tool.name),
                tool_page(tool, area, area_tools, first.get(tool.name).copied(), &note),
            );
        }
    }
    files.insert("getting-started.html".to_owned(), getting_started());
    files.insert("protocol.html".to_owned(), protocol());
    files.insert("search-index.js".to_owned(), search_index(&areas));
    files.insert("assets/style.css".to_owned(), STYLE.to_owned());
    files.insert("assets/search.js".to_owned(), SEARCH_JS.to_owned());
    files
}

/// Who the worked examples run as, read from the session's own `get_context`.
fn session_note(first: &BTreeMap<&str, &Example>) -> String {
    let who = first
        .get("get_context")
        .filter(|e| !e.is_error)
        .and_then(|e| {
            let email = e.result["user"]["email"].as_str()?;
            let zone = e.result["time_zone"].as_str()?;
            Some(format!("one user ({email}, time zone {zone})"))
        })
        .unwrap_or_else(|| "one user".to_owned());
    format!(
        "A real call and its real result, from the worked-examples session that the snapshot \
         tests lock: {who} on a fresh database and a fixed clock, where earlier calls made what \
         later ones see."
    )
}

type Areas = Vec<(&'static str, Vec<&'static ToolDef>)>;

/// The tools grouped by area, areas in [`AREA_ORDER`], tools by name.
fn areas(tools: &[&'static ToolDef]) -> Areas {
    let mut by_area: BTreeMap<&'static str, Vec<&'static ToolDef>> = BTreeMap::new();
    for tool in tools {
        by_area.entry(tool.area()).or_default().push(tool);
    }
    let rank = |area: &str| {
        AREA_ORDER
            .iter()
            .position(|a| *a == area)
            .unwrap_or(AREA_ORDER.len())
    };
    let mut areas: Areas = by_area.into_iter().collect();
    areas.sort_by(|a, b| rank(a.0).cmp(&rank(b.0)).then(a.0.cmp(b.0)));
    areas
}

fn area_title(area: &str) -> String {
    let mut chars = area.chars();
    match chars.next() {
        Some(c) => c
            .to_uppercase()
            .chain(chars)
            .collect::<String>()
            .replace('_', " "),
        None => String::new(),
    }
}

fn tier_note(tier: Tier) -> &'static str {
    match tier {
        Tier::Free => "every tier",
        Tier::Pro => "the pro and business tiers",
        Tier::Business => "the business tier only",
    }
}

fn badges(tool: &ToolDef) -> String {
    let mut out = String::from("<span class=\"badges\">");
    let _ = write!(
        out,
        "<span class=\"badge tier-{tier}\" title=\"Tier: {tier}\">{tier}</span>",
        tier = tool.tier
    );
    let flags = [
        (tool.read_only, "read-only", "Only reads data"),
        (
            tool.destructive,
            "destructive",
            "May delete or overwrite data",
        ),
        (
            tool.idempotent,
            "idempotent",
            "Repeating a call has no further effect",
        ),
    ];
    for (set, label, title) in flags {
        if set {
            let _ = write!(
                out,
                "<span class=\"badge {label}\" title=\"{title}\">{label}</span>"
            );
        }
    }
    out.push_str("</span>");
    out
}

fn index(areas: &Areas, count: usize) -> String {
    let mut main = String::new();
    let _ = write!(
        main,
        "<h1>Teetrack tools</h1>\n\
         <p class=\"lead\">Teetrack is a time tracker an AI assistant drives through MCP: \
         timers, tracks, projects, clients, invoices and reports. These are its {count} tools \
         in {areas} areas, each with its input and output schema and a worked example.</p>\n\
         <p>To connect Claude Code, Claude Desktop, Gemini CLI, VS Code or ChatGPT, see \
         <a href=\"getting-started.html\">Getting started</a>; for the MCP revisions and \
         transports served, <a href=\"protocol.html\">Protocol</a>. An assistant should call \
         <a href=\"tools/get_context.html\"><code>get_context</code></a> first.</p>\n",
        areas = areas.len(),
    );
    main.push_str("<nav class=\"areas\" aria-label=\"Areas\">");
    for (area, tools) in areas {
        let _ = write!(
            main,
            "<a href=\"#area-{area}\">{title} <span>{n}</span></a>",
            area = esc(area),
            title = esc(&area_title(area)),
            n = tools.len()
        );
    }
    main.push_str("</nav>\n");
    for (area, tools) in areas {
        let _ = write!(
            main,
            "<section class=\"area\" id=\"area-{area}\">\n<h2>{title}</h2>\n<ul class=\"tools\">\n",
            area = esc(area),
            title = esc(&area_title(area))
        );
        for tool in tools {
            let _ = writeln!(
                main,
                "<li><a class=\"tool-link\" href=\"tools/{name}.html\"><code>{name}</code> \
                 <span class=\"tool-title\">{title}</span></a>{badges}\
                 <p>{summary}</p></li>",
                name = esc(tool.name),
                title = esc(tool.title),
                badges = badges(tool),
                summary = inline(&html::first_sentence(&description(tool))),
            );
        }
        main.push_str("</ul>\n</section>\n");
    }
    page(
        "Teetrack tool reference",
        "Every tool of Teetrack's MCP server: schemas, annotations and worked examples.",
        "",
        Section::Tools,
        &main,
    )
}

/// The description as the manifest gives it (reflowed into paragraphs).
fn description(tool: &ToolDef) -> String {
    tool.manifest()["description"]
        .as_str()
        .unwrap_or(tool.description)
        .to_owned()
}

fn yes_no(value: bool, yes: &str, no: &str) -> String {
    if value {
        format!("<dd><b>yes</b> — {yes}</dd>")
    } else {
        format!("<dd><b>no</b> — {no}</dd>")
    }
}

fn tool_page(
    tool: &ToolDef,
    area: &str,
    siblings: &[&ToolDef],
    example: Option<&Example>,
    session_note: &str,
) -> String {
    let manifest = tool.manifest();
    let description = description(tool);
    let mut main = String::new();
    let _ = write!(
        main,
        "<nav class=\"crumbs\" aria-label=\"Breadcrumb\"><a href=\"../index.html\">Tools</a> › \
         <a href=\"../index.html#area-{area}\">{area_title}</a></nav>\n\
         <h1>{title}</h1>\n<p class=\"tool-name\"><code>{name}</code>{badges}</p>\n\
         <div class=\"description\">\n{description}</div>\n",
        area = esc(area),
        area_title = esc(&area_title(area)),
        title = esc(tool.title),
        name = esc(tool.name),
        badges = badges(tool),
        description = paragraphs(&description),
    );

    let open_world = manifest["annotations"]["openWorldHint"]
        .as_bool()
        .unwrap_or(false);
    let _ = write!(
        main,
        "<h2 id=\"annotations\">Annotations</h2>\n<dl class=\"facts\">\n\
         <div><dt>Read-only</dt>{}</div>\n\
         <div><dt>Destructive</dt>{}</div>\n\
         <div><dt>Idempotent</dt>{}</div>\n\
         <div><dt>Open world</dt>{}</div>\n\
         <div><dt>Tier</dt><dd><b>{tier}</b> — open to {tier_note}</dd></div>\n\
         <div><dt>OAuth scope</dt><dd><code>{scope}</code> — {scope_note}</dd></div>\n</dl>\n",
        yes_no(tool.read_only, "it only reads data", "it changes data"),
        yes_no(
            tool.destructive,
            "it may delete or overwrite data",
            "it never deletes or overwrites data"
        ),
        yes_no(
            tool.idempotent,
            "repeating a call with the same arguments has no further effect",
            "each call acts anew"
        ),
        yes_no(
            open_world,
            "it reaches outside Teetrack",
            "it works on the user's own Teetrack data only"
        ),
        tier = tool.tier,
        tier_note = tier_note(tool.tier),
        scope = tool.scope,
        scope_note = esc(&tool.scope.description().to_lowercase()),
    );

    for (id, heading, key, output) in [
        ("input", "Input", "inputSchema", false),
        ("output", "Output", "outputSchema", true),
    ] {
        let schema = &manifest[key];
        let _ = write!(
            main,
            "<h2 id=\"{id}\">{heading}</h2>\n{table}<details><summary>{heading} schema as JSON</summary>\n{json}</details>\n",
            table = schema::table(schema, output),
            json = json_block(schema),
        );
    }

    main.push_str("<h2 id=\"example\">Example</h2>\n");
    match example {
        Some(example) => {
            let _ = writeln!(main, "<p class=\"note\">{}</p>", esc(session_note));
            let call = json!({"name": example.tool, "arguments": example.args});
            let _ = write!(
                main,
                "<h3>Call <small><code>tools/call</code> params</small></h3>\n{}",
                json_block(&call)
            );
            if example.is_error {
                let _ = write!(
                    main,
                    "<h3>Result <small>a tool error: <code>isError: true</code></small></h3>\n{}",
                    json_block(&example.result)
                );
            } else {
                let _ = write!(
                    main,
                    "<h3>Result <small><code>structuredContent</code></small></h3>\n{}",
                    json_block(&example.result)
                );
            }
        }
        None => main.push_str("<p class=\"empty\">No worked example yet.</p>\n"),
    }

    let others: Vec<String> = siblings
        .iter()
        .filter(|t| t.name != tool.name)
        .map(|t| {
            format!(
                "<a href=\"{name}.html\"><code>{name}</code></a>",
                name = esc(t.name)
            )
        })
        .collect();
    if !others.is_empty() {
        let _ = write!(
            main,
            "<nav class=\"siblings\" aria-label=\"More in {area_title}\"><h2>More in {area_title}</h2>\n<p>{}</p></nav>\n",
            others.join(" "),
            area_title = esc(&area_title(area)),
        );
    }

    page(
        &format!("{} ({}) · Teetrack", tool.title, tool.name),
        &html::plain(&html::first_sentence(&description)),
        "../",
        Section::Tools,
        &main,
    )
}

fn getting_started() -> String {
    let mut main = String::from(
        "<h1>Getting started</h1>\n\
         <p class=\"lead\">Build Teetrack, add a user, give them a token, and connect an \
         assistant. Every command below is <code>teetrack</code>'s own; \
         <code>teetrack --help</code> lists them all.</p>\n",
    );
    main.push_str("<h2 id=\"install\">Install</h2>\n");
    main.push_str(&paragraphs(
        "From a checkout of the repository, with a Rust toolchain (the version is pinned in \
         `rust-toolchain.toml`), build the `teetrack` binary into `~/.cargo/bin`:",
    ));
    main.push_str(&code_block("sh", "cargo install --locked --path server"));
    main.push_str(&paragraphs(
        "The data lives in one SQLite file: `$XDG_DATA_HOME/teetrack/teetrack.db`, else \
         `~/.local/share/teetrack/teetrack.db`. Set `TEETRACK_DATABASE_URL` (or pass \
         `--database-url`) for another. Migrations run on start, and the file is in WAL mode, \
         so several clients on one machine can share it.",
    ));
    main.push_str("<h2 id=\"users\">Users</h2>\n");
    main.push_str(&paragraphs(
        "Users are added by whoever runs the server. A new user is on the free tier; tiers \
         are `free`, `pro` and `business`.",
    ));
    main.push_str(&code_block(
        "sh",
        "teetrack users add you@example.com --name \"You\"\n\
         teetrack users set-tier you@example.com pro\n\
         teetrack users list",
    ));
    main.push_str("<h2 id=\"tokens\">Tokens</h2>\n");
    main.push_str(&paragraphs(
        "A client proves who it is with a personal API token. A token is printed once, when \
         it is created, and stored only as a hash; list and revoke them by name, id or prefix.",
    ));
    main.push_str(&code_block(
        "sh",
        "teetrack tokens create you@example.com --name laptop\n\
         teetrack tokens list you@example.com\n\
         teetrack tokens revoke you@example.com ID_OR_PREFIX",
    ));

    main.push_str("<h2 id=\"clients\">Connect a client</h2>\n");
    let names: Vec<String> = Client::ALL
        .iter()
        .map(|c| format!("`{}`", c.as_str()))
        .collect();
    main.push_str(&paragraphs(&format!(
        "`teetrack config CLIENT` prints the exact configuration for a client ({}), with the \
         absolute path of the `teetrack` you run it with; add `--create-token EMAIL` to create \
         a token and put it in. The configuration goes to stdout and the instructions to \
         stderr, so `teetrack config claude-desktop > teetrack.json` keeps only the JSON. \
         Below is what it prints, with `{}` and `{}` standing for your binary and your token.",
        names.join(", "),
        client_config::COMMAND_PLACEHOLDER,
        client_config::TOKEN_PLACEHOLDER,
    )));
    main.push_str("<nav class=\"areas\" aria-label=\"Clients\">");
    for client in Client::ALL {
        let _ = write!(
            main,
            "<a href=\"#{}\">{}</a>",
            client.as_str(),
            esc(client.display_name())
        );
    }
    main.push_str("</nav>\n");
    let setup = Setup::placeholders();
    for client in Client::ALL {
        let config = client_config::render(client, &setup);
        let _ = write!(
            main,
            "<section class=\"client\" id=\"{id}\">\n<h3>{name}</h3>\n",
            id = client.as_str(),
            name = esc(client.display_name())
        );
        for text in &config.before {
            main.push_str(&paragraphs(text));
        }
        main.push_str(&match config.format {
            client_config::Format::Json => {
                let value: Value =
                    serde_json::from_str(&config.snippet).expect("a JSON configuration");
                json_block(&value)
            }
            client_config::Format::Shell => code_block("sh", &config.snippet),
        });
        for text in &config.after {
            main.push_str(&paragraphs(text));
        }
        let _ = write!(
            main,
            "<p class=\"note\">Printed by <code>teetrack config {} --create-token you@example.com</code>.</p>\n</section>\n",
            client.as_str()
        );
    }

    main.push_str("<h2 id=\"tools\">The tools</h2>\n");
    main.push_str(&paragraphs(
        "`teetrack tools list` prints a table of every tool; `teetrack tools export` writes \
         every tool's manifest (name, title, description, annotations, input and output \
         schema, and its area and tier under `_meta`) as one JSON document, exactly as \
         `tools/list` serves them. The [reference](index.html) shows the same manifests.",
    ));
    main.push_str(&code_block(
        "sh",
        "teetrack tools list\nteetrack tools export > teetrack-tools.json",
    ));
    page(
        "Getting started · Teetrack",
        "Install Teetrack, add users and tokens, and connect an MCP client.",
        "",
        Section::GettingStarted,
        &main.replace(
            "The [reference](index.html)",
            "The <a href=\"index.html\">reference</a>",
        ),
    )
}

/// The codes of an error body (`catalogue::ErrorCode`, except `internal`,
/// which is never a tool result), and when each is sent.
pub const ERROR_CODES: &[(&str, &str)] = &[
    (
        "not_found",
        "No such id or name for this user (another user's data is never found).",
    ),
    (
        "ambiguous",
        "A name matches several projects, clients or tags; `candidates` lists them: retry with an id.",
    ),
    (
        "invalid_argument",
        "A value is well-formed but unacceptable: a bad time, an end before the start, a track over 24 hours without `confirm`.",
    ),
    (
        "timer_running",
        "A timer is already running where the request needs none (or the `max_active_timers` limit is reached and `if_running` is `error`).",
    ),
    (
        "no_timer_running",
        "Stopping or switching when no timer runs.",
    ),
    (
        "overlap",
        "The track would overlap another while the overlap policy is `reject`.",
    ),
    (
        "track_invoiced",
        "The track is on an invoice that is not void: free it by voiding the invoice, or deleting it while a draft; `track_ids` lists them.",
    ),
    (
        "invoice_frozen",
        "The invoice is no longer a draft: it cannot be changed or deleted that way.",
    ),
    (
        "tier_required",
        "The tool needs a higher tier; `required_tier` names it.",
    ),
    (
        "limit_reached",
        "A limit of the user's tier is reached (projects, clients, …).",
    ),
    (
        "conflict",
        "A name (or invoice number) that is already taken; `existing` names the holder when known.",
    ),
];

fn protocol() -> String {
    let mut main = String::from(
        "<h1>Protocol</h1>\n\
         <p class=\"lead\">Teetrack speaks the Model Context Protocol: JSON-RPC 2.0 messages \
         over stdio or Streamable HTTP, one tool catalogue for both.</p>\n\
         <h2 id=\"revisions\">Revisions served</h2>\n",
    );
    main.push_str(&paragraphs(
        "Both transports serve every revision below, side by side. Up to 2025-11-25 a client \
         opens with `initialize`: Teetrack answers with the revision asked for when it speaks \
         it, else with the latest of these, and that revision holds for the session. From \
         2026-07-28 there is no handshake: every request carries its revision and the \
         client's capabilities in `params._meta`, and `server/discover` lists the revisions \
         served.",
    ));
    main.push_str(
        "<div class=\"table-wrap\"><table class=\"schema\">\n<thead><tr><th>Revision</th><th>Era</th><th>Notes</th></tr></thead>\n<tbody>\n",
    );
    for (revision, era, notes) in PROTOCOL_REVISIONS.iter().rev() {
        let _ = writeln!(
            main,
            "<tr data-revision=\"{revision}\"><td data-label=\"Revision\"><code>{revision}</code></td>\
             <td data-label=\"Era\">{era}</td><td data-label=\"Notes\">{notes}</td></tr>",
            era = inline(era),
            notes = inline(notes),
        );
    }
    main.push_str("</tbody>\n</table></div>\n");

    main.push_str("<h2 id=\"transports\">Transports</h2>\n<h3 id=\"stdio\">stdio</h3>\n");
    main.push_str(&paragraphs(
        "`teetrack mcp` serves one user on stdin and stdout: newline-delimited JSON-RPC, \
         nothing else on stdout, logs on stderr (`RUST_LOG=teetrack=debug` for more). \
         Requests are handled concurrently, so responses may come out of order.\n\n\
         The user is the one behind the token in `TEETRACK_MCP_TOKEN` (or, for local \
         development only, the email in `TEETRACK_MCP_USER_EMAIL`). With neither, or with an \
         unknown or revoked token, it writes one line on stderr and exits non-zero: nothing \
         is served. Every local client in [Getting started](getting-started.html) starts it \
         this way.\n\n\
         `teetrack mcp --remote URL` is the same stdio server for a Teetrack hosted elsewhere: \
         it forwards each message to that server's `/api/mcp` with the token as a bearer \
         header.",
    ));
    main.push_str("<h3 id=\"http\">Streamable HTTP</h3>\n");
    main.push_str(&paragraphs(
        "`teetrack serve` answers MCP at `POST /api/mcp`, on `127.0.0.1:8787` unless told \
         otherwise (`--listen`; an address other than loopback also needs the browser \
         origins allowed to call it, `--allowed-origin`). Every request carries \
         `Authorization: Bearer TOKEN`; a missing or bad token gets `401` with a \
         `WWW-Authenticate: Bearer` header. Request bodies are limited in size and each token \
         in rate (`429` with `Retry-After`).\n\n\
         It keeps no session: no session id is issued, so any number of instances on the \
         same database can answer any request. A reply is one JSON object, or an event \
         stream when the request sends progress or log notifications before its result. \
         `GET /healthz` answers when the server is up, and this reference is served at \
         `/docs/`.",
    ));
    main.push_str("<h2 id=\"toolsets\">Toolsets and read-only mode</h2>\n");
    let mut areas: Vec<&str> = registry().iter().map(|t| t.area()).collect();
    areas.sort_unstable();
    areas.dedup();
    let areas: Vec<String> = areas.iter().map(|a| format!("`{a}`")).collect();
    main.push_str(&paragraphs(&format!(
        "A model pays for every tool it is shown. `teetrack mcp` and `teetrack serve` take \
         `--toolsets` (a comma-separated list) to expose only some areas of the catalogue, \
         and `--read-only` to expose only the tools that change nothing (`readOnlyHint`). \
         The toolsets are the areas: {areas}; `reports` is another name for `analytics`. \
         `context` is always exposed: `get_context` is the first call an assistant makes. \
         An unknown toolset stops the command with the list of valid ones.\n\n\
         A hidden tool is absent from `tools/list` and a `tools/call` of it is refused like an \
         unknown tool (`-32602`). A prompt that asks for a hidden tool (or completes its \
         arguments from one) is hidden too, and so is a resource read through one: the \
         settings resource goes with `get_settings`, the invoice CSV template with \
         `export_invoice_csv`.\n\n\
         Over HTTP a request can narrow what the server exposes, never widen it, with the \
         same choices in the endpoint's query: \
         `POST /api/mcp?toolsets=timers,tracks&read_only=true`. A remote client configured \
         with that URL sees only those tools; `teetrack mcp --remote URL --toolsets …` puts \
         them into the query for you. `teetrack config CLIENT --toolsets … --read-only` \
         writes them into the client's configuration.\n\n\
         For example: `teetrack mcp --toolsets timers,tracks,reports` (timers, tracks and \
         reports, plus `get_context`), or `teetrack serve --read-only` for an assistant that \
         may only look.",
        areas = areas.join(", "),
    )));
    main.push_str("<h2 id=\"methods\">Methods</h2>\n");
    main.push_str(&paragraphs(
        "`tools/list` (paged: pass the `nextCursor` of one page as the `cursor` of the next) \
         and `tools/call`; `prompts/list` and `prompts/get` (the common workflows: a weekly \
         report, end-of-month invoicing, a budget check); `resources/list`, \
         `resources/templates/list` and `resources/read` (the settings, and each invoice as \
         CSV); `completion/complete`. Before 2026-07-28 also `initialize`, `ping` and \
         `logging/setLevel`; from 2026-07-28, `server/discover`.\n\n\
         An unknown method is JSON-RPC error `-32601`; params of the wrong shape, including \
         tool arguments that do not match the tool's input schema, are `-32602`.",
    ));
    main.push_str("<h2 id=\"results\">Tool results and errors</h2>\n");
    main.push_str(&paragraphs(
        "Every tool declares an input and an output schema. A successful call returns the \
         result as `structuredContent`, matching the output schema, and the same JSON as text \
         content.\n\n\
         An error the assistant can act on (a name that matches two projects, a timer already \
         running, a feature above the user's tier) is a tool result with `isError: true` whose \
         only content is one text item: the error body as JSON. It has no \
         `structuredContent`, because the body does not match the tool's output schema and \
         clients validate `structuredContent` even on errors.",
    ));
    main.push_str("<h3 id=\"error-body\">The error body</h3>\n");
    main.push_str(&paragraphs(
        "`code` (always): one of the codes below, snake_case. `message` (always): what went \
         wrong, in a sentence an assistant can repeat. `hint` (often): what to do about it. \
         Any other fields are details to act on, such as `candidates` (of an `ambiguous` \
         reference), `required_tier` and `feature` (of `tier_required`), or the limit that \
         was reached. For example:",
    ));
    main.push_str(&json_block(&json!({
        "code": "tier_required",
        "message": "`create_invoice` needs the pro tier",
        "hint": "ask the operator to run `teetrack users set-tier EMAIL pro`",
        "feature": "create_invoice",
        "required_tier": "pro",
    })));
    main.push_str(
        "<div class=\"table-wrap\"><table class=\"schema\" id=\"error-codes\">\n<thead><tr><th>Code</th><th>When</th></tr></thead>\n<tbody>\n",
    );
    for (code, when) in ERROR_CODES {
        let _ = writeln!(
            main,
            "<tr><td data-label=\"Code\"><code>{code}</code></td><td data-label=\"When\">{when}</td></tr>",
            when = inline(when),
        );
    }
    main.push_str("</tbody>\n</table></div>\n");
    main.push_str(&paragraphs(
        "Protocol faults are JSON-RPC errors instead: arguments that do not match the input \
         schema and unknown tools are `-32602`, a fault of the server is `-32603` (its \
         detail only in the server's log).\n\n\
         Every tool works on the authenticated user's data only: another user's id behaves \
         exactly like an id that does not exist.",
    ));
    let main = main.replace(
        "[Getting started](getting-started.html)",
        "<a href=\"getting-started.html\">Getting started</a>",
    );
    page(
        "Protocol · Teetrack",
        "The MCP revisions and transports Teetrack serves.",
        "",
        Section::Protocol,
        &main,
    )
}

/// The search index as a script that sets a global: a plain `<script src>`
/// loads it from a web server and from file:// alike, where fetching a JSON
/// file would be refused.
fn search_index(areas: &Areas) -> String {
    let mut entries = Vec::new();
    for (area, tools) in areas {
        for tool in tools {
            let manifest = tool.manifest();
            let description = description(tool);
            let props: Vec<String> = schema::rows(&manifest["inputSchema"])
                .into_iter()
                .map(|r| r.name)
                .collect();
            entries.push(json!({
                "name": tool.name,
                "title": tool.title,
                "area": area,
                "tier": tool.tier,
                "url": format!("tools/{}.html", tool.name),
                "summary": html::plain(&html::first_sentence(&description)),
                "text": html::plain(&description),
                "props": props.join(" "),
            }));
        }
    }
    let json = serde_json::to_string(&Value::Array(entries)).expect("serialisable");
    // `</` cannot end the script early, whatever a description holds.
    let json = json.replace("</", "<\\/");
    format!(
        "// Generated by docs-gen from the tool registry: the search index of the reference.\n\
         window.TEETRACK_SEARCH_INDEX = {json};\n"
    )
}
