//! The OAuth 2.1 authorization server's storage (issue 6): clients, one-time
//! sign-in codes, authorization codes, grants and their tokens. Every secret
//! is stored as its SHA-256 only; the clear value exists once, in the return
//! value of the function that made it.

use diesel::prelude::*;
use rand::Rng;
use serde::Serialize;

use super::users::{BASE62, UserRow, hash_token};
use super::{Conn, User, epoch, instant};
use crate::schema::{
    oauth_clients, oauth_codes, oauth_grants, oauth_keys, oauth_login_codes, oauth_tokens, users,
};

/// Prefixes tell a credential's kind at a glance (and in a leaked log line).
pub const ACCESS_PREFIX: &str = "tta_";
pub const REFRESH_PREFIX: &str = "ttr_";
const CODE_PREFIX: &str = "ttc_";
const CLIENT_PREFIX: &str = "ttclient_";

#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    #[error("no user with email {0}")]
    NoSuchUser(String),
    /// A code, token or sign-in code that is unknown, expired, used or revoked.
    #[error("invalid or expired credential")]
    Invalid,
    /// A code or refresh token presented a second time: its grant is revoked.
    #[error("credential reused; the grant it belongs to is revoked")]
    Reused,
    #[error("no grant {0} for this user")]
    NoSuchGrant(String),
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

fn random(chars: usize, alphabet: &[u8]) -> String {
    let mut rng = rand::rng();
    (0..chars)
        .map(|_| alphabet[rng.random_range(0..alphabet.len())] as char)
        .collect()
}

fn secret(prefix: &str) -> String {
    format!("{prefix}{}", random(43, BASE62))
}

fn plus(now: jiff::Timestamp, secs: i64) -> i64 {
    epoch(now) + secs
}

/// The key that signs the consent form, made on first use.
pub fn signing_key(conn: &mut Conn) -> Result<String, OAuthError> {
    super::write(conn, super::Lock::Shared, |conn| {
        let found = oauth_keys::table
            .select(oauth_keys::secret)
            .first::<String>(conn)
            .optional()?;
        if let Some(key) = found {
            return Ok(key);
        }
        let key = random(64, BASE62);
        diesel::insert_into(oauth_keys::table)
            .values((oauth_keys::id.eq(1), oauth_keys::secret.eq(&key)))
            .execute(conn)?;
        Ok(key)
    })
}

// ---------------------------------------------------------------- clients

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Client {
    pub client_id: String,
    /// `dcr` (registered here) or `cimd` (a metadata document's URL).
    pub kind: String,
    pub client_name: String,
    pub redirect_uris: Vec<String>,
    pub client_uri: Option<String>,
    pub created_at: jiff::Timestamp,
    pub fetched_at: Option<jiff::Timestamp>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = oauth_clients, check_for_backend(crate::db::Backend))]
struct ClientRow {
    client_id: String,
    kind: String,
    client_name: String,
    redirect_uris: String,
    client_uri: Option<String>,
    created_at: i64,
    fetched_at: Option<i64>,
}

impl From<ClientRow> for Client {
    fn from(row: ClientRow) -> Client {
        Client {
            client_id: row.client_id,
            kind: row.kind,
            client_name: row.client_name,
            redirect_uris: serde_json::from_str(&row.redirect_uris).unwrap_or_default(),
            client_uri: row.client_uri,
            created_at: instant(row.created_at),
            fetched_at: row.fetched_at.map(instant),
        }
    }
}

/// Registers a client (RFC 7591) under a fresh random id.
pub fn register_client(
    conn: &mut Conn,
    client_name: &str,
    redirect_uris: &[String],
    client_uri: Option<&str>,
    now: jiff::Timestamp,
) -> Result<Client, OAuthError> {
    let client_id = format!("{CLIENT_PREFIX}{}", random(24, BASE62));
    diesel::insert_into(oauth_clients::table)
        .values((
            oauth_clients::client_id.eq(&client_id),
            oauth_clients::kind.eq("dcr"),
            oauth_clients::client_name.eq(client_name),
            oauth_clients::redirect_uris.eq(json_list(redirect_uris)),
            oauth_clients::client_uri.eq(client_uri),
            oauth_clients::created_at.eq(epoch(now)),
        ))
        .execute(conn)?;
    client_row(conn, &client_id)
}

