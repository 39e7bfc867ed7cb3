//! Catalogue's integration tests, one binary: each module drives the tools of
//! one area through `catalogue::testing::TestApp`; `isolation` checks that no
//! tool lets one user reach another's data.

mod analytics;
mod clear;
mod clients;
mod context;
mod copy;
mod day_totals;
mod hardening;
mod invoices;
mod isolation;
mod layers;
mod postgres;
mod projects;
mod races;
mod scale;
mod settings;
mod tag_totals;
mod tags;
mod timers;
mod timesheet;
mod tracks;
mod worked_month;
