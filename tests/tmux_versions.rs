//! Reading tmux on every version: tmux 3.4-3.5a escape what commands print, 3.2a-3.3a and 3.6+
//! do not. Session names, folders and option values holding newlines, control characters, the
//! product's separators, `#`, `;` and `$NAME` reach the product exactly as tmux holds them,
//! through the server's socket and through a `tmux` client alike.

mod common;

use common::{json, output, World};

const HOSTILE: &str = "odd\nname \x1f|\\037 ;#{x} $HOME\\ ";

#[test]
fn hostile_names_folders_and_options_are_read_exactly() {
    for client_only in [false, true] {
        let w = if client_only {
            World::new().with_tmux_client_only()
        } else {
            World::new()
        };
        w.start_server();
        // `split-window -c` expands formats: no `#{` here.
        let dir = w.home.join("dir odd\nname \x1f|\\037 ;# $HOME\\ ");
        std::fs::create_dir_all(&dir).unwrap();
        let pane = w.launch_claude(None, &dir);
        // tmux 3.7+ refuse control characters in session names; older ones keep them (3.4-3.6
        // as escaped text).
        if !w
            .tmux_output(&["rename-session", "-t", "main", HOSTILE])
            .status
            .success()
        {
            w.tmux(&[
                "rename-session",
                "-t",
                "main",
                "odd name |\\037 ;#{x} $HOME\\ ",
            ]);
        }
        let printed = w.tmux(&[
            "display-message",
            "-p",
            "-t",
            &pane,
            &output::record(&["session_name"]),
        ]);
        let session = output::parse_record(&printed).unwrap().0.remove(0);
        assert!(
            session.contains("odd") && session.contains("$HOME\\"),
            "{session:?}"
        );

        let account = "/acc/a|b;#x$HOME\x1f/y".to_string();
        w.set_option(
            "@claude-failover-accounts",
            &format!("main={} other={account}", w.home.join(".claude").display()),
        );
        w.set_option(
            "@claude-failover-status-format",
            "{account} |\\037 ;$HOME\\ end",
        );

        let v = json(&w.cf_ok(&["status", "--json"]).into_bytes());
        assert_eq!(
            v["accounts"][1]["dir"], account,
            "client only: {client_only}"
        );
        let panes = v["panes"].as_array().unwrap();
        assert_eq!(panes.len(), 1, "{v}");
        assert_eq!(panes[0]["pane"], pane.as_str());
        assert_eq!(panes[0]["session"], session.as_str());
        assert_eq!(panes[0]["cwd"], dir.display().to_string());

        let tick = w.cf_ok(&["tick"]);
        assert!(tick.contains("main |\\037 ;$HOME\\ end"), "{tick:?}");
    }
}

/// The `tmux` on PATH cannot talk to the running server: what a `tmux` older than 3.6 prints to
/// a 3.6+ server (a package upgrade while the server runs). A manual swap still restarts the
/// Claude pane, through the server's own executable, found from `$TMUX` or from the socket.
/// `TMUX_MATRIX_OTHER_TMUX` (set by scripts/tmux-matrix.sh) makes that a real older tmux.
#[test]
fn a_tmux_on_path_that_cannot_reach_the_server_does_not_stop_a_swap() {
    for via_env in [true, false] {
        let w = World::new();
        w.start_server();
        let (a, b) = w.two_accounts();
        w.quick_failover_options(600);
        let pane = w.launch_claude(Some(&a), &w.home);
        let old = w.unreachable_tmux(true);
        let path = format!(
            "{}:{}:{}",
            old.display(),
            w.bin.display(),
            std::env::var("PATH").unwrap()
        );
        let run = |args: &[&str]| {
            let mut c = w.command(common::BIN);
            c.env("PATH", &path).arg("-L").arg(&w.socket).args(args);
            if via_env {
                c.env(
                    "TMUX",
                    w.value("socket_path") + "," + &w.value("pid") + ",-1",
                );
            }
            c.output().unwrap()
        };
        let out = run(&["swap", "--reason", "upgrade"]);
        assert!(
            out.status.success(),
            "swap failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        w.wait_for(10, "the pane to run Claude on account b", || {
            let v = json(&run(&["status", "--json"]).stdout);
            v["active"] == "b"
                && v["panes"].as_array().is_some_and(|p| {
                    p.iter().any(|p| {
                        p["pane"] == pane.as_str() && p["config_dir"] == b.display().to_string()
                    })
                })
        });
    }
}

