//! The failover's decisions, apart from its actions: from the state, what a poll saw and the
//! time, what to do. Nothing here reads a file, runs a program or talks to tmux; `failover`
//! gathers what is seen (screens, transcripts, logins), asks here, then carries the decisions
//! out (journal, restarts, events).

use jiff::{SignedDuration, Timestamp};

use crate::detect::{Detection, Verdict};
use crate::panes::ClaudePane;
use crate::state::{Journal, PaneState, PaneStatus, Pending, State, SwapSummary};
use crate::transcript::ApiError;

/// How long an account stays marked exhausted when its limit message gave no reset time.
const UNKNOWN_RESET: SignedDuration = SignedDuration::from_hours(1);
/// Clock slack when comparing a transcript record with a process start (a start time read
/// from /proc or `ps` is precise to a second).
const START_SLACK: SignedDuration = SignedDuration::from_secs(1);

/// Note what a poll sees of a Claude pane's process; true when it is another process than the
/// one seen before (its limit count starts over).
pub fn note_process(ps: &mut PaneState, cp: &ClaudePane) -> bool {
    let new_process =
        ps.pid != Some(cp.process.pid) || !crate::procs::same_start(ps.started_at, cp.started_at);
    if new_process {
        ps.pid = Some(cp.process.pid);
        ps.started_at = cp.started_at;
        ps.pending = None;
    }
    ps.session = cp.pane.session.clone();
    ps.cwd = Some(cp.cwd.clone());
    // Without a session file (releases before 2.1.150) the `--resume` argument names the
    // conversation the process forked from: once the fork is found (`failover`), keep it.
    let from_args = !cp.has_session_file && !new_process && ps.session_id.is_some();
    if let Some(id) = cp.session_id.as_ref().filter(|_| !from_args) {
        ps.session_id = Some(id.clone());
    }
    new_process
}

/// Is a usage limit on screen new, or a replay of one from before the pane's process started?
#[derive(Clone, Debug, PartialEq)]
pub enum Freshness {
    /// New: with the reset time and kind from the transcript record, when known.
    Fresh(Option<Timestamp>, Option<String>),
    Replay,
    /// The transcript's newest API error is a server error newer than the limit.
    Vetoed,
    /// The transcript's newest API error is another failure, newer than the limit.
    Superseded,
}

/// Decide whether the limit a pane shows is new. The transcript is exact when we can find it
/// (`record`, its newest API-error record): that must be a usage limit written after the
/// process started (`started_at`). Without it, a limit already on screen the first time we see
/// a process is a replay (Claude redraws the old limit on `--resume`), and so is any line we
/// recorded as stale at a restart. `clock` is the time now (see `restart_time`).
pub fn freshness(
    ps: &mut PaneState,
    started_at: Option<Timestamp>,
    d: &Detection,
    new_process: bool,
    record: Option<&ApiError>,
    clock: Timestamp,
) -> Freshness {
    let line = d.line.clone().unwrap_or_default();
    if let Some(rec) = record {
        let newer = match rec.timestamp {
            Some(t) => {
                let after_start =
                    started_at.is_none_or(|s| t >= s.saturating_sub(START_SLACK).unwrap_or(s));
                // Our own restart time is exact: nothing older than it is this process's.
                let after_restart = restart_time(ps, clock).is_none_or(|r| t > r);
                after_start && after_restart
            }
            None => !ps.stale.contains(&line),
        };
        if !newer {
            return Freshness::Replay;
        }
        if rec.is_usage_limit() {
            return Freshness::Fresh(rec.resets_at, rec.kind());
        }
        // A newer error than the limit on screen decides: a server error vetoes; any other
        // (login, prompt too long) means the limit is not what the pane is stuck on.
        return if rec.is_server_error() {
            Freshness::Vetoed
        } else {
            Freshness::Superseded
        };
    }
    if ps.stale.contains(&line) {
        return Freshness::Replay;
    }
    if new_process && ps.restarted_at.is_some() {
        // First sight of a process we started: whatever limit it shows was drawn from history.
        remember_stale(ps, &line);
        return Freshness::Replay;
    }
    Freshness::Fresh(None, None)
}

/// When we last restarted the pane, unless that is later than `now`: then the clock stepped
/// back since, and the restart time says nothing about what is newer (trusting it would hide
/// every new limit for the length of the step). The process start time still decides.
pub fn restart_time(ps: &PaneState, now: Timestamp) -> Option<Timestamp> {
    ps.restarted_at.filter(|r| *r <= now)
}

