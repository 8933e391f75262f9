//! `claude-failover links check|ensure [--adopt] [--json]`: real folders, the real binary, the
//! options read from a real tmux server.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{symlink, MetadataExt};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::{json, World, BIN};

const ITEMS: [&str; 3] = ["projects", "file-history", "session-env"];
const STOP_AFTER: &str = "CLAUDE_FAILOVER_TEST_ADOPT_STOP_AFTER";

/// Point the options at these accounts and this shared folder (default items).
fn configure(w: &World, accounts: &[(&str, &Path)], shared: &Path) {
    let list: Vec<String> = accounts
        .iter()
        .map(|(n, d)| format!("'{n}={}'", d.display()))
        .collect();
    w.set_option("@claude-failover-accounts", &list.join(" "));
    w.set_option("@claude-failover-shared-dir", &shared.display().to_string());
}

fn world() -> World {
    let w = World::new();
    w.start_server();
    w
}

/// Run `links ARGS`, optionally with the interruption hook, in the world's folder (so that an
/// aborted process could only drop a core file there).
fn links(w: &World, args: &[&str], stop_after: Option<usize>) -> Output {
    let mut c = w.command(BIN);
    c.arg("-L").arg(&w.socket).arg("links").args(args);
    c.current_dir(&w.root);
    if let Some(n) = stop_after {
        c.env(STOP_AFTER, n.to_string());
    }
    c.output().expect("claude-failover runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The problems as (account, item, kind), from `--json` output.
fn problems(o: &Output) -> Vec<(String, String, String)> {
    json(&o.stdout)
        .as_array()
        .expect("a JSON array")
        .iter()
        .map(|p| {
            let s = |k: &str| {
                p[k].as_str()
                    .unwrap_or_else(|| panic!("{k} in {p}"))
                    .to_string()
            };
            for k in ["path", "target", "problem", "fix"] {
                assert!(!s(k).is_empty(), "{k} is empty in {p}");
            }
            (s("account"), s("item"), s("kind"))
        })
        .collect()
}

fn expect(list: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    list.iter()
        .map(|(a, i, k)| (a.to_string(), i.to_string(), k.to_string()))
        .collect()
}

fn write(path: &Path, data: &[u8]) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, data).unwrap();
}

/// Every file and link under `dir` (not following links): relative path to content, or to
/// `link:` and the link's text. The full content is kept, so equality is a byte-exact checksum.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let Ok(meta) = fs::symlink_metadata(dir) else {
        return out;
    };
    if !meta.is_dir() {
        return out;
    }
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let m = fs::symlink_metadata(&p).unwrap();
            let rel = p.strip_prefix(dir).unwrap().to_path_buf();
            if m.file_type().is_symlink() {
                let mut v = b"link:".to_vec();
                v.extend(fs::read_link(&p).unwrap().to_string_lossy().as_bytes());
                out.insert(rel, v);
            } else if m.is_dir() {
                todo.push(p);
            } else {
                out.insert(rel, fs::read(&p).unwrap());
            }
        }
    }
    out
}

fn bytes(t: &BTreeMap<PathBuf, Vec<u8>>) -> usize {
    t.values().map(Vec::len).sum()
}

