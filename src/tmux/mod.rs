//! The one way this program talks to tmux: one client per batch of commands.
//!
//! Every call goes to the server of `$TMUX` unless `-L`/`-S` were given, runs under a timeout,
//! and turns "server gone" into an ordinary error, never a panic. Several commands are chained
//! with `;` in one client so that a tick costs one client, not one per pane. Read-only batches
//! (`query`) go straight to the server's socket (`socket.rs`) and fall back to a `tmux`
//! process; anything that changes tmux always runs through the `tmux` binary.

pub mod command;
pub mod output;
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
    /// The `tmux` program that clients run, chosen once (see `client_program`).
    program: std::cell::OnceCell<OsString>,
    /// The server's executable, looked for once (see `server_exe`).
    exe: std::cell::OnceCell<Option<PathBuf>>,
    /// Set when the server took a connection and did not answer in time: every later call of
    /// this run fails at once, so that a hung server costs one timeout, not one per call.
    hung: std::cell::Cell<bool>,
}

/// The most bytes one command line may take: tmux sends it as one message of at most 16 KiB
/// (`MAX_IMSGSIZE`), header and argument count included, and refuses a longer one.
pub const MAX_COMMAND_BYTES: usize = 16384 - 64;

/// Set to 1 to send every command through a `tmux` client process, never the socket.
pub const CLIENT_ONLY_ENV: &str = "CLAUDE_FAILOVER_TMUX_CLIENT";

/// The `tmux` program to run as the client (a path or a name on PATH), instead of the server's
/// own executable.
pub const PROGRAM_ENV: &str = "CLAUDE_FAILOVER_TMUX";

