//! The failover loop: observe every Claude pane, confirm a real new usage limit across polls,
//! and swap accounts under the lock, journaled so that a killed run is finished by the next.

use std::collections::{BTreeSet, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result};
use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

use crate::decision::{self, remember_stale, restart_time, Freshness, LimitAction, PanePlan};
use crate::detect::{self, Detection, Verdict};
use crate::events::{self, Event, SwapPane};
use crate::options::Config;
use crate::panes::{self, ClaudePane, Owner, Scan};
use crate::relaunch;
use crate::shell;
use crate::state::{Journal, JournalPane, Locked, Outcome, PaneState, PaneStatus, State};
use crate::takeover::Skip;
use crate::tmux::command::TmuxCommand;
use crate::tmux::Tmux;
use crate::transcript;
use crate::zone;

pub struct Ctx<'a> {
    pub tmux: &'a Tmux,
    pub config: &'a Config,
    pub now: Timestamp,
    /// How long a swap watches its restarted panes come up (`relaunch::wait`); what is still
    /// starting then is judged at the next poll.
    pub restart_watch: std::time::Duration,
}

/// The account a Claude pane works on, as far as we know.
pub fn pane_account(cp: &ClaudePane, ps: Option<&PaneState>, active: &str) -> Option<String> {
    match &cp.owner {
        Owner::Account(name) => Some(name.clone()),
        Owner::Unmanaged(_) => None,
        Owner::Unknown => ps
            .and_then(|p| p.account.clone())
            .or_else(|| Some(active.to_string())),
    }
}

/// The active account: the state's, if it still names a configured account, else the first.
pub fn active(config: &Config, state: &State) -> String {
    state
        .active
        .as_ref()
        .filter(|a| config.account(a).is_some())
        .cloned()
        .unwrap_or_else(|| config.accounts[0].name.clone())
}

/// One poll: record what every Claude pane shows, confirm limits, swap when confirmed.
pub fn tick(
    ctx: &Ctx,
    scan: &Scan,
    captures: &HashMap<String, String>,
    observed_at: Timestamp,
    locked: &mut Locked,
) -> Result<()> {
    recover(ctx, scan, locked)?;
    let config = ctx.config;
    let now = ctx.now;
    let state = &mut locked.state;
    state.active = Some(active(config, state));
    let available = decision::expire_exhausted(state, now);
    let confirm = decision::Confirm {
        polls: config.confirm_polls,
        gap: SignedDuration::from_secs(config.confirm_gap as i64),
    };

    let local = std::cell::OnceCell::new();
    let mut confirmed = Vec::new();
    for cp in &scan.claude {
        let screen = captures.get(&cp.pane.id).map(String::as_str).unwrap_or("");
        let seen = Sight {
            cp,
            screen,
            observed_at,
            local: &local,
        };
        confirmed.extend(look_at_pane(state, config, &seen, confirm, now));
    }
    resolve_missing_ids(scan, state, config);
    prune(scan, state, captures);
    relaunch::check(ctx, scan, observed_at, locked);

    // Confirmed limits: mark the account exhausted, then swap away from it (once per account).
    let mut handled = BTreeSet::new();
    for (account, pane, detection) in confirmed {
        if !handled.insert(account.clone()) {
            continue;
        }
        let seen = locked
            .state
            .panes
            .get(&pane)
            .and_then(|p| p.pending.as_ref())
            .and_then(|p| p.first_seen)
            .unwrap_or(now);
        act_on_limit(ctx, scan, locked, &account, &pane, &detection, seen)?;
    }

    crate::preempt::run(ctx, scan, locked, &available)?;
    restart_deferred(ctx, scan, captures, locked)?;
    locked.commit()?;
    Ok(())
}

/// What one poll saw of a Claude pane.
struct Sight<'a> {
    cp: &'a ClaudePane,
    screen: &'a str,
    observed_at: Timestamp,
    /// The local zone (for reset times without one), read only for a screen that may hold a
    /// limit, and once a poll.
    local: &'a std::cell::OnceCell<jiff::tz::TimeZone>,
}

/// Record what a poll saw of a Claude pane and count the limit it shows; returns the limit
/// (account, pane, detection) once it is confirmed.
fn look_at_pane(
    state: &mut State,
    config: &Config,
    seen: &Sight,
    confirm: decision::Confirm,
    now: Timestamp,
) -> Option<(String, String, Detection)> {
    let cp = seen.cp;
    let ps = state.panes.entry(cp.pane.id.clone()).or_default();
    // Another invocation restarted this pane after we looked: what we saw is history.
    if restart_time(ps, now).is_some_and(|t| t >= seen.observed_at) {
        return None;
    }
    let new_process = decision::note_process(ps, cp);
    ps.account = pane_account(cp, Some(ps), state.active.as_deref().unwrap_or_default());
    let detection = if detect::may_matter(seen.screen) {
        let zone = seen.local.get_or_init(zone::local).clone();
        detect::detect_at(seen.screen, &now.to_zoned(zone))
    } else {
        Detection::none()
    };
    let fresh = match detection.verdict {
        Verdict::Quota => Some(freshness(cp, ps, &detection, new_process)),
        _ => None,
    };
    let limit = decision::count(ps, &detection, fresh.as_ref(), cp.busy, confirm, now);
    let confirmed = limit
        .zip(ps.account.clone())
        .map(|(d, account)| (account, cp.pane.id.clone(), d));
    if let Some(declared) = config.sessions.iter().find(|s| s.name == cp.pane.session) {
        if let Some(id) = &ps.session_id {
            state.declared.insert(declared.name.clone(), id.clone());
        }
    }
    confirmed
}

