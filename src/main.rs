//! `claude-failover`: keeps Claude Code sessions in tmux working across account usage limits.
//!
//! The Claude Code simulator that the demo and the tests run in panes is another binary,
//! `claude-sim` (src/simulator/), with none of its code in this one.

mod accounts;
mod claude_args;
mod claude_settings;
mod claude_statusline;
mod cli;
mod cmd;
mod decision;
mod detect;
mod events;
mod failover;
mod fsutil;
mod hook_jobs;
mod idle_poll;
mod json_text;
mod links;
mod login;
mod options;
mod panes;
mod preempt;
mod procs;
mod relaunch;
mod sha256;
mod shell;
mod state;
mod status_line;
mod stop_failure;
mod takeover;
mod tmux;
mod transcript;
mod usage;
mod zone;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}