/// Records (or refreshes) a client known by its metadata document's URL.
pub fn save_metadata_client(
    conn: &mut Conn,
    url: &str,
    client_name: &str,
    redirect_uris: &[String],
    client_uri: Option<&str>,
    now: jiff::Timestamp,
) -> Result<Client, OAuthError> {
    // An upsert: two instances fetching the same document at once both
    // succeed. Spelt once per engine (`per_backend!`): diesel's ON CONFLICT
    // does not go through the connection of both.
    super::per_backend!(conn, |c| diesel::insert_into(oauth_clients::table)
        .values((
            oauth_clients::client_id.eq(url),
            oauth_clients::kind.eq("cimd"),
            oauth_clients::client_name.eq(client_name),
            oauth_clients::redirect_uris.eq(json_list(redirect_uris)),
            oauth_clients::client_uri.eq(client_uri),
            oauth_clients::created_at.eq(epoch(now)),
            oauth_clients::fetched_at.eq(epoch(now)),
        ))
        .on_conflict(oauth_clients::client_id)
        .do_update()
        .set((
            oauth_clients::client_name.eq(client_name),
            oauth_clients::redirect_uris.eq(json_list(redirect_uris)),
            oauth_clients::client_uri.eq(client_uri),
            oauth_clients::fetched_at.eq(epoch(now)),
        ))
        .execute(c))?;
    client_row(conn, url)
}

fn client_row(conn: &mut Conn, client_id: &str) -> Result<Client, OAuthError> {
    let row: ClientRow = oauth_clients::table
        .filter(oauth_clients::client_id.eq(client_id))
        .select(ClientRow::as_select())
        .first(conn)?;
    Ok(row.into())
}

fn json_list(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".into())
}

pub fn find_client(conn: &mut Conn, client_id: &str) -> Result<Option<Client>, OAuthError> {
    Ok(oauth_clients::table
        .filter(oauth_clients::client_id.eq(client_id))
        .select(ClientRow::as_select())
        .first(conn)
        .optional()?
        .map(Client::from))
}

// ---------------------------------------------------------- sign-in codes