/// A confirmed usage limit on `account` (seen at `seen`, by a pane's screen or by its
/// `StopFailure` hook): mark it exhausted, announce it, and swap away from it unless the
/// cooldown forbids. Inside the cooldown a new limit on the account just swapped to (newer than
/// that swap) still moves on: the next account is never an exhausted one, so this cannot flap.
pub fn act_on_limit(
    ctx: &Ctx,
    scan: &Scan,
    locked: &mut Locked,
    account: &str,
    pane: &str,
    detection: &Detection,
    seen: Timestamp,
) -> Result<()> {
    let config = ctx.config;
    let now = ctx.now;
    let has_next = next_account(config, &locked.state, account, now).is_some();
    let has_panes = scan.claude.iter().any(|cp| {
        pane_account(
            cp,
            locked.state.panes.get(&cp.pane.id),
            &active(config, &locked.state),
        )
        .as_deref()
            == Some(account)
    });
    let state = &mut locked.state;
    let decided = decision::on_limit(state, account, detection, seen, now, has_next, has_panes);
    if decided.newly {
        let blocked = (decided.action == LimitAction::Hold)
            .then(|| held_by_cooldown(account, locked.state.cooldown_until));
        announce(
            ctx,
            &scan.clients,
            &Event::Limit {
                account: account.to_string(),
                pane: pane.to_string(),
                line: detection.line.clone(),
                kind: detection.kind.clone(),
                resets_at: detection.resets_at,
                cooldown: decided.in_cooldown,
            },
            blocked,
            &locked.store.events_path(),
        );
    }
    if decided.action == LimitAction::Swap {
        let reason = format!(
            "usage limit on {account}: {}",
            detection.line.clone().unwrap_or_default()
        );
        swap(ctx, scan, locked, account, None, &reason, false)?;
    }
    Ok(())
}

/// The message when the cooldown holds a swap away from an exhausted account.
fn held_by_cooldown(account: &str, until: Option<Timestamp>) -> String {
    let until = until
        .map(|t| t.to_zoned(zone::local()).strftime("%H:%M").to_string())
        .unwrap_or_default();
    format!(
        "claude-failover: {account} hit its limit; the cooldown holds the automatic swap until \
         {until}: prefix S swaps now"
    )
}

/// Is the limit a pane shows new? Reads the transcript's newest API error, when the pane's
/// transcript is known, for `decision::freshness`.
fn freshness(cp: &ClaudePane, ps: &mut PaneState, d: &Detection, new_process: bool) -> Freshness {
    let record = match (&cp.config_dir, &ps.session_id) {
        (Some(dir), Some(id)) => {
            let path = transcript::transcript_path(dir, &cp.cwd, id);
            transcript::newest_api_error(&path).ok().flatten()
        }
        _ => None,
    };
    let clock = Timestamp::now();
    decision::freshness(ps, cp.started_at, d, new_process, record.as_ref(), clock)
}

/// For Claude panes without a session id: the newest transcript of their folder written since
/// the process started, unless another Claude pane shares that folder and account (then the
/// newest transcript could be the other pane's: we would rather not know than guess wrong).
fn resolve_missing_ids(scan: &Scan, state: &mut State, config: &Config) {
    let claimed: BTreeSet<String> = state
        .panes
        .values()
        .filter_map(|p| p.session_id.clone())
        .collect();
    for cp in &scan.claude {
        let Some(ps) = state.panes.get(&cp.pane.id) else {
            continue;
        };
        // Releases before 2.1.150 keep no session file and fork a conversation into a new
        // transcript on `--resume`: their id is the newest transcript since they started, even
        // when we knew the one they resumed.
        if ps.session_id.is_some() && cp.has_session_file {
            continue;
        }
        let Some(dir) = &cp.config_dir else { continue };
        let shared = scan
            .claude
            .iter()
            .any(|o| o.pane.id != cp.pane.id && o.cwd == cp.cwd && o.config_dir == cp.config_dir);
        if shared {
            continue;
        }
        let folder = dir.join("projects").join(transcript::slug(&cp.cwd));
        let mut others = claimed.clone();
        if let Some(own) = &ps.session_id {
            others.remove(own);
        }
        if let Some(id) = newest_transcript(&folder, cp.started_at, &others) {
            if let Some(ps) = state.panes.get_mut(&cp.pane.id) {
                ps.session_id = Some(id);
            }
        }
    }
    let _ = config;
}

