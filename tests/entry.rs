//! The tmux plugin entry (`claude-failover.tmux`), run the way TPM runs it: from `run-shell` in
//! a real tmux server. These tests check what the entry does to tmux (status strings, hooks,
//! bindings, options) and, by running the commands it installed, that its quoting holds.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Instant;

use common::{World, BIN};

const HOOK_INDEX: &str = "[4210]";
const OUR_HOOKS: [&str; 2] = ["client-attached", "session-created"];

fn entry() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("claude-failover.tmux")
}

/// One word for `sh`.
fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// One word for a run-shell command: `#` doubled because run-shell expands formats first.
fn run_shell_word(s: &str) -> String {
    sh_quote(s).replace('#', "##")
}

/// Run the entry with `run-shell`, as TPM does, with extra environment assignments.
fn run_entry(w: &World, env: &[(&str, &str)]) {
    let mut cmd = String::new();
    for (name, value) in env {
        cmd.push_str(&format!("{name}={} ", run_shell_word(value)));
    }
    cmd.push_str(&run_shell_word(&entry().display().to_string()));
    w.tmux(&["run-shell", &cmd]);
}

/// Run the entry with only `tools` on PATH, no cargo, and a plugin folder with no build in it.
fn run_entry_unbuilt(w: &World, tools: &Path) {
    let plugin_dir = w.root.join("plugin");
    std::fs::create_dir_all(&plugin_dir).unwrap();
    run_entry(
        w,
        &[
            ("PATH", &tools.display().to_string()),
            ("CARGO_HOME", &no_cargo_home(w)),
            (
                "CLAUDE_FAILOVER_PLUGIN_DIR",
                &plugin_dir.display().to_string(),
            ),
        ],
    );
}

fn run_entry_with_bin(w: &World) {
    run_entry(w, &[("CLAUDE_FAILOVER_BIN", BIN)]);
}

fn global(w: &World, option: &str) -> String {
    w.value(option)
}

fn hook_lines(w: &World) -> Vec<String> {
    w.tmux(&["show-hooks", "-g"])
        .lines()
        .filter(|l| l.contains('['))
        .map(str::to_string)
        .collect()
}

/// Our hooks as `show-hooks` prints them (`NAME[4210] COMMAND`), read as a format so that tmux
/// 3.4-3.5a's escaping of printed output does not change them.
fn our_hook_lines(w: &World) -> Vec<String> {
    OUR_HOOKS
        .iter()
        .map(|hook| (hook, w.value(&format!("{hook}{HOOK_INDEX}"))))
        .filter(|(_, command)| !command.is_empty())
        .map(|(hook, command)| format!("{hook}{HOOK_INDEX} {command}"))
        .collect()
}

/// The shell command inside each `#(...)` of a status string, for segments that run ` tick`.
fn tick_commands(status: &str) -> Vec<String> {
    status
        .split("#(")
        .skip(1)
        .filter_map(|s| s.split_once(" tick)").map(|(cmd, _)| cmd.to_string()))
        .collect()
}

/// What tmux shows for the prefix binding of `key`, or None when it is unbound.
fn binding(w: &World, key: &str) -> Option<String> {
    w.binding(key)
}

/// A tmux control-mode client: a real attached client, so that display-message has somewhere
/// to go and `show-messages` records it.
struct ControlClient(Child);