/// A socket that takes connections and never answers (a hung server): a tick and `status` pay
/// one timeout (3 s), not one per tmux call (a tick that knows Claude panes asks twice), and the
/// segment still prints and exits 0.
#[test]
fn a_server_that_never_answers_costs_one_timeout() {
    let w = World::new();
    w.start_server();
    w.launch_claude(None, &w.home);
    w.cf_ok(&["tick"]);
    let socket = w.value("socket_path");
    w.tmux(&["kill-server"]);
    let _ = std::fs::remove_file(&socket);
    let listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        while let Ok((conn, _)) = listener.accept() {
            held.push(conn);
        }
    });
    let mut runs = Vec::new();
    for client_only in [false, true] {
        let started = std::time::Instant::now();
        let mut c = w.command(common::BIN);
        if client_only {
            c.env("CLAUDE_FAILOVER_TMUX_CLIENT", "1");
        }
        let out = c.arg("-S").arg(&socket).arg("tick").output().unwrap();
        runs.push((client_only, started.elapsed(), out));
    }
    // Before any assertion: else the World's `tmux kill-server` would wait on it forever.
    std::fs::remove_file(&socket).unwrap();
    for (client_only, took, out) in runs {
        assert!(out.status.success(), "client only: {client_only}");
        assert!(!out.stdout.is_empty());
        assert!(
            took < std::time::Duration::from_millis(4500),
            "client only: {client_only}: a tick took {took:?}"
        );
    }
}

/// The socket reader talks only to tmux versions the matrix proves (a malformed message makes a
/// server end every session): the server's version comes from its executable's `-V`, kept in the
/// cache folder; a version outside the list gets `tmux` clients, and `status` says why.
#[test]
fn the_socket_is_used_only_on_proven_tmux_versions() {
    use std::os::unix::fs::MetadataExt;
    let w = World::new();
    w.start_server();
    let v = json(&w.cf_ok(&["status", "--json"]).into_bytes());
    assert_eq!(v["tmux_via"], "socket", "{v}");
    let cache = w.root.join("xdg-cache/claude-failover/tmux-versions");
    let version = w
        .tmux(&["-V"])
        .trim()
        .rsplit(' ')
        .next()
        .unwrap()
        .to_string();
    assert!(
        w.read(&cache).ends_with(&format!(" {version}\n")),
        "{}",
        w.read(&cache)
    );

    // The same executable, as a version no one has tested.
    let exe = std::fs::metadata(format!("/proc/{}/exe", w.value("pid"))).unwrap();
    let key = format!("{}:{}:{}:{}", exe.dev(), exe.ino(), exe.size(), exe.mtime());
    std::fs::write(&cache, format!("{key} 9.9z\n")).unwrap();
    let v = json(&w.cf_ok(&["status", "--json"]).into_bytes());
    assert_eq!(v["tmux_via"], "client", "{v}");
    assert!(
        v["tmux_socket_problem"]
            .as_str()
            .unwrap()
            .contains("tmux 9.9z"),
        "{v}"
    );
}

/// Where the server's executable cannot be found (no /proc: the `ps` way of reading processes)
/// and the `tmux` on PATH cannot talk to the server, `status` and a swap say so, and what to do.
#[test]
fn a_tmux_on_path_that_cannot_reach_the_server_is_reported_where_nothing_else_works() {
    let w = World::new().with_ps_backend();
    w.start_server();
    let (a, _) = w.two_accounts();
    w.launch_claude(Some(&a), &w.home);
    let old = w.unreachable_tmux(false);
    let path = format!("{}:{}", old.display(), std::env::var("PATH").unwrap());
    let run = |args: &[&str]| {
        w.command(common::BIN)
            .env("PATH", &path)
            .arg("-L")
            .arg(&w.socket)
            .args(args)
            .output()
            .unwrap()
    };
    let advice = "tmux 3.5a on PATH cannot talk to the running server";
    let what_to_do = "restart the tmux server or put the matching tmux first on PATH";
    // Reads fail too here (the socket reader needs the server's version): `status` fails with
    // the sentence, and so does the status segment, which still prints and exits 0.
    let out = run(&["status"]);
    let status = String::from_utf8_lossy(&[out.stdout, out.stderr].concat()).into_owned();
    assert!(
        status.contains(advice) && status.contains(what_to_do),
        "{status}"
    );
    let tick = run(&["tick"]);
    assert!(tick.status.success());
    let segment = String::from_utf8_lossy(&tick.stdout);
    assert!(segment.contains("CC ⚠"), "{segment}");
    let events = String::from_utf8_lossy(&run(&["events"]).stdout).into_owned();
    assert!(events.contains(advice), "{events}");
    let swap = run(&["swap"]);
    assert!(!swap.status.success());
    let err = String::from_utf8_lossy(&swap.stderr);
    assert!(err.contains(advice) && err.contains(what_to_do), "{err}");
}
