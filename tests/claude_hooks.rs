//! Failover driven by Claude Code's own `StopFailure` hook: `claude-hooks install|check|remove`
//! on real account folders, and the simulated `claude` firing the hook in real tmux panes with
//! no tick and no polling chain running at all.

mod common;

use std::path::{Path, PathBuf};

use common::{json, World};
use serde_json::Value;

fn setup(names: &[&str]) -> (World, Vec<PathBuf>, PathBuf) {
    let w = World::new();
    w.start_server();
    let dirs = w.accounts(names);
    w.quick_failover_options(600);
    let work = w.home.join("work");
    std::fs::create_dir_all(&work).unwrap();
    (w, dirs, work)
}

/// The live-session file (`sessions/<pid>.json`) of the Claude running in `pane`.
fn live_file(dir: &Path, pane: &str) -> Value {
    for e in std::fs::read_dir(dir.join("sessions")).unwrap().flatten() {
        let v: Value = serde_json::from_slice(&std::fs::read(e.path()).unwrap()).unwrap();
        if v["tmux"]
            .as_str()
            .is_some_and(|t| t.ends_with(&format!(".{pane}")))
        {
            return v;
        }
    }
    panic!("no session file for {pane}");
}

fn session_of(dir: &Path, pane: &str) -> String {
    live_file(dir, pane)["sessionId"]
        .as_str()
        .unwrap()
        .to_string()
}

fn pid_of(dir: &Path, pane: &str) -> u32 {
    live_file(dir, pane)["pid"].as_u64().unwrap() as u32
}

#[test]
fn install_check_remove_keep_the_users_files() {
    let (w, dirs, _) = setup(&["a", "b", "c", "d"]);
    let (a, b, c, d) = (&dirs[0], &dirs[1], &dirs[2], &dirs[3]);
    let user = "{\n    \"model\": \"opus\",\n    \"hooks\": {\n        \"StopFailure\": [\n            {\"matcher\": \"server_error\", \"hooks\": [{\"type\": \"command\", \"command\": \"echo mine\"}]}\n        ]\n    },\n    \"env\": {\"X\": \"1\"}\n}\n";
    std::fs::write(a.join("settings.json"), user).unwrap();
    std::fs::write(c.join("settings.json"), "{ not json").unwrap();
    let real = w.home.join("elsewhere.json");
    std::fs::write(&real, "{}").unwrap();
    std::os::unix::fs::symlink(&real, d.join("settings.json")).unwrap();
    std::fs::write(
        a.join(".claude.json"),
        r#"{"lastOnboardingVersion":"2.1.77"}"#,
    )
    .unwrap();

    let out = w.cf(&["claude-hooks", "install"]);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("c: ") && text.contains("is not valid JSON"),
        "{text}"
    );
    assert!(text.contains("d: ") && text.contains("is a link"), "{text}");
    assert_eq!(w.read(&c.join("settings.json")), "{ not json");
    assert_eq!(w.read(&real), "{}");
    assert!(std::fs::symlink_metadata(d.join("settings.json"))
        .unwrap()
        .file_type()
        .is_symlink());

    // a keeps its own hook, key order and four-space indent; ours is added after its own.
    let after = w.read(&a.join("settings.json"));
    assert!(after.starts_with("{\n    \"model\": \"opus\",\n    \"hooks\": {\n        \"StopFailure\": [\n            {\"matcher\": \"server_error\""), "{after}");
    assert!(
        after.trim_end().ends_with("\"env\": {\"X\": \"1\"}\n}"),
        "{after}"
    );
    let v: Value = serde_json::from_str(&after).unwrap();
    let entries = v["hooks"]["StopFailure"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[1]["matcher"], "rate_limit");
    let cmd = entries[1]["hooks"][0]["command"].as_str().unwrap();
    assert_eq!(cmd, format!("'{}' claude-hook", common::BIN));
    assert!(w.read(&b.join("settings.json")).contains("rate_limit"));
    // Idempotent: a second install changes no byte.
    let _ = w.cf(&["claude-hooks", "install"]);
    assert_eq!(w.read(&a.join("settings.json")), after);

    let out = w.cf(&["claude-hooks", "check", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let rows = json(&out.stdout);
    let row = |n: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["account"] == n)
            .unwrap()
            .clone()
    };
    assert_eq!(row("a")["installed"], true);
    assert_eq!(row("a")["version"], "2.1.77");
    assert_eq!(row("a")["supported"], false);
    assert_eq!(row("b")["installed"], true);
    assert_eq!(row("b")["supported"], "unknown");
    assert_eq!(row("c")["installed"], false);
    // status and links check say which account lacks the hook.
    let status = w.cf_ok(&["status"]);
    assert!(
        status.contains("c ") && status.contains("no StopFailure hook"),
        "{status}"
    );
    let links = String::from_utf8_lossy(&w.cf(&["links", "check"]).stderr).to_string();
    assert!(links.contains("c: no StopFailure hook"), "{links}");

    std::fs::write(c.join("settings.json"), "{}").unwrap();
    std::fs::remove_file(d.join("settings.json")).unwrap();
    w.cf_ok(&["claude-hooks", "install"]);
    w.cf_ok(&["claude-hooks", "check"]);

    w.cf_ok(&["claude-hooks", "remove"]);
    assert_eq!(
        std::fs::read(a.join("settings.json")).unwrap(),
        user.as_bytes()
    );
    assert!(
        !b.join("settings.json").exists(),
        "install created it, remove takes it away"
    );
    assert_eq!(std::fs::read(c.join("settings.json")).unwrap(), b"{}");
    assert_eq!(w.cf(&["claude-hooks", "check"]).status.code(), Some(1));
}

