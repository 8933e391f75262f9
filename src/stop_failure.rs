//! Claude Code's `StopFailure` hook: what it tells us, and whether it is a usage limit.
//!
//! The hook fires 0.08-0.15 s after the failing response, with `error: "rate_limit"` for a usage
//! limit, a server throttle and an API-key 429 alike. The transcript record that tells them
//! apart (`"apiError":"usage_limit_reached"`) is written about 0.1 s after the hook starts, so it
//! is polled for briefly; without it the exact text of `last_assistant_message` decides, by the
//! same strict rules as a screen (never a throttle, an API-key 429 or a server error).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::detect::{self, Detection, Verdict};
use crate::transcript;

/// How long the transcript is polled for this failure's record.
pub const RECORD_WAIT: Duration = Duration::from_secs(2);
const POLL: Duration = Duration::from_millis(20);
/// A record this much older than the hook is an earlier failure's (the hook fires at most
/// 0.15 s after the response whose record it waits for).
const RECORD_BEFORE_HOOK: SignedDuration = SignedDuration::from_secs(1);

/// One hook run, as the short-lived handler saves it for the detached worker.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Job {
    pub received_at: Option<Timestamp>,
    /// `TMUX_PANE` of the Claude process.
    pub pane: Option<String>,
    /// `CLAUDE_PID`.
    pub claude_pid: Option<u32>,
    /// `CLAUDE_CONFIG_DIR`, when the session was started with it.
    pub config_dir: Option<PathBuf>,
    /// The transcript's length when the hook ran: this failure's record is appended after it
    /// (a record from a moment before, e.g. the limit a resumed session just replayed, is not).
    pub transcript_len: Option<u64>,
    pub payload: Payload,
}

/// The hook's stdin (fields we use; the rest is ignored).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Payload {
    pub hook_event_name: String,
    pub session_id: Option<String>,
    pub transcript_path: Option<PathBuf>,
    pub cwd: Option<String>,
    pub error: Option<String>,
    pub last_assistant_message: Option<String>,
}

/// The hook events the handler is installed for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HookEvent {
    /// An API error ended a turn: maybe a usage limit.
    StopFailure,
    /// A turn ended normally: a restart deferred for it may be due.
    Stop,
    Other,
}

impl Payload {
    pub fn event(&self) -> HookEvent {
        match self.hook_event_name.as_str() {
            "StopFailure" => HookEvent::StopFailure,
            "Stop" => HookEvent::Stop,
            _ => HookEvent::Other,
        }
    }

    /// Only a rate-limit stop can be a usage limit.
    pub fn may_be_limit(&self) -> bool {
        self.event() == HookEvent::StopFailure && self.error.as_deref() == Some("rate_limit")
    }
}

/// What decided.
#[derive(Clone, Debug, PartialEq)]
pub enum Evidence {
    /// The transcript's record of this failure is a usage limit.
    Record(Detection, Timestamp),
    /// No record came in time; the message text is a usage limit.
    Message(Detection),
    /// Not a usage limit (a throttle, an API-key 429, a server error): never a swap.
    NotALimit(String),
}

impl Evidence {
    pub fn source(&self) -> &'static str {
        match self {
            Evidence::Record(..) => "transcript",
            Evidence::Message(_) => "message",
            Evidence::NotALimit(_) => "none",
        }
    }
}

/// Decide from the transcript (polled up to `RECORD_WAIT`), else the message text.
/// `started` is the Claude process's start: nothing older is this process's.
pub fn evidence(job: &Job, started: Option<Timestamp>) -> Evidence {
    let received = job.received_at.unwrap_or_else(Timestamp::now);
    let mut since = received
        .saturating_sub(RECORD_BEFORE_HOOK)
        .unwrap_or(received);
    if let Some(s) = started {
        since = since.max(s.saturating_sub(SignedDuration::from_secs(1)).unwrap_or(s));
    }
    let path = job
        .payload
        .transcript_path
        .as_deref()
        .filter(|p| p.is_absolute() && p.extension().is_some_and(|e| e == "jsonl"));
    if let Some(path) = path {
        let found = match job.transcript_len {
            Some(offset) => wait_for_record_after(path, offset, RECORD_WAIT),
            None => wait_for_record(path, since, RECORD_WAIT),
        };
        if let Some(rec) = found {
            if rec.is_usage_limit() {
                let text = rec.text.clone();
                let screen_like = text.as_deref().map(detect::detect);
                let d = Detection {
                    verdict: Verdict::Quota,
                    line: text.clone(),
                    kind: rec.kind(),
                    resets_at: rec.resets_at.or(screen_like.and_then(|d| d.resets_at)),
                };
                return Evidence::Record(d, rec.timestamp.unwrap_or(received));
            }
            return Evidence::NotALimit(format!(
                "the transcript records {} (status {}), not a usage limit",
                rec.error.as_deref().unwrap_or("an API error"),
                rec.status.map(|s| s.to_string()).unwrap_or("?".into())
            ));
        }
    }
    let text = job.payload.last_assistant_message.as_deref().unwrap_or("");
    let d = detect::detect(text);
    if d.is_quota() {
        Evidence::Message(d)
    } else {
        Evidence::NotALimit(format!("the message is not a usage limit: {text:?}"))
    }
}

/// The length of the transcript the hook names, taken in the hook itself.
pub fn transcript_len(payload: &Payload) -> Option<u64> {
    let path = payload.transcript_path.as_deref()?;
    std::fs::metadata(path).ok().map(|m| m.len())
}