/// inode, mtime and ctime of each path (not following links): any write changes one of them.
fn stamps(paths: &[PathBuf]) -> Vec<(u64, i64, i64, i64, i64)> {
    paths
        .iter()
        .map(|p| {
            let m = fs::symlink_metadata(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (
                m.ino(),
                m.mtime(),
                m.mtime_nsec(),
                m.ctime(),
                m.ctime_nsec(),
            )
        })
        .collect()
}

fn assert_linked(acct: &Path, shared: &Path) {
    for item in ITEMS {
        let link = acct.join(item);
        assert_eq!(
            fs::read_link(&link).unwrap_or_else(|e| panic!("{}: {e}", link.display())),
            shared.join(item)
        );
        assert!(shared.join(item).is_dir());
    }
}

#[test]
fn nothing_there_then_everything_is_created_and_a_second_run_writes_nothing() {
    let w = world();
    let (a, b, shared) = (
        w.root.join("acct a"),
        w.root.join("b"),
        w.root.join("shared"),
    );
    configure(&w, &[("a", &a), ("b", &b)], &shared);

    let o = links(&w, &["check", "--json"], None);
    assert_eq!(o.status.code(), Some(1));
    let mut want = Vec::new();
    for acct in ["a", "b"] {
        for item in ITEMS {
            want.push((acct, item, "missing-link"));
        }
    }
    assert_eq!(problems(&o), expect(&want));
    assert!(!a.exists() && !shared.exists(), "check must not write");

    let o = links(&w, &["ensure"], None);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let out = stdout(&o);
    assert_eq!(out.matches("linked ").count(), 6, "{out}");
    assert!(out.trim_end().ends_with(&format!(
        "links ok: 2 account(s) share projects, file-history, session-env in {}",
        shared.display()
    )));
    assert_linked(&a, &shared);
    assert_linked(&b, &shared);
    assert_eq!(fs::metadata(&shared).unwrap().mode() & 0o777, 0o700);

    // Already right: no change, not even a touched timestamp.
    let mut watched = vec![a.clone(), b.clone(), shared.clone()];
    for item in ITEMS {
        watched.extend([a.join(item), b.join(item), shared.join(item)]);
    }
    let before = stamps(&watched);
    for args in [&["ensure"][..], &["ensure", "--adopt"], &["check"]] {
        let o = links(&w, args, None);
        assert_eq!(o.status.code(), Some(0));
        let out = stdout(&o);
        assert_eq!(out.lines().count(), 1, "{out}");
    }
    let o = links(&w, &["check", "--json"], None);
    assert_eq!(stdout(&o).trim(), "[]");
    assert_eq!(stamps(&watched), before);
}

#[test]
fn divergent_links_and_files_are_reported_and_left_untouched() {
    let w = world();
    let (a, shared) = (w.account_dir("a"), w.root.join("shared"));
    fs::create_dir_all(&a).unwrap();
    fs::create_dir_all(w.root.join("mine")).unwrap();
    symlink(w.root.join("mine"), a.join("projects")).unwrap();
    write(&a.join("file-history"), b"precious");
    configure(&w, &[("a", &a)], &shared);

    let o = links(&w, &["ensure", "--adopt", "--json"], None);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        problems(&o),
        expect(&[
            ("a", "projects", "wrong-link"),
            ("a", "file-history", "not-a-folder")
        ])
    );
    assert_eq!(
        fs::read_link(a.join("projects")).unwrap(),
        w.root.join("mine")
    );
    assert_eq!(fs::read(a.join("file-history")).unwrap(), b"precious");
    // What could be done safely was done.
    assert_eq!(
        fs::read_link(a.join("session-env")).unwrap(),
        shared.join("session-env")
    );

    let text = stdout(&links(&w, &["check"], None));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].starts_with(&format!("a: {}: ", a.join("projects").display())));
    assert!(lines[0].contains(&w.root.join("mine").display().to_string()));
    assert!(lines[1].contains("regular file"), "{text}");
    assert_eq!(lines[2], "2 problem(s) in 1 of 1 account(s): a");
}