/// The hook alone, no tick or chain: a usage limit in one pane restarts every pane of that
/// account on the next one, each resuming its own conversation; the old processes (and with
/// them Claude's own wait for the reset) are gone. A new limit on the account just swapped to
/// moves on at once, inside the cooldown.
#[test]
fn a_usage_limit_through_the_hook_swaps_with_no_tick_running() {
    let (w, dirs, work) = setup(&["a", "b", "c"]);
    let (a, b) = (&dirs[0], &dirs[1]);
    w.cf_ok(&["claude-hooks", "install"]);
    let p1 = w.launch_claude(Some(a), &work);
    let p2 = w.launch_claude(Some(a), &work);
    for (p, text) in [(&p1, "one"), (&p2, "two")] {
        w.type_line(p, text);
        w.wait_screen(p, &format!("Sim reply to: {text}"), 10);
    }
    let ids = [session_of(a, &p1), session_of(a, &p2)];
    let old_pids = [pid_of(a, &p1), pid_of(a, &p2)];
    common::set_mode(a, "429usage5h");
    w.type_line(&p1, "hit it");
    w.wait_for(15, "a swap event", || !w.events("swap").is_empty());
    let swap = &w.events("swap")[0];
    assert_eq!(swap["from"], "a");
    assert_eq!(swap["to"], "b");
    assert!(
        swap["reason"].as_str().unwrap().contains("5-hour limit"),
        "{swap}"
    );
    let hook = &w.events("claude-hook")[0];
    assert_eq!(hook["evidence"], "transcript", "{hook}");
    for (p, id) in [&p1, &p2].iter().zip(&ids) {
        w.wait_for(10, "the resumed launch", || {
            w.launches()
                .iter()
                .any(|l| l["resume"] == id.as_str() && l["config_dir"] == b.display().to_string())
        });
        w.wait_screen(p, "Claude Code", 10);
    }
    for pid in old_pids {
        assert!(
            !Path::new(&format!("/proc/{pid}")).exists(),
            "the old Claude {pid} (and its wait for the reset) is gone"
        );
    }
    assert_eq!(w.events("swap").len(), 1);

    // On b now, in the cooldown: b's own new limit moves on to c (never back to exhausted a).
    w.wait_for(10, "p1 on b", || {
        b.join("sessions")
            .read_dir()
            .is_ok_and(|mut d| d.next().is_some())
    });
    common::set_mode(b, "429weekly");
    w.type_line(&p1, "hit b");
    w.wait_for(15, "a second swap", || w.events("swap").len() == 2);
    let second = &w.events("swap")[1];
    assert_eq!(second["from"], "b");
    assert_eq!(second["to"], "c");
}

