//! Users and their personal API tokens (SPEC §1).

use diesel::prelude::*;
use rand::Rng;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{Conn, epoch, instant};
use crate::Tier;
use crate::schema::{api_tokens, user_settings, users};

/// The authenticated user every tool call runs as.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: i32,
    pub email: String,
    pub name: String,
    pub tier: Tier,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(crate::db::Backend))]
pub(crate) struct UserRow {
    id: i32,
    email: String,
    name: String,
    tier: String,
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> User {
        // The column's CHECK constraint admits only the three tiers.
        let tier = row.tier.parse().unwrap_or(Tier::Free);
        User {
            id: row.id,
            email: row.email,
            name: row.name,
            tier,
        }
    }
}

/// Why an operator command or a sign-in failed.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("a user with email {0} already exists")]
    EmailTaken(String),
    #[error("no user with email {0}")]
    NoSuchUser(String),
    #[error("{0:?} is not a valid email address")]
    BadEmail(String),
    #[error("no token {0} for this user")]
    NoSuchToken(String),
    #[error("the {tier} tier allows {limit} API tokens; revoke one first")]
    TokenLimit { tier: Tier, limit: usize },
    #[error("the token is not valid (unknown or revoked)")]
    BadToken,
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

fn normalise_email(email: &str) -> Result<String, AccountError> {
    let email = email.trim().to_lowercase();
    let valid = email.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && !domain.is_empty()
            && !domain.contains('@')
            && !email.contains(char::is_whitespace)
    });
    if valid {
        Ok(email)
    } else {
        Err(AccountError::BadEmail(email))
    }
}

pub fn add_user(
    conn: &mut Conn,
    email: &str,
    name: Option<&str>,
    now: jiff::Timestamp,
) -> Result<User, AccountError> {
    let email = normalise_email(email)?;
    let name = name
        .map(str::to_owned)
        .unwrap_or_else(|| email.split('@').next().unwrap_or_default().to_owned());
    super::write(conn, super::Lock::Shared, |conn| {
        let taken = users::table
            .filter(users::email.eq(&email))
            .count()
            .get_result::<i64>(conn)?
            > 0;
        if taken {
            return Err(AccountError::EmailTaken(email.clone()));
        }
        // RETURNING the id only: a whole row does not return through the
        // connection of both engines.
        let id: i32 = diesel::insert_into(users::table)
            .values((
                users::email.eq(&email),
                users::name.eq(&name),
                users::created_at.eq(epoch(now)),
            ))
            .returning(users::id)
            .get_result(conn)?;
        let row: UserRow = users::table
            .find(id)
            .select(UserRow::as_select())
            .first(conn)?;
        diesel::insert_into(user_settings::table)
            .values(user_settings::user_id.eq(row.id))
            .execute(conn)?;
        Ok(row.into())
    })
}

pub fn find_by_email(conn: &mut Conn, email: &str) -> Result<User, AccountError> {
    let email = normalise_email(email)?;
    users::table
        .filter(users::email.eq(&email))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?
        .map(User::from)
        .ok_or(AccountError::NoSuchUser(email))
}

pub fn list_users(conn: &mut Conn) -> Result<Vec<User>, AccountError> {
    let rows = users::table
        .order(users::id)
        .select(UserRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(User::from).collect())
}

pub fn set_tier(conn: &mut Conn, email: &str, tier: Tier) -> Result<User, AccountError> {
    let user = find_by_email(conn, email)?;
    diesel::update(users::table.find(user.id))
        .set(users::tier.eq(tier.as_str()))
        .execute(conn)?;
    Ok(User { tier, ..user })
}

/// A token as listed: never the token itself.
#[derive(Debug, Serialize)]
pub struct TokenInfo {
    pub id: i32,
    pub name: String,
    pub prefix: String,
    pub created_at: jiff::Timestamp,
    pub last_used_at: Option<jiff::Timestamp>,
    pub revoked_at: Option<jiff::Timestamp>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = api_tokens, check_for_backend(crate::db::Backend))]
struct TokenRow {
    id: i32,
    name: String,
    prefix: String,
    created_at: i64,
    last_used_at: Option<i64>,
    revoked_at: Option<i64>,
}

const TOKEN_PREFIX: &str = "tt_";
const TOKEN_RANDOM_CHARS: usize = 40;
pub(crate) const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

