//! Who `teetrack mcp` serves: the user behind `TEETRACK_MCP_TOKEN`, else the
//! one named by `TEETRACK_MCP_USER_EMAIL` (local development only).

use anyhow::anyhow;
use catalogue::db::users::{self, AccountError};
use catalogue::{Db, User};

pub const TOKEN_VAR: &str = "TEETRACK_MCP_TOKEN";
pub const EMAIL_VAR: &str = "TEETRACK_MCP_USER_EMAIL";

/// The identity claimed by the environment, not yet checked.
#[derive(Debug, PartialEq)]
pub enum Identity {
    Token(String),
    Email(String),
}

impl Identity {
    pub fn from_env() -> anyhow::Result<Identity> {
        // An empty value (a config file's placeholder) counts as unset.
        let var = |name| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        Identity::from_vars(var(TOKEN_VAR), var(EMAIL_VAR))
    }

    fn from_vars(token: Option<String>, email: Option<String>) -> anyhow::Result<Identity> {
        match (token, email) {
            (Some(token), _) => Ok(Identity::Token(token)),
            (None, Some(email)) => Ok(Identity::Email(email)),
            (None, None) => Err(anyhow!(
                "no identity: set {TOKEN_VAR} to a token made with `teetrack tokens create EMAIL` \
                 (or {EMAIL_VAR}, for local development only)"
            )),
        }
    }

    /// Checks the claim against the database; a token's use is recorded.
    pub fn authenticate(self, db: &Db) -> anyhow::Result<User> {
        let conn = &mut db.conn()?;
        match self {
            Identity::Token(token) => users::authenticate_token(conn, &token, jiff::Timestamp::now())
                .map_err(|err| match err {
                    AccountError::BadToken => anyhow!(
                        "{TOKEN_VAR} is not a valid token (unknown or revoked); \
                         create one with `teetrack tokens create EMAIL`"
                    ),
                    other => anyhow!(other).context("cannot check the token"),
                }),
            Identity::Email(email) => users::find_by_email(conn, &email).map_err(|err| match err {
                AccountError::NoSuchUser(email) => anyhow!(
                    "{EMAIL_VAR}: no user with email {email}; add one with `teetrack users add {email}`"
                ),
                other => anyhow!(other).context(EMAIL_VAR),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_wins_over_the_email_and_neither_is_an_error() {
        let s = |v: &str| Some(v.to_owned());
        assert_eq!(
            Identity::from_vars(s("tt_x"), s("a@b.c")).unwrap(),
            Identity::Token("tt_x".into())
        );
        assert_eq!(
            Identity::from_vars(None, s("a@b.c")).unwrap(),
            Identity::Email("a@b.c".into())
        );
        let err = Identity::from_vars(None, None).unwrap_err().to_string();
        assert!(
            err.contains(TOKEN_VAR) && err.contains("teetrack tokens create"),
            "{err}"
        );
    }
}