fn newest_transcript(
    folder: &Path,
    since: Option<Timestamp>,
    claimed: &BTreeSet<String>,
) -> Option<String> {
    let since = since.map(std::time::SystemTime::from);
    let mut best: Option<(std::time::SystemTime, String)> = None;
    for entry in std::fs::read_dir(folder).ok()?.flatten() {
        let name = entry.file_name();
        let Some(id) = name.to_str().and_then(|n| n.strip_suffix(".jsonl")) else {
            continue;
        };
        if !transcript::is_session_id(id) || claimed.contains(id) {
            continue;
        }
        let Ok(mtime) = entry.metadata().and_then(|m| m.modified()) else {
            continue;
        };
        if since.is_some_and(|s| mtime < s) {
            continue;
        }
        if best.as_ref().is_none_or(|(t, _)| mtime > *t) {
            best = Some((mtime, id.to_string()));
        }
    }
    best.map(|(_, id)| id)
}

/// Forget panes that no longer exist; for panes Claude has left, keep the id, taking it from the
/// exit hint (`claude --resume <uuid>`) when the CLI printed one.
fn prune(scan: &Scan, state: &mut State, captures: &HashMap<String, String>) {
    let live: BTreeSet<&str> = scan.panes.iter().map(|p| p.id.as_str()).collect();
    state.panes.retain(|id, _| live.contains(id.as_str()));
    let claude: BTreeSet<&str> = scan.claude.iter().map(|c| c.pane.id.as_str()).collect();
    for (id, ps) in state.panes.iter_mut() {
        if !claude.contains(id.as_str()) && ps.pid.is_some() {
            // Claude left this pane (exited, or a shell waits): keep the id to resume later.
            if let Some(id) = captures
                .get(id.as_str())
                .and_then(|screen| panes::session_id_from_exit_hint(screen))
            {
                ps.session_id = Some(id);
            }
            ps.pid = None;
            ps.started_at = None;
            ps.pending = None;
            // A restart that waited for this Claude has nothing left to restart.
            ps.restart_to = None;
            if ps.state != PaneStatus::ResumeNeeded {
                ps.state = PaneStatus::Exited;
            }
        }
    }
}

/// The next account after `from`, in order, that can take over (see `takeover::why_not`), or
/// one that is only near its limit when nothing better is left.
pub fn next_account(config: &Config, state: &State, from: &str, now: Timestamp) -> Option<String> {
    next_account_why(config, state, from, now).0
}

/// Like `next_account`, with the accounts passed over on the way and why. When every other
/// account is passed over and some only for being near their limit, the first of those is
/// taken: a pane stuck at a limit is better off with a few percent left than with none.
pub fn next_account_why(
    config: &Config,
    state: &State,
    from: &str,
    now: Timestamp,
) -> (Option<String>, Vec<(String, Skip)>) {
    let (next, skipped) = headroom_account(config, state, from, now);
    let next = next.or_else(|| {
        skipped
            .iter()
            .find(|(_, why)| matches!(why, Skip::NearLimit(_)))
            .map(|(a, _)| a.clone())
    });
    (next, skipped)
}

/// The next account after `from`, in order, that can take over (`takeover::why_not`), and the
/// ones passed over on the way with why.
pub fn headroom_account(
    config: &Config,
    state: &State,
    from: &str,
    now: Timestamp,
) -> (Option<String>, Vec<(String, Skip)>) {
    let n = config.accounts.len();
    let start = config
        .accounts
        .iter()
        .position(|a| a.name == from)
        .unwrap_or(n - 1);
    let mut skipped = Vec::new();
    for a in (1..n).map(|k| &config.accounts[(start + k) % n]) {
        match crate::takeover::why_not(config, state, a, now) {
            None => return (Some(a.name.clone()), skipped),
            Some(why) => skipped.push((a.name.clone(), why)),
        }
    }
    (None, skipped)
}

/// An `accounts-skipped` event: the accounts a swap from `from` passed over, and why.
pub fn log_skipped(events: &Path, from: &str, to: Option<&str>, skipped: &[(String, Skip)]) {
    if skipped.is_empty() {
        return;
    }
    let event = Event::AccountsSkipped {
        from: from.to_string(),
        to: to.map(str::to_string),
        skipped: skipped.iter().map(|(a, why)| why.skipped(a)).collect(),
    };
    events::append_at(events, &event);
}

#[derive(Debug, PartialEq)]
pub enum SwapOutcome {
    Swapped { to: String, panes: usize },
    AllExhausted,
}

