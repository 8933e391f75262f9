//! Knowing each account: the `statusline` wrapper records the usage Claude reports, `status` and
//! the segment show it, and `@claude-failover-preempt` moves idle panes before the limit.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{json, pane_row, run_with_stdin, World, BIN};
use serde_json::Value;

/// The user's own statusLine command: reads its input (keeps a copy) and prints a line of its
/// own, as a real one would.
fn user_command(w: &World, account: &str) -> String {
    let seen = w.root.join(format!("statusline-input-{account}.json"));
    format!(
        "cat > '{}'; printf 'USER-LINE %s ok' {account}",
        seen.display()
    )
}

/// The account's own settings.json with its own statusLine, each laid out its own way.
fn user_settings(w: &World, dir: &Path, account: &str) -> String {
    let command = Value::String(user_command(w, account)).to_string();
    let text = match account {
        "a" => format!(
            "{{\n  \"statusLine\": {{\n    \"type\": \"command\",\n    \"command\": {command},\n    \"padding\": 0\n  }},\n  \"model\": \"opus\"\n}}\n"
        ),
        "b" => format!("{{\"statusLine\":{{\"type\":\"command\",\"command\":{command}}}}}"),
        _ => format!(
            "{{\r\n    \"theme\": \"dark\",\r\n    \"statusLine\": {{\"type\": \"command\", \"command\": {command}}}\r\n}}\r\n"
        ),
    };
    std::fs::write(dir.join("settings.json"), &text).unwrap();
    text
}

/// What the simulator hands its statusLine: the account's `rate_limits` (as Claude gives them).
fn set_usage(dir: &Path, five_hour: f64, seven_day: f64) {
    let resets = jiff::Timestamp::now().as_second();
    let limits = serde_json::json!({
        "five_hour": {"used_percentage": five_hour, "resets_at": resets + 3 * 3600},
        "seven_day": {"used_percentage": seven_day, "resets_at": resets + 5 * 24 * 3600},
    });
    std::fs::write(dir.join("sim-usage"), limits.to_string()).unwrap();
}

/// Report `dir`'s usage the way Claude would from a session on that account elsewhere: the
/// wrapper run with the statusLine input on stdin and the session's `CLAUDE_CONFIG_DIR`.
fn report(w: &World, dir: &Path, five_hour: f64, seven_day: f64) {
    set_usage(dir, five_hour, seven_day);
    let limits: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("sim-usage")).unwrap()).unwrap();
    let input = serde_json::json!({"session_id": "x", "rate_limits": limits}).to_string();
    let out = wrapper(w, &["--", "cat >/dev/null"], input.as_bytes(), Some(dir));
    assert!(out.status.success() && out.stdout.is_empty(), "{out:?}");
}

/// `claude-failover statusline ARGS` as Claude runs it: `stdin`, and the session's
/// `CLAUDE_CONFIG_DIR` when it has one.
fn wrapper(w: &World, args: &[&str], stdin: &[u8], dir: Option<&Path>) -> Output {
    let mut cmd = w.command(BIN);
    cmd.arg("statusline").args(args);
    if let Some(d) = dir {
        cmd.env("CLAUDE_CONFIG_DIR", d);
    }
    run_with_stdin(&mut cmd, stdin)
}

fn status(w: &World) -> Value {
    json(&w.cf(&["status", "--json"]).stdout)
}

