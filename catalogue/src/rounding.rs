//! Rounding of tracked time (SPEC §3): applied in reports, budgets and
//! invoices, never to stored times.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoundingMode {
    /// Exact seconds.
    None,
    /// Up to a multiple of `minutes`.
    Up,
    /// Down to a multiple.
    Down,
    /// To the nearest; halfway rounds up.
    Nearest,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoundingScope {
    /// Each track, then summed.
    Track,
    /// Each group's sum (day, bucket, invoice line).
    Total,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Rounding {
    pub mode: RoundingMode,
    /// The step in minutes, 1–60.
    pub minutes: u32,
    pub scope: RoundingScope,
}

impl Rounding {
    pub const NONE: Rounding = Rounding {
        mode: RoundingMode::None,
        minutes: 1,
        scope: RoundingScope::Track,
    };

    /// `seconds` rounded to the step.
    pub fn round(&self, seconds: i64) -> i64 {
        let step = i64::from(self.minutes.max(1)) * 60;
        let seconds = seconds.max(0);
        match self.mode {
            RoundingMode::None => seconds,
            RoundingMode::Up => (seconds + step - 1) / step * step,
            RoundingMode::Down => seconds / step * step,
            RoundingMode::Nearest => (seconds + step / 2) / step * step,
        }
    }

    /// The rounded total of one group of tracks' durations, by the scope.
    pub fn total(&self, durations: impl IntoIterator<Item = i64>) -> i64 {
        match self.scope {
            RoundingScope::Track => durations.into_iter().map(|d| self.round(d)).sum(),
            RoundingScope::Total => self.round(durations.into_iter().sum()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(mode: RoundingMode, minutes: u32, scope: RoundingScope) -> Rounding {
        Rounding {
            mode,
            minutes,
            scope,
        }
    }

    #[test]
    fn each_mode_rounds_to_the_step() {
        let m = 60;
        assert_eq!(
            r(RoundingMode::Up, 15, RoundingScope::Track).round(16 * m),
            30 * m
        );
        assert_eq!(
            r(RoundingMode::Up, 15, RoundingScope::Track).round(15 * m),
            15 * m
        );
        assert_eq!(
            r(RoundingMode::Up, 15, RoundingScope::Track).round(1),
            15 * m
        );
        assert_eq!(
            r(RoundingMode::Down, 15, RoundingScope::Track).round(29 * m + 59),
            15 * m
        );
        assert_eq!(
            r(RoundingMode::Nearest, 15, RoundingScope::Track).round(7 * m + 29),
            0
        );
        assert_eq!(
            r(RoundingMode::Nearest, 15, RoundingScope::Track).round(7 * m + 30),
            15 * m
        );
        assert_eq!(Rounding::NONE.round(1234), 1234);
    }

    #[test]
    fn scope_decides_whether_tracks_or_their_sum_are_rounded() {
        let tracks = [10 * 60, 10 * 60, 10 * 60];
        assert_eq!(
            r(RoundingMode::Up, 15, RoundingScope::Track).total(tracks),
            45 * 60
        );
        assert_eq!(
            r(RoundingMode::Up, 15, RoundingScope::Total).total(tracks),
            30 * 60
        );
    }
}
