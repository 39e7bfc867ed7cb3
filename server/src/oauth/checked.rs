//! Bearer tokens already checked against the database, so that a client's
//! every request does not cost a lookup (and a trip to the blocking pool).
//!
//! An entry is trusted only while nothing at all has been committed to the
//! database since it was checked ([`Changes`]: SQLite's `data_version`, which
//! sees the commits of every connection and every process on the file).
//! Revoking a token, a grant or a user, or changing a tier, is a commit: the
//! next request finds the version moved, empties the cache and asks the
//! database. So a revoked token stops working at once, on every instance
//! sharing the file, as it did without the cache. An OAuth access token's
//! entry also ends with the token, and every entry after
//! [`RECHECK`], so the token's recorded last use stays to the minute.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use catalogue::db::changes::Changes;
use sha2::{Digest as _, Sha256};

use super::bearer::Principal;

/// An entry is checked against the database again after this long (the
/// resolution at which a token's last use is recorded).
pub const RECHECK: Duration = Duration::from_secs(60);

/// Past this many tokens the cache starts over: a bound on memory whatever
/// the clients send (only valid tokens are ever kept).
const MAX_ENTRIES: usize = 10_000;

pub struct Checked {
    /// `None` when it could not be opened: then nothing is cached.
    changes: Option<Changes>,
    entries: Mutex<Entries>,
}

struct Entries {
    /// The database's `data_version` the entries were checked at.
    version: i64,
    by_token: HashMap<[u8; 32], Entry>,
}

struct Entry {
    principal: Principal,
    checked: Instant,
    /// An OAuth access token's end (Unix seconds).
    expires_at: Option<i64>,
}

/// What a lookup found: the principal, or the version a database check
/// must be stored under.
pub enum Lookup {
    Hit(Principal),
    Miss(Option<i64>),
}

impl Checked {
    pub fn new(changes: Option<Changes>) -> Checked {
        Checked {
            changes,
            entries: Mutex::new(Entries {
                version: i64::MIN,
                by_token: HashMap::new(),
            }),
        }
    }

    /// The token's principal if it was checked since the last commit. A
    /// miss carries the version read *before* the database is asked, so a
    /// revocation committed while it is asked makes the stored entry stale.
    pub fn lookup(&self, token: &str) -> Lookup {
        let Some(version) = self.changes.as_ref().and_then(Changes::version) else {
            return Lookup::Miss(None);
        };
        let mut entries = self.lock();
        if entries.version != version {
            entries.by_token.clear();
            entries.version = version;
            return Lookup::Miss(Some(version));
        }
        let now = jiff::Timestamp::now().as_second();
        match entries.by_token.get(&key(token)) {
            Some(entry)
                if entry.checked.elapsed() < RECHECK
                    && entry.expires_at.is_none_or(|end| now < end) =>
            {
                Lookup::Hit(entry.principal.clone())
            }
            _ => Lookup::Miss(Some(version)),
        }
    }

    /// Keeps what the database said of `token`, checked at `version`.
    pub fn store(&self, version: i64, token: &str, principal: &Principal, expires_at: Option<i64>) {
        let mut entries = self.lock();
        if entries.version != version {
            return;
        }
        if entries.by_token.len() >= MAX_ENTRIES {
            entries.by_token.clear();
        }
        entries.by_token.insert(
            key(token),
            Entry {
                principal: principal.clone(),
                checked: Instant::now(),
                expires_at,
            },
        );
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Tokens are kept by their hash, never as themselves.
fn key(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use catalogue::db::users::add_user;
    use catalogue::{Db, Tier, User};

    use super::*;

    fn principal() -> Principal {
        Principal {
            user: User {
                id: 1,
                email: "ada@example.com".into(),
                name: "Ada".into(),
                tier: Tier::Free,
            },
            scopes: None,
        }
    }

    fn version(lookup: Lookup) -> i64 {
        match lookup {
            Lookup::Miss(Some(version)) => version,
            Lookup::Miss(None) => panic!("no version"),
            Lookup::Hit(_) => panic!("a hit"),
        }
    }

    /// A checked token is trusted until anything is committed to the
    /// database, by this process or another, and an access token's entry
    /// ends with the token.
    #[test]
    fn an_entry_lives_until_the_next_commit_or_its_token_ends() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(Some(dir.path().join("t.db").to_str().unwrap())).unwrap();
        let checked = Checked::new(Some(Changes::open(&db).unwrap()));
        let v = version(checked.lookup("tt_a"));
        checked.store(v, "tt_a", &principal(), None);
        assert!(matches!(checked.lookup("tt_a"), Lookup::Hit(p) if p.user.id == 1));
        assert!(matches!(checked.lookup("tt_b"), Lookup::Miss(Some(_))));
        // Any commit (here a new user; a revocation is one too) empties it.
        add_user(
            &mut db.conn().unwrap(),
            "bo@example.com",
            None,
            jiff::Timestamp::now(),
        )
        .unwrap();
        let after = version(checked.lookup("tt_a"));
        assert_ne!(after, v);
        // A check made before that commit is not kept.
        checked.store(v, "tt_a", &principal(), None);
        assert!(matches!(checked.lookup("tt_a"), Lookup::Miss(_)));
        // An access token past its end is asked about again.
        let ended = jiff::Timestamp::now().as_second() - 1;
        checked.store(after, "tta_x", &principal(), Some(ended));
        assert!(matches!(checked.lookup("tta_x"), Lookup::Miss(_)));
        // Without a way to see commits, nothing is cached.
        let blind = Checked::new(None);
        blind.store(after, "tt_a", &principal(), None);
        assert!(matches!(blind.lookup("tt_a"), Lookup::Miss(None)));
    }
}
