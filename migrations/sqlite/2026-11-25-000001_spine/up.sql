-- Teetrack's first schema. Portable SQL on purpose (SQLite now, PostgreSQL
-- next): instants are BIGINT seconds since the Unix epoch in UTC, money is an
-- exact decimal kept as TEXT ("120.00"), booleans are BOOLEAN.

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    -- stored lower-cased: emails are unique case-insensitively
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    tier TEXT NOT NULL DEFAULT 'free' CHECK (tier IN ('free', 'pro', 'business')),
    created_at BIGINT NOT NULL
);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    -- the first characters of the token, shown in listings to tell tokens apart
    prefix TEXT NOT NULL,
    -- SHA-256 of the whole token, hex; the token itself is never stored
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

-- One row per user, created with the user; every column has the product default.
CREATE TABLE user_settings (
    user_id INTEGER PRIMARY KEY NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    time_zone TEXT NOT NULL DEFAULT 'UTC',
    week_start TEXT NOT NULL DEFAULT 'monday',
    max_active_timers INTEGER NOT NULL DEFAULT 1,
    overlap_policy TEXT NOT NULL DEFAULT 'warn' CHECK (overlap_policy IN ('allow', 'warn', 'reject')),
    default_billable BOOLEAN NOT NULL DEFAULT FALSE,
    default_currency TEXT NOT NULL DEFAULT 'EUR',
    default_hourly_rate TEXT
);

CREATE TABLE clients (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    currency TEXT,
    hourly_rate TEXT,
    archived_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX clients_user_name ON clients(user_id, lower(name));

CREATE TABLE projects (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    client_id INTEGER REFERENCES clients(id),
    name TEXT NOT NULL,
    color TEXT,
    billable BOOLEAN NOT NULL DEFAULT FALSE,
    hourly_rate TEXT,
    currency TEXT,
    archived_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX projects_user_name ON projects(user_id, lower(name));

CREATE TABLE tags (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    color TEXT,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX tags_user_name ON tags(user_id, lower(name));

-- A track is a time entry; a running timer is a track with no end.
CREATE TABLE tracks (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    project_id INTEGER REFERENCES projects(id),
    description TEXT NOT NULL DEFAULT '',
    started_at BIGINT NOT NULL,
    ended_at BIGINT,
    billable BOOLEAN NOT NULL,
    -- resolved when the track is saved (track → project → client → user default)
    hourly_rate TEXT,
    currency TEXT NOT NULL,
    idempotency_key TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CHECK (ended_at IS NULL OR ended_at > started_at)
);
CREATE INDEX tracks_user_start ON tracks(user_id, started_at);
CREATE INDEX tracks_user_running ON tracks(user_id) WHERE ended_at IS NULL;
CREATE UNIQUE INDEX tracks_user_idempotency ON tracks(user_id, idempotency_key);

CREATE TABLE track_tags (
    track_id INTEGER NOT NULL REFERENCES tracks(id) ON DELETE CASCADE,
    tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    PRIMARY KEY (track_id, tag_id)
);
CREATE INDEX track_tags_tag ON track_tags(tag_id);
