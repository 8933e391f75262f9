use std::process::ExitCode;

use anyhow::Result;

use crate::tmux::Tmux;

#[derive(clap::Args, Debug)]
pub struct Args {}

pub fn run(_tmux: &Tmux, _args: Args) -> Result<ExitCode> {
    super::not_implemented("hook")
}