/// Readable aloud and typed on a phone: no 0/O, 1/I/L.
const LOGIN_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// Normalised for comparison: what a user may type around the code is
/// dropped (spaces, dashes, lower case).
fn normalise_login_code(code: &str) -> String {
    code.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// A one-time sign-in code for the consent page, valid `ttl_secs`.
/// Printed as `XXXXX-XXXXX` (about 50 bits).
pub fn create_login_code(
    conn: &mut Conn,
    email: &str,
    ttl_secs: i64,
    now: jiff::Timestamp,
) -> Result<String, OAuthError> {
    let user = super::users::find_by_email(conn, email)
        .map_err(|_| OAuthError::NoSuchUser(email.trim().to_owned()))?;
    let raw = random(10, LOGIN_ALPHABET);
    diesel::insert_into(oauth_login_codes::table)
        .values((
            oauth_login_codes::user_id.eq(user.id),
            oauth_login_codes::code_hash.eq(hash_token(&raw)),
            oauth_login_codes::created_at.eq(epoch(now)),
            oauth_login_codes::expires_at.eq(plus(now, ttl_secs)),
        ))
        .execute(conn)?;
    Ok(format!("{}-{}", &raw[..5], &raw[5..]))
}

/// The user a sign-in code belongs to; the code is spent.
pub fn use_login_code(
    conn: &mut Conn,
    code: &str,
    now: jiff::Timestamp,
) -> Result<User, OAuthError> {
    let hash = hash_token(&normalise_login_code(code));
    super::write(conn, super::Lock::Shared, |conn| {
        let found: Option<(i32, UserRow)> = oauth_login_codes::table
            .inner_join(users::table)
            .filter(oauth_login_codes::code_hash.eq(&hash))
            .filter(oauth_login_codes::used_at.is_null())
            .filter(oauth_login_codes::expires_at.gt(epoch(now)))
            .select((oauth_login_codes::id, UserRow::as_select()))
            .first(conn)
            .optional()?;
        let (id, user) = found.ok_or(OAuthError::Invalid)?;
        diesel::update(oauth_login_codes::table.find(id))
            .set(oauth_login_codes::used_at.eq(epoch(now)))
            .execute(conn)?;
        Ok(user.into())
    })
}

// ---------------------------------------------------- authorization codes

/// What an approved authorization request binds its code to.
#[derive(Clone, Debug, PartialEq)]
pub struct Authorization {
    pub client_id: String,
    pub user_id: i32,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub resource: String,
    pub scope: String,
}

/// How long spent or expired rows are kept before [`prune`] drops them: a
/// day, long past any use they could still have (a reused code or refresh
/// token is caught while it is kept; after its expiry it is refused anyway).
const KEEP_SECS: i64 = 24 * 3600;

/// Drops expired codes, sign-in codes and tokens; called on each approval,
/// so the tables stay the size of what is alive.
pub fn prune(conn: &mut Conn, now: jiff::Timestamp) -> Result<usize, OAuthError> {
    let before = epoch(now) - KEEP_SECS;
    let mut dropped = diesel::delete(oauth_codes::table.filter(oauth_codes::expires_at.lt(before)))
        .execute(conn)?;
    dropped +=
        diesel::delete(oauth_login_codes::table.filter(oauth_login_codes::expires_at.lt(before)))
            .execute(conn)?;
    dropped += diesel::delete(oauth_tokens::table.filter(oauth_tokens::expires_at.lt(before)))
        .execute(conn)?;
    Ok(dropped)
}

/// Stores an authorization code valid `ttl_secs`; the code in clear.
pub fn create_code(
    conn: &mut Conn,
    auth: &Authorization,
    ttl_secs: i64,
    now: jiff::Timestamp,
) -> Result<String, OAuthError> {
    prune(conn, now)?;
    let code = secret(CODE_PREFIX);
    diesel::insert_into(oauth_codes::table)
        .values((
            oauth_codes::code_hash.eq(hash_token(&code)),
            oauth_codes::client_id.eq(&auth.client_id),
            oauth_codes::user_id.eq(auth.user_id),
            oauth_codes::redirect_uri.eq(&auth.redirect_uri),
            oauth_codes::code_challenge.eq(&auth.code_challenge),
            oauth_codes::resource.eq(&auth.resource),
            oauth_codes::scope.eq(&auth.scope),
            oauth_codes::created_at.eq(epoch(now)),
            oauth_codes::expires_at.eq(plus(now, ttl_secs)),
        ))
        .execute(conn)?;
    Ok(code)
}

/// An access token and the refresh token that replaces it.
#[derive(Debug)]
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: i64,
    pub scope: String,
    pub resource: String,
}

/// How long each kind of token lives.
#[derive(Clone, Copy, Debug)]
pub struct Lifetimes {
    pub access_secs: i64,
    pub refresh_secs: i64,
}

