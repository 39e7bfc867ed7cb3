-- The whole catalogue: client details, budgets, display and rounding
-- settings, invoices and their lines, and generic idempotency keys.
-- Money stays exact decimal TEXT; dates without a time are ISO TEXT
-- (YYYY-MM-DD, a calendar day in the user's zone); instants BIGINT seconds.

ALTER TABLE clients ADD COLUMN email TEXT;
ALTER TABLE clients ADD COLUMN phone TEXT;
ALTER TABLE clients ADD COLUMN address TEXT;
ALTER TABLE clients ADD COLUMN vat_id TEXT;
ALTER TABLE clients ADD COLUMN payment_terms_days INTEGER NOT NULL DEFAULT 30;
ALTER TABLE clients ADD COLUMN notes TEXT;

ALTER TABLE projects ADD COLUMN description TEXT;
-- budget in hours and/or amount (in the project's currency)
ALTER TABLE projects ADD COLUMN budget_hours TEXT;
ALTER TABLE projects ADD COLUMN budget_amount TEXT;
ALTER TABLE projects ADD COLUMN budget_period TEXT NOT NULL DEFAULT 'total' CHECK (budget_period IN ('total', 'monthly'));
ALTER TABLE projects ADD COLUMN budget_alert_percent INTEGER NOT NULL DEFAULT 80;

ALTER TABLE user_settings ADD COLUMN date_format TEXT NOT NULL DEFAULT 'iso';
ALTER TABLE user_settings ADD COLUMN time_format TEXT NOT NULL DEFAULT '24h';
ALTER TABLE user_settings ADD COLUMN duration_format TEXT NOT NULL DEFAULT 'hh_mm_ss';
ALTER TABLE user_settings ADD COLUMN rounding_mode TEXT NOT NULL DEFAULT 'none' CHECK (rounding_mode IN ('none', 'up', 'down', 'nearest'));
ALTER TABLE user_settings ADD COLUMN rounding_minutes INTEGER NOT NULL DEFAULT 15 CHECK (rounding_minutes BETWEEN 1 AND 60);
ALTER TABLE user_settings ADD COLUMN rounding_scope TEXT NOT NULL DEFAULT 'track' CHECK (rounding_scope IN ('track', 'total'));
ALTER TABLE user_settings ADD COLUMN invoice_number_format TEXT NOT NULL DEFAULT 'INV-{YYYY}-{SEQ:4}';
-- the last invoice number handed out: numbers are gapless per user
ALTER TABLE user_settings ADD COLUMN invoice_last_seq INTEGER NOT NULL DEFAULT 0;

CREATE TABLE invoices (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    client_id INTEGER NOT NULL REFERENCES clients(id),
    -- given when sent; unique per user
    number TEXT,
    status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'sent', 'paid', 'void')),
    currency TEXT NOT NULL,
    issue_date TEXT,
    due_date TEXT,
    period_from TEXT,
    period_to TEXT,
    grouping TEXT,
    tax_percent TEXT NOT NULL DEFAULT '0',
    discount_percent TEXT NOT NULL DEFAULT '0',
    subtotal TEXT NOT NULL DEFAULT '0',
    discount_amount TEXT NOT NULL DEFAULT '0',
    tax_amount TEXT NOT NULL DEFAULT '0',
    total TEXT NOT NULL DEFAULT '0',
    notes TEXT,
    sent_at BIGINT,
    paid_on TEXT,
    voided_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX invoices_user_number ON invoices(user_id, number);
CREATE INDEX invoices_user_status ON invoices(user_id, status);

CREATE TABLE invoice_lines (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    invoice_id INTEGER NOT NULL REFERENCES invoices(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    description TEXT NOT NULL,
    -- hours (rounded as the invoice was made), or units for manual lines
    quantity TEXT NOT NULL,
    unit_price TEXT NOT NULL,
    amount TEXT NOT NULL,
    project_id INTEGER REFERENCES projects(id) ON DELETE SET NULL
);
CREATE INDEX invoice_lines_invoice ON invoice_lines(invoice_id, position);

-- Which tracks an invoice bills. `active` is false once the invoice is void,
-- and the partial unique index keeps a track on at most one non-void invoice.
CREATE TABLE invoice_tracks (
    invoice_id INTEGER NOT NULL REFERENCES invoices(id) ON DELETE CASCADE,
    track_id INTEGER NOT NULL REFERENCES tracks(id),
    line_id INTEGER REFERENCES invoice_lines(id) ON DELETE SET NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    PRIMARY KEY (invoice_id, track_id)
);
CREATE UNIQUE INDEX invoice_tracks_one_live_invoice ON invoice_tracks(track_id) WHERE active;

-- Replays for creates called again with the same idempotency_key.
CREATE TABLE idempotency_keys (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    tool TEXT NOT NULL,
    key TEXT NOT NULL,
    response TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, tool, key)
);