/// Swap from `from` to `to` (or the next available account): journal, restart every Claude pane
/// of `from` in place, point new panes at the new account, log and announce.
pub fn swap(
    ctx: &Ctx,
    scan: &Scan,
    locked: &mut Locked,
    from: &str,
    to: Option<&str>,
    reason: &str,
    manual: bool,
) -> Result<SwapOutcome> {
    let config = ctx.config;
    let now = ctx.now;
    let target = match to {
        Some(t) => Some(t.to_string()),
        None => {
            let (next, skipped) = next_account_why(config, &locked.state, from, now);
            log_skipped(&locked.store.events_path(), from, next.as_deref(), &skipped);
            next
        }
    };
    let Some(target) = target else {
        if decision::all_exhausted(&mut locked.state, now) {
            let events_path = locked.store.events_path();
            announce(
                ctx,
                &scan.clients,
                &Event::AllExhausted {
                    from: from.to_string(),
                    reason: reason.to_string(),
                },
                Some(format!(
                    "claude-failover: every account is exhausted ({from} hit its limit); nothing restarted: the panes stay on Claude Code's own wait and continue by themselves when the limit resets"
                )),
                &events_path,
            );
        }
        locked.commit()?;
        return Ok(SwapOutcome::AllExhausted);
    };
    let active_name = active(config, &locked.state);
    // Only panes seen running Claude now: a pane whose new Claude was never seen may run
    // anything by now (a shell, an editor), and is never killed.
    let panes: Vec<JournalPane> = scan
        .claude
        .iter()
        .filter(|cp| {
            pane_account(cp, locked.state.panes.get(&cp.pane.id), &active_name).as_deref()
                == Some(from)
        })
        .map(|cp| JournalPane {
            pane: cp.pane.id.clone(),
            session_id: locked
                .state
                .panes
                .get(&cp.pane.id)
                .and_then(|p| p.session_id.clone())
                .or_else(|| cp.session_id.clone()),
            cwd: Some(cp.cwd.clone()),
            done: false,
            outcome: None,
            args: crate::claude_args::own(&cp.process.argv),
        })
        .collect();
    let journal = Journal {
        id: format!("{}-{}", now.as_millisecond(), std::process::id()),
        started: Some(now),
        from: from.to_string(),
        to: target.clone(),
        reason: reason.to_string(),
        panes,
    };
    let count = journal.panes.len();
    locked.state.journal = Some(journal);
    locked.commit()?;
    kill_point("journal");
    let _ = manual;
    finish_journal(ctx, scan, locked)?;
    Ok(SwapOutcome::Swapped {
        to: target,
        panes: count,
    })
}

/// Carry out (or finish) the journaled swap: restart each pane not yet done, then complete.
fn finish_journal(ctx: &Ctx, scan: &Scan, locked: &mut Locked) -> Result<()> {
    let Some(journal) = locked.state.journal.clone() else {
        return Ok(());
    };
    let config = ctx.config;
    let Some(to_dir) = config.account(&journal.to).map(|a| a.dir.clone()) else {
        // The user removed the target account meanwhile: the swap cannot be finished, and a
        // journal that can never complete must not block every later run. Panes not yet
        // restarted stay as they are.
        let why = format!("the account `{}` is no longer configured", journal.to);
        let event = Event::SwapAbandoned {
            journal: journal.id,
            from: journal.from,
            to: journal.to,
            why,
        };
        events::append_at(&locked.store.events_path(), &event);
        locked.state.journal = None;
        locked.commit()?;
        return Ok(());
    };
    let live: BTreeSet<&str> = scan.panes.iter().map(|p| p.id.as_str()).collect();
    // A prompt typed and not sent lives only on screen: such a pane waits like a busy one.
    let todo: Vec<&str> = journal
        .panes
        .iter()
        .filter(|jp| !jp.done && scan.claude.iter().any(|c| c.pane.id == jp.pane))
        .map(|jp| jp.pane.as_str())
        .collect();
    // tmux stops at a pane that vanished meanwhile: then each on its own.
    let screens = panes::capture(ctx.tmux, &todo).unwrap_or_else(|_| {
        todo.iter()
            .filter_map(|p| panes::capture(ctx.tmux, &[p]).ok())
            .flatten()
            .collect()
    });
    let mut restarted = Vec::new();
    for (i, jp) in journal.panes.iter().enumerate() {
        if jp.done {
            continue;
        }
        let sight = decision::JournalSight {
            live: live.contains(jp.pane.as_str()),
            claude: scan.claude.iter().find(|c| c.pane.id == jp.pane).map(|c| {
                decision::ClaudeSight {
                    on_target: c.owner == Owner::Account(journal.to.clone()),
                    started_at: c.started_at,
                    busy: c.busy,
                }
            }),
            typing: screens
                .get(&jp.pane)
                .is_some_and(|s| detect::input::holds_unsent_text(s)),
            pending: locked
                .state
                .panes
                .get(&jp.pane)
                .is_some_and(|p| p.pending.is_some()),
        };
        let outcome = match decision::plan_pane(&journal, &sight) {
            PanePlan::Gone => Outcome::Gone,
            PanePlan::Done => Outcome::Resumed,
            PanePlan::NotClaude => Outcome::NotClaude,
            PanePlan::Defer => {
                // A hook-driven swap may come before any poll saw the pane: the deferral (and
                // the id to resume) must be kept all the same.
                let ps = locked.state.panes.entry(jp.pane.clone()).or_default();
                ps.restart_to = Some(journal.to.clone());
                ps.state = PaneStatus::WaitingIdle;
                if ps.session_id.is_none() {
                    ps.session_id = jp.session_id.clone();
                }
                Outcome::Deferred
            }
            PanePlan::Restart => {
                restart_journal_pane(ctx, scan, locked, jp, &journal.to, &to_dir, &mut restarted)
            }
        };
        if let Some(j) = locked.state.journal.as_mut() {
            j.panes[i].done = true;
            j.panes[i].outcome = Some(outcome);
        }
        locked.commit()?;
        kill_point("pane");
    }
    // A relaunch that fails at once is found now, not reported as resumed.
    for pane in relaunch::wait(ctx, locked, &restarted) {
        if let Some(j) = locked.state.journal.as_mut() {
            for jp in j.panes.iter_mut().filter(|jp| jp.pane == pane) {
                jp.outcome = Some(Outcome::RestartFailed);
            }
        }
    }
    complete_swap(ctx, scan, locked)
}

