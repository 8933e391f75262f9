//! After a restart: did the new Claude start? A relaunch that fails at once (a bad option, a
//! conversation the account cannot reach, bypass-permissions mode refused) is found within a
//! few seconds, or at the next poll, and reported (`restart-failed` event, a message on every
//! client, the pane's state in `status`); it is never reported as resumed.

use std::time::{Duration, Instant};

use jiff::Timestamp;

use crate::events::Event;
use crate::failover::{announce, Ctx};
use crate::panes::{self, Scan};
use crate::procs::Procs;
use crate::state::{Locked, PaneStatus};
use crate::tmux::Tmux;

/// How long a swap waits for its restarted panes to show Claude running (or to fail). Claude
/// starts in about a second; one still starting after this is judged at the next poll.
pub const WAIT: Duration = Duration::from_secs(3);
const POLL: Duration = Duration::from_millis(50);

/// The line the pane script prints when Claude failed (see `failover::pane_script`).
const STATUS_MARK: &str = "claude-failover: Claude exited with status";

/// A pane we restarted, to watch.
#[derive(Clone, Debug)]
pub struct Restarted {
    pub pane: String,
    pub session_id: Option<String>,
    pub to: String,
}

#[derive(Debug, PartialEq)]
enum Seen {
    Running,
    Starting,
    Exited,
    Gone,
}

/// What runs in a pane we restarted: Claude, still our script (Claude starting), or neither
/// (the script went on to the user's shell: Claude has exited).
fn seen(scan: &Scan, procs: &mut Procs, pane: &str) -> Seen {
    if let Some(cp) = scan.claude.iter().find(|c| c.pane.id == pane) {
        // Claude writes its session file once it has started; before, it may still fail.
        let settled = cp
            .config_dir
            .as_ref()
            .is_none_or(|dir| panes::read_session_file(dir, cp.process.pid).is_some());
        return if settled {
            Seen::Running
        } else {
            Seen::Starting
        };
    }
    let Some(p) = scan.panes.iter().find(|p| p.id == pane) else {
        return Seen::Gone;
    };
    if p.dead {
        return Seen::Exited;
    }
    match procs.info(p.pid) {
        // tmux forks, then execs the pane's command: for a moment the new pane process is
        // still a copy of the tmux server (seen with real 1.0.x/2.0.0 releases: a restart that
        // worked reported as `Claude exited at once`).
        Some(info) if is_tmux(&info) => Seen::Starting,
        // `/bin/sh -c <script>`: after Claude the script `exec`s the user's shell.
        Some(info) if info.argv.get(1).map(String::as_str) != Some("-c") => Seen::Exited,
        _ => Seen::Starting,
    }
}

fn is_tmux(info: &crate::procs::ProcInfo) -> bool {
    info.name.starts_with("tmux")
        || info
            .argv
            .first()
            .is_some_and(|a| a.rsplit('/').next() == Some("tmux"))
}

/// Scan until each of `panes` runs Claude or has exited (or is gone), for at most `watch`.
/// Returns the last scan and what each pane came to; a pane still starting at the deadline is
/// reported as `Starting`.
fn settle(tmux: &Tmux, panes: &[&str], watch: Duration) -> (Option<Scan>, Vec<(String, Seen)>) {
    let deadline = Instant::now() + watch;
    let mut open: Vec<&str> = panes.to_vec();
    let mut came = Vec::new();
    let mut last = None;
    while !open.is_empty() {
        let Ok(scan) = panes::scan(tmux) else {
            break;
        };
        let mut procs = Procs::new();
        let last_look = Instant::now() + POLL >= deadline;
        open.retain(|pane| match seen(&scan, &mut procs, pane) {
            Seen::Starting if !last_look => true,
            other => {
                came.push((pane.to_string(), other));
                false
            }
        });
        last = Some(scan);
        if !open.is_empty() {
            std::thread::sleep(POLL);
        }
    }
    came.extend(open.into_iter().map(|p| (p.to_string(), Seen::Starting)));
    (last, came)
}

/// Wait (at most `ctx.restart_watch`) for each restarted pane to run Claude or fail; report the
/// failures and return their panes. Panes still starting are left to the next poll (`check`).
pub fn wait(ctx: &Ctx, locked: &mut Locked, restarted: &[Restarted]) -> Vec<String> {
    let mut failures = Vec::new();
    if restarted.is_empty() {
        return failures;
    }
    let panes: Vec<&str> = restarted.iter().map(|r| r.pane.as_str()).collect();
    let (scan, came) = settle(ctx.tmux, &panes, ctx.restart_watch);
    for r in restarted {
        let Some((_, seen)) = came.iter().find(|(pane, _)| *pane == r.pane) else {
            continue;
        };
        match (seen, &scan) {
            (Seen::Running, _) => {
                if let Some(ps) = locked.state.panes.get_mut(&r.pane) {
                    ps.state = PaneStatus::Running;
                }
            }
            (Seen::Exited, Some(scan)) => {
                let why = why_from_screen(ctx.tmux, &r.pane);
                failed(ctx, scan, locked, r, &why);
                failures.push(r.pane.clone());
            }
            _ => {}
        }
    }
    let _ = locked.commit();
    failures
}