#[test]
fn a_link_spelled_differently_counts_as_right() {
    let w = world();
    let (a, shared) = (w.account_dir("a"), w.root.join("shared"));
    fs::create_dir_all(&a).unwrap();
    for item in ITEMS {
        fs::create_dir_all(shared.join(item)).unwrap();
    }
    symlink(&shared, w.root.join("alias")).unwrap();
    symlink(format!("../../shared/./{}", "projects"), a.join("projects")).unwrap();
    symlink(w.root.join("alias/file-history"), a.join("file-history")).unwrap();
    symlink(
        w.root.join("x/../shared/session-env"),
        a.join("session-env"),
    )
    .unwrap();
    configure(&w, &[("a", &a)], &shared);
    let o = links(&w, &["check", "--json"], None);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

/// An account home where Claude ran before (real folders), and a shared folder that already
/// holds some of the same sessions.
fn lived_in(acct: &Path, shared: &Path) {
    write(
        &acct.join("projects/-home-me-work/a1.jsonl"),
        b"{\"a\":1}\n",
    );
    write(
        &acct.join("projects/-home-me-work/same.jsonl"),
        b"identical\n",
    );
    write(&acct.join("projects/-home-me-work/sub/deep.txt"), b"deep");
    write(&acct.join("projects/-home-me-other/o.jsonl"), b"other");
    write(
        &acct.join("projects/-home-me-new space/n.jsonl"),
        "ünïcode".as_bytes(),
    );
    symlink(
        "../../../elsewhere",
        acct.join("projects/-home-me-work/lnk"),
    )
    .unwrap();
    // A link to real data outside: moved as a link, never followed.
    let outside = outside(acct);
    write(&outside.join("keep.txt"), b"outside data");
    symlink(&outside, acct.join("projects/-home-me-work/data-link")).unwrap();
    write(&acct.join("file-history/f1/v1"), b"version one");
    write(&acct.join("file-history/f2"), b"");
    fs::create_dir_all(acct.join("session-env")).unwrap();
    write(&acct.join("settings.json"), b"{}");
    write(
        &shared.join("projects/-home-me-work/same.jsonl"),
        b"identical\n",
    );
    write(
        &shared.join("projects/-home-me-work/s0.jsonl"),
        b"shared before",
    );
    write(&shared.join("projects/-home-me-work/sub/other.txt"), b"x");
}

fn outside(acct: &Path) -> PathBuf {
    acct.with_file_name("outside")
}

/// Every file of every item, from both sides, as one map (item/rel -> content); a file
/// present on both sides must have the same content there.
fn all_data(acct: &Path, shared: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    for item in ITEMS {
        for side in [shared.join(item), acct.join(item)] {
            for (rel, data) in tree(&side) {
                let key = Path::new(item).join(rel);
                if let Some(old) = out.insert(key.clone(), data.clone()) {
                    assert_eq!(old, data, "{} differs between the sides", key.display());
                }
            }
        }
    }
    out
}

#[test]
fn a_real_folder_is_reported_without_adopt_and_merged_with_it() {
    let w = world();
    let (a, shared) = (w.root.join("my account é"), w.root.join("shared ü"));
    lived_in(&a, &shared);
    configure(&w, &[("a", &a)], &shared);
    let before = all_data(&a, &shared);
    let snapshot = (tree(&a), tree(&shared));

    let o = links(&w, &["ensure", "--json"], None);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        problems(&o),
        expect(&[
            ("a", "projects", "real-folder"),
            ("a", "file-history", "real-folder"),
            ("a", "session-env", "real-folder"),
        ])
    );
    let v = json(&o.stdout);
    assert!(
        v[0]["fix"]
            .as_str()
            .unwrap()
            .contains("links ensure --adopt"),
        "{v}"
    );
    assert!(v[2]["problem"].as_str().unwrap().contains("empty"), "{v}");
    assert_eq!(
        (tree(&a), tree(&shared)),
        snapshot,
        "nothing moves without --adopt"
    );

    let o = links(&w, &["ensure", "--adopt"], None);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("1 identical duplicate(s) removed"), "{out}");
    assert_linked(&a, &shared);
    let after = all_data(&a, &shared);
    assert_eq!(after, before, "every byte is still there");
    assert_eq!(tree(&shared.join("projects")).len(), 9);
    let moved_link = shared.join("projects/-home-me-work/data-link");
    assert_eq!(fs::read_link(&moved_link).unwrap(), outside(&a));
    assert_eq!(
        tree(&outside(&a)),
        BTreeMap::from([(PathBuf::from("keep.txt"), b"outside data".to_vec())])
    );
    assert_eq!(fs::read(a.join("settings.json")).unwrap(), b"{}");
    assert_eq!(links(&w, &["check"], None).status.code(), Some(0));
}

