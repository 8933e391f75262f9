//! The persistent state: what no resident process remembers for us between invocations.
//!
//! One JSON file written atomically, guarded by one lock file (separate from the data, so the
//! data file can be replaced by rename while the lock is held). Every read-modify-write holds
//! the lock; a write happens only when the state really changed.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use fs2::FileExt;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::events;
use crate::fsutil;

pub const STATE_VERSION: u32 = 1;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct State {
    pub version: u32,
    /// The account new panes and swapped panes use; `None` until first seen (then the first).
    pub active: Option<String>,
    pub accounts: BTreeMap<String, AccountState>,
    pub cooldown_until: Option<Timestamp>,
    pub last_swap: Option<SwapSummary>,
    /// Keyed by tmux pane id (`%12`).
    pub panes: BTreeMap<String, PaneState>,
    /// A swap in progress: written before any pane is touched, removed when all are done.
    pub journal: Option<Journal>,
    /// Last known session id of each declared session (`@claude-failover-sessions`), by name.
    pub declared: BTreeMap<String, String>,
    /// `all-exhausted` warning: set when no account was left to swap to.
    pub all_exhausted_since: Option<Timestamp>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AccountState {
    pub exhausted_until: Option<Timestamp>,
    pub exhausted_kind: Option<String>,
    pub exhausted_line: Option<String>,
    /// When its recorded usage reached `@claude-failover-preempt`; cleared when it falls well
    /// under it again or its window resets (the hysteresis that keeps preemption from flapping).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub over_threshold: Option<Timestamp>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SwapSummary {
    pub at: Option<Timestamp>,
    pub from: String,
    pub to: String,
    pub reason: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PaneState {
    /// tmux session name, for display.
    pub session: String,
    pub account: Option<String>,
    pub session_id: Option<String>,
    pub cwd: Option<String>,
    /// `claude` process id and its start time: together they say whether the process we see is
    /// the one we saw before.
    pub pid: Option<u32>,
    pub started_at: Option<Timestamp>,
    pub state: PaneStatus,
    /// A limit seen and not yet confirmed (or confirmed and waiting for the pane to go idle).
    pub pending: Option<Pending>,
    /// Deciding lines that are replays: on screen (or in the transcript) before the pane's
    /// current process started. They never count again for this process.
    pub stale: Vec<String>,
    /// When we last restarted this pane.
    pub restarted_at: Option<Timestamp>,
    /// Set after a swap when the pane was busy: restart it on this account once idle.
    pub restart_to: Option<String>,
    /// The session's transcript and its length before the last capture: a pane whose
    /// transcript has not grown since is not captured (see `idle_poll`).
    pub transcript: Option<PathBuf>,
    pub transcript_len: Option<u64>,
    /// Why the last restart of this pane failed (state `restart-failed`).
    pub restart_error: Option<String>,
    /// The Claude process found at the last poll, for the next one to check at a glance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seen: Option<crate::panes::Seen>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Pending {
    pub line: String,
    pub kind: Option<String>,
    pub resets_at: Option<Timestamp>,
    pub polls: u32,
    pub first_seen: Option<Timestamp>,
    pub last_counted: Option<Timestamp>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Journal {
    /// Identifies the swap; the `swap` event carries it so a resumed journal never logs twice.
    pub id: String,
    pub started: Option<Timestamp>,
    pub from: String,
    pub to: String,
    pub reason: String,
    pub panes: Vec<JournalPane>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct JournalPane {
    pub pane: String,
    pub session_id: Option<String>,
    pub cwd: Option<String>,
    pub done: bool,
    pub outcome: Option<Outcome>,
    /// The pane's own Claude options (read from its process), kept across the restart.
    pub args: Vec<String>,
}

/// Declares a string enum: each variant with its spelling in `state.json` (and events), and a
/// catch-all `Other` that keeps a spelling this release does not know (a newer release wrote
/// it), so an unknown word never fails the whole state.
macro_rules! spelled {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $spelling:literal,)* }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(from = "String", into = "String")]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
            /// A spelling this release does not know, kept as read.
            Other(String),
        }

        impl $name {
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $spelling,)*
                    $name::Other(s) => s,
                }
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                match s.as_str() {
                    $($spelling => $name::$variant,)*
                    _ => $name::Other(s),
                }
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                match v {
                    $name::Other(s) => s,
                    v => v.as_str().to_string(),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

spelled! {
    /// What a Claude pane is doing, as the last poll (or restart) left it.
    PaneStatus {
        /// Not looked at yet (written as an empty string).
        #[default]
        Unseen = "",
        Idle = "idle",
        Busy = "busy",
        /// A usage limit seen, not yet confirmed across polls.
        Confirming = "confirming",
        /// A usage limit confirmed.
        Limited = "limited",
        ServerError = "server-error",
        /// A swap waits for this busy pane to finish its turn (`restart_to`).
        WaitingIdle = "waiting-idle",
        /// Restarted without a valid session id: a message says how to resume.
        ResumeNeeded = "resume-needed",
        Exited = "exited",
        /// Restarted: launched, its Claude not yet seen.
        Resumed = "resumed",
        /// Restarted and its Claude seen starting.
        Running = "running",
        /// The restart failed (`restart_error` says why).
        RestartFailed = "restart-failed",
    }
}

spelled! {
    /// What a swap did with one pane of its journal (also in the `swap` event).
    Outcome {
        #[default]
        Resumed = "resumed",
        /// Restarted with a new conversation: the session never had a turn.
        Fresh = "fresh",
        /// No valid session id: a shell with a message.
        Shell = "shell",
        /// Busy: restarted once idle.
        Deferred = "deferred",
        /// The pane vanished.
        Gone = "gone",
        /// Claude no longer ran there: left alone.
        NotClaude = "not-claude",
        RestartFailed = "restart-failed",
    }
}

/// Where state lives: `$CLAUDE_FAILOVER_STATE_DIR`, else `$XDG_STATE_HOME/claude-failover`, else
/// `~/.local/state/claude-failover`.
pub fn state_dir() -> Result<PathBuf> {
    if let Some(d) = std::env::var_os("CLAUDE_FAILOVER_STATE_DIR").filter(|d| !d.is_empty()) {
        return Ok(crate::accounts::normalize(&absolute(PathBuf::from(d))?));
    }
    if let Some(d) = std::env::var_os("XDG_STATE_HOME").filter(|d| !d.is_empty()) {
        let d = PathBuf::from(d);
        // The XDG spec says relative values are invalid and must be ignored.
        if d.is_absolute() {
            return Ok(d.join("claude-failover"));
        }
    }
    Ok(crate::accounts::home()?.join(".local/state/claude-failover"))
}

fn absolute(p: PathBuf) -> Result<PathBuf> {
    if p.is_absolute() {
        Ok(p)
    } else {
        Ok(std::env::current_dir()?.join(p))
    }
}

pub struct Store {
    pub dir: PathBuf,
}

/// The state read under the lock; `commit` writes it back if it changed. The lock is released
/// when this is dropped.
pub struct Locked<'a> {
    pub store: &'a Store,
    pub state: State,
    original: State,
    _lock: File,
}

