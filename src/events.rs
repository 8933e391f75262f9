//! `events.jsonl`: an append-only log, one JSON object a line with `ts` and `event`. Every kind
//! of event is one variant of `Event`; `docs/events.md` describes each for users.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use jiff::Timestamp;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::fsutil;
use crate::state::{Outcome, Store};

/// One event. Its fields are written as named here (absent values as `null`), in the order of
/// their names, with `ts` (when it was logged) and `event` (the variant's name in kebab-case).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum Event {
    /// A usage limit confirmed on `account` (by `pane`'s screen or its `StopFailure` hook);
    /// `cooldown`: the cooldown holds the automatic swap.
    Limit {
        account: String,
        pane: String,
        line: Option<String>,
        kind: Option<String>,
        resets_at: Option<Timestamp>,
        cooldown: bool,
    },
    /// One swap, logged once when all its panes are handled.
    Swap {
        journal: String,
        from: String,
        to: String,
        reason: String,
        panes: Vec<SwapPane>,
    },
    /// A journaled swap that can never finish (its target account was removed).
    SwapAbandoned {
        journal: String,
        from: String,
        to: String,
        why: String,
    },
    /// No account was left to swap to.
    AllExhausted { from: String, reason: String },
    /// The accounts a swap passed over, and why.
    AccountsSkipped {
        from: String,
        to: Option<String>,
        skipped: Vec<Skipped>,
    },
    /// A pane a swap deferred (busy) restarted once idle.
    PaneRestarted {
        pane: String,
        to: String,
        session_id: Option<String>,
        deferred: bool,
    },
    /// A restarted pane did not come up running Claude.
    RestartFailed {
        pane: String,
        session_id: Option<String>,
        to: String,
        why: String,
    },
    /// An account is usable again: its limit reset, or its usage fell back under the threshold.
    Available { account: String, why: String },
    /// An account's recorded usage crossed `@claude-failover-preempt`.
    UsageThreshold {
        account: String,
        window: String,
        used_percentage: f64,
        threshold: f64,
        resets_at: Option<Timestamp>,
    },
    /// A `StopFailure` hook job and what it decided.
    ClaudeHook {
        pane: String,
        session_id: Option<String>,
        error: Option<String>,
        /// `transcript`, `message` or `none`.
        evidence: String,
        waited_ms: Option<i64>,
        /// `limit`, `ignored`, or why the limit was not acted on.
        decision: String,
        /// Why the evidence was not a limit (`decision: ignored` only).
        #[serde(skip_serializing_if = "Option::is_none")]
        why: Option<String>,
    },
    /// A `Stop` hook job: the turn a deferred restart waited for has ended.
    StopHook {
        pane: String,
        session_id: Option<String>,
        /// From the hook to the job's look at the pane (its wait for `idle` included).
        waited_ms: Option<i64>,
        decision: StopDecision,
    },
    /// The state file was damaged: kept aside, started afresh.
    StateCorrupt { kept_as: String, error: String },
    /// A `tick` or `hook` failed (logged once per distinct error).
    Error { error: String },
}

/// What a `Stop` hook job did with the pane whose turn ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StopDecision {
    Restarted,
    RestartFailed,
    /// Claude still said busy when the job stopped waiting (a `Stop` hook made it go on).
    StillBusy,
    /// Idle, but typing a prompt or busy again by the time of the restart.
    NotRestarted,
    /// No restart was deferred for the pane (anymore).
    NothingDeferred,
    /// Another run held the lock for longer than the job waits.
    LockBusy,
}

/// A pane of a `swap` event.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SwapPane {
    pub pane: String,
    pub session_id: Option<String>,
    pub outcome: Option<Outcome>,
}

/// An account an `accounts-skipped` event passed over: `why` is `exhausted`, `near-limit`,
/// `links` or `not-logged-in`; `detail` the sentence.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Skipped {
    pub account: String,
    pub why: String,
    pub detail: String,
}

/// Append one event. Logging must never take a tick down: a failure is reported on stderr and
/// otherwise ignored.
pub fn append(store: &Store, event: &Event) {
    append_at(&store.events_path(), event);
}

/// Append one event to the log at `path`; returns the record written (None on failure, which is
/// reported on stderr).
pub fn append_at(path: &Path, event: &Event) -> Option<Value> {
    match try_append(path, event) {
        Ok(rec) => Some(rec),
        Err(err) => {
            let name = serde_json::to_value(event).ok();
            let name = name
                .as_ref()
                .and_then(|v| v["event"].as_str())
                .unwrap_or("?");
            eprintln!("claude-failover: could not log the `{name}` event: {err:#}");
            None
        }
    }
}

