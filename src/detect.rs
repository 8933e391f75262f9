//! Detection: is this pane capture showing a real usage limit, a server error, or neither?
//! (Owned by the detection work; this is the interface the rest of the program uses.)

use jiff::{Timestamp, Zoned};
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Quota,
    ServerError,
    None,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Detection {
    pub verdict: Verdict,
    /// The deciding line, trimmed, or null.
    pub line: Option<String>,
    /// `session`, `weekly`, `opus`, `sonnet`, `fable`, `credits`, `spend`, `org`, `usage`, ...
    pub kind: Option<String>,
    pub resets_at: Option<Timestamp>,
}

/// Classify a capture (`capture-pane -p -J` text) as of now.
pub fn detect(screen: &str) -> Detection {
    detect_at(screen, &Zoned::now())
}

/// Classify a capture as of `now` (reset times without a date are the next occurrence after it).
pub fn detect_at(_screen: &str, _now: &Zoned) -> Detection {
    Detection {
        verdict: Verdict::None,
        line: None,
        kind: None,
        resets_at: None,
    }
}