/// Exchanges a code for a new grant's first token pair. `check` sees what the
/// code was bound to and refuses (with the caller's error) a client, redirect
/// URI or PKCE verifier that does not match; a refused check still spends the
/// code. A code used twice revokes the grant of its first use.
pub fn exchange_code<E: From<OAuthError>>(
    conn: &mut Conn,
    code: &str,
    lifetimes: Lifetimes,
    now: jiff::Timestamp,
    check: impl FnOnce(&Authorization) -> Result<(), E>,
) -> Result<TokenPair, E> {
    let hash = hash_token(code);
    let outcome = super::write(conn, super::Lock::Shared, |conn| {
        #[derive(Queryable)]
        struct CodeRow {
            id: i32,
            client_id: String,
            user_id: i32,
            redirect_uri: String,
            code_challenge: String,
            resource: String,
            scope: String,
            expires_at: i64,
            used_at: Option<i64>,
            grant_id: Option<i32>,
        }
        let row: Option<CodeRow> = oauth_codes::table
            .filter(oauth_codes::code_hash.eq(&hash))
            .select((
                oauth_codes::id,
                oauth_codes::client_id,
                oauth_codes::user_id,
                oauth_codes::redirect_uri,
                oauth_codes::code_challenge,
                oauth_codes::resource,
                oauth_codes::scope,
                oauth_codes::expires_at,
                oauth_codes::used_at,
                oauth_codes::grant_id,
            ))
            .first(conn)
            .optional()?;
        let Some(row) = row else {
            return Ok(Err(OAuthError::Invalid.into()));
        };
        if row.used_at.is_some() {
            if let Some(grant) = row.grant_id {
                revoke_grant_row(conn, grant, now)?;
            }
            return Ok(Err(OAuthError::Reused.into()));
        }
        diesel::update(oauth_codes::table.find(row.id))
            .set(oauth_codes::used_at.eq(epoch(now)))
            .execute(conn)?;
        if row.expires_at <= epoch(now) {
            return Ok(Err(OAuthError::Invalid.into()));
        }
        let auth = Authorization {
            client_id: row.client_id,
            user_id: row.user_id,
            redirect_uri: row.redirect_uri,
            code_challenge: row.code_challenge,
            resource: row.resource,
            scope: row.scope,
        };
        if let Err(refused) = check(&auth) {
            return Ok(Err(refused));
        }
        let grant: i32 = diesel::insert_into(oauth_grants::table)
            .values((
                oauth_grants::user_id.eq(auth.user_id),
                oauth_grants::client_id.eq(&auth.client_id),
                oauth_grants::resource.eq(&auth.resource),
                oauth_grants::scope.eq(&auth.scope),
                oauth_grants::created_at.eq(epoch(now)),
            ))
            .returning(oauth_grants::id)
            .get_result(conn)?;
        diesel::update(oauth_codes::table.find(row.id))
            .set(oauth_codes::grant_id.eq(grant))
            .execute(conn)?;
        let pair = issue_pair(conn, grant, &auth.scope, &auth.resource, lifetimes, now)?;
        Ok::<_, OAuthError>(Ok(pair))
    });
    // The inner errors commit (the code stays spent, a reused one's grant
    // stays revoked); the outer ones roll back.
    outcome.map_err(E::from)?
}

fn issue_pair(
    conn: &mut Conn,
    grant: i32,
    scope: &str,
    resource: &str,
    lifetimes: Lifetimes,
    now: jiff::Timestamp,
) -> QueryResult<TokenPair> {
    let access_token = secret(ACCESS_PREFIX);
    let refresh_token = secret(REFRESH_PREFIX);
    super::per_backend!(conn, |c| diesel::insert_into(oauth_tokens::table)
        .values(&vec![
            (
                oauth_tokens::grant_id.eq(grant),
                oauth_tokens::kind.eq("access"),
                oauth_tokens::token_hash.eq(hash_token(&access_token)),
                oauth_tokens::created_at.eq(epoch(now)),
                oauth_tokens::expires_at.eq(plus(now, lifetimes.access_secs)),
            ),
            (
                oauth_tokens::grant_id.eq(grant),
                oauth_tokens::kind.eq("refresh"),
                oauth_tokens::token_hash.eq(hash_token(&refresh_token)),
                oauth_tokens::created_at.eq(epoch(now)),
                oauth_tokens::expires_at.eq(plus(now, lifetimes.refresh_secs)),
            ),
        ])
        .execute(c))?;
    Ok(TokenPair {
        access_token,
        refresh_token,
        expires_in: lifetimes.access_secs,
        scope: scope.to_owned(),
        resource: resource.to_owned(),
    })
}