/// The record of an event: its fields with `ts` (now) and `event`.
pub fn record(event: &Event) -> Result<Value> {
    let mut obj = match serde_json::to_value(event).context("encoding an event")? {
        Value::Object(fields) => fields,
        _ => Map::new(),
    };
    obj.insert("ts".into(), Value::String(now_rfc3339()));
    Ok(Value::Object(obj))
}

pub fn try_append(path: &Path, event: &Event) -> Result<Value> {
    let rec = record(event)?;
    let mut line = serde_json::to_vec(&rec)?;
    line.push(b'\n');
    append_line(path, line, ROTATE_AT)?;
    Ok(rec)
}

/// The log moves aside to `events.jsonl.1` (replacing the one before) when an append finds it
/// this large: the two files keep the newest 4 to 8 MiB of events, tens of thousands of them.
pub const ROTATE_AT: u64 = 4 << 20;

/// How long an append waits for another writer's turn before writing without it (a single
/// `O_APPEND` write of a line is never interleaved with another one anyway).
const TURN_WAIT: Duration = Duration::from_secs(1);

/// The older half of the log at `path`.
pub fn rotated(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(".1");
    PathBuf::from(name)
}

/// Append one line (ending in a newline), rotating the log first when it is `rotate_at` bytes
/// or more. Writers take turns on the file's own lock (most already hold the state lock, an
/// error report may not). A writer that opened the log just before another rotated it would
/// write into the rotated file, which the next rotation replaces: so once it has the lock it
/// checks that its file is still the one at `path`, and opens it again if not.
fn append_line(path: &Path, mut line: Vec<u8>, rotate_at: u64) -> Result<()> {
    let mut attempts = 0;
    loop {
        attempts += 1;
        let mut f = fsutil::open_append(path)?;
        let turn = fsutil::lock_within(&f, TURN_WAIT)
            .with_context(|| format!("could not lock {}", path.display()))?;
        let meta = f
            .metadata()
            .with_context(|| format!("could not read the size of {}", path.display()))?;
        if turn && attempts < 10 {
            let current = std::fs::symlink_metadata(path).ok();
            if current.is_none_or(|m| (m.dev(), m.ino()) != (meta.dev(), meta.ino())) {
                continue;
            }
            if meta.len() >= rotate_at {
                std::fs::rename(path, rotated(path))
                    .with_context(|| format!("could not rotate {}", path.display()))?;
                continue;
            }
        }
        let len = meta.len();
        let mut last = [0u8; 1];
        // A line torn by an earlier failure must not swallow this one.
        if len > 0 && f.read_exact_at(&mut last, len - 1).is_ok() && last[0] != b'\n' {
            line.insert(0, b'\n');
        }
        if let Err(err) = f.write_all(&line) {
            // A full disk may have taken part of the line: cut it off, so no torn line is left
            // (only in our turn: without it the end may be another writer's line).
            if turn {
                let _ = f.set_len(len);
            }
            return Err(err).with_context(|| format!("could not append to {}", path.display()));
        }
        return Ok(());
    }
}

/// Lines longer than this are skipped when reading the log backwards.
const MAX_LINE: usize = 1 << 20;
const CHUNK: u64 = 64 * 1024;

/// The lines of a file from its end back to `floor`, newest first, reading a chunk at a time:
/// the newest events of a log of any size cost what they weigh. A line cut by `floor` is left
/// out, and a line over `MAX_LINE` is skipped.
struct Backwards {
    file: std::fs::File,
    pos: u64,
    floor: u64,
    /// The end of a line read so far, its start lying further back.
    partial: Vec<u8>,
    /// `partial` grew over `MAX_LINE`: drop it, up to the previous newline.
    skipping: bool,
    /// Whole lines of the last chunk, oldest first.
    ready: Vec<Vec<u8>>,
}

impl Backwards {
    fn open(path: &Path, budget: u64) -> std::io::Result<Backwards> {
        let file = fsutil::open_regular(path, fsutil::Links::Refuse)?;
        let len = file.metadata()?.len();
        Ok(Backwards {
            file,
            pos: len,
            floor: len.saturating_sub(budget),
            partial: Vec::new(),
            skipping: false,
            ready: Vec::new(),
        })
    }

    fn span(&self) -> u64 {
        self.file.metadata().map(|m| m.len()).unwrap_or(0) - self.floor
    }
}

impl Iterator for Backwards {
    type Item = Vec<u8>;

