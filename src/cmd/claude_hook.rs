//! `claude-hook`: the command Claude Code runs on `StopFailure` (installed by `claude-hooks
//! install`). It must never slow Claude: it saves the payload and its environment to a file and
//! hands the work to tmux (`run-shell -b`, so the swap is not a child of the Claude process it
//! restarts), prints nothing and exits 0. tmux then runs `claude-hook --job FILE`, which waits
//! for the evidence and swaps under the lock exactly as a tick does.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use jiff::Timestamp;

use crate::events::{self, Event};
use crate::failover::{self, Ctx};
use crate::panes;
use crate::state::Store;
use crate::stop_failure::{self, Evidence, Job, Payload};
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
    // Only a rate-limit stop inside tmux can lead anywhere.
    let pane = std::env::var("TMUX_PANE")
        .ok()
        .filter(|p| p.starts_with('%'));
    if !payload.may_be_limit() || pane.is_none() || std::env::var_os("TMUX").is_none() {
        return Ok(());
    }
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
    let store = Store::open()?;
    let dir = jobs_dir(&store)?;
    let file = dir.join(format!(
        "{}-{}.json",
        job.received_at.map(|t| t.as_millisecond()).unwrap_or(0),
        std::process::id()
    ));
    crate::fsutil::write_atomic(&file, &serde_json::to_vec(&job)?)?;
    let mut cmd = crate::shell::quote(&failover::self_path().display().to_string());
    for flag in tmux.global_flags() {
        cmd.push(' ');
        cmd.push_str(&crate::shell::quote(&flag.to_string_lossy()));
    }
    cmd.push_str(" claude-hook --job ");
    cmd.push_str(&crate::shell::quote(&file.display().to_string()));
    // run-shell expands formats in its command: a `#` in a path must stay a `#`.
    let cmd = cmd.replace('#', "##");
    if let Err(err) = tmux.run(&["run-shell", "-b", &cmd]) {
        let _ = std::fs::remove_file(&file);
        return Err(err.context("could not hand the StopFailure hook to tmux"));
    }
    Ok(())
}

fn jobs_dir(store: &Store) -> Result<PathBuf> {
    let dir = store.dir.join("hook-jobs");
    crate::fsutil::private_dir(&dir)?;
    Ok(dir)
}

/// The detached half: decide from the evidence, then swap like a confirmed tick.
fn work(tmux: &Tmux, file: &Path) -> Result<()> {
    let store = Store::open()?;
    let dir = jobs_dir(&store)?;
    // Only our own job files, never a path someone passed us.
    if file.parent() != Some(dir.as_path()) {
        bail!("{} is not a hook job of ours", file.display());
    }
    let bytes =
        std::fs::read(file).with_context(|| format!("could not read {}", file.display()))?;
    let _ = std::fs::remove_file(file);
    let job: Job = serde_json::from_slice(&bytes).context("a hook job file is damaged")?;
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