pub(crate) fn hash_token(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Create a token; the returned string is the only time it exists in clear.
pub fn create_token(
    conn: &mut Conn,
    email: &str,
    name: Option<&str>,
    now: jiff::Timestamp,
) -> Result<(TokenInfo, String), AccountError> {
    let user = find_by_email(conn, email)?;
    let mut rng = rand::rng();
    let random: String = (0..TOKEN_RANDOM_CHARS)
        .map(|_| BASE62[rng.random_range(0..BASE62.len())] as char)
        .collect();
    let token = format!("{TOKEN_PREFIX}{random}");
    let prefix: String = token.chars().take(TOKEN_PREFIX.len() + 6).collect();
    let name = name.unwrap_or("default").to_owned();
    super::write(conn, super::Lock::Shared, |conn| {
        if let Some(limit) = crate::tiers::limits(user.tier)
            .api_tokens
            .map(|l| l as usize)
        {
            let active: i64 = api_tokens::table
                .filter(
                    api_tokens::user_id
                        .eq(user.id)
                        .and(api_tokens::revoked_at.is_null()),
                )
                .count()
                .get_result(conn)?;
            if active as usize >= limit {
                return Err(AccountError::TokenLimit {
                    tier: user.tier,
                    limit,
                });
            }
        }
        let id: i32 = diesel::insert_into(api_tokens::table)
            .values((
                api_tokens::user_id.eq(user.id),
                api_tokens::name.eq(&name),
                api_tokens::prefix.eq(&prefix),
                api_tokens::token_hash.eq(hash_token(&token)),
                api_tokens::created_at.eq(epoch(now)),
            ))
            .returning(api_tokens::id)
            .get_result(conn)?;
        let row: TokenRow = api_tokens::table
            .find(id)
            .select(TokenRow::as_select())
            .first(conn)?;
        Ok((token_info(row), token.clone()))
    })
}

fn token_info(row: TokenRow) -> TokenInfo {
    TokenInfo {
        id: row.id,
        name: row.name,
        prefix: row.prefix,
        created_at: instant(row.created_at),
        last_used_at: row.last_used_at.map(instant),
        revoked_at: row.revoked_at.map(instant),
    }
}

pub fn list_tokens(conn: &mut Conn, email: &str) -> Result<Vec<TokenInfo>, AccountError> {
    let user = find_by_email(conn, email)?;
    let rows = api_tokens::table
        .filter(api_tokens::user_id.eq(user.id))
        .order(api_tokens::id)
        .select(TokenRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(token_info).collect())
}

/// Revoke a token by its id or its listed prefix.
pub fn revoke_token(
    conn: &mut Conn,
    email: &str,
    which: &str,
    now: jiff::Timestamp,
) -> Result<(), AccountError> {
    let user = find_by_email(conn, email)?;
    let mine = api_tokens::table
        .filter(api_tokens::user_id.eq(user.id))
        .filter(api_tokens::revoked_at.is_null());
    let updated = match which.parse::<i32>() {
        Ok(id) => diesel::update(mine.filter(api_tokens::id.eq(id)))
            .set(api_tokens::revoked_at.eq(epoch(now)))
            .execute(conn)?,
        Err(_) => diesel::update(mine.filter(api_tokens::prefix.eq(which)))
            .set(api_tokens::revoked_at.eq(epoch(now)))
            .execute(conn)?,
    };
    if updated == 0 {
        Err(AccountError::NoSuchToken(which.to_owned()))
    } else {
        Ok(())
    }
}

/// How stale a token's recorded last use may get: an HTTP server checks the
/// token on every request, and a write per request would serialise them all
/// on SQLite's one writer.
const LAST_USE_RESOLUTION_SECS: i64 = 60;

/// The user a token belongs to, recording its use (to the minute). Revoked
/// and unknown tokens are refused alike.
pub fn authenticate_token(
    conn: &mut Conn,
    token: &str,
    now: jiff::Timestamp,
) -> Result<User, AccountError> {
    let token = token.trim();
    if !token.starts_with(TOKEN_PREFIX) {
        return Err(AccountError::BadToken);
    }
    let found: Option<(i32, Option<i64>, UserRow)> = api_tokens::table
        .inner_join(users::table)
        .filter(api_tokens::token_hash.eq(hash_token(token)))
        .filter(api_tokens::revoked_at.is_null())
        .select((
            api_tokens::id,
            api_tokens::last_used_at,
            UserRow::as_select(),
        ))
        .first(conn)
        .optional()?;
    let (token_id, last_used, user) = found.ok_or(AccountError::BadToken)?;
    if last_used.is_none_or(|last| epoch(now) - last >= LAST_USE_RESOLUTION_SECS) {
        diesel::update(api_tokens::table.find(token_id))
            .set(api_tokens::last_used_at.eq(epoch(now)))
            .execute(conn)?;
    }
    Ok(user.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;

    fn now() -> jiff::Timestamp {
        "2026-11-25T10:00:00Z".parse().unwrap()
    }

    fn db() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(Some(dir.path().join("t.db").to_str().unwrap())).unwrap();
        (dir, db)
    }

    #[test]
    fn emails_are_unique_case_insensitively() {
        let (_dir, db) = db();
        let conn = &mut db.conn().unwrap();
        let user = add_user(conn, "Ada@Example.com", None, now()).unwrap();
        assert_eq!(user.email, "ada@example.com");
        assert_eq!(user.name, "ada");
        assert_eq!(user.tier, Tier::Free);
        assert!(matches!(
            add_user(conn, "ADA@example.COM", None, now()),
            Err(AccountError::EmailTaken(_))
        ));
        assert!(matches!(
            add_user(conn, "not-an-email", None, now()),
            Err(AccountError::BadEmail(_))
        ));
        assert_eq!(
            find_by_email(conn, " ada@EXAMPLE.com ").unwrap().id,
            user.id
        );
    }

    #[test]
    fn tokens_are_shown_once_stored_hashed_limited_by_tier_and_revocable() {
        let (_dir, db) = db();
        let conn = &mut db.conn().unwrap();
        let user = add_user(conn, "ada@example.com", None, now()).unwrap();
        let (info, token) = create_token(conn, "ada@example.com", Some("laptop"), now()).unwrap();
        assert!(token.starts_with("tt_") && token.len() == 43);
        assert!(token[3..].chars().all(|c| c.is_ascii_alphanumeric()));
        assert!(token.starts_with(&info.prefix));
        let stored: Vec<String> = api_tokens::table
            .select(api_tokens::token_hash)
            .load(conn)
            .unwrap();
        assert_eq!(stored, [hash_token(&token)]);
        assert!(!stored[0].contains(&token[3..]));

        assert_eq!(authenticate_token(conn, &token, now()).unwrap(), user);
        let last_used =
            |conn: &mut Conn| list_tokens(conn, "ada@example.com").unwrap()[0].last_used_at;
        assert_eq!(last_used(conn), Some(now()));
        // Recorded to the minute: a use within it writes nothing.
        let later = |secs| {
            now()
                .checked_add(jiff::SignedDuration::from_secs(secs))
                .unwrap()
        };
        authenticate_token(conn, &token, later(59)).unwrap();
        assert_eq!(last_used(conn), Some(now()));
        authenticate_token(conn, &token, later(60)).unwrap();
        assert_eq!(last_used(conn), Some(later(60)));
        assert!(matches!(
            authenticate_token(conn, "tt_wrong", now()),
            Err(AccountError::BadToken)
        ));
        assert!(matches!(
            authenticate_token(conn, "garbage", now()),
            Err(AccountError::BadToken)
        ));

        create_token(conn, "ada@example.com", None, now()).unwrap();
        assert!(matches!(
            create_token(conn, "ada@example.com", None, now()),
            Err(AccountError::TokenLimit { limit: 2, .. })
        ));

        revoke_token(conn, "ada@example.com", &info.id.to_string(), now()).unwrap();
        assert!(matches!(
            authenticate_token(conn, &token, now()),
            Err(AccountError::BadToken)
        ));
        assert!(matches!(
            revoke_token(conn, "ada@example.com", &info.id.to_string(), now()),
            Err(AccountError::NoSuchToken(_))
        ));
    }

    #[test]
    fn another_users_token_cannot_be_revoked() {
        let (_dir, db) = db();
        let conn = &mut db.conn().unwrap();
        add_user(conn, "ada@example.com", None, now()).unwrap();
        add_user(conn, "bob@example.com", None, now()).unwrap();
        let (info, token) = create_token(conn, "ada@example.com", None, now()).unwrap();
        assert!(revoke_token(conn, "bob@example.com", &info.id.to_string(), now()).is_err());
        assert!(authenticate_token(conn, &token, now()).is_ok());
    }
}
