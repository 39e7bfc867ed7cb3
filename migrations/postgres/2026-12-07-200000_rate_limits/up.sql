-- Request rate limits shared by every instance on one database (issue 12):
-- one upsert per request. UNLOGGED: no WAL and no fsync for a row that only
-- counts requests (after a server crash the table is empty: limits restart
-- full, which is harmless).
-- GCRA: one number per key, the theoretical arrival time of the next
-- request in milliseconds since the epoch.
CREATE UNLOGGED TABLE rate_limits (
    -- SHA-256 (hex) of what is limited: a token, a client address, a flow
    key TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    tat BIGINT NOT NULL
);