fn revoke_grant_row(conn: &mut Conn, grant: i32, now: jiff::Timestamp) -> QueryResult<()> {
    diesel::update(
        oauth_grants::table
            .find(grant)
            .filter(oauth_grants::revoked_at.is_null()),
    )
    .set(oauth_grants::revoked_at.eq(epoch(now)))
    .execute(conn)?;
    Ok(())
}

/// Rotates a refresh token of `client_id` into a new pair. The old one is
/// spent; presenting a spent one again revokes its whole grant (a stolen
/// refresh token is then useless to both parties, and the user signs in anew).
pub fn refresh(
    conn: &mut Conn,
    refresh_token: &str,
    client_id: &str,
    lifetimes: Lifetimes,
    now: jiff::Timestamp,
) -> Result<TokenPair, OAuthError> {
    if !refresh_token.starts_with(REFRESH_PREFIX) {
        return Err(OAuthError::Invalid);
    }
    let hash = hash_token(refresh_token);
    super::write(conn, super::Lock::Shared, |conn| {
        let found: Option<RefreshRow> = oauth_tokens::table
            .inner_join(oauth_grants::table)
            .filter(oauth_tokens::token_hash.eq(&hash))
            .filter(oauth_tokens::kind.eq("refresh"))
            .select((
                oauth_tokens::id,
                oauth_tokens::expires_at,
                oauth_tokens::used_at,
                oauth_grants::id,
                oauth_grants::client_id,
                oauth_grants::scope,
                oauth_grants::resource,
                oauth_grants::revoked_at,
            ))
            .first(conn)
            .optional()?;
        let Some((token, expires, used, grant, owner, scope, resource, revoked)) = found else {
            return Ok(Err(OAuthError::Invalid));
        };
        if owner != client_id || revoked.is_some() || expires <= epoch(now) {
            return Ok(Err(OAuthError::Invalid));
        }
        if used.is_some() {
            revoke_grant_row(conn, grant, now)?;
            return Ok(Err(OAuthError::Reused));
        }
        diesel::update(oauth_tokens::table.find(token))
            .set(oauth_tokens::used_at.eq(epoch(now)))
            .execute(conn)?;
        // The access tokens issued before end with the rotation.
        diesel::update(
            oauth_tokens::table
                .filter(oauth_tokens::grant_id.eq(grant))
                .filter(oauth_tokens::kind.eq("access"))
                .filter(oauth_tokens::expires_at.gt(epoch(now))),
        )
        .set(oauth_tokens::expires_at.eq(epoch(now)))
        .execute(conn)?;
        Ok::<_, OAuthError>(Ok(issue_pair(
            conn, grant, &scope, &resource, lifetimes, now,
        )?))
    })?
}

/// A refresh token with its grant: token id, expiry, use; grant id, client,
/// scope, resource, revocation.
type RefreshRow = (
    i32,
    i64,
    Option<i64>,
    i32,
    String,
    String,
    String,
    Option<i64>,
);

/// Who an access token speaks for, and within what.
#[derive(Clone, Debug)]
pub struct AccessGrant {
    pub user: User,
    pub grant_id: i32,
    pub client_id: String,
    /// The audience the token is bound to.
    pub resource: String,
    pub scopes: Vec<String>,
    /// When the access token ends.
    pub expires_at: jiff::Timestamp,
}

/// A live access token's grant: id, client id, resource, scope, last use,
/// the token's end, and the user.
type Grant = (i32, String, String, String, Option<i64>, i64, UserRow);

/// Minimum interval between two writes of a grant's last use.
const LAST_USE_RESOLUTION_SECS: i64 = 60;

