use std::process::ExitCode;

use anyhow::Result;
use jiff::Timestamp;

use crate::failover::{self, Ctx, SwapOutcome};
use crate::panes;
use crate::state::Store;
use crate::tmux::Tmux;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The account to swap to (default: the next one in order that is not exhausted)
    #[arg(long, value_name = "NAME")]
    pub to: Option<String>,
    /// Why, for the event log and the notification
    #[arg(long, value_name = "TEXT", default_value = "manual")]
    pub reason: String,
    /// Report with tmux display-message (for the key binding) instead of printing
    #[arg(long, hide = true)]
    pub display: bool,
}

/// Exit 0 when swapped, 1 when refused (the reason is printed), 2 on error.
pub fn run(tmux: &Tmux, args: Args) -> Result<ExitCode> {
    let (code, message) = match swap(tmux, &args) {
        Ok(Ok(msg)) => (0, msg),
        Ok(Err(refusal)) => (1, format!("claude-failover: swap refused: {refusal}")),
        Err(err) => (2, format!("claude-failover: swap failed: {err:#}")),
    };
    if args.display {
        let clients = panes::scan(tmux).map(|s| s.clients).unwrap_or_default();
        failover::display(tmux, &clients, &message);
        if code == 2 {
            super::tick::report_error(&anyhow::anyhow!("{message}"));
        }
    } else if code == 0 {
        println!("{message}");
    } else {
        eprintln!("{message}");
    }
    Ok(ExitCode::from(code))
}

/// `Ok(Err(reason))` is a refusal, `Err` a failure.
fn swap(tmux: &Tmux, args: &Args) -> Result<std::result::Result<String, String>> {
    let store = Store::open()?;
    // Under the lock: the scan must see what every swap before ours did.
    let mut locked = store.lock()?;
    let scan = panes::scan(tmux)?;
    let config = scan.config()?;
    let now = Timestamp::now();
    let from = failover::active(&config, &locked.state);
    let to = match &args.to {
        Some(name) => {
            let Some(acc) = config.account(name) else {
                let names: Vec<&str> = config.accounts.iter().map(|a| a.name.as_str()).collect();
                return Ok(Err(format!(
                    "there is no account `{name}` (accounts: {})",
                    names.join(", ")
                )));
            };
            if *name == from {
                return Ok(Err(format!("`{name}` is already the active account")));
            }
            let problems = crate::links::check_account(&config, acc);
            if let Some(p) = problems.first() {
                return Ok(Err(format!(
                    "the shared links of `{name}` are not right: {}: {} {}",
                    p.path.display(),
                    p.problem,
                    p.fix
                )));
            }
            name.clone()
        }
        None => match failover::next_account(&config, &locked.state, &from, now) {
            Some(next) => next,
            None => {
                return Ok(Err(format!(
                    "no other account is available (all exhausted, or their shared links are not right; see `claude-failover status`); `{from}` stays active"
                )))
            }
        },
    };
    let ctx = Ctx {
        tmux,
        config: &config,
        now,
        restart_watch: crate::relaunch::WAIT,
    };
    // A journal left by a killed run is finished first.
    if locked.state.journal.is_some() {
        failover::recover(&ctx, &scan, &mut locked)?;
    }
    match failover::swap(&ctx, &scan, &mut locked, &from, Some(&to), &args.reason, true)? {
        SwapOutcome::Swapped { to, panes } => Ok(Ok(format!(
            "claude-failover: swapped {from} -> {to} ({panes} Claude pane(s) restarted or scheduled)"
        ))),
        SwapOutcome::AllExhausted => Ok(Err("no account is available".into())),
    }
}
