//! What a swap may and may not do to a pane: no text from the file system becomes a tmux
//! command, nothing that is not Claude is killed, one failing pane blocks nothing, a failed
//! relaunch is reported, and nothing the user gave or typed is lost. Each test runs the real
//! binary against a real tmux server with the simulated `claude`.

mod common;

use std::path::{Path, PathBuf};

use common::{status_row, World};
use serde_json::Value;

struct Setup {
    w: World,
    a: PathBuf,
    b: PathBuf,
}

/// Accounts a and b, a limit confirmed on two polls, no cooldown.
fn setup() -> Setup {
    setup_with(false)
}

/// Like `setup`; with `ps`, processes are read through `ps` and tmux through `tmux` clients
/// only (the ways used without /proc, or when the server's socket cannot be used).
fn setup_with(ps: bool) -> Setup {
    let w = if ps {
        World::new().with_ps_backend().with_tmux_client_only()
    } else {
        World::new()
    };
    w.start_server();
    let (a, b) = w.two_accounts();
    w.quick_failover_options(0);
    Setup { w, a, b }
}

/// A word passed to tmux as itself: a trailing `;` would end the command.
fn tmux_word(s: &str) -> String {
    match s.strip_suffix(';') {
        Some(rest) => format!("{rest}\\;"),
        None => s.to_string(),
    }
}

/// Start `claude ARGS` on `account` in a new window whose shell changes to `cwd` itself (so the
/// test never hands the folder to tmux as a format); returns the pane once Claude is ready.
fn claude_in(w: &World, account: &Path, cwd: &Path, args: &str) -> String {
    let script = format!("cd \"$0\" && exec claude {args}");
    let pane = w.new_window(&[
        "-t",
        "main",
        "-e",
        &format!("CLAUDE_CONFIG_DIR={}", account.display()),
        "/bin/sh",
        "-c",
        &script,
        &tmux_word(&cwd.display().to_string()),
    ]);
    w.wait_screen(&pane, "Claude Code", 10);
    pane
}

