use std::process::ExitCode;

use anyhow::Result;

use crate::links::Problem;
use crate::tmux::Tmux;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub action: Action,
}

#[derive(clap::Subcommand, Debug)]
pub enum Action {
    /// Report every problem of every account's shared links (exit 1 when there are any)
    Check {
        /// Print the problems as a JSON array
        #[arg(long)]
        json: bool,
    },
    /// Create the shared folders and links that are missing; report what cannot be fixed safely
    Ensure {
        /// Move the contents of existing real folders into the shared folder, then link them
        #[arg(long)]
        adopt: bool,
        /// Print the remaining problems as a JSON array
        #[arg(long)]
        json: bool,
    },
}

pub fn run(tmux: &Tmux, args: Args) -> Result<ExitCode> {
    let config = crate::options::read(tmux)?;
    let checking = matches!(args.action, Action::Check { .. });
    let (outcome, json) = match args.action {
        Action::Check { json } => (
            crate::links::Outcome {
                done: Vec::new(),
                problems: crate::links::check(&config),
            },
            json,
        ),
        Action::Ensure { adopt, json } => (crate::links::ensure_outcome(&config, adopt), json),
    };
    let problems = &outcome.problems;
    if json {
        println!("{}", serde_json::to_string_pretty(problems)?);
    } else {
        for line in &outcome.done {
            println!("{line}");
        }
        for p in problems {
            println!("{}", line(p));
        }
        println!("{}", summary(&config, problems));
    }
    if checking && !json {
        // Not a links problem (stdout and the exit code stay as they were), but part of the
        // same "is this account ready" look.
        let binary = crate::failover::self_path();
        for a in &config.accounts {
            let (installed, detail) = crate::cmd::claude_hooks::hook_state(a, &binary);
            if !installed {
                eprintln!(
                    "{}: hooks not installed ({detail}): limits or deferred restarts wait for \
                     the screen polls; run `claude-failover claude-hooks install`",
                    a.name
                );
            }
        }
    }
    Ok(if problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn line(p: &Problem) -> String {
    format!(
        "{}: {}: {} Fix: {}",
        p.account,
        p.path.display(),
        p.problem,
        p.fix
    )
}

fn summary(config: &crate::options::Config, problems: &[Problem]) -> String {
    if problems.is_empty() {
        return format!(
            "links ok: {} account(s) share {} in {}",
            config.accounts.len(),
            config.shared_items.join(", "),
            config.shared_dir.display()
        );
    }
    let accounts: Vec<&str> = config
        .accounts
        .iter()
        .map(|a| a.name.as_str())
        .filter(|name| problems.iter().any(|p| p.account == *name))
        .collect();
    format!(
        "{} problem(s) in {} of {} account(s): {}",
        problems.len(),
        accounts.len(),
        config.accounts.len(),
        accounts.join(", ")
    )
}
