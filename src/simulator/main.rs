//! `claude-sim`: a stand-in for the Claude Code CLI 2.1.332, run under the name `claude` (a
//! symlink). It shares no code with `claude-failover`, so a mistake in the product's reading of
//! Claude's files cannot hide in the test double too. The demo and the tests run it in tmux panes: it draws the real
//! screens, keeps the real files (transcripts, `sessions/<pid>.json`) and answers each turn as
//! the account's `sim-mode` file says (ok, usage limits, server errors, ...).
//! See docs/simulator.md for how to drive it.

mod app;
mod args;
mod hooks;
mod outcome;
mod paths;
mod records;
mod reset;
mod screen;
mod session;
mod statusline;
mod term;

use std::fs::OpenOptions;
use std::hash::{BuildHasher, Hasher};
use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde_json::json;

use outcome::{outcome, Clock, Mode, Reply};
use paths::{is_session_id, slug, transcript_path};
use records::{Replay, Transcript};

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let args = args::parse(&argv);
    let mut ctx = Ctx::from_env();
    ctx.settings_arg = args.settings.clone();
    ctx.bare = args.bare;
    ctx.print = args.print;
    log_launch(&ctx, &argv, &args);
    if args.version {
        out(&format!("{} (Claude Code)\n", screen::VERSION));
        return ExitCode::SUCCESS;
    }
    if args.help {
        out(HELP);
        return ExitCode::SUCCESS;
    }
    let start = match resolve(&ctx, &args) {
        Ok(s) => s,
        Err(msg) => {
            let _ = writeln!(std::io::stderr(), "{msg}");
            return ExitCode::from(1);
        }
    };
    if args.print {
        return print_mode(&ctx, start, args.prompt);
    }
    app::run(ctx, start, args.prompt)
}

const HELP: &str = "Usage: claude [options] [prompt]\n\n\
Claude Code simulator (claude-sim). Understood: -r/--resume <id>, -c/--continue,\n\
--session-id <uuid>, -p/--print, -v/--version; other options are accepted and ignored.\n\
Driven by files in the config folder: sim-mode, sim-delay-ms, sim-hold, sim-reset, sim-release.\n";

/// Where and as whom this process runs.
pub struct Ctx {
    pub config_dir: PathBuf,
    pub cwd: String,
    pub home: Option<String>,
    pub pid: u32,
    pub tz: TimeZone,
    /// `--settings`, `--bare`, `-p`: for hooks.
    pub settings_arg: Option<String>,
    pub bare: bool,
    pub print: bool,
}

impl Ctx {
    fn from_env() -> Ctx {
        let home = std::env::var("HOME").ok().filter(|h| !h.is_empty());
        let config_dir = match std::env::var_os("CLAUDE_CONFIG_DIR") {
            Some(d) if !d.is_empty() => PathBuf::from(d),
            _ => PathBuf::from(home.clone().unwrap_or_default()).join(".claude"),
        };
        let cwd = std::env::current_dir()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_else(|_| "/".to_string());
        Ctx {
            config_dir,
            cwd,
            home,
            pid: std::process::id(),
            tz: TimeZone::system(),
            settings_arg: None,
            bare: false,
            print: false,
        }
    }

    fn read_setting(&self, name: &str) -> Option<String> {
        std::fs::read_to_string(self.config_dir.join(name))
            .ok()
            .map(|s| s.trim().to_string())
    }

    /// The account's current mode (`sim-mode`, read at every turn like a live quota), and the
    /// text of the file when it names no known mode.
    fn mode(&self) -> (Mode, Option<String>) {
        match self.read_setting("sim-mode") {
            None => (Mode::Ok, None),
            Some(s) if s.is_empty() => (Mode::Ok, None),
            Some(s) => match Mode::parse(&s) {
                Some(m) => (m, None),
                None => (Mode::Ok, Some(s)),
            },
        }
    }

    fn delay(&self) -> Duration {
        let ms = self
            .read_setting("sim-delay-ms")
            .and_then(|s| s.parse::<u64>().ok())
            .or_else(|| {
                std::env::var("CLAUDE_SIM_DELAY_MS")
                    .ok()
                    .and_then(|s| s.trim().parse().ok())
            })
            .unwrap_or(200);
        Duration::from_millis(ms.min(3_600_000))
    }

    fn reset(&self, now: Timestamp) -> Timestamp {
        self.read_setting("sim-reset")
            .and_then(|s| s.parse::<i64>().ok())
            .and_then(|s| Timestamp::from_second(s).ok())
            .unwrap_or_else(|| reset::default_reset(now))
    }

    fn transcript_path(&self, session_id: &str) -> PathBuf {
        transcript_path(&self.config_dir, &self.cwd, session_id)
    }
}

/// The session this launch works on.
pub struct Start {
    pub transcript: Transcript,
    pub replay: Replay,
}