impl Store {
    /// Find (and create, 0700) the state folder.
    pub fn open() -> Result<Store> {
        let dir = state_dir()?;
        fsutil::private_dir(&dir)
            .with_context(|| format!("the state folder {} is unusable", dir.display()))?;
        Ok(Store { dir })
    }

    pub fn state_path(&self) -> PathBuf {
        self.dir.join("state.json")
    }

    pub fn lock_path(&self) -> PathBuf {
        self.dir.join("lock")
    }

    pub fn events_path(&self) -> PathBuf {
        self.dir.join("events.jsonl")
    }

    /// A snapshot without the lock, for read-only commands. A damaged file reads as a fresh
    /// state here; the next locked access keeps it aside and reports it.
    pub fn read(&self) -> State {
        let path = self.state_path();
        let Ok(Some(bytes)) = read_bytes(&path) else {
            return fresh();
        };
        match parse_state(&path, &bytes) {
            Ok(state) => state,
            Err(_) => fresh(),
        }
    }

    /// Take the lock (waiting for other invocations) and read the state. A wait longer than a
    /// second is said on stderr: a person typed this command, and a long swap or a stuck
    /// process holding the lock would otherwise look like a hang.
    pub fn lock(&self) -> Result<Locked<'_>> {
        if let Some(locked) = self.lock_within(std::time::Duration::from_secs(1))? {
            return Ok(locked);
        }
        eprintln!(
            "claude-failover: waiting for another claude-failover run to finish (it holds {})",
            self.lock_path().display()
        );
        let lock = fsutil::open_private(&self.lock_path())?;
        lock.lock_exclusive()
            .with_context(|| format!("could not lock {}", self.lock_path().display()))?;
        self.read_locked(lock)
    }

    /// Take the lock if it comes within `wait`, and read the state; `None` when another
    /// invocation (a long swap, a stuck process) still holds it by then.
    pub fn lock_within(&self, wait: std::time::Duration) -> Result<Option<Locked<'_>>> {
        let lock = fsutil::open_private(&self.lock_path())?;
        let taken = fsutil::lock_within(&lock, wait)
            .with_context(|| format!("could not lock {}", self.lock_path().display()))?;
        if !taken {
            return Ok(None);
        }
        self.read_locked(lock).map(Some)
    }

    fn read_locked(&self, lock: File) -> Result<Locked<'_>> {
        let path = self.state_path();
        let read = read_bytes(&path).and_then(|bytes| match bytes {
            Some(bytes) => parse_state(&path, &bytes).map(Some),
            None => Ok(None),
        });
        let state = match read {
            Ok(Some(s)) => s,
            Ok(None) => fresh(),
            Err(err) => {
                let aside = fsutil::aside_path(&path, "corrupt");
                fs::rename(&path, &aside).with_context(|| {
                    format!("could not move the damaged {} aside", path.display())
                })?;
                let msg = format!(
                    "the state file was damaged ({err:#}); kept it as {} and started afresh",
                    aside.display()
                );
                eprintln!("claude-failover: {msg}");
                events::append(
                    self,
                    &events::Event::StateCorrupt {
                        kept_as: aside.display().to_string(),
                        error: format!("{err:#}"),
                    },
                );
                fresh()
            }
        };
        Ok(Locked {
            store: self,
            original: state.clone(),
            state,
            _lock: lock,
        })
    }
}

