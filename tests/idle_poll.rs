//! The cheap idle poll: a Claude pane whose transcript did not grow since the last poll is not
//! captured; one whose transcript grew is, and a limit there is still found.

mod common;

use common::World;

/// Whether a logged tmux call captured `pane` (captures go in the listing call or a second one).
fn captured(log: &str, pane: &str) -> bool {
    log.contains(&format!("capture-pane -p -J -t {pane}"))
}

#[test]
fn an_idle_pane_is_not_captured_until_its_transcript_grows() {
    let w = World::new().with_tmux_client_only();
    let log = w.count_tmux_runs();
    w.start_server();
    let (a, _) = w.two_accounts();
    w.quick_failover_options(600);
    let work = w.home.join("work");
    std::fs::create_dir_all(&work).unwrap();
    let p1 = w.launch_claude(Some(&a), &work);
    let p2 = w.launch_claude(Some(&a), &work);
    for p in [&p1, &p2] {
        w.tmux(&["send-keys", "-t", p, "-l", "hello"]);
        w.tmux(&["send-keys", "-t", p, "Enter"]);
        w.wait_screen(p, "Sim reply to: hello", 10);
    }
    // The first polls learn each transcript and its length.
    w.cf_ok(&["tick"]);
    w.cf_ok(&["tick"]);
    std::fs::write(&log, "").unwrap();
    w.cf_ok(&["tick"]);
    let idle = std::fs::read_to_string(&log).unwrap();
    assert!(
        !captured(&idle, &p1) && !captured(&idle, &p2) && idle.contains("list-panes"),
        "an idle tick captured: {idle}"
    );

    // p1 answers a turn: only p1 is captured, and its limit is found and confirmed.
    common::set_mode(&a, "429usage5h");
    w.tmux(&["send-keys", "-t", &p1, "-l", "again"]);
    w.tmux(&["send-keys", "-t", &p1, "Enter"]);
    w.wait_screen(&p1, "You've hit your 5-hour limit", 10);
    std::fs::write(&log, "").unwrap();
    w.cf_ok(&["tick"]);
    let busy = std::fs::read_to_string(&log).unwrap();
    assert!(captured(&busy, &p1), "{busy}");
    assert!(!captured(&busy, &p2), "p2 did not change: {busy}");
    w.cf_ok(&["tick"]);
    w.wait_for(5, "the swap", || !w.events("swap").is_empty());
}