/// A throttle through the hook is looked at and ignored; a 529 never reaches our hook (matcher).
#[test]
fn throttles_and_server_errors_through_the_hook_never_swap() {
    let (w, dirs, work) = setup(&["a", "b"]);
    let a = &dirs[0];
    w.cf_ok(&["claude-hooks", "install"]);
    // The user's own StopFailure hook (every error) marks each failure.
    let marks = w.root.join("marks");
    let local = work.join(".claude");
    std::fs::create_dir_all(&local).unwrap();
    std::fs::write(
        local.join("settings.local.json"),
        format!(
            r#"{{"hooks":{{"StopFailure":[{{"hooks":[{{"type":"command","command":"cat >> '{}'; echo >> '{}'"}}]}}]}}}}"#,
            marks.display(),
            marks.display()
        ),
    )
    .unwrap();
    let p = w.launch_claude(Some(a), &work);
    common::set_mode(a, "529");
    w.type_line(&p, "overloaded");
    w.wait_for(10, "the 529 StopFailure", || {
        w.read(&marks).contains("server_error")
    });
    common::set_mode(a, "429plain");
    w.type_line(&p, "throttled");
    w.wait_for(10, "the handler's look at the throttle", || {
        !w.events("claude-hook").is_empty()
    });
    let hooks = w.events("claude-hook");
    assert_eq!(hooks.len(), 1, "{hooks:#?}");
    assert_eq!(hooks[0]["decision"], "ignored");
    assert_eq!(hooks[0]["evidence"], "none");
    assert!(w.events("swap").is_empty());
    assert!(w.events("limit").is_empty());
}

/// The simulated CLI runs hooks from `--settings` (file and JSON) too, with the real payload and
/// environment, and writes the error's record only after the hook started.
#[test]
fn the_simulator_runs_hooks_from_every_source_before_the_record() {
    let (w, dirs, work) = setup(&["a", "b"]);
    let a = &dirs[0];
    let hook = |tag: &str| {
        let out = w.root.join(format!("hook-{tag}"));
        // The payload, the environment, and whether the record was already written.
        format!(
            "p=$(cat); t=$(printf '%s' \"$p\" | sed 's/.*\"transcript_path\":\"\\([^\"]*\\)\".*/\\1/'); n=$(grep -c usage_limit_reached \"$t\"); printf '%s\\n' \"$p\" > '{o}.json.'$$; env > '{o}.env.'$$; echo \"$n\" > '{o}.count.'$$; mv '{o}.json.'$$ '{o}.json'; mv '{o}.env.'$$ '{o}.env'; mv '{o}.count.'$$ '{o}.count'",
            o = out.display()
        )
    };
    let entry = |tag: &str| {
        serde_json::json!({"hooks": {"StopFailure": [{"matcher": "rate_limit", "hooks": [{"type": "command", "command": hook(tag)}]}],
                                      "SessionStart": [{"matcher": "startup", "hooks": [{"type": "command", "command": hook(&format!("{tag}-start"))}]}]}})
    };
    std::fs::write(a.join("settings.json"), entry("account").to_string()).unwrap();
    let file = w.root.join("extra-settings.json");
    std::fs::write(&file, entry("file").to_string()).unwrap();
    let quote = |s: &str| format!("'{}'", s.replace('\'', "'\\''"));
    let p = w.launch(
        &format!("claude --settings {}", quote(&entry("inline").to_string())),
        Some(a),
        &work,
    );
    let p2 = w.launch(
        &format!("claude --settings {}", quote(&file.display().to_string())),
        Some(a),
        &work,
    );
    common::set_mode(a, "429usage5h");
    w.type_line(&p, "limit");
    w.type_line(&p2, "limit");
    for tag in ["account", "inline", "file"] {
        let json_path = w.root.join(format!("hook-{tag}.json"));
        w.wait_for(10, "the hook's output", || {
            w.root.join(format!("hook-{tag}.count")).exists()
        });
        let payload: Value = serde_json::from_str(w.read(&json_path).trim()).unwrap();
        assert_eq!(payload["hook_event_name"], "StopFailure");
        assert_eq!(payload["error"], "rate_limit");
        assert!(payload["last_assistant_message"]
            .as_str()
            .unwrap()
            .starts_with("You've hit your 5-hour limit"));
        assert_eq!(payload["cwd"], work.display().to_string());
        let env = w.read(&w.root.join(format!("hook-{tag}.env")));
        assert!(env.contains("TMUX_PANE=%"), "{env}");
        assert!(
            env.contains("CLAUDE_PID=") && env.contains("CLAUDECODE=1"),
            "{env}"
        );
        assert!(
            env.contains(&format!("CLAUDE_CONFIG_DIR={}", a.display())),
            "{env}"
        );
        assert_eq!(
            w.read(&w.root.join(format!("hook-{tag}.count"))).trim(),
            "0",
            "the record comes after the hook starts"
        );
        assert!(
            w.root.join(format!("hook-{tag}-start.json")).exists(),
            "SessionStart {tag}"
        );
    }
}