/// Restart one pane of a journaled swap on the account `to` (folder `to_dir`); a pane that
/// runs Claude again is added to `restarted`, to watch it start.
fn restart_journal_pane(
    ctx: &Ctx,
    scan: &Scan,
    locked: &mut Locked,
    jp: &JournalPane,
    to: &str,
    to_dir: &Path,
    restarted: &mut Vec<relaunch::Restarted>,
) -> Outcome {
    let cwd = jp.cwd.clone().unwrap_or_default();
    let launch = Launch::for_pane(to_dir, &cwd, jp.session_id.as_deref());
    let restart = restart_pane(ctx, &jp.pane, &cwd, to_dir, &launch, &jp.args);
    let restarted_pane = relaunch::Restarted {
        pane: jp.pane.clone(),
        session_id: jp.session_id.clone(),
        to: to.to_string(),
    };
    match restart {
        Ok(()) => {
            let ps = locked.state.panes.entry(jp.pane.clone()).or_default();
            after_restart(ps, to, !matches!(launch, Launch::Message));
            if !matches!(launch, Launch::Message) {
                restarted.push(restarted_pane);
            }
            launch.outcome()
        }
        // One pane tmux refuses must not hold up the others or the journal.
        Err(err) => {
            relaunch::failed(ctx, scan, locked, &restarted_pane, &format!("{err:#}"));
            Outcome::RestartFailed
        }
    }
}

fn after_restart(ps: &mut PaneState, to: &str, resumed: bool) {
    if let Some(p) = ps.pending.take() {
        remember_stale(ps, &p.line);
    }
    ps.account = Some(to.to_string());
    // Taken after the respawn returned: any observation older than this (a concurrent run that
    // captured the pane while we restarted it) is history and is skipped.
    ps.restarted_at = Some(Timestamp::now());
    ps.restart_to = None;
    ps.pid = None;
    ps.started_at = None;
    ps.state = if resumed {
        PaneStatus::Resumed
    } else {
        PaneStatus::ResumeNeeded
    };
}

/// The journal's panes are all handled: make the new account active, log once, announce.
fn complete_swap(ctx: &Ctx, scan: &Scan, locked: &mut Locked) -> Result<()> {
    let Some(journal) = locked.state.journal.clone() else {
        return Ok(());
    };
    let now = ctx.now;
    if let Some(acc) = ctx.config.account(&journal.to) {
        // New shells and panes start on the new account.
        let _ = ctx.tmux.send(&[acc.set_environment()]);
    }
    let cooldown = SignedDuration::from_secs(ctx.config.cooldown as i64);
    decision::swapped(&mut locked.state, &journal, now, cooldown);
    let events_path = locked.store.events_path();
    if !event_logged(&events_path, &journal.id) {
        let panes = journal
            .panes
            .iter()
            .map(|p| SwapPane {
                pane: p.pane.clone(),
                session_id: p.session_id.clone(),
                outcome: p.outcome.clone(),
            })
            .collect();
        let failed = journal
            .panes
            .iter()
            .filter(|p| p.outcome == Some(Outcome::RestartFailed))
            .count();
        let failed = match failed {
            0 => String::new(),
            n => format!(", {n} not restarted"),
        };
        let msg = format!(
            "claude-failover: swapped {} -> {} ({} pane(s){failed}): {}",
            journal.from,
            journal.to,
            journal.panes.len(),
            journal.reason
        );
        announce(
            ctx,
            &scan.clients,
            &Event::Swap {
                journal: journal.id.clone(),
                from: journal.from.clone(),
                to: journal.to.clone(),
                reason: journal.reason.clone(),
                panes,
            },
            Some(msg),
            &events_path,
        );
    }
    kill_point("event");
    locked.state.journal = None;
    locked.commit()?;
    Ok(())
}

/// Was the swap of this journal already logged (by a run killed before it cleared the journal)?
fn event_logged(events: &Path, journal_id: &str) -> bool {
    events::newest_at(events, |e| {
        e["event"] == "swap" && e["journal"] == journal_id
    })
    .is_some()
}

/// Finish a journal left by a run that was killed mid-swap.
pub fn recover(ctx: &Ctx, scan: &Scan, locked: &mut Locked) -> Result<()> {
    if locked.state.journal.is_none() {
        return Ok(());
    }
    finish_journal(ctx, scan, locked)
}

