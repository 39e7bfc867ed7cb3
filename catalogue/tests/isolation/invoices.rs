//! Isolation: invoices.

use catalogue::User;
use catalogue::testing::TestApp;
use serde_json::Value;

use super::Ids;

pub async fn seed(_app: &TestApp, _ada: &User, _bob: &User, _ids: &mut Ids) {}

pub fn attacks(_ids: &Ids) -> Vec<(&'static str, Value)> {
    vec![]
}

pub const LISTS: &[&str] = &[];
