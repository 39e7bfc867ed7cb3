//! Worked examples: analytics.

use super::Step;

pub fn steps() -> Vec<Step> {
    vec![]
}