/// Restart panes whose swap waited for them to finish their turn (and their unsent prompt).
pub fn restart_deferred(
    ctx: &Ctx,
    scan: &Scan,
    captures: &HashMap<String, String>,
    locked: &mut Locked,
) -> Result<()> {
    let mut restarted = Vec::new();
    for cp in &scan.claude {
        let Some(ps) = locked.state.panes.get(&cp.pane.id) else {
            continue;
        };
        let Some(to) = ps.restart_to.clone() else {
            continue;
        };
        // A pane deferred by this very poll's swap may not have been captured (its transcript
        // did not grow: typing never grows it): then it is looked at now.
        let typing = || match captures.get(&cp.pane.id) {
            Some(screen) => detect::input::holds_unsent_text(screen),
            None => panes::capture(ctx.tmux, &[cp.pane.id.as_str()])
                .ok()
                .and_then(|s| {
                    s.get(&cp.pane.id)
                        .map(|s| detect::input::holds_unsent_text(s))
                })
                .unwrap_or(false),
        };
        if decision::must_wait(ps.pending.is_some(), cp.busy, typing) {
            continue;
        }
        let Some(dir) = ctx.config.account(&to).map(|a| a.dir.clone()) else {
            continue;
        };
        let id = ps.session_id.clone();
        let launch = Launch::for_pane(&dir, &cp.cwd, id.as_deref());
        let own = crate::claude_args::own(&cp.process.argv);
        let restarted_pane = relaunch::Restarted {
            pane: cp.pane.id.clone(),
            session_id: id.clone(),
            to: to.clone(),
        };
        if let Err(err) = restart_pane(ctx, &cp.pane.id, &cp.cwd, &dir, &launch, &own) {
            relaunch::failed(ctx, scan, locked, &restarted_pane, &format!("{err:#}"));
            continue;
        }
        let ps = locked.state.panes.get_mut(&cp.pane.id).expect("present");
        after_restart(ps, &to, !matches!(launch, Launch::Message));
        let event = Event::PaneRestarted {
            pane: cp.pane.id.clone(),
            to,
            session_id: id,
            deferred: true,
        };
        events::append_at(&locked.store.events_path(), &event);
        if !matches!(launch, Launch::Message) {
            restarted.push(restarted_pane);
        }
    }
    relaunch::wait(ctx, locked, &restarted);
    Ok(())
}

/// What a (re)started pane runs.
#[derive(Clone, Debug, PartialEq)]
pub enum Launch {
    /// Claude resuming this session (its transcript is reachable from the account).
    Resume(String),
    /// Claude with a new conversation: the session never had a turn, so there is nothing to
    /// resume (Claude writes the transcript at the first prompt).
    Fresh,
    /// No valid session id: nothing is launched blind; a message says how to resume.
    Message,
}

impl Launch {
    pub fn for_pane(dir: &Path, cwd: &str, session_id: Option<&str>) -> Launch {
        match session_id.filter(|id| transcript::is_session_id(id)) {
            Some(id) if transcript::transcript_path(dir, cwd, id).is_file() => {
                Launch::Resume(id.to_string())
            }
            Some(_) => Launch::Fresh,
            None => Launch::Message,
        }
    }

    fn outcome(&self) -> Outcome {
        match self {
            Launch::Resume(_) => Outcome::Resumed,
            Launch::Fresh => Outcome::Fresh,
            Launch::Message => Outcome::Shell,
        }
    }
}

/// The POSIX sh script a (re)started pane runs: Claude on the account with the pane's own
/// options (`own`), then the user's shell (so `/exit` leaves a prompt, not a closed pane).
/// Every word is shell-quoted; the session id is a validated UUID. `set -m` gives Claude its
/// own process group, which the shell makes the terminal's foreground one: tmux then names
/// the pane after Claude, not `sh`. A failed Claude leaves its status on screen.
pub fn pane_script(config: &Config, dir: &Path, launch: &Launch, own: &[String]) -> String {
    let mut s = String::from("set -m; ");
    s.push_str(&env_prefix(config, dir));
    match launch {
        Launch::Resume(id) if transcript::is_session_id(id) => {
            s.push_str(&claude_words(config, own));
            s.push_str(" --resume ");
            s.push_str(id);
            s.push_str("; ");
            s.push_str(CLAUDE_STATUS);
        }
        Launch::Fresh => {
            s.push_str(&claude_words(config, own));
            s.push_str("; ");
            s.push_str(CLAUDE_STATUS);
        }
        _ => {
            let msg = format!(
                "claude-failover: this pane now uses {} but its Claude session id was unknown, \
                 so nothing was resumed. Run `{} --resume` to pick the conversation.",
                dir.display(),
                config.command
            );
            s.push_str("printf '%s\\n' ");
            s.push_str(&shell::quote(&msg));
            s.push_str("; ");
        }
    }
    s.push_str("exec \"${SHELL:-/bin/sh}\"");
    s
}

/// The words of a (re)started pane's command: `/bin/sh` run directly (whatever the user's
/// default shell) with the pane script.
pub fn pane_command(config: &Config, dir: &Path, launch: &Launch, own: &[String]) -> Vec<String> {
    let script = pane_script(config, dir, launch, own);
    vec!["/bin/sh".to_string(), "-c".to_string(), script]
}

