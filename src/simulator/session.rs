//! `<config>/sessions/<pid>.json`: the live-session file the real CLI keeps while it runs
//! (facts §8), rewritten atomically on each status change and removed on exit.

use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde_json::json;

pub struct LiveFile {
    path: PathBuf,
    pid: u32,
    session_id: String,
    cwd: String,
    started_at: i64,
    busy: bool,
    status_updated_at: i64,
}

impl LiveFile {
    /// Writes the file (status `idle`). Failures are tolerated: the simulator keeps running,
    /// like the real CLI does when its config folder is read-only.
    pub fn create(config_dir: &Path, pid: u32, session_id: &str, cwd: &str) -> LiveFile {
        let now = Timestamp::now().as_millisecond();
        let f = LiveFile {
            path: config_dir.join("sessions").join(format!("{pid}.json")),
            pid,
            session_id: session_id.to_string(),
            cwd: cwd.to_string(),
            started_at: now,
            busy: false,
            status_updated_at: now,
        };
        let _ = std::fs::create_dir_all(config_dir.join("sessions"));
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
        let v = json!({
            "pid": self.pid,
            "sessionId": self.session_id,
            "cwd": self.cwd,
            "startedAt": self.started_at,
            "kind": "interactive",
            "entrypoint": "cli",
            "status": if self.busy { "busy" } else { "idle" },
            "updatedAt": now,
            "statusUpdatedAt": self.status_updated_at,
        });
        let _ = crate::fsutil::write_atomic(&self.path, v.to_string().as_bytes());
    }
}
