//! The failover loop end to end: a real tmux server, the simulated `claude` in panes, the real
//! binary polling, confirming and swapping.

mod common;

use std::path::{Path, PathBuf};

use common::{pane_row, set_mode, World};
use serde_json::Value;

struct Setup {
    w: World,
    a: PathBuf,
    b: PathBuf,
    c: Option<PathBuf>,
    work: PathBuf,
    other: PathBuf,
}

/// `accounts` (2 or 3: a, b, c) homes with their shared links made by hand (the links feature
/// is tested on its own), a limit confirmed on two polls, `cooldown` seconds of cooldown.
fn setup(accounts: usize, cooldown: u64, ps: bool) -> Setup {
    let w = if ps {
        World::new().with_ps_backend().with_tmux_client_only()
    } else {
        World::new()
    };
    w.start_server();
    let mut homes = w.accounts(&["a", "b", "c"][..accounts]).into_iter();
    let (a, b, c) = (homes.next().unwrap(), homes.next().unwrap(), homes.next());
    w.quick_failover_options(cooldown);
    w.set_option("@claude-failover-args", "--dangerously-skip-permissions");
    let (work, other) = w.work_dirs();
    Setup {
        w,
        a,
        b,
        c,
        work,
        other,
    }
}

/// Start `claude` on `account_dir` in a new pane in `cwd`; returns the pane id once it is ready.
fn start_claude(w: &World, account_dir: &Path, cwd: &Path) -> String {
    w.launch_claude(Some(account_dir), cwd)
}

