//! Test harness: an isolated tmux server per test, the real binary, and the simulated `claude`.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_claude-failover");
/// The simulated Claude Code, a binary of its own; the worlds run it as `claude`.
pub const SIM: &str = env!("CARGO_BIN_EXE_claude-sim");

/// How the product reads tmux output on every version; the tests read values the same way.
#[path = "../../src/tmux/output.rs"]
pub mod output;

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A private world for one test: its own folder with HOME, XDG dirs, TMUX_TMPDIR, a `bin/`
/// holding `claude` (the simulator), and its own tmux server (`-L <unique>`), killed on drop.
pub struct World {
    pub root: PathBuf,
    pub home: PathBuf,
    pub bin: PathBuf,
    pub socket: String,
    pub state_dir: PathBuf,
    pub launch_log: PathBuf,
    /// Extra environment for every command of this world (and so for its tmux server).
    pub env: Vec<(String, String)>,
    /// `TMUX` as the server sets it for its `#()` jobs and hooks (`SOCKET,PID,-1`), given to
    /// `cf` runs once `start_server` has run, as tmux gives it to the real ones.
    pub job_tmux: std::sync::OnceLock<String>,
}

impl World {
    pub fn new() -> World {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let socket = format!("cft-{}-{n}", std::process::id());
        let root = std::env::temp_dir().join(&socket);
        let _ = std::fs::remove_dir_all(&root);
        let home = root.join("home");
        let bin = root.join("bin");
        for d in [&home, &bin, &root.join("tmux"), &root.join("xdg-config")] {
            std::fs::create_dir_all(d).unwrap();
        }
        std::os::unix::fs::symlink(SIM, bin.join("claude")).unwrap();
        let state_dir = root.join("xdg-state").join("claude-failover");
        let launch_log = root.join("launches.log");
        World {
            root,
            home,
            bin,
            socket,
            state_dir,
            launch_log,
            env: Vec::new(),
            job_tmux: std::sync::OnceLock::new(),
        }
    }

    /// Force the `ps` way of reading processes (the one used where there is no /proc).
    pub fn with_ps_backend(mut self) -> World {
        self.env.push(("CLAUDE_FAILOVER_PROCS".into(), "ps".into()));
        self
    }

    /// Talk to tmux only through `tmux` client processes, never its socket (the way used when
    /// the socket cannot be reached or speaks another protocol).
    pub fn with_tmux_client_only(mut self) -> World {
        self.env
            .push(("CLAUDE_FAILOVER_TMUX_CLIENT".into(), "1".into()));
        self
    }

    /// Put a `tmux` first on PATH that logs each of its runs (one line of arguments) to the
    /// returned file, then runs the real tmux.
    pub fn count_tmux_runs(&self) -> PathBuf {
        let real = Command::new("sh")
            .args(["-c", "command -v tmux"])
            .output()
            .expect("sh runs");
        let real = String::from_utf8_lossy(&real.stdout).trim().to_string();
        let log = self.root.join("tmux-runs.log");
        let script = format!(
            "#!/bin/sh\necho \"$*\" >>'{}'\nexec '{}' \"$@\"\n",
            log.display(),
            real
        );
        let wrapper = self.bin.join("tmux");
        std::fs::write(&wrapper, script).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
        log
    }