/// The grant behind a live access token; unknown, expired and revoked alike
/// are `Invalid`.
pub fn authenticate_access(
    conn: &mut Conn,
    token: &str,
    now: jiff::Timestamp,
) -> Result<AccessGrant, OAuthError> {
    if !token.starts_with(ACCESS_PREFIX) {
        return Err(OAuthError::Invalid);
    }
    let found: Option<Grant> = oauth_tokens::table
        .inner_join(oauth_grants::table.inner_join(users::table))
        .filter(oauth_tokens::token_hash.eq(hash_token(token)))
        .filter(oauth_tokens::kind.eq("access"))
        .filter(oauth_tokens::expires_at.gt(epoch(now)))
        .filter(oauth_grants::revoked_at.is_null())
        .select((
            oauth_grants::id,
            oauth_grants::client_id,
            oauth_grants::resource,
            oauth_grants::scope,
            oauth_grants::last_used_at,
            oauth_tokens::expires_at,
            UserRow::as_select(),
        ))
        .first(conn)
        .optional()?;
    let (grant_id, client_id, resource, scope, last_used, expires_at, user) =
        found.ok_or(OAuthError::Invalid)?;
    if last_used.is_none_or(|last| epoch(now) - last >= LAST_USE_RESOLUTION_SECS) {
        diesel::update(oauth_grants::table.find(grant_id))
            .set(oauth_grants::last_used_at.eq(epoch(now)))
            .execute(conn)?;
    }
    Ok(AccessGrant {
        user: user.into(),
        grant_id,
        client_id,
        resource,
        scopes: scope.split_whitespace().map(str::to_owned).collect(),
        expires_at: instant(expires_at),
    })
}

/// RFC 7009: revokes the grant of an access or refresh token (of `client_id`,
/// when the caller names one). An unknown token, or another client's, changes
/// nothing (and the endpoint answers 200 all the same). Whoever holds a token
/// may end it.
pub fn revoke_by_token(
    conn: &mut Conn,
    token: &str,
    client_id: Option<&str>,
    now: jiff::Timestamp,
) -> Result<bool, OAuthError> {
    let found: Option<(i32, String)> = oauth_tokens::table
        .inner_join(oauth_grants::table)
        .filter(oauth_tokens::token_hash.eq(hash_token(token)))
        .select((oauth_grants::id, oauth_grants::client_id))
        .first(conn)
        .optional()?;
    let grant = found
        .filter(|(_, owner)| client_id.is_none_or(|id| id == owner))
        .map(|(grant, _)| grant);
    match grant {
        Some(grant) => {
            revoke_grant_row(conn, grant, now)?;
            Ok(true)
        }
        None => Ok(false),
    }
}

/// A grant as `teetrack tokens list` shows it.
#[derive(Debug, Serialize)]
pub struct GrantInfo {
    pub id: i32,
    pub client_id: String,
    pub client_name: String,
    pub scope: String,
    pub resource: String,
    pub created_at: jiff::Timestamp,
    pub last_used_at: Option<jiff::Timestamp>,
    pub revoked_at: Option<jiff::Timestamp>,
}

/// A grant with its client's name: id, client id, client name, scope,
/// resource, created, last used, revoked.
type GrantRow = (
    i32,
    String,
    String,
    String,
    String,
    i64,
    Option<i64>,
    Option<i64>,
);

pub fn list_grants(conn: &mut Conn, user_id: i32) -> Result<Vec<GrantInfo>, OAuthError> {
    let rows: Vec<GrantRow> = oauth_grants::table
        .inner_join(oauth_clients::table.on(oauth_clients::client_id.eq(oauth_grants::client_id)))
        .filter(oauth_grants::user_id.eq(user_id))
        .order(oauth_grants::id)
        .select((
            oauth_grants::id,
            oauth_grants::client_id,
            oauth_clients::client_name,
            oauth_grants::scope,
            oauth_grants::resource,
            oauth_grants::created_at,
            oauth_grants::last_used_at,
            oauth_grants::revoked_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(id, client_id, client_name, scope, resource, created, used, revoked)| GrantInfo {
                id,
                client_id,
                client_name,
                scope,
                resource,
                created_at: instant(created),
                last_used_at: used.map(instant),
                revoked_at: revoked.map(instant),
            },
        )
        .collect())
}