pub fn remember_stale(ps: &mut PaneState, line: &str) {
    if !line.is_empty() && !ps.stale.iter().any(|s| s == line) {
        ps.stale.push(line.to_string());
        // Bounded: only the most recent few matter.
        if ps.stale.len() > 8 {
            ps.stale.remove(0);
        }
    }
}

/// How a limit is confirmed: seen on `polls` polls at least `gap` apart.
#[derive(Clone, Copy, Debug)]
pub struct Confirm {
    pub polls: u32,
    pub gap: SignedDuration,
}

/// One poll's sight of a pane: count the limit it shows when that is new (a different line
/// starts over; polls closer than the gap do not count), forget one no longer shown, and set
/// the pane's status. Returns the limit to act on once it is confirmed, with the reset time and
/// kind first seen.
pub fn count(
    ps: &mut PaneState,
    d: &Detection,
    fresh: Option<&Freshness>,
    busy: bool,
    confirm: Confirm,
    now: Timestamp,
) -> Option<Detection> {
    let counted = match (&d.verdict, fresh) {
        (Verdict::Quota, Some(Freshness::Fresh(resets, kind))) => {
            let line = d.line.clone().unwrap_or_default();
            // The record's exact reset time and quota type before the screen's words (a reset
            // time on screen is a local clock time to the minute, its date inferred).
            let resets_at = resets.or(d.resets_at);
            let kind = kind.clone().or_else(|| d.kind.clone());
            match &mut ps.pending {
                Some(p) if p.line == line => {
                    if p.last_counted
                        .is_none_or(|t| now.duration_since(t) >= confirm.gap)
                    {
                        p.polls += 1;
                        p.last_counted = Some(now);
                    }
                }
                _ => {
                    ps.pending = Some(Pending {
                        line,
                        kind,
                        resets_at,
                        polls: 1,
                        first_seen: Some(now),
                        last_counted: Some(now),
                    })
                }
            }
            true
        }
        _ => false,
    };
    if !counted {
        ps.pending = None;
    }
    ps.state = pane_status(ps, d, fresh, busy, confirm.polls);
    let p = ps.pending.as_ref().filter(|p| p.polls >= confirm.polls)?;
    let mut d = d.clone();
    d.resets_at = p.resets_at;
    d.kind = p.kind.clone();
    Some(d)
}

fn pane_status(
    ps: &PaneState,
    d: &Detection,
    fresh: Option<&Freshness>,
    busy: bool,
    confirm_polls: u32,
) -> PaneStatus {
    if ps.restart_to.is_some() {
        return PaneStatus::WaitingIdle;
    }
    match (d.verdict, fresh) {
        (Verdict::Quota, Some(Freshness::Fresh(..))) => {
            if ps
                .pending
                .as_ref()
                .is_some_and(|p| p.polls >= confirm_polls)
            {
                PaneStatus::Limited
            } else {
                PaneStatus::Confirming
            }
        }
        (Verdict::ServerError, _) | (Verdict::Quota, Some(Freshness::Vetoed)) => {
            PaneStatus::ServerError
        }
        _ if busy => PaneStatus::Busy,
        _ => PaneStatus::Idle,
    }
}

/// Clear the limits whose reset has passed; returns those accounts (available again).
pub fn expire_exhausted(state: &mut State, now: Timestamp) -> Vec<String> {
    let mut reset = Vec::new();
    for (name, acc) in state.accounts.iter_mut() {
        if acc.exhausted_until.is_some_and(|t| t <= now) {
            acc.exhausted_until = None;
            acc.exhausted_kind = None;
            acc.exhausted_line = None;
            reset.push(name.clone());
        }
    }
    reset
}

/// Mark an account exhausted until its reset; true when it was not already.
pub fn mark_exhausted(state: &mut State, account: &str, d: &Detection, now: Timestamp) -> bool {
    let acc = state.accounts.entry(account.to_string()).or_default();
    let was = acc.exhausted_until.is_some_and(|t| t > now);
    let until = d
        .resets_at
        .filter(|t| *t > now)
        .unwrap_or_else(|| now.saturating_add(UNKNOWN_RESET).unwrap_or(now));
    acc.exhausted_until = Some(until);
    acc.exhausted_kind = d.kind.clone();
    acc.exhausted_line = d.line.clone();
    !was
}

