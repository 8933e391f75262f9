use std::process::ExitCode;

use anyhow::Result;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Run through without waiting for you and exit 0 when the swap and resume worked
    #[arg(long)]
    pub headless: bool,
}

pub fn run(_args: Args) -> Result<ExitCode> {
    super::not_implemented("demo")
}