impl Locked<'_> {
    /// Write the state back if (and only if) it changed.
    pub fn commit(&mut self) -> Result<bool> {
        if self.state == self.original {
            return Ok(false);
        }
        let mut data = serde_json::to_vec_pretty(&self.state).context("encoding the state")?;
        data.push(b'\n');
        fsutil::write_atomic(&self.store.state_path(), &data)
            .context("could not save the state")?;
        self.original = self.state.clone();
        Ok(true)
    }
}

pub fn fresh() -> State {
    State {
        version: STATE_VERSION,
        ..State::default()
    }
}

/// The bytes of the state file: `Ok(None)` when there is none yet, `Err` when something that
/// is not a regular file sits there.
fn read_bytes(path: &Path) -> Result<Option<Vec<u8>>> {
    match fsutil::read_regular(path, fsutil::Links::Refuse, MAX_STATE_BYTES) {
        Ok(data) => Ok(Some(data)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("could not read {}", path.display())),
    }
}

/// A state file is a few KB per pane; anything near this is not ours.
const MAX_STATE_BYTES: u64 = 64 << 20;

fn parse_state(path: &Path, data: &[u8]) -> Result<State> {
    let state: State = serde_json::from_slice(data)
        .with_context(|| format!("{} is not valid state JSON", path.display()))?;
    if state.version > STATE_VERSION {
        anyhow::bail!(
            "{} has version {}, newer than this program understands ({STATE_VERSION})",
            path.display(),
            state.version
        );
    }
    Ok(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Old files load; a spelling from a newer release loads too, and is written back as read.
    #[test]
    fn pane_states_and_outcomes_keep_their_spellings() {
        let json = r#"{"version":1,"panes":{"%1":{"state":"waiting-idle"},"%2":{"state":"dreaming"},"%3":{}},
            "journal":{"id":"j","panes":[{"pane":"%1","outcome":"not-claude"},{"pane":"%2","outcome":"teleported"}]}}"#;
        let st: State = serde_json::from_str(json).unwrap();
        assert_eq!(st.panes["%1"].state, PaneStatus::WaitingIdle);
        assert_eq!(st.panes["%2"].state, PaneStatus::Other("dreaming".into()));
        assert_eq!(st.panes["%3"].state, PaneStatus::Unseen);
        let j = st.journal.as_ref().unwrap();
        assert_eq!(j.panes[0].outcome, Some(Outcome::NotClaude));
        let back = serde_json::to_value(&st).unwrap();
        assert_eq!(back["panes"]["%1"]["state"], "waiting-idle");
        assert_eq!(back["panes"]["%2"]["state"], "dreaming");
        assert_eq!(back["panes"]["%3"]["state"], "");
        assert_eq!(back["journal"]["panes"][1]["outcome"], "teleported");
        for s in [
            "idle",
            "busy",
            "confirming",
            "limited",
            "server-error",
            "resume-needed",
            "exited",
            "resumed",
            "running",
            "restart-failed",
        ] {
            assert_eq!(PaneStatus::from(s.to_string()).as_str(), s);
            assert!(
                !matches!(PaneStatus::from(s.to_string()), PaneStatus::Other(_)),
                "{s}"
            );
        }
    }

    fn store(name: &str) -> Store {
        let dir = std::env::temp_dir().join(format!("cf-state-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fsutil::private_dir(&dir).unwrap();
        Store { dir }
    }

    #[test]
    fn the_locked_read_sees_a_change_made_after_the_unlocked_one() {
        let store = store("reread");
        let mut locked = store.lock().unwrap();
        locked.state.active = Some("a".into());
        locked.commit().unwrap();
        drop(locked);
        assert_eq!(store.read().active.as_deref(), Some("a"));
        // Another invocation writes between our unlocked read and our lock.
        let other = Store {
            dir: store.dir.clone(),
        };
        let mut theirs = other.lock().unwrap();
        theirs.state.active = Some("b".into());
        theirs.commit().unwrap();
        drop(theirs);
        assert_eq!(store.lock().unwrap().state.active.as_deref(), Some("b"));
        let _ = fs::remove_dir_all(&store.dir);
    }
}
