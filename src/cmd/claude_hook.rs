//! `claude-hook`: the command Claude Code runs on `StopFailure` and `Stop` (installed by `claude-hooks
//! install`). It must never slow Claude: it saves the payload and its environment to a file and
//! hands the work to tmux (`run-shell -b`, so the swap is not a child of the Claude process it
//! restarts), prints nothing and exits 0. tmux then runs `claude-hook --job FILE`, which waits
//! for the evidence and swaps under the lock exactly as a tick does.
//!
//! On `Stop` (every turn's end) it does nothing unless a swap deferred this pane's restart until
//! its turn ended: then the job restarts it as soon as Claude says it is idle, not at the next poll.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime};

use anyhow::{bail, Context, Result};
use jiff::Timestamp;

use crate::events::{self, Event, StopDecision};
use crate::failover::{self, Ctx};
use crate::hook_jobs;
use crate::panes;
use crate::state::{PaneStatus, Store};
use crate::stop_failure::{self, Evidence, HookEvent, Job, Payload};
use crate::tmux::Tmux;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Run a saved hook job (what tmux runs in the background)
    #[arg(long, value_name = "FILE")]
    pub job: Option<PathBuf>,
}

/// Longest hook input read; a payload is a few KB.
const MAX_INPUT: u64 = 1 << 20;

pub fn run(tmux: &Tmux, args: Args) -> Result<ExitCode> {
    let result = match &args.job {
        None => hand_off(tmux),
        Some(file) => work(tmux, file),
    };
    if let Err(err) = result {
        super::tick::report_error(&err);
    }
    Ok(ExitCode::SUCCESS)
}

/// Save the job and ask tmux to run it; nothing else happens in Claude's hook.
fn hand_off(tmux: &Tmux) -> Result<()> {
    let mut input = Vec::new();
    std::io::stdin()
        .take(MAX_INPUT)
        .read_to_end(&mut input)
        .context("could not read the hook input")?;
    let payload: Payload =
        serde_json::from_slice(&input).context("the hook input is not the JSON Claude sends")?;
    // Only a rate-limit stop, or the end of a turn a swap waits for, inside tmux leads anywhere.
    let pane = std::env::var("TMUX_PANE")
        .ok()
        .filter(|p| p.starts_with('%'));
    let (Some(pane_id), Some(_)) = (&pane, std::env::var_os("TMUX")) else {
        return Ok(());
    };
    let store = match payload.event() {
        HookEvent::StopFailure if payload.may_be_limit() => Store::open()?,
        // Every turn of every pane ends in a Stop: one unlocked read of the state, nothing more.
        HookEvent::Stop => {
            let store = Store::open()?;
            if !restart_waits(&store.read(), pane_id) {
                return Ok(());
            }
            store
        }
        _ => return Ok(()),
    };
    let job = Job {
        received_at: Some(Timestamp::now()),
        transcript_len: stop_failure::transcript_len(&payload),
        pane,
        claude_pid: std::env::var("CLAUDE_PID")
            .ok()
            .and_then(|p| p.parse().ok()),
        config_dir: std::env::var_os("CLAUDE_CONFIG_DIR")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from),
        payload,
    };
    let dir = hook_jobs::dir(&store)?;
    let file = hook_jobs::new_path(&dir, job.received_at);
    crate::fsutil::write_atomic(&file, &serde_json::to_vec(&job)?)?;
    hook_jobs::sweep(&dir, SystemTime::now());
    let mut cmd = crate::shell::quote(&failover::self_path().display().to_string());
    for flag in tmux.global_flags() {
        cmd.push(' ');
        cmd.push_str(&crate::shell::quote(&flag.to_string_lossy()));
    }
    cmd.push_str(" claude-hook --job ");
    cmd.push_str(&crate::shell::quote(&file.display().to_string()));
    if let Err(err) = tmux.send(&[crate::tmux::command::TmuxCommand::run_shell(&cmd)]) {
        let _ = std::fs::remove_file(&file);
        return Err(err.context("could not hand the hook to tmux"));
    }
    Ok(())
}

