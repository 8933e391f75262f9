//! The one way this program talks to tmux: one client per batch of commands.
//!
//! Every call goes to the server of `$TMUX` unless `-L`/`-S` were given, runs under a timeout,
//! and turns "server gone" into an ordinary error, never a panic. Several commands are chained
//! with `;` in one client so that a tick costs one client, not one per pane. Read-only batches
//! (`query`) go straight to the server's socket (`socket.rs`) and fall back to a `tmux`
//! process; anything that changes tmux always runs through the `tmux` binary.

pub mod command;
mod socket;

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

/// `global` then the commands, separated by `;` words: a `tmux` command line.
fn chain<S: AsRef<str>, C: AsRef<[S]>>(global: &[OsString], commands: &[C]) -> Vec<OsString> {
    let mut args: Vec<OsString> = global.to_vec();
    for (i, command) in commands.iter().enumerate() {
        if i > 0 {
            args.push(";".into());
        }
        args.extend(command.as_ref().iter().map(|a| OsString::from(a.as_ref())));
    }
    args
}

/// The name of the first command, for error messages.
fn first<S: AsRef<str>, C: AsRef<[S]>>(commands: &[C]) -> String {
    commands
        .first()
        .and_then(|c| c.as_ref().first().map(|s| s.as_ref().to_string()))
        .unwrap_or_default()
}

#[derive(Clone, Debug, Default)]
pub struct Tmux {
    global: Vec<OsString>,
    timeout: Option<Duration>,
    /// The server's socket for `query`; None to always start a `tmux` client.
    socket: Option<PathBuf>,
    /// The socket of the server that -L/-S/`$TMUX` name, whether or not `query` uses it.
    server_socket: Option<PathBuf>,
    /// Why the socket was last passed over for a `tmux` client, for `status`.
    socket_problem: std::cell::RefCell<Option<String>>,
}

/// The most bytes one command line may take: tmux sends it as one message of at most 16 KiB
/// (`MAX_IMSGSIZE`), header and argument count included, and refuses a longer one.
pub const MAX_COMMAND_BYTES: usize = 16384 - 64;

/// Set to 1 to send every command through a `tmux` client process, never the socket.
pub const CLIENT_ONLY_ENV: &str = "CLAUDE_FAILOVER_TMUX_CLIENT";

impl Tmux {
    pub fn from_flags(socket_name: Option<OsString>, socket_path: Option<PathBuf>) -> Tmux {
        let client_only = std::env::var_os(CLIENT_ONLY_ENV).is_some_and(|v| v == "1");
        let server_socket = socket::socket_path(socket_name.as_ref(), socket_path.as_ref());
        let socket = if client_only {
            None
        } else {
            server_socket.clone()
        };
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
            socket,
            server_socket,
            socket_problem: Default::default(),
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
        self.exec(&chain(&self.global, commands))
            .with_context(|| format!("tmux {} failed", first(commands)))
    }

    /// Like `batch`, for commands that only read (they may run twice): straight through the
    /// server's socket when it answers as tmux 3.2+ does, else through a `tmux` client.
    pub fn query<S: AsRef<str>, C: AsRef<[S]>>(&self, commands: &[C]) -> Result<String> {
        self.query_then(commands, || {})
    }

    /// Like `query`, calling `sent` (once) when the commands are on their way to the server:
    /// what it starts runs while the server works.
    pub fn query_then<S: AsRef<str>, C: AsRef<[S]>>(
        &self,
        commands: &[C],
        sent: impl FnOnce(),
    ) -> Result<String> {
        let mut sent = Some(sent);
        let mut fire = || {
            if let Some(sent) = sent.take() {
                sent()
            }
        };
        if let Some(socket) = &self.socket {
            let timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
            // The global flags only name the socket, which is already chosen.
            match socket::run_then(socket, &chain(&[], commands), timeout, &mut fire) {
                Err(socket::Failure::Unusable(socket::Unusable(why))) => {
                    *self.socket_problem.borrow_mut() = Some(why)
                }
                // A server that took the connection and went quiet would not answer a `tmux`
                // client either: waiting for one too would double the wait.
                Err(socket::Failure::NoAnswer) => {
                    bail!("tmux did not answer within {} ms", timeout.as_millis())
                }
                Ok(answer) if answer.status == 0 => {
                    return Ok(String::from_utf8(answer.stdout)
                        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()));
                }
                Ok(answer) => {
                    let msg = String::from_utf8_lossy(&answer.stderr);
                    let msg = msg.trim();
                    if msg.is_empty() {
                        bail!(
                            "tmux {} failed: exit status {}",
                            first(commands),
                            answer.status
                        );
                    }
                    bail!("tmux {} failed: {msg}", first(commands));
                }
            }
        }
        fire();
        self.batch(commands)
    }

    /// The server's process id, when `$TMUX` names the server this talks to (it does in every
    /// pane, hook and `#()` job of that server): its children are the panes' processes, which a
    /// scan can then read while the server works on the listing.
    pub fn server_pid(&self) -> Option<u32> {
        let (env_socket, pid) = socket::tmux_env()?;
        // Without -L/-S, `$TMUX` is the server.
        if self.global.is_empty() {
            return Some(pid);
        }
        let ours = self.server_socket.as_ref()?;
        if *ours == env_socket {
            return Some(pid);
        }
        use std::os::unix::fs::MetadataExt;
        let (a, b) = (
            std::fs::metadata(ours).ok()?,
            std::fs::metadata(&env_socket).ok()?,
        );
        (a.dev() == b.dev() && a.ino() == b.ino()).then_some(pid)
    }

    /// How reads reach tmux: `socket`, or `client` with the reason the socket was not used.
    pub fn reads_via(&self) -> (&'static str, Option<String>) {
        match (&self.socket, self.socket_problem.borrow().clone()) {
            (None, _) => (
                "client",
                Some(format!("{CLIENT_ONLY_ENV}=1 or no socket path")),
            ),
            (Some(_), Some(why)) => ("client", Some(why)),
            (Some(_), None) => ("socket", None),
        }
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
