//! The statusLine: like the real CLI, run the command of `<config>/settings.json`'s
//! `statusLine` (`{"type":"command","command":"…"}`) through `sh -c` at start-up and after each
//! turn, with the session as JSON on stdin, and show the first lines it prints under the prompt
//! box. `rate_limits` comes from `<config>/sim-usage` (the object as Claude gives it) and, as in
//! the real CLI, only once this process has had a response.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::screen::VERSION;
use super::Ctx;

/// A statusLine command that takes longer is killed and shows nothing.
const TIMEOUT: Duration = Duration::from_secs(5);
/// Lines of its output shown.
const MAX_LINES: usize = 3;

/// The configured statusLine command, if any.
pub fn command(ctx: &Ctx) -> Option<String> {
    let text = std::fs::read_to_string(ctx.config_dir.join("settings.json")).ok()?;
    let v: Value = serde_json::from_str(&text).ok()?;
    let line = v.get("statusLine")?;
    if line.get("type").and_then(Value::as_str) != Some("command") {
        return None;
    }
    let cmd = line.get("command")?.as_str()?;
    (!cmd.trim().is_empty()).then(|| cmd.to_string())
}

/// The input the real CLI gives its statusLine command (2.1.332's shape).
pub fn input(ctx: &Ctx, session_id: &str, transcript: &str, responded: bool) -> String {
    let mut v = json!({
        "hook_event_name": "Status",
        "session_id": session_id,
        "transcript_path": transcript,
        "cwd": ctx.cwd,
        "model": {"id": "claude-sonnet-5-5", "display_name": "Sonnet 5.5"},
        "workspace": {"current_dir": ctx.cwd, "project_dir": ctx.cwd},
        "version": VERSION,
        "output_style": {"name": "default"},
        "cost": {"total_cost_usd": 0.0, "total_duration_ms": 0, "total_api_duration_ms": 0,
                 "total_lines_added": 0, "total_lines_removed": 0},
        "exceeds_200k_tokens": false,
    });
    if responded {
        if let Some(limits) = std::fs::read_to_string(ctx.config_dir.join("sim-usage"))
            .ok()
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
            .filter(Value::is_object)
        {
            v["rate_limits"] = limits;
        }
    }
    v.to_string()
}

/// Run `command` with `input` on stdin; the first lines of what it printed (none when it fails
/// to start or takes too long).
pub fn run(command: &str, input: &str) -> Vec<String> {
    let Ok(mut child) = Command::new("/bin/sh")
        .arg("-c")
        .arg(command)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
    else {
        return Vec::new();
    };
    if let Some(mut stdin) = child.stdin.take() {
        let data = input.as_bytes().to_vec();
        std::thread::spawn(move || {
            let _ = stdin.write_all(&data);
        });
    }
    let reader = child.stdout.take().map(|mut out| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = (&mut out).take(64 * 1024).read_to_end(&mut buf);
            buf
        })
    });
    let deadline = Instant::now() + TIMEOUT;
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return Vec::new();
            }
        }
    }
    let bytes = reader.and_then(|r| r.join().ok()).unwrap_or_default();
    String::from_utf8_lossy(&bytes)
        .lines()
        .take(MAX_LINES)
        .map(str::to_string)
        .collect()
}