impl ControlClient {
    fn attach(w: &World) -> ControlClient {
        let child = w
            .command("tmux")
            .args([
                "-L",
                &w.socket,
                "-f",
                "/dev/null",
                "-C",
                "attach",
                "-t",
                "main",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("tmux -C attach starts");
        w.wait_for(5, "the control client to attach", || {
            w.tmux(&["list-clients"]).contains("control-mode")
        });
        ControlClient(child)
    }
}

impl Drop for ControlClient {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A tmux client on a pseudo-terminal (through util-linux `script`): it draws the status line,
/// so tmux runs the `#()` jobs in it.
struct TerminalClient(Child);

impl TerminalClient {
    fn attach(w: &World) -> TerminalClient {
        let attach = format!("exec tmux -L {} -f /dev/null attach -t main", w.socket);
        let child = w
            .command("script")
            .args(["-qfc", &attach, "/dev/null"])
            .env("TERM", "xterm")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("script starts (util-linux)");
        w.wait_for(5, "the terminal client to attach", || {
            w.tmux(&["list-clients", "-F", "#{client_control_mode}"])
                .lines()
                .any(|l| l == "0")
        });
        TerminalClient(child)
    }
}

impl Drop for TerminalClient {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// What tmux draws for `status-right`: its value expanded as a format (no `#()` in these tests).
fn shown_status_right(w: &World) -> String {
    shown(w, "#{E:status-right}")
}

fn shown(w: &World, format: &str) -> String {
    w.tmux(&["display-message", "-p", format])
        .trim_end_matches('\n')
        .to_string()
}

fn messages(w: &World) -> String {
    String::from_utf8_lossy(&w.tmux_output(&["show-messages"]).stdout).into_owned()
}

/// A folder of symlinks to just the programs the entry (and a fake cargo) may use, to run the
/// entry with a PATH that has no cargo and no claude-failover.
fn tools_dir(w: &World) -> PathBuf {
    let dir = w.root.join("tools");
    std::fs::create_dir_all(&dir).unwrap();
    // The tmux of PATH (the version under test); the rest from the system folders.
    let path = std::env::var_os("PATH").unwrap_or_default();
    for tool in [
        "tmux", "bash", "sh", "mkdir", "cat", "rm", "cp", "sleep", "dirname", "sed",
    ] {
        let found = std::env::split_paths(&path)
            .filter(|d| tool == "tmux" || d.starts_with("/usr") || d.starts_with("/bin"))
            .map(|d| d.join(tool))
            .find(|p| p.is_file())
            .unwrap_or_else(|| panic!("{tool} not found"));
        std::os::unix::fs::symlink(found, dir.join(tool)).unwrap();
    }
    dir
}

/// A CARGO_HOME with nothing in it, so that neither cargo nor an installed binary is found there.
fn no_cargo_home(w: &World) -> String {
    w.root.join("no-cargo-home").display().to_string()
}

/// Run a command tmux stored (as `show-hooks` / `list-keys` print it, which is tmux syntax)
/// with its claude-failover subcommand replaced by `--version`, through `source-file`: tmux
/// parses it, run-shell expands formats, `sh` runs it. Returns what the binary printed.
fn run_stored_command(w: &World, printed: &str, subcommand: &str) -> String {
    let start = printed
        .find("run-shell -b ")
        .unwrap_or_else(|| panic!("no run-shell in {printed:?}"));
    let out = w.root.join("version.out");
    let _ = std::fs::remove_file(&out);
    // tmux 3.4-3.5a print the `\$` of a command as `\\$` (vis(3) escapes `$NAME` once more);
    // the paths here hold no backslash of their own, so this undoes it.
    let printed = printed.replace("\\\\$", "\\$");
    let printed = printed.as_str();
    let cmd = printed[start..]
        .replacen("run-shell -b ", "run-shell ", 1)
        .replacen(subcommand, &format!(" --version > {}", out.display()), 1);
    assert_ne!(
        cmd,
        printed[start..].replacen("run-shell -b ", "run-shell ", 1)
    );
    let conf = w.root.join("replay.conf");
    std::fs::write(&conf, format!("{cmd}\n")).unwrap();
    w.tmux(&["source-file", &conf.display().to_string()]);
    w.wait_for(5, "the replayed command to write its output", || {
        out.exists() && !w.read(&out).is_empty()
    });
    w.read(&out)
}

#[test]
fn twice_installs_exactly_one_set_and_keeps_user_settings() {
    let w = World::new();
    w.start_server();
    w.tmux(&["set-hook", "-g", "client-attached[0]", "display hi"]);
    w.set_option("status-right", "#{claude_failover} | %H:%M");
    w.set_option("status-left", "[#S] #{claude_failover}");
    // A trailing `;` must survive (tmux reads an argument ending in `;` as a separator).
    w.set_option("@user-note", "kept\\;");

    let started = Instant::now();
    run_entry_with_bin(&w);
    let first_run = started.elapsed();
    let snapshot = |w: &World| {
        (
            global(w, "status-right"),
            global(w, "status-left"),
            our_hook_lines(w),
            binding(w, "S"),
        )
    };
    let after_first = snapshot(&w);
    let token_first = global(&w, "@claude-failover-chain");
    run_entry_with_bin(&w);
    let after_second = snapshot(&w);
    assert_eq!(after_first, after_second, "a second run changed something");
    eprintln!("entry run took {first_run:?}");

    let right = global(&w, "status-right");
    assert!(!right.contains("#{claude_failover}"), "{right}");
    assert_eq!(right.matches("#(").count(), 1, "{right}");
    assert_eq!(tick_commands(&right), vec![BIN.to_string()], "{right}");
    assert!(right.ends_with(" tick) | %H:%M"), "{right}");
    let left = global(&w, "status-left");
    assert!(left.starts_with("[#S] #("), "{left}");
    assert_eq!(tick_commands(&left), vec![BIN.to_string()], "{left}");

    let ours = our_hook_lines(&w);
    assert_eq!(ours.len(), OUR_HOOKS.len(), "{ours:?}");
    for hook in OUR_HOOKS {
        let line = ours
            .iter()
            .find(|l| l.starts_with(&format!("{hook}{HOOK_INDEX} ")))
            .unwrap_or_else(|| panic!("no {hook} hook in {ours:?}"));
        assert!(
            line.ends_with(&format!("run-shell -b \"{BIN} hook --event {hook}\"")),
            "{line}"
        );
    }
    let all = hook_lines(&w);
    assert!(
        all.iter()
            .any(|l| l == "client-attached[0] display-message hi"),
        "the user's hook is gone: {all:?}"
    );
    assert_eq!(all.len(), OUR_HOOKS.len() + 1, "{all:?}");

    let key = binding(&w, "S").expect("S is bound");
    assert!(
        key.ends_with(&format!(
            "run-shell -b \"{BIN} swap --reason 'manual (key)' --display\""
        )),
        "{key}"
    );
    let token_second = global(&w, "@claude-failover-chain");
    assert!(!token_first.is_empty() && !token_second.is_empty());
    assert_ne!(
        token_first, token_second,
        "each run must start a fresh chain"
    );
    assert_eq!(global(&w, "@user-note"), "kept;");
}

#[test]
fn entry_run_by_relative_path_finds_its_helpers() {
    let w = World::new();
    w.start_server();
    let repo = env!("CARGO_MANIFEST_DIR");
    w.tmux(&[
        "run-shell",
        &format!(
            "cd {} && CLAUDE_FAILOVER_BIN={} bash claude-failover.tmux",
            run_shell_word(repo),
            run_shell_word(BIN)
        ),
    ]);
    assert_eq!(our_hook_lines(&w).len(), OUR_HOOKS.len());
}

#[test]
fn status_value_ending_in_semicolon_keeps_it() {
    let w = World::new();
    w.start_server();
    w.set_option("status-right", "#{claude_failover} a;b\\;");
    run_entry_with_bin(&w);
    let right = global(&w, "status-right");
    assert_eq!(right, format!("#({BIN} tick) a;b;"));
}

#[test]
fn no_placeholder_means_no_segment() {
    let w = World::new();
    w.start_server();
    w.set_option("status-right", "%H:%M");
    let left = global(&w, "status-left");
    run_entry_with_bin(&w);
    assert_eq!(global(&w, "status-right"), "%H:%M");
    assert_eq!(global(&w, "status-left"), left);
    assert_eq!(our_hook_lines(&w).len(), OUR_HOOKS.len());
}

#[test]
fn swap_key_follows_the_option_and_spares_user_bindings() {
    let w = World::new();
    w.start_server();
    run_entry_with_bin(&w);
    assert!(binding(&w, "S").is_some());

    w.set_option("@claude-failover-swap-key", "F");
    run_entry_with_bin(&w);
    let f = binding(&w, "F").expect("F is bound");
    assert!(f.contains(" swap --reason 'manual (key)' --display"), "{f}");
    assert_eq!(binding(&w, "S"), None, "the old key still swaps");
    assert_eq!(global(&w, "@claude-failover-bound-key"), "F");

    // The user takes F back for something else, then moves our key: F stays theirs.
    w.tmux(&["bind-key", "-T", "prefix", "F", "display-message", "mine"]);
    w.set_option("@claude-failover-swap-key", "G");
    run_entry_with_bin(&w);
    assert!(binding(&w, "G").is_some());
    let f = binding(&w, "F").expect("the user's F binding survives");
    assert!(f.ends_with("display-message mine"), "{f}");
}

#[test]
fn bad_swap_key_is_reported_and_the_rest_is_installed() {
    let w = World::new();
    w.start_server();
    let _client = ControlClient::attach(&w);
    w.set_option("status-right", "#{claude_failover}");
    w.set_option("@claude-failover-swap-key", "NoSuchKey");
    run_entry_with_bin(&w);
    assert_eq!(our_hook_lines(&w).len(), OUR_HOOKS.len());
    assert_eq!(tick_commands(&global(&w, "status-right")).len(), 1);
    let msgs = messages(&w);
    assert!(
        msgs.contains("claude-failover: tmux refused part of the setup: unknown key: NoSuchKey (swap key from @claude-failover-swap-key: 'NoSuchKey')"),
        "{msgs}"
    );
}

#[test]
fn binary_path_with_space_quote_hash_and_parens_works_in_every_command() {
    let w = World::new();
    w.start_server();
    // `#S` would become the session name, `)` would end a #() job, `,` and `}` would end the
    // conditional the segment sits in, `'` would end sh's quotes.
    let dir = w.root.join("my bin").join("it's #S (v2)) $HOME, {x}");
    std::fs::create_dir_all(&dir).unwrap();
    let bin = dir.join("claude-failover");
    std::fs::copy(BIN, &bin).unwrap();
    let bin = bin.display().to_string();
    w.set_option("status-right", "<#{?#{==:a,a},#{claude_failover},no}>");
    // Through tmux's global environment, which run-shell passes on: no quoting involved here.
    w.tmux(&["set-environment", "-g", "CLAUDE_FAILOVER_BIN", &bin]);
    run_entry(&w, &[]);

    let version = format!("claude-failover {}", env!("CARGO_PKG_VERSION"));
    let right = global(&w, "status-right");
    assert_eq!(tick_commands(&right).len(), 1, "{right}");
    // The segment as a real client's status line runs it: tmux finds the end of the #() job,
    // expands formats in it, and sh runs it.
    let out = w.root.join("status.out");
    let probe = right.replacen(" tick)", &format!(" --version > {})", out.display()), 1);
    assert_ne!(probe, right);
    w.set_option("status-right", &probe);
    let _client = TerminalClient::attach(&w);
    w.wait_for(10, "the status job to run the binary", || {
        !w.read(&out).is_empty()
    });
    assert_eq!(w.read(&out).trim(), version);

    for hook in OUR_HOOKS {
        let line = our_hook_lines(&w)
            .into_iter()
            .find(|l| l.starts_with(hook))
            .unwrap_or_else(|| panic!("no {hook} hook"));
        let printed = run_stored_command(&w, &line, &format!(" hook --event {hook}"));
        assert_eq!(printed.trim(), version, "{line}");
    }
    let key = binding(&w, "S").expect("S is bound");
    let printed = run_stored_command(&w, &key, " swap --reason 'manual (key)' --display");
    assert_eq!(printed.trim(), version, "{key}");
}

#[test]
fn missing_binary_without_cargo_says_so_and_exits_0() {
    let w = World::new();
    w.start_server();
    let _client = ControlClient::attach(&w);
    w.set_option("status-right", "#{claude_failover} %H:%M");
    let tools = tools_dir(&w);
    // run_entry asserts that tmux (and so the entry) exited 0.
    run_entry_unbuilt(&w, &tools);
    let msgs = messages(&w);
    assert!(
        msgs.contains("cargo is missing: install Rust from https://rustup.rs and run"),
        "{msgs}"
    );
    assert!(msgs.contains("scripts/install.sh"), "{msgs}");
    let log = w.read(&w.state_dir.join("entry.log"));
    assert!(log.contains("cargo is missing"), "entry.log: {log:?}");
    assert!(our_hook_lines(&w).is_empty());
    assert_eq!(binding(&w, "S"), None);
    // The status line says so too, for whoever attaches after the message is gone.
    assert_eq!(global(&w, "status-right"), "#{@claude-failover-note} %H:%M");
    assert_eq!(shown(&w, "#{@claude-failover-note}"), "CC ⚠ not installed");
}

#[test]
fn binary_on_path_is_used_when_plugin_has_no_build() {
    let w = World::new();
    w.start_server();
    w.set_option("status-right", "#{claude_failover}");
    let tools = tools_dir(&w);
    std::os::unix::fs::symlink(BIN, tools.join("claude-failover")).unwrap();
    run_entry_unbuilt(&w, &tools);
    let expected = tools.join("claude-failover").display().to_string();
    assert_eq!(tick_commands(&global(&w, "status-right")), vec![expected]);
}

/// The `tmux` on PATH cannot talk to the server (a pre-3.6 tmux and a 3.6+ server, after a
/// package upgrade): the entry, run by the server, still installs everything through the
/// server's own executable. `TMUX_MATRIX_OTHER_TMUX` (set by scripts/tmux-matrix.sh) makes it a
/// real tmux of another version.
#[test]
fn entry_works_when_the_tmux_on_path_cannot_reach_the_server() {
    let w = World::new();
    w.start_server();
    w.set_option("status-right", "#{claude_failover}");
    let old = w.unreachable_tmux(true);
    let path = format!("{}:{}", old.display(), std::env::var("PATH").unwrap());
    run_entry(&w, &[("CLAUDE_FAILOVER_BIN", BIN), ("PATH", &path)]);
    assert_eq!(tick_commands(&global(&w, "status-right")), vec![BIN]);
    assert_eq!(our_hook_lines(&w).len(), OUR_HOOKS.len());
    assert!(binding(&w, "S").is_some());
}

/// A world whose PATH has no claude-failover and whose cargo is a script (`body`, run in the
/// plugin folder): a real release build would take minutes, and what is under test is the
/// entry: that it starts the build in the background, returns at once, guards against a second
/// build, and re-runs itself (or explains) afterwards.
struct BuildWorld {
    w: World,
    _client: ControlClient,
    env: Vec<(&'static str, String)>,
    plugin_dir: PathBuf,
}

impl BuildWorld {
    fn new(cargo_body: &str) -> BuildWorld {
        let w = World::new();
        w.start_server();
        let client = ControlClient::attach(&w);
        w.set_option("status-right", "#{claude_failover}");
        let tools = tools_dir(&w);
        // The plugin folder holds the build script the entry runs, as a checkout does.
        let plugin_dir = w.root.join("plugin");
        std::fs::create_dir_all(plugin_dir.join("scripts")).unwrap();
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/build.sh"),
            plugin_dir.join("scripts/build.sh"),
        )
        .unwrap();
        let cargo = tools.join("cargo");
        std::fs::write(
            &cargo,
            format!("#!/bin/sh\necho \"fake cargo $*\"\n{cargo_body}\n"),
        )
        .unwrap();
        Command::new("chmod")
            .arg("+x")
            .arg(&cargo)
            .status()
            .unwrap();
        let env = vec![
            ("PATH", tools.display().to_string()),
            ("CARGO_HOME", no_cargo_home(&w)),
            (
                "CLAUDE_FAILOVER_PLUGIN_DIR",
                plugin_dir.display().to_string(),
            ),
        ];
        BuildWorld {
            w,
            _client: client,
            env,
            plugin_dir,
        }
    }

    /// Run the entry; returns how long it took.
    fn run_entry(&self) -> std::time::Duration {
        let env: Vec<(&str, &str)> = self.env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let started = Instant::now();
        run_entry(&self.w, &env);
        started.elapsed()
    }

    fn build_log(&self) -> String {
        self.w.read(&self.w.state_dir.join("build.log"))
    }

    fn wait_lock_gone(&self) {
        self.w.wait_for(10, "the build lock to go", || {
            !self.w.state_dir.join("build.lock").exists()
        });
    }
}

#[test]
fn missing_binary_with_cargo_builds_in_background_then_installs() {
    // The fake build runs until the test creates `go` in the plugin folder.
    let b = BuildWorld::new(&format!(
        "while [ ! -e go ]; do sleep 0.05; done\nmkdir -p target/release && cp {} target/release/claude-failover",
        sh_quote(BIN)
    ));
    let w = &b.w;
    let took = b.run_entry();
    assert!(
        took.as_millis() < 900,
        "the entry waited for the build ({took:?})"
    );
    assert!(our_hook_lines(w).is_empty(), "installed before the build");
    assert!(
        messages(w).contains("claude-failover: building"),
        "{}",
        messages(w)
    );
    // While it builds, the status line says so instead of showing nothing.
    assert_eq!(shown_status_right(w), "CC building…");

    // A reload while the build runs does not start a second one.
    b.run_entry();
    assert!(
        messages(w).contains("claude-failover: still building"),
        "{}",
        messages(w)
    );
    assert_eq!(shown_status_right(w), "CC building…");
    assert!(our_hook_lines(w).is_empty(), "installed before the build");
    std::fs::write(b.plugin_dir.join("go"), "").unwrap();

    w.wait_for(15, "the entry to re-run after the build", || {
        our_hook_lines(w).len() == OUR_HOOKS.len()
    });
    let built = b.plugin_dir.join("target/release/claude-failover");
    w.wait_for(5, "the status segment", || {
        tick_commands(&global(w, "status-right")) == vec![built.display().to_string()]
    });
    b.wait_lock_gone();
    let log = b.build_log();
    assert_eq!(
        log.matches("fake cargo build --release --locked").count(),
        1,
        "build.log: {log:?}"
    );
    w.wait_for(5, "the message that the build is done", || {
        messages(w).contains("claude-failover: built in ")
    });
    assert_eq!(shown(w, "#{@claude-failover-note}"), "");
}

#[test]
fn failed_build_is_reported() {
    let b = BuildWorld::new("echo 'error[E0308]: mismatched types' >&2; exit 101");
    b.run_entry();
    b.wait_lock_gone();
    let w = &b.w;
    let log = w.state_dir.join("build.log");
    let expected = format!(
        "claude-failover: cargo build failed: error[E0308]: mismatched types (full log: {})",
        log.display()
    );
    w.wait_for(5, "the failure message", || messages(w).contains(&expected));
    assert!(b.build_log().contains("error[E0308]"), "{}", b.build_log());
    assert!(our_hook_lines(w).is_empty());
    // Whoever attaches later still sees that it failed, and where to look.
    assert_eq!(shown_status_right(w), "CC ⚠ build failed, see build.log");
}

#[test]
fn build_that_leaves_no_binary_does_not_loop() {
    let b = BuildWorld::new("exit 0");
    b.run_entry();
    b.wait_lock_gone();
    let w = &b.w;
    w.wait_for(5, "the explanation", || {
        messages(w).contains("the build finished but ")
    });
    assert_eq!(b.build_log().matches("fake cargo").count(), 1);
    assert!(our_hook_lines(w).is_empty());
    assert_eq!(shown_status_right(w), "CC ⚠ no binary");
}

/// Run `script` (a path) with bash, in this world's environment plus `env`.
fn run_script(w: &World, script: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = w.command("bash");
    cmd.arg(script).args(args).current_dir(&w.root);
    for (name, value) in env {
        cmd.env(name, value);
    }
    cmd.output().expect("bash runs")
}

/// Call the entry's bash helpers directly: `body` runs after sourcing tmux/quote.sh and
/// tmux/apply.sh, with the test's strings as $1, $2, ...
fn bash_helpers(body: &str, args: &[&str]) -> String {
    let root = env!("CARGO_MANIFEST_DIR");
    let script = format!(
        "source {root}/tmux/quote.sh && source {root}/tmux/apply.sh && {body}",
        root = sh_quote(root)
    );
    let out = Command::new("bash")
        .arg("-c")
        .arg(script)
        .arg("bash")
        .args(args)
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn shell_quoting_round_trips_through_sh() {
    for word in [
        "/plain/path",
        "/a b/c",
        "it's",
        "''",
        "(x) y)",
        "a\nb",
        "$HOME `id` \\ \"q\" & ; | * ? [x] ~",
        "é ü 日本",
        "",
    ] {
        let printed = bash_helpers(r#"cf_shq "$1" && sh -c "printf %s $REPLY""#, &[word]);
        assert_eq!(printed, word);
    }
}

#[test]
fn placeholder_replacement_is_literal() {
    let out = bash_helpers(
        r#"cf_replace_all "$1" "$2" && printf %s "$REPLY""#,
        &["a #{claude_failover} b #{claude_failover}", "[& \\1 #{x}]"],
    );
    assert_eq!(out, "a [& \\1 #{x}] b [& \\1 #{x}]");
    let out = bash_helpers(
        r#"cf_replace_all "$1" X && printf %s "$REPLY""#,
        &["#{claude_failover_other} #{claude-failover}"],
    );
    assert_eq!(out, "#{claude_failover_other} #{claude-failover}");
}

#[test]
fn uninstall_removes_only_what_the_entry_set() {
    let w = World::new();
    w.start_server();
    w.tmux(&["set-hook", "-g", "session-created[0]", "display hi"]);
    run_entry_with_bin(&w);
    assert_eq!(our_hook_lines(&w).len(), OUR_HOOKS.len());
    let out = run_script(
        &w,
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tmux/uninstall.sh"),
        &[],
        &[("TMUX", &tmux_env(&w))],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(our_hook_lines(&w).is_empty(), "{:?}", our_hook_lines(&w));
    assert_eq!(
        hook_lines(&w),
        vec!["session-created[0] display-message hi"]
    );
    assert_eq!(binding(&w, "S"), None);
    assert_eq!(global(&w, "@claude-failover-chain"), "");
    assert_eq!(global(&w, "@claude-failover-bound-key"), "");
}

/// $TMUX for a script run outside the server: the socket path is all a tmux client needs.
fn tmux_env(w: &World) -> String {
    let socket = w.tmux(&["display-message", "-p", "#{socket_path}"]);
    format!("{},0,0", socket.trim())
}

#[test]
fn install_script_without_cargo_fails_clearly() {
    let w = World::new();
    let tools = tools_dir(&w);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/install.sh");
    let out = run_script(
        &w,
        &script,
        &[],
        &[
            ("PATH", &tools.display().to_string()),
            ("CARGO_HOME", &no_cargo_home(&w)),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cargo (the Rust build tool) was not found"),
        "{err}"
    );
    assert!(err.contains("https://rustup.rs"), "{err}");
    assert!(out.stdout.is_empty());
}

/// As above, cargo is a script here ("installing" = recording its arguments): what is under test
/// is install.sh's plumbing and the tmux.conf lines it prints, which are then fed to tmux.
#[test]
fn install_script_runs_cargo_and_prints_working_tmux_lines() {
    let w = World::new();
    w.start_server();
    // A checkout whose path needs quoting at every layer.
    let repo = w.root.join("it's #S (checkout");
    std::fs::create_dir_all(repo.join("scripts")).unwrap();
    std::fs::create_dir_all(repo.join("tmux")).unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR"));
    for file in [
        "claude-failover.tmux",
        "scripts/install.sh",
        "scripts/build.sh",
        "tmux/quote.sh",
        "tmux/common.sh",
        "tmux/binary.sh",
        "tmux/apply.sh",
    ] {
        std::fs::copy(src.join(file), repo.join(file)).unwrap();
    }
    let tools = tools_dir(&w);
    let args_log = w.root.join("cargo-args");
    std::fs::write(
        tools.join("cargo"),
        format!(
            "#!/bin/sh\nprintf '%s|' \"$PWD\" \"$@\" > {}\n",
            sh_quote(&args_log.display().to_string())
        ),
    )
    .unwrap();
    Command::new("chmod")
        .arg("+x")
        .arg(tools.join("cargo"))
        .status()
        .unwrap();
    let env = [
        ("PATH", tools.display().to_string()),
        ("CARGO_HOME", no_cargo_home(&w)),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();

    let out = run_script(&w, &repo.join("scripts/install.sh"), &[], &env);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let repo_s = repo.display().to_string();
    // No rustc or cc on this PATH: the ordinary (dynamically linked) build.
    assert_eq!(
        w.read(&args_log),
        format!("{repo_s}|install|--path|{repo_s}|--locked|--bin|claude-failover|")
    );
    for line in [
        "set -g @plugin 'tmux-claude-failover'",
        "set -g status-right '#{claude_failover} %H:%M'",
        "set -g @claude-failover-accounts 'personal=~/.claude work=~/.claude-work'",
    ] {
        assert!(text.contains(line), "missing {line:?} in:\n{text}");
    }
    let run_line = text
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("run-shell "))
        .unwrap_or_else(|| panic!("no run-shell line in:\n{text}"))
        .to_string();

    // The printed line, sourced by tmux as tmux.conf would be, runs the entry.
    w.tmux(&["set-environment", "-g", "CLAUDE_FAILOVER_BIN", BIN]);
    let conf = w.root.join("tmux.conf");
    std::fs::write(&conf, format!("{run_line}\n")).unwrap();
    w.tmux(&["source-file", &conf.display().to_string()]);
    w.wait_for(5, "the printed run-shell line to install the hooks", || {
        our_hook_lines(&w).len() == OUR_HOOKS.len()
    });

    let out = run_script(
        &w,
        &repo.join("scripts/install.sh"),
        &["--build-only"],
        &env,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        w.read(&args_log),
        format!("{repo_s}|build|--release|--locked|")
    );
}