fn account_row(st: &Value, name: &str) -> Value {
    st["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == name)
        .cloned()
        .unwrap_or_else(|| panic!("{name} not in {st:#}"))
}

/// One turn, over when Claude's session file says idle again.
fn turn(w: &World, pane: &str, text: &str) {
    w.type_line(pane, text);
    w.wait_screen(pane, &format!("Sim reply to: {text}"), 10);
    w.wait_for(10, "the turn's statusLine", || {
        w.capture(pane).contains("USER-LINE") && pane_row(&status(w), pane)["state"] != "busy"
    });
}

struct Bar {
    w: World,
    dirs: Vec<PathBuf>,
    /// Each account's settings.json before `claude-hooks install --statusline`.
    originals: Vec<String>,
}

fn three_accounts() -> Bar {
    three_accounts_in(World::new())
}

fn three_accounts_in(w: World) -> Bar {
    w.start_server();
    let dirs = w.accounts(&["a", "b", "c"]);
    w.quick_failover_options(0);
    w.set_option("@claude-failover-status-format", "CC {account}{usage}");
    let originals = dirs
        .iter()
        .zip(["a", "b", "c"])
        .map(|(dir, name)| user_settings(&w, dir, name))
        .collect();
    w.cf_ok(&["claude-hooks", "install", "--statusline"]);
    let check = json(&w.cf(&["claude-hooks", "check", "--json"]).stdout);
    for (row, name) in check.as_array().unwrap().iter().zip(["a", "b", "c"]) {
        assert_eq!(row["statusline"], "wrapped", "{check:#}");
        assert_eq!(
            row["statusline_user_command"],
            user_command(&w, name).as_str()
        );
    }
    Bar { w, dirs, originals }
}

#[test]
fn usage_is_shown_and_preempt_moves_idle_panes_before_the_limit_and_never_back() {
    bar(World::new());
}

/// The same through `ps` (the way without /proc, e.g. macOS) and `tmux` client processes only.
#[test]
fn usage_and_preempt_through_ps_and_tmux_clients() {
    bar(World::new().with_ps_backend().with_tmux_client_only());
}

fn bar(w: World) {
    let Bar { w, dirs, originals } = three_accounts_in(w);
    let (a, b, c) = (&dirs[0], &dirs[1], &dirs[2]);
    set_usage(a, 97.0, 50.0);
    report(&w, b, 40.0, 20.0);
    report(&w, c, 10.0, 5.0);
    let work = w.home.join("work");
    std::fs::create_dir_all(&work).unwrap();
    let p1 = w.launch_claude(Some(a), &work);
    let p2 = w.launch_claude(Some(a), &w.home);
    let typing = w.launch_claude(Some(a), &w.home);
    // The user's own statusLine output shows in Claude, unchanged, from start-up on.
    w.wait_screen(&p1, "USER-LINE a ok", 10);
    turn(&w, &p1, "first question");
    turn(&w, &p2, "second question");
    // The wrapper passed Claude's input through: the user's command got the rate limits too.
    let seen: Value = serde_json::from_str(&w.read(&w.root.join("statusline-input-a.json")))
        .expect("the user's command got JSON");
    assert_eq!(seen["rate_limits"]["five_hour"]["used_percentage"], 97.0);
    turn(&w, &typing, "a question before typing");

    // Without preempt: usage is shown and nothing moves.
    let segment = w.cf_ok(&["tick"]);
    assert_eq!(segment.trim_end(), "CC a 5h 97% 7d 50%");
    // Typed and not sent (the transcript does not grow, so a poll may not even capture the
    // pane): this pane must never be restarted ahead of time.
    w.tmux(&["send-keys", "-t", &typing, "-l", "half a thought"]);
    w.wait_screen(&typing, "half a thought", 5);
    w.cf_ok(&["tick"]);
    let st = status(&w);
    for (name, five, seven) in [("a", 97.0, 50.0), ("b", 40.0, 20.0), ("c", 10.0, 5.0)] {
        let row = account_row(&st, name);
        assert_eq!(
            row["usage"]["five_hour"]["used_percentage"], five,
            "{row:#}"
        );
        assert_eq!(
            row["usage"]["seven_day"]["used_percentage"], seven,
            "{row:#}"
        );
        assert!(
            row["usage"]["five_hour"]["resets_at"].is_string(),
            "{row:#}"
        );
        assert!(row["usage"]["seen_at"].is_string(), "{row:#}");
        assert_eq!(row["logged_in"], true, "{row:#}");
        assert_eq!(row["can_take_over"], true, "{row:#}");
    }
    let text = String::from_utf8_lossy(&w.cf(&["status"]).stdout).into_owned();
    assert!(text.contains("usage 5h 97% 7d 50%"), "{text}");
    assert!(w.events("swap").is_empty());

    // Preempt at 95: a is over, b has headroom.
    w.set_option("@claude-failover-preempt", "95");
    let st = status(&w);
    assert_eq!(account_row(&st, "a")["can_take_over"], false, "{st:#}");
    assert!(account_row(&st, "a")["why_not"]
        .as_str()
        .unwrap()
        .contains("97% of its 5-hour usage"));
    let pids = |st: &Value, p: &str| pane_row(st, p)["pid"].clone();
    let typing_pid = pids(&st, &typing);
    w.cf_ok(&["tick"]);
    let crossed = w.events("usage-threshold");
    assert_eq!(crossed.len(), 1, "{crossed:?}");
    assert_eq!(crossed[0]["account"], "a");
    assert_eq!(crossed[0]["window"], "five_hour");
    let swaps = w.events("swap");
    assert_eq!(swaps.len(), 1, "{swaps:?}");
    assert_eq!(swaps[0]["from"], "a");
    assert_eq!(swaps[0]["to"], "b");
    assert!(
        swaps[0]["reason"].as_str().unwrap().starts_with("preempt"),
        "{swaps:?}"
    );
    // The idle panes resumed their own conversations on b, before any limit was hit.
    for p in [&p1, &p2] {
        w.wait_screen(p, "USER-LINE b ok", 10);
    }
    assert_eq!(w.cf_ok(&["tick"]).trim_end(), "CC b 5h 40% 7d 20%");
    let st = status(&w);
    for p in [&p1, &p2] {
        let row = pane_row(&st, p);
        assert_eq!(
            (&row["account"], &row["state"]),
            (&"b".into(), &"idle".into()),
            "{st:#}"
        );
    }
    assert!(w.events("limit").is_empty());
    // The pane with unsent input was left alone, its text intact.
    let st = status(&w);
    assert_eq!(pids(&st, &typing), typing_pid, "{st:#}");
    assert_eq!(pane_row(&st, &typing)["state"], "waiting-idle", "{st:#}");
    assert!(w.capture(&typing).contains("half a thought"));

    // b fills up too while a stays over: the panes go on to c, never back to a.
    set_usage(b, 96.0, 30.0);
    turn(&w, &p1, "third question");
    w.cf_ok(&["tick"]);
    let swaps = w.events("swap");
    assert_eq!(swaps.len(), 2, "{swaps:?}");
    assert_eq!(
        (&swaps[1]["from"], &swaps[1]["to"]),
        (&"b".into(), &"c".into())
    );
    w.wait_screen(&p1, "USER-LINE c ok", 10);
    // c fills up as well: a and b are both still over, so nothing moves (no flapping).
    set_usage(c, 96.0, 30.0);
    turn(&w, &p1, "fourth question");
    for _ in 0..3 {
        w.cf_ok(&["tick"]);
    }
    assert_eq!(w.events("swap").len(), 2);
    // b's window resets and its usage is low again: the panes go to b, passing a over.
    report(&w, b, 2.0, 31.0);
    w.cf_ok(&["tick"]);
    let available = w.events("available");
    assert!(
        available.iter().any(|e| e["account"] == "b"),
        "{available:?}"
    );
    let swaps = w.events("swap");
    assert_eq!(swaps.len(), 3, "{swaps:?}");
    assert_eq!(
        (&swaps[2]["from"], &swaps[2]["to"]),
        (&"c".into(), &"b".into())
    );
    let skipped = w.events("accounts-skipped");
    let last = skipped.last().expect("a skip was logged");
    assert_eq!(last["skipped"][0]["account"], "a", "{skipped:?}");
    assert_eq!(last["skipped"][0]["why"], "near-limit", "{skipped:?}");
    assert!(w.events("swap").iter().all(|e| e["to"] != "a"));
    assert!(w.events("limit").is_empty());
    // `remove` puts every settings file back exactly, and leaves nothing beside it.
    w.cf_ok(&["claude-hooks", "remove"]);
    for (dir, original) in dirs.iter().zip(&originals) {
        assert_eq!(&w.read(&dir.join("settings.json")), original);
        let extra: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("settings.json."))
            .collect();
        assert!(extra.is_empty(), "{extra:?}");
    }
}

