//! Signing a person in: with their email and password, or with a one-time
//! code from `teetrack login-code`. Used by the web app's sign-in page and
//! by the OAuth consent page, so a connector user signs in the same way.
//!
//! Failed attempts are counted in the database (per email, and per client
//! address), so the limit holds across every instance on one database.

use std::net::IpAddr;

use catalogue::db::{oauth, web as store};
use catalogue::{Db, User};

use super::password;

/// The window failures are counted in.
pub const WINDOW_SECS: i64 = 15 * 60;
/// Failures an email may have in a window: a person mistyping, not a guesser.
pub const PER_EMAIL: i32 = 5;
/// Failures one address may have in a window, over every email it tries.
pub const PER_ADDRESS: i32 = 30;

/// Why a sign-in failed, in words for the form.
#[derive(Debug, PartialEq)]
pub enum Failure {
    /// Wrong email, wrong password, or no password set: the page cannot
    /// say which without telling who has an account.
    Wrong,
    /// Too many failures: wait this many seconds.
    Limited(i64),
    Unavailable,
}

impl Failure {
    pub fn message(&self) -> String {
        match self {
            Failure::Wrong => "That email and password do not match an account with a password. \
                               Check both, or sign in with a one-time code."
                .into(),
            Failure::Limited(secs) => format!(
                "Too many failed sign-ins; try again in {} minute(s).",
                (secs + 59) / 60
            ),
            Failure::Unavailable => {
                "Teetrack cannot check that right now; try again shortly.".into()
            }
        }
    }
}

fn keys(email: Option<&str>, address: Option<IpAddr>) -> Vec<(String, i32)> {
    let mut keys = Vec::new();
    if let Some(email) = email {
        keys.push((format!("email:{}", email.trim().to_lowercase()), PER_EMAIL));
    }
    if let Some(address) = address {
        keys.push((format!("address:{address}"), PER_ADDRESS));
    }
    keys
}

/// Runs blocking sign-in work (a database, a memory-hard hash) off the
/// async threads.
async fn blocking<T: Send + 'static>(
    db: &Db,
    work: impl FnOnce(&mut catalogue::db::Conn) -> Result<T, Failure> + Send + 'static,
) -> Result<T, Failure> {
    let outcome: Result<Result<T, Failure>, catalogue::ToolError> =
        db.run(move |conn| Ok(work(conn))).await;
    outcome.unwrap_or_else(|err| {
        tracing::error!(error = %err.message, "sign-in: the database failed");
        Err(Failure::Unavailable)
    })
}

fn db_fault(err: impl std::fmt::Display) -> Failure {
    tracing::error!(error = %err, "sign-in: the database failed");
    Failure::Unavailable
}

/// Checks the limit for `keys`, runs `attempt`, and counts a failure against
/// every key (or clears the email's on success).
fn limited(
    conn: &mut catalogue::db::Conn,
    keys: &[(String, i32)],
    attempt: impl FnOnce(&mut catalogue::db::Conn) -> Result<Option<User>, Failure>,
) -> Result<User, Failure> {
    let now = jiff::Timestamp::now();
    for (key, max) in keys {
        if let Some(wait) =
            store::failure_wait(conn, key, WINDOW_SECS, *max, now).map_err(db_fault)?
        {
            return Err(Failure::Limited(wait));
        }
    }
    match attempt(conn)? {
        Some(user) => {
            for (key, _) in keys.iter().filter(|(k, _)| k.starts_with("email:")) {
                store::clear_failures(conn, key).map_err(db_fault)?;
            }
            Ok(user)
        }
        None => {
            for (key, _) in keys {
                store::record_failure(conn, key, WINDOW_SECS, now).map_err(db_fault)?;
            }
            Err(Failure::Wrong)
        }
    }
}

/// The user whose email and password these are.
pub async fn with_password(
    db: &Db,
    email: String,
    password: String,
    address: Option<IpAddr>,
) -> Result<User, Failure> {
    let keys = keys(Some(&email), address);
    blocking(db, move |conn| {
        limited(conn, &keys, |conn| {
            let found = store::password_of(conn, &email).map_err(db_fault)?;
            Ok(match found {
                Some((user, Some(hash))) if password::verify(&password, &hash) => Some(user),
                Some((_, Some(_))) => None,
                _ => {
                    password::verify_nothing(&password);
                    None
                }
            })
        })
    })
    .await
}