/// What a confirmed limit leads to.
#[derive(Clone, Debug, PartialEq)]
pub struct OnLimit {
    /// The account was not marked exhausted before: announce the limit.
    pub newly: bool,
    /// The cooldown since the last swap is running (and this is not an onward move).
    pub in_cooldown: bool,
    pub action: LimitAction,
}

#[derive(Clone, Debug, PartialEq)]
pub enum LimitAction {
    /// Swap away from the account (to the next one, or say that none is left).
    Swap,
    /// The cooldown holds the swap: another account is free, the user may swap by hand.
    Hold,
    /// Neither the active account nor any pane's: nothing to move.
    Leave,
}

/// A confirmed usage limit on `account`, first seen at `seen`: mark it exhausted and decide.
/// `has_next`: another account can take over; `has_panes`: a Claude pane works on `account`.
/// Inside the cooldown a new limit on the account just swapped to (newer than that swap) still
/// moves on: the next account is never an exhausted one, so this cannot flap. When no account
/// is left at all the swap goes ahead (to say so at once): the cooldown's end changes nothing.
pub fn on_limit(
    state: &mut State,
    account: &str,
    d: &Detection,
    seen: Timestamp,
    now: Timestamp,
    has_next: bool,
    has_panes: bool,
) -> OnLimit {
    let newly = mark_exhausted(state, account, d, now);
    let moves_on = state
        .last_swap
        .as_ref()
        .is_some_and(|s| s.to == account && s.at.is_some_and(|at| seen > at));
    let in_cooldown = state.cooldown_until.is_some_and(|t| t > now) && !moves_on;
    let is_active = state.active.as_deref() == Some(account);
    let action = if in_cooldown && has_next {
        LimitAction::Hold
    } else if is_active || has_panes {
        LimitAction::Swap
    } else {
        LimitAction::Leave
    };
    OnLimit {
        newly,
        in_cooldown,
        action,
    }
}

/// A swap found no account to go to: true the first time (announce it), until a swap.
pub fn all_exhausted(state: &mut State, now: Timestamp) -> bool {
    if state.all_exhausted_since.is_some() {
        return false;
    }
    state.all_exhausted_since = Some(now);
    true
}

/// A swap is complete: its target becomes the active account, the cooldown starts, and the
/// all-exhausted warning ends.
pub fn swapped(state: &mut State, journal: &Journal, now: Timestamp, cooldown: SignedDuration) {
    state.active = Some(journal.to.clone());
    state.cooldown_until = now.checked_add(cooldown).ok();
    state.last_swap = Some(SwapSummary {
        at: Some(now),
        from: journal.from.clone(),
        to: journal.to.clone(),
        reason: journal.reason.clone(),
    });
    state.all_exhausted_since = None;
}

/// What one pane of a journaled swap needs, as the swap finds it.
#[derive(Clone, Debug, Default)]
pub struct JournalSight {
    /// The pane still exists.
    pub live: bool,
    /// It runs Claude now: on the journal's target account, since the journal began.
    pub claude: Option<ClaudeSight>,
    /// Text typed into its prompt box and not sent.
    pub typing: bool,
    /// A limit is being confirmed on it (its busy spinner is Claude's own limit wait).
    pub pending: bool,
}

#[derive(Clone, Debug, Default)]
pub struct ClaudeSight {
    pub on_target: bool,
    pub started_at: Option<Timestamp>,
    pub busy: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum PanePlan {
    /// The pane vanished.
    Gone,
    /// Already restarted on the target (by an earlier run of this journal).
    Done,
    /// Claude left the pane since the journal was written: leave it alone.
    NotClaude,
    /// Busy, or with unsent text: restart it once idle.
    Defer,
    Restart,
}

/// A pane mid-turn, or with text typed and not sent (`typing`, asked only when not busy: it
/// may cost a capture), is restarted only once idle; unless a limit is being confirmed on it
/// (`pending`): then its busy spinner is Claude's own wait on that limit.
pub fn must_wait(pending: bool, busy: bool, typing: impl FnOnce() -> bool) -> bool {
    !pending && (busy || typing())
}

/// What to do with one pane of a journaled swap.
pub fn plan_pane(journal: &Journal, sight: &JournalSight) -> PanePlan {
    if !sight.live {
        return PanePlan::Gone;
    }
    let Some(c) = &sight.claude else {
        return PanePlan::NotClaude;
    };
    let already = c.on_target
        && c.started_at
            .zip(journal.started)
            .is_some_and(|(s, j)| s >= j);
    if already {
        PanePlan::Done
    } else if must_wait(sight.pending, c.busy, || sight.typing) {
        PanePlan::Defer
    } else {
        PanePlan::Restart
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + s).unwrap()
    }

