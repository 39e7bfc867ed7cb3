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
    user_settings (user_id) {
        user_id -> Integer,
        time_zone -> Text,
        week_start -> Text,
        max_active_timers -> Integer,
        overlap_policy -> Text,
        default_billable -> Bool,
        default_currency -> Text,
        default_hourly_rate -> Nullable<Text>,
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

diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(clients -> users (user_id));
diesel::joinable!(projects -> clients (client_id));
diesel::joinable!(projects -> users (user_id));
diesel::joinable!(tags -> users (user_id));
diesel::joinable!(track_tags -> tags (tag_id));
diesel::joinable!(track_tags -> tracks (track_id));
diesel::joinable!(tracks -> projects (project_id));
diesel::joinable!(tracks -> users (user_id));
diesel::joinable!(user_settings -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    api_tokens,
    clients,
    projects,
    tags,
    track_tags,
    tracks,
    user_settings,
    users,
);
