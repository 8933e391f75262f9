//! `events.jsonl`: an append-only log, one JSON object a line with `ts` and `event`.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;

use anyhow::{Context, Result};
use serde_json::{Map, Value};

use crate::fsutil;
use crate::state::Store;

/// Append one event. Logging must never take a tick down: a failure is reported on stderr and
/// otherwise ignored.
pub fn append(store: &Store, event: &str, fields: Value) {
    append_at(&store.events_path(), event, fields);
}

/// Append one event to the log at `path`; returns the record written (None on failure, which is
/// reported on stderr).
pub fn append_at(path: &Path, event: &str, fields: Value) -> Option<Value> {
    match try_append(path, event, fields) {
        Ok(rec) => Some(rec),
        Err(err) => {
            eprintln!("claude-failover: could not log the `{event}` event: {err:#}");
            None
        }
    }
}

pub fn record(event: &str, fields: Value) -> Value {
    let mut obj = Map::new();
    obj.insert("ts".into(), Value::String(now_rfc3339()));
    obj.insert("event".into(), Value::String(event.into()));
    if let Value::Object(fields) = fields {
        for (k, v) in fields {
            if k != "ts" && k != "event" {
                obj.insert(k, v);
            }
        }
    }
    Value::Object(obj)
}

pub fn try_append(path: &Path, event: &str, fields: Value) -> Result<Value> {
    let rec = record(event, fields);
    let mut line = serde_json::to_vec(&rec)?;
    line.push(b'\n');
    let mut f = fsutil::open_append(path)?;
    // Writers take turns (most already hold the state lock, an error report may not).
    use fs2::FileExt;
    use std::os::unix::fs::FileExt as _;
    f.lock_exclusive()
        .with_context(|| format!("could not lock {}", path.display()))?;
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let mut last = [0u8; 1];
    // A line torn by an earlier failure must not swallow this one.
    if len > 0 && f.read_exact_at(&mut last, len - 1).is_ok() && last[0] != b'\n' {
        line.insert(0, b'\n');
    }
    if let Err(err) = f.write_all(&line) {
        // A full disk may have taken part of the line: cut it off, so no torn line is left.
        let _ = f.set_len(len);
        return Err(err).with_context(|| format!("could not append to {}", path.display()));
    }
    Ok(rec)
}

/// Every event, oldest first; lines that are not JSON objects are skipped.
pub fn read_all(store: &Store) -> Result<Vec<Value>> {
    let path = store.events_path();
    let f = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("could not read {}", path.display())),
    };
    let mut out = Vec::new();
    for line in BufReader::new(f).lines() {
        let Ok(line) = line else { continue };
        if let Ok(v @ Value::Object(_)) = serde_json::from_str::<Value>(&line) {
            out.push(v);
        }
    }
    Ok(out)
}

/// Now, RFC 3339 in UTC with millisecond precision.
pub fn now_rfc3339() -> String {
    let now = jiff::Timestamp::now();
    now.round(jiff::Unit::Millisecond)
        .unwrap_or(now)
        .to_string()
}