/// How the Claude of a pane just made (by `up`) came up.
pub enum Start {
    Running,
    /// Still starting after the wait: judged by the polls from now on.
    Starting,
    /// It exited at once: why, from what it printed.
    Failed(String),
}

/// Wait (at most `WAIT`) for the Claude of each new pane to run or fail.
pub fn watch_new(tmux: &Tmux, panes: &[&str]) -> Vec<(String, Start)> {
    let (_, came) = settle(tmux, panes, WAIT);
    came.into_iter()
        .map(|(pane, seen)| {
            let start = match seen {
                Seen::Running => Start::Running,
                Seen::Starting => Start::Starting,
                Seen::Exited => Start::Failed(why_from_screen(tmux, &pane)),
                Seen::Gone => Start::Failed("its pane closed at once".into()),
            };
            (pane, start)
        })
        .collect()
}

/// At a poll: panes we restarted whose Claude was never seen and is no longer starting failed.
pub fn check(ctx: &Ctx, scan: &Scan, observed_at: Timestamp, locked: &mut Locked) {
    let watched: Vec<Restarted> = locked
        .state
        .panes
        .iter()
        .filter(|(_, ps)| {
            ps.pid.is_none()
                && matches!(ps.state, PaneStatus::Resumed | PaneStatus::Running)
                // Restarted after this poll looked: what it saw is older than the restart.
                && ps.restarted_at.is_some_and(|t| t < observed_at)
        })
        .map(|(id, ps)| Restarted {
            pane: id.clone(),
            session_id: ps.session_id.clone(),
            to: ps.account.clone().unwrap_or_default(),
        })
        .collect();
    if watched.is_empty() {
        return;
    }
    let mut procs = Procs::new();
    for r in &watched {
        if seen(scan, &mut procs, &r.pane) != Seen::Exited {
            continue;
        }
        let ps = locked.state.panes.get_mut(&r.pane).expect("listed above");
        if ps.state == PaneStatus::Running {
            // It ran, then the user left it: an ordinary exit.
            ps.state = PaneStatus::Exited;
            continue;
        }
        let why = why_from_screen(ctx.tmux, &r.pane);
        failed(ctx, scan, locked, r, &why);
    }
}

/// Record and report a pane whose restart failed.
pub fn failed(ctx: &Ctx, scan: &Scan, locked: &mut Locked, r: &Restarted, why: &str) {
    let ps = locked.state.panes.entry(r.pane.clone()).or_default();
    ps.state = PaneStatus::RestartFailed;
    ps.restart_error = Some(why.to_string());
    ps.restart_to = None;
    let msg = format!(
        "claude-failover: pane {} did not restart on {}: {why}",
        r.pane, r.to
    );
    announce(
        ctx,
        &scan.clients,
        &Event::RestartFailed {
            pane: r.pane.clone(),
            session_id: r.session_id.clone(),
            to: r.to.clone(),
            why: why.to_string(),
        },
        Some(msg),
        &locked.store.events_path(),
    );
}

/// Why Claude stopped, from what it printed: the last lines before the script's status line.
fn why_from_screen(tmux: &Tmux, pane: &str) -> String {
    let screen = panes::capture(tmux, &[pane])
        .ok()
        .and_then(|mut c| c.remove(pane))
        .unwrap_or_default();
    why(&screen)
}

fn why(screen: &str) -> String {
    let lines: Vec<&str> = screen.lines().map(str::trim).collect();
    let mark = lines.iter().rposition(|l| l.starts_with(STATUS_MARK));
    let before = &lines[..mark.unwrap_or(lines.len())];
    let said: Vec<&str> = before
        .iter()
        .rev()
        .filter(|l| !l.is_empty())
        .take(3)
        .copied()
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let status = match mark {
        Some(i) => format!(
            "Claude exited with status {}",
            lines[i][STATUS_MARK.len()..].trim()
        ),
        None => "Claude exited at once".to_string(),
    };
    let mut text = if said.is_empty() || mark.is_none() {
        status
    } else {
        format!("{status}: {}", said.join(" "))
    };
    if text.chars().count() > 300 {
        text = text.chars().take(300).collect::<String>() + "…";
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pane_process_still_forked_from_tmux_is_starting_not_exited() {
        let info = |name: &str, argv: &[&str]| crate::procs::ProcInfo {
            pid: 2,
            ppid: 1,
            name: name.into(),
            argv: argv.iter().map(|a| a.to_string()).collect(),
            started_at: None,
        };
        assert!(is_tmux(&info("tmux: server", &["tmux", "-L", "x", "new"])));
        assert!(is_tmux(&info("x", &["/usr/bin/tmux", "-L", "x"])));
        assert!(!is_tmux(&info(
            "sh",
            &["/bin/sh", "-c", "claude; exec bash"]
        )));
        assert!(!is_tmux(&info("bash", &["bash", "--noprofile"])));
    }

    #[test]
    fn the_reason_is_what_claude_printed_before_the_status_line() {
        let screen = "\n\nNo conversation found with session ID: 1234\n\nclaude-failover: Claude exited with status 1\n$ \n\n";
        assert_eq!(
            why(screen),
            "Claude exited with status 1: No conversation found with session ID: 1234"
        );
        assert_eq!(why("$ \n"), "Claude exited at once");
    }
}