fn resolve(ctx: &Ctx, args: &args::Args) -> Result<Start, String> {
    let (id, resumed) = if let Some(resume) = &args.resume {
        let Some(id) = resume else {
            return Err(
                "Error: --resume without a session ID opens a session picker, which the \
                        simulator does not have; pass the session ID"
                    .to_string(),
            );
        };
        if !is_session_id(id) {
            let print = if args.print {
                " when used with --print. Usage: claude -p --resume <session-id|title>"
            } else {
                ""
            };
            return Err(format!(
                "Error: --resume requires a valid session ID or session title{print}. Provided \
                 value \"{id}\" is not a UUID and does not match any session title."
            ));
        }
        (id.clone(), true)
    } else if args.continue_last {
        let dir = ctx.config_dir.join("projects").join(slug(&ctx.cwd));
        match records::newest_in(&dir) {
            Some((id, _)) => (id, true),
            None => return Err("No conversation found to continue".to_string()),
        }
    } else if let Some(id) = &args.session_id {
        if !is_session_id(id) {
            return Err("Error: Invalid session ID. Must be a valid UUID.".to_string());
        }
        if ctx.transcript_path(id).exists() {
            return Err(format!("Error: Session ID {id} is already in use."));
        }
        (id.clone(), false)
    } else {
        (uuid_v4(), false)
    };
    let path = ctx.transcript_path(&id);
    let mut replay = Replay::default();
    if resumed {
        let text = std::fs::read(&path)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        replay = records::replay(&text, &ctx.tz);
        if replay.messages == 0 {
            return Err(format!("No conversation found with session ID: {id}"));
        }
    }
    // Releases up to 2.0.0 fork a resumed conversation: its history is copied into a new
    // transcript, under a new id, and the new turns go there.
    let (path, id) = if resumed && older_release(&ctx.config_dir) {
        let fork = uuid_v4();
        let fork_path = ctx.transcript_path(&fork);
        let history = std::fs::read(&path).unwrap_or_default();
        std::fs::write(&fork_path, history)
            .map_err(|e| format!("could not write {}: {e}", fork_path.display()))?;
        (fork_path, fork)
    } else {
        (path, id)
    };
    Ok(Start {
        transcript: Transcript {
            path,
            session_id: id,
            cwd: ctx.cwd.clone(),
            last_uuid: replay.last_uuid.clone(),
            untagged: older_release(&ctx.config_dir),
        },
        replay,
    })
}

/// `-p`: one turn, its answer (or the error text) on stdout; exit 1 on an API error.
fn print_mode(ctx: &Ctx, mut start: Start, prompt: Option<String>) -> ExitCode {
    let prompt = match prompt {
        Some(p) => p,
        None if !std::io::stdin().is_terminal() => {
            let mut s = String::new();
            let _ = std::io::stdin().read_to_string(&mut s);
            s.trim_end_matches('\n').to_string()
        }
        None => String::new(),
    };
    if prompt.trim().is_empty() {
        let _ = writeln!(
            std::io::stderr(),
            "Error: Input must be provided either through stdin or as a prompt argument when using --print"
        );
        return ExitCode::from(1);
    }
    let (mode, _) = ctx.mode();
    let t = &mut start.transcript;
    let _ = t.append_user(&prompt);
    std::thread::sleep(ctx.delay());
    let now = Timestamp::now();
    let clock = Clock {
        reset: ctx.reset(now),
        now,
        tz: &ctx.tz,
    };
    let o = outcome(mode, &prompt, &clock, false);
    let _ = hooks::after_reply(ctx, t, &o.reply);
    out(&format!("{}\n", o.reply.text()));
    match o.reply {
        Reply::Text(_) => ExitCode::SUCCESS,
        Reply::ApiError { .. } => ExitCode::from(1),
    }
}

/// Appends `{"ts","pid","args","config_dir","config_dir_env","cwd","resume"}` to `$CLAUDE_SIM_LOG`, so tests
/// and the demo can see every (re)launch and its arguments.
fn log_launch(ctx: &Ctx, argv: &[String], args: &args::Args) {
    let Some(path) = std::env::var_os("CLAUDE_SIM_LOG").filter(|p| !p.is_empty()) else {
        return;
    };
    let line = json!({
        "ts": records::iso_now(),
        "pid": ctx.pid,
        "args": argv,
        "config_dir": ctx.config_dir.to_string_lossy(),
        // Exactly as set (null when unset): the real CLI keys its macOS login on this string.
        "config_dir_env": std::env::var_os("CLAUDE_CONFIG_DIR").map(|d| d.to_string_lossy().into_owned()),
        "cwd": ctx.cwd,
        "resume": args.resume.clone().flatten(),
    });
    if let Ok(mut f) = OpenOptions::new().create(true).append(true).open(path) {
        let _ = f.write_all(format!("{line}\n").as_bytes());
    }
}

/// Writes to stdout, ignoring failures (a closed pane must not make the simulator panic).
fn out(s: &str) {
    let mut o = std::io::stdout().lock();
    let _ = o.write_all(s.as_bytes());
    let _ = o.flush();
}

/// The account's `sim-release` file says `1.0`: behave like releases up to 2.0.0, which write
/// their API-error records with no `error`, `apiError` or status (the text is all there is),
/// keep no `sessions/<pid>.json`, and fork a conversation into a new transcript on `--resume`.
pub fn older_release(config_dir: &std::path::Path) -> bool {
    std::fs::read_to_string(config_dir.join("sim-release")).is_ok_and(|s| s.trim() == "1.0")
}

/// A random (version 4) UUID from /dev/urandom; std's randomly keyed hasher stands in when
/// that cannot be read.
pub fn uuid_v4() -> String {
    let mut b = [0u8; 16];
    let read = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut b));
    if read.is_err() {
        static N: AtomicU64 = AtomicU64::new(0);
        for (i, chunk) in b.chunks_mut(8).enumerate() {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u64(N.fetch_add(1, Ordering::Relaxed) ^ i as u64);
            h.write_u128(Timestamp::now().as_nanosecond() as u128);
            chunk.copy_from_slice(&h.finish().to_le_bytes());
        }
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_canonical_v4_and_differ() {
        let a = uuid_v4();
        assert!(is_session_id(&a), "{a}");
        assert_eq!(&a[14..15], "4");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"));
        assert_ne!(a, uuid_v4());
    }
}