/// The user a one-time code was made for (it is used up).
pub async fn with_code(db: &Db, code: String, address: Option<IpAddr>) -> Result<User, Failure> {
    let keys = keys(None, address);
    blocking(db, move |conn| {
        limited(conn, &keys, |conn| {
            match oauth::use_login_code(conn, code.trim(), jiff::Timestamp::now()) {
                Ok(user) => Ok(Some(user)),
                Err(oauth::OAuthError::Invalid) => Ok(None),
                Err(err) => Err(db_fault(err)),
            }
        })
    })
    .await
}

/// Sets a user's password after checking the policy; the message says why not.
pub async fn set_password(db: &Db, user: &User, new: String) -> Result<(), String> {
    password::check_policy(&new, &user.email)?;
    let user_id = user.id;
    blocking(db, move |conn| {
        let hash = password::hash(&new).map_err(db_fault)?;
        store::set_password_hash(conn, user_id, &hash, jiff::Timestamp::now()).map_err(db_fault)
    })
    .await
    .map_err(|failure| failure.message())
}

/// Whether `password` is the user's current one (no limit: the caller is
/// signed in already; the form still costs a hash).
pub async fn is_current(db: &Db, user: &User, password: String) -> Result<bool, Failure> {
    let user_id = user.id;
    blocking(db, move |conn| {
        let hash = store::password_hash(conn, user_id).map_err(db_fault)?;
        Ok(hash.is_some_and(|hash| password::verify(&password, &hash)))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(Some(dir.path().join("t.db").to_str().unwrap())).unwrap();
        (dir, db)
    }

    #[tokio::test]
    async fn a_password_signs_in_and_repeated_failures_are_limited_per_email() {
        let (_dir, db) = db();
        let ada = {
            let conn = &mut db.conn().unwrap();
            catalogue::db::users::add_user(conn, "ada@example.com", None, jiff::Timestamp::now())
                .unwrap()
        };
        let address: Option<IpAddr> = Some("192.0.2.7".parse().unwrap());
        // No password yet: refused like a wrong one.
        assert_eq!(
            with_password(&db, "ada@example.com".into(), "whatever12".into(), address).await,
            Err(Failure::Wrong)
        );
        set_password(&db, &ada, "a long passphrase".into())
            .await
            .unwrap();
        assert!(set_password(&db, &ada, "short".into()).await.is_err());
        let user = with_password(
            &db,
            "ADA@example.com".into(),
            "a long passphrase".into(),
            address,
        )
        .await
        .unwrap();
        assert_eq!(user.id, ada.id);
        assert!(
            is_current(&db, &ada, "a long passphrase".into())
                .await
                .unwrap()
        );
        assert!(
            !is_current(&db, &ada, "a long passphrasE".into())
                .await
                .unwrap()
        );
        for _ in 0..PER_EMAIL {
            assert_eq!(
                with_password(&db, "ada@example.com".into(), "wrong password".into(), None).await,
                Err(Failure::Wrong)
            );
        }
        // Now even the right password waits: the limit is checked first.
        assert!(matches!(
            with_password(&db, "ada@example.com".into(), "a long passphrase".into(), None).await,
            Err(Failure::Limited(wait)) if wait > 0 && wait <= WINDOW_SECS
        ));
        assert!(Failure::Limited(61).message().contains("2 minute"));
    }

    #[tokio::test]
    async fn a_one_time_code_signs_in_once() {
        let (_dir, db) = db();
        let code = {
            let conn = &mut db.conn().unwrap();
            catalogue::db::users::add_user(conn, "ada@example.com", None, jiff::Timestamp::now())
                .unwrap();
            oauth::create_login_code(conn, "ada@example.com", 600, jiff::Timestamp::now()).unwrap()
        };
        assert!(with_code(&db, code.clone(), None).await.is_ok());
        assert_eq!(with_code(&db, code, None).await, Err(Failure::Wrong));
    }
}