    fn limit(line: &str) -> Detection {
        Detection {
            verdict: Verdict::Quota,
            line: Some(line.to_string()),
            kind: Some("session".into()),
            resets_at: Some(t(3600)),
        }
    }

    const LINE: &str = "You've hit your session limit · resets 5pm";

    fn confirm(polls: u32) -> Confirm {
        Confirm {
            polls,
            gap: SignedDuration::from_secs(10),
        }
    }

    /// A pane that shows `d` on each poll at `times`: the polls it was confirmed on.
    fn polls(ps: &mut PaneState, d: &Detection, polls: u32, times: &[i64]) -> Vec<i64> {
        let fresh = Freshness::Fresh(None, None);
        times
            .iter()
            .filter(|&&s| count(ps, d, Some(&fresh), false, confirm(polls), t(s)).is_some())
            .copied()
            .collect()
    }

    #[test]
    fn a_limit_is_confirmed_after_confirm_polls_polls_at_least_the_gap_apart() {
        let d = limit(LINE);
        let mut ps = PaneState::default();
        // Two polls 10 s apart confirm with confirm-polls 2; a poll 3 s later does not count.
        assert_eq!(polls(&mut ps, &d, 2, &[0, 3, 10, 20]), vec![10, 20]);
        assert_eq!(ps.state, PaneStatus::Limited);
        assert_eq!(ps.pending.as_ref().unwrap().first_seen, Some(t(0)));
        let mut ps = PaneState::default();
        assert_eq!(polls(&mut ps, &d, 3, &[0, 10]), Vec::<i64>::new());
        assert_eq!(ps.state, PaneStatus::Confirming);
        assert_eq!(polls(&mut ps, &d, 3, &[15, 20]), vec![20]);
        // The kind and reset time are those first seen.
        let got = count(
            &mut ps,
            &limit(LINE),
            Some(&Freshness::Fresh(None, None)),
            false,
            confirm(3),
            t(30),
        )
        .unwrap();
        assert_eq!(got.resets_at, Some(t(3600)));
        // With the transcript's record, its exact reset time and type are the ones kept.
        let mut ps = PaneState::default();
        let record = Freshness::Fresh(Some(t(3540)), Some("weekly".into()));
        let got = (0..2)
            .find_map(|i| count(&mut ps, &d, Some(&record), false, confirm(2), t(i * 10)))
            .unwrap();
        assert_eq!(
            (got.resets_at, got.kind.as_deref()),
            (Some(t(3540)), Some("weekly"))
        );
    }

    #[test]
    fn a_limit_gone_or_changed_starts_the_count_over() {
        let mut ps = PaneState::default();
        assert!(polls(&mut ps, &limit(LINE), 2, &[0]).is_empty());
        // A poll without the limit forgets it.
        let none = Detection::none();
        assert_eq!(count(&mut ps, &none, None, true, confirm(2), t(10)), None);
        assert_eq!(ps.pending, None);
        assert_eq!(ps.state, PaneStatus::Busy);
        assert!(polls(&mut ps, &limit(LINE), 2, &[20]).is_empty());
        // Another line is another limit: counted from one.
        assert!(polls(&mut ps, &limit("You've hit your weekly limit"), 2, &[30]).is_empty());
        assert_eq!(ps.pending.as_ref().unwrap().polls, 1);
    }

