//! Worked examples: invoices.

use super::Step;

pub fn steps() -> Vec<Step> {
    vec![]
}
