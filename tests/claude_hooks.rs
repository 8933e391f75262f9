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
        // Another pane's file may go (its Claude restarted) between the listing and the read.
        let Some(v) = std::fs::read(e.path())
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        else {
            continue;
        };
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
        status.contains("c ") && status.contains("hooks not installed ("),
        "{status}"
    );
    let links = String::from_utf8_lossy(&w.cf(&["links", "check"]).stderr).to_string();
    assert!(links.contains("c: hooks not installed ("), "{links}");

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
    // The event is logged before the state is saved: wait for `status` to say it.
    w.wait_for(
        10,
        "status to say the panes stay on Claude's own wait",
        || w.cf_ok(&["status"]).contains("Claude Code's own wait"),
    );
    w.wait_screen(&p, "Continuing automatically", 15);
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

/// The state file as the plugin last wrote it.
fn state(w: &World) -> Value {
    serde_json::from_str(&w.read(&w.state_dir.join("state.json"))).unwrap_or(Value::Null)
}

/// A pane mid-turn when a hook-driven swap came is deferred; Claude's `Stop` hook at the end of
/// that turn restarts it on the new account at once, with no tick and no chain running at all.
#[test]
fn a_busy_pane_deferred_by_a_hook_swap_is_restarted_when_its_turn_ends() {
    let (w, dirs, work) = setup(&["a", "b"]);
    let (a, b) = (&dirs[0], &dirs[1]);
    w.cf_ok(&["claude-hooks", "install"]);
    let other = w.home.join("other");
    std::fs::create_dir_all(&other).unwrap();
    let p1 = w.launch_claude(Some(a), &work);
    let p2 = w.launch_claude(Some(a), &other);
    for (p, text) in [(&p1, "one"), (&p2, "two")] {
        w.type_line(p, text);
        w.wait_screen(p, &format!("Sim reply to: {text}"), 10);
    }
    let id2 = session_of(a, &p2);
    // p2 starts a long turn (the delay is read when the turn starts), long enough to outlast the
    // swap on a loaded machine.
    std::fs::write(a.join("sim-delay-ms"), "12000").unwrap();
    w.type_line(&p2, "long turn");
    w.wait_for(10, "p2 busy", || live_file(a, &p2)["status"] == "busy");
    std::fs::remove_file(a.join("sim-delay-ms")).unwrap();
    std::fs::write(a.join("sim-mode"), "429usage5h").unwrap();
    w.type_line(&p1, "hit it");
    w.wait_for(15, "the swap event", || !w.events("swap").is_empty());
    let swap = &w.events("swap")[0];
    let outcome = |pane: &str| {
        swap["panes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["pane"] == pane)
            .map(|p| p["outcome"].clone())
    };
    assert_eq!(outcome(&p2), Some("deferred".into()), "{swap}");
    let st = state(&w);
    assert_eq!(st["panes"][&p2]["restart_to"], "b", "{st:#}");
    let resumed_on_b = || {
        w.launches()
            .into_iter()
            .find(|l| l["resume"] == id2.as_str() && l["config_dir"] == b.display().to_string())
    };
    assert!(
        resumed_on_b().is_none(),
        "the busy pane was cut off mid-turn"
    );
    assert_eq!(
        live_file(a, &p2)["status"],
        "busy",
        "the turn outlasted the swap"
    );

    // The turn ends: its Stop hook, and nothing else, moves the pane.
    w.wait_for(25, "the deferred restart on b", || resumed_on_b().is_some());
    let launch = resumed_on_b().unwrap();
    // Logged once the restarted pane runs Claude again.
    w.wait_for(10, "the Stop job's event", || {
        !w.events("stop-hook").is_empty()
    });
    let stops = w.events("stop-hook");
    assert_eq!(stops.len(), 1, "{stops:#?}");
    let stop = &stops[0];
    assert_eq!(stop["pane"], p2.as_str());
    assert_eq!(stop["decision"], "restarted", "{stop}");
    let restarted = w.events("pane-restarted");
    assert!(
        restarted
            .iter()
            .any(|e| e["pane"] == p2.as_str() && e["to"] == "b" && e["deferred"] == true),
        "{restarted:#?}"
    );
    w.wait_screen(&p2, "Sim reply to: long turn", 10);
    assert!(state(&w)["panes"][&p2]["restart_to"].is_null());
    // From the end of the turn (its reply record) to the restarted Claude's start.
    let transcript = std::fs::read_to_string(
        w.home
            .join(".claude-shared/projects")
            .read_dir()
            .unwrap()
            .flatten()
            .map(|d| d.path().join(format!("{id2}.jsonl")))
            .find(|p| p.exists())
            .unwrap(),
    )
    .unwrap();
    let reply_ts = transcript
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|r| r["type"] == "assistant" && r.to_string().contains("Sim reply to: long turn"))
        .find_map(|r| r["timestamp"].as_str().map(str::to_string))
        .expect("the long turn's reply record");
    let ms = |ts: &str| ts.parse::<jiff::Timestamp>().unwrap().as_millisecond();
    let latency = ms(launch["ts"].as_str().unwrap()) - ms(&reply_ts);
    eprintln!("end of the busy turn -> restarted Claude on b: {latency} ms");
    assert!((0..5000).contains(&latency), "{latency} ms");
}

