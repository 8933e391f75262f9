//! The command line: argument definitions and dispatch. Exit codes are documented in README.md:
//! 0 success, 1 refused or problems found, 2 usage or internal error.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};

use crate::tmux::Tmux;

/// Exit code for a usage error or an internal failure.
pub const EXIT_ERROR: u8 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "claude-failover",
    version,
    about = "Keep Claude Code sessions in tmux working when an account hits its usage limit",
    long_about = "Keep Claude Code sessions in tmux working when an account hits its usage limit.\n\n\
        Watches every tmux pane that runs Claude Code (from tmux hooks, a status-line segment and \
        key bindings: no resident process), confirms a real usage limit, and restarts every \
        affected pane in place on the next account with `--resume <its session id>`."
)]
pub struct Cli {
    /// tmux socket name (as `tmux -L`), passed to every tmux call
    #[arg(short = 'L', global = true, value_name = "NAME")]
    pub socket_name: Option<OsString>,

    /// tmux socket path (as `tmux -S`), passed to every tmux call
    #[arg(short = 'S', global = true, value_name = "PATH")]
    pub socket_path: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// One poll of every Claude pane: capture, detect, confirm, swap when confirmed.
    /// Prints the status segment; always exits 0.
    Tick(crate::cmd::tick::Args),
    /// Classify a pane capture (FILE, or stdin) as quota / server-error / none; touches no state.
    Detect(crate::cmd::detect::Args),
    /// Swap to the next (or the named) account now, under the lock; ignores cooldown.
    Swap(crate::cmd::swap::Args),
    /// Show the whole picture: active account, accounts, cooldown, last swap, Claude panes.
    Status(crate::cmd::status::Args),
    /// Verify or create the shared links (projects, file-history, session-env) of every account.
    Links(crate::cmd::links::Args),
    /// Create the declared sessions (@claude-failover-sessions) that are missing, resuming each.
    Up(crate::cmd::up::Args),
    /// Show the event log.
    Events(crate::cmd::events::Args),
    /// Run the whole failover loop on a throwaway tmux server with simulated accounts.
    Demo(crate::cmd::demo::Args),
    /// The statusLine wrapper: records the session's rate limits for its account, then runs
    /// the user's own statusLine command (given after `--`) with the same input.
    Statusline(crate::cmd::statusline::Args),
    /// Tmux hook entry point: a quiet tick that prints nothing and always exits 0.
    #[command(hide = true)]
    Hook(crate::cmd::hook::Args),
    /// Install, check or remove the plugin's Claude Code hooks in every account's settings.json.
    ClaudeHooks(crate::cmd::claude_hooks::Args),
    /// Claude Code hook entry point (StopFailure): prints nothing and always exits 0.
    #[command(hide = true)]
    ClaudeHook(crate::cmd::claude_hook::Args),
}

pub fn main() -> ExitCode {
    crate::zone::sanitize_tz();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return match err.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    ExitCode::SUCCESS
                }
                _ => ExitCode::from(EXIT_ERROR),
            };
        }
    };
    // The statusLine wrapper too: a user command that never reads its input must not end it.
    if !matches!(
        cli.command,
        Command::Tick(_) | Command::Hook(_) | Command::Statusline(_)
    ) {
        quiet_on_closed_pipe();
    }
    match run(cli) {
        Ok(code) => code,
        // The reader went away (`events | head`): nothing more to say, and no one to say it to.
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("claude-failover: {err:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// Commands that print for a person or a pipe end as `cat` does when the reader closes the pipe
/// (`status --json | head -n1`): killed by SIGPIPE, silently, instead of a panic in `println!`
/// (Rust ignores SIGPIPE, so the write fails and `println!` panics). Every command that writes
/// state is safe to stop at any step (journal, adopt steps). The status line's `tick` and the
/// hooks keep SIGPIPE ignored: they finish their work and ignore a failed write.
fn quiet_on_closed_pipe() {
    // SAFETY: restoring a signal's default action has no preconditions.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn run(cli: Cli) -> Result<ExitCode> {
    let tmux = Tmux::from_flags(cli.socket_name, cli.socket_path);
    match cli.command {
        Command::Tick(args) => crate::cmd::tick::run(&tmux, args),
        Command::Detect(args) => crate::cmd::detect::run(args),
        Command::Swap(args) => crate::cmd::swap::run(&tmux, args),
        Command::Status(args) => crate::cmd::status::run(&tmux, args),
        Command::Links(args) => crate::cmd::links::run(&tmux, args),
        Command::Up(args) => crate::cmd::up::run(&tmux, args),
        Command::Events(args) => crate::cmd::events::run(args),
        Command::Demo(args) => crate::cmd::demo::run(args),
        Command::Hook(args) => crate::cmd::hook::run(&tmux, args),
        Command::Statusline(args) => crate::cmd::statusline::run(args),
        Command::ClaudeHooks(args) => crate::cmd::claude_hooks::run(&tmux, args),
        Command::ClaudeHook(args) => crate::cmd::claude_hook::run(&tmux, args),
    }
}
