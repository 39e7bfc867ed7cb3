//! The operator's commands: `teetrack users …` and `teetrack tokens …`.

use std::fmt::Display;
use std::io::{self, Write};

use anyhow::Context as _;
use catalogue::Db;
use catalogue::db::{oauth, users};

use crate::cli::{TokensCommand, UsersCommand};

pub fn users(db: &Db, command: UsersCommand) -> anyhow::Result<()> {
    let conn = &mut db.conn()?;
    match command {
        UsersCommand::Add {
            email,
            name,
            if_missing,
        } => {
            let user = match users::add_user(conn, &email, name.as_deref(), jiff::Timestamp::now())
            {
                Err(users::AccountError::EmailTaken(email)) if if_missing => {
                    return output(format_args!("user {email} already exists"));
                }
                added => added?,
            };
            output(format_args!(
                "added user {} {} ({}, {} tier)",
                user.id, user.email, user.name, user.tier
            ))
        }
        UsersCommand::List => {
            let rows = users::list_users(conn)?
                .into_iter()
                .map(|u| vec![u.id.to_string(), u.email, u.name, u.tier.to_string()]);
            table(&["ID", "EMAIL", "NAME", "TIER"], rows)
        }
        UsersCommand::SetPassword { email } => {
            let user = users::find_by_email(conn, &email)?;
            let password = read_password(&user.email)?;
            let password = password.as_str();
            crate::web::password::check_policy(password, &user.email)
                .map_err(|why| anyhow::anyhow!(why))?;
            let hash = crate::web::password::hash(password).map_err(|why| anyhow::anyhow!(why))?;
            catalogue::db::web::set_password_hash(conn, user.id, &hash, jiff::Timestamp::now())?;
            output(format_args!("password set for {}", user.email))
        }
        UsersCommand::SetTier { email, tier } => {
            let user = users::set_tier(conn, &email, tier)?;
            output(format_args!(
                "{} is now on the {} tier",
                user.email, user.tier
            ))
        }
    }
}

/// The new password: at a terminal, typed twice with echo off; otherwise
/// the first line of standard input (scripts pipe it in).
fn read_password(email: &str) -> anyhow::Result<String> {
    if !io::IsTerminal::is_terminal(&io::stdin()) {
        let mut line = String::new();
        io::stdin()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_owned());
    }
    let first = rpassword::prompt_password(format!("New password for {email}: "))
        .context("cannot read the password from the terminal")?;
    let again = rpassword::prompt_password("The same password again: ")
        .context("cannot read the password from the terminal")?;
    anyhow::ensure!(
        first == again,
        "the two passwords differ; nothing was changed"
    );
    Ok(first)
}

pub fn tokens(db: &Db, command: TokensCommand) -> anyhow::Result<()> {
    let conn = &mut db.conn()?;
    match command {
        TokensCommand::Create { email, name } => {
            let (info, token) =
                users::create_token(conn, &email, name.as_deref(), jiff::Timestamp::now())?;
            // The token alone on stdout, so `TOKEN=$(teetrack tokens create …)`
            // captures it; the note goes to the terminal.
            output(format_args!("{token}"))?;
            eprintln!(
                "created token {} ({:?}) for {email}; it will not be shown again, so store it now",
                info.id, info.name
            );
            Ok(())
        }
        TokensCommand::List { email } => {
            let or_dash = |t: Option<jiff::Timestamp>| t.map_or("-".into(), |t| t.to_string());
            let rows = users::list_tokens(conn, &email)?.into_iter().map(|t| {
                vec![
                    t.id.to_string(),
                    t.name,
                    t.prefix,
                    t.created_at.to_string(),
                    or_dash(t.last_used_at),
                    or_dash(t.revoked_at),
                ]
            });
            table(
                &["ID", "NAME", "PREFIX", "CREATED", "LAST USED", "REVOKED"],
                rows,
            )?;
            // Then the connectors signed in with OAuth, if any.
            let user = users::find_by_email(conn, &email)?;
            let grants = oauth::list_grants(conn, user.id)?;
            if grants.is_empty() {
                return Ok(());
            }
            output("")?;
            let rows = grants.into_iter().map(|g| {
                vec![
                    format!("oauth:{}", g.id),
                    g.client_name,
                    g.scope.replace(' ', ","),
                    g.created_at.to_string(),
                    or_dash(g.last_used_at),
                    or_dash(g.revoked_at),
                ]
            });
            table(
                &[
                    "OAUTH GRANT",
                    "CLIENT",
                    "SCOPES",
                    "CREATED",
                    "LAST USED",
                    "REVOKED",
                ],
                rows,
            )
        }
        TokensCommand::Revoke { email, token } => {
            let now = jiff::Timestamp::now();
            match token.strip_prefix("oauth:").map(str::parse::<i32>) {
                Some(Ok(grant)) => {
                    let user = users::find_by_email(conn, &email)?;
                    oauth::revoke_grant(conn, user.id, grant, now)?;
                    output(format_args!(
                        "revoked OAuth grant {token} of {email} and all its tokens"
                    ))
                }
                _ => {
                    users::revoke_token(conn, &email, &token, now)?;
                    output(format_args!("revoked token {token} of {email}"))
                }
            }
        }
    }
}

/// `teetrack login-code EMAIL`: the code alone on stdout, the note on stderr.
pub fn login_code(db: &Db, email: &str) -> anyhow::Result<()> {
    let conn = &mut db.conn()?;
    let code = oauth::create_login_code(conn, email, LOGIN_CODE_SECS, jiff::Timestamp::now())?;
    output(&code)?;
    eprintln!(
        "a one-time sign-in code for {}: enter it on the Teetrack sign-in page within {} minutes; it works once",
        email.trim(),
        LOGIN_CODE_SECS / 60
    );
    Ok(())
}

const LOGIN_CODE_SECS: i64 = 600;

/// Left-aligned columns under a header; nothing but the header when empty.
pub(crate) fn table(
    header: &[&str],
    rows: impl Iterator<Item = Vec<String>>,
) -> anyhow::Result<()> {
    let rows: Vec<Vec<String>> = std::iter::once(header.iter().map(|h| h.to_string()).collect())
        .chain(rows)
        .collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|col| {
            rows.iter()
                .map(|r| r[col].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:width$}"))
            .collect();
        output(cells.join("  ").trim_end())?;
    }
    Ok(())
}

/// The operator commands' only way to stdout. It is never reached from
/// `teetrack mcp`, whose stdout is the protocol channel (hence the crate-wide
/// deny). A write error (a closed pipe, as in `| head`) is an error, not the
/// panic `println!` would make of it.
#[allow(clippy::disallowed_methods)]
pub(crate) fn output(line: impl Display) -> anyhow::Result<()> {
    writeln!(io::stdout().lock(), "{line}").context("cannot write to stdout")
}