/// The last API-error record among the whole lines appended after `offset`, polled until
/// `wait` has passed.
fn wait_for_record_after(path: &Path, offset: u64, wait: Duration) -> Option<transcript::ApiError> {
    use std::io::{Read, Seek, SeekFrom};
    let deadline = Instant::now() + wait;
    loop {
        let mut tail = Vec::new();
        if let Ok(mut f) = std::fs::File::open(path) {
            if f.seek(SeekFrom::Start(offset)).is_ok() {
                // Records are a few KB; a huge paste appended meanwhile is not read whole.
                let _ = f.take(8 << 20).read_to_end(&mut tail);
            }
        }
        let whole = tail.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let found = String::from_utf8_lossy(&tail[..whole])
            .lines()
            .rev()
            .filter(|l| l.contains("isApiErrorMessage"))
            .find_map(transcript::parse_record);
        if found.is_some() {
            return found;
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(POLL);
    }
}

/// The newest API-error record written at or after `since`, polled until `wait` has passed.
fn wait_for_record(path: &Path, since: Timestamp, wait: Duration) -> Option<transcript::ApiError> {
    let deadline = Instant::now() + wait;
    loop {
        if let Ok(Some(rec)) = transcript::newest_api_error(path) {
            if rec.timestamp.is_some_and(|t| t >= since) {
                return Some(rec);
            }
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(POLL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(dir: &Path, message: &str) -> Job {
        Job {
            received_at: Some(Timestamp::now()),
            payload: Payload {
                hook_event_name: "StopFailure".into(),
                transcript_path: Some(dir.join("t.jsonl")),
                error: Some("rate_limit".into()),
                last_assistant_message: Some(message.into()),
                ..Payload::default()
            },
            ..Job::default()
        }
    }

    fn record(api_error: &str, transient: bool, text: &str) -> String {
        format!(
            "{{\"type\":\"assistant\",\"timestamp\":\"{:.3}\",\"error\":\"rate_limit\",\"isApiErrorMessage\":true,{}\"apiErrorStatus\":429,\"message\":{{\"content\":[{{\"type\":\"text\",\"text\":{}}}]}}{}}}\n",
            Timestamp::now(),
            if api_error.is_empty() { format!("\"apiError\":null,\"apiErrorIsTransient\":{transient},") } else { format!("\"apiError\":\"{api_error}\",") },
            serde_json::Value::String(text.into()),
            if api_error.is_empty() { String::new() } else { ",\"apiErrorParams\":{\"rate_limit_info\":{\"status\":\"rejected\",\"resetsAt\":1796194800,\"rateLimitType\":\"five_hour\"}}".into() },
        )
    }

    const LIMIT: &str = "You've hit your 5-hour limit \u{b7} resets 8am (Europe/Paris)";
    const THROTTLE: &str = "API Error: Server is temporarily limiting requests (not your usage limit) \u{b7} Rate limited";
    const KEY_429: &str = "API Error: Request rejected (429) \u{b7} This request would exceed your account's rate limit.";

    fn dir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("cf-sf-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn a_record_written_after_the_hook_decides() {
        let d = dir("late");
        let j = job(&d, LIMIT);
        let path = d.join("t.jsonl");
        // An old limit from before this failure must not count; the new one comes 0.1 s late.
        std::fs::write(
            &path,
            record("usage_limit_reached", false, LIMIT)
                .replace("\"timestamp\":\"2", "\"timestamp\":\"1"),
        )
        .unwrap();
        let writer = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            use std::io::Write;
            let mut f = std::fs::OpenOptions::new()
                .append(true)
                .open(&path)
                .unwrap();
            f.write_all(record("usage_limit_reached", false, LIMIT).as_bytes())
                .unwrap();
        });
        let e = evidence(&j, None);
        writer.join().unwrap();
        match e {
            Evidence::Record(d, _) => {
                assert_eq!(d.kind.as_deref(), Some("session"));
                assert_eq!(d.resets_at, Timestamp::from_second(1796194800).ok());
            }
            other => panic!("{other:?}"),
        }
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn a_limit_just_before_the_hook_is_not_this_failures() {
        let d = dir("offset");
        let path = d.join("t.jsonl");
        // The limit of the account before, 0.3 s ago, then a throttle after the hook started.
        std::fs::write(&path, record("usage_limit_reached", false, LIMIT)).unwrap();
        let mut j = job(&d, THROTTLE);
        j.transcript_len = transcript_len(&j.payload);
        let p = path.clone();
        let writer = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            use std::io::Write;
            let mut f = std::fs::OpenOptions::new().append(true).open(&p).unwrap();
            f.write_all(record("", true, THROTTLE).as_bytes()).unwrap();
        });
        let e = evidence(&j, None);
        writer.join().unwrap();
        assert!(matches!(e, Evidence::NotALimit(_)), "{e:?}");
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn throttles_and_key_429s_never_count_by_record_or_by_text() {
        let d = dir("throttle");
        for (text, transient) in [(THROTTLE, true), (KEY_429, false)] {
            std::fs::write(d.join("t.jsonl"), record("", transient, text)).unwrap();
            assert!(
                matches!(evidence(&job(&d, text), None), Evidence::NotALimit(_)),
                "{text}"
            );
            // Without any record, the text alone.
            std::fs::remove_file(d.join("t.jsonl")).unwrap();
            let mut j = job(&d, text);
            j.payload.transcript_path = None;
            assert!(
                matches!(evidence(&j, None), Evidence::NotALimit(_)),
                "{text}"
            );
        }
        let mut j = job(&d, LIMIT);
        j.payload.transcript_path = None;
        assert!(matches!(evidence(&j, None), Evidence::Message(_)));
        let _ = std::fs::remove_dir_all(&d);
    }
}