/// A whole turn: the reply on screen and the simulator idle again (its session file says so).
fn turn(w: &World, pane: &str, text: &str) {
    w.type_line(pane, text);
    w.wait_screen(pane, &format!("Sim reply to: {text}"), 10);
    w.wait_for(10, "the turn to end", || {
        let st = w.status_json();
        st["panes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["pane"] == pane && p["state"] != "busy")
    });
}

fn session_id(w: &World, pane: &str) -> String {
    w.cf_ok(&["tick"]);
    status_row(&w.status_json(), pane).unwrap()["session_id"]
        .as_str()
        .unwrap_or_else(|| panic!("no session id for {pane}"))
        .to_string()
}

/// The launch of `claude` that resumed `id`, once it happened.
fn resume_launch(w: &World, id: &str) -> Value {
    let mut found = None;
    w.wait_for(10, &format!("a launch resuming {id}"), || {
        found = w.launches().into_iter().rev().find(|l| l["resume"] == id);
        found.is_some()
    });
    found.unwrap()
}

/// One Claude pane on a in a fresh folder, with one turn done; returns it and its session id.
fn one_pane(s: &Setup, args: &str) -> (String, String) {
    let w = &s.w;
    let work = w.home.join("work");
    std::fs::create_dir_all(&work).unwrap();
    let pane = claude_in(w, &s.a, &work, args);
    turn(w, &pane, "hello");
    let id = session_id(w, &pane);
    (pane, id)
}

/// `one_pane`, swapped to b and back on screen; returns the pane.
fn swapped_pane(s: &Setup) -> String {
    let w = &s.w;
    let (pane, id) = one_pane(s, "");
    w.cf_ok(&["swap", "--reason", "test"]);
    assert_eq!(
        resume_launch(w, &id)["config_dir"],
        s.b.display().to_string()
    );
    w.wait_screen(&pane, "Sim reply to: hello", 10);
    pane
}

/// Attach a client to `main` (from a pane of another session, as a terminal would); returns
/// its name. Messages sent to it are in the server's message log (`show-messages`).
fn attach_client(w: &World) -> String {
    let attach = format!(
        "env -u TMUX tmux -L {} -f /dev/null attach -t main",
        w.socket
    );
    w.tmux(&[
        "new-session",
        "-d",
        "-s",
        "viewer",
        "-x",
        "200",
        "-y",
        "50",
        &attach,
    ]);
    let mut name = String::new();
    w.wait_for(10, "an attached client", || {
        name = w
            .tmux(&["list-clients", "-F", "#{client_name}"])
            .trim()
            .to_string();
        !name.is_empty()
    });
    name
}

/// The messages `display-message` showed on `client`, as tmux logged the commands.
fn client_messages(w: &World, client: &str) -> String {
    w.tmux(&["show-messages", "-t", client])
        .lines()
        .filter(|l| l.contains("display-message"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn journal(w: &World) -> Value {
    let state: Value = serde_json::from_str(&w.read(&w.state_dir.join("state.json"))).unwrap();
    state["journal"].clone()
}

fn current_command(w: &World, pane: &str) -> String {
    w.tmux(&["display", "-p", "-t", pane, "#{pane_current_command}"])
        .trim()
        .to_string()
}

/// Folders named like tmux syntax (formats, `#(...)` commands, a trailing `;`) and shell syntax
/// are only ever folders: each pane comes back in its own folder resuming its own conversation,
/// nothing runs, the swap completes. Before, `#(...)` ran, `#x` folders were rewritten (the
/// resume failed in another folder) and `proj;` wedged the journal.
#[test]
fn folder_names_never_become_tmux_commands() {
    let s = setup();
    let w = &s.w;
    let names = [
        "#",
        "#{pane_id}",
        "#(touch PWNED)",
        "##",
        "C#Sharp-notes",
        "proj;",
        "a;b",
        "with space",
        "it's \"quoted\"",
        "50% #[fg=red]",
    ];
    let mut panes = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let dir = w.home.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        let pane = claude_in(w, &s.a, &dir, "");
        turn(w, &pane, &format!("folder {i}"));
        let id = session_id(w, &pane);
        panes.push((pane, dir, id));
    }
    // The reason reaches every client's status line as written, formats and all.
    let client = attach_client(w);
    let reason = "#(touch PWNED) 50% #{host} ##[fg=red];";
    w.cf_ok(&["swap", "--reason", reason]);
    let expected = format!("pane(s)): {reason}");
    w.wait_for(10, "the message on the client", || {
        // On the status line; tmux 3.2a may have cleared it by then, but logs it.
        w.capture("viewer").contains(&expected)
            || w.tmux(&["show-messages", "-t", &client])
                .lines()
                .any(|l| l.contains(" message: ") && l.contains("#(touch PWNED) 50% #{host}"))
    });
    for (i, (pane, dir, id)) in panes.iter().enumerate() {
        let launch = resume_launch(w, id);
        assert_eq!(launch["cwd"], dir.display().to_string(), "{}", names[i]);
        assert_eq!(launch["config_dir"], s.b.display().to_string());
        w.wait_screen(pane, &format!("Sim reply to: folder {i}"), 10);
    }
    assert!(journal(w).is_null(), "the swap completed");
    assert!(w.events("restart-failed").is_empty());
    let swaps = w.events("swap");
    assert_eq!(swaps.len(), 1);
    assert!(swaps[0]["panes"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["outcome"] == "resumed"));
    let here = std::env::current_dir().unwrap();
    for place in [&w.home, &w.root, &here, &w.home.join("#")] {
        assert!(!place.join("PWNED").exists(), "a #() ran in {place:?}");
    }

    // `up` creates a declared session in such a folder, under such a name, as they are.
    let dir = w.home.join("#(touch PWNED) x;");
    std::fs::create_dir_all(&dir).unwrap();
    w.set_option(
        "@claude-failover-sessions",
        &format!("'s#{{host}}'='{}'", dir.display()),
    );
    let out = w.cf_ok(&["up"]);
    assert!(out.contains("created"), "{out}");
    w.wait_for(10, "the declared session's claude", || {
        w.launches()
            .iter()
            .any(|l| l["cwd"] == dir.display().to_string())
    });
    let sessions = w.tmux(&["list-sessions", "-F", "#{session_name}"]);
    assert!(sessions.lines().any(|l| l == "s#{host}"), "{sessions}");
    for place in [&w.home, &w.root, &here, &dir] {
        assert!(!place.join("PWNED").exists(), "a #() ran in {place:?}");
    }
}

/// A pane that tmux refuses to restart (its command line is longer than tmux takes) is reported
/// with an event and does not stop the others: they move, and the swap completes.
#[test]
fn one_pane_that_cannot_be_restarted_blocks_nothing() {
    let s = setup();
    let w = &s.w;
    let work = w.home.join("work");
    std::fs::create_dir_all(&work).unwrap();
    // Too long for one tmux command (16 KiB), as some system prompts are.
    let long = w.root.join("long-prompt");
    std::fs::write(&long, "x".repeat(20_000)).unwrap();
    let big = claude_in(
        w,
        &s.a,
        &work,
        &format!("--append-system-prompt \"$(cat '{}')\"", long.display()),
    );
    let small = claude_in(w, &s.a, &work, "");
    turn(w, &big, "big");
    turn(w, &small, "small");
    let big_id = session_id(w, &big);
    let small_id = session_id(w, &small);
    w.cf_ok(&["swap", "--reason", "test"]);
    assert_eq!(
        resume_launch(w, &small_id)["config_dir"],
        s.b.display().to_string()
    );
    assert!(journal(w).is_null(), "the swap completed");
    let failed = w.events("restart-failed");
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert_eq!(failed[0]["pane"], big.as_str());
    assert_eq!(failed[0]["session_id"], big_id.as_str());
    assert!(
        failed[0]["why"].as_str().unwrap().contains(&big),
        "{failed:#?}"
    );
    let swap = &w.events("swap")[0];
    let outcome = |p: &str| {
        swap["panes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["pane"] == p)
            .unwrap()["outcome"]
            .clone()
    };
    assert_eq!(outcome(&big), "restart-failed");
    assert_eq!(outcome(&small), "resumed");
}

/// A pane whose new Claude the user left (`/exit`) and that now runs something else is never
/// killed by the next swap: only panes running Claude at the moment of a swap are restarted.
#[test]
fn a_pane_no_longer_running_claude_is_never_killed() {
    a_pane_no_longer_running_claude_is_never_killed_through(false)
}

#[test]
fn a_pane_no_longer_running_claude_is_never_killed_through_ps() {
    a_pane_no_longer_running_claude_is_never_killed_through(true)
}

fn a_pane_no_longer_running_claude_is_never_killed_through(ps: bool) {
    let s = setup_with(ps);
    let w = &s.w;
    let pane = swapped_pane(&s);
    // Before any poll sees the new Claude, the user leaves it and starts an editor-like job.
    w.type_line(&pane, "/exit");
    w.wait_screen(&pane, "Resume this session with", 10);
    w.wait_for(10, "the user's shell", || {
        current_command(w, &pane) != "claude"
    });
    w.type_line(&pane, "sleep 1000");
    w.wait_for(10, "sleep in the pane", || {
        current_command(w, &pane) == "sleep"
    });
    let launches_before = w.launches().len();
    w.cf_ok(&["swap", "--to", "a", "--reason", "second"]);
    assert_eq!(
        current_command(w, &pane),
        "sleep",
        "the user's job was killed"
    );
    assert_eq!(w.launches().len(), launches_before, "nothing was launched");
}

/// A relaunch that fails at once (here: "No conversation found", the transcript emptied) is a
/// `restart-failed` event with the pane, its session and Claude's own words, shown in `status`;
/// never `resumed`.
#[test]
fn a_relaunch_that_fails_at_once_is_reported() {
    a_relaunch_that_fails_at_once_is_reported_through(false)
}

#[test]
fn a_relaunch_that_fails_at_once_is_reported_through_ps() {
    a_relaunch_that_fails_at_once_is_reported_through(true)
}

fn a_relaunch_that_fails_at_once_is_reported_through(ps: bool) {
    let s = setup_with(ps);
    let w = &s.w;
    let (pane, id) = one_pane(&s, "");
    w.empty_transcript(&w.home.join(".claude-shared/projects"), &id);
    let client = attach_client(w);
    w.cf_ok(&["swap", "--reason", "test"]);
    // The swap watches its panes for a few seconds; on a machine too loaded for Claude's exit to
    // show in that time, the next poll finds it. Either way: within a bounded time.
    let caught_by_the_swap = w.events("restart-failed").len() == 1;
    if !caught_by_the_swap {
        w.wait_for(20, "the restart-failed event", || {
            w.cf_ok(&["tick"]);
            !w.events("restart-failed").is_empty()
        });
    }
    let shown = client_messages(w, &client);
    assert!(shown.contains("did not restart on b"), "{shown}");
    if caught_by_the_swap {
        // The last message stays on the client's status line, drawn as written.
        w.wait_screen(
            "viewer",
            "swapped a -> b (1 pane(s), 1 not restarted): test",
            10,
        );
        assert_eq!(w.events("swap")[0]["panes"][0]["outcome"], "restart-failed");
    }
    let failed = w.events("restart-failed");
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert_eq!(failed[0]["pane"], pane.as_str());
    assert_eq!(failed[0]["session_id"], id.as_str());
    let why = failed[0]["why"].as_str().unwrap();
    assert!(why.contains("No conversation found"), "{why}");
    assert!(why.contains("status 1"), "{why}");
    let st = w.status_json();
    let row = status_row(&st, &pane).unwrap_or_else(|| panic!("{st:#}"));
    assert_eq!(row["state"], "restart-failed");
    assert!(row["why"]
        .as_str()
        .unwrap()
        .contains("No conversation found"));
    let text = w.cf_ok(&["status"]);
    assert!(text.contains("restart-failed"), "{text}");
    // Later polls keep saying so, and say it once.
    w.cf_ok(&["tick"]);
    w.cf_ok(&["tick"]);
    assert_eq!(w.events("restart-failed").len(), 1);
    assert_eq!(
        status_row(&w.status_json(), &pane).unwrap()["state"],
        "restart-failed"
    );
}

/// A relaunch that fails after the swap stopped watching (here Claude takes 4 s to start) is
/// found by the next poll, reported once.
#[test]
fn a_relaunch_that_fails_late_is_reported_by_the_next_poll() {
    let s = setup();
    let w = &s.w;
    let (pane, id) = one_pane(&s, "");
    w.empty_transcript(&w.home.join(".claude-shared/projects"), &id);
    let slow = w.root.join("slow-claude");
    std::fs::write(&slow, "#!/bin/sh\nsleep 4\nexec claude \"$@\"\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&slow, std::fs::Permissions::from_mode(0o755)).unwrap();
    w.set_option("@claude-failover-command", &slow.display().to_string());
    w.cf_ok(&["swap", "--reason", "test"]);
    assert!(w.events("restart-failed").is_empty(), "too early");
    w.wait_screen(&pane, "Claude exited with status 1", 15);
    w.cf_ok(&["tick"]);
    let failed = w.events("restart-failed");
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert_eq!(failed[0]["pane"], pane.as_str());
    assert!(failed[0]["why"]
        .as_str()
        .unwrap()
        .contains("No conversation found"));
    w.cf_ok(&["tick"]);
    assert_eq!(w.events("restart-failed").len(), 1);
}

/// A pane started as `claude --model opus --add-dir X ...` comes back with those options (and
/// the configured ones it lacks, once), without the ones that chose its old conversation.
#[test]
fn a_restart_keeps_the_panes_own_claude_options() {
    let s = setup();
    let w = &s.w;
    w.set_option(
        "@claude-failover-args",
        "--dangerously-skip-permissions --verbose",
    );
    let work = w.home.join("work");
    let extra = w.home.join("extra dir");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::create_dir_all(&extra).unwrap();
    let pane = claude_in(
        w,
        &s.a,
        &work,
        &format!(
            "--model opus --add-dir '{}' --permission-mode plan --dangerously-skip-permissions",
            extra.display()
        ),
    );
    turn(w, &pane, "hello");
    let id = session_id(w, &pane);
    w.cf_ok(&["swap", "--reason", "test"]);
    let args = resume_launch(w, &id)["args"].clone();
    assert_eq!(
        args,
        serde_json::json!([
            "--model",
            "opus",
            "--add-dir",
            extra.display().to_string(),
            "--permission-mode",
            "plan",
            "--dangerously-skip-permissions",
            "--verbose",
            "--resume",
            id,
        ])
    );
    // Swapped again, the restarted pane keeps them too (read from the new process).
    w.wait_screen(&pane, "Sim reply to: hello", 10);
    w.cf_ok(&["tick"]);
    w.cf_ok(&["swap", "--to", "a", "--reason", "back"]);
    w.wait_for(10, "the second restart", || {
        w.launches()
            .iter()
            .filter(|l| l["resume"] == id.as_str())
            .count()
            == 2
    });
    let last = w
        .launches()
        .into_iter()
        .rev()
        .find(|l| l["resume"] == id.as_str())
        .unwrap();
    assert_eq!(last["args"], args);
}

/// A prompt typed and not yet sent lives only on screen: the pane waits, like a busy one, until
/// its box is empty, and is restarted at the next poll after that.
#[test]
fn an_unsent_prompt_defers_the_restart_until_it_is_sent() {
    let s = setup();
    let w = &s.w;
    let work = w.home.join("work");
    std::fs::create_dir_all(&work).unwrap();
    let typing = claude_in(w, &s.a, &work, "");
    let other = claude_in(w, &s.a, &work, "");
    turn(w, &typing, "before");
    turn(w, &other, "other");
    let id = session_id(w, &typing);
    w.tmux(&["send-keys", "-t", &typing, "-l", "half a thought"]);
    w.wait_screen(&typing, "half a thought", 10);
    w.cf_ok(&["swap", "--reason", "test"]);
    let resumed = |w: &World| w.launches().iter().any(|l| l["resume"] == id.as_str());
    assert!(!resumed(w), "the typed prompt was thrown away");
    assert_eq!(
        status_row(&w.status_json(), &typing).unwrap()["state"],
        "waiting-idle"
    );
    w.cf_ok(&["tick"]);
    assert!(!resumed(w), "a poll threw the typed prompt away");
    assert!(w.capture(&typing).contains("half a thought"));
    // Sent: the turn runs, the box is empty, the next poll moves the pane.
    w.tmux(&["send-keys", "-t", &typing, "Enter"]);
    w.wait_screen(&typing, "Sim reply to: half a thought", 10);
    w.wait_for(10, "the restart once the prompt was sent", || {
        w.cf_ok(&["tick"]);
        resumed(w)
    });
    w.wait_screen(&typing, "Sim reply to: half a thought", 10);
}

/// After a restart tmux names the pane after Claude (Claude is its foreground process, so
/// automatic window names and other tools still see it), a suspended Claude comes back, and
/// `/exit` still leaves a shell.
#[test]
fn a_restarted_claude_is_the_panes_foreground_process() {
    let s = setup();
    let w = &s.w;
    let pane = swapped_pane(&s);
    w.wait_for(10, "claude as the pane's command", || {
        current_command(w, &pane) == "claude"
    });
    // Suspended (as Ctrl-Z does), Claude leaves a shell, and comes back when that shell exits.
    w.cf_ok(&["tick"]);
    let pid = status_row(&w.status_json(), &pane).unwrap()["pid"].to_string();
    let stop = w.command("kill").args(["-TSTP", &pid]).status().unwrap();
    assert!(stop.success());
    w.wait_screen(&pane, "Claude is suspended", 10);
    w.wait_for(10, "a shell while Claude is suspended", || {
        current_command(w, &pane) != "claude"
    });
    w.type_line(&pane, "exit");
    w.wait_for(10, "Claude back in the foreground", || {
        current_command(w, &pane) == "claude"
    });
    w.type_line(&pane, "/exit");
    w.wait_screen(&pane, "Resume this session with", 10);
    w.wait_for(10, "the user's shell", || {
        matches!(current_command(w, &pane).as_str(), "sh" | "bash" | "dash")
    });
    w.type_line(&pane, "echo still-$((40+2))");
    w.wait_screen(&pane, "still-42", 10);
}
