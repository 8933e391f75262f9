//! Hooks, run as Claude Code 2.1.332 runs them: from every settings source (the account's
//! `settings.json`, `--settings <file or JSON>`, `<cwd>/.claude/settings.local.json`, managed
//! settings), `matcher` on the event's field (`error` for StopFailure, `source` for
//! SessionStart), each command through `sh -c` with the payload on stdin, fire-and-forget.
//! `--bare` runs none.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::{json, Value};

use super::Ctx;

/// An event and its payload fields beyond the common ones.
pub enum Event<'a> {
    SessionStart {
        source: &'a str,
    },
    Stop {
        last_message: &'a str,
    },
    StopFailure {
        error: &'a str,
        last_message: &'a str,
    },
}

impl Event<'_> {
    fn name(&self) -> &'static str {
        match self {
            Event::SessionStart { .. } => "SessionStart",
            Event::Stop { .. } => "Stop",
            Event::StopFailure { .. } => "StopFailure",
        }
    }

    /// What `matcher` is held against.
    fn matched(&self) -> Option<&str> {
        match self {
            Event::SessionStart { source } => Some(source),
            Event::StopFailure { error, .. } => Some(error),
            Event::Stop { .. } => None,
        }
    }
}

/// Start every hook for `event`; returns how many were started.
pub fn fire(ctx: &Ctx, session_id: &str, transcript: &std::path::Path, event: Event) -> usize {
    if ctx.bare {
        return 0;
    }
    let mut payload = json!({
        "session_id": session_id,
        "transcript_path": transcript.to_string_lossy(),
        "cwd": ctx.cwd,
        "hook_event_name": event.name(),
    });
    match &event {
        Event::SessionStart { source } => {
            payload["source"] = json!(source);
            payload["model"] = json!("claude-sonnet-5-5");
        }
        Event::Stop { last_message } => {
            payload["permission_mode"] = json!("default");
            payload["stop_hook_active"] = json!(false);
            payload["last_assistant_message"] = json!(last_message);
        }
        Event::StopFailure {
            error,
            last_message,
        } => {
            payload["prompt_id"] = json!(super::uuid_v4());
            payload["effort"] = json!({"level": "medium"});
            payload["error"] = json!(error);
            payload["last_assistant_message"] = json!(last_message);
        }
    }
    let data = format!("{payload}");
    let mut started = 0;
    for command in commands(ctx, &event) {
        let child = Command::new("/bin/sh")
            .arg("-c")
            .arg(&command)
            .current_dir(&ctx.cwd)
            .env("CLAUDE_PROJECT_DIR", &ctx.cwd)
            .env("CLAUDE_CODE_SESSION_ID", session_id)
            .env("CLAUDE_PID", ctx.pid.to_string())
            .env("CLAUDECODE", "1")
            .env(
                "CLAUDE_CODE_ENTRYPOINT",
                if ctx.print { "sdk-cli" } else { "cli" },
            )
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let Ok(mut child) = child else { continue };
        started += 1;
        let data = data.clone();
        // Fire-and-forget: output and exit code are ignored; a thread feeds and reaps it.
        let _ = std::thread::Builder::new()
            .name("hook".into())
            .spawn(move || {
                if let Some(mut stdin) = child.stdin.take() {
                    let _ = stdin.write_all(data.as_bytes());
                }
                let _ = child.wait();
            });
    }
    started
}

/// Claude Code 2.1.332's order at the end of a turn: an API error fires `StopFailure` and its
/// transcript record is written about 0.1 s after the hook started; a reply is written, then
/// `Stop` fires.
pub fn after_reply(
    ctx: &Ctx,
    t: &mut super::records::Transcript,
    reply: &super::outcome::Reply,
) -> std::io::Result<()> {
    use super::outcome::Reply;
    match reply {
        Reply::ApiError { error, text, .. } => {
            let fired = fire(
                ctx,
                &t.session_id,
                &t.path,
                Event::StopFailure {
                    error,
                    last_message: text,
                },
            );
            if fired > 0 {
                std::thread::sleep(RECORD_AFTER_HOOK);
            }
            t.append_reply(reply)
        }
        Reply::Text(text) => {
            let written = t.append_reply(reply);
            fire(
                ctx,
                &t.session_id,
                &t.path,
                Event::Stop { last_message: text },
            );
            written
        }
    }
}

/// How long after the StopFailure hook starts the real CLI writes the error's record.
const RECORD_AFTER_HOOK: std::time::Duration = std::time::Duration::from_millis(100);

/// The commands of every source's entries for this event whose matcher matches.
fn commands(ctx: &Ctx, event: &Event) -> Vec<String> {
    let mut out = Vec::new();
    for settings in sources(ctx) {
        let Some(entries) = settings["hooks"][event.name()].as_array() else {
            continue;
        };
        for entry in entries {
            let matcher = entry["matcher"].as_str().unwrap_or("");
            if !matches(matcher, event.matched()) {
                continue;
            }
            for hook in entry["hooks"].as_array().into_iter().flatten() {
                if hook["type"] == "command" {
                    if let Some(c) = hook["command"].as_str() {
                        out.push(c.to_string());
                    }
                }
            }
        }
    }
    out
}

/// Empty or `*` matches all; a plain word list (`a|b`) matches exactly; else a regex.
fn matches(matcher: &str, value: Option<&str>) -> bool {
    if matcher.is_empty() || matcher == "*" {
        return true;
    }
    let Some(value) = value else {
        return true;
    };
    if matcher
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '|')
    {
        return matcher.split('|').any(|m| m == value);
    }
    regex::Regex::new(matcher).is_ok_and(|r| r.is_match(value))
}

fn sources(ctx: &Ctx) -> Vec<Value> {
    let mut files: Vec<PathBuf> = vec![ctx.config_dir.join("settings.json")];
    let mut inline = Vec::new();
    if let Some(s) = &ctx.settings_arg {
        if s.trim_start().starts_with('{') {
            inline.extend(serde_json::from_str::<Value>(s).ok());
        } else {
            files.push(PathBuf::from(&ctx.cwd).join(s));
        }
    }
    files.push(PathBuf::from(&ctx.cwd).join(".claude/settings.local.json"));
    let managed = PathBuf::from("/etc/claude-code");
    files.push(managed.join("managed-settings.json"));
    let mut dropins: Vec<PathBuf> = std::fs::read_dir(managed.join("managed-settings.d"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    dropins.sort();
    files.extend(dropins);
    let mut out: Vec<Value> = files
        .iter()
        .filter_map(|f| std::fs::read(f).ok())
        .filter_map(|b| serde_json::from_slice(&b).ok())
        .collect();
    out.extend(inline);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matchers() {
        assert!(matches("", Some("x")));
        assert!(matches("*", Some("x")));
        assert!(matches("rate_limit", Some("rate_limit")));
        assert!(!matches("rate_limit", Some("server_error")));
        assert!(matches("server_error|rate_limit", Some("rate_limit")));
        assert!(matches("rate_.*", Some("rate_limit")));
        assert!(!matches("rate_limit", Some("rate_limit_x")));
    }
}
