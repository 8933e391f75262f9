//! The one way this program talks to tmux: a client process per batch of commands.
//!
//! Every call goes to the server of `$TMUX` unless `-L`/`-S` were given, runs under a timeout,
//! and turns "server gone" into an ordinary error, never a panic. Several commands are chained
//! with `;` in one client so that a tick costs one or two process spawns, not one per pane.

use std::ffi::OsString;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

/// How long one tmux client may take before it is killed. A healthy server answers in a few
/// milliseconds; a hung one must not hang the status line.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3);

/// The separator this program puts between fields in tmux formats: a control character that
/// neither paths nor option values normally hold, passed through by `display -p` unchanged.
pub const SEP: char = '\x1f';

#[derive(Clone, Debug, Default)]
pub struct Tmux {
    global: Vec<OsString>,
    timeout: Option<Duration>,
}

impl Tmux {
    pub fn from_flags(socket_name: Option<OsString>, socket_path: Option<PathBuf>) -> Tmux {
        let mut global = Vec::new();
        if let Some(name) = socket_name {
            global.push("-L".into());
            global.push(name);
        }
        if let Some(path) = socket_path {
            global.push("-S".into());
            global.push(path.into_os_string());
        }
        Tmux {
            global,
            timeout: None,
        }
    }

    /// The global flags (`-L NAME` / `-S PATH`) to repeat in commands that tmux runs later on
    /// our behalf (hooks, `run-shell`), so they reach the same server.
    pub fn global_flags(&self) -> &[OsString] {
        &self.global
    }

    /// Run one tmux command; returns its stdout.
    pub fn run<S: AsRef<str>>(&self, command: &[S]) -> Result<String> {
        self.batch(&[command])
    }

    /// Run several tmux commands in one client, chained with `;`. tmux stops at the first
    /// failing command, so callers put the ones that may fail last.
    pub fn batch<S: AsRef<str>, C: AsRef<[S]>>(&self, commands: &[C]) -> Result<String> {
        let mut args: Vec<OsString> = self.global.clone();
        for (i, command) in commands.iter().enumerate() {
            if i > 0 {
                args.push(";".into());
            }
            args.extend(command.as_ref().iter().map(|a| OsString::from(a.as_ref())));
        }
        let first = commands
            .first()
            .and_then(|c| c.as_ref().first().map(|s| s.as_ref().to_string()))
            .unwrap_or_default();
        self.exec(&args)
            .with_context(|| format!("tmux {first} failed"))
    }

    fn exec(&self, args: &[OsString]) -> Result<String> {
        let timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
        let mut child = Command::new("tmux")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .context("could not start tmux (is it installed and on PATH?)")?;
        let mut stdout = child.stdout.take().expect("stdout is piped");
        let mut stderr = child.stderr.take().expect("stderr is piped");
        // Read both pipes off-thread so a chatty command cannot block on a full pipe, and wake
        // up the moment tmux closes its output (it exits right after): polling would notice a
        // 4 ms client several ms late on every call.
        let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
        let out_reader = std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = stdout.read_to_end(&mut buf);
            let _ = done_tx.send(());
            buf
        });
        let err_reader = std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = stderr.read_to_end(&mut buf);
            buf
        });
        let deadline = Instant::now() + timeout;
        if done_rx.recv_timeout(timeout).is_err() {
            let _ = child.kill();
            let _ = child.wait();
            bail!("tmux did not answer within {} ms", timeout.as_millis());
        }
        // Output is closed; the process is exiting. Still bounded by the deadline.
        let status = loop {
            if let Some(status) = child.try_wait().context("waiting for tmux")? {
                break status;
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                bail!("tmux did not answer within {} ms", timeout.as_millis());
            }
            std::thread::sleep(Duration::from_micros(100));
        };
        let out = out_reader.join().unwrap_or_default();
        let err = err_reader.join().unwrap_or_default();
        if !status.success() {
            let msg = String::from_utf8_lossy(&err);
            let msg = msg.trim();
            if msg.is_empty() {
                bail!("tmux exited with {status}");
            }
            bail!("{msg}");
        }
        Ok(String::from_utf8_lossy(&out).into_owned())
    }
}
