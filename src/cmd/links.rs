use std::process::ExitCode;

use anyhow::Result;

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
    let (problems, json) = match args.action {
        Action::Check { json } => (crate::links::check(&config), json),
        Action::Ensure { adopt, json } => (crate::links::ensure(&config, adopt), json),
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&problems)?);
    } else if problems.is_empty() {
        println!(
            "links ok: {} account(s) share {} in {}",
            config.accounts.len(),
            config.shared_items.join(", "),
            config.shared_dir.display()
        );
    } else {
        for p in &problems {
            println!(
                "{}: {} ({}): {} {}",
                p.account,
                p.path.display(),
                p.item,
                p.problem,
                p.fix
            );
        }
    }
    Ok(if problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
