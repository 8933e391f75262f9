//! Robustness: load, faults, hostile input and file safety, each on a real tmux server with the
//! simulated `claude` in panes and the real binary. Every test states the guarantee it proves;
//! docs/guarantees.md lists them.

mod common;

use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::{json, set_mode, World, BIN};
use serde_json::Value;

// ---------------------------------------------------------------------------------------------
// A world with accounts and simulated Claude panes

struct Setup {
    w: World,
    acc: Vec<PathBuf>,
    work: PathBuf,
    other: PathBuf,
}

/// Single-quote a word for the option parser (POSIX rules).
fn sq(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// A server with the accounts `(name, folder under HOME)`, confirm-polls 2 with no gap.
fn setup_dirs(accounts: &[(&str, &str)], cooldown: u64) -> Setup {
    let w = World::new();
    w.start_server();
    let acc: Vec<PathBuf> = accounts
        .iter()
        .map(|(_, d)| w.linked_account(&w.home.join(d)))
        .collect();
    let list: Vec<String> = accounts
        .iter()
        .zip(&acc)
        .map(|((n, _), d)| sq(&format!("{n}={}", d.display())))
        .collect();
    w.set_option("@claude-failover-accounts", &list.join(" "));
    w.quick_failover_options(cooldown);
    let (work, other) = w.work_dirs();
    Setup {
        w,
        acc,
        work,
        other,
    }
}

fn setup(names: &[&str], cooldown: u64) -> Setup {
    let dirs: Vec<(String, String)> = names
        .iter()
        .map(|n| (n.to_string(), format!(".claude-{n}")))
        .collect();
    let refs: Vec<(&str, &str)> = dirs.iter().map(|(n, d)| (n.as_str(), d.as_str())).collect();
    setup_dirs(&refs, cooldown)
}

/// Start `claude` on `account_dir` in a new window of `session`; the pane id once it is ready.
fn claude_in(w: &World, session: &str, account_dir: &Path, cwd: &Path) -> String {
    let id = w
        .tmux(&[
            "new-window".to_string(),
            "-d".into(),
            "-P".into(),
            "-F".into(),
            "#{pane_id}".into(),
            "-t".into(),
            format!("{session}:"),
            "-c".into(),
            cwd.display().to_string(),
            "-e".into(),
            format!("CLAUDE_CONFIG_DIR={}", account_dir.display()),
            "claude".into(),
        ])
        .trim()
        .to_string();
    w.wait_screen(&id, "Claude Code", 10);
    id
}

fn start_claude(w: &World, account_dir: &Path, cwd: &Path) -> String {
    claude_in(w, "main", account_dir, cwd)
}

/// A tick must print one status segment and exit 0, whatever happened.
fn assert_segment(out: &Output, what: &str) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{what}: tick exited {:?}; stdout {stdout:?}; stderr {stderr}",
        out.status
    );
    assert_eq!(
        stdout.lines().filter(|l| !l.trim().is_empty()).count(),
        1,
        "{what}: one segment line expected, got {stdout:?} (stderr {stderr})"
    );
    assert!(!stderr.contains("panicked"), "{what}: {stderr}");
    stdout
}

fn tick(w: &World) -> String {
    assert_segment(&w.cf(&["tick"]), "tick")
}

fn state(w: &World) -> Value {
    let text = std::fs::read_to_string(w.state_dir.join("state.json")).unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("state.json is not JSON ({e}): {text}"))
}

/// Every event, each line checked: one whole JSON object with `ts` and `event` (a torn or merged
/// line fails here).
fn events(w: &World) -> Vec<Value> {
    let text = w.read(&w.state_dir.join("events.jsonl"));
    text.lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("torn or merged events.jsonl line ({e}): {l:?}"));
            assert!(v["ts"].is_string() && v["event"].is_string(), "{l}");
            v
        })
        .collect()
}

fn named(w: &World, name: &str) -> Vec<Value> {
    events(w)
        .into_iter()
        .filter(|e| e["event"] == name)
        .collect()
}

