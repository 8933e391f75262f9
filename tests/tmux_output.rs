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
        if !w.tmux_output(&["rename-session", "-t", "main", HOSTILE]).status.success() {
            w.tmux(&["rename-session", "-t", "main", "odd name |\\037 ;#{x} $HOME\\ "]);
        }
        let printed = w.tmux(&[
            "display-message",
            "-p",
            "-t",
            &pane,
            &output::record(&["session_name"]),
        ]);
        let session = output::parse_record(&printed).unwrap().0.remove(0);
        assert!(session.contains("odd") && session.contains("$HOME\\"), "{session:?}");

        let account = "/acc/a|b;#x$HOME\x1f/y".to_string();
        w.set_option(
            "@claude-failover-accounts",
            &format!("main={} other={account}", w.home.join(".claude").display()),
        );
        w.set_option("@claude-failover-status-format", "{account} |\\037 ;$HOME\\ end");

        let v = json(&w.cf_ok(&["status", "--json"]).into_bytes());
        assert_eq!(v["accounts"][1]["dir"], account, "client only: {client_only}");
        let panes = v["panes"].as_array().unwrap();
        assert_eq!(panes.len(), 1, "{v}");
        assert_eq!(panes[0]["pane"], pane.as_str());
        assert_eq!(panes[0]["session"], session.as_str());
        assert_eq!(panes[0]["cwd"], dir.display().to_string());

        let tick = w.cf_ok(&["tick"]);
        assert!(tick.contains("main |\\037 ;$HOME\\ end"), "{tick:?}");
    }
}