#[test]
fn a_conflict_stops_only_its_item_and_loses_nothing() {
    let w = world();
    let (a, shared) = (w.account_dir("a"), w.root.join("shared"));
    lived_in(&a, &shared);
    write(&a.join("projects/-home-me-other/o.jsonl"), b"mine");
    write(
        &shared.join("projects/-home-me-other/o.jsonl"),
        b"theirs, longer",
    );
    write(&a.join("projects/zz/c.txt"), b"account");
    write(&shared.join("projects/zz/c.txt"), b"shared!");
    configure(&w, &[("a", &a)], &shared);
    let (acct_projects, shared_projects) =
        (tree(&a.join("projects")), tree(&shared.join("projects")));
    let total = bytes(&acct_projects) + bytes(&shared_projects);

    let o = links(&w, &["ensure", "--adopt", "--json"], None);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        problems(&o),
        expect(&[("a", "projects", "conflict"), ("a", "projects", "conflict")])
    );
    let v = json(&o.stdout);
    assert_eq!(
        v[0]["path"].as_str().unwrap(),
        a.join("projects/-home-me-other/o.jsonl").to_str().unwrap()
    );
    assert_eq!(
        v[0]["target"].as_str().unwrap(),
        shared
            .join("projects/-home-me-other/o.jsonl")
            .to_str()
            .unwrap()
    );
    let text = v[1]["problem"].as_str().unwrap();
    assert!(
        text.contains(a.join("projects/zz/c.txt").to_str().unwrap()),
        "{text}"
    );
    assert!(
        text.contains(shared.join("projects/zz/c.txt").to_str().unwrap()),
        "{text}"
    );
    // The item is exactly as it was (including the identical file, not yet merged).
    assert_eq!(tree(&a.join("projects")), acct_projects);
    assert_eq!(tree(&shared.join("projects")), shared_projects);
    assert_eq!(bytes(&acct_projects) + bytes(&shared_projects), total);
    // The other items were adopted in the same run.
    for item in ["file-history", "session-env"] {
        assert_eq!(fs::read_link(a.join(item)).unwrap(), shared.join(item));
    }

    // Resolving the conflicts by hand lets the next run finish.
    fs::remove_file(a.join("projects/-home-me-other/o.jsonl")).unwrap();
    fs::rename(a.join("projects/zz/c.txt"), w.root.join("kept.txt")).unwrap();
    let o = links(&w, &["ensure", "--adopt"], None);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert_linked(&a, &shared);
}

#[test]
fn two_accounts_with_different_problems_are_reported_in_one_run() {
    let w = world();
    let (a, b, shared) = (
        w.account_dir("a"),
        w.account_dir("b"),
        w.root.join("shared"),
    );
    write(&a.join("projects/p/x.jsonl"), b"x");
    fs::create_dir_all(&b).unwrap();
    symlink("/nonexistent/elsewhere", b.join("session-env")).unwrap();
    configure(&w, &[("a", &a), ("b", &b)], &shared);
    let o = links(&w, &["check", "--json"], None);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        problems(&o),
        expect(&[
            ("a", "projects", "real-folder"),
            ("a", "file-history", "missing-link"),
            ("a", "session-env", "missing-link"),
            ("b", "projects", "missing-link"),
            ("b", "file-history", "missing-link"),
            ("b", "session-env", "wrong-link"),
        ])
    );
    let o = links(&w, &["ensure"], None);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    let problem_lines: Vec<&str> = out.lines().filter(|l| l.contains(" Fix: ")).collect();
    assert_eq!(problem_lines.len(), 2, "{out}");
    assert!(problem_lines[0].starts_with("a: "), "{out}");
    assert!(problem_lines[1].starts_with("b: "), "{out}");
    assert!(
        out.trim_end()
            .ends_with("2 problem(s) in 2 of 2 account(s): a, b"),
        "{out}"
    );
}

