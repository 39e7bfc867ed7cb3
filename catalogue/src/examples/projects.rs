//! Worked examples: projects, tags and clients.

use super::Step;

pub fn steps() -> Vec<Step> {
    vec![]
}