#[test]
fn an_account_that_is_not_logged_in_is_never_swapped_to() {
    let Bar { w, dirs, .. } = three_accounts();
    std::fs::remove_file(dirs[1].join(".credentials.json")).unwrap();
    report(&w, &dirs[0], 97.0, 50.0);
    w.set_option("@claude-failover-preempt", "95");
    let st = status(&w);
    let b = account_row(&st, "b");
    assert_eq!(
        (&b["logged_in"], &b["can_take_over"]),
        (&false.into(), &false.into())
    );
    assert!(
        b["why_not"].as_str().unwrap().contains("not logged in"),
        "{b:#}"
    );
    let p = w.launch_claude(Some(&dirs[0]), &w.home);
    w.cf_ok(&["tick"]);
    let swaps = w.events("swap");
    assert_eq!(swaps.len(), 1, "{swaps:?}");
    assert_eq!(swaps[0]["to"], "c");
    let skipped = w.events("accounts-skipped");
    assert_eq!(
        skipped[0]["skipped"][0]["why"], "not-logged-in",
        "{skipped:?}"
    );
    w.cf_ok(&["tick"]);
    assert_eq!(pane_row(&status(&w), &p)["account"], "c");
}

/// A token or key in the environment tmux gives Claude logs every home in, whatever the home
/// holds (`claude setup-token`, CI, the real-CLI end-to-end runs): no home is then "logged out".
#[test]
fn a_login_from_the_environment_lets_every_home_take_over() {
    let Bar { w, dirs, .. } = three_accounts();
    std::fs::remove_file(dirs[1].join(".credentials.json")).unwrap();
    let out = w
        .cf_command(&["status", "--json"])
        .env("CLAUDE_CODE_OAUTH_TOKEN", "sk-ant-oat01-test")
        .output()
        .unwrap();
    let st: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let b = account_row(&st, "b");
    assert_eq!(
        (&b["logged_in"], &b["can_take_over"]),
        (&true.into(), &true.into()),
        "{b:#}"
    );
}