fn row(st: &Value, pane: &str) -> Option<Value> {
    st["panes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["pane"] == pane)
        .cloned()
}

fn session_id(w: &World, pane: &str) -> String {
    let st = w.status_json();
    row(&st, pane)
        .and_then(|r| r["session_id"].as_str().map(str::to_string))
        .unwrap_or_else(|| panic!("no session id for {pane}: {st:#}"))
}

/// How many times the session `id` was resumed on the account at `dir`.
fn resumes(w: &World, id: &str, dir: &Path) -> usize {
    w.launches()
        .iter()
        .filter(|l| l["resume"] == id && l["config_dir"] == dir.display().to_string())
        .count()
}

fn pane_ids(w: &World) -> Vec<String> {
    let mut v: Vec<String> = w
        .tmux(&["list-panes", "-a", "-F", "#{pane_id}"])
        .lines()
        .map(str::to_string)
        .collect();
    v.sort();
    v
}

/// Wait until every pane in `panes` runs Claude on the account at `dir` with its own session id
/// (`ids`, in the same order): what "nothing lost after a swap" means.
fn wait_all_on(w: &World, panes: &[String], ids: &[String], dir: &Path) {
    wait_all_on_ctx(w, panes, ids, dir, "")
}

fn wait_all_on_ctx(w: &World, panes: &[String], ids: &[String], dir: &Path, ctx: &str) {
    let mut last = Value::Null;
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline {
        last = w.status_json();
        let ok = panes.iter().zip(ids).all(|(p, id)| {
            row(&last, p).is_some_and(|r| {
                r["config_dir"] == dir.display().to_string() && r["session_id"] == id.as_str()
            })
        });
        if ok {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!(
        "panes {panes:?} never all ran Claude on {} with ids {ids:?}{ctx}\n{last:#}",
        dir.display()
    );
}

/// The transcript of session `id` in the shared projects folder.
fn transcript(w: &World, id: &str) -> PathBuf {
    let projects = w.home.join(".claude-shared/projects");
    for entry in std::fs::read_dir(&projects).unwrap().flatten() {
        let p = entry.path().join(format!("{id}.jsonl"));
        if p.is_file() {
            return p;
        }
    }
    panic!("no transcript for {id}");
}

// ---------------------------------------------------------------------------------------------
// Many invocations at once

/// Run all `runs` concurrently against the world's server while a watcher keeps parsing
/// state.json: every read of it, mid-storm, must be whole JSON. Returns the outputs in order.
fn storm(w: &World, runs: &[Vec<&str>]) -> Vec<Output> {
    let stop = AtomicBool::new(false);
    let path = w.state_dir.join("state.json");
    std::thread::scope(|scope| {
        let watcher = scope.spawn(|| {
            let mut reads = 0usize;
            while !stop.load(Ordering::Relaxed) {
                if let Ok(bytes) = std::fs::read(&path) {
                    if let Err(e) = serde_json::from_slice::<Value>(&bytes) {
                        return Err(format!(
                            "state.json read mid-storm is not JSON ({e}): {}",
                            String::from_utf8_lossy(&bytes)
                        ));
                    }
                    reads += 1;
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            Ok(reads)
        });
        let children: Vec<_> = runs.iter().map(|args| w.cf_spawn(args)).collect();
        let outputs: Vec<Output> = children
            .into_iter()
            .map(|c| c.wait_with_output().unwrap())
            .collect();
        stop.store(true, Ordering::Relaxed);
        let reads = watcher.join().unwrap().unwrap_or_else(|e| panic!("{e}"));
        assert!(reads > 0, "the watcher never read state.json");
        outputs
    })
}

/// Swap events must chain (each starts where the previous ended), carry distinct journal ids,
/// and end at the active account.
fn assert_swap_history(w: &World, first_from: &str) -> Vec<Value> {
    let swaps = named(w, "swap");
    let mut ids = std::collections::BTreeSet::new();
    let mut at = first_from.to_string();
    for s in &swaps {
        let id = s["journal"].as_str().expect("swap event has a journal id");
        assert!(
            ids.insert(id.to_string()),
            "journal {id} logged twice: {swaps:#?}"
        );
        assert_eq!(
            s["from"],
            at.as_str(),
            "swap history does not chain: {swaps:#?}"
        );
        at = s["to"].as_str().unwrap().to_string();
    }
    let st = state(w);
    assert!(st["journal"].is_null(), "a swap was left half done: {st:#}");
    assert_eq!(
        st["active"],
        at.as_str(),
        "active is not the last swap's `to`"
    );
    swaps
}

/// After a first poll has seen `panes` (on account home `a`), the first of them hits the 5-hour
/// limit; the session ids of the panes.
fn limit_in_first(w: &World, a: &Path, panes: &[String]) -> Vec<String> {
    tick(w);
    let ids = panes.iter().map(|p| session_id(w, p)).collect();
    set_mode(a, "429usage5h");
    w.turn(&panes[0], "hit", "You've hit your 5-hour limit");
    set_mode(a, "ok");
    ids
}

/// `n` runs of the binary: a `swap` every `every` runs, `tick` the others.
fn ticks_and_swaps(n: usize, every: usize) -> Vec<Vec<&'static str>> {
    (0..n)
        .map(|i| {
            if i % every == every / 2 {
                vec!["swap"]
            } else {
                vec!["tick"]
            }
        })
        .collect()
}

/// 50 concurrent ticks on one confirmed limit: exactly one swap, every pane restarted once.
#[test]
fn fifty_concurrent_ticks_on_one_limit_swap_exactly_once() {
    let s = setup(&["a", "b"], 0);
    let w = &s.w;
    let (a, b) = (&s.acc[0], &s.acc[1]);
    let panes = vec![
        start_claude(w, a, &s.work),
        start_claude(w, a, &s.work),
        start_claude(w, a, &s.other),
    ];
    for (i, p) in panes.iter().enumerate() {
        w.turn(p, &format!("task {i}"), &format!("Sim reply to: task {i}"));
    }
    let ids = limit_in_first(w, a, &panes);
    assert!(tick(w).contains("?limit 1/2"));

    let outs = storm(w, &vec![vec!["tick"]; 50]);
    for (i, o) in outs.iter().enumerate() {
        assert_segment(o, &format!("tick {i} of the storm"));
    }
    let swaps = assert_swap_history(w, "a");
    assert_eq!(swaps.len(), 1, "{swaps:#?}");
    assert_eq!(swaps[0]["to"], "b");
    assert_eq!(named(w, "limit").len(), 1);
    wait_all_on(w, &panes, &ids, b);
    for id in &ids {
        assert_eq!(
            resumes(w, id, b),
            1,
            "session {id} restarted more than once"
        );
    }
    // The resumed panes redraw the old limit: more ticks change nothing.
    for _ in 0..3 {
        tick(w);
    }
    assert_eq!(named(w, "swap").len(), 1);
}

/// 40 ticks and 10 manual swaps at once: one swap event per swap performed, a consistent history.
#[test]
fn fifty_concurrent_ticks_and_swaps_keep_one_consistent_history() {
    let s = setup(&["a", "b", "c"], 0);
    let w = &s.w;
    let a = &s.acc[0];
    let panes = vec![start_claude(w, a, &s.work), start_claude(w, a, &s.other)];
    for (i, p) in panes.iter().enumerate() {
        w.turn(p, &format!("job {i}"), &format!("Sim reply to: job {i}"));
    }
    let ids = limit_in_first(w, a, &panes);
    tick(w);

    let runs = ticks_and_swaps(50, 5);
    let outs = storm(w, &runs);
    let mut manual_ok = 0;
    for (args, o) in runs.iter().zip(&outs) {
        if args[0] == "tick" {
            assert_segment(o, "tick in a mixed storm");
        } else {
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(
                matches!(o.status.code(), Some(0 | 1)),
                "swap failed ({:?}): {err}",
                o.status
            );
            manual_ok += usize::from(o.status.success());
        }
    }
    let swaps = assert_swap_history(w, "a");
    let manual = swaps.iter().filter(|s| s["reason"] == "manual").count();
    let auto = swaps.len() - manual;
    assert_eq!(
        manual, manual_ok,
        "one event per manual swap that reported success"
    );
    assert!(auto <= 1, "the one limit swapped {auto} times: {swaps:#?}");
    assert!(manual_ok >= 1);

    // Settled: both panes run Claude on the active account, each with its own session.
    let active = state(w)["active"].as_str().unwrap().to_string();
    let dir = &s.acc[["a", "b", "c"].iter().position(|n| *n == active).unwrap()];
    tick(w);
    let history: Vec<String> = named(w, "swap")
        .iter()
        .map(|s| {
            let panes: Vec<&str> = s["panes"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|p| p["pane"].as_str())
                .collect();
            format!("{}->{} {panes:?}", s["from"], s["to"])
        })
        .collect();
    wait_all_on_ctx(
        w,
        &panes,
        &ids,
        dir,
        &format!("; swaps (journal panes): {history:?}"),
    );
}

// ---------------------------------------------------------------------------------------------
// Faults

/// SIGKILL at each step of a swap's journal; the next tick finishes it: every pane on the new
/// account with its own session, no pane lost, exactly one event per swap.
#[test]
fn a_swap_killed_at_any_step_is_finished_by_the_next_tick() {
    let s = setup(&["a", "b"], 0);
    let w = &s.w;
    let (a, b) = (s.acc[0].clone(), s.acc[1].clone());
    let panes = vec![
        start_claude(w, &a, &s.work),
        start_claude(w, &a, &s.work),
        start_claude(w, &a, &s.other),
    ];
    for (i, p) in panes.iter().enumerate() {
        w.turn(p, &format!("work {i}"), &format!("Sim reply to: work {i}"));
    }
    // A shell pane that is not Claude: never touched.
    let shell = w.new_window(&["-t", "main:"]);
    let shell_pid = w.tmux(&["display", "-p", "-t", &shell, "#{pane_pid}"]);
    tick(w);
    let ids: Vec<String> = panes.iter().map(|p| session_id(w, p)).collect();
    let all_panes = pane_ids(w);

    for (n, (point, to)) in [("journal", &b), ("pane", &a), ("event", &b)]
        .into_iter()
        .enumerate()
    {
        let out = w
            .command(BIN)
            .args(["-L", &w.socket, "swap", "--reason", point])
            .env("CLAUDE_FAILOVER_TEST_KILL_AT", point)
            .output()
            .unwrap();
        assert_eq!(out.status.signal(), Some(9), "killed at {point}: {out:?}");
        let journal = state(w)["journal"].clone();
        assert!(journal.is_object(), "killed at {point}: journal left");
        let logged_early = usize::from(point == "event");
        assert_eq!(named(w, "swap").len(), n + logged_early, "at {point}");

        tick(w);
        let swaps = assert_swap_history(w, "a");
        assert_eq!(swaps.len(), n + 1, "killed at {point}: one event per swap");
        assert_eq!(swaps[n]["journal"], journal["id"]);
        wait_all_on(w, &panes, &ids, to);
        assert_eq!(
            pane_ids(w),
            all_panes,
            "no pane lost or added (killed at {point})"
        );
        for (id, p) in ids.iter().zip(&panes) {
            // b: once after round 0, twice after round 2; a: once after round 1.
            assert_eq!(resumes(w, id, to), n / 2 + 1, "{p} at {point}");
        }
        assert_eq!(
            w.tmux(&["display", "-p", "-t", &shell, "#{pane_pid}"]),
            shell_pid
        );
    }
}

/// The tmux server dies under 30 ticks and 5 swaps: every tick exits 0 with a segment, nothing
/// panics, the state stays whole, and a restarted server is polled normally.
#[test]
fn killing_the_tmux_server_mid_tick_never_breaks_a_tick() {
    let s = setup(&["a", "b"], 0);
    let w = &s.w;
    let a = &s.acc[0];
    for i in 0..2 {
        let p = start_claude(w, a, &s.work);
        w.turn(
            &p,
            &format!("hello {i}"),
            &format!("Sim reply to: hello {i}"),
        );
    }
    tick(w);
    let runs = ticks_and_swaps(35, 7);
    let started = Instant::now();
    let children: Vec<_> = runs.iter().map(|args| w.cf_spawn(args)).collect();
    std::thread::sleep(Duration::from_millis(40));
    w.tmux_output(&["kill-server"]);
    for (args, c) in runs.iter().zip(children) {
        let o = c.wait_with_output().unwrap();
        if args[0] == "tick" {
            assert_segment(&o, "tick while the server dies");
        } else {
            assert!(
                matches!(o.status.code(), Some(0..=2)),
                "swap while the server dies: {o:?}"
            );
            assert!(!String::from_utf8_lossy(&o.stderr).contains("panicked"));
        }
    }
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "took {:?}",
        started.elapsed()
    );
    let _ = state(w);
    let _ = events(w);
    assert!(tick(w).contains('⚠'), "no server: the segment says so");
    // The same error again and again is logged once.
    let errors = named(w, "error").len();
    for _ in 0..3 {
        tick(w);
    }
    assert_eq!(
        named(w, "error").len(),
        errors,
        "a repeated error logged again"
    );

    // A new server on the same socket: a journal left by a swap cut short finishes (its panes
    // are gone), and the history stays consistent.
    w.start_server();
    let list = format!("a={} b={}", s.acc[0].display(), s.acc[1].display());
    w.set_option("@claude-failover-accounts", &list);
    w.set_option(
        "@claude-failover-shared-dir",
        &w.home.join(".claude-shared").display().to_string(),
    );
    let seg = tick(w);
    assert!(!seg.contains('⚠'), "{seg}");
    assert_swap_history(w, "a");
}

/// Run the binary without the root's power to ignore file modes, so a read-only folder is
/// read-only for it too. None when that cannot be arranged (root without `setpriv`).
fn unprivileged(w: &World) -> Option<Command> {
    let euid = std::fs::metadata("/proc/self")
        .map(|m| m.uid())
        .unwrap_or(0);
    if euid != 0 {
        return Some(w.command(BIN));
    }
    let setpriv = ["/usr/bin/setpriv", "/bin/setpriv"]
        .into_iter()
        .find(|p| Path::new(p).exists())?;
    let mut c = w.command(setpriv);
    c.arg("--bounding-set=-dac_override,-dac_read_search,-fowner")
        .arg(BIN);
    Some(c)
}

/// A state folder that cannot be written: the status line still gets a segment (exit 0), the
/// saved state is untouched, and the error is logged once, not once per tick.
#[test]
fn an_unwritable_state_folder_keeps_the_status_line_and_logs_once() {
    let s = setup(&["a", "b"], 0);
    let w = &s.w;
    let Some(_) = unprivileged(w) else {
        common::skip("root without setpriv cannot make a folder read-only for itself");
        return;
    };
    // A first swap creates the state and the event log (no pane yet, nothing restarted).
    w.cf_ok(&["swap", "--to", "b", "--reason", "setup"]);
    let p1 = start_claude(w, &s.acc[1], &s.work);
    w.turn(&p1, "one", "Sim reply to: one");
    tick(w);
    let saved = w.read(&w.state_dir.join("state.json"));
    std::fs::set_permissions(&w.state_dir, std::fs::Permissions::from_mode(0o500)).unwrap();
    // Something new to save: a second Claude pane.
    let p2 = start_claude(w, &s.acc[1], &s.other);
    for i in 0..5 {
        let out = unprivileged(w)
            .unwrap()
            .args(["-L", &w.socket, "tick"])
            .output()
            .unwrap();
        let seg = assert_segment(&out, &format!("tick {i} with a read-only state folder"));
        assert!(seg.contains('⚠'), "{seg}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("could not save the state"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(w.read(&w.state_dir.join("state.json")), saved);
    let errors = named(w, "error");
    std::fs::set_permissions(&w.state_dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    assert_eq!(
        errors.len(),
        1,
        "the error must be in the (still writable) event log exactly once: {errors:#?}"
    );
    // Writable again: the next tick saves what it saw.
    assert!(!tick(w).contains('⚠'));
    assert!(state(w)["panes"][p2.as_str()].is_object());
}

/// A full disk: the saved state stays whole (no half-written file, no stray temporary), the tick
/// still prints a segment, an event that did not fit leaves no torn line, and all works again
/// once there is room.
#[test]
fn a_full_disk_keeps_the_state_whole_and_the_event_log_untorn() {
    let s = setup(&["a", "b"], 0);
    let w = &s.w;
    let state_root = w.root.join("xdg-state");
    let _mount = match common::tmpfs(&state_root, "size=64k,mode=0700") {
        Ok(m) => m,
        Err(why) => {
            common::skip(&format!("cannot mount a small tmpfs here ({why})"));
            return;
        }
    };
    w.set_option("@claude-failover-confirm-polls", "1");
    let (a, b) = (&s.acc[0], &s.acc[1]);
    let p1 = start_claude(w, a, &s.work);
    w.turn(&p1, "before", "Sim reply to: before");
    tick(w);
    let id = session_id(w, &p1);
    // The event log ends 40 bytes short of a page: the next event cannot fit in what is left.
    let log = w.state_dir.join("events.jsonl");
    let pad_len = 4096 - 40 - w.read(&log).len() % 4096;
    let mut pad = r#"{"ts":"2020-01-01T00:00:00Z","event":"pad","x":""}"#.to_string();
    pad.insert_str(pad.len() - 2, &"x".repeat(pad_len - pad.len() - 1));
    pad.push('\n');
    {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .mode(0o600)
            .open(&log)
            .unwrap();
        f.write_all(pad.as_bytes()).unwrap();
    }
    let saved = w.read(&w.state_dir.join("state.json"));
    // Fill the disk.
    let filler = w.state_dir.join("filler");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&filler).unwrap();
        while f.write_all(&[0u8; 4096]).is_ok() {}
    }
    set_mode(a, "429usage5h");
    w.turn(&p1, "hit", "You've hit your 5-hour limit");
    set_mode(a, "ok");
    for _ in 0..3 {
        let seg = tick(w);
        assert!(seg.contains('⚠'), "{seg}");
    }
    assert_eq!(
        w.read(&w.state_dir.join("state.json")),
        saved,
        "old state kept whole"
    );
    let stray: Vec<_> = std::fs::read_dir(&w.state_dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(stray.is_empty(), "temporary files left: {stray:?}");
    assert!(
        !w.read(&log).contains(r#""event":"swap""#),
        "no swap without a saved journal"
    );
    // Room again: the limit is confirmed, the swap happens and is logged, and the log is whole.
    std::fs::remove_file(&filler).unwrap();
    tick(w);
    let swaps = named(w, "swap");
    assert_eq!(swaps.len(), 1, "{swaps:#?}");
    assert!(!named(w, "limit").is_empty());
    wait_all_on(w, &[p1], &[id], b);
}

/// A journal whose target account was removed from the options must not block every later tick
/// (nor every manual swap) forever.
#[test]
fn a_journal_for_a_removed_account_does_not_block_ticks_forever() {
    let s = setup(&["a", "b", "c"], 0);
    let w = &s.w;
    let p1 = start_claude(w, &s.acc[0], &s.work);
    w.turn(&p1, "keep", "Sim reply to: keep");
    tick(w);
    let out = w
        .command(BIN)
        .args(["-L", &w.socket, "swap", "--to", "b"])
        .env("CLAUDE_FAILOVER_TEST_KILL_AT", "journal")
        .output()
        .unwrap();
    assert_eq!(out.status.signal(), Some(9));
    // The user drops account b while the journal still names it.
    w.set_option(
        "@claude-failover-accounts",
        &format!("a={} c={}", s.acc[0].display(), s.acc[2].display()),
    );
    tick(w);
    let seg = tick(w);
    assert!(
        !seg.contains('⚠'),
        "every tick fails on the stale journal: {seg}"
    );
    assert!(state(w)["journal"].is_null());
    assert!(pane_ids(w).contains(&p1));
}

// ---------------------------------------------------------------------------------------------
// Hostile input

/// Marker files that a successful injection would create.
fn markers(w: &World, n: usize) -> Vec<PathBuf> {
    (0..n).map(|i| w.root.join(format!("pwned-{i}"))).collect()
}

fn assert_no_markers(m: &[PathBuf]) {
    for p in m {
        assert!(
            !p.exists(),
            "{} was created: text was executed",
            p.display()
        );
    }
}

/// Screen text with shell metacharacters, escape sequences, fake limits and a fake
/// `claude --resume $(…)` exit hint is never executed, never typed into a pane, never taken as a
/// session id; a shell pane showing a limit is never a reason to swap.
#[test]
fn hostile_screen_text_is_never_executed_typed_or_trusted() {
    let s = setup(&["a", "b"], 600);
    let w = &s.w;
    let (a, b) = (&s.acc[0], &s.acc[1]);
    let m = markers(w, 8);
    let p = |i: usize| m[i].display().to_string();
    // A Claude pane fed hostile prompts.
    let p1 = start_claude(w, a, &s.work);
    let hostile = format!(
        "$(touch {}) `touch {}` ; touch {} | sh && echo $HOME 'quote\" end",
        p(0),
        p(1),
        p(2)
    );
    w.turn(&p1, &hostile, "Sim reply to: $(touch");
    // A shell pane where Claude ran, exited (printing its real hint), then hostile lines.
    let shell = w.new_window(&["-t", "main:"]);
    w.type_line(
        &shell,
        &format!("CLAUDE_CONFIG_DIR={} claude", sq(&a.display().to_string())),
    );
    w.wait_screen(&shell, "Claude Code", 10);
    w.turn(
        &shell,
        "in the shell pane",
        "Sim reply to: in the shell pane",
    );
    tick(w);
    let real_id = session_id(w, &shell);
    let script = w.root.join("hostile.sh");
    std::fs::write(
        &script,
        format!(
            "printf '%s\\n' 'claude --resume $(touch {0})' 'claude --resume `touch {1}`' \
             'claude --resume 00000000-0000-0000-0000-000000000000; touch {2}'\n\
             printf '\\033]2;$(touch {3})\\007\\033[31mred\\033[0m\\n'\n\
             printf '%s\\n' '  ⎿  You'\\''ve hit your 5-hour limit · resets 1am (UTC)' \
             '⚠ Usage limit reached · limit resets 1am'\n",
            p(3),
            p(4),
            p(5),
            p(6)
        ),
    )
    .unwrap();
    w.type_line(&shell, "/exit");
    w.wait_screen(&shell, "Resume this session with", 10);
    w.type_line(&shell, &format!("sh {}", sq(&script.display().to_string())));
    w.wait_screen(&shell, "limit resets 1am", 10);
    std::thread::sleep(Duration::from_millis(200));
    for _ in 0..3 {
        let seg = tick(w);
        assert!(!seg.contains('\x1b'), "{seg:?}");
    }
    assert!(named(w, "swap").is_empty(), "a shell pane's text swapped");
    assert!(named(w, "limit").is_empty(), "a shell pane's text counted");
    let ps = &state(w)["panes"][shell.as_str()];
    eprintln!("shell pane after the forged hints: {ps}");
    assert!(
        ps["session_id"].is_null() || ps["session_id"] == real_id.as_str(),
        "a forged exit hint was taken: {ps:#}"
    );

    // A swap: the Claude pane resumes with exactly the words we expect; the shell pane is left
    // alone (nothing typed, not restarted).
    let before = w.capture(&shell);
    let shell_pid = w.tmux(&["display", "-p", "-t", &shell, "#{pane_pid}"]);
    let id1 = session_id(w, &p1);
    w.cf_ok(&["swap", "--reason", "hostile"]);
    wait_all_on(w, std::slice::from_ref(&p1), std::slice::from_ref(&id1), b);
    let last = w.launches().into_iter().last().unwrap();
    assert_eq!(last["args"], serde_json::json!(["--resume", id1]));
    for _ in 0..2 {
        tick(w);
    }
    assert_eq!(
        w.capture(&shell),
        before,
        "something was typed into the shell pane"
    );
    assert_eq!(
        w.tmux(&["display", "-p", "-t", &shell, "#{pane_pid}"]),
        shell_pid
    );
    for e in events(w) {
        assert!(!e.to_string().contains('\u{1b}'), "{e}");
    }
    assert_no_markers(&m);
}

/// A `sessions/<pid>.json` whose `sessionId` is not a UUID (an injection after a real id) is
/// never used: the pane resumes its real session, found from its transcript.
#[test]
fn a_forged_session_id_is_never_used() {
    let s = setup(&["a", "b"], 0);
    let w = &s.w;
    let (a, b) = (&s.acc[0], &s.acc[1]);
    let m = markers(w, 1);
    let p1 = start_claude(w, a, &s.work);
    w.turn(&p1, "real work", "Sim reply to: real work");
    // Known from the valid file first (the usual case: ticks run all the time), then forged.
    let pid = w
        .tmux(&["display", "-p", "-t", &p1, "#{pane_pid}"])
        .trim()
        .to_string();
    let file = a.join("sessions").join(format!("{pid}.json"));
    let mut v: Value = serde_json::from_str(&w.read(&file)).unwrap();
    let real = v["sessionId"].as_str().unwrap().to_string();
    v["sessionId"] = Value::String(format!("{real}\n$(touch {})", m[0].display()));
    tick(w);
    std::fs::write(&file, v.to_string()).unwrap();
    tick(w);
    w.cf_ok(&["swap", "--reason", "forged id"]);
    wait_all_on(w, std::slice::from_ref(&p1), std::slice::from_ref(&real), b);
    assert_eq!(resumes(w, &real, b), 1);
    assert!(w
        .launches()
        .iter()
        .all(|l| !l.to_string().contains("touch")));
    assert_no_markers(&m);
}

/// Option values with quotes, spaces, newlines and `$(…)`, account folders with spaces and
/// quotes, a working folder and a session name full of shell syntax: every word arrives intact,
/// nothing runs.
#[test]
fn hostile_options_folders_and_names_arrive_intact() {
    let s = setup_dirs(&[("a", "acc a"), ("b", "it's b $(x)")], 0);
    let w = &s.w;
    let (a, b) = (&s.acc[0], &s.acc[1]);
    let m = markers(w, 5);
    let p = |i: usize| m[i].display().to_string();
    let args = vec![
        "--append-system-prompt".to_string(),
        "two\nlines, \"quoted\" and 'single'".to_string(),
        format!("$(touch {})", p(0)),
        format!("`touch {}`", p(1)),
        format!(";touch {}", p(2)),
    ];
    let value: Vec<String> = args.iter().map(|a| sq(a)).collect();
    w.set_option("@claude-failover-args", &value.join(" "));
    let work = w.home.join(format!("proj $(touch {}) `x` ; y", p(3)));
    std::fs::create_dir_all(&work).unwrap();
    let session = format!("s'$(touch {})\"", p(4)).replace(['.', ':'], "_");
    w.tmux(&[
        "new-session",
        "-d",
        "-s",
        &session,
        "-c",
        &work.display().to_string(),
    ]);
    let p1 = claude_in(w, &session, a, &work);
    w.turn(&p1, "intact", "Sim reply to: intact");
    tick(w);
    let id = session_id(w, &p1);
    w.cf_ok(&["swap", "--reason", "hostile options"]);
    wait_all_on(w, std::slice::from_ref(&p1), std::slice::from_ref(&id), b);
    let last = w.launches().into_iter().last().unwrap();
    let mut expected = args.clone();
    expected.extend(["--resume".to_string(), id]);
    assert_eq!(last["args"], serde_json::json!(expected));
    assert_eq!(last["config_dir"], b.display().to_string());
    assert_eq!(last["cwd"], work.display().to_string());
    let env = w.tmux(&["show-environment", "-g", "CLAUDE_CONFIG_DIR"]);
    assert_eq!(env.trim(), format!("CLAUDE_CONFIG_DIR={}", b.display()));
    assert_eq!(w.status_json()["active"], "b");
    assert_no_markers(&m);
}

/// A Claude pane whose folder name holds a newline or tmux's field separator is still seen (and
/// so still moved off an exhausted account).
#[test]
fn claude_panes_in_folders_with_newlines_are_still_seen() {
    let s = setup(&["a", "b"], 0);
    let w = &s.w;
    let a = &s.acc[0];
    let mut panes = Vec::new();
    for name in ["line\nbreak", "unit\u{1f}sep"] {
        let dir = w.home.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        panes.push(start_claude(w, a, &dir));
    }
    tick(w);
    let st = w.status_json();
    for p in &panes {
        assert!(
            row(&st, p).is_some(),
            "Claude pane {p} is invisible: {st:#}"
        );
    }
}

/// Links planted where the state files go are never written through: the state file's link is
/// moved aside and replaced, the event log's and the lock's are refused with a clear error, a
/// state folder that is a link is refused; the link targets stay untouched.
#[test]
fn planted_links_are_never_written_through() {
    let s = setup(&["a", "b"], 0);
    let w = &s.w;
    let p1 = start_claude(w, &s.acc[0], &s.work);
    w.turn(&p1, "x", "Sim reply to: x");
    tick(w);
    let victims: Vec<PathBuf> = (0..3).map(|i| w.root.join(format!("victim-{i}"))).collect();
    for v in &victims {
        std::fs::write(v, "precious\n").unwrap();
    }
    let sd = &w.state_dir;
    std::fs::remove_file(sd.join("state.json")).unwrap();
    std::os::unix::fs::symlink(&victims[0], sd.join("state.json")).unwrap();
    let _ = std::fs::remove_file(sd.join("events.jsonl"));
    std::os::unix::fs::symlink(&victims[1], sd.join("events.jsonl")).unwrap();
    tick(w);
    let out = w.cf(&["swap", "--reason", "links"]);
    assert!(out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("events.jsonl"),
        "the event that could not be logged is reported: {out:?}"
    );
    let meta = std::fs::symlink_metadata(sd.join("state.json")).unwrap();
    assert!(
        meta.file_type().is_file(),
        "state.json replaced by a real file"
    );
    assert_eq!(state(w)["active"], "b");
    assert!(std::fs::symlink_metadata(sd.join("events.jsonl"))
        .unwrap()
        .file_type()
        .is_symlink());

    std::fs::remove_file(sd.join("lock")).unwrap();
    std::os::unix::fs::symlink(&victims[2], sd.join("lock")).unwrap();
    let seg = tick(w);
    assert!(seg.contains('⚠'), "{seg}");
    for v in &victims {
        assert_eq!(
            w.read(v),
            "precious\n",
            "{} was written through",
            v.display()
        );
    }

    // The whole state folder replaced by a link: refused.
    let elsewhere = w.root.join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::rename(sd, w.root.join("old-state")).unwrap();
    std::os::unix::fs::symlink(&elsewhere, sd).unwrap();
    let out = w.cf(&["tick"]);
    assert_segment(&out, "tick with a linked state folder");
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a folder"));
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
}

/// Peak RSS (KiB) of a command, through GNU time when it is installed.
fn measured(w: &World, args: &[&str]) -> (Output, Duration, Option<u64>) {
    let time = Path::new("/usr/bin/time");
    let rss_file = w.root.join(format!("rss-{}", std::process::id()));
    let started = Instant::now();
    let out = if time.exists() {
        w.command(time)
            .arg("-f")
            .arg("%M")
            .arg("-o")
            .arg(&rss_file)
            .arg(BIN)
            .args(["-L", &w.socket])
            .args(args)
            .output()
            .unwrap()
    } else {
        w.cf(args)
    };
    let elapsed = started.elapsed();
    let rss = std::fs::read_to_string(&rss_file)
        .ok()
        .and_then(|t| t.lines().last().and_then(|l| l.trim().parse().ok()));
    (out, elapsed, rss)
}

/// 100 MB transcripts (100 MB of lines before the limit record; the limit record followed by a
/// 100 MB run of NUL bytes without a newline): a tick reads what it needs in bounded time and
/// memory and still judges the limit right.
#[test]
fn hundred_megabyte_transcripts_cost_bounded_time_and_memory() {
    let s = setup(&["a", "b"], 0);
    let w = &s.w;
    // Four polls to confirm: the three ticks below only count, nothing swaps.
    w.set_option("@claude-failover-confirm-polls", "4");
    let a = &s.acc[0];
    let p1 = start_claude(w, a, &s.work);
    let p2 = start_claude(w, a, &s.other);
    set_mode(a, "429usage5h");
    w.turn(&p1, "big one", "You've hit your 5-hour limit");
    w.turn(&p2, "big two", "You've hit your 5-hour limit");
    set_mode(a, "ok");
    tick(w);
    let (t1, t2) = (
        transcript(w, &session_id(w, &p1)),
        transcript(w, &session_id(w, &p2)),
    );
    {
        use std::io::Write;
        let tail = std::fs::read(&t1).unwrap();
        let line = format!(
            "{{\"type\":\"user\",\"message\":{{\"role\":\"user\",\"content\":\"{}\"}}}}\n",
            "y".repeat(1000)
        );
        let chunk = line.repeat((1 << 20) / line.len() + 1);
        let tmp = t1.with_extension("tmp");
        let mut f = std::io::BufWriter::new(std::fs::File::create(&tmp).unwrap());
        for _ in 0..100 {
            f.write_all(chunk.as_bytes()).unwrap();
        }
        f.write_all(&tail).unwrap();
        f.flush().unwrap();
        drop(f);
        std::fs::rename(&tmp, &t1).unwrap();
        let f = std::fs::OpenOptions::new().write(true).open(&t2).unwrap();
        let len = f.metadata().unwrap().len();
        f.set_len(len + 100 * (1 << 20)).unwrap();
    }
    for i in 0..2 {
        let (out, took, rss) = measured(w, &["tick"]);
        assert_segment(&out, &format!("tick {i} over 100 MB transcripts"));
        eprintln!("tick {i} over 100 MB transcripts: {took:?}, peak RSS {rss:?} KiB");
        assert!(took < Duration::from_secs(5), "tick {i} took {took:?}");
        if let Some(kib) = rss {
            assert!(kib < 64 * 1024, "tick {i} peaked at {kib} KiB");
        }
    }
    // Three polls of the four needed: still counting, the limit judged new in both panes.
    let st = w.status_json();
    for p in [&p1, &p2] {
        assert_eq!(row(&st, p).unwrap()["state"], "confirming", "{st:#}");
    }
}

// ---------------------------------------------------------------------------------------------
// Files

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().mode() & 0o777
}

/// State and events are 0600 and the folder 0700, even under umask 000 and when the folder was
/// made world-readable before.
#[test]
fn state_files_are_private_whatever_the_umask() {
    let s = setup(&["a", "b"], 0);
    let w = &s.w;
    let run = |args: &str| {
        let out = w
            .command("/bin/sh")
            .arg("-c")
            .arg(format!(
                "umask 000; exec {} -L {} {args}",
                sq(BIN),
                sq(&w.socket)
            ))
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    };
    run("swap --reason modes");
    run("tick");
    let sd = &w.state_dir;
    assert_eq!(mode(sd), 0o700);
    for f in ["state.json", "events.jsonl", "lock"] {
        assert_eq!(mode(&sd.join(f)), 0o600, "{f}");
    }
    std::fs::set_permissions(sd, std::fs::Permissions::from_mode(0o755)).unwrap();
    run("swap --reason again");
    assert_eq!(
        mode(sd),
        0o700,
        "a world-readable state folder is made private"
    );
    assert_eq!(mode(&sd.join("state.json")), 0o600);
}

/// A state folder owned by another user is refused with a message naming the owner; nothing is
/// written into it; the tick still prints a segment and exits 0.
#[test]
fn a_state_folder_owned_by_someone_else_is_refused() {
    let s = setup(&["a", "b"], 0);
    let w = &s.w;
    tick(w);
    let sd = &w.state_dir;
    if std::os::unix::fs::chown(sd, Some(12345), None).is_err() {
        common::skip("cannot chown (not root)");
        return;
    }
    let before: Vec<_> = std::fs::read_dir(sd)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    let out = w.cf(&["tick"]);
    let seg = assert_segment(&out, "tick with a foreign state folder");
    assert!(seg.contains('⚠'), "{seg}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("belongs to user id 12345") && err.contains("refusing"),
        "{err}"
    );
    let out = w.cf(&["swap"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("belongs to user id 12345"));
    let after: Vec<_> = std::fs::read_dir(sd)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(before, after, "nothing written into a foreign folder");
    std::os::unix::fs::chown(sd, Some(0), None).unwrap();
}

// ---------------------------------------------------------------------------------------------
// Bounded: a tick always answers

/// Run `cmd` (output piped) and fail when it is still running after `limit`: it is killed, so
/// a hang fails the test instead of stalling it.
fn bounded(cmd: &mut Command, limit: Duration, what: &str) -> (Output, Duration) {
    let started = Instant::now();
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "{what}: still running after {limit:?} (stderr {})",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let took = started.elapsed();
    (child.wait_with_output().unwrap(), took)
}

/// A tick as the status line runs it, failing past the 2 s the status line allows.
fn bounded_tick(w: &World, what: &str) -> String {
    let mut cmd = w.command(BIN);
    cmd.args(["-L", &w.socket, "tick"]);
    let (out, took) = bounded(&mut cmd, Duration::from_secs(2), what);
    eprintln!("{what}: {took:?}");
    assert_segment(&out, what)
}

/// Holds a lock file with flock(1) (the lock the binary takes) until dropped.
struct Holder(std::process::Child);

impl Holder {
    fn hold(w: &World, lock: &Path) -> Holder {
        // -o: the lock stays with flock(1) itself, not with `sleep`, so killing it frees it.
        let child = Command::new("flock")
            .arg("-o")
            .arg(lock)
            .args(["sleep", "120"])
            .spawn()
            .expect("flock(1) runs");
        w.wait_for(10, "the lock to be held elsewhere", || {
            !Command::new("flock")
                .arg("-n")
                .arg(lock)
                .arg("true")
                .status()
                .unwrap()
                .success()
        });
        Holder(child)
    }
}

impl Drop for Holder {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Another process holds the state lock (a long swap, a stuck process): every tick still
/// answers within 2 s with the last known segment, and leaves the work to the next poll, which
/// does it once the lock is free.
#[test]
fn a_tick_answers_within_two_seconds_while_the_lock_is_held_elsewhere() {
    let s = setup(&["a", "b"], 0);
    let w = &s.w;
    let p1 = start_claude(w, &s.acc[0], &s.work);
    let before = tick(w);
    assert!(state(w)["panes"][p1.as_str()].is_object());
    let holder = Holder::hold(w, &w.state_dir.join("lock"));
    // Something new for the next poll to record.
    let p2 = start_claude(w, &s.acc[0], &s.other);
    for i in 0..3 {
        let seg = bounded_tick(w, &format!("tick {i} with the lock held elsewhere"));
        assert_eq!(seg, before, "the last known segment");
    }
    assert!(
        state(w)["panes"][p2.as_str()].is_null(),
        "nothing done without the lock"
    );
    drop(holder);
    tick(w);
    assert!(state(w)["panes"][p2.as_str()].is_object());
}

/// A command a person typed (`swap`) waits for the lock held elsewhere, says so after a second
/// instead of looking hung, and does its work once the lock is free.
#[test]
fn a_swap_waiting_for_the_lock_says_so_and_then_swaps() {
    let s = setup(&["a", "b"], 0);
    let w = &s.w;
    tick(w);
    let holder = Holder::hold(w, &w.state_dir.join("lock"));
    let err = w.root.join("swap-stderr");
    let mut child = w
        .command(BIN)
        .args(["-L", &w.socket, "swap", "--to", "b"])
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .unwrap();
    w.wait_for(10, "the swap to say it waits", || {
        w.read(&err)
            .contains("waiting for another claude-failover run")
    });
    assert!(child.try_wait().unwrap().is_none(), "it waits for the lock");
    assert!(named(w, "swap").is_empty());
    drop(holder);
    assert!(child.wait().unwrap().success(), "{}", w.read(&err));
    assert_eq!(named(w, "swap").len(), 1);
}

fn mkfifo(path: &Path) {
    let _ = std::fs::remove_file(path);
    let ok = Command::new("mkfifo").arg(path).status().unwrap().success();
    assert!(ok, "mkfifo {}", path.display());
}

/// FIFOs and endless devices where the binary reads a file (a transcript, the live-session file
/// of a pane, the event log, the state file, `TZ`): each is refused without waiting on it or
/// reading it, every tick answers within 2 s, and the other commands return.
#[test]
fn fifos_and_devices_in_place_of_files_never_hang_a_command() {
    let s = setup(&["a", "b"], 0);
    let w = &s.w;
    // The ticks below only count, nothing swaps on its own.
    w.set_option("@claude-failover-confirm-polls", "100");
    let a = &s.acc[0];
    let p1 = start_claude(w, a, &s.work);
    set_mode(a, "429usage5h");
    w.turn(&p1, "one", "You've hit your 5-hour limit");
    tick(w);
    let id = session_id(w, &p1);
    // The transcript: read for every pane that shows a limit.
    mkfifo(&transcript(w, &id));
    bounded_tick(w, "tick with a FIFO transcript");
    // The live-session file of the pane's process.
    let pid = row(&w.status_json(), &p1).unwrap()["pid"].as_u64().unwrap();
    mkfifo(&a.join("sessions").join(format!("{pid}.json")));
    bounded_tick(w, "tick with a FIFO session file");
    // TZ: a FIFO, a device that never ends (jiff would read it whole: gigabytes).
    let tz_fifo = w.root.join("tz-fifo");
    mkfifo(&tz_fifo);
    for tz in [
        tz_fifo.display().to_string(),
        "/dev/zero".into(),
        ":/dev/zero".into(),
    ] {
        let what = format!("tick with TZ={tz}");
        let mut cmd = w.command(BIN);
        cmd.env("TZ", &tz).args(["-L", &w.socket, "tick"]);
        let (out, _) = bounded(&mut cmd, Duration::from_secs(2), &what);
        assert_segment(&out, &what);
        let mut cmd = w.command(BIN);
        cmd.env("TZ", &tz).args(["-L", &w.socket, "status"]);
        let (out, _) = bounded(&mut cmd, Duration::from_secs(2), &what);
        assert!(out.status.success(), "{what}: {out:?}");
    }
    // A swap runs tmux clients, which read `TZ` too (and would wait on the FIFO).
    let (out, _) = bounded(
        w.command(BIN)
            .env("TZ", &tz_fifo)
            .args(["-L", &w.socket, "swap", "--to", "b"]),
        Duration::from_secs(5),
        "swap with TZ a FIFO",
    );
    assert!(out.status.success(), "{out:?}");
    // The event log: appends and reads refuse it (an error, said once), nothing waits.
    let log = w.state_dir.join("events.jsonl");
    mkfifo(&log);
    bounded_tick(w, "tick with a FIFO event log");
    let (out, _) = bounded(
        w.command(BIN).args(["-L", &w.socket, "swap", "--to", "a"]),
        Duration::from_secs(5),
        "swap with a FIFO event log",
    );
    assert!(out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not a regular file"),
        "{out:?}"
    );
    let (out, _) = bounded(
        w.command(BIN).args(["-L", &w.socket, "events", "-n", "3"]),
        Duration::from_secs(2),
        "events with a FIFO event log",
    );
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    // The state file itself: kept aside as damaged, ticks go on.
    std::fs::remove_file(&log).unwrap();
    mkfifo(&w.state_dir.join("state.json"));
    bounded_tick(w, "tick with a FIFO state file");
    bounded_tick(w, "the tick after");
}

/// A reader that closes the pipe early (`status --json | head -n1`, `events | head`): the
/// command ends quietly (no panic, no abort), exit 0 or SIGPIPE as `cat` would.
#[test]
fn a_closed_pipe_ends_a_command_quietly() {
    use std::io::{Read, Write};
    let s = setup(&["a", "b"], 0);
    let w = &s.w;
    start_claude(w, &s.acc[0], &s.work);
    tick(w);
    // An event log longer than a pipe holds: the writer must meet the closed end.
    {
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .mode(0o600)
            .open(w.state_dir.join("events.jsonl"))
            .unwrap();
        let line = r#"{"ts":"2020-01-01T00:00:00Z","event":"pad"}"#.to_string() + "\n";
        f.write_all(line.repeat(20_000).as_bytes()).unwrap();
    }
    for (args, read_first) in [
        (&["status", "--json"][..], false),
        (&["status"], false),
        (&["events"], true),
        (&["events", "--json"], true),
        (&["events", "-n", "10000"], true),
        (&["links", "check", "--json"], false),
    ] {
        let mut child = w
            .command(BIN)
            .args(["-L", &w.socket])
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        if read_first {
            let mut byte = [0u8; 1];
            stdout.read_exact(&mut byte).unwrap();
        }
        drop(stdout);
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() || out.status.signal() == Some(13),
            "{args:?} with the reader gone: {:?}, stderr {stderr}",
            out.status
        );
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
}

/// `events -n 3` on a 200 MB log reads from the end (bounded time and memory); the next event
/// written rotates the log to `events.jsonl.1`, and `events` reads across the two.
#[test]
fn the_last_events_of_a_huge_log_cost_what_they_weigh_and_the_log_rotates() {
    use std::io::Write;
    let s = setup(&["a", "b"], 0);
    let w = &s.w;
    tick(w);
    let log = w.state_dir.join("events.jsonl");
    {
        let mut f = std::io::BufWriter::new(
            std::fs::OpenOptions::new()
                .append(true)
                .create(true)
                .mode(0o600)
                .open(&log)
                .unwrap(),
        );
        let line = format!(
            "{{\"ts\":\"2020-01-01T00:00:00Z\",\"event\":\"pad\",\"x\":\"{}\"}}\n",
            "x".repeat(200)
        );
        let block = line.repeat(1000);
        while f.get_ref().metadata().unwrap().len() < 200 << 20 {
            f.write_all(block.as_bytes()).unwrap();
        }
        for i in 0..3 {
            writeln!(
                f,
                "{{\"ts\":\"2020-01-01T00:00:0{i}Z\",\"event\":\"last\",\"i\":{i}}}"
            )
            .unwrap();
        }
        f.flush().unwrap();
    }
    let (out, took, rss) = measured(w, &["events", "-n", "3", "--json"]);
    eprintln!("events -n 3 on a 200 MB log: {took:?}, peak RSS {rss:?} KiB");
    let got: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        got.iter().map(|e| e["i"].as_u64()).collect::<Vec<_>>(),
        [Some(0), Some(1), Some(2)],
        "{out:?}"
    );
    assert!(took < Duration::from_millis(500), "{took:?}");
    if let Some(kib) = rss {
        assert!(kib < 32 * 1024, "peaked at {kib} KiB");
    }
    // The next event rotates the log; nothing is lost, the last events read across both files.
    w.cf_ok(&["swap", "--to", "b", "--reason", "rotate"]);
    let rotated = w.state_dir.join("events.jsonl.1");
    assert!(std::fs::metadata(&rotated).unwrap().len() > 200 << 20);
    assert!(std::fs::metadata(&log).unwrap().len() < 4096);
    let out = w.cf_ok(&["events", "-n", "3", "--json"]);
    let names: Vec<String> = out
        .lines()
        .map(|l| json(l.as_bytes())["event"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["last", "last", "swap"], "{out}");
    assert!(named(w, "swap").len() == 1);
}

/// The clock stepped back after a swap (seen as a pane restart time in the future): a new limit
/// on the restarted pane still counts, and the next swap happens; it is not hidden for the
/// length of the step.
#[test]
fn a_backward_clock_step_after_a_swap_does_not_hide_a_new_limit() {
    let s = setup(&["a", "b", "c"], 0);
    let w = &s.w;
    let (a, b, c) = (&s.acc[0], &s.acc[1], &s.acc[2]);
    let p1 = start_claude(w, a, &s.work);
    w.turn(&p1, "task", "Sim reply to: task");
    tick(w);
    let id = session_id(w, &p1);
    set_mode(a, "429usage5h");
    w.turn(&p1, "hit", "You've hit your 5-hour limit");
    set_mode(a, "ok");
    tick(w);
    tick(w);
    wait_all_on(w, std::slice::from_ref(&p1), std::slice::from_ref(&id), b);
    tick(w);
    // The clock goes back an hour: the saved restart time is now an hour in the future.
    let path = w.state_dir.join("state.json");
    let mut st = state(w);
    let future = (unix_now_secs() + 3600).to_string();
    let ts = w
        .command("date")
        .args(["-u", "-d", &format!("@{future}"), "+%Y-%m-%dT%H:%M:%SZ"])
        .output()
        .unwrap();
    let ts = String::from_utf8_lossy(&ts.stdout).trim().to_string();
    assert!(
        st["panes"][p1.as_str()]["restarted_at"].is_string(),
        "{st:#}"
    );
    st["panes"][p1.as_str()]["restarted_at"] = Value::String(ts);
    std::fs::write(&path, serde_json::to_vec_pretty(&st).unwrap()).unwrap();
    set_mode(b, "429usage5h");
    w.turn(&p1, "again", "You've hit your 5-hour limit");
    set_mode(b, "ok");
    let swapped = || named(w, "swap").iter().any(|e| e["to"] == "c");
    for _ in 0..4 {
        if swapped() {
            break;
        }
        tick(w);
    }
    assert!(swapped(), "{:#?}", named(w, "swap"));
    wait_all_on(w, &[p1], &[id], c);
}

fn unix_now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Twenty swaps and thirty ticks at once while the event log crosses its rotation size: every
/// line of the two files is whole, and every swap performed has its one `swap` event, across
/// the rotation.
#[test]
fn concurrent_invocations_across_a_log_rotation_lose_no_event() {
    use std::io::Write;
    let s = setup(&["a", "b"], 0);
    let w = &s.w;
    let p1 = start_claude(w, &s.acc[0], &s.work);
    w.turn(&p1, "task", "Sim reply to: task");
    tick(w);
    let log = w.state_dir.join("events.jsonl");
    // 300 bytes short of the rotation size (4 MiB): a few events in, it rotates.
    let pad_line = format!(
        "{{\"ts\":\"2020-01-01T00:00:00Z\",\"event\":\"pad\",\"x\":\"{}\"}}\n",
        "x".repeat(100)
    );
    {
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .mode(0o600)
            .open(&log)
            .unwrap();
        let have = f.metadata().unwrap().len() as usize;
        let want = (4 << 20) - 300 - have;
        let mut pad = pad_line.repeat(want / pad_line.len());
        let rest = want - pad.len();
        if rest > 0 {
            pad.push_str(&format!("{}\n", "#".repeat(rest - 1)));
        }
        f.write_all(pad.as_bytes()).unwrap();
    }
    let mut runs: Vec<Vec<&str>> = vec![vec!["swap", "--reason", "storm"]; 20];
    runs.extend(vec![vec!["tick"]; 30]);
    let outs = storm(w, &runs);
    let swapped = outs[..20].iter().filter(|o| o.status.success()).count();
    let rotated = w.state_dir.join("events.jsonl.1");
    assert!(rotated.exists(), "the log never rotated");
    let mut swaps = 0;
    for p in [&rotated, &log] {
        for line in w.read(p).lines().filter(|l| !l.starts_with('#')) {
            let v: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("torn line in {} ({e}): {line:?}", p.display()));
            swaps += usize::from(v["event"] == "swap");
        }
    }
    assert_eq!(swaps, swapped, "one swap event per swap performed");
    assert!(swapped >= 10, "{swapped} of 20 swaps ran");
}

/// `@claude-failover-confirm-polls 3`: a pane is `confirming` until its third counted poll, and
/// only then `limited` and swapped (it used to say `limited` after two, whatever the option).
#[test]
fn a_pane_is_limited_only_after_the_configured_number_of_polls() {
    let s = setup(&["a", "b"], 0);
    let w = &s.w;
    w.set_option("@claude-failover-confirm-polls", "3");
    let a = &s.acc[0];
    let p1 = start_claude(w, a, &s.work);
    set_mode(a, "429usage5h");
    w.turn(&p1, "hit", "You've hit your 5-hour limit");
    set_mode(a, "ok");
    for poll in 1..=2 {
        let seg = tick(w);
        let st = w.status_json();
        let pane = row(&st, &p1).unwrap_or_else(|| panic!("no row for {p1}: {st}"));
        assert_eq!(pane["state"], "confirming", "poll {poll}: {pane} / {seg}");
        assert!(seg.contains(&format!("{poll}/3")), "poll {poll}: {seg}");
        assert!(named(w, "swap").is_empty(), "poll {poll} swapped");
    }
    tick(w);
    assert_eq!(named(w, "swap").len(), 1, "the third poll swaps");
}
