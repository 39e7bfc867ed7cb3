//! The web app's sign-in storage: passwords (as hashes made by the server),
//! browser sessions and the failed sign-in counters. Hashing and the rules
//! (lifetimes, limits) belong to the caller; this module only stores.

use diesel::prelude::*;
use rand::Rng;

use super::users::{BASE62, UserRow, hash_token};
use super::{Conn, epoch};
use crate::User;
use crate::schema::{sign_in_failures, user_passwords, users, web_sessions};

/// A session's secret (the cookie) and anti-forgery token: 43 characters of
/// base62 each, about 256 bits.
const SECRET_CHARS: usize = 43;

fn random_secret() -> String {
    let mut rng = rand::rng();
    (0..SECRET_CHARS)
        .map(|_| BASE62[rng.random_range(0..BASE62.len())] as char)
        .collect()
}

/// Stores `hash` (a PHC string) as the user's password.
pub fn set_password_hash(
    conn: &mut Conn,
    user_id: i32,
    hash: &str,
    now: jiff::Timestamp,
) -> QueryResult<()> {
    super::write(conn, super::Lock::Shared, |conn| {
        let updated = diesel::update(user_passwords::table.find(user_id))
            .set((
                user_passwords::hash.eq(hash),
                user_passwords::updated_at.eq(epoch(now)),
            ))
            .execute(conn)?;
        if updated == 0 {
            diesel::insert_into(user_passwords::table)
                .values((
                    user_passwords::user_id.eq(user_id),
                    user_passwords::hash.eq(hash),
                    user_passwords::updated_at.eq(epoch(now)),
                ))
                .execute(conn)?;
        }
        Ok(())
    })
}

/// The user with this email (trimmed, case-insensitive) and their password
/// hash, if they have one; `None` when there is no such user.
pub fn password_of(conn: &mut Conn, email: &str) -> QueryResult<Option<(User, Option<String>)>> {
    let email = email.trim().to_lowercase();
    let found: Option<(UserRow, Option<String>)> = users::table
        .left_join(user_passwords::table)
        .filter(users::email.eq(email))
        .select((UserRow::as_select(), user_passwords::hash.nullable()))
        .first(conn)
        .optional()?;
    Ok(found.map(|(user, hash)| (user.into(), hash)))
}

/// The password hash of a user, by id.
pub fn password_hash(conn: &mut Conn, user_id: i32) -> QueryResult<Option<String>> {
    user_passwords::table
        .find(user_id)
        .select(user_passwords::hash)
        .first(conn)
        .optional()
}

/// A new session: its secret for the cookie (shown only here) and its
/// anti-forgery token.
#[derive(Debug)]
pub struct NewSession {
    pub secret: String,
    pub csrf: String,
}

pub fn create_session(
    conn: &mut Conn,
    user_id: i32,
    lifetime_secs: i64,
    now: jiff::Timestamp,
) -> QueryResult<NewSession> {
    let session = NewSession {
        secret: random_secret(),
        csrf: random_secret(),
    };
    super::write(conn, super::Lock::Shared, |conn| {
        // Expired sessions go as new ones come: no sweeper needed.
        diesel::delete(web_sessions::table.filter(web_sessions::expires_at.le(epoch(now))))
            .execute(conn)?;
        diesel::insert_into(web_sessions::table)
            .values((
                web_sessions::token_hash.eq(hash_token(&session.secret)),
                web_sessions::user_id.eq(user_id),
                web_sessions::csrf.eq(&session.csrf),
                web_sessions::created_at.eq(epoch(now)),
                web_sessions::expires_at.eq(epoch(now).saturating_add(lifetime_secs)),
            ))
            .execute(conn)
    })?;
    Ok(session)
}

/// The signed-in user of a live session and its anti-forgery token.
pub fn find_session(
    conn: &mut Conn,
    secret: &str,
    now: jiff::Timestamp,
) -> QueryResult<Option<(User, String)>> {
    let found: Option<(UserRow, String)> = web_sessions::table
        .inner_join(users::table)
        .filter(web_sessions::token_hash.eq(hash_token(secret)))
        .filter(web_sessions::expires_at.gt(epoch(now)))
        .select((UserRow::as_select(), web_sessions::csrf))
        .first(conn)
        .optional()?;
    Ok(found.map(|(user, csrf)| (user.into(), csrf)))
}

/// Signs a browser out.
pub fn end_session(conn: &mut Conn, secret: &str) -> QueryResult<()> {
    diesel::delete(web_sessions::table.filter(web_sessions::token_hash.eq(hash_token(secret))))
        .execute(conn)
        .map(drop)
}

/// Signs every other browser of the user out (after a password change).
pub fn end_other_sessions(conn: &mut Conn, user_id: i32, keep: &str) -> QueryResult<usize> {
    diesel::delete(
        web_sessions::table
            .filter(web_sessions::user_id.eq(user_id))
            .filter(web_sessions::token_hash.ne(hash_token(keep))),
    )
    .execute(conn)
}

/// Seconds until `key` may try again, when it has `max` failures in the
/// window that is still open.
pub fn failure_wait(
    conn: &mut Conn,
    key: &str,
    window_secs: i64,
    max: i32,
    now: jiff::Timestamp,
) -> QueryResult<Option<i64>> {
    let row: Option<(i64, i32)> = sign_in_failures::table
        .find(key)
        .select((sign_in_failures::window_start, sign_in_failures::failures))
        .first(conn)
        .optional()?;
    Ok(row.and_then(|(start, failures)| {
        let left = start.saturating_add(window_secs) - epoch(now);
        (failures >= max && left > 0).then_some(left)
    }))
}