/// Revokes one of the user's grants (and so all its tokens).
pub fn revoke_grant(
    conn: &mut Conn,
    user_id: i32,
    grant_id: i32,
    now: jiff::Timestamp,
) -> Result<(), OAuthError> {
    let updated = diesel::update(
        oauth_grants::table
            .filter(oauth_grants::id.eq(grant_id))
            .filter(oauth_grants::user_id.eq(user_id))
            .filter(oauth_grants::revoked_at.is_null()),
    )
    .set(oauth_grants::revoked_at.eq(epoch(now)))
    .execute(conn)?;
    if updated == 0 {
        return Err(OAuthError::NoSuchGrant(format!("oauth:{grant_id}")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;
    use crate::db::users::add_user;

    fn now() -> jiff::Timestamp {
        "2026-11-25T10:00:00Z".parse().unwrap()
    }

    fn later(secs: i64) -> jiff::Timestamp {
        now()
            .checked_add(jiff::SignedDuration::from_secs(secs))
            .unwrap()
    }

    const LIFE: Lifetimes = Lifetimes {
        access_secs: 3600,
        refresh_secs: 86400,
    };

    fn setup() -> (tempfile::TempDir, Db, User, Client) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(Some(dir.path().join("t.db").to_str().unwrap())).unwrap();
        let (user, client) = {
            let conn = &mut db.conn().unwrap();
            let user = add_user(conn, "ada@example.com", None, now()).unwrap();
            let client = register_client(
                conn,
                "Claude",
                &["https://claude.ai/api/mcp/auth_callback".into()],
                None,
                now(),
            )
            .unwrap();
            (user, client)
        };
        (dir, db, user, client)
    }

    fn authorization(user: &User, client: &Client) -> Authorization {
        Authorization {
            client_id: client.client_id.clone(),
            user_id: user.id,
            redirect_uri: client.redirect_uris[0].clone(),
            code_challenge: "challenge".into(),
            resource: "https://tt.example.com/api/mcp".into(),
            scope: "tracks:read".into(),
        }
    }

    fn exchange(conn: &mut Conn, code: &str, at: jiff::Timestamp) -> Result<TokenPair, OAuthError> {
        exchange_code(conn, code, LIFE, at, |_| Ok::<_, OAuthError>(()))
    }

    #[test]
    fn a_code_is_spent_once_and_its_reuse_revokes_the_grant() {
        let (_dir, db, user, client) = setup();
        let conn = &mut db.conn().unwrap();
        let code = create_code(conn, &authorization(&user, &client), 60, now()).unwrap();
        let stored: Vec<String> = oauth_codes::table
            .select(oauth_codes::code_hash)
            .load(conn)
            .unwrap();
        assert_eq!(stored, [hash_token(&code)]);
        let pair = exchange(conn, &code, now()).unwrap();
        let grant = authenticate_access(conn, &pair.access_token, now()).unwrap();
        assert_eq!(grant.user, user);
        assert_eq!(grant.scopes, ["tracks:read"]);
        assert!(matches!(
            exchange(conn, &code, now()),
            Err(OAuthError::Reused)
        ));
        assert!(authenticate_access(conn, &pair.access_token, now()).is_err());
    }

    #[test]
    fn expired_codes_and_tokens_are_refused() {
        let (_dir, db, user, client) = setup();
        let conn = &mut db.conn().unwrap();
        let code = create_code(conn, &authorization(&user, &client), 60, now()).unwrap();
        assert!(matches!(
            exchange(conn, &code, later(61)),
            Err(OAuthError::Invalid)
        ));
        let code = create_code(conn, &authorization(&user, &client), 60, now()).unwrap();
        let pair = exchange(conn, &code, now()).unwrap();
        assert!(authenticate_access(conn, &pair.access_token, later(3599)).is_ok());
        assert!(authenticate_access(conn, &pair.access_token, later(3600)).is_err());
    }

    #[test]
    fn refresh_tokens_rotate_and_a_reused_one_ends_the_chain() {
        let (_dir, db, user, client) = setup();
        let conn = &mut db.conn().unwrap();
        let code = create_code(conn, &authorization(&user, &client), 60, now()).unwrap();
        let first = exchange(conn, &code, now()).unwrap();
        assert!(matches!(
            refresh(conn, &first.refresh_token, "someone-else", LIFE, now()),
            Err(OAuthError::Invalid)
        ));
        let second = refresh(conn, &first.refresh_token, &client.client_id, LIFE, now()).unwrap();
        assert!(authenticate_access(conn, &first.access_token, now()).is_err());
        assert!(authenticate_access(conn, &second.access_token, now()).is_ok());
        assert!(matches!(
            refresh(conn, &first.refresh_token, &client.client_id, LIFE, now()),
            Err(OAuthError::Reused)
        ));
        assert!(authenticate_access(conn, &second.access_token, now()).is_err());
        assert!(refresh(conn, &second.refresh_token, &client.client_id, LIFE, now()).is_err());
    }

    #[test]
    fn login_codes_are_single_use_short_lived_and_forgiving_to_type() {
        let (_dir, db, user, _) = setup();
        let conn = &mut db.conn().unwrap();
        let code = create_login_code(conn, "ADA@example.com", 600, now()).unwrap();
        assert_eq!(code.len(), 11);
        let typed = code.to_lowercase().replace('-', " ");
        assert_eq!(use_login_code(conn, &typed, now()).unwrap(), user);
        assert!(use_login_code(conn, &code, now()).is_err());
        let code = create_login_code(conn, "ada@example.com", 600, now()).unwrap();
        assert!(use_login_code(conn, &code, later(600)).is_err());
        assert!(matches!(
            create_login_code(conn, "nobody@example.com", 600, now()),
            Err(OAuthError::NoSuchUser(_))
        ));
    }

    #[test]
    fn expired_rows_are_pruned_a_day_after_they_expire() {
        let (_dir, db, user, client) = setup();
        let conn = &mut db.conn().unwrap();
        let code = create_code(conn, &authorization(&user, &client), 60, now()).unwrap();
        let month = Lifetimes {
            refresh_secs: 30 * 86400,
            ..LIFE
        };
        let pair = exchange_code(conn, &code, month, now(), |_| Ok::<_, OAuthError>(())).unwrap();
        create_login_code(conn, "ada@example.com", 600, now()).unwrap();
        assert_eq!(prune(conn, later(3600)).unwrap(), 0);
        // A day after the code, the sign-in code and the access token expired.
        assert_eq!(prune(conn, later(3600 + KEEP_SECS + 1)).unwrap(), 3);
        // The refresh token lives on, and still rotates.
        assert!(
            refresh(
                conn,
                &pair.refresh_token,
                &client.client_id,
                LIFE,
                later(3600 + KEEP_SECS + 1)
            )
            .is_ok()
        );
    }

    #[test]
    fn grants_are_listed_and_revoked_by_their_user_only() {
        let (_dir, db, user, client) = setup();
        let conn = &mut db.conn().unwrap();
        let bob = add_user(conn, "bob@example.com", None, now()).unwrap();
        let code = create_code(conn, &authorization(&user, &client), 60, now()).unwrap();
        let pair = exchange(conn, &code, now()).unwrap();
        let grants = list_grants(conn, user.id).unwrap();
        assert_eq!(grants.len(), 1);
        assert_eq!(grants[0].client_name, "Claude");
        assert!(list_grants(conn, bob.id).unwrap().is_empty());
        assert!(revoke_grant(conn, bob.id, grants[0].id, now()).is_err());
        revoke_grant(conn, user.id, grants[0].id, now()).unwrap();
        assert!(authenticate_access(conn, &pair.access_token, now()).is_err());
        assert!(signing_key(conn).unwrap() == signing_key(conn).unwrap());
    }
}
