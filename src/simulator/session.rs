//! `<config>/sessions/<pid>.json`: the live-session file the real CLI keeps while it runs
//! (docs/real-claude-findings.md, a), rewritten atomically on each status change and removed on exit.

use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde_json::json;

pub struct LiveFile {
    /// An older release that keeps no such file.
    off: bool,
    path: PathBuf,
    pid: u32,
    session_id: String,
    cwd: String,
    started_at: i64,
    proc_start: Option<String>,
    tmux: Option<String>,
    busy: bool,
    status_updated_at: i64,
}

impl LiveFile {
    /// Writes the file (status `idle`). Failures are tolerated: the simulator keeps running,
    /// like the real CLI does when its config folder is read-only.
    pub fn create(config_dir: &Path, pid: u32, session_id: &str, cwd: &str) -> LiveFile {
        let now = Timestamp::now().as_millisecond();
        let f = LiveFile {
            off: super::older_release(config_dir),
            path: config_dir.join("sessions").join(format!("{pid}.json")),
            pid,
            session_id: session_id.to_string(),
            cwd: cwd.to_string(),
            started_at: now,
            proc_start: proc_start(pid),
            tmux: tmux_location(),
            busy: false,
            status_updated_at: now,
        };
        if !f.off {
            let _ = std::fs::create_dir_all(config_dir.join("sessions"));
        }
        f.write(now);
        f
    }

    pub fn set_busy(&mut self, busy: bool) {
        let now = Timestamp::now().as_millisecond();
        if busy != self.busy {
            self.busy = busy;
            self.status_updated_at = now;
        }
        self.write(now);
    }

    pub fn remove(&self) {
        let _ = std::fs::remove_file(&self.path);
    }

    fn write(&self, now: i64) {
        // Releases before 2.1.150 keep no session file.
        if self.off {
            return;
        }
        let mut v = json!({
            "pid": self.pid,
            "sessionId": self.session_id,
            "cwd": self.cwd,
            "startedAt": self.started_at,
            "version": super::screen::VERSION,
            "kind": "interactive",
            "entrypoint": "cli",
            "status": if self.busy { "busy" } else { "idle" },
            "updatedAt": now,
            "statusUpdatedAt": self.status_updated_at,
        });
        if let Some(p) = &self.proc_start {
            v["procStart"] = json!(p);
        }
        if let Some(t) = &self.tmux {
            v["tmux"] = json!(t);
        }
        let _ = crate::paths::write_atomic(&self.path, v.to_string().as_bytes());
    }
}

/// Field 22 of `/proc/<pid>/stat` (start time in clock ticks), which the real CLI records so
/// that a reused pid is not taken for this process.
fn proc_start(pid: u32) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces and parentheses: count from its end.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19).map(str::to_string)
}

/// `<session>:@<window>.%<pane>` of the pane this runs in, as the real CLI records it.
fn tmux_location() -> Option<String> {
    let pane = std::env::var("TMUX_PANE").ok().filter(|p| !p.is_empty())?;
    std::env::var_os("TMUX")?;
    let out = std::process::Command::new("tmux")
        .args([
            "display-message",
            "-p",
            "-t",
            &pane,
            "#{session_name}:#{window_id}.#{pane_id}",
        ])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let s = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (out.status.success() && !s.is_empty()).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_start_is_the_start_time_field() {
        let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
        let fields: Vec<&str> = stat.split_whitespace().collect();
        // This test's own command name has no spaces, so plain splitting finds field 22.
        assert_eq!(proc_start(std::process::id()).as_deref(), Some(fields[21]));
    }
}
