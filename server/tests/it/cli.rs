//! The operator's commands, end to end through the binary.

use std::process::Stdio;

use crate::common::Teetrack;

#[test]
fn users_are_added_listed_and_moved_between_tiers() {
    let t = Teetrack::new();
    let added = t.ok(&["users", "add", "Ada@Example.com", "--name", "Ada Lovelace"]);
    assert_eq!(
        added,
        "added user 1 ada@example.com (Ada Lovelace, free tier)\n"
    );
    t.ok(&["users", "add", "bob@example.com"]);

    let err = t.fails(&["users", "add", "ADA@example.com"]);
    assert!(err.contains("already exists"), "{err}");
    let err = t.fails(&["users", "add", "not-an-email"]);
    assert!(err.contains("not a valid email"), "{err}");
    // --if-missing matches the whole address (case-insensitive), never a part of it.
    let kept = t.ok(&["users", "add", "ADA@example.com", "--if-missing"]);
    assert_eq!(kept, "user ada@example.com already exists\n");
    t.ok(&["users", "add", "da@example.com", "--if-missing"]);

    let set = t.ok(&["users", "set-tier", "ada@example.com", "pro"]);
    assert_eq!(set, "ada@example.com is now on the pro tier\n");
    let err = t.fails(&["users", "set-tier", "nobody@example.com", "pro"]);
    assert!(
        err.contains("no user with email nobody@example.com"),
        "{err}"
    );
    // clap refuses an unknown tier and names the valid ones.
    let out = t.run(&["users", "set-tier", "ada@example.com", "gold"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("free, pro, business"));

    let list = t.ok(&["users", "list"]);
    let rows: Vec<Vec<&str>> = list
        .lines()
        .map(|l| {
            l.split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect()
        })
        .collect();
    assert_eq!(
        rows,
        [
            vec!["ID", "EMAIL", "NAME", "TIER"],
            vec!["1", "ada@example.com", "Ada Lovelace", "pro"],
            vec!["2", "bob@example.com", "bob", "free"],
            vec!["3", "da@example.com", "da", "free"],
        ]
    );
}

#[test]
fn a_token_is_shown_once_used_by_mcp_listed_and_revoked() {
    let t = Teetrack::new();
    t.ok(&["users", "add", "ada@example.com"]);

    let out = t.run(&["tokens", "create", "ada@example.com", "--name", "laptop"]);
    assert!(out.status.success());
    let token = String::from_utf8(out.stdout).unwrap().trim_end().to_owned();
    assert!(token.starts_with("tt_") && token.len() >= 35, "{token}");
    assert!(crate::common::one_line(&out.stderr).contains("will not be shown again"));

    let list = t.ok(&["tokens", "list", "ada@example.com"]);
    assert!(
        !list.contains(&token[10..]),
        "the token itself is never listed"
    );
    let [id, name, prefix, created, last_used, revoked] = token_row(&list);
    assert_eq!((id.as_str(), name.as_str()), ("1", "laptop"));
    assert!(token.starts_with(&prefix), "{prefix}");
    assert!(created.parse::<jiff::Timestamp>().is_ok(), "{created}");
    assert_eq!((last_used.as_str(), revoked.as_str()), ("-", "-"));

    // `teetrack mcp` with the token and an empty stdin: served, then done.
    let status = t
        .command(&["mcp"])
        .env("TEETRACK_MCP_TOKEN", &token)
        .stdin(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let [.., last_used, revoked] = token_row(&t.ok(&["tokens", "list", "ada@example.com"]));
    assert!(last_used.parse::<jiff::Timestamp>().is_ok(), "{last_used}");
    assert_eq!(revoked, "-");

    let out = t.ok(&["tokens", "revoke", "ada@example.com", &prefix]);
    assert_eq!(out, format!("revoked token {prefix} of ada@example.com\n"));
    let [.., revoked] = token_row(&t.ok(&["tokens", "list", "ada@example.com"]));
    assert!(revoked.parse::<jiff::Timestamp>().is_ok(), "{revoked}");
    let err = t.fails(&["tokens", "revoke", "ada@example.com", "1"]);
    assert!(err.contains("no token 1"), "{err}");
}

#[test]
fn a_bad_database_url_is_one_line_and_a_failure() {
    let t = Teetrack::new();
    let err = t.fails(&["--database-url", "", "users", "list"]);
    assert!(err.starts_with("teetrack: "), "{err}");
    // A server that is not there: libpq's own reason, on one line.
    let err = t.fails(&[
        "--database-url",
        "postgres://nobody:secret@127.0.0.1:1/teetrack",
        "users",
        "list",
    ]);
    assert!(
        err.starts_with(
            "teetrack: cannot open the database postgres://nobody:***@127.0.0.1:1/teetrack"
        ),
        "{err}"
    );
    assert!(err.contains("Connection refused"), "{err}");
    assert!(!err.contains("secret"), "the password is not shown: {err}");
}

/// The columns of the one token in a `tokens list` under its header.
fn token_row(list: &str) -> [String; 6] {
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines.len(), 2, "{list}");
    let cells: Vec<String> = lines[1].split_whitespace().map(str::to_owned).collect();
    cells.try_into().expect("six columns")
}
