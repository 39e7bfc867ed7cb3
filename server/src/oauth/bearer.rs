//! What `/api/mcp` accepts as `Authorization: Bearer`: a personal API token
//! (`tt_…`, every scope) or an OAuth access token (`tta_…`) issued for this
//! very endpoint, with its grant's scopes.

use catalogue::User;
use catalogue::db::oauth::{self, OAuthError};
use catalogue::db::users::{self, AccountError};

use super::OAuth;
use super::checked::Lookup;

/// Who a request runs as, and what it may do.
#[derive(Clone, Debug)]
pub struct Principal {
    pub user: User,
    /// `None`: every scope (a personal API token).
    pub scopes: Option<Vec<String>>,
}

impl Principal {
    pub fn allows(&self, scope: &str) -> bool {
        self.scopes
            .as_ref()
            .is_none_or(|scopes| scopes.iter().any(|s| s == scope))
    }
}

#[derive(Debug)]
pub enum Rejected {
    /// Unknown, expired or revoked.
    Invalid,
    /// An OAuth token issued for another resource (RFC 8707 audience).
    WrongAudience,
    /// The database could not say.
    Unavailable(String),
}

/// The token's principal: from the cache of checked tokens while nothing
/// was committed since it was checked (see [`super::checked`]), else from
/// the database, which records the token's use.
pub async fn authenticate(oauth: &OAuth, token: &str) -> Result<Principal, Rejected> {
    let version = match oauth.checked.lookup(token) {
        Lookup::Hit(principal) => return Ok(principal),
        Lookup::Miss(version) => version,
    };
    let checked = lookup(oauth, token).await;
    if let (Ok((principal, expires_at)), Some(version)) = (&checked, version) {
        oauth.checked.store(version, token, principal, *expires_at);
    }
    checked.map(|(principal, _)| principal)
}

/// The database's answer, with an OAuth access token's end.
async fn lookup(oauth: &OAuth, token: &str) -> Result<(Principal, Option<i64>), Rejected> {
    let token = token.to_owned();
    let resource = oauth.resource.clone();
    let outcome = oauth
        .db
        .run(move |conn| {
            let now = jiff::Timestamp::now();
            let checked = if token.starts_with(oauth::ACCESS_PREFIX) {
                match oauth::authenticate_access(conn, &token, now) {
                    Ok(grant) if grant.resource != resource => Err(Rejected::WrongAudience),
                    Ok(grant) => Ok((
                        Principal {
                            user: grant.user,
                            scopes: Some(grant.scopes),
                        },
                        Some(grant.expires_at.as_second()),
                    )),
                    Err(OAuthError::Invalid) => Err(Rejected::Invalid),
                    Err(err) => Err(Rejected::Unavailable(err.to_string())),
                }
            } else {
                match users::authenticate_token(conn, &token, now) {
                    Ok(user) => Ok((Principal { user, scopes: None }, None)),
                    Err(AccountError::BadToken) => Err(Rejected::Invalid),
                    Err(err) => Err(Rejected::Unavailable(err.to_string())),
                }
            };
            Ok::<_, catalogue::ToolError>(checked)
        })
        .await;
    outcome.unwrap_or_else(|err| Err(Rejected::Unavailable(err.message)))
}