/// Every account exhausted: the hook restarts nothing and says the panes stay on Claude Code's
/// own wait for the reset.
#[test]
fn all_exhausted_through_the_hook_leaves_the_panes_to_claudes_own_wait() {
    let (w, dirs, work) = setup(&["a", "b"]);
    let (a, b) = (&dirs[0], &dirs[1]);
    w.cf_ok(&["claude-hooks", "install"]);
    let p = w.launch_claude(Some(a), &work);
    w.type_line(&p, "hello");
    w.wait_screen(&p, "Sim reply to: hello", 10);
    // b hits its limit first: its pane moves to a (b is exhausted from now on).
    common::set_mode(b, "429usage5h");
    let pb = w.launch_claude(Some(b), &work);
    w.type_line(&pb, "on b");
    w.wait_for(15, "b's swap", || w.events("swap").len() == 1);
    assert_eq!(w.events("swap")[0]["from"], "b");
    w.wait_for(10, "pb resumed on a", || {
        w.launches()
            .iter()
            .any(|l| l["resume"].is_string() && l["config_dir"] == a.display().to_string())
    });
    let launched = w.launches().len();
    // Then a, the account just swapped to: no account is left.
    common::set_mode(a, "429usage5h");
    w.type_line(&p, "hit a");
    w.wait_for(15, "the all-exhausted warning", || {
        !w.events("all-exhausted").is_empty()
    });
    assert_eq!(w.events("swap").len(), 1);
    assert_eq!(w.launches().len(), launched, "nothing restarted");
    let status = w.cf_ok(&["status"]);
    assert!(status.contains("Claude Code's own wait"), "{status}");
    w.wait_screen(&p, "Continuing automatically", 5);
}

/// The hook never breaks Claude: any input, inside tmux or not, prints nothing and exits 0.
#[test]
fn the_hook_prints_nothing_and_exits_zero_on_any_input() {
    let w = World::new();
    w.start_server();
    for input in [
        "",
        "not json",
        "{}",
        r#"{"hook_event_name":"StopFailure","error":"rate_limit"}"#,
        r#"{"hook_event_name":"StopFailure","error":"rate_limit","transcript_path":"/etc/passwd","last_assistant_message":"You've hit your 5-hour limit · resets 8am"}"#,
    ] {
        for pane in [None, Some("%0")] {
            let mut c = w.command(common::BIN);
            if let Some(job_tmux) = w.job_tmux.get() {
                c.env("TMUX", job_tmux);
            }
            if let Some(p) = pane {
                c.env("TMUX_PANE", p);
            }
            let out = common::run_with_stdin(c.arg("claude-hook"), input.as_bytes());
            assert_eq!(out.status.code(), Some(0), "{input}");
            assert!(out.stdout.is_empty(), "{input}");
        }
    }
}