/// Run `ensure --adopt` interrupted after `n` changes on a fresh copy of `lived_in`, check that
/// nothing is lost, then let a normal run finish. Returns whether the hooked run was cut short.
fn interrupted_adopt(w: &World, acct: &Path, shared: &Path, n: usize) -> bool {
    lived_in(acct, shared);
    configure(w, &[("a", acct)], shared);
    let before = all_data(acct, shared);
    let o = links(w, &["ensure", "--adopt"], Some(n));
    let cut = o.status.code().is_none();
    if cut {
        assert_eq!(o.status.signal(), Some(6), "aborted by the hook (n={n})");
    } else {
        assert_eq!(o.status.code(), Some(0), "n={n}: {}", stdout(&o));
    }
    assert_eq!(
        all_data(acct, shared),
        before,
        "nothing lost after stopping at {n}"
    );
    let o = links(w, &["ensure", "--adopt"], None);
    assert_eq!(o.status.code(), Some(0), "n={n}: {}", stdout(&o));
    assert_linked(acct, shared);
    assert_eq!(
        all_data(acct, shared),
        before,
        "nothing lost after finishing (n={n})"
    );
    let strays: Vec<_> = tree(shared)
        .into_keys()
        .filter(|p| p.to_string_lossy().contains("claude-failover"))
        .collect();
    assert!(strays.is_empty(), "{strays:?}");
    cut
}

#[test]
fn adopt_killed_at_every_step_is_finished_by_the_next_run() {
    let w = world();
    let mut n = 1;
    while interrupted_adopt(
        &w,
        &w.root.join(format!("run {n}/acct")),
        &w.root.join(format!("run {n}/shared")),
        n,
    ) {
        n += 1;
        assert!(n < 100, "the adoption never finished");
    }
    // The fixture needs a dozen changes: every one of them was an interruption point.
    eprintln!("steps: {n}");
    assert!(n > 10, "only {n} steps");
}

#[test]
fn adopt_interrupted_again_and_again_still_completes() {
    let w = world();
    let (a, shared) = (w.root.join("a"), w.root.join("shared"));
    lived_in(&a, &shared);
    configure(&w, &[("a", &a)], &shared);
    let before = all_data(&a, &shared);
    let mut runs = 0;
    loop {
        runs += 1;
        assert!(runs < 50, "never finished");
        let o = links(&w, &["ensure", "--adopt"], Some(2));
        assert_eq!(all_data(&a, &shared), before, "run {runs}");
        if o.status.success() {
            break;
        }
        assert_eq!(o.status.signal(), Some(6), "run {runs}: {}", stdout(&o));
    }
    assert!(runs > 3, "{runs}");
    assert_linked(&a, &shared);
}

/// Across file systems (the account on tmpfs /dev/shm, the shared folder on the temp disk):
/// copy, fsync, then remove; interrupted at every step.
#[test]
fn adopt_across_file_systems() {
    let w = world();
    let Some((base, _mount)) = other_file_system(&w) else {
        return;
    };
    let mut n = 1;
    while interrupted_adopt(
        &w,
        &base.join(format!("{n}")),
        &w.root.join(format!("s{n}")),
        n,
    ) {
        n += 1;
        assert!(n < 100, "the adoption never finished");
    }
    let _ = fs::remove_dir_all(&base);
    eprintln!("steps: {n}");
    assert!(n > 10, "only {n} steps");
}

/// A folder on another file system than the world's: under /dev/shm when that is one, else a
/// tmpfs mounted for the test (root only); `None` (after `common::skip`) when neither can be.
fn other_file_system(w: &World) -> Option<(PathBuf, Option<common::Mount>)> {
    let shm = Path::new("/dev/shm");
    let dev = |p: &Path| fs::metadata(p).map(|m| m.dev()).ok();
    if dev(shm).is_some() && dev(shm) != dev(&w.root) {
        return Some((shm.join(format!("cf-links-{}", w.socket)), None));
    }
    let dir = w.root.join("other-fs");
    match common::tmpfs(&dir, "size=256m,mode=0700") {
        Ok(m) => Some((dir, Some(m))),
        Err(why) => {
            common::skip(&format!(
                "/dev/shm is on the same file system as {} and no tmpfs can be mounted ({why})",
                w.root.display()
            ));
            None
        }
    }
}

