//! The Claude Code simulator (`claude-sim`, run as `claude`) in real tmux panes
//! and as a plain process: screens, files, exits, resumes, print mode.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::World;
use serde_json::Value;

const PANE: &str = "%0";
const NBSP: &str = "\u{a0}";

fn world() -> World {
    let w = World::new();
    w.start_server();
    w
}

/// An account's config folder, created.
fn account(w: &World, name: &str) -> PathBuf {
    let d = w.account_dir(name);
    fs::create_dir_all(&d).unwrap();
    d
}

/// A project folder outside HOME, so the banner shows its full path as in the real captures.
fn workdir(w: &World) -> PathBuf {
    let d = w.root.join("work");
    fs::create_dir_all(&d).unwrap();
    d
}

fn set(cfg: &Path, file: &str, value: &str) {
    fs::write(cfg.join(file), value).unwrap();
}

/// Runs `claude ARGS` in the pane the way a respawn does (`bash -c`), then shows its exit
/// status and parks the pane, leaving the screen as claude left it. The terminal settings
/// before and after are saved to check that raw mode is undone.
fn launch(w: &World, cfg: &Path, cwd: &Path, env: &str, args: &str) {
    let r = w.root.display();
    let cmd = format!(
        "stty -g > '{r}/stty.before'; CLAUDE_CONFIG_DIR='{}' {env} claude {args}; \
         echo \"[claude exited rc=$?]\"; stty -g > '{r}/stty.after'; exec sleep 600",
        cfg.display()
    );
    w.tmux(&[
        "respawn-pane",
        "-k",
        "-t",
        PANE,
        "-c",
        &cwd.display().to_string(),
        &cmd,
    ]);
}

fn type_line(w: &World, text: &str) {
    w.type_line(PANE, text);
}

fn lines(w: &World) -> Vec<String> {
    w.capture(PANE).lines().map(str::to_string).collect()
}

/// The live-session file of the running simulator: (pid, content).
fn live_session(w: &World, cfg: &Path) -> (u32, Value) {
    let dir = cfg.join("sessions");
    let mut found = None;
    w.wait_for(10, "a sessions/<pid>.json file", || {
        let files: Vec<PathBuf> = fs::read_dir(&dir)
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        let json: Vec<&PathBuf> = files
            .iter()
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        if let [one] = json.as_slice() {
            if let Ok(v) = serde_json::from_str::<Value>(&w.read(one)) {
                found = Some(v);
                return true;
            }
        }
        false
    });
    let v = found.unwrap();
    (v["pid"].as_u64().unwrap() as u32, v)
}

fn session_file_count(cfg: &Path) -> usize {
    fs::read_dir(cfg.join("sessions"))
        .map(|d| {
            d.flatten()
                .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
                .count()
        })
        .unwrap_or(0)
}

fn status(cfg: &Path, pid: u32) -> String {
    let text = fs::read_to_string(cfg.join("sessions").join(format!("{pid}.json"))).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    v["status"].as_str().unwrap().to_string()
}

