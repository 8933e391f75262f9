use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// A pane capture (`tmux capture-pane -p -J`); standard input when absent
    pub file: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let bytes = match &args.file {
        Some(path) => {
            std::fs::read(path).with_context(|| format!("could not read {}", path.display()))?
        }
        None => {
            let mut buf = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buf)
                .context("could not read standard input")?;
            buf
        }
    };
    let text = String::from_utf8_lossy(&bytes);
    let detection = crate::detect::detect(&text);
    println!("{}", serde_json::to_string(&detection)?);
    Ok(ExitCode::SUCCESS)
}