/// Does a swap wait for this pane's turn to end: a restart deferred until it is idle, or a
/// swap still under way that has not reached it yet (it may defer it any moment)?
fn restart_waits(state: &crate::state::State, pane: &str) -> bool {
    state
        .panes
        .get(pane)
        .is_some_and(|p| p.restart_to.is_some())
        || state
            .journal
            .as_ref()
            .is_some_and(|j| j.panes.iter().any(|jp| jp.pane == pane && !jp.done))
}

/// The detached half: decide from the evidence, then swap like a confirmed tick.
fn work(tmux: &Tmux, file: &Path) -> Result<()> {
    let store = Store::open()?;
    let dir = hook_jobs::dir(&store)?;
    // Only our own job files, never a path someone passed us.
    let named = file
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(hook_jobs::is_job_name);
    if file.parent() != Some(dir.as_path()) || !named {
        bail!("{} is not a hook job of ours", file.display());
    }
    let bytes =
        std::fs::read(file).with_context(|| format!("could not read {}", file.display()))?;
    let _ = std::fs::remove_file(file);
    hook_jobs::sweep(&dir, SystemTime::now());
    let job: Job = serde_json::from_slice(&bytes).context("a hook job file is damaged")?;
    if job.payload.event() == HookEvent::Stop {
        return finish_deferred(tmux, &store, &job);
    }
    let pane = job.pane.clone().unwrap_or_default();
    let started = job.claude_pid.and_then(|pid| {
        crate::procs::Procs::new()
            .info(pid)
            .and_then(|i| i.started_at)
    });
    let evidence = stop_failure::evidence(&job, started);
    let source = evidence.source();
    let logged = |decision: String, why: Option<String>| Event::ClaudeHook {
        pane: pane.clone(),
        session_id: job.payload.session_id.clone(),
        error: job.payload.error.clone(),
        evidence: source.into(),
        waited_ms: job
            .received_at
            .map(|t| Timestamp::now().duration_since(t).as_millis() as i64),
        decision,
        why,
    };
    let (detection, seen) = match evidence {
        Evidence::Record(d, at) => (d, at),
        Evidence::Message(d) => (d, job.received_at.unwrap_or_else(Timestamp::now)),
        Evidence::NotALimit(why) => {
            let event = logged("ignored".into(), Some(why));
            events::append_at(&store.events_path(), &event);
            return Ok(());
        }
    };
    let mut locked = store.lock()?;
    let scan = panes::scan(tmux)?;
    let config = scan.config()?;
    let now = Timestamp::now();
    let ctx = Ctx {
        tmux,
        config: &config,
        now,
        restart_watch: crate::relaunch::WAIT,
    };
    failover::recover(&ctx, &scan, &mut locked)?;
    let decision = decide(&scan, &locked.state, &job, &config);
    let said = match &decision {
        Ok(_) => "limit".to_string(),
        Err(why) => why.clone(),
    };
    events::append_at(&store.events_path(), &logged(said, None));
    let Ok(account) = decision else {
        return Ok(());
    };
    failover::act_on_limit(&ctx, &scan, &mut locked, &account, &pane, &detection, seen)?;
    locked.commit()?;
    Ok(())
}

/// The account whose limit this is, or why nothing is done: the pane must still run the
/// Claude that fired the hook (not restarted since), on a configured account.
fn decide(
    scan: &panes::Scan,
    state: &crate::state::State,
    job: &Job,
    config: &crate::options::Config,
) -> std::result::Result<String, String> {
    let pane = job.pane.as_deref().unwrap_or_default();
    let Some(cp) = scan.claude.iter().find(|c| c.pane.id == pane) else {
        return Err(format!("pane {pane} no longer runs Claude"));
    };
    let ps = state.panes.get(pane);
    if let (Some(r), Some(t)) = (ps.and_then(|p| p.restarted_at), job.received_at) {
        if r >= t {
            return Err(format!("pane {pane} was restarted after the hook fired"));
        }
    }
    let active = failover::active(config, state);
    failover::pane_account(cp, ps, &active)
        .ok_or_else(|| format!("pane {pane} runs Claude on an account that is not configured"))
}