/// Every failover scenario runs twice: reading processes through /proc and tmux through its
/// socket; then through `ps` (the way used on macOS and other systems without /proc) and
/// `tmux` client processes only (the way used when the socket cannot be used).
macro_rules! through_both_backends {
    ($($name:ident),* $(,)?) => {
        mod proc_backend {
            $( #[test] fn $name() { super::$name(false) } )*
        }
        mod ps_backend {
            $( #[test] fn $name() { super::$name(true) } )*
        }
    };
}

through_both_backends!(
    confirmed_limit_swaps_every_pane_in_place_with_its_own_session,
    server_errors_and_single_polls_never_swap,
    cooldown_blocks_an_automatic_swap_but_records_the_limit,
    all_exhausted_restarts_nothing_and_warns,
    pane_without_session_id_is_left_at_a_shell_with_a_message,
    concurrent_ticks_swap_exactly_once,
    a_swap_killed_after_its_journal_is_finished_by_the_next_tick,
    busy_pane_is_restarted_only_once_idle,
    detached_server_still_polls_through_the_run_shell_chain,
    up_restores_declared_sessions_with_their_ids,
    panes_without_claude_config_dir_belong_to_the_default_home,
);

fn tick(w: &World) -> String {
    w.cf_ok(&["tick"])
}

fn confirmed_limit_swaps_every_pane_in_place_with_its_own_session(ps: bool) {
    let s = setup(2, 600, ps);
    let w = &s.w;
    let p1 = start_claude(w, &s.a, &s.work);
    let p2 = start_claude(w, &s.a, &s.work);
    let p3 = start_claude(w, &s.a, &s.other);
    w.turn(&p1, "first pane", "Sim reply to: first pane");
    w.turn(&p2, "second pane", "Sim reply to: second pane");
    w.turn(&p3, "third pane", "Sim reply to: third pane");
    tick(w);
    let before = w.status_json();
    let ids: Vec<String> = [&p1, &p2, &p3]
        .iter()
        .map(|p| {
            pane_row(&before, p)["session_id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_ne!(ids[0], ids[1], "two panes in one folder keep their own ids");

    set_mode(&s.a, "429usage5h");
    w.turn(&p1, "hit it", "You've hit your 5-hour limit");
    let seg = tick(w);
    assert!(seg.contains("?limit 1/2"), "confirming mark: {seg}");
    assert!(w.events("swap").is_empty(), "one poll never swaps");
    let seg = tick(w);
    // The new account, the swap, the cooldown and a's reset time (HH:MM, local).
    let reset = seg
        .trim_end()
        .strip_prefix("CC a→b cooldown 10m a✗")
        .unwrap_or_else(|| panic!("segment after the swap: {seg:?}"));
    assert!(
        reset.len() == 5 && reset.as_bytes()[2] == b':',
        "segment after the swap: {seg:?}"
    );

    let swaps = w.events("swap");
    assert_eq!(swaps.len(), 1, "{swaps:#?}");
    assert_eq!(swaps[0]["from"], "a");
    assert_eq!(swaps[0]["to"], "b");
    assert!(swaps[0]["reason"]
        .as_str()
        .unwrap()
        .contains("5-hour limit"));

    // Each pane comes back in place, on b, resuming its own conversation.
    for (pane, (id, text)) in
        [&p1, &p2, &p3]
            .iter()
            .zip(ids.iter().zip(["first pane", "second pane", "third pane"]))
    {
        w.wait_screen(pane, &format!("Sim reply to: {text}"), 10);
        let launch = w
            .launches()
            .into_iter()
            .rev()
            .find(|l| l["resume"] == id.as_str())
            .unwrap_or_else(|| panic!("no resume launch for {id}"));
        assert_eq!(launch["config_dir"], s.b.display().to_string());
        let args: Vec<&str> = launch["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        assert!(args.contains(&"--dangerously-skip-permissions"), "{args:?}");
    }
    let panes_now = w.tmux(&["list-panes", "-a", "-F", "#{pane_id}"]);
    for p in [&p1, &p2, &p3] {
        assert!(panes_now.contains(p.as_str()), "pane {p} kept its id");
    }
    // New panes start on the new account.
    let env = w.tmux(&["show-environment", "-g", "CLAUDE_CONFIG_DIR"]);
    assert_eq!(env.trim(), format!("CLAUDE_CONFIG_DIR={}", s.b.display()));

    // The resumed panes redraw the old limit: it must never count again.
    w.wait_screen(&p1, "You've hit your 5-hour limit", 10);
    for _ in 0..4 {
        tick(w);
    }
    assert_eq!(
        w.events("swap").len(),
        1,
        "a replayed limit caused a second swap"
    );
    let st = w.status_json();
    assert_eq!(st["active"], "b");
    assert!(st["accounts"][0]["exhausted_until"].is_string(), "{st:#}");
}

fn server_errors_and_single_polls_never_swap(ps: bool) {
    let s = setup(2, 0, ps);
    let w = &s.w;
    let p1 = start_claude(w, &s.a, &s.work);
    for (mode, expect) in [
        ("529", "529 Overloaded"),
        ("500", "500 Internal server error"),
        ("429plain", "not your usage limit"),
        ("quote", "means you are out of quota"),
        ("warn90", "You've used 90%"),
    ] {
        set_mode(&s.a, mode);
        w.turn(&p1, &format!("try {mode}"), expect);
        for _ in 0..3 {
            tick(w);
        }
    }
    assert!(w.events("swap").is_empty());
    assert_eq!(w.status_json()["active"], "a");
}

fn cooldown_blocks_an_automatic_swap_but_records_the_limit(ps: bool) {
    let s = setup(3, 600, ps);
    let w = &s.w;
    let c = s.c.as_ref().unwrap();
    let p1 = start_claude(w, &s.a, &s.work);
    let p2 = start_claude(w, &s.b, &s.other);
    w.cf_ok(&["swap", "--to", "c", "--reason", "test"]);
    w.wait_screen(&p1, "Claude Code", 10);
    // Now on c, within the cooldown of that manual swap; b's pane was not part of it.
    set_mode(&s.b, "429weekly");
    w.wait_claude_idle(&p2);
    w.turn(&p2, "hit weekly", "You've hit your weekly limit");
    for _ in 0..3 {
        tick(w);
    }
    assert_eq!(w.events("swap").len(), 1, "only the manual swap");
    let st = w.status_json();
    assert_eq!(st["active"], "c");
    assert!(st["accounts"][1]["exhausted_until"].is_string(), "{st:#}");
    assert_eq!(w.events("limit").len(), 1);
    let text = w.cf_ok(&["status"]);
    assert!(
        text.contains("BLOCKED") && text.contains("prefix S"),
        "{text}"
    );

    // A new limit on c, the account just swapped to, moves on even inside the cooldown, and
    // never back to exhausted b.
    set_mode(c, "429weekly");
    w.turn(&p1, "hit c", "You've hit your weekly limit");
    for _ in 0..3 {
        tick(w);
    }
    let swaps = w.events("swap");
    assert_eq!(swaps.len(), 2, "{swaps:#?}");
    assert_eq!(swaps[1]["from"], "c");
    assert_eq!(swaps[1]["to"], "a");
}

fn all_exhausted_restarts_nothing_and_warns(ps: bool) {
    // Within the cooldown of the first swap: the warning still comes at once.
    let s = setup(2, 600, ps);
    let w = &s.w;
    let p1 = start_claude(w, &s.a, &s.work);
    set_mode(&s.a, "429usage5h");
    set_mode(&s.b, "429usage5h");
    w.turn(&p1, "hit a", "You've hit your 5-hour limit");
    tick(w);
    tick(w);
    assert_eq!(w.events("swap").len(), 1);
    // On b now: the resumed pane hits b's limit too.
    w.wait_screen(&p1, "hit a", 10);
    w.wait_claude_idle(&p1);
    let launches_before = w.launches().len();
    // The redrawn limit of a is on screen already: wait for the one after the new prompt.
    w.type_line(&p1, "hit b");
    w.wait_for(10, "b's limit after the new prompt", || {
        let screen = w.capture(&p1);
        screen
            .rfind("hit b")
            .is_some_and(|i| screen[i..].contains("hit your 5-hour limit"))
    });
    w.wait_claude_idle(&p1);
    // The new limit is the newest transcript record: counts.
    for _ in 0..3 {
        tick(w);
    }
    assert_eq!(
        w.events("swap").len(),
        1,
        "never back to an exhausted account"
    );
    assert_eq!(w.events("all-exhausted").len(), 1);
    assert_eq!(w.launches().len(), launches_before, "nothing restarted");
    let seg = tick(w);
    assert!(seg.contains("all accounts exhausted"), "{seg}");
}

fn pane_without_session_id_is_left_at_a_shell_with_a_message(ps: bool) {
    let s = setup(2, 0, ps);
    let w = &s.w;
    let p1 = start_claude(w, &s.a, &s.work);
    w.turn(&p1, "keep me", "Sim reply to: keep me");
    // Damage the id the CLI reports, as a lagging or corrupted session file would.
    let pid = w
        .tmux(&["display", "-p", "-t", &p1, "#{pane_pid}"])
        .trim()
        .to_string();
    let sessions = s.a.join("sessions").join(format!("{pid}.json"));
    let mut v: Value = serde_json::from_str(&w.read(&sessions)).unwrap();
    v["sessionId"] = Value::String("$(touch /tmp/pwned)".into());
    std::fs::write(&sessions, v.to_string()).unwrap();
    // And no transcript to fall back on.
    std::fs::remove_dir_all(s.w.home.join(".claude-shared/projects")).unwrap();
    std::fs::create_dir_all(s.w.home.join(".claude-shared/projects")).unwrap();
    w.cf_ok(&["swap", "--reason", "test"]);
    w.wait_screen(&p1, "session id was unknown", 10);
    assert!(!Path::new("/tmp/pwned").exists());
    let swaps = w.events("swap");
    assert_eq!(swaps[0]["panes"][0]["outcome"], "shell");
}

fn concurrent_ticks_swap_exactly_once(ps: bool) {
    let s = setup(2, 0, ps);
    let w = &s.w;
    let p1 = start_claude(w, &s.a, &s.work);
    set_mode(&s.a, "429usage5h");
    w.turn(&p1, "hit", "You've hit your 5-hour limit");
    tick(w);
    let children: Vec<_> = (0..20).map(|_| w.cf_spawn(&["tick"])).collect();
    for c in children {
        assert!(c.wait_with_output().unwrap().status.success());
    }
    assert_eq!(w.events("swap").len(), 1);
    let state: Value = serde_json::from_str(&w.read(&w.state_dir.join("state.json"))).unwrap();
    assert_eq!(state["active"], "b");
}

fn a_swap_killed_after_its_journal_is_finished_by_the_next_tick(ps: bool) {
    let s = setup(2, 0, ps);
    let w = &s.w;
    let p1 = start_claude(w, &s.a, &s.work);
    let p2 = start_claude(w, &s.a, &s.other);
    w.turn(&p1, "one", "Sim reply to: one");
    w.turn(&p2, "two", "Sim reply to: two");
    tick(w);
    for point in ["journal", "pane"] {
        let out = w
            .command(common::BIN)
            .args(["-L", &w.socket, "swap", "--reason", "kill test"])
            .env("CLAUDE_FAILOVER_TEST_KILL_AT", point)
            .output()
            .unwrap();
        assert!(!out.status.success(), "killed at {point}");
        let state: Value = serde_json::from_str(&w.read(&w.state_dir.join("state.json"))).unwrap();
        assert!(
            state["journal"].is_object(),
            "journal left by the killed run"
        );
        tick(w);
        let state: Value = serde_json::from_str(&w.read(&w.state_dir.join("state.json"))).unwrap();
        assert!(state["journal"].is_null(), "journal finished");
        w.wait_screen(&p1, "Sim reply to: one", 10);
        w.wait_screen(&p2, "Sim reply to: two", 10);
    }
    assert_eq!(w.events("swap").len(), 2, "one event per swap, none twice");
    assert_eq!(w.status_json()["active"], "a", "a -> b -> a");
}

fn busy_pane_is_restarted_only_once_idle(ps: bool) {
    let s = setup(2, 0, ps);
    let w = &s.w;
    let p1 = start_claude(w, &s.a, &s.work);
    let p2 = start_claude(w, &s.a, &s.other);
    w.turn(&p2, "before", "Sim reply to: before");
    // The long turn lasts until the test releases it, however slow the ticks.
    std::fs::write(s.a.join("sim-hold"), "long turn").unwrap();
    w.type_line(&p2, "long turn");
    w.wait_screen(&p2, "Thinking", 5);
    set_mode(&s.a, "429usage5h");
    w.turn(&p1, "hit", "You've hit your 5-hour limit");
    tick(w);
    tick(w);
    assert_eq!(w.events("swap").len(), 1);
    let st = w.status_json();
    assert_eq!(pane_row(&st, &p2)["state"], "waiting-idle", "{st:#}");
    let id = pane_row(&st, &p2)["session_id"]
        .as_str()
        .unwrap()
        .to_string();
    let resumed_on_b = |w: &World| {
        w.launches()
            .iter()
            .any(|l| l["resume"] == id.as_str() && l["config_dir"] == s.b.display().to_string())
    };
    assert!(!resumed_on_b(w), "the busy pane was cut off mid-turn");
    // The long turn ends; the next poll moves the pane, resuming its conversation.
    std::fs::remove_file(s.a.join("sim-hold")).unwrap();
    w.wait_screen(&p2, "Sim reply to: long turn", 10);
    w.wait_claude_idle(&p2);
    tick(w);
    w.wait_for(10, "the deferred restart on b", || resumed_on_b(w));
    w.wait_screen(&p2, "Sim reply to: long turn", 10);
    assert_eq!(pane_row(&w.status_json(), &p2)["account"], "b");
}

fn detached_server_still_polls_through_the_run_shell_chain(ps: bool) {
    let s = setup(2, 0, ps);
    let w = &s.w;
    w.set_option("@claude-failover-poll-interval", "1");
    let p1 = start_claude(w, &s.a, &s.work);
    set_mode(&s.a, "429usage5h");
    w.turn(&p1, "hit", "You've hit your 5-hour limit");
    w.set_option("@claude-failover-chain", "t1");
    let cmd = format!("{} hook --chain t1", common::BIN);
    w.tmux(&["run-shell", "-b", &cmd]);
    w.wait_for(20, "a swap with no client attached", || {
        !w.events("swap").is_empty()
    });
    // A new token stops the old chain.
    w.set_option("@claude-failover-chain", "t2");
}

fn up_restores_declared_sessions_with_their_ids(ps: bool) {
    let s = setup(2, 0, ps);
    let w = &s.w;
    w.set_option(
        "@claude-failover-sessions",
        &format!("proj='{}'", s.work.display()),
    );
    let out = w.cf_ok(&["up"]);
    assert!(out.contains("created"), "{out}");
    let pane = w
        .tmux(&["display", "-p", "-t", "proj", "#{pane_id}"])
        .trim()
        .to_string();
    w.wait_screen(&pane, "Claude Code", 10);
    w.turn(&pane, "remember me", "Sim reply to: remember me");
    tick(w);
    let id = pane_row(&w.status_json(), &pane)["session_id"]
        .as_str()
        .unwrap()
        .to_string();
    w.tmux(&["kill-session", "-t", "proj"]);
    let out = w.cf_ok(&["up"]);
    assert!(out.contains(&id), "{out}");
    let pane = w
        .tmux(&["display", "-p", "-t", "proj", "#{pane_id}"])
        .trim()
        .to_string();
    w.wait_screen(&pane, "Sim reply to: remember me", 10);
    // Already running: nothing to do.
    assert!(w.cf_ok(&["up"]).contains("already running"));

    // A Claude that exits at once (here its conversation is gone) is a failure `up` reports.
    w.tmux(&["kill-session", "-t", "proj"]);
    w.empty_transcript(&s.a.join("projects"), &id);
    let out = w.cf(&["up"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("proj: created") && err.contains("No conversation found"),
        "{err}"
    );
}

#[test]
fn manual_swap_notifies_and_refuses_sensibly() {
    let s = setup(2, 600, false);
    let w = &s.w;
    let log = w.root.join("notified.jsonl");
    w.set_option(
        "@claude-failover-notify",
        &format!("cat >> '{}'", log.display()),
    );
    let out = w.cf(&["swap", "--to", "nobody"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no account `nobody`"));
    let out = w.cf(&["swap", "--to", "a"]);
    assert_eq!(out.status.code(), Some(1), "already active");
    w.cf_ok(&["swap", "--reason", "by hand"]);
    w.wait_for(5, "the notify command", || {
        w.read(&log).contains("\"swap\"")
    });
    let ev: Value = serde_json::from_str(w.read(&log).lines().next().unwrap()).unwrap();
    assert_eq!(ev["from"], "a");
    assert_eq!(ev["to"], "b");
    assert_eq!(ev["reason"], "by hand");
    // Manual swaps ignore the cooldown.
    w.cf_ok(&["swap"]);
    assert_eq!(w.status_json()["active"], "a");
}

#[test]
fn telegram_notifier_never_puts_the_token_on_a_command_line() {
    let w = World::new();
    let fake = w.bin.join("curl");
    let record = w.root.join("curl.txt");
    std::fs::write(
        &fake,
        format!(
            "#!/bin/sh\nprintf 'ARGS:%s\\n' \"$*\" >> '{0}'\ncat >> '{0}'\n",
            record.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/notify-telegram.sh");
    let out = common::run_with_stdin(
        w.command(&script)
            .env("TELEGRAM_BOT_TOKEN", "123:SECRET")
            .env("TELEGRAM_CHAT_ID", "42"),
        br#"{"event":"swap","from":"a","to":"b","reason":"usage limit"}"#,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rec = w.read(&record);
    let args = rec.lines().find(|l| l.starts_with("ARGS:")).unwrap();
    assert!(
        !args.contains("SECRET"),
        "token on the command line: {args}"
    );
    assert!(args.contains("swapped a -> b"), "{args}");
    assert!(
        rec.contains("bot123:SECRET/sendMessage"),
        "token given on stdin: {rec}"
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("SECRET"));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("SECRET"));
}

/// Start `claude` with no CLAUDE_CONFIG_DIR at all (it then uses ~/.claude).
fn start_plain_claude(w: &World, cwd: &Path) -> String {
    w.launch_claude(None, cwd)
}

fn panes_without_claude_config_dir_belong_to_the_default_home(ps: bool) {
    let s = setup(2, 0, ps);
    let w = &s.w;
    // No account has ~/.claude: such a pane is unmanaged, never guessed to be the active one.
    let plain = start_plain_claude(w, &s.work);
    let on_b = start_claude(w, &s.b, &s.other);
    w.turn(&plain, "plain", "Sim reply to: plain");
    tick(w);
    let st = w.status_json();
    let row = pane_row(&st, &plain);
    assert!(row["account"].is_null(), "{row:#}");
    assert_eq!(
        row["unmanaged"],
        w.home.join(".claude").display().to_string()
    );
    let row = pane_row(&st, &on_b);
    assert_eq!(row["account"], "b");
    assert_eq!(row["off_active"], true, "b is not the active account");
    // A manual swap a -> b restarts neither: one is unmanaged, the other already on b.
    let before = w.launches().len();
    w.cf_ok(&["swap", "--reason", "test"]);
    let swap = w.events("swap").pop().expect("the manual swap's event");
    assert_eq!(swap["panes"], serde_json::json!([]), "{swap:#}");
    assert_eq!(w.launches().len(), before);

    // With an account whose folder is ~/.claude, the same pane is that account's.
    w.set_option(
        "@claude-failover-accounts",
        &format!("a={} b={} home=~/.claude", s.a.display(), s.b.display()),
    );
    let st = w.status_json();
    assert_eq!(pane_row(&st, &plain)["account"], "home");
    assert!(pane_row(&st, &plain)["unmanaged"].is_null());
}

#[test]
fn a_swap_never_goes_to_an_account_whose_links_are_wrong() {
    let s = setup(3, 0, false);
    let w = &s.w;
    std::fs::remove_file(s.b.join("projects")).unwrap();
    let out = w.cf(&["swap", "--to", "b"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("shared links of `b`") && err.contains("projects"),
        "{err}"
    );
    let st = w.status_json();
    assert_eq!(st["accounts"][1]["links_ok"], false);
    // The automatic choice skips b and takes c.
    w.cf_ok(&["swap"]);
    assert_eq!(w.status_json()["active"], "c");
}

#[test]
fn loading_the_plugin_points_new_panes_at_the_active_account() {
    let s = setup(2, 0, false);
    let w = &s.w;
    w.cf_ok(&["swap", "--to", "b"]);
    w.tmux(&["set-environment", "-gu", "CLAUDE_CONFIG_DIR"]);
    let out = w.cf(&["hook", "--event", "load"]);
    assert!(out.status.success() && out.stdout.is_empty());
    let env = w.tmux(&["show-environment", "-g", "CLAUDE_CONFIG_DIR"]);
    assert_eq!(env.trim(), format!("CLAUDE_CONFIG_DIR={}", s.b.display()));
    // A new window's claude starts on b.
    let pane = w.new_window(&["-c", &s.work.display().to_string(), "claude"]);
    w.wait_screen(&pane, "Claude Code", 10);
    assert_eq!(pane_row(&w.status_json(), &pane)["account"], "b");
}

/// A turn of a release without a session file: over when the spinner's `esc to interrupt` is
/// gone (nothing else says so).
fn old_turn(w: &World, pane: &str, text: &str, expect: &str) {
    w.type_line(pane, text);
    w.wait_screen(pane, expect, 10);
    w.wait_for(10, &format!("the turn in {pane} to end"), || {
        !w.capture(pane).contains("esc to interrupt")
    });
}

/// Releases up to 2.0.0 (the simulator's `sim-release` 1.0): API-error records without any tag
/// (the text is all there is) and no `sessions/<pid>.json`. Their limit still swaps, once; their
/// server errors and throttles never do.
#[test]
fn older_release_records_swap_on_a_limit_and_never_on_a_server_error() {
    let s = setup(3, 0, false);
    let w = &s.w;
    for dir in [&s.a, &s.b, s.c.as_ref().unwrap()] {
        std::fs::write(dir.join("sim-release"), "1.0").unwrap();
    }
    let p1 = start_claude(w, &s.a, &s.work);
    old_turn(w, &p1, "first turn", "Sim reply to: first turn");
    for (mode, expect) in [
        ("529", "529 Overloaded"),
        ("429plain", "not your usage limit"),
    ] {
        set_mode(&s.a, mode);
        old_turn(w, &p1, &format!("try {mode}"), expect);
        for _ in 0..3 {
            tick(w);
        }
    }
    assert!(w.events("swap").is_empty());
    assert!(!s.a.join("sessions").exists(), "no session file, as 1.0.x");
    let transcript = std::fs::read_dir(s.w.home.join(".claude-shared/projects"))
        .unwrap()
        .flatten()
        .flat_map(|d| std::fs::read_dir(d.path()).unwrap().flatten())
        .map(|f| w.read(&f.path()))
        .collect::<String>();
    assert!(transcript.contains("\"isApiErrorMessage\":true"));
    assert!(!transcript.contains("apiErrorStatus") && !transcript.contains("\"error\":"));

    set_mode(&s.a, "429usage5h");
    old_turn(w, &p1, "hit it", "You've hit your 5-hour limit");
    tick(w);
    tick(w);
    let swaps = w.events("swap");
    assert_eq!(swaps.len(), 1, "{swaps:#?}");
    assert_eq!(
        (&swaps[0]["from"], &swaps[0]["to"]),
        (&"a".into(), &"b".into())
    );
    w.wait_screen(&p1, "Sim reply to: first turn", 10);
    // The resumed pane redraws the limit: never a second swap.
    for _ in 0..4 {
        tick(w);
    }
    assert_eq!(w.events("swap").len(), 1);
    assert_eq!(w.status_json()["active"], "b");
    // It forked the conversation into a new transcript: the next limit is read there, and the
    // next swap resumes the fork, with the turns made on b.
    let first_id = w.launches().last().unwrap()["resume"].clone();
    set_mode(&s.b, "ok");
    old_turn(w, &p1, "second turn", "Sim reply to: second turn");
    set_mode(&s.b, "429weekly");
    old_turn(w, &p1, "hit it again", "You've hit your weekly limit");
    tick(w);
    tick(w);
    let swaps = w.events("swap");
    assert_eq!(swaps.len(), 2, "{swaps:#?}");
    assert_eq!(
        (&swaps[1]["from"], &swaps[1]["to"]),
        (&"b".into(), &"c".into())
    );
    let resumed = w.launches().last().unwrap()["resume"].clone();
    assert!(
        resumed.is_string() && resumed != first_id,
        "{resumed} {first_id}"
    );
    w.wait_screen(&p1, "Sim reply to: second turn", 10);
}