    fn next(&mut self) -> Option<Vec<u8>> {
        loop {
            if let Some(line) = self.ready.pop() {
                return Some(line);
            }
            if self.pos <= self.floor {
                // The first line of the file, unless the budget cut it.
                let first = std::mem::take(&mut self.partial);
                let whole = self.floor == 0 && !self.skipping && !first.is_empty();
                self.skipping = true;
                return whole.then_some(first);
            }
            let start = self.pos.saturating_sub(CHUNK).max(self.floor);
            let mut chunk = vec![0u8; (self.pos - start) as usize];
            self.file.read_exact_at(&mut chunk, start).ok()?;
            self.pos = start;
            match chunk.iter().position(|&b| b == b'\n') {
                None => {
                    if !self.skipping {
                        chunk.extend_from_slice(&self.partial);
                        self.partial = chunk;
                        if self.partial.len() > MAX_LINE {
                            self.partial = Vec::new();
                            self.skipping = true;
                        }
                    }
                }
                Some(first) => {
                    let mut rest = chunk.split_off(first + 1);
                    if self.skipping {
                        // What follows the last newline starts the skipped line.
                        let keep = rest.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
                        rest.truncate(keep);
                    } else {
                        rest.extend_from_slice(&self.partial);
                    }
                    chunk.pop();
                    self.partial = chunk;
                    self.skipping = false;
                    self.ready = rest
                        .split(|&b| b == b'\n')
                        .filter(|l| !l.is_empty() && l.len() <= MAX_LINE)
                        .map(<[u8]>::to_vec)
                        .collect();
                }
            }
        }
    }
}

/// Events of the log at `path` (then of its rotated half), newest first, reading at most about
/// `budget` bytes; lines that are not JSON objects are skipped. A missing file reads as empty.
fn newest_first(path: &Path, budget: u64) -> Result<impl Iterator<Item = Value>> {
    let open = |p: &Path, budget: u64| match Backwards::open(p, budget) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("could not read {}", p.display())),
    };
    let current = open(path, budget)?;
    let spent = current.as_ref().map_or(0, Backwards::span);
    let older = match budget.checked_sub(spent).filter(|b| *b > 0) {
        Some(left) => open(&rotated(path), left).ok().flatten(),
        None => None,
    };
    Ok(current
        .into_iter()
        .flatten()
        .chain(older.into_iter().flatten())
        .filter_map(|line| match serde_json::from_slice::<Value>(&line) {
            Ok(v @ Value::Object(_)) => Some(v),
            _ => None,
        }))
}

/// The last `n` events, oldest first, read from the end of the log.
pub fn tail(store: &Store, n: usize) -> Result<Vec<Value>> {
    let mut out: Vec<Value> = newest_first(&store.events_path(), u64::MAX)?
        .take(n)
        .collect();
    out.reverse();
    Ok(out)
}

/// The newest event that `wanted` accepts among the last MiB of the log at `path`.
pub fn newest_at(path: &Path, wanted: impl Fn(&Value) -> bool) -> Option<Value> {
    newest_first(path, 1 << 20).ok()?.find(|v| wanted(v))
}

pub fn newest(store: &Store, wanted: impl Fn(&Value) -> bool) -> Option<Value> {
    newest_at(&store.events_path(), wanted)
}

/// Every event, oldest first (the rotated half, then the log), one at a time; lines that are
/// not JSON objects are skipped. Stops early when `each` returns an error.
pub fn for_each(store: &Store, mut each: impl FnMut(Value) -> Result<()>) -> Result<()> {
    let path = store.events_path();
    for p in [rotated(&path), path] {
        let f = match fsutil::open_regular(&p, fsutil::Links::Refuse) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e).with_context(|| format!("could not read {}", p.display())),
        };
        for line in BufReader::new(f).split(b'\n') {
            let Ok(line) = line else { continue };
            if let Ok(v @ Value::Object(_)) = serde_json::from_slice::<Value>(&line) {
                each(v)?;
            }
        }
    }
    Ok(())
}