/// The account's `CLAUDE_CONFIG_DIR` exactly as configured, or none for the default home (see
/// `Account::env`: on macOS the login is keyed on that string).
fn env_prefix(config: &Config, dir: &Path) -> String {
    let value = match config.accounts.iter().find(|a| a.dir == dir) {
        Some(a) => a.env.clone(),
        None => Some(dir.display().to_string()),
    };
    match value {
        Some(v) => format!(
            "CLAUDE_CONFIG_DIR={}; export CLAUDE_CONFIG_DIR; ",
            shell::quote(&v)
        ),
        None => "unset CLAUDE_CONFIG_DIR; ".to_string(),
    }
}

/// After Claude. Suspended (Ctrl-Z; a job of its own under `set -m`): a shell until that shell
/// exits, then Claude again, as `fg` would. Ended: its exit status on screen when it failed
/// (read by `relaunch` to say why).
const CLAUDE_STATUS: &str = "cf_status=$?; \
     while [ \"$cf_status\" -gt 128 ] && [ \"$(kill -l \"$cf_status\" 2>/dev/null)\" = TSTP ]; do \
     printf '\\n%s\\n' 'claude-failover: Claude is suspended; exit this shell to return to it.'; \
     \"${SHELL:-/bin/sh}\"; fg; cf_status=$?; done; \
     [ \"$cf_status\" -eq 0 ] || printf '\\n%s %s\\n' \
     'claude-failover: Claude exited with status' \"$cf_status\"; ";

/// The command, the pane's own options and the configured extra arguments it does not already
/// have, each shell-quoted.
fn claude_words(config: &Config, own: &[String]) -> String {
    let mut s = shell::quote(&config.command);
    for a in &crate::claude_args::merge(own, &config.args) {
        s.push(' ');
        s.push_str(&shell::quote(a));
    }
    s
}

/// `respawn-pane -k` keeps the pane id, window, layout and position; the command is given as
/// separate words so tmux runs `/bin/sh` directly, whatever the user's default shell.
fn restart_pane(
    ctx: &Ctx,
    pane: &str,
    cwd: &str,
    dir: &Path,
    launch: &Launch,
    own: &[String],
) -> Result<()> {
    let cwd = (!cwd.is_empty() && Path::new(cwd).is_dir()).then_some(cwd);
    let argv = pane_command(ctx.config, dir, launch, own);
    // Old screen text (an old limit) must not be read as new after the restart.
    ctx.tmux
        .send(&[
            TmuxCommand::respawn_pane(pane, cwd, &argv),
            TmuxCommand::clear_history(pane),
        ])
        .with_context(|| format!("could not restart pane {pane}"))?;
    Ok(())
}

/// Log an event, run the notify command detached with the event on stdin, and show `message`
/// on every attached client.
pub(crate) fn announce(
    ctx: &Ctx,
    clients: &[String],
    event: &Event,
    message: Option<String>,
    events_path: &Path,
) {
    let record = events::append_at(events_path, event);
    if !ctx.config.notify.is_empty() {
        if let Some(rec) = &record {
            notify(&ctx.config.notify, rec);
        }
    }
    if let Some(msg) = message {
        display(ctx.tmux, clients, &msg);
    }
}

/// Show a message on every attached client (one tmux call).
pub fn display(tmux: &Tmux, clients: &[String], msg: &str) {
    if clients.is_empty() {
        return;
    }
    let cmds: Vec<TmuxCommand> = clients
        .iter()
        .map(|c| TmuxCommand::display_message(c, msg))
        .collect();
    if tmux.send(&cmds).is_err() {
        // tmux 3.2a takes display-message's `-c` as a flag without a value (a usage error):
        // there the message can only go to the client tmux picks.
        let _ = tmux.send(&[TmuxCommand::display_message_on_any_client(msg)]);
    }
}

/// Run the user's notify command through `sh -c`, detached: stdin gets the event JSON, output
/// goes nowhere, and we never wait for it (a slow webhook must not hold a tick).
fn notify(command: &str, event: &Value) {
    let child = Command::new("/bin/sh")
        .arg("-c")
        .arg(command)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    match child {
        Ok(mut child) => {
            if let Some(mut stdin) = child.stdin.take() {
                let data = format!("{event}\n");
                // Small enough for the pipe buffer: this never blocks.
                let _ = stdin.write_all(data.as_bytes());
            }
        }
        Err(err) => eprintln!("claude-failover: could not run @claude-failover-notify: {err}"),
    }
}

/// Test-only fault injection: `CLAUDE_FAILOVER_TEST_KILL_AT=<point>` makes the process kill
/// itself with SIGKILL at that point, so tests can prove a killed swap is finished later.
/// Compiled only into test builds (debug, or the `test-hooks` feature), never into a release.
fn kill_point(point: &str) {
    if cfg!(any(debug_assertions, feature = "test-hooks"))
        && std::env::var("CLAUDE_FAILOVER_TEST_KILL_AT").as_deref() == Ok(point)
    {
        // SAFETY: sending a signal to ourselves has no memory-safety preconditions.
        unsafe {
            libc::kill(std::process::id() as libc::pid_t, libc::SIGKILL);
        }
    }
}