    #[test]
    fn a_replayed_or_old_limit_is_never_counted() {
        let d = limit(LINE);
        let record = |at: i64, usage: bool| ApiError {
            timestamp: Some(t(at)),
            error: Some(if usage { "rate_limit" } else { "server_error" }.into()),
            api_error: usage.then(|| "usage_limit_reached".to_string()),
            status: Some(if usage { 429 } else { 500 }),
            resets_at: None,
            rate_limit_type: None,
            text: None,
        };
        let mut ps = PaneState::default();
        // The transcript's limit is older than the process: a replay, counted never.
        let rec = record(50, true);
        let f = freshness(&mut ps, Some(t(100)), &d, false, Some(&rec), t(200));
        assert_eq!(f, Freshness::Replay);
        assert_eq!(
            count(&mut ps, &d, Some(&f), false, confirm(1), t(200)),
            None
        );
        assert_eq!(ps.pending, None);
        // Newer than the process: fresh; but not newer than our own restart of the pane.
        let rec = record(150, true);
        assert!(matches!(
            freshness(&mut ps, Some(t(100)), &d, false, Some(&rec), t(200)),
            Freshness::Fresh(..)
        ));
        ps.restarted_at = Some(t(160));
        assert_eq!(
            freshness(&mut ps, Some(t(100)), &d, false, Some(&rec), t(200)),
            Freshness::Replay
        );
        // A restart time in the future (the clock stepped back) says nothing.
        assert!(matches!(
            freshness(&mut ps, Some(t(100)), &d, false, Some(&rec), t(155)),
            Freshness::Fresh(..)
        ));
        // A newer server error vetoes the limit on screen.
        let rec = record(170, false);
        assert_eq!(
            freshness(&mut ps, Some(t(100)), &d, false, Some(&rec), t(200)),
            Freshness::Vetoed
        );
        // No transcript: the first sight of a process we restarted shows history, and that
        // line stays stale for the pane's later processes too.
        let mut ps = PaneState {
            restarted_at: Some(t(0)),
            ..PaneState::default()
        };
        assert_eq!(
            freshness(&mut ps, Some(t(1)), &d, true, None, t(2)),
            Freshness::Replay
        );
        assert_eq!(
            freshness(&mut ps, Some(t(1)), &d, false, None, t(3)),
            Freshness::Replay
        );
        let other = limit("You've hit your weekly limit");
        assert_eq!(
            freshness(&mut ps, Some(t(1)), &other, false, None, t(3)),
            Freshness::Fresh(None, None)
        );
    }

    fn claude(pid: u32, started: i64, id: &str, session_file: bool) -> ClaudePane {
        ClaudePane {
            pane: crate::panes::Pane {
                id: "%1".into(),
                pid: 1,
                session: "work".into(),
                window: "@1".into(),
                dead: false,
            },
            process: crate::procs::ProcInfo {
                pid,
                ppid: 1,
                name: "claude".into(),
                argv: vec!["claude".into()],
                started_at: Some(t(started)),
            },
            owner: crate::panes::Owner::Unknown,
            config_dir: None,
            session_id: Some(id.into()),
            has_session_file: session_file,
            started_at: Some(t(started)),
            busy: false,
            cwd: "/w".into(),
            seen: None,
        }
    }

    #[test]
    fn another_process_starts_the_count_over_and_an_old_release_keeps_its_fork() {
        let mut ps = PaneState::default();
        assert!(note_process(&mut ps, &claude(10, 0, "s1", true)));
        assert_eq!(polls(&mut ps, &limit(LINE), 2, &[0]), Vec::<i64>::new());
        assert!(!note_process(&mut ps, &claude(10, 0, "s1", true)));
        assert!(ps.pending.is_some());
        // The same pid started again (a reused pid): another process.
        assert!(note_process(&mut ps, &claude(10, 50, "s2", true)));
        assert_eq!(
            (ps.pending.as_ref(), ps.session_id.as_deref()),
            (None, Some("s2"))
        );
        // Before 2.1.150 (no session file) the `--resume` argument is the conversation it forked
        // from: the id found since is kept while the process lives.
        ps.session_id = Some("fork".into());
        note_process(&mut ps, &claude(10, 50, "s2", false));
        assert_eq!(ps.session_id.as_deref(), Some("fork"));
        note_process(&mut ps, &claude(11, 60, "s3", false));
        assert_eq!(ps.session_id.as_deref(), Some("s3"));
        assert_eq!(
            (ps.session.as_str(), ps.cwd.as_deref()),
            ("work", Some("/w"))
        );
    }

    fn state(active: &str) -> State {
        State {
            active: Some(active.into()),
            ..crate::state::fresh()
        }
    }

