//! One file a subcommand.

pub mod demo;
pub mod detect;
pub mod events;
pub mod hook;
pub mod links;
pub mod status;
pub mod swap;
pub mod tick;
pub mod up;

use std::process::ExitCode;

/// For capabilities that have not landed yet: exit 2 with a sentence.
pub fn not_implemented(what: &str) -> anyhow::Result<ExitCode> {
    eprintln!("claude-failover: `{what}` is not implemented yet");
    Ok(ExitCode::from(crate::cli::EXIT_ERROR))
}