/// Claude Code's project folder name (every non-alphanumeric ASCII character becomes `-`).
fn slug(p: &Path) -> String {
    p.display()
        .to_string()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

fn transcript(cfg: &Path, cwd: &Path, id: &str) -> PathBuf {
    cfg.join("projects")
        .join(slug(cwd))
        .join(format!("{id}.jsonl"))
}

/// The complete records of a transcript: a line the simulator is still appending (no newline
/// yet) is not one, as for any reader of a growing JSONL file.
fn records(path: &Path) -> Vec<Value> {
    let text = fs::read_to_string(path).unwrap();
    let complete = &text[..text.rfind('\n').map_or(0, |i| i + 1)];
    complete
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.chars().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// The epoch of the next 1am in Paris (at most 24 h away), from `date`, so that the expected
/// texts (`resets 1am`) do not come from the code under test.
fn next_1am_paris() -> i64 {
    let at = |day: &str| -> i64 {
        let out = Command::new("date")
            .env("TZ", "Europe/Paris")
            .args(["-d", &format!("{day} 01:00"), "+%s"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
    };
    let today = at("today");
    if today > now_ms() / 1000 {
        today
    } else {
        at("tomorrow")
    }
}

/// A real 200x50 capture of Claude Code 2.1.332 (tests/fixtures/real-claude, TZ=Europe/Paris),
/// given as its non-empty rows, with its working directory replaced by `cwd`.
fn real_screen(rows: &[(usize, &str)], cwd: &Path) -> Vec<String> {
    let mut screen = vec![String::new(); 50];
    for (row, text) in rows {
        screen[row - 1] = text.replace("/home/me/work", &cwd.display().to_string());
    }
    screen
}

const RULE: &str = "RULE";

fn banner_rows() -> Vec<(usize, &'static str)> {
    vec![
        (2, " \u{2590}\u{259b}\u{2588}\u{2588}\u{2588}\u{259b}\u{2588}   Claude Code v2.1.332"),
        (3, "\u{259d}\u{259c}\u{2588}\u{2588}\u{2588}\u{2588}\u{2588}\u{2588}\u{2580}  Sonnet 5.5 \u{b7} Claude API"),
        (4, " \u{259d}\u{259d}   \u{259d}\u{259d}   /home/me/work"),
        (6, "\u{258e} Auto mode is now Claude Code's default permission mode."),
        (7, "\u{258e} Auto mode lets Claude handle permission prompts automatically. Claude checks each tool call for risky actions and prompt injection before executing, runs the ones it assesses as lower-risk, and"),
        (8, "\u{258e} blocks the rest."),
        (9, "\u{258e} https://code.claude.com/docs/en/permission-modes"),
        (11, "\u{276f} hi"),
    ]
}

/// Compares a capture with a real screen, row by row, ignoring trailing plain spaces (the
/// real captures keep some that Ink left behind).
fn assert_screen(actual: &[String], expected: &[String]) {
    let rule = "\u{2500}".repeat(200);
    let norm = |s: &str| s.trim_end_matches(' ').replace(&rule, RULE);
    let actual: Vec<String> = actual.iter().map(|l| norm(l)).collect();
    let expected: Vec<String> = expected.iter().map(|l| norm(l)).collect();
    assert_eq!(actual.len(), expected.len(), "rows:\n{}", actual.join("\n"));
    for (n, (a, e)) in actual.iter().zip(&expected).enumerate() {
        assert_eq!(
            a,
            e,
            "row {} differs; screen:\n{}",
            n + 1,
            actual.join("\n")
        );
    }
}

fn run_claude(w: &World, cfg: &Path, cwd: &Path, args: &[&str], stdin: &str) -> Output {
    common::run_with_stdin(
        w.command(w.bin.join("claude"))
            .env("CLAUDE_CONFIG_DIR", cfg)
            .env("TZ", "Europe/Paris")
            .current_dir(cwd)
            .args(args),
        stdin.as_bytes(),
    )
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn launches(w: &World) -> Vec<Value> {
    w.read(&w.launch_log)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn exit_screen(id: &str) -> Vec<String> {
    vec![
        String::new(),
        "Resume this session with:".into(),
        format!("claude --resume {id}"),
        "[claude exited rc=0]".into(),
    ]
}

#[test]
fn interactive_session_files_turn_and_exit() {
    let w = world();
    let cfg = account(&w, "a");
    let cwd = workdir(&w);
    set(&cfg, "sim-delay-ms", "1500");
    launch(
        &w,
        &cfg,
        &cwd,
        "",
        "--dangerously-skip-permissions --model opus",
    );
    w.wait_screen(PANE, &format!("\u{276f}{NBSP}"), 10);

    // The process looks like the real CLI to /proc and keeps its live-session file.
    let (pid, s) = live_session(&w, &cfg);
    let comm = fs::read_to_string(format!("/proc/{pid}/comm")).unwrap();
    assert_eq!(comm.trim(), "claude");
    let id = s["sessionId"].as_str().unwrap().to_string();
    assert!(is_uuid(&id), "{s}");
    assert_eq!(id.as_bytes()[14], b'4', "a version 4 UUID: {id}");
    assert_eq!(s["cwd"], cwd.display().to_string());
    assert_eq!(s["kind"], "interactive");
    assert_eq!(s["entrypoint"], "cli");
    assert_eq!(s["status"], "idle");
    assert!(
        (now_ms() - s["startedAt"].as_i64().unwrap()).abs() < 60_000,
        "{s}"
    );
    let here = w.tmux(&[
        "display",
        "-p",
        "-t",
        PANE,
        "#{session_name}:#{window_id}.#{pane_id}",
    ]);
    assert_eq!(s["tmux"], here.trim());

    let log = launches(&w);
    let last = log.last().unwrap();
    assert_eq!(last["pid"], pid);
    assert_eq!(
        last["args"],
        serde_json::json!(["--dangerously-skip-permissions", "--model", "opus"])
    );
    assert_eq!(last["config_dir"], cfg.display().to_string());
    assert_eq!(last["cwd"], cwd.display().to_string());
    assert_eq!(last["resume"], Value::Null);

    let screen = lines(&w);
    assert_eq!(screen[1], banner_rows()[0].1);
    assert_eq!(
        screen[3],
        format!(" \u{259d}\u{259d}   \u{259d}\u{259d}   {}", cwd.display())
    );
    let path = transcript(&cfg, &cwd, &id);
    assert!(
        !path.exists(),
        "the transcript appears with the first prompt"
    );

    // A turn: busy while the spinner runs, then the reply and its records.
    type_line(&w, "hello sim");
    w.wait_screen(PANE, "\u{273b} Thinking\u{2026} (esc to interrupt)", 5);
    assert_eq!(status(&cfg, pid), "busy");
    assert!(lines(&w)
        .iter()
        .any(|l| l.contains("esc to interrupt") && l.starts_with("  ")));
    w.wait_screen(PANE, "\u{25cf} Sim reply to: hello sim", 5);
    assert_eq!(status(&cfg, pid), "idle");
    let screen = lines(&w);
    assert!(
        screen.iter().any(|l| l.starts_with("\u{276f} hello sim")),
        "{screen:?}"
    );
    assert!(
        screen
            .iter()
            .any(|l| l.starts_with("\u{273b} Worked for 1s \u{b7} done ")),
        "{screen:?}"
    );
    let recs = records(&path);
    assert_eq!(recs.len(), 3, "{recs:?}");
    assert_eq!(recs[0]["type"], "user");
    assert_eq!(recs[0]["message"]["content"], "hello sim");
    assert_eq!(recs[0]["parentUuid"], Value::Null);
    assert_eq!(recs[1]["type"], "assistant");
    assert_eq!(
        recs[1]["message"]["content"][0]["text"],
        "Sim reply to: hello sim"
    );
    assert!(recs[1].get("isApiErrorMessage").is_none());
    assert_eq!(recs[1]["parentUuid"], recs[0]["uuid"]);
    assert_eq!(recs[2]["subtype"], "turn_duration");
    for r in &recs {
        assert_eq!(r["sessionId"], id.as_str());
        assert_eq!(r["cwd"], cwd.display().to_string());
        assert!(r["timestamp"].as_str().unwrap().ends_with('Z'));
    }

    // /exit: the real hint on the main screen, exit 0, files cleaned, terminal restored.
    type_line(&w, "/exit");
    w.wait_screen(PANE, "[claude exited rc=0]", 5);
    assert_eq!(lines(&w)[..4], exit_screen(&id)[..]);
    assert_eq!(session_file_count(&cfg), 0);
    w.wait_for(5, "stty.after", || w.root.join("stty.after").exists());
    assert_eq!(
        w.read(&w.root.join("stty.before")),
        w.read(&w.root.join("stty.after"))
    );
}

#[test]
fn five_hour_limit_screen_record_and_print_are_the_real_ones() {
    let w = world();
    let cfg = account(&w, "a");
    let cwd = workdir(&w);
    let reset = next_1am_paris();
    set(&cfg, "sim-mode", "429usage5h\n");
    set(&cfg, "sim-reset", &reset.to_string());
    launch(&w, &cfg, &cwd, "TZ=Europe/Paris", "");
    let (pid, _) = live_session(&w, &cfg);
    type_line(&w, "hi");
    w.wait_screen(PANE, "Continuing automatically at 1am", 5);

    let mut rows = banner_rows();
    rows.extend([
        (
            12,
            "  \u{23bf} \u{a0}You've hit your 5-hour limit \u{b7} resets 1am (Europe/Paris)",
        ),
        (
            14,
            "\u{25cf} Usage limit reached \u{b7} set to continue automatically at 1am",
        ),
        (45, RULE),
        (46, "\u{276f}\u{a0}"),
        (47, RULE),
        (48, "  \u{26a0} Usage limit reached \u{b7} limit resets 1am"),
        (
            49,
            "    Continuing automatically at 1am \u{b7} Esc to cancel",
        ),
        (50, "  \u{23f5}\u{23f5} auto mode on (shift+tab to cycle)"),
    ]);
    assert_screen(&lines(&w), &real_screen(&rows, &cwd));
    // Sitting on the limit, the real CLI is idle.
    assert_eq!(status(&cfg, pid), "idle");

    let (_, s) = live_session(&w, &cfg);
    let recs = records(&transcript(&cfg, &cwd, s["sessionId"].as_str().unwrap()));
    let e = &recs[recs.len() - 2];
    assert_eq!(e["type"], "assistant");
    assert_eq!(e["isApiErrorMessage"], true);
    assert_eq!(e["error"], "rate_limit");
    assert_eq!(e["apiError"], "usage_limit_reached");
    assert_eq!(e["apiErrorStatus"], 429);
    assert_eq!(e["apiErrorType"], "rate_limit_error");
    let info = &e["apiErrorParams"]["rate_limit_info"];
    assert_eq!(info["status"], "rejected");
    assert_eq!(info["resetsAt"], reset);
    assert_eq!(info["rateLimitType"], "five_hour");
    assert_eq!(
        e["message"]["content"][0]["text"],
        "You've hit your 5-hour limit \u{b7} resets 1am (Europe/Paris)"
    );
    assert_eq!(e["parentUuid"], recs[recs.len() - 3]["uuid"]);
    let status_rec = recs.last().unwrap();
    assert_eq!(status_rec["type"], "system");
    assert_eq!(status_rec["subtype"], "informational");
    assert_eq!(
        status_rec["content"],
        "Usage limit reached \u{b7} set to continue automatically at 1am"
    );

    // Print mode: the message alone on stdout, byte for byte the real one, exit 1.
    let o = run_claude(&w, &cfg, &cwd, &["-p", "hi"], "");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "You've hit your 5-hour limit \u{b7} resets 1am (Europe/Paris)\n"
    );
}

#[test]
fn every_quota_mode_draws_its_limit_and_records_its_kind() {
    let w = world();
    let cfg = account(&w, "a");
    let cwd = workdir(&w);
    let reset = next_1am_paris();
    set(&cfg, "sim-reset", &reset.to_string());
    set(&cfg, "sim-delay-ms", "50");
    launch(&w, &cfg, &cwd, "TZ=Europe/Paris", "");
    let (_, s) = live_session(&w, &cfg);
    let path = transcript(&cfg, &cwd, s["sessionId"].as_str().unwrap());
    let cases = [
        ("429weekly", "You've hit your weekly limit \u{b7} resets 1am (Europe/Paris)", "seven_day"),
        ("429opus", "You've hit your Opus limit \u{b7} resets 1am (Europe/Paris)", "seven_day_opus"),
        ("429sonnet", "You've hit your Sonnet limit \u{b7} resets 1am (Europe/Paris)", "seven_day_sonnet"),
        ("429credits", "You're out of usage credits \u{b7} resets 1am (Europe/Paris)", "overage"),
        (
            "429spend",
            "You've hit your monthly spend limit \u{b7} raise it at https://claude.ai/settings/usage",
            "overage",
        ),
    ];
    for (n, (mode, text, kind)) in cases.iter().enumerate() {
        set(&cfg, "sim-mode", mode);
        type_line(&w, &format!("prompt {mode}"));
        let shown = format!("  \u{23bf} {NBSP}{text}");
        w.wait_screen(PANE, &shown, 5);
        w.wait_screen(PANE, "Esc to cancel", 5);
        let screen = lines(&w);
        let at = screen.iter().position(|l| *l == shown).unwrap();
        assert_eq!(screen[at - 1].trim_end(), format!("\u{276f} prompt {mode}"));
        // From the second limit in a row on, the CLI says "again".
        let again = if n == 0 { "" } else { " again" };
        assert_eq!(
            screen[at + 2],
            format!(
                "\u{25cf} Usage limit reached{again} \u{b7} set to continue automatically at 1am"
            )
        );
        assert_eq!(
            screen[47],
            "  \u{26a0} Usage limit reached \u{b7} limit resets 1am"
        );
        let recs = records(&path);
        let e = &recs[recs.len() - 2];
        assert_eq!(e["message"]["content"][0]["text"], *text);
        assert_eq!(e["apiError"], "usage_limit_reached");
        assert_eq!(
            e["apiErrorParams"]["rate_limit_info"]["rateLimitType"],
            *kind
        );
        assert_eq!(e["apiErrorParams"]["rate_limit_info"]["resetsAt"], reset);
        assert_eq!(recs.last().unwrap()["subtype"], "informational");
    }
}

#[test]
fn server_errors_and_throttles_are_drawn_and_recorded_as_such() {
    let w = world();
    let cfg = account(&w, "a");
    let cwd = workdir(&w);
    set(&cfg, "sim-mode", "429plain");
    launch(&w, &cfg, &cwd, "TZ=Europe/Paris", "");
    let (pid, s) = live_session(&w, &cfg);
    let path = transcript(&cfg, &cwd, s["sessionId"].as_str().unwrap());
    type_line(&w, "hi");
    w.wait_screen(PANE, "Resend your message to try again", 5);
    let mut rows = banner_rows();
    rows.extend([
        (13, "\u{25cf} API Error: Server is temporarily limiting requests (not your usage limit) \u{b7} Number of concurrent connections has exceeded your rate limit. Please try again later or contact sales at"),
        (14, "  https://www.anthropic.com/contact-sales to discuss your options for a rate limit increase."),
        (47, RULE),
        (48, "\u{276f}\u{a0}Resend your message to try again"),
        (49, RULE),
        (50, "  \u{23f5}\u{23f5} auto mode on (shift+tab to cycle)"),
    ]);
    assert_screen(&lines(&w), &real_screen(&rows, &cwd));
    let e = records(&path).pop().unwrap();
    assert_eq!(e["isApiErrorMessage"], true);
    assert_eq!(e["error"], "rate_limit");
    assert_eq!(e["apiErrorStatus"], 429);
    assert_eq!(e["apiErrorIsTransient"], true);
    assert!(
        e.get("apiError").is_none() && e.get("apiErrorParams").is_none(),
        "{e}"
    );

    let overloaded = "\u{25cf} API Error: 529 Overloaded. This is a server-side issue, usually temporary \u{2014} try again in a moment. If it persists, check https://status.claude.com.";
    let internal = "\u{25cf} API Error: 500 Internal server error. This is a server-side issue, usually temporary \u{2014} try again in a moment. If it persists, check https://status.claude.com.";
    for (mode, line, code, kind) in [
        ("529", overloaded, 529, "overloaded_error"),
        ("500", internal, 500, "api_error"),
    ] {
        set(&cfg, "sim-mode", mode);
        let before = records(&path).len();
        type_line(&w, &format!("try {mode}"));
        w.wait_for(5, "the error record", || records(&path).len() == before + 2);
        w.wait_screen(PANE, line, 5);
        let screen = lines(&w);
        assert_eq!(
            screen[47],
            format!("\u{276f}{NBSP}Resend your message to try again")
        );
        let e = records(&path).pop().unwrap();
        assert_eq!(e["error"], "server_error");
        assert_eq!(e["apiErrorStatus"], code);
        assert_eq!(e["apiErrorType"], kind);
        assert_eq!(
            e["message"]["content"][0]["text"],
            line.trim_start_matches("\u{25cf} ")
        );
        assert!(e.get("apiError").is_none());
    }

    // 500retry: the retry spinner stays up, the turn busy, until the delay ends.
    set(&cfg, "sim-mode", "500retry");
    set(&cfg, "sim-delay-ms", "1500");
    let before = records(&path).len();
    type_line(&w, "retry me");
    w.wait_screen(
        PANE,
        "\u{273b} 500 Internal server error \u{b7} retrying in 35s \u{b7} attempt 7/10",
        5,
    );
    assert_eq!(status(&cfg, pid), "busy");
    assert_eq!(records(&path).len(), before + 1, "only the prompt so far");
    w.wait_for(5, "the end of the retries", || {
        records(&path).len() == before + 2
    });
    assert_eq!(records(&path).pop().unwrap()["apiErrorStatus"], 500);
    w.wait_for(2, "idle", || status(&cfg, pid) == "idle");

    let o = run_claude(&w, &cfg, &cwd, &["-p", "hi"], "");
    assert_eq!(o.status.code(), Some(1));
    let o2 = {
        set(&cfg, "sim-mode", "529");
        run_claude(&w, &cfg, &cwd, &["--print", "hi"], "")
    };
    assert_eq!(
        stdout(&o),
        format!("{}\n", internal.trim_start_matches("\u{25cf} "))
    );
    assert_eq!(o2.status.code(), Some(1));
    assert_eq!(
        stdout(&o2),
        "API Error: 529 Overloaded. This is a server-side issue, usually temporary \u{2014} try again in a moment. If it persists, check https://status.claude.com.\n"
    );
}

#[test]
fn warnings_and_quoted_limits_are_ordinary_replies() {
    let w = world();
    let cfg = account(&w, "a");
    let cwd = workdir(&w);
    set(&cfg, "sim-reset", &next_1am_paris().to_string());
    set(&cfg, "sim-mode", "warn90");
    launch(&w, &cfg, &cwd, "TZ=Europe/Paris", "");
    let (_, s) = live_session(&w, &cfg);
    let path = transcript(&cfg, &cwd, s["sessionId"].as_str().unwrap());
    type_line(&w, "near the limit");
    w.wait_screen(
        PANE,
        "You've used 90% of your 5-hour limit \u{b7} resets 1am",
        5,
    );
    w.wait_screen(PANE, "\u{25cf} Sim reply to: near the limit", 5);
    set(&cfg, "sim-mode", "quote");
    type_line(&w, "explain");
    let quoted = "\u{25cf} The message \"You've hit your 5-hour limit \u{b7} resets 1am\" means you are out of quota.";
    w.wait_screen(PANE, quoted, 5);
    let screen = lines(&w);
    assert!(
        !screen.iter().any(|l| l.contains("You've used 90%")),
        "the warning goes with the next turn"
    );
    assert!(!screen.iter().any(|l| l.contains("Usage limit reached")));
    for r in records(&path) {
        assert!(r.get("isApiErrorMessage").is_none(), "{r}");
    }
}

#[test]
fn resume_redraws_an_old_limit_and_writes_nothing() {
    let w = world();
    let cfg = account(&w, "a");
    let cwd = workdir(&w);
    set(&cfg, "sim-reset", &next_1am_paris().to_string());
    set(&cfg, "sim-mode", "429usage5h");
    launch(&w, &cfg, &cwd, "TZ=Europe/Paris", "");
    let (_, s) = live_session(&w, &cfg);
    let id = s["sessionId"].as_str().unwrap().to_string();
    type_line(&w, "first prompt");
    w.wait_screen(PANE, "Esc to cancel", 5);
    // Leaving during the wait records that the automatic continue is off.
    type_line(&w, "/exit");
    w.wait_screen(PANE, "[claude exited rc=0]", 5);
    let path = transcript(&cfg, &cwd, &id);
    let recs = records(&path);
    assert_eq!(recs.len(), 4, "{recs:?}");
    assert!(recs[3]["content"]
        .as_str()
        .unwrap()
        .starts_with("Automatic continue cancelled \u{b7} Claude Code exited during the wait"));
    let before = fs::read(&path).unwrap();

    set(&cfg, "sim-mode", "ok");
    launch(&w, &cfg, &cwd, "TZ=Europe/Paris", &format!("--resume {id}"));
    w.wait_screen(PANE, "Automatic continue cancelled", 10);
    let screen = lines(&w);
    let at = screen
        .iter()
        .position(|l| l.starts_with("\u{276f} first prompt"))
        .unwrap();
    assert_eq!(
        screen[at + 1],
        format!("  \u{23bf} {NBSP}You've hit your 5-hour limit \u{b7} resets 1am (Europe/Paris)")
    );
    assert_eq!(
        screen[at + 2],
        "     /upgrade to increase your usage limit."
    );
    assert_eq!(
        screen[at + 4],
        "\u{25cf} Usage limit reached \u{b7} set to continue automatically at 1am"
    );
    assert_eq!(
        screen[at + 6],
        "\u{25cf} Automatic continue cancelled \u{b7} Claude Code exited during the wait, so the task will not resume on its own when the usage limit resets (send a prompt after the reset to continue)"
    );
    assert!(
        !screen.iter().any(|l| l.contains("Esc to cancel")),
        "no live footer"
    );
    let (_, s) = live_session(&w, &cfg);
    assert_eq!(s["sessionId"], id.as_str());
    assert_eq!(launches(&w).last().unwrap()["resume"], id.as_str());
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(fs::read(&path).unwrap(), before, "a replay writes nothing");

    // Leaving without a new turn still writes nothing, and gives the same hint.
    w.tmux(&["send-keys", "-t", PANE, "C-c"]);
    w.tmux(&["send-keys", "-t", PANE, "C-c"]);
    w.wait_screen(PANE, "[claude exited rc=0]", 5);
    assert_eq!(lines(&w)[..4], exit_screen(&id)[..]);
    assert_eq!(fs::read(&path).unwrap(), before);

    // A new turn after the resume continues the same transcript.
    launch(&w, &cfg, &cwd, "TZ=Europe/Paris", &format!("-r {id}"));
    w.wait_screen(PANE, "Automatic continue cancelled", 10);
    type_line(&w, "after resume");
    w.wait_screen(PANE, "\u{25cf} Sim reply to: after resume", 5);
    let recs = records(&path);
    assert_eq!(recs[4]["message"]["content"], "after resume");
    assert_eq!(recs[4]["parentUuid"], recs[3]["uuid"]);
}

#[test]
fn a_killed_session_cleans_up_and_leaves_the_wait_unrecorded() {
    let w = world();
    let cfg = account(&w, "a");
    let cwd = workdir(&w);
    set(&cfg, "sim-mode", "429usage5h");
    launch(&w, &cfg, &cwd, "", "");
    let (pid, s) = live_session(&w, &cfg);
    let id = s["sessionId"].as_str().unwrap().to_string();
    type_line(&w, "hi");
    w.wait_screen(PANE, "Esc to cancel", 5);
    w.tmux(&["respawn-pane", "-k", "-t", PANE, "exec sleep 600"]);
    w.wait_for(3, "the sessions file to go", || {
        session_file_count(&cfg) == 0
    });
    w.wait_for(3, "the process to end", || {
        // Gone, or a zombie waiting to be reaped.
        let stat = fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        stat.is_empty() || stat.contains(") Z ")
    });
    let recs = records(&transcript(&cfg, &cwd, &id));
    assert_eq!(
        recs.len(),
        3,
        "user, error, status: no cancel line: {recs:?}"
    );

    set(&cfg, "sim-mode", "ok");
    launch(&w, &cfg, &cwd, "", &format!("--resume {id}"));
    w.wait_screen(PANE, "set to continue automatically at", 10);
    assert!(!w.capture(PANE).contains("Automatic continue cancelled"));
}

#[test]
fn ctrl_c_interrupts_hints_and_exits_on_the_second_press() {
    let w = world();
    let cfg = account(&w, "a");
    let cwd = workdir(&w);
    set(&cfg, "sim-delay-ms", "5000");
    launch(&w, &cfg, &cwd, "", "");
    let (pid, s) = live_session(&w, &cfg);
    let id = s["sessionId"].as_str().unwrap().to_string();
    type_line(&w, "a long one");
    w.wait_screen(PANE, "Thinking", 5);
    w.tmux(&["send-keys", "-t", PANE, "C-c"]);
    w.wait_screen(PANE, "Interrupted \u{b7} What should Claude do instead?", 3);
    w.wait_screen(PANE, "  Press Ctrl-C again to exit", 3);
    assert_eq!(status(&cfg, pid), "idle");
    let recs = records(&transcript(&cfg, &cwd, &id));
    assert_eq!(
        recs.last().unwrap()["message"]["content"],
        "[Request interrupted by user]"
    );

    // The hint expires: a later single Ctrl-C does not exit.
    w.wait_for(4, "the hint to expire", || {
        !w.capture(PANE).contains("Press Ctrl-C again")
    });
    w.tmux(&["send-keys", "-t", PANE, "C-c"]);
    w.wait_screen(PANE, "Press Ctrl-C again to exit", 3);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(session_file_count(&cfg), 1, "still running");
    w.tmux(&["send-keys", "-t", PANE, "C-c"]);
    w.wait_screen(PANE, "[claude exited rc=0]", 5);
    assert_eq!(lines(&w)[..4], exit_screen(&id)[..]);
    assert_eq!(session_file_count(&cfg), 0);
    // The shell writes the file after the line above: wait for it, not for a race.
    w.wait_for(5, "stty.after", || {
        !w.read(&w.root.join("stty.after")).is_empty()
    });
    assert_eq!(
        w.read(&w.root.join("stty.before")),
        w.read(&w.root.join("stty.after"))
    );
}

#[test]
fn typing_edits_and_queues_like_the_cli() {
    let w = world();
    let cfg = account(&w, "a");
    let cwd = workdir(&w);
    set(&cfg, "sim-delay-ms", "800");
    launch(&w, &cfg, &cwd, "CLAUDE_CODE_RESUME_HINT_COMMAND=cc", "");
    let (_, s) = live_session(&w, &cfg);
    let id = s["sessionId"].as_str().unwrap().to_string();
    // Backspace, arrows (ignored) and UTF-8 input.
    w.tmux(&["send-keys", "-t", PANE, "-l", "héllo wrld"]);
    w.tmux(&[
        "send-keys",
        "-t",
        PANE,
        "BSpace",
        "BSpace",
        "BSpace",
        "Left",
        "Up",
    ]);
    w.tmux(&["send-keys", "-t", PANE, "-l", "orld"]);
    w.wait_screen(PANE, &format!("\u{276f}{NBSP}héllo world"), 3);
    w.tmux(&["send-keys", "-t", PANE, "Enter"]);
    // Sent while the first turn runs: queued, answered after it.
    type_line(&w, "second");
    w.wait_screen(PANE, "\u{25cf} Sim reply to: second", 5);
    let screen = w.capture(PANE);
    let first = screen.find("Sim reply to: héllo world").unwrap();
    assert!(first < screen.find("\u{276f} second").unwrap(), "{screen}");
    type_line(&w, "/exit");
    w.wait_screen(PANE, "[claude exited rc=0]", 5);
    assert_eq!(lines(&w)[2], format!("cc --resume {id}"));
}

#[test]
fn resume_errors_are_the_real_ones() {
    let w = World::new();
    let a = account(&w, "a");
    let b = account(&w, "b");
    let cwd = workdir(&w);
    set(&a, "sim-delay-ms", "0");
    let o = run_claude(&w, &a, &cwd, &["-p", "hello"], "");
    assert!(o.status.success());
    let id = fs::read_dir(a.join("projects").join(slug(&cwd)))
        .unwrap()
        .flatten()
        .map(|e| e.path().file_stem().unwrap().to_string_lossy().into_owned())
        .next()
        .unwrap();

    // Under another account the transcript is not there: the failover case.
    let o = run_claude(&w, &b, &cwd, &["--resume", &id], "");
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        format!("No conversation found with session ID: {id}\n")
    );
    assert_eq!(launches(&w).last().unwrap()["resume"], id.as_str());
    // Once the transcript is reachable there, it resumes.
    fs::create_dir_all(b.join("projects").join(slug(&cwd))).unwrap();
    fs::copy(transcript(&a, &cwd, &id), transcript(&b, &cwd, &id)).unwrap();
    let o = run_claude(&w, &b, &cwd, &["--resume", &id], "/exit\n");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("\u{276f} hello\n"), "{}", stdout(&o));

    let o = run_claude(&w, &a, &cwd, &["--resume", "not-a-session"], "");
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("\"not-a-session\" is not a UUID"),
        "{}",
        stderr(&o)
    );
    let o = run_claude(&w, &a, &cwd, &["-p", "-r", "x y", "hi"], "");
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("when used with --print"),
        "{}",
        stderr(&o)
    );
    let o = run_claude(&w, &a, &cwd, &["--session-id", "nope"], "");
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        "Error: Invalid session ID. Must be a valid UUID.\n"
    );
    let o = run_claude(&w, &a, &cwd, &["--session-id", &id], "");
    assert_eq!(
        stderr(&o),
        format!("Error: Session ID {id} is already in use.\n")
    );
    let o = run_claude(&w, &b, &w.home, &["--continue"], "");
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stderr(&o), "No conversation found to continue\n");
    assert_eq!(session_file_count(&a) + session_file_count(&b), 0);
}

