//! Each account's usage as Claude Code itself reports it to its statusLine command
//! (`rate_limits`: the 5-hour and the weekly window, a percentage and a reset time). The plugin
//! never asks Anthropic for it: it only keeps what the `statusline` wrapper was handed.
//!
//! One small file per config home under `<state>/usage/`, replaced by rename, so the many panes
//! that report at each turn end never wait for each other or for the state lock.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A record that has not changed is written again at most this often (its `seen_at`).
const REFRESH: SignedDuration = SignedDuration::from_mins(5);
/// Records larger than this are not ours.
const MAX_RECORD: u64 = 64 * 1024;

/// A usage window of the subscription.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Window {
    FiveHour,
    SevenDay,
}

impl Window {
    pub const ALL: [Window; 2] = [Window::FiveHour, Window::SevenDay];

    /// The key in `rate_limits` and in our files.
    pub fn key(self) -> &'static str {
        match self {
            Window::FiveHour => "five_hour",
            Window::SevenDay => "seven_day",
        }
    }

    /// Short label for the status segment.
    pub fn label(self) -> &'static str {
        match self {
            Window::FiveHour => "5h",
            Window::SevenDay => "7d",
        }
    }

    /// Words for sentences (events, reasons).
    pub fn words(self) -> &'static str {
        match self {
            Window::FiveHour => "5-hour",
            Window::SevenDay => "weekly",
        }
    }

    fn length(self) -> SignedDuration {
        match self {
            Window::FiveHour => SignedDuration::from_hours(5),
            Window::SevenDay => SignedDuration::from_hours(7 * 24),
        }
    }
}

/// One window as reported: the percentage used (0–100) and when it resets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WindowUsage {
    pub used_percentage: f64,
    pub resets_at: Option<Timestamp>,
}

/// What was last reported for one config home.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Usage {
    /// The config home, for people reading the file.
    pub dir: String,
    pub five_hour: Option<WindowUsage>,
    pub seven_day: Option<WindowUsage>,
    /// When these values were last reported.
    pub seen_at: Option<Timestamp>,
}

/// A window's current value: still inside the window it was reported for.
#[derive(Clone, Debug, PartialEq)]
pub struct Level {
    pub window: Window,
    pub used_percentage: f64,
    pub resets_at: Option<Timestamp>,
}

impl Usage {
    pub fn window(&self, w: Window) -> Option<&WindowUsage> {
        match w {
            Window::FiveHour => self.five_hour.as_ref(),
            Window::SevenDay => self.seven_day.as_ref(),
        }
    }

    /// The windows whose values still hold at `now`: their reset is ahead (or, without a reset
    /// time, the window's length has not passed since they were seen).
    pub fn current(&self, now: Timestamp) -> Vec<Level> {
        Window::ALL
            .iter()
            .filter_map(|&w| {
                let u = self.window(w)?;
                let valid = match u.resets_at {
                    Some(t) => t > now,
                    None => self
                        .seen_at
                        .and_then(|s| s.checked_add(w.length()).ok())
                        .is_some_and(|end| end > now),
                };
                valid.then_some(Level {
                    window: w,
                    used_percentage: u.used_percentage,
                    resets_at: u.resets_at,
                })
            })
            .collect()
    }

    /// The fullest current window.
    pub fn highest(&self, now: Timestamp) -> Option<Level> {
        self.current(now)
            .into_iter()
            .max_by(|a, b| a.used_percentage.total_cmp(&b.used_percentage))
    }

