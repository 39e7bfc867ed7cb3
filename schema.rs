// @generated automatically by Diesel CLI.

diesel::table! {
    api_tokens (id) {
        id -> Integer,
        user_id -> Integer,
        name -> Text,
        prefix -> Text,
        token_hash -> Text,
        created_at -> BigInt,
        last_used_at -> Nullable<BigInt>,
        revoked_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    clients (id) {
        id -> Integer,
        user_id -> Integer,
        name -> Text,
        currency -> Nullable<Text>,
        hourly_rate -> Nullable<Text>,
        archived_at -> Nullable<BigInt>,
        created_at -> BigInt,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        address -> Nullable<Text>,
        vat_id -> Nullable<Text>,
        payment_terms_days -> Integer,
        notes -> Nullable<Text>,
    }
}

diesel::table! {
    day_totals (user_id, day, project_id, billable, currency, hourly_rate) {
        user_id -> Integer,
        day -> Text,
        project_id -> Integer,
        billable -> Bool,
        currency -> Text,
        hourly_rate -> Text,
        tracks -> BigInt,
        seconds -> BigInt,
        rounded_seconds -> BigInt,
        amount_minor -> BigInt,
    }
}

diesel::table! {
    day_totals_basis (user_id) {
        user_id -> Integer,
        basis -> Text,
    }
}

diesel::table! {
    idempotency_keys (user_id, tool, key) {
        user_id -> Integer,
        tool -> Text,
        key -> Text,
        response -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    invoice_lines (id) {
        id -> Integer,
        invoice_id -> Integer,
        position -> Integer,
        description -> Text,
        quantity -> Text,
        unit_price -> Text,
        amount -> Text,
        project_id -> Nullable<Integer>,
    }
}

diesel::table! {
    invoice_tracks (invoice_id, track_id) {
        invoice_id -> Integer,
        track_id -> Integer,
        line_id -> Nullable<Integer>,
        active -> Bool,
    }
}

diesel::table! {
    invoices (id) {
        id -> Integer,
        user_id -> Integer,
        client_id -> Integer,
        number -> Nullable<Text>,
        status -> Text,
        currency -> Text,
        issue_date -> Nullable<Text>,
        due_date -> Nullable<Text>,
        period_from -> Nullable<Text>,
        period_to -> Nullable<Text>,
        grouping -> Nullable<Text>,
        tax_percent -> Text,
        discount_percent -> Text,
        subtotal -> Text,
        discount_amount -> Text,
        tax_amount -> Text,
        total -> Text,
        notes -> Nullable<Text>,
        sent_at -> Nullable<BigInt>,
        paid_on -> Nullable<Text>,
        voided_at -> Nullable<BigInt>,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    oauth_clients (id) {
        id -> Integer,
        client_id -> Text,
        kind -> Text,
        client_name -> Text,
        redirect_uris -> Text,
        client_uri -> Nullable<Text>,
        created_at -> BigInt,
        fetched_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    oauth_codes (id) {
        id -> Integer,
        code_hash -> Text,
        client_id -> Text,
        user_id -> Integer,
        redirect_uri -> Text,
        code_challenge -> Text,
        resource -> Text,
        scope -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
        used_at -> Nullable<BigInt>,
        grant_id -> Nullable<Integer>,
    }
}

diesel::table! {
    oauth_grants (id) {
        id -> Integer,
        user_id -> Integer,
        client_id -> Text,
        resource -> Text,
        scope -> Text,
        created_at -> BigInt,
        last_used_at -> Nullable<BigInt>,
        revoked_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    oauth_keys (id) {
        id -> Integer,
        secret -> Text,
    }
}

diesel::table! {
    oauth_login_codes (id) {
        id -> Integer,
        user_id -> Integer,
        code_hash -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
        used_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    oauth_tokens (id) {
        id -> Integer,
        grant_id -> Integer,
        kind -> Text,
        token_hash -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
        used_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    projects (id) {
        id -> Integer,
        user_id -> Integer,
        client_id -> Nullable<Integer>,
        name -> Text,
        color -> Nullable<Text>,
        billable -> Bool,
        hourly_rate -> Nullable<Text>,
        currency -> Nullable<Text>,
        archived_at -> Nullable<BigInt>,
        created_at -> BigInt,
        description -> Nullable<Text>,
        budget_hours -> Nullable<Text>,
        budget_amount -> Nullable<Text>,
        budget_period -> Text,
        budget_alert_percent -> Integer,
    }
}

diesel::table! {
    rate_limits (key) {
        key -> Text,
        tat -> BigInt,
    }
}

diesel::table! {
    sign_in_failures (key) {
        key -> Text,
        window_start -> BigInt,
        failures -> Integer,
    }
}

diesel::table! {
    tag_totals (tag_id) {
        tag_id -> Integer,
        tracks -> BigInt,
        seconds -> BigInt,
    }
}

diesel::table! {
    tags (id) {
        id -> Integer,
        user_id -> Integer,
        name -> Text,
        color -> Nullable<Text>,
        created_at -> BigInt,
    }
}

diesel::table! {
    track_tags (track_id, tag_id) {
        track_id -> Integer,
        tag_id -> Integer,
    }
}

diesel::table! {
    tracks (id) {
        id -> Integer,
        user_id -> Integer,
        project_id -> Nullable<Integer>,
        description -> Text,
        started_at -> BigInt,
        ended_at -> Nullable<BigInt>,
        billable -> Bool,
        hourly_rate -> Nullable<Text>,
        currency -> Text,
        idempotency_key -> Nullable<Text>,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    user_passwords (user_id) {
        user_id -> Integer,
        hash -> Text,
        updated_at -> BigInt,
    }
}

diesel::table! {
    user_settings (user_id) {
        user_id -> Integer,
        time_zone -> Text,
        week_start -> Text,
        max_active_timers -> Integer,
        overlap_policy -> Text,
        default_billable -> Bool,
        default_currency -> Text,
        default_hourly_rate -> Nullable<Text>,
        date_format -> Text,
        time_format -> Text,
        duration_format -> Text,
        rounding_mode -> Text,
        rounding_minutes -> Integer,
        rounding_scope -> Text,
        invoice_number_format -> Text,
        invoice_last_seq -> Integer,
    }
}

diesel::table! {
    users (id) {
        id -> Integer,
        email -> Text,
        name -> Text,
        tier -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    web_sessions (token_hash) {
        token_hash -> Text,
        user_id -> Integer,
        csrf -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
    }
}

diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(clients -> users (user_id));
diesel::joinable!(day_totals -> users (user_id));
diesel::joinable!(day_totals_basis -> users (user_id));
diesel::joinable!(idempotency_keys -> users (user_id));
diesel::joinable!(invoice_lines -> invoices (invoice_id));
diesel::joinable!(invoice_lines -> projects (project_id));
diesel::joinable!(invoice_tracks -> invoice_lines (line_id));
diesel::joinable!(invoice_tracks -> invoices (invoice_id));
diesel::joinable!(invoice_tracks -> tracks (track_id));
diesel::joinable!(invoices -> clients (client_id));
diesel::joinable!(invoices -> users (user_id));
diesel::joinable!(oauth_codes -> oauth_grants (grant_id));
diesel::joinable!(oauth_codes -> users (user_id));
diesel::joinable!(oauth_grants -> users (user_id));
diesel::joinable!(oauth_login_codes -> users (user_id));
diesel::joinable!(oauth_tokens -> oauth_grants (grant_id));
diesel::joinable!(projects -> clients (client_id));
diesel::joinable!(projects -> users (user_id));
diesel::joinable!(tag_totals -> tags (tag_id));
diesel::joinable!(tags -> users (user_id));
diesel::joinable!(track_tags -> tags (tag_id));
diesel::joinable!(track_tags -> tracks (track_id));
diesel::joinable!(tracks -> projects (project_id));
diesel::joinable!(tracks -> users (user_id));
diesel::joinable!(user_passwords -> users (user_id));
diesel::joinable!(user_settings -> users (user_id));
diesel::joinable!(web_sessions -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    api_tokens,
    clients,
    day_totals,
    day_totals_basis,
    idempotency_keys,
    invoice_lines,
    invoice_tracks,
    invoices,
    oauth_clients,
    oauth_codes,
    oauth_grants,
    oauth_keys,
    oauth_login_codes,
    oauth_tokens,
    projects,
    rate_limits,
    sign_in_failures,
    tag_totals,
    tags,
    track_tags,
    tracks,
    user_passwords,
    user_settings,
    users,
    web_sessions,
);