#[test]
fn print_mode_answers_on_stdout() {
    let w = World::new();
    let cfg = account(&w, "a");
    let cwd = workdir(&w);
    let o = run_claude(
        &w,
        &cfg,
        &cwd,
        &["-p", "hi there", "--output-format", "text"],
        "",
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "Sim reply to: hi there\n");
    let o = run_claude(&w, &cfg, &cwd, &["-p"], "from stdin\n");
    assert_eq!(stdout(&o), "Sim reply to: from stdin\n");
    let o = run_claude(&w, &cfg, &cwd, &["-p"], "");
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("Input must be provided"));
    // Each print run is a session of its own with a transcript, and leaves no live file.
    let dir = cfg.join("projects").join(slug(&cwd));
    assert_eq!(fs::read_dir(&dir).unwrap().count(), 2);
    assert_eq!(session_file_count(&cfg), 0);
    let o = run_claude(&w, &cfg, &cwd, &["--version"], "");
    assert_eq!(stdout(&o), "2.1.332 (Claude Code)\n");
    // The launch log saw every run.
    assert_eq!(launches(&w).len(), 4);
}

#[test]
fn piped_input_bad_files_and_continue() {
    let w = World::new();
    let cfg = account(&w, "a");
    let cwd = workdir(&w);
    // Unreadable and nonsensical settings are tolerated.
    fs::create_dir_all(cfg.join("sim-mode")).unwrap();
    set(&cfg, "sim-delay-ms", "soon");
    let o = run_claude(
        &w,
        &cfg,
        &cwd,
        &["--session-id", "11111111-2222-4333-8444-555555555555"],
        "one\ntwo\n/exit\nnever\n",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("\u{276f} one\n\u{273b} Thinking\u{2026} (esc to interrupt)\n\n\u{25cf} Sim reply to: one\n"), "{out}");
    assert!(out.contains("\u{25cf} Sim reply to: two\n"), "{out}");
    assert!(!out.contains("never"), "{out}");
    assert!(
        out.ends_with(
            "\nResume this session with:\nclaude --resume 11111111-2222-4333-8444-555555555555\n"
        ),
        "{out}"
    );
    let path = transcript(&cfg, &cwd, "11111111-2222-4333-8444-555555555555");

    // A torn or foreign line in the transcript does not stop a resume; -c finds the newest.
    let mut text = fs::read_to_string(&path).unwrap();
    text.push_str(
        "{\"type\":\"assistant\",\"message\":{\"content\":[{\"type\":\"te\n\u{0}garbage\n",
    );
    fs::write(&path, text).unwrap();
    fs::remove_dir(cfg.join("sim-mode")).unwrap();
    set(&cfg, "sim-mode", "no-such-mode");
    let o = run_claude(&w, &cfg, &cwd, &["-c"], "three");
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("\u{276f} one\n"), "{out}");
    assert!(out.contains("unknown mode \"no-such-mode\""), "{out}");
    assert!(out.contains("\u{25cf} Sim reply to: three\n"), "{out}");
    assert!(
        out.contains("claude --resume 11111111-2222-4333-8444-555555555555"),
        "{out}"
    );

    // A prompt on the command line is the first turn of an interactive session.
    set(&cfg, "sim-mode", "ok");
    let o = run_claude(&w, &cfg, &cwd, &["--model", "x", "first words"], "");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("\u{276f} first words\n"),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("\u{25cf} Sim reply to: first words\n"));
}