#[test]
fn the_wrapper_passes_input_output_and_exit_status_through() {
    let w = World::new();
    let dir = w.linked_account(&w.account_dir("a"));
    let input = br#"{"session_id":"s","rate_limits":{"seven_day":{"used_percentage":88,"resets_at":4102444800}}}"#;
    let run = |args: &[&str], stdin: &[u8], dir: Option<&Path>| wrapper(&w, args, stdin, dir);
    // Byte for byte, with the exit status, through `sh -c` as Claude runs it.
    let out = run(
        &["--", "cat; printf '\\033[1mbold\\033[0m %s' \"$0\"; exit 3"],
        input,
        Some(&dir),
    );
    assert_eq!(out.status.code(), Some(3));
    let mut expected = input.to_vec();
    expected.extend_from_slice(b"\x1b[1mbold\x1b[0m /bin/sh");
    assert_eq!(out.stdout, expected);
    // The top plan: weekly only.
    let usage_files: Vec<_> = std::fs::read_dir(w.state_dir.join("usage"))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(usage_files.len(), 1);
    let rec: Value =
        serde_json::from_str(&std::fs::read_to_string(usage_files[0].path()).unwrap()).unwrap();
    assert_eq!(rec["seven_day"]["used_percentage"], 88.0);
    assert!(rec["five_hour"].is_null());
    // No user command: nothing printed. Junk, or no input at all: no panic, exit 0.
    for stdin in [
        &input[..],
        b"not json",
        b"",
        b"{\"rate_limits\":{\"five_hour\":7}}",
    ] {
        let out = run(&[], stdin, None);
        assert!(out.status.success() && out.stdout.is_empty(), "{out:?}");
    }
    // Large input passes through whole to the user's command.
    let big = vec![b'x'; 3 << 20];
    let out = run(&["--", "wc -c"], &big, Some(&dir));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "3145728");
    // A command killed by a signal reports as a shell does.
    let out = run(&["--", "kill -TERM $$"], b"{}", None);
    assert_eq!(out.status.code(), Some(128 + 15));
}

#[test]
fn accounts_launch_with_the_configured_string_and_the_default_home_without_it() {
    let w = World::new();
    w.start_server();
    let main = w.linked_account(&w.home.join(".claude"));
    let work = w.linked_account(&w.account_dir("work"));
    // A trailing slash, kept as written: on macOS it names another Keychain login.
    w.set_option(
        "@claude-failover-accounts",
        "work=~/.claude-work/ main=~/.claude",
    );
    w.quick_failover_options(0);
    let p = w.launch_claude(Some(&work), &w.home);
    w.cf_ok(&["swap", "--to", "main"]);
    w.wait_for(10, "claude started on main", || w.launches().len() == 2);
    let on_main = &w.launches()[1];
    assert!(on_main["config_dir_env"].is_null(), "{on_main}");
    assert_eq!(on_main["config_dir"], main.display().to_string());
    // New panes start without it too.
    let global = w.tmux_output(&["show-environment", "-g", "CLAUDE_CONFIG_DIR"]);
    assert!(
        !String::from_utf8_lossy(&global.stdout).contains('='),
        "{global:?}"
    );
    w.cf_ok(&["tick"]);
    assert_eq!(pane_row(&status(&w), &p)["account"], "main");
    w.cf_ok(&["swap", "--to", "work"]);
    w.wait_for(10, "claude started on work", || w.launches().len() == 3);
    let expected = format!("{}/.claude-work/", w.home.display());
    assert_eq!(w.launches()[2]["config_dir_env"], expected.as_str());
    let global = w.tmux(&["show-environment", "-g", "CLAUDE_CONFIG_DIR"]);
    assert_eq!(global.trim(), format!("CLAUDE_CONFIG_DIR={expected}"));
    // Unless the user says otherwise.
    w.set_option("@claude-failover-default-home-env", "on");
    w.cf_ok(&["swap", "--to", "main"]);
    w.wait_for(10, "claude started on main again", || {
        w.launches().len() == 4
    });
    let expected = format!("{}/.claude", w.home.display());
    assert_eq!(w.launches()[3]["config_dir_env"], expected.as_str());
}

