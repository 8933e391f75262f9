//! The ground: state, options, events and the tmux plumbing, through the real binary.

mod common;

use std::os::unix::fs::PermissionsExt;

use common::{json, World};

#[test]
fn status_json_works_on_an_empty_state() {
    let w = World::new();
    w.start_server();
    let out = w.cf(&["status", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out.stdout);
    assert_eq!(v["active"], "default");
    assert_eq!(v["accounts"][0]["name"], "default");
    assert_eq!(
        v["accounts"][0]["dir"],
        w.home.join(".claude").display().to_string()
    );
    assert!(v["accounts"][0]["exhausted_until"].is_null());
    assert!(v["cooldown_until"].is_null());
    assert!(v["last_swap"].is_null());
    assert_eq!(v["panes"], serde_json::json!([]));
    // status is read-only: it created the private folder but wrote no state.
    assert!(!w.state_dir.join("state.json").exists());
    let mode = std::fs::metadata(&w.state_dir)
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o700);
}

/// A tick reads tmux through the server's socket: no `tmux` process at all, and the same view
/// of the panes as through a `tmux` client.
#[test]
fn a_tick_reads_tmux_through_its_socket_with_the_same_result() {
    let w = World::new();
    w.start_server();
    let log = w.count_tmux_runs();
    let pane = w.launch_claude(None, &w.home);
    let runs = || w.read(&log).lines().count();
    let before = runs();
    w.cf_ok(&["tick"]);
    let socket_status = w.cf_ok(&["status", "--json"]);
    assert_eq!(runs(), before, "a tick or status started a tmux client");

    let out = w
        .command(common::BIN)
        .env("CLAUDE_FAILOVER_TMUX_CLIENT", "1")
        .args(["-L", &w.socket, "status", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        runs() > before,
        "CLAUDE_FAILOVER_TMUX_CLIENT=1 did not use a tmux client"
    );
    let mut socket_status = json(socket_status.as_bytes());
    let mut client_status = json(&out.stdout);
    assert_eq!(socket_status["panes"][0]["pane"], pane);
    assert_eq!(socket_status["tmux_via"], "socket");
    assert_eq!(client_status["tmux_via"], "client");
    for s in [&mut socket_status, &mut client_status] {
        s.as_object_mut().unwrap().remove("tmux_via");
        s.as_object_mut().unwrap().remove("tmux_socket_problem");
    }
    assert_eq!(socket_status, client_status);
}

/// A Claude process found at one poll is checked at the next with a glance (its `stat` and its
/// session file) instead of reading the pane's process tree, arguments and environment again.
/// What the glance finds must be what a full read finds: in the steady state, after Claude in
/// a pane is replaced by another, beside a stopped one, and when the command option changes;
/// read while the server answers through its socket, or while a `tmux` client runs.
#[test]
fn a_claude_process_checked_at_a_glance_is_found_as_a_full_read_finds_it() {
    let w = World::new();
    w.start_server();
    let script = w.claude_wrapper("cc-wrap");
    let plain = w.launch_claude(None, &w.home);
    let wrapped = w.launch(&script.display().to_string(), None, &w.home);
    let shell = w.new_window(&["-t", "main", "sh"]);
    let shell_pid = w.tmux(&["display", "-p", "-t", &shell, "#{pane_pid}"]);
    let children = format!("/proc/{0}/task/{0}/children", shell_pid.trim());
    let claudes = || {
        let pids = w.read(std::path::Path::new(&children));
        let pids: Vec<String> = pids.split_whitespace().map(str::to_string).collect();
        pids
    };
    // Started once it keeps its session file, as a full read then finds it.
    let has_session_file =
        |pid: &String| w.home.join(format!(".claude/sessions/{pid}.json")).exists();
    let start_in_shell = || {
        let before = claudes().len();
        // C-j: a stopped Claude leaves the terminal raw, where Enter is no newline to `sh`.
        w.tmux(&["send-keys", "-t", &shell, "stty sane; clear; claude", "C-j"]);
        w.wait_for(20, "another Claude in the shell", || {
            let now = claudes();
            now.len() > before && now.iter().all(has_session_file)
        });
        w.wait_screen(&shell, "Claude Code", 10);
    };
    start_in_shell();
    let state_file = w.state_dir.join("state.json");
    let panes = || json(w.read(&state_file).as_bytes())["panes"].clone();
    let seen_pid = |pane: &str| panes()[pane]["seen"]["process"]["pid"].as_u64();
    // Forget what the last poll saw: the next one reads every tree in full.
    let forget = || {
        let mut state = json(w.read(&state_file).as_bytes());
        for pane in state["panes"].as_object_mut().unwrap().values_mut() {
            pane.as_object_mut().unwrap().remove("seen");
        }
        std::fs::write(&state_file, state.to_string()).unwrap();
    };
    let same_as_a_full_read = |what: &str| {
        w.cf_ok(&["tick"]);
        let glance = panes();
        // Through a `tmux` client the glances are read while the client runs: the same again.
        let out = w
            .command(common::BIN)
            .env("CLAUDE_FAILOVER_TMUX_CLIENT", "1")
            .args(["-L", &w.socket, "tick"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{what}: {out:?}");
        assert_eq!(glance, panes(), "{what}, through a tmux client");
        forget();
        w.cf_ok(&["tick"]);
        assert_eq!(glance, panes(), "{what}");
    };
    w.cf_ok(&["tick"]);
    for pane in [&plain, &wrapped, &shell] {
        assert!(seen_pid(pane).is_some(), "{pane}: {:#}", panes());
    }
    same_as_a_full_read("steady state");

    // The glance is what the next poll uses: what it keeps of the process is not read again.
    let mut state = json(w.read(&state_file).as_bytes());
    state["panes"][&plain]["seen"]["process"]["argv"] = serde_json::json!(["claude", "--kept"]);
    std::fs::write(&state_file, state.to_string()).unwrap();
    w.cf_ok(&["tick"]);
    assert_eq!(
        panes()[&plain]["seen"]["process"]["argv"],
        serde_json::json!(["claude", "--kept"])
    );
    forget();
    w.cf_ok(&["tick"]);

    // Claude in the shell pane exits and another starts there.
    let first = seen_pid(&shell).unwrap();
    let kill = |signal: &str, pid: u64| {
        let ok = std::process::Command::new("kill")
            .args([signal, &pid.to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
    };
    kill("-TERM", first);
    w.wait_for(10, "the first Claude to exit", || {
        !std::path::Path::new(&format!("/proc/{first}")).exists()
    });
    start_in_shell();
    same_as_a_full_read("a new Claude in the shell pane");
    let second = seen_pid(&shell).unwrap();
    assert_ne!(first, second);

    // It is stopped (as by Ctrl-Z) and another starts beside it.
    kill("-STOP", second);
    start_in_shell();
    same_as_a_full_read("a stopped Claude beside a new one");
    assert_ne!(seen_pid(&shell), Some(second), "{:#}", panes());
    kill("-CONT", second);

    // Another command option: what was judged with the old one is judged again.
    w.set_option("@claude-failover-command", script.to_str().unwrap());
    same_as_a_full_read("another command option");
}

/// Among many panes every Claude pane is found once, with its own session, and nothing else is.
#[test]
fn among_many_panes_every_claude_pane_is_found_once() {
    let w = World::new();
    w.start_server();
    for _ in 0..20 {
        w.tmux(&["new-window", "-d", "-t", "main", "sleep 120"]);
    }
    let claude: Vec<String> = (0..3).map(|_| w.launch_claude(None, &w.home)).collect();
    for _ in 0..10 {
        w.tmux(&["new-window", "-d", "-t", "main", "sleep 120"]);
    }
    let status = json(w.cf_ok(&["status", "--json"]).as_bytes());
    let mut seen: Vec<String> = status["panes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["pane"].as_str().unwrap().to_string())
        .collect();
    seen.sort();
    let mut want = claude.clone();
    want.sort();
    assert_eq!(seen, want);
    for p in status["panes"].as_array().unwrap() {
        assert!(p["session_id"].is_string(), "{p}");
    }
}

/// A wrapper named `claude` that starts the real CLI as its child (as an npm install may): the
/// pane's Claude is the child, the one that writes `sessions/<pid>.json`.
#[test]
fn a_wrapper_that_starts_claude_as_a_child_is_looked_through() {
    let w = World::new();
    w.start_server();
    let script = w.claude_wrapper("claude");
    let pane = w.launch(&script.display().to_string(), None, &w.home);
    let pane = pane.as_str();
    let status = json(w.cf_ok(&["status", "--json"]).as_bytes());
    let row = &status["panes"][0];
    assert_eq!(row["pane"], pane, "{status:#}");
    let pid = row["pid"].as_u64().unwrap();
    let wrapper_pid: u64 = w
        .tmux(&["display-message", "-p", "-t", pane, "#{pane_pid}"])
        .trim()
        .parse()
        .unwrap();
    assert_ne!(
        pid, wrapper_pid,
        "the wrapper was taken for Claude: {status:#}"
    );
    assert!(w
        .home
        .join(".claude/sessions")
        .join(format!("{pid}.json"))
        .exists());
    assert!(row["session_id"].is_string(), "{status:#}");
}

#[test]
fn state_files_are_private_and_an_idle_tick_writes_nothing() {
    let w = World::new();
    w.start_server();
    w.cf_ok(&["tick"]);
    let state = w.state_dir.join("state.json");
    for f in ["state.json", "lock"] {
        let mode = std::fs::metadata(w.state_dir.join(f))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{f}");
    }
    let before = std::fs::metadata(&state).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    for _ in 0..3 {
        w.cf_ok(&["tick"]);
    }
    let after = std::fs::metadata(&state).unwrap();
    use std::os::unix::fs::MetadataExt;
    assert_eq!(before.ino(), after.ino(), "state.json was rewritten");
    assert_eq!(before.mtime_nsec(), after.mtime_nsec());
}

#[test]
fn a_corrupt_state_file_is_kept_aside_and_replaced() {
    let w = World::new();
    w.start_server();
    std::fs::create_dir_all(&w.state_dir).unwrap();
    std::fs::set_permissions(&w.state_dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    let state = w.state_dir.join("state.json");
    std::fs::write(&state, b"{\"version\": 1, \"active\": [garbage").unwrap();
    let seg = w.cf_ok(&["tick"]);
    assert!(seg.contains("CC"), "{seg}");
    let kept: Vec<_> = std::fs::read_dir(&w.state_dir)
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("state.json.corrupt-")
        })
        .collect();
    assert_eq!(kept.len(), 1, "the damaged file is kept, not deleted");
    assert_eq!(
        std::fs::read(kept[0].path()).unwrap(),
        b"{\"version\": 1, \"active\": [garbage"
    );
    let fresh = json(&std::fs::read(&state).unwrap());
    assert_eq!(fresh["version"], 1);
    let events = w.cf_ok(&["events", "--json"]);
    assert_eq!(events.matches("state-corrupt").count(), 1, "{events}");
    // Reported once: the next run finds a good state.
    w.cf_ok(&["tick"]);
    let events = w.cf_ok(&["events", "--json"]);
    assert_eq!(events.matches("state-corrupt").count(), 1, "{events}");
}

#[test]
fn bad_option_values_are_reported_with_the_option_name() {
    let w = World::new();
    w.start_server();
    for (name, value, words) in [
        (
            "@claude-failover-confirm-polls",
            "often",
            "not a whole number",
        ),
        ("@claude-failover-cooldown", "-1", "not a whole number"),
        ("@claude-failover-accounts", "nodir", "NAME=DIR"),
        ("@claude-failover-accounts", "a=/x a=/y", "twice"),
        ("@claude-failover-args", "'unbalanced", "quote"),
    ] {
        w.set_option(name, value);
        let out = w.cf(&["status"]);
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(name) && err.contains(words),
            "{name}={value}: {err}"
        );
        // The status segment still prints and exits 0.
        let tick = w.cf(&["tick"]);
        assert!(tick.status.success());
        assert!(String::from_utf8_lossy(&tick.stdout).contains("CC"));
        w.tmux(&["set", "-gu", name]);
    }
}

#[test]
fn a_dead_or_missing_server_never_breaks_the_status_line() {
    let w = World::new();
    w.start_server();
    w.cf_ok(&["tick"]);
    w.tmux(&["kill-server"]);
    let out = w.cf(&["tick"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("CC"));
    // A hook prints nothing and exits 0.
    let out = w.cf(&["hook", "--event", "client-attached"]);
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
    // Commands that need the server say so and exit 2.
    let out = w.cf(&["status"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no server running"));
}

#[test]
fn events_are_listed_as_text_json_and_tail() {
    let w = World::new();
    w.start_server();
    w.set_option("@claude-failover-cooldown", "x");
    w.cf_ok(&["tick"]);
    w.tmux(&["set", "-gu", "@claude-failover-cooldown"]);
    w.set_option("@claude-failover-confirm-gap", "y");
    w.cf_ok(&["tick"]);
    let all = w.cf_ok(&["events", "--json"]);
    let lines: Vec<_> = all.lines().collect();
    assert_eq!(lines.len(), 2, "{all}");
    for l in &lines {
        let v = json(l.as_bytes());
        assert!(v["ts"].as_str().unwrap().ends_with('Z'));
        assert_eq!(v["event"], "error");
    }
    let last = w.cf_ok(&["events", "-n", "1"]);
    assert!(
        last.contains("confirm-gap") && !last.contains("cooldown"),
        "{last}"
    );
}

#[test]
fn state_dir_owned_by_someone_else_or_a_symlink_is_refused() {
    let w = World::new();
    w.start_server();
    let real = w.root.join("elsewhere");
    std::fs::create_dir_all(&real).unwrap();
    std::fs::create_dir_all(w.state_dir.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(&real, &w.state_dir).unwrap();
    let out = w.cf(&["status"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a folder"));
    let tick = w.cf(&["tick"]);
    assert!(tick.status.success());
    assert_eq!(
        std::fs::read_dir(&real).unwrap().count(),
        0,
        "nothing written through the link"
    );
}

#[test]
fn help_describes_every_command() {
    let w = World::new();
    let out = w.cf_ok(&["--help"]);
    for cmd in [
        "tick", "detect", "swap", "status", "links", "up", "events", "demo",
    ] {
        assert!(out.contains(cmd), "{cmd} missing from --help");
    }
    let out = w.cf(&["frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
}
