-- The web app's sign-in (issue 14). Portable SQL (SQLite and PostgreSQL):
-- text keys chosen by the server, BIGINT instants, no AUTOINCREMENT.

-- A user's password, as an Argon2id PHC string (salt and parameters inside).
-- A user without a row signs in with a one-time code only.
CREATE TABLE user_passwords (
    user_id INTEGER PRIMARY KEY NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    hash TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- A signed-in browser. The cookie holds a random secret; only its SHA-256 is
-- stored, so a copy of the database opens no session. Any instance on the
-- same database can check it.
CREATE TABLE web_sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    -- the session's anti-forgery token, sent back by every form and request
    csrf TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX web_sessions_user ON web_sessions(user_id);

-- Failed sign-ins per key (an email, a client address) in a fixed window:
-- in the database, so the limit holds across instances.
CREATE TABLE sign_in_failures (
    key TEXT PRIMARY KEY NOT NULL,
    window_start BIGINT NOT NULL,
    failures INTEGER NOT NULL
);