/// The binary's own path, for commands tmux runs later.
pub fn self_path() -> PathBuf {
    std::env::current_exe().unwrap_or_else(|_| PathBuf::from("claude-failover"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(args: &str) -> Config {
        crate::options::from_pairs(&[
            ("@claude-failover-accounts", "a=/x b=/y"),
            ("@claude-failover-args", args),
        ])
        .unwrap()
    }

    #[test]
    fn pane_scripts_quote_every_word() {
        let c = config(r#"--model "opus 5" '$(rm -rf ~)'"#);
        let dir = Path::new("/home/me/it's a dir");
        let id = "cc2f0417-2ae8-48a3-a00a-f75185159949";
        let own = vec!["--add-dir".to_string(), "it's here".to_string()];
        let s = pane_script(&c, dir, &Launch::Resume(id.into()), &own);
        assert_eq!(
            s,
            format!(
                "set -m; CLAUDE_CONFIG_DIR='/home/me/it'\\''s a dir'; export CLAUDE_CONFIG_DIR; \
                 claude --add-dir 'it'\\''s here' --model 'opus 5' '$(rm -rf ~)' --resume {id}; \
                 {CLAUDE_STATUS}exec \"${{SHELL:-/bin/sh}}\""
            )
        );
        // Run it through a real sh with `claude` replaced by a recorder: the words arrive intact.
        let run = &s[..s.find("; cf_status").unwrap()];
        let out = std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(run.replace("claude --add-dir", "printf '<%s>' --add-dir"))
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            format!("<--add-dir><it's here><--model><opus 5><$(rm -rf ~)><--resume><{id}>")
        );
    }

    #[test]
    fn an_invalid_id_never_reaches_the_command_line() {
        let c = config("");
        let s = pane_script(
            &c,
            Path::new("/x"),
            &Launch::Resume("$(reboot)".into()),
            &[],
        );
        assert!(!s.contains("reboot"), "{s}");
        assert!(s.contains("nothing was resumed"));
        assert_eq!(
            Launch::for_pane(Path::new("/x"), "/w", Some("not-a-uuid")),
            Launch::Message
        );
        assert_eq!(
            Launch::for_pane(Path::new("/x"), "/w", None),
            Launch::Message
        );
        assert_eq!(
            Launch::for_pane(
                Path::new("/nonexistent"),
                "/w",
                Some("cc2f0417-2ae8-48a3-a00a-f75185159949")
            ),
            Launch::Fresh
        );
    }

    #[test]
    fn next_account_skips_exhausted_ones_and_wraps() {
        let root = std::env::temp_dir().join(format!("cf-next-{}", std::process::id()));
        let c = crate::options::from_pairs(&[
            (
                "@claude-failover-accounts",
                &format!("a={0}/a b={0}/b c={0}/c", root.display()),
            ),
            (
                "@claude-failover-shared-dir",
                &format!("{}/shared", root.display()),
            ),
        ])
        .unwrap();
        assert!(crate::links::ensure(&c, false).is_empty());
        for a in &c.accounts {
            std::fs::write(a.dir.join(".credentials.json"), "").unwrap();
        }
        let now = Timestamp::now();
        let mut st = crate::state::fresh();
        assert_eq!(next_account(&c, &st, "a", now).as_deref(), Some("b"));
        assert_eq!(next_account(&c, &st, "c", now).as_deref(), Some("a"));
        st.accounts.entry("b".into()).or_default().exhausted_until =
            Some(now.checked_add(SignedDuration::from_hours(1)).unwrap());
        assert_eq!(next_account(&c, &st, "a", now).as_deref(), Some("c"));
        st.accounts.entry("c".into()).or_default().exhausted_until =
            Some(now.checked_add(SignedDuration::from_hours(1)).unwrap());
        assert_eq!(next_account(&c, &st, "a", now), None);
        // A past reset no longer counts.
        st.accounts.entry("b".into()).or_default().exhausted_until =
            Some(now.checked_sub(SignedDuration::from_secs(1)).unwrap());
        assert_eq!(next_account(&c, &st, "a", now).as_deref(), Some("b"));
        // An account whose links are wrong is never a target.
        std::fs::remove_file(root.join("b/projects")).unwrap();
        assert_eq!(next_account(&c, &st, "a", now), None);
        st.accounts.remove("c");
        assert_eq!(next_account(&c, &st, "a", now).as_deref(), Some("c"));
        // Nor is an account that is not logged in; the reason says so.
        std::fs::remove_file(root.join("c/.credentials.json")).unwrap();
        let (next, skipped) = next_account_why(&c, &st, "a", now);
        assert_eq!(next, None);
        assert_eq!(skipped[0].1, Skip::Links);
        assert!(
            matches!(&skipped[1].1, Skip::NotLoggedIn(why) if why.contains(".credentials.json"))
        );
        let _ = std::fs::remove_dir_all(&root);
    }
}