/// Counts one failure for `key`, starting a new window when the last one closed.
pub fn record_failure(
    conn: &mut Conn,
    key: &str,
    window_secs: i64,
    now: jiff::Timestamp,
) -> QueryResult<()> {
    super::write(conn, super::Lock::Shared, |conn| {
        let row: Option<i64> = sign_in_failures::table
            .find(key)
            .select(sign_in_failures::window_start)
            .first(conn)
            .optional()?;
        match row {
            Some(start) if start.saturating_add(window_secs) > epoch(now) => {
                diesel::update(sign_in_failures::table.find(key))
                    .set(sign_in_failures::failures.eq(sign_in_failures::failures + 1))
                    .execute(conn)?;
            }
            Some(_) => {
                diesel::update(sign_in_failures::table.find(key))
                    .set((
                        sign_in_failures::window_start.eq(epoch(now)),
                        sign_in_failures::failures.eq(1),
                    ))
                    .execute(conn)?;
            }
            None => {
                diesel::insert_into(sign_in_failures::table)
                    .values((
                        sign_in_failures::key.eq(key),
                        sign_in_failures::window_start.eq(epoch(now)),
                        sign_in_failures::failures.eq(1),
                    ))
                    .execute(conn)?;
            }
        }
        Ok(())
    })
}

/// Forgets `key`'s failures (after a successful sign-in).
pub fn clear_failures(conn: &mut Conn, key: &str) -> QueryResult<()> {
    diesel::delete(sign_in_failures::table.find(key))
        .execute(conn)
        .map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;
    use crate::db::users::add_user;

    fn at(secs: i64) -> jiff::Timestamp {
        jiff::Timestamp::from_second(1_800_000_000 + secs).unwrap()
    }

    fn db() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(Some(dir.path().join("t.db").to_str().unwrap())).unwrap();
        (dir, db)
    }

    #[test]
    fn passwords_are_set_replaced_and_found_by_email() {
        let (_dir, db) = db();
        let conn = &mut db.conn().unwrap();
        let ada = add_user(conn, "ada@example.com", None, at(0)).unwrap();
        assert_eq!(
            password_of(conn, "ADA@example.com ").unwrap(),
            Some((ada.clone(), None))
        );
        assert_eq!(password_of(conn, "bob@example.com").unwrap(), None);
        set_password_hash(conn, ada.id, "$argon2id$one", at(1)).unwrap();
        set_password_hash(conn, ada.id, "$argon2id$two", at(2)).unwrap();
        assert_eq!(
            password_of(conn, "ada@example.com").unwrap(),
            Some((ada.clone(), Some("$argon2id$two".into())))
        );
        assert_eq!(
            password_hash(conn, ada.id).unwrap().as_deref(),
            Some("$argon2id$two")
        );
    }

    #[test]
    fn sessions_open_expire_and_end_and_only_their_secret_is_stored_hashed() {
        let (_dir, db) = db();
        let conn = &mut db.conn().unwrap();
        let ada = add_user(conn, "ada@example.com", None, at(0)).unwrap();
        let one = create_session(conn, ada.id, 100, at(0)).unwrap();
        let two = create_session(conn, ada.id, 100, at(0)).unwrap();
        assert_ne!(one.secret, two.secret);
        assert_ne!(one.secret, one.csrf);
        let stored: Vec<String> = web_sessions::table
            .select(web_sessions::token_hash)
            .load(conn)
            .unwrap();
        assert!(!stored.contains(&one.secret));
        assert_eq!(
            find_session(conn, &one.secret, at(99)).unwrap(),
            Some((ada.clone(), one.csrf.clone()))
        );
        assert_eq!(find_session(conn, &one.secret, at(100)).unwrap(), None);
        assert_eq!(find_session(conn, "guess", at(1)).unwrap(), None);
        assert_eq!(end_other_sessions(conn, ada.id, &two.secret).unwrap(), 1);
        assert_eq!(find_session(conn, &one.secret, at(1)).unwrap(), None);
        end_session(conn, &two.secret).unwrap();
        assert_eq!(find_session(conn, &two.secret, at(1)).unwrap(), None);
    }

    #[test]
    fn failures_block_a_key_until_their_window_closes() {
        let (_dir, db) = db();
        let conn = &mut db.conn().unwrap();
        for i in 0..3 {
            assert_eq!(failure_wait(conn, "email:a", 60, 3, at(i)).unwrap(), None);
            record_failure(conn, "email:a", 60, at(i)).unwrap();
        }
        assert_eq!(
            failure_wait(conn, "email:a", 60, 3, at(10)).unwrap(),
            Some(50)
        );
        assert_eq!(failure_wait(conn, "email:b", 60, 3, at(10)).unwrap(), None);
        assert_eq!(failure_wait(conn, "email:a", 60, 3, at(60)).unwrap(), None);
        // A failure after the window starts a new one.
        record_failure(conn, "email:a", 60, at(61)).unwrap();
        assert_eq!(
            failure_wait(conn, "email:a", 60, 1, at(62)).unwrap(),
            Some(59)
        );
        clear_failures(conn, "email:a").unwrap();
        assert_eq!(failure_wait(conn, "email:a", 60, 1, at(62)).unwrap(), None);
    }
}
