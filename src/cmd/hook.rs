use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::failover;
use crate::shell;
use crate::state::Store;
use crate::tmux::command::TmuxCommand;
use crate::tmux::Tmux;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The tmux hook or occasion that ran us (`load` also points tmux's global
    /// CLAUDE_CONFIG_DIR at the active account)
    #[arg(long, value_name = "NAME")]
    pub event: Option<String>,
    /// Keep polling with no client attached: re-arm `run-shell -b -d` while the option
    /// @claude-failover-chain still holds this token
    #[arg(long, value_name = "TOKEN")]
    pub chain: Option<String>,
}

/// A hook prints nothing and always exits 0; errors go to the log.
pub fn run(tmux: &Tmux, args: Args) -> Result<ExitCode> {
    if let Err(err) = hook(tmux, &args) {
        super::tick::report_error(&err);
    }
    Ok(ExitCode::SUCCESS)
}

fn hook(tmux: &Tmux, args: &Args) -> Result<()> {
    let mut next = None;
    if let Some(token) = &args.chain {
        let (current, interval) = crate::options::read_chain(tmux)?;
        if current.as_ref() != Some(token) {
            // A reload started a newer chain: this one ends here.
            return Ok(());
        }
        next = Some((token, interval));
    }
    let result = super::tick::poll(tmux).map(|_| ());
    if args.event.as_deref() == Some("load") {
        point_new_panes_at_active(tmux)?;
    }
    if let Some((token, interval)) = next {
        rearm(tmux, token, interval)?;
    }
    result
}

/// New shells and panes start on the active account.
fn point_new_panes_at_active(tmux: &Tmux) -> Result<()> {
    let config = crate::options::read(tmux)?;
    let state = Store::open()?.read();
    let active = failover::active(&config, &state);
    if let Some(acc) = config.account(&active) {
        tmux.send(&[acc.set_environment()])?;
    }
    Ok(())
}

fn rearm(tmux: &Tmux, token: &str, interval: u64) -> Result<()> {
    let mut cmd = shell::quote(&failover::self_path().display().to_string());
    for flag in tmux.global_flags() {
        cmd.push(' ');
        cmd.push_str(&shell::quote(&flag.to_string_lossy()));
    }
    cmd.push_str(" hook --chain ");
    cmd.push_str(&shell::quote(token));
    tmux.send(&[TmuxCommand::run_shell_later(interval, &cmd)])
        .context("could not schedule the next poll")?;
    Ok(())
}