/// How long a Stop job waits for its pane to be idle: Claude runs every `Stop` hook (the
/// user's too, up to their timeout) before its status says idle.
const IDLE_WAIT: Duration = Duration::from_secs(30);
const IDLE_POLL: Duration = Duration::from_millis(20);
/// Longest wait for the lock (a swap restarting many panes holds it for seconds).
const LOCK_WAIT: Duration = Duration::from_secs(60);

/// The `Stop` half: the turn a deferred restart waited for has ended. Once Claude says it is
/// idle, restart the deferred panes through the tick's own path, under the lock.
fn finish_deferred(tmux: &Tmux, store: &Store, job: &Job) -> Result<()> {
    let pane = job.pane.clone().unwrap_or_default();
    let idle = wait_idle(job);
    let waited_ms = job
        .received_at
        .map(|t| Timestamp::now().duration_since(t).as_millis() as i64);
    let log = |decision| {
        let event = Event::StopHook {
            pane: pane.clone(),
            session_id: job.payload.session_id.clone(),
            waited_ms,
            decision,
        };
        events::append_at(&store.events_path(), &event);
    };
    // Quietly (tmux may show what a job prints): a swap under way holds the lock for a while.
    let Some(mut locked) = store.lock_within(LOCK_WAIT)? else {
        log(StopDecision::LockBusy);
        return Ok(());
    };
    let scan = panes::scan(tmux)?;
    let config = scan.config()?;
    let ctx = Ctx {
        tmux,
        config: &config,
        now: Timestamp::now(),
        restart_watch: crate::relaunch::WAIT,
    };
    failover::recover(&ctx, &scan, &mut locked)?;
    let waiting = |l: &crate::state::Locked| {
        l.state
            .panes
            .get(&pane)
            .is_some_and(|p| p.restart_to.is_some())
    };
    let decision = if !waiting(&locked) {
        StopDecision::NothingDeferred
    } else {
        failover::restart_deferred(&ctx, &scan, &Default::default(), &mut locked)?;
        let failed = locked
            .state
            .panes
            .get(&pane)
            .is_some_and(|p| p.state == PaneStatus::RestartFailed);
        match (failed, waiting(&locked), idle) {
            (true, _, _) => StopDecision::RestartFailed,
            (false, false, _) => StopDecision::Restarted,
            // Typing a prompt, or a new turn already: the next Stop or poll tries again.
            (false, true, true) => StopDecision::NotRestarted,
            (false, true, false) => StopDecision::StillBusy,
        }
    };
    log(decision);
    locked.commit()?;
    Ok(())
}

/// Wait (up to `IDLE_WAIT`) until the Claude that ran the hook says it is idle in its live
/// session file; false when it still says busy. Releases without that file (before 2.1.150)
/// say nothing: then the scan decides at once, as a tick would.
fn wait_idle(job: &Job) -> bool {
    let Some(pid) = job.claude_pid else {
        return true;
    };
    let config_dir = match &job.config_dir {
        Some(d) => d.clone(),
        None => match crate::accounts::home() {
            Ok(h) => h.join(".claude"),
            Err(_) => return true,
        },
    };
    let deadline = Instant::now() + IDLE_WAIT;
    loop {
        match panes::read_session_file(&config_dir, pid) {
            Some(f) if f.busy => {}
            _ => return true,
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(IDLE_POLL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{Journal, JournalPane, PaneState, State};

    #[test]
    fn a_stop_is_wanted_only_where_a_swap_waits_for_the_pane() {
        let mut state = State::default();
        assert!(!restart_waits(&state, "%1"));
        state.panes.insert("%1".into(), PaneState::default());
        assert!(!restart_waits(&state, "%1"));
        state.panes.get_mut("%1").unwrap().restart_to = Some("b".into());
        assert!(restart_waits(&state, "%1"));
        assert!(!restart_waits(&state, "%2"));
        // A swap under way that has not reached %2 yet may defer it any moment.
        state.journal = Some(Journal {
            panes: vec![
                JournalPane {
                    pane: "%2".into(),
                    ..JournalPane::default()
                },
                JournalPane {
                    pane: "%3".into(),
                    done: true,
                    ..JournalPane::default()
                },
            ],
            ..Journal::default()
        });
        assert!(restart_waits(&state, "%2"));
        assert!(!restart_waits(&state, "%3"));
    }
}
