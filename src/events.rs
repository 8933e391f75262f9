//! `events.jsonl`: an append-only log, one JSON object a line with `ts` and `event`.

use std::io::{BufRead, BufReader, Write};

use anyhow::{Context, Result};
use serde_json::{Map, Value};

use crate::fsutil;
use crate::state::Store;

/// Append one event. Logging must never take a tick down: a failure is reported on stderr and
/// otherwise ignored.
pub fn append(store: &Store, event: &str, fields: Value) {
    if let Err(err) = try_append(store, event, fields) {
        eprintln!("claude-failover: could not log the `{event}` event: {err:#}");
    }
}

pub fn record(event: &str, fields: Value) -> Value {
    let mut obj = Map::new();
    obj.insert(
        "ts".into(),
        Value::String(
            jiff::Timestamp::now()
                .round(jiff::Unit::Millisecond)
                .unwrap_or(jiff::Timestamp::now())
                .to_string(),
        ),
    );
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

pub fn try_append(store: &Store, event: &str, fields: Value) -> Result<Value> {
    let rec = record(event, fields);
    let mut line = serde_json::to_vec(&rec)?;
    line.push(b'\n');
    let path = store.events_path();
    let mut f = fsutil::open_append(&path)?;
    // One write call per line: O_APPEND keeps concurrent writers' lines whole.
    f.write_all(&line)
        .with_context(|| format!("could not append to {}", path.display()))?;
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