/// Now, RFC 3339 in UTC with millisecond precision.
pub fn now_rfc3339() -> String {
    let now = jiff::Timestamp::now();
    now.round(jiff::Unit::Millisecond)
        .unwrap_or(now)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The typed events write what the `json!` maps they replaced wrote: the same names, the
    /// same values, absent ones as `null`, keys in order.
    #[test]
    fn events_keep_their_field_names_and_values() {
        let t: Timestamp = "2026-01-02T03:04:05Z".parse().unwrap();
        let rec = record(&Event::Limit {
            account: "a".into(),
            pane: "%1".into(),
            line: Some("You've hit your limit".into()),
            kind: None,
            resets_at: Some(t),
            cooldown: false,
        })
        .unwrap();
        let mut line = serde_json::to_string(&rec).unwrap();
        let ts = rec["ts"].as_str().unwrap().to_string();
        line = line.replace(&ts, "T");
        assert_eq!(
            line,
            r#"{"account":"a","cooldown":false,"event":"limit","kind":null,"line":"You've hit your limit","pane":"%1","resets_at":"2026-01-02T03:04:05Z","ts":"T"}"#
        );
        let rec = record(&Event::Swap {
            journal: "j".into(),
            from: "a".into(),
            to: "b".into(),
            reason: "r".into(),
            panes: vec![SwapPane {
                pane: "%1".into(),
                session_id: None,
                outcome: Some(Outcome::NotClaude),
            }],
        })
        .unwrap();
        assert_eq!(rec["event"], "swap");
        assert_eq!(
            rec["panes"],
            serde_json::json!([{"pane": "%1", "session_id": null, "outcome": "not-claude"}])
        );
        let hook = |why: Option<&str>| Event::ClaudeHook {
            pane: "%1".into(),
            session_id: None,
            error: Some("rate_limit".into()),
            evidence: "none".into(),
            waited_ms: Some(3),
            decision: "ignored".into(),
            why: why.map(str::to_string),
        };
        assert_eq!(
            record(&hook(Some("a throttle"))).unwrap()["why"],
            "a throttle"
        );
        assert!(record(&hook(None)).unwrap().get("why").is_none());
        assert_eq!(record(&hook(None)).unwrap()["event"], "claude-hook");
    }

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("cf-events-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        fsutil::private_dir(&dir).unwrap();
        dir
    }

    /// Lines across chunk boundaries, longer than a chunk, over the line bound (skipped), and a
    /// last line without its newline: read back newest first, exactly.
    #[test]
    fn the_log_reads_backwards_line_by_line() {
        let dir = temp("backwards");
        let path = dir.join("log");
        let mut lines: Vec<Vec<u8>> = Vec::new();
        let mut data = Vec::new();
        for i in 0..3000usize {
            let len = match i % 500 {
                7 => CHUNK as usize + 11,
                8 => MAX_LINE + 5,
                _ => i % 97 + 1,
            };
            let line = vec![b'a' + (i % 26) as u8; len];
            data.extend_from_slice(&line);
            data.push(b'\n');
            if len <= MAX_LINE {
                lines.push(line);
            }
        }
        data.extend_from_slice(b"torn");
        lines.push(b"torn".to_vec());
        std::fs::write(&path, &data).unwrap();
        let read: Vec<Vec<u8>> = Backwards::open(&path, u64::MAX).unwrap().collect();
        lines.reverse();
        assert_eq!(read.len(), lines.len());
        assert!(read == lines);
        // A budget reads only the end, and never a line cut by it.
        let some: Vec<Vec<u8>> = Backwards::open(&path, 1000).unwrap().collect();
        assert!(!some.is_empty() && some.len() < 100);
        assert!(some == lines[..some.len()]);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Eight writers at once on a log that rotates every few KB: every line is whole, and each
    /// writer's lines still in the two files run without a gap up to its last one (a line
    /// written into a file already rotated away would be lost with the next rotation).
    #[test]
    fn concurrent_appends_across_rotations_lose_no_line() {
        let dir = temp("rotate");
        let path = dir.join("events.jsonl");
        let rotate_at = 4096;
        let writers: Vec<_> = (0..8)
            .map(|w| {
                let path = path.clone();
                std::thread::spawn(move || {
                    for i in 0..300 {
                        let line = format!("{{\"w\":{w},\"i\":{i}}}\n").into_bytes();
                        append_line(&path, line, rotate_at).unwrap();
                    }
                })
            })
            .collect();
        for t in writers {
            t.join().unwrap();
        }
        let mut seen: Vec<Vec<u64>> = vec![Vec::new(); 8];
        for p in [rotated(&path), path.clone()] {
            let text = std::fs::read_to_string(&p).unwrap();
            assert!(text.ends_with('\n'));
            for line in text.lines() {
                let v: Value = serde_json::from_str(line).expect("a whole line");
                seen[v["w"].as_u64().unwrap() as usize].push(v["i"].as_u64().unwrap());
            }
        }
        assert!(std::fs::metadata(&path).unwrap().len() < rotate_at + 64);
        // A writer that finished early may have had all its lines rotated out since.
        for (w, mut got) in seen.into_iter().enumerate().filter(|(_, g)| !g.is_empty()) {
            got.sort_unstable();
            let first = got[0];
            assert_eq!(got, (first..300).collect::<Vec<_>>(), "writer {w}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