    /// A folder holding a `tmux` that cannot talk to this world's server, as a tmux older than
    /// 3.6 cannot talk to a 3.6+ one: `TMUX_MATRIX_OTHER_TMUX` (a real tmux of another version,
    /// set by scripts/tmux-matrix.sh) when `real` and it is set, else a script that says what
    /// such a tmux says (`-V`: `tmux 3.5a`).
    pub fn unreachable_tmux(&self, real: bool) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let dir = self.root.join("old-tmux");
        std::fs::create_dir_all(&dir).unwrap();
        let tmux = dir.join("tmux");
        match std::env::var_os("TMUX_MATRIX_OTHER_TMUX").filter(|_| real) {
            Some(other) => std::os::unix::fs::symlink(other, &tmux).unwrap(),
            None => {
                let script = "#!/bin/sh\n[ \"$1\" = -V ] && { echo 'tmux 3.5a'; exit 0; }\n\
                              echo 'server exited unexpectedly' >&2\nexit 1\n";
                std::fs::write(&tmux, script).unwrap();
                std::fs::set_permissions(&tmux, std::fs::Permissions::from_mode(0o755)).unwrap();
            }
        }
        dir
    }

    /// A command with this world's environment (and no `TMUX`, so nothing reaches the outer
    /// server a developer may be running the tests in).
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut c = Command::new(program);
        let path = format!(
            "{}:{}",
            self.bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        c.env("HOME", &self.home)
            .env("PATH", path)
            .env("XDG_STATE_HOME", self.root.join("xdg-state"))
            .env("XDG_CONFIG_HOME", self.root.join("xdg-config"))
            .env("XDG_DATA_HOME", self.root.join("xdg-data"))
            .env("XDG_CACHE_HOME", self.root.join("xdg-cache"))
            .env("TMUX_TMPDIR", self.root.join("tmux"))
            .env("CLAUDE_SIM_LOG", &self.launch_log)
            .env("TZ", "UTC")
            .env_remove("TMUX")
            .env_remove("TMUX_PANE")
            .env_remove("CLAUDE_CONFIG_DIR")
            .env_remove("CLAUDE_FAILOVER_STATE_DIR");
        // A world that counts the runs of the `tmux` on PATH (count_tmux_runs) has the product
        // run that one, not the server's own executable.
        if self.bin.join("tmux").exists() {
            c.env("CLAUDE_FAILOVER_TMUX", "tmux");
        }
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c
    }

    /// Run tmux against this world's server; panics with its stderr when it fails.
    pub fn tmux<S: AsRef<OsStr>>(&self, args: &[S]) -> String {
        let out = self.tmux_output(args);
        assert!(
            out.status.success(),
            "tmux {:?} failed: {}",
            args.iter()
                .map(|a| a.as_ref().to_owned())
                .collect::<Vec<_>>(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn tmux_output<S: AsRef<OsStr>>(&self, args: &[S]) -> Output {
        // A `tmux` wrapper just written (count_tmux_runs) may be briefly held open for writing
        // by a child another test thread forked meanwhile ("Text file busy"): try again.
        let mut tries = 0;
        loop {
            let out = self
                .command("tmux")
                .args(["-L", &self.socket, "-f", "/dev/null"])
                .args(args)
                .output();
            match out {
                Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy && tries < 50 => {
                    tries += 1;
                    std::thread::sleep(Duration::from_millis(10));
                }
                out => return out.expect("tmux runs"),
            }
        }
    }

    /// Start the server with one session (`main`, a plain `sh`, 200x50). Panes run a non-login
    /// `sh`: a login shell would read /etc/profile, which resets PATH and hides `bin/claude`.
    /// tmux 3.2a ignores `-x`/`-y` on a detached session (80x23): the window is resized after,
    /// and `default-size` sizes the windows made later.
    pub fn start_server(&self) {
        let home = self.home.display().to_string();
        self.tmux(&[
            "new-session",
            "-d",
            "-s",
            "main",
            "-x",
            "200",
            "-y",
            "50",
            "-c",
            &home,
            "/bin/sh",
        ]);
        self.tmux(&["set", "-g", "default-size", "200x50"]);
        self.tmux(&["resize-window", "-t", "main", "-x", "200", "-y", "50"]);
        // Our own panes and scripts must not be slowed by tmux's escape wait.
        self.tmux(&["set", "-g", "escape-time", "0"]);
        self.tmux(&["set", "-g", "default-command", "/bin/sh"]);
        let job_tmux = self.tmux(&["display-message", "-p", "#{socket_path},#{pid},-1"]);
        let _ = self.job_tmux.set(job_tmux.trim_end().to_string());
    }

    /// The real binary with this world's environment, as tmux runs it from a `#()` job or a
    /// hook of this world's server (`TMUX` names it), against that server.
    pub fn cf_command<S: AsRef<OsStr>>(&self, args: &[S]) -> Command {
        let mut c = self.command(BIN);
        if let Some(job_tmux) = self.job_tmux.get() {
            c.env("TMUX", job_tmux);
        }
        c.arg("-L").arg(&self.socket).args(args);
        c
    }

    /// Start `claude` (the simulator) in a new pane of `main` in `cwd`, on `account_dir` when
    /// given; returns the pane id once Claude is ready.
    pub fn launch_claude(&self, account_dir: Option<&Path>, cwd: &Path) -> String {
        self.launch("claude", account_dir, cwd)
    }

    /// Like `launch_claude`, running `program` (something that starts Claude).
    pub fn launch(&self, program: &str, account_dir: Option<&Path>, cwd: &Path) -> String {
        let mut args: Vec<String> = ["split-window", "-d", "-P", "-F", "#{pane_id}", "-t", "main"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        args.push("-c".into());
        args.push(cwd.display().to_string());
        if let Some(dir) = account_dir {
            args.push("-e".into());
            args.push(format!("CLAUDE_CONFIG_DIR={}", dir.display()));
        }
        args.push(program.into());
        let id = self.tmux(&args).trim().to_string();
        self.tmux(&["select-layout", "-t", "main", "tiled"]);
        self.wait_screen(&id, "Claude Code", 10);
        id
    }

    /// A new window, not selected, with `args` (e.g. `-c DIR COMMAND`); its pane's id.
    pub fn new_window(&self, args: &[&str]) -> String {
        let mut all = vec!["new-window", "-d", "-P", "-F", "#{pane_id}"];
        all.extend_from_slice(args);
        self.tmux(&all).trim().to_string()
    }

    /// A script named `name` (in its own folder) that starts the simulated `claude` as its
    /// child, not with `exec`: the wrapper stays the parent, as node does for the native CLI.
    pub fn claude_wrapper(&self, name: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let wrap = self.root.join("wrap");
        std::fs::create_dir_all(&wrap).unwrap();
        let script = wrap.join(name);
        let body = format!(
            "#!/bin/sh\n'{}' \"$@\"\n",
            self.bin.join("claude").display()
        );
        std::fs::write(&script, body).unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        script
    }

    /// Run the real binary against this world's server.
    pub fn cf<S: AsRef<OsStr>>(&self, args: &[S]) -> Output {
        self.cf_command(args)
            .output()
            .expect("claude-failover runs")
    }

    /// Start the real binary against this world's server without waiting for it (output
    /// piped), for runs that must overlap.
    pub fn cf_spawn<S: AsRef<OsStr>>(&self, args: &[S]) -> std::process::Child {
        self.cf_command(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("claude-failover starts")
    }

    pub fn cf_ok<S: AsRef<OsStr>>(&self, args: &[S]) -> String {
        let out = self.cf(args);
        assert!(
            out.status.success(),
            "claude-failover {:?} failed ({:?}): {}{}",
            args.iter()
                .map(|a| a.as_ref().to_owned())
                .collect::<Vec<_>>(),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Set a global tmux option.
    pub fn set_option(&self, name: &str, value: &str) {
        self.tmux(&["set", "-g", name, value]);
    }

    /// The options of the failover scenarios: the shared folder in HOME, a limit confirmed on
    /// two polls with no gap, and `cooldown` seconds of cooldown.
    pub fn quick_failover_options(&self, cooldown: u64) {
        self.set_option(
            "@claude-failover-shared-dir",
            &self.home.join(".claude-shared").display().to_string(),
        );
        self.set_option("@claude-failover-confirm-polls", "2");
        self.set_option("@claude-failover-confirm-gap", "0");
        self.set_option("@claude-failover-cooldown", &cooldown.to_string());
    }

    /// Accounts `a` and `b` (linked homes), named in `@claude-failover-accounts`; their homes.
    pub fn two_accounts(&self) -> (PathBuf, PathBuf) {
        let homes = self.accounts(&["a", "b"]);
        (homes[0].clone(), homes[1].clone())
    }

    /// The accounts `names` (linked homes `~/.claude-NAME`), named in this order in
    /// `@claude-failover-accounts`; their homes.
    pub fn accounts(&self, names: &[&str]) -> Vec<PathBuf> {
        let homes: Vec<PathBuf> = names
            .iter()
            .map(|n| self.linked_account(&self.account_dir(n)))
            .collect();
        let list: Vec<String> = names
            .iter()
            .zip(&homes)
            .map(|(n, d)| format!("{n}={}", d.display()))
            .collect();
        self.set_option("@claude-failover-accounts", &list.join(" "));
        homes
    }

    /// Two project folders under HOME: `work dir` (a space in it) and `other`.
    pub fn work_dirs(&self) -> (PathBuf, PathBuf) {
        let work = self.home.join("work dir");
        let other = self.home.join("other");
        std::fs::create_dir_all(&work).unwrap();
        std::fs::create_dir_all(&other).unwrap();
        (work, other)
    }

    /// Type `text` and Enter into `pane`.
    pub fn type_line(&self, pane: &str, text: &str) {
        self.tmux(&["send-keys", "-t", pane, "-l", text]);
        self.tmux(&["send-keys", "-t", pane, "Enter"]);
    }

    /// One turn: `text` typed, `expect` on screen, then Claude idle again.
    pub fn turn(&self, pane: &str, text: &str, expect: &str) {
        self.type_line(pane, text);
        self.wait_screen(pane, expect, 10);
        self.wait_claude_idle(pane);
    }

    /// An account home under this world's HOME.
    pub fn account_dir(&self, name: &str) -> PathBuf {
        self.home.join(format!(".claude-{name}"))
    }

    /// Make `dir` an account home whose shared items link into `~/.claude-shared`, by hand
    /// (the links feature has its own tests).
    pub fn linked_account(&self, dir: &Path) -> PathBuf {
        let shared = self.home.join(".claude-shared");
        std::fs::create_dir_all(dir).unwrap();
        for item in ["projects", "file-history", "session-env"] {
            std::fs::create_dir_all(shared.join(item)).unwrap();
            let link = dir.join(item);
            if std::fs::symlink_metadata(&link).is_err() {
                std::os::unix::fs::symlink(shared.join(item), link).unwrap();
            }
        }
        // Logged in: the plugin only checks that the login file exists, never reads it.
        std::fs::write(dir.join(".credentials.json"), "").unwrap();
        dir.to_path_buf()
    }

    /// The visible screen of `pane`, without trailing blanks on its lines (tmux 3.2a keeps
    /// them with `-J`, later versions do not).
    pub fn capture(&self, pane: &str) -> String {
        let screen = self.tmux(&["capture-pane", "-p", "-J", "-t", pane]);
        let mut out = String::with_capacity(screen.len());
        for line in screen.lines() {
            out.push_str(line.trim_end_matches(' '));
            out.push('\n');
        }
        out
    }

    /// The value of a global option (or any format variable) exactly as tmux holds it, read the
    /// way the product reads it (`show-options` output is escaped by tmux 3.4-3.5a).
    pub fn value(&self, name: &str) -> String {
        let out = self.tmux(&["display-message", "-p", &output::record(&[name])]);
        let (mut fields, _) =
            output::parse_record(&out).unwrap_or_else(|| panic!("no record for {name} in {out:?}"));
        fields.pop().unwrap_or_default()
    }

    /// The prefix-table binding of `key` as `list-keys` prints it, or None when it is unbound.
    /// The whole table is listed: tmux 3.7c prints a lone match of `list-keys -T prefix KEY` as
    /// a message instead.
    pub fn binding(&self, key: &str) -> Option<String> {
        let out = self.tmux_output(&["list-keys", "-T", "prefix"]);
        let text = String::from_utf8_lossy(&out.stdout);
        text.lines()
            .find(|line| {
                let mut words = line.split_whitespace().skip(1);
                let mut word = words.next();
                while let Some(flag) = word.filter(|w| w.starts_with('-')) {
                    if flag == "-T" || flag == "-N" {
                        words.next();
                    }
                    word = words.next();
                }
                word.is_some_and(|w| {
                    w == key || w.strip_prefix('\\') == Some(key) || w == format!("'{key}'")
                })
            })
            .map(|l| l.trim().to_string())
    }

    /// Wait until `f` is true (polling), or panic after `secs` with `what`.
    pub fn wait_for(&self, secs: u64, what: &str, mut f: impl FnMut() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while Instant::now() < deadline {
            if f() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("timed out after {secs}s waiting for {what}");
    }

    pub fn wait_screen(&self, pane: &str, needle: &str, secs: u64) {
        let mut last = String::new();
        let deadline = Instant::now() + Duration::from_secs(secs);
        while Instant::now() < deadline {
            last = self.capture(pane);
            if last.contains(needle) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("pane {pane} never showed {needle:?}; screen:\n{last}");
    }

    /// The logged events named `name`, oldest first.
    pub fn events(&self, name: &str) -> Vec<serde_json::Value> {
        self.cf_ok(&["events", "--json"])
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .filter(|e| e["event"] == name)
            .collect()
    }

    /// Launch log lines of the simulator: one JSON object per launch.
    pub fn launches(&self) -> Vec<serde_json::Value> {
        self.read(&self.launch_log)
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    /// Wait until the Claude in `pane` has ended its turn: `idle` in its own
    /// `sessions/<pid>.json` (found through `status --json`).
    pub fn wait_claude_idle(&self, pane: &str) {
        self.wait_for(10, &format!("the turn in {pane} to end"), || {
            let out = self.cf(&["status", "--json"]);
            let Ok(st) = serde_json::from_slice::<serde_json::Value>(&out.stdout) else {
                return false;
            };
            let Some(row) = st["panes"]
                .as_array()
                .and_then(|rows| rows.iter().find(|p| p["pane"] == pane))
            else {
                return false;
            };
            let dir = row["config_dir"]
                .as_str()
                .map(PathBuf::from)
                .unwrap_or_else(|| self.home.join(".claude"));
            let file = dir.join("sessions").join(format!("{}.json", row["pid"]));
            std::fs::read_to_string(file)
                .ok()
                .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
                .is_some_and(|f| f["status"] == "idle")
        });
    }

    pub fn read(&self, path: &Path) -> String {
        std::fs::read_to_string(path).unwrap_or_default()
    }

    /// Empty the transcript of conversation `id` under a `projects` folder, as if it were gone:
    /// a `--resume` of it then fails at once ("No conversation found").
    pub fn empty_transcript(&self, projects: &Path, id: &str) {
        let transcript = std::fs::read_dir(projects)
            .unwrap()
            .flatten()
            .map(|d| d.path().join(format!("{id}.jsonl")))
            .find(|p| p.is_file())
            .expect("the conversation's transcript");
        std::fs::write(&transcript, "").unwrap();
    }
}

impl Drop for World {
    fn drop(&mut self) {
        let _ = self.tmux_output(&["kill-server"]);
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.root);
        }
    }
}

/// Run `cmd` with `input` on its stdin (fed from a thread, so a large input cannot block on a
/// full pipe); its output.
pub fn run_with_stdin(cmd: &mut Command, input: &[u8]) -> Output {
    use std::io::Write;
    let mut child = cmd
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the command starts");
    let feeder = child.stdin.take().map(|mut stdin| {
        let data = input.to_vec();
        std::thread::spawn(move || {
            let _ = stdin.write_all(&data);
        })
    });
    let out = child.wait_with_output().expect("the command ends");
    if let Some(f) = feeder {
        let _ = f.join();
    }
    out
}

/// Make the simulated `claude` of account home `dir` answer in `mode` (its `sim-mode` file).
pub fn set_mode(dir: &Path, mode: &str) {
    std::fs::write(dir.join("sim-mode"), mode).unwrap();
}

/// The text of a JSON command output.
pub fn json(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(out)))
}

impl World {
    /// `status --json` of this world.
    pub fn status_json(&self) -> serde_json::Value {
        json(&self.cf(&["status", "--json"]).stdout)
    }
}

/// The row of `pane` in a `status --json` output.
pub fn status_row(status: &serde_json::Value, pane: &str) -> Option<serde_json::Value> {
    status["panes"]
        .as_array()?
        .iter()
        .find(|p| p["pane"] == pane)
        .cloned()
}

/// The row of `pane` in a `status --json` output; a test failure when it has none.
pub fn pane_row(status: &serde_json::Value, pane: &str) -> serde_json::Value {
    status_row(status, pane).unwrap_or_else(|| panic!("pane {pane} not in status: {status:#}"))
}

/// A test that cannot run on this machine: a failure when `CI` is set (everything must run
/// there), a visible `SKIPPED` line otherwise. The caller returns after it.
pub fn skip(reason: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("cannot run here, and CI is set: {reason}");
    }
    eprintln!("SKIPPED: {reason}");
}

/// Unmounts a test's tmpfs when dropped, whatever happens.
pub struct Mount(pub PathBuf);

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// Mount a tmpfs at `dir` (created) with these `-o` options; the error says why it could not.
pub fn tmpfs(dir: &Path, options: &str) -> Result<Mount, String> {
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let out = Command::new("mount")
        .args(["-t", "tmpfs", "-o", options, "tmpfs"])
        .arg(dir)
        .output()
        .map_err(|e| format!("mount: {e}"))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
    }
    Ok(Mount(dir.to_path_buf()))
}