    /// `5h 87% 7d 40%`: the current windows, for the status segment.
    pub fn segment(&self, now: Timestamp) -> String {
        self.current(now)
            .iter()
            .map(|l| format!("{} {}%", l.window.label(), percent(l.used_percentage)))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// A percentage as people read it: whole numbers, one decimal below 1.
pub fn percent(p: f64) -> String {
    if p > 0.0 && p < 1.0 {
        format!("{p:.1}")
    } else {
        format!("{p:.0}")
    }
}

/// The `rate_limits` of a statusLine input: `None` when there are none (an API key, a resumed
/// session before its first response); a window may be absent (the top plan has no 5-hour one).
pub fn from_statusline(input: &Value, dir: &Path, now: Timestamp) -> Option<Usage> {
    let limits = input.get("rate_limits")?.as_object()?;
    let window = |key: &str| -> Option<WindowUsage> {
        let w = limits.get(key)?;
        let used = w.get("used_percentage")?.as_f64()?;
        if !used.is_finite() || used < 0.0 {
            return None;
        }
        let resets_at = w
            .get("resets_at")
            .and_then(Value::as_f64)
            .filter(|t| t.is_finite())
            .and_then(|t| Timestamp::from_second(t as i64).ok());
        Some(WindowUsage {
            used_percentage: used.min(100.0),
            resets_at,
        })
    };
    let (five_hour, seven_day) = (window("five_hour"), window("seven_day"));
    if five_hour.is_none() && seven_day.is_none() {
        return None;
    }
    Some(Usage {
        dir: dir.display().to_string(),
        five_hour,
        seven_day,
        seen_at: Some(now),
    })
}

/// The folder of the usage files.
pub fn folder(state_dir: &Path) -> PathBuf {
    state_dir.join("usage")
}

/// The file of a config home: named after its real path (links resolved, so every spelling of
/// one home shares a file), or its spelling when it does not exist.
pub fn file(state_dir: &Path, dir: &Path) -> PathBuf {
    let real = std::fs::canonicalize(dir).unwrap_or_else(|_| crate::accounts::normalize(dir));
    let key = crate::sha256::hex_prefix(real.as_os_str().as_encoded_bytes(), 16);
    folder(state_dir).join(format!("{key}.json"))
}

/// The last usage reported for a config home, if any (a damaged file reads as none).
pub fn read(state_dir: &Path, dir: &Path) -> Option<Usage> {
    read_file(&file(state_dir, dir))
}

fn read_file(path: &Path) -> Option<Usage> {
    use std::io::Read;
    let f = std::fs::File::open(path).ok()?;
    let mut bytes = Vec::new();
    f.take(MAX_RECORD).read_to_end(&mut bytes).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Keep `usage` for its home; written (by rename) only when the values changed or the last
/// write is older than `REFRESH`. True when written.
pub fn record(state_dir: &Path, dir: &Path, usage: &Usage) -> Result<bool> {
    let path = file(state_dir, dir);
    if let Some(old) = read_file(&path) {
        let same = old.five_hour == usage.five_hour && old.seven_day == usage.seven_day;
        let fresh = match (old.seen_at, usage.seen_at) {
            (Some(then), Some(now)) => now.duration_since(then) < REFRESH,
            _ => false,
        };
        if same && fresh {
            return Ok(false);
        }
    }
    let folder = folder(state_dir);
    crate::fsutil::private_dir(&folder)?;
    let mut data = serde_json::to_vec_pretty(usage).context("encoding the usage")?;
    data.push(b'\n');
    crate::fsutil::write_atomic(&path, &data)
        .with_context(|| format!("could not save the usage of {}", dir.display()))?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: i64) -> Timestamp {
        Timestamp::from_second(s).unwrap()
    }

    #[test]
    fn reads_rate_limits_as_claude_gives_them() {
        let now = ts(1_796_190_000);
        let input: Value = serde_json::from_str(
            r#"{"session_id":"x","rate_limits":{"five_hour":{"used_percentage":42,"resets_at":1796194800},"seven_day":{"used_percentage":17.3,"resets_at":1796454000}}}"#,
        )
        .unwrap();
        let u = from_statusline(&input, Path::new("/h/.claude"), now).unwrap();
        assert_eq!(u.five_hour.as_ref().unwrap().used_percentage, 42.0);
        assert_eq!(
            u.five_hour.as_ref().unwrap().resets_at,
            Some(ts(1796194800))
        );
        assert_eq!(u.segment(now), "5h 42% 7d 17%");
        // The top plan: weekly only.
        let ultra: Value = serde_json::from_str(
            r#"{"rate_limits":{"seven_day":{"used_percentage":88,"resets_at":1796454000}}}"#,
        )
        .unwrap();
        let u = from_statusline(&ultra, Path::new("/h"), now).unwrap();
        assert_eq!(u.five_hour, None);
        assert_eq!(u.segment(now), "7d 88%");
        assert_eq!(u.highest(now).unwrap().window, Window::SevenDay);
        // No rate limits (an API key, a resume before its first response), or junk.
        for none in [
            r#"{"session_id":"x"}"#,
            r#"{"rate_limits":null}"#,
            r#"{"rate_limits":{"five_hour":{"used_percentage":"a lot"}}}"#,
            r#"{"rate_limits":{"opus":{"used_percentage":3}}}"#,
            r#"{"rate_limits":{"five_hour":{"used_percentage":-1}}}"#,
        ] {
            let v: Value = serde_json::from_str(none).unwrap();
            assert_eq!(from_statusline(&v, Path::new("/h"), now), None, "{none}");
        }
    }

    #[test]
    fn a_window_past_its_reset_no_longer_counts() {
        let u = Usage {
            five_hour: Some(WindowUsage {
                used_percentage: 97.0,
                resets_at: Some(ts(1000)),
            }),
            seven_day: Some(WindowUsage {
                used_percentage: 40.0,
                resets_at: None,
            }),
            seen_at: Some(ts(500)),
            ..Usage::default()
        };
        assert_eq!(u.highest(ts(900)).unwrap().used_percentage, 97.0);
        assert_eq!(u.segment(ts(1000)), "7d 40%");
        assert_eq!(u.segment(ts(500 + 7 * 24 * 3600)), "");
        assert_eq!(percent(0.4), "0.4");
        assert_eq!(percent(99.6), "100");
    }

    #[test]
    fn records_are_written_only_when_they_change() {
        let state = std::env::temp_dir().join(format!("cf-usage-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&state);
        let home = state.join("home");
        std::fs::create_dir_all(&home).unwrap();
        let at = |s, p| Usage {
            dir: home.display().to_string(),
            five_hour: Some(WindowUsage {
                used_percentage: p,
                resets_at: None,
            }),
            seen_at: Some(ts(s)),
            ..Usage::default()
        };
        assert!(record(&state, &home, &at(1000, 10.0)).unwrap());
        assert!(!record(&state, &home, &at(1010, 10.0)).unwrap());
        assert!(record(&state, &home, &at(1020, 11.0)).unwrap());
        assert!(record(&state, &home, &at(1020 + 301, 11.0)).unwrap());
        // Another spelling of the same home (through a link) finds the same record.
        let link = state.join("link");
        std::os::unix::fs::symlink(&home, &link).unwrap();
        assert_eq!(read(&state, &link).unwrap().seen_at, Some(ts(1321)));
        let _ = std::fs::remove_dir_all(&state);
    }
}
