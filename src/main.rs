//! `claude-failover`: keeps Claude Code sessions in tmux working across account usage limits.
//!
//! The Claude Code simulator that the demo and the tests run in panes is another binary,
//! `claude-sim` (src/simulator/), with none of its code in this one.

mod accounts;
mod claude_args;
mod claude_settings;
mod cli;
mod cmd;
mod detect;
mod events;
mod failover;
mod fsutil;
mod idle_poll;
mod json_text;
mod links;
mod options;
mod panes;
mod procs;
mod relaunch;
mod shell;
mod state;
mod status_line;
mod stop_failure;
mod tmux;
mod transcript;
mod zone;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}