/// A running Claude appends to a transcript while `ensure --adopt` copies it to the shared
/// folder on another file system: not one appended line is lost. The account-side file is
/// removed only while it still holds exactly what was copied; otherwise both are kept and the
/// conflict is reported.
#[test]
fn adopt_across_file_systems_keeps_lines_appended_meanwhile() {
    use std::io::Write;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::Arc;
    let w = world();
    let Some((base, _mount)) = other_file_system(&w) else {
        return;
    };
    let (a, shared) = (base.join("a"), w.root.join("shared"));
    let live = a.join("projects/-home-me-work/live.jsonl");
    // Big enough that the copy and its flush to disk take a while.
    let old = (0..400_000)
        .map(|i| format!("{{\"old\":{i}}}\n"))
        .collect::<String>();
    write(&live, old.as_bytes());
    configure(&w, &[("a", &a)], &shared);
    let (stop, written) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicUsize::new(0)),
    );
    let writer = {
        let (stop, written, live) = (stop.clone(), written.clone(), live.clone());
        // As Claude appends: open (creating), one line, close.
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                let i = written.load(Ordering::SeqCst);
                // Between the folder's removal and its link there is no folder: try again.
                let Ok(mut f) = fs::OpenOptions::new().append(true).create(true).open(&live) else {
                    continue;
                };
                f.write_all(format!("{{\"new\":{i}}}\n").as_bytes())
                    .unwrap();
                written.store(i + 1, Ordering::SeqCst);
            }
        })
    };
    w.wait_for(10, "the writer to start", || {
        written.load(Ordering::SeqCst) > 10
    });
    let o = links(&w, &["ensure", "--adopt"], None);
    let during = written.load(Ordering::SeqCst);
    stop.store(true, Ordering::SeqCst);
    writer.join().unwrap();
    let n = written.load(Ordering::SeqCst);
    assert!(n > during || during > 10, "the writer ran during the adopt");
    let mut found = vec![false; n];
    for side in [a.join("projects"), shared.join("projects")] {
        for data in tree(&side).into_values() {
            for line in String::from_utf8_lossy(&data).lines() {
                if let Some(i) = line
                    .strip_prefix("{\"new\":")
                    .and_then(|r| r.strip_suffix('}'))
                {
                    found[i.parse::<usize>().unwrap()] = true;
                }
            }
        }
    }
    let lost: Vec<usize> = (0..n).filter(|i| !found[*i]).collect();
    assert!(
        lost.is_empty(),
        "{} of {n} appended lines lost: {:?}…\n{}",
        lost.len(),
        &lost[..lost.len().min(10)],
        stdout(&o)
    );
    if !o.status.success() {
        assert!(
            stdout(&o).contains("changed while it was copied"),
            "{}",
            stdout(&o)
        );
    }
    eprintln!("{n} lines appended, {during} of them by the end of the adopt");
    let _ = fs::remove_dir_all(&base);
}

/// An account folder inside the shared folder, and two accounts that are one folder through a
/// link: both reported by `links check` (and `--json`), exit 1.
#[test]
fn an_account_inside_the_shared_folder_or_twice_the_same_folder_is_reported() {
    let w = world();
    let shared = w.root.join("shared");
    let (a, inside) = (w.root.join("a"), shared.join("b"));
    fs::create_dir_all(&a).unwrap();
    fs::create_dir_all(&inside).unwrap();
    let alias = w.root.join("a-again");
    symlink(&a, &alias).unwrap();
    configure(&w, &[("a", &a), ("b", &inside), ("c", &alias)], &shared);
    links(&w, &["ensure"], None);
    let o = links(&w, &["check", "--json"], None);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let found = problems(&o);
    assert!(
        found.contains(&("b".into(), String::new(), "overlap".into())),
        "{found:?}"
    );
    assert!(
        found.contains(&("c".into(), String::new(), "same-folder".into())),
        "{found:?}"
    );
    assert!(!found.iter().any(|(acct, _, _)| acct == "a"), "{found:?}");
    let o = links(&w, &["check"], None);
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    assert!(text.contains("is inside the shared folder"), "{text}");
    assert!(text.contains("the same folder as account a's"), "{text}");
}
