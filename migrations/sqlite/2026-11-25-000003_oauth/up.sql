-- Teetrack's own OAuth 2.1 authorization server (issue 6): registered
-- clients, one-time sign-in codes, authorization codes, and grants with their
-- access and refresh tokens. Every secret is stored as its SHA-256 (hex),
-- never in clear. Instants are BIGINT seconds since the Unix epoch.

CREATE TABLE oauth_clients (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    -- random for a dynamically registered client (RFC 7591); for a Client ID
    -- Metadata Document, the https URL of that document
    client_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('dcr', 'cimd')),
    client_name TEXT NOT NULL,
    -- a JSON array of exact redirect URIs
    redirect_uris TEXT NOT NULL,
    client_uri TEXT,
    created_at BIGINT NOT NULL,
    -- when a metadata document was last fetched (CIMD only)
    fetched_at BIGINT
);

-- `teetrack login-code EMAIL`: a short-lived, single-use code to sign in on
-- the consent page.
CREATE TABLE oauth_login_codes (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);

-- A user's consent to a client: the root of one chain of refresh tokens.
-- Revoking it (the user, or a reused refresh token or code) ends every token
-- of the chain.
CREATE TABLE oauth_grants (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    client_id TEXT NOT NULL REFERENCES oauth_clients(client_id) ON DELETE CASCADE,
    -- the audience (RFC 8707 resource) every token of the grant is bound to
    resource TEXT NOT NULL,
    -- space-separated scopes
    scope TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX oauth_grants_user ON oauth_grants(user_id);

CREATE TABLE oauth_codes (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    code_hash TEXT NOT NULL UNIQUE,
    client_id TEXT NOT NULL REFERENCES oauth_clients(client_id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    redirect_uri TEXT NOT NULL,
    -- PKCE: BASE64URL(SHA-256(code_verifier)); S256 is the only method
    code_challenge TEXT NOT NULL,
    resource TEXT NOT NULL,
    scope TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    -- the grant its exchange started: a second use of the code revokes it
    grant_id INTEGER REFERENCES oauth_grants(id) ON DELETE CASCADE
);

CREATE TABLE oauth_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    grant_id INTEGER NOT NULL REFERENCES oauth_grants(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    -- a refresh token is used once: rotated into a new pair
    used_at BIGINT
);
CREATE INDEX oauth_tokens_grant ON oauth_tokens(grant_id);

-- The key that signs the consent form's anti-forgery token: one per database,
-- so every instance serving it accepts the forms of the others.
CREATE TABLE oauth_keys (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    secret TEXT NOT NULL
);