/// Every turn of every pane runs the Stop hook: with no deferred restart it reads the state and
/// leaves, no job, no event, nothing printed.
#[test]
fn a_stop_with_nothing_deferred_does_nothing() {
    let w = World::new();
    w.start_server();
    let payload = r#"{"session_id":"6f1f4a52-33e3-4f29-9d7c-0e7dcd2b5e10","transcript_path":"/nonexistent/t.jsonl","cwd":"/","hook_event_name":"Stop","stop_hook_active":false,"last_assistant_message":"done"}"#;
    let mut c = w.command(common::BIN);
    c.env("TMUX", w.job_tmux.get().expect("the server's TMUX"))
        .env("TMUX_PANE", "%0");
    let out = common::run_with_stdin(c.arg("claude-hook"), payload.as_bytes());
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty() && out.stderr.is_empty(), "{out:?}");
    assert!(!w.state_dir.join("hook-jobs").exists());
    assert!(!w.state_dir.join("events.jsonl").exists());
}

/// A hook job whose tmux never ran it is swept by the next hook run once it is 10 minutes old;
/// a fresh one (tmux may be about to run it) and files that are not jobs stay.
#[test]
fn stale_hook_jobs_are_swept_by_the_next_hook_run() {
    let w = World::new();
    w.start_server();
    let jobs = w.state_dir.join("hook-jobs");
    std::fs::create_dir_all(&jobs).unwrap();
    let plant = |name: &str, age: u64| {
        let f = std::fs::File::create(jobs.join(name)).unwrap();
        f.set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(age))
            .unwrap();
    };
    plant("1764660000000-111.json", 3600);
    plant(".1764660000000-112.json.112.tmp", 3600);
    plant("1764660000000-113.json", 5);
    plant("mine.txt", 3600);
    let payload = r#"{"hook_event_name":"StopFailure","error":"rate_limit","last_assistant_message":"API Error: Server is temporarily limiting requests (not your usage limit)"}"#;
    let mut c = w.command(common::BIN);
    c.env("TMUX", w.job_tmux.get().expect("the server's TMUX"))
        .env("TMUX_PANE", "%0");
    let out = common::run_with_stdin(c.arg("claude-hook"), payload.as_bytes());
    assert_eq!(out.status.code(), Some(0));
    let left = || -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(&jobs)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    assert!(
        !left().contains(&"1764660000000-111.json".to_string()),
        "{:?}",
        left()
    );
    assert!(!left().iter().any(|n| n.ends_with(".tmp")), "{:?}", left());
    // Our own job is run by tmux (and removed by it); the others stay.
    w.wait_for(10, "the hook's own job to run", || left().len() == 2);
    assert_eq!(left(), ["1764660000000-113.json", "mine.txt"]);
}

/// An install from before the Stop hook is reported incomplete; installing again completes it.
#[test]
fn an_older_install_without_the_stop_hook_is_incomplete_until_installed_again() {
    let (w, dirs, _) = setup(&["a"]);
    let a = &dirs[0];
    let ours = format!("'{}' claude-hook", common::BIN);
    let old = serde_json::json!({"hooks": {"StopFailure": [
        {"matcher": "rate_limit", "hooks": [{"type": "command", "command": ours}]}
    ]}});
    std::fs::write(a.join("settings.json"), old.to_string()).unwrap();
    let out = w.cf(&["claude-hooks", "check", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let row = &json(&out.stdout)[0];
    assert_eq!(row["installed"], false);
    let detail = row["detail"].as_str().unwrap();
    assert!(
        detail.contains("StopFailure hook installed") && detail.contains("Stop hook missing"),
        "{detail}"
    );
    w.cf_ok(&["claude-hooks", "install"]);
    w.cf_ok(&["claude-hooks", "check"]);
    let v: Value = serde_json::from_str(&w.read(&a.join("settings.json"))).unwrap();
    assert_eq!(v["hooks"]["StopFailure"].as_array().unwrap().len(), 1);
    let stop = v["hooks"]["Stop"].as_array().unwrap();
    assert_eq!(stop.len(), 1);
    assert_eq!(stop[0]["hooks"][0]["command"], ours.as_str());
    // This install found the file as it was (no note of an earlier one): remove puts that back.
    w.cf_ok(&["claude-hooks", "remove"]);
    assert_eq!(w.read(&a.join("settings.json")), old.to_string());
}