#[test]
fn the_screen_follows_the_pane_size() {
    let w = world();
    let cfg = account(&w, "a");
    let cwd = workdir(&w);
    launch(&w, &cfg, &cwd, "", "");
    live_session(&w, &cfg);
    type_line(&w, "x");
    w.wait_screen(PANE, "\u{25cf} Sim reply to: x", 5);
    w.tmux(&["resize-window", "-t", PANE, "-x", "100", "-y", "30"]);
    // Right after the resize tmux shows the old screen cut to size; the redraw wraps the
    // notice at the new width.
    let redrawn = |screen: &[String]| {
        screen.len() == 30
            && screen[8] == "\u{258e} blocks the rest."
            && screen[28] == "\u{2500}".repeat(100)
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut screen = lines(&w);
    while !redrawn(&screen) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
        screen = lines(&w);
    }
    assert!(
        redrawn(&screen),
        "not redrawn at 100x30:\n{}",
        screen.join("\n")
    );
    let screen = lines(&w);
    assert_eq!(screen[27], format!("\u{276f}{NBSP}"));
    assert_eq!(
        screen[29],
        "  \u{23f5}\u{23f5} auto mode on (shift+tab to cycle)"
    );
    // The long notice is wrapped at the new width, never by the terminal.
    assert!(
        screen.iter().all(|l| l.chars().count() <= 100),
        "{screen:?}"
    );
}

/// The simulator is a program of its own: none of it ships in `claude-failover`, which the
/// status line starts on every refresh.
#[test]
fn the_product_binary_holds_no_simulator() {
    let marker = b"Driven by files in the config folder: sim-mode";
    let has = |path: &str| {
        let bytes = fs::read(path).unwrap();
        bytes.windows(marker.len()).any(|w| w == marker)
    };
    assert!(has(common::SIM), "the marker is the simulator's help text");
    assert!(!has(common::BIN), "{} holds the simulator", common::BIN);
}

/// `claude-failover demo` runs `claude-sim` from its own folder, and says what to do when it is
/// not there (an install by `cargo install` has only the product).
#[test]
fn the_demo_needs_the_simulator_beside_it_and_says_so() {
    let w = World::new();
    let alone = w.root.join("alone");
    fs::create_dir_all(&alone).unwrap();
    let cf = alone.join("claude-failover");
    fs::copy(common::BIN, &cf).unwrap();
    let out = w
        .command(&cf)
        .args(["demo", "--headless"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    let sim = alone.join("claude-sim").display().to_string();
    assert!(
        err.contains(&sim) && err.contains("scripts/build.sh"),
        "{err}"
    );
}