    #[test]
    fn a_confirmed_limit_swaps_unless_the_cooldown_holds_it() {
        let d = limit(LINE);
        let mut st = state("a");
        let out = on_limit(&mut st, "a", &d, t(0), t(0), true, true);
        assert_eq!(
            out,
            OnLimit {
                newly: true,
                in_cooldown: false,
                action: LimitAction::Swap
            }
        );
        assert_eq!(st.accounts["a"].exhausted_until, Some(t(3600)));
        // Seen again: not announced twice.
        assert!(!on_limit(&mut st, "a", &d, t(5), t(5), true, true).newly);
        // In the cooldown after a swap b -> a, a limit on b (not the account swapped to) waits.
        let mut st = state("b");
        let journal = Journal {
            from: "b".into(),
            to: "a".into(),
            ..Journal::default()
        };
        swapped(&mut st, &journal, t(0), SignedDuration::from_secs(600));
        assert_eq!(
            (st.active.as_deref(), st.cooldown_until),
            (Some("a"), Some(t(600)))
        );
        let out = on_limit(&mut st, "b", &d, t(10), t(10), true, true);
        assert_eq!((out.in_cooldown, out.action), (true, LimitAction::Hold));
        // After the cooldown it swaps.
        let out = on_limit(&mut st, "b", &d, t(10), t(600), true, true);
        assert_eq!((out.in_cooldown, out.action), (false, LimitAction::Swap));
        // An account nobody uses is only marked.
        let mut st = state("a");
        let out = on_limit(&mut st, "c", &d, t(10), t(10), true, false);
        assert_eq!(out.action, LimitAction::Leave);
        assert!(st.accounts["c"].exhausted_until.is_some());
    }

    #[test]
    fn a_new_limit_on_the_account_just_swapped_to_moves_on_inside_the_cooldown() {
        let d = limit(LINE);
        let mut st = state("b");
        st.cooldown_until = Some(t(600));
        st.last_swap = Some(SwapSummary {
            at: Some(t(100)),
            from: "a".into(),
            to: "b".into(),
            reason: String::new(),
        });
        // Seen after the swap: onward.
        let out = on_limit(&mut st, "b", &d, t(150), t(160), true, true);
        assert_eq!((out.in_cooldown, out.action), (false, LimitAction::Swap));
        // Seen before the swap finished (the limit that caused it, late): held.
        let mut st2 = st.clone();
        st2.accounts.clear();
        let out = on_limit(&mut st2, "b", &d, t(90), t(160), true, true);
        assert_eq!((out.in_cooldown, out.action), (true, LimitAction::Hold));
    }

    #[test]
    fn with_every_account_exhausted_the_swap_says_so_at_once_and_once() {
        let d = limit(LINE);
        let mut st = state("a");
        st.cooldown_until = Some(t(600));
        // No account left: the cooldown does not hold (its end would change nothing).
        let out = on_limit(&mut st, "a", &d, t(10), t(10), false, true);
        assert_eq!((out.in_cooldown, out.action), (true, LimitAction::Swap));
        assert!(all_exhausted(&mut st, t(10)));
        assert!(!all_exhausted(&mut st, t(20)));
        assert_eq!(st.all_exhausted_since, Some(t(10)));
        // Limits past their reset are cleared, and said.
        assert_eq!(expire_exhausted(&mut st, t(3599)), Vec::<String>::new());
        assert_eq!(expire_exhausted(&mut st, t(3600)), vec!["a".to_string()]);
        assert_eq!(st.accounts["a"].exhausted_until, None);
    }

    #[test]
    fn a_busy_pane_is_deferred_unless_its_busy_is_the_limit_wait() {
        let journal = Journal {
            started: Some(t(100)),
            ..Journal::default()
        };
        let claude = |busy: bool, on_target: bool, started: i64| ClaudeSight {
            on_target,
            started_at: Some(t(started)),
            busy,
        };
        let sight = |c: Option<ClaudeSight>, typing: bool, pending: bool| JournalSight {
            live: true,
            claude: c,
            typing,
            pending,
        };
        let (idle, busy) = (claude(false, false, 0), claude(true, false, 0));
        let cases = [
            (sight(Some(idle.clone()), false, false), PanePlan::Restart),
            (sight(Some(busy.clone()), false, false), PanePlan::Defer),
            // Text typed and not sent waits like a turn.
            (sight(Some(idle), true, false), PanePlan::Defer),
            // Busy with Claude's own wait on the limit being confirmed: restarted now.
            (sight(Some(busy), false, true), PanePlan::Restart),
            // On the target since the journal began (a killed run got that far): done.
            (
                sight(Some(claude(true, true, 150)), false, false),
                PanePlan::Done,
            ),
            (
                sight(Some(claude(false, true, 50)), false, false),
                PanePlan::Restart,
            ),
            (sight(None, false, false), PanePlan::NotClaude),
            (JournalSight::default(), PanePlan::Gone),
        ];
        for (i, (sight, want)) in cases.into_iter().enumerate() {
            assert_eq!(plan_pane(&journal, &sight), want, "case {i}");
        }
    }
}