/// The tmux versions (as `tmux -V` names them) whose server the socket reader is proven to
/// talk to: scripts/tmux-matrix.sh runs the socket tests on each. A malformed identify message
/// makes a tmux server end every session, so any other version gets `tmux` clients.
pub const SOCKET_VERSIONS: &[&str] = &["3.2a", "3.3a", "3.4", "3.5a", "3.6a", "3.7c", "next-3.8"];

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
            program: Default::default(),
            exe: Default::default(),
            hung: Default::default(),
        }
    }

    /// The `tmux` that clients run: `$CLAUDE_FAILOVER_TMUX` if set, else the server's own
    /// executable when it can be found, else the `tmux` on PATH. A `tmux` older than 3.6 cannot
    /// talk to a 3.6+ server at all, and a package upgrade leaves exactly that (a new `tmux` on
    /// PATH, the old server running, or the reverse): the server's own binary always speaks its
    /// protocol, and the kernel keeps it runnable even after the upgrade deleted the file.
    pub fn client_program(&self) -> &OsString {
        self.program.get_or_init(|| {
            std::env::var_os(PROGRAM_ENV)
                .filter(|p| !p.is_empty())
                .or_else(|| self.server_exe().map(|exe| exe.clone().into_os_string()))
                .unwrap_or_else(|| "tmux".into())
        })
    }

    /// Whether clients can run the server's own executable (then they always reach it).
    pub fn runs_server_exe(&self) -> bool {
        self.server_exe().is_some()
    }

    /// The running server's executable, `/proc/PID/exe`; the pid from `$TMUX`, else from the
    /// socket's peer credentials.
    fn server_exe(&self) -> Option<&PathBuf> {
        self.exe
            .get_or_init(|| {
                // As if there were no /proc (the `ps` way of reading processes, forced).
                if std::env::var(crate::procs::BACKEND_VAR).is_ok_and(|v| v == "ps") {
                    return None;
                }
                // Only a tmux server's (it names itself `tmux: server`): a stale `$TMUX`, or a
                // socket held by anything else, must not make us run another program.
                let is_server = |pid: &u32| {
                    std::fs::read(format!("/proc/{pid}/comm")).is_ok_and(|c| c.starts_with(b"tmux"))
                };
                self.server_pid()
                    .filter(is_server)
                    .or_else(|| {
                        self.server_socket
                            .as_deref()
                            .and_then(|s| socket::peer_pid(s).ok())
                            .filter(is_server)
                    })
                    .map(|pid| PathBuf::from(format!("/proc/{pid}/exe")))
                    .filter(|exe| std::fs::metadata(exe).is_ok())
            })
            .as_ref()
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
        self.exec(&chain(&self.global, commands), &mut || {})
            .with_context(|| format!("tmux {} failed", first(commands)))
    }

    /// Like `batch`, for commands that only read (they may run twice): straight through the
    /// server's socket when it answers as tmux 3.2+ does, else through a `tmux` client.
    pub fn query<S: AsRef<str>, C: AsRef<[S]>>(&self, commands: &[C]) -> Result<String> {
        self.query_then(commands, || {})
    }

    /// Like `query`, calling `sent` (once) when the commands are on their way to the server:
    /// what it does overlaps with the server's work (or with the `tmux` client's run).
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
        self.not_hung()?;
        let socket = self
            .socket
            .as_ref()
            .filter(|_| match self.socket_version() {
                Ok(()) => true,
                Err(why) => {
                    *self.socket_problem.borrow_mut() = Some(why);
                    false
                }
            });
        if let Some(socket) = socket {
            let timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
            // The global flags only name the socket, which is already chosen.
            match socket::run_then(socket, &chain(&[], commands), timeout, &mut fire) {
                Err(socket::Failure::Unusable(socket::Unusable(why))) => {
                    *self.socket_problem.borrow_mut() = Some(why)
                }
                // A server that took the connection and went quiet would not answer a `tmux`
                // client either: waiting for one too would double the wait.
                Err(socket::Failure::NoAnswer) => {
                    self.hung.set(true);
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
        self.exec(&chain(&self.global, commands), &mut fire)
            .with_context(|| format!("tmux {} failed", first(commands)))
    }

    /// The server's process id, when `$TMUX` names the server this talks to (it does in every
    /// pane, hook and `#()` job of that server): its executable is the one to run.
    fn server_pid(&self) -> Option<u32> {
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

    /// Whether the server is of a version the socket reader is proven on: its executable's
    /// `-V`, run once per executable and kept in the cache folder (a tick then pays one `stat`).
    fn socket_version(&self) -> std::result::Result<(), String> {
        let Some(exe) = self.server_exe() else {
            return Err("the server's executable (and so its version) is unknown".into());
        };
        let meta = std::fs::metadata(exe).map_err(|e| format!("{}: {e}", exe.display()))?;
        use std::os::unix::fs::MetadataExt;
        let key = format!(
            "{}:{}:{}:{}",
            meta.dev(),
            meta.ino(),
            meta.size(),
            meta.mtime()
        );
        let cache = std::env::var_os("XDG_CACHE_HOME")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
            .map(|d| d.join("claude-failover").join("tmux-versions"));
        let known = cache
            .as_ref()
            .and_then(|c| std::fs::read_to_string(c).ok())
            .unwrap_or_default();
        let cached = known
            .lines()
            .find_map(|l| l.strip_prefix(&key)?.strip_prefix(' ').map(str::to_string));
        let version = match cached {
            Some(v) => v,
            None => {
                let out = Command::new(exe)
                    .arg("-V")
                    .stdin(Stdio::null())
                    .output()
                    .map_err(|e| format!("could not run {} -V: {e}", exe.display()))?;
                let printed = String::from_utf8_lossy(&out.stdout);
                let v = printed.trim().rsplit(' ').next().unwrap_or("").to_string();
                if let Some(cache) = &cache {
                    // One line per executable seen; the last few are plenty.
                    let mut lines: Vec<&str> = known.lines().collect();
                    let line = format!("{key} {v}");
                    lines.push(&line);
                    let keep = &lines[lines.len().saturating_sub(16)..];
                    if let Some(dir) = cache.parent() {
                        let _ = std::fs::create_dir_all(dir);
                    }
                    let _ = crate::fsutil::write_atomic(cache, (keep.join("\n") + "\n").as_bytes());
                }
                v
            }
        };
        if SOCKET_VERSIONS.contains(&version.as_str()) {
            Ok(())
        } else {
            Err(format!(
                "tmux {version} is not one the socket reader is proven on"
            ))
        }
    }

    /// What to tell the user when the `tmux` client could not talk to the server at all (only
    /// when the server's own executable could not be used, e.g. without /proc).
    fn version_mismatch(&self, msg: &str) -> Option<String> {
        if !(msg.contains("server exited unexpectedly") || msg.contains("protocol version")) {
            return None;
        }
        let ours = Command::new("tmux")
            .arg("-V")
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| "unknown".into());
        // The server's version is not asked: without its executable it is unknown, and the
        // socket reader talks only to servers of known versions.
        let theirs = "another version";
        Some(format!(
            "{ours} on PATH cannot talk to the running server ({theirs}; {msg}): restart the \
             tmux server or put the matching tmux first on PATH"
        ))
    }

    fn not_hung(&self) -> Result<()> {
        if self.hung.get() {
            bail!("tmux did not answer a moment ago; not asking again in this run");
        }
        Ok(())
    }

    /// Run a `tmux` client with `args`; `started` is called once it runs (its work overlaps).
    fn exec(&self, args: &[OsString], started: &mut dyn FnMut()) -> Result<String> {
        self.not_hung()?;
        let timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
        let mut child = Command::new(self.client_program())
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
        // Our own work in `started` is not tmux's time to answer.
        started();
        let deadline = Instant::now() + timeout;
        if done_rx.recv_timeout(timeout).is_err() {
            let _ = child.kill();
            let _ = child.wait();
            self.hung.set(true);
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
                self.hung.set(true);
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
            if let Some(mismatch) = self.version_mismatch(msg) {
                bail!("{mismatch}");
            }
            bail!("{msg}");
        }
        Ok(String::from_utf8_lossy(&out).into_owned())
    }
}
