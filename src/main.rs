//! `claude-failover`: keeps Claude Code sessions in tmux working across account usage limits.
//!
//! Invoked as `claude` (through a symlink) the same binary is the Claude Code simulator that the
//! demo and the tests run in panes; see `simulator`.

mod accounts;
mod claude_args;
mod claude_settings;
mod claude_statusline;
mod cli;
mod cmd;
mod detect;
mod events;
mod failover;
mod fsutil;
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
mod simulator;
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
    if simulator::invoked_as_claude() {
        return simulator::main();
    }
    cli::main()
}