#[test]
fn an_exhausted_account_whose_reset_passed_is_announced_available() {
    let Bar { w, .. } = three_accounts();
    w.cf_ok(&["tick"]);
    // The state as a limit left it: b exhausted until a moment ago.
    let path = w.state_dir.join("state.json");
    let mut state: Value = serde_json::from_str(&w.read(&path)).unwrap();
    let past = jiff::Timestamp::now() - jiff::SignedDuration::from_secs(5);
    state["accounts"]["b"] =
        serde_json::json!({"exhausted_until": past.to_string(), "exhausted_kind": "session"});
    std::fs::write(&path, state.to_string()).unwrap();
    w.cf_ok(&["tick"]);
    let available = w.events("available");
    assert_eq!(available.len(), 1, "{available:?}");
    assert_eq!(available[0]["account"], "b");
    assert_eq!(available[0]["why"], "its usage limit reset");
    w.cf_ok(&["tick"]);
    assert_eq!(w.events("available").len(), 1);
}

#[test]
fn many_panes_reporting_at_once_leave_one_whole_record() {
    let w = World::new();
    let dir = w.linked_account(&w.account_dir("a"));
    let children: Vec<_> = (0..20)
        .map(|i| {
            let input = format!(
                r#"{{"rate_limits":{{"five_hour":{{"used_percentage":{i},"resets_at":4102444800}}}}}}"#
            );
            let mut cmd = w.command(BIN);
            cmd.args(["statusline", "--", "cat"]).env("CLAUDE_CONFIG_DIR", &dir);
            std::thread::spawn(move || {
                let out = run_with_stdin(&mut cmd, input.as_bytes());
                (input, out)
            })
        })
        .collect();
    for child in children {
        let (input, out) = child.join().unwrap();
        assert!(out.status.success(), "{out:?}");
        assert_eq!(out.stdout, input.as_bytes());
    }
    let files: Vec<_> = std::fs::read_dir(w.state_dir.join("usage"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(files.len(), 1, "no temporary file is left: {files:?}");
    let rec: Value = serde_json::from_str(&w.read(&files[0])).unwrap();
    let p = rec["five_hour"]["used_percentage"].as_f64().unwrap();
    assert!((0.0..20.0).contains(&p) && p.fract() == 0.0, "{rec}");
}

#[test]
fn at_a_real_limit_an_account_near_its_own_still_takes_over_when_none_is_better() {
    let Bar { w, dirs, .. } = three_accounts();
    let (a, b, c) = (&dirs[0], &dirs[1], &dirs[2]);
    set_usage(a, 50.0, 50.0);
    report(&w, b, 99.0, 60.0);
    report(&w, c, 96.0, 60.0);
    w.set_option("@claude-failover-preempt", "95");
    let p = w.launch_claude(Some(a), &w.home);
    turn(&w, &p, "before the limit");
    w.cf_ok(&["tick"]);
    assert!(w.events("swap").is_empty(), "a has headroom: no preempt");
    std::fs::write(a.join("sim-mode"), "429usage5h").unwrap();
    w.tmux(&["send-keys", "-t", &p, "-l", "hit it"]);
    w.tmux(&["send-keys", "-t", &p, "Enter"]);
    w.wait_screen(&p, "You've hit your 5-hour limit", 10);
    w.cf_ok(&["tick"]);
    w.cf_ok(&["tick"]);
    let swaps = w.events("swap");
    assert_eq!(swaps.len(), 1, "{swaps:?}");
    // b and c are both near their limits; b comes first and still has some left.
    assert_eq!(swaps[0]["to"], "b", "{swaps:?}");
    assert!(w.events("all-exhausted").is_empty());
    let skipped = w.events("accounts-skipped");
    assert_eq!(skipped[0]["skipped"][0]["why"], "near-limit", "{skipped:?}");
}
