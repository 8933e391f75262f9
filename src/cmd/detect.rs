use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// A pane capture (`tmux capture-pane -p -J`); standard input when absent
    pub file: Option<PathBuf>,
    /// Classify as of this time instead of now (`2025-11-28T22:00:00+01:00[Europe/Paris]`, or a
    /// UTC time `2025-11-28T21:00:00Z`); reset times without a date count from it. For tests.
    #[arg(long, hide = true, value_name = "TIME")]
    pub now: Option<String>,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let now = match &args.now {
        Some(text) => parse_now(text)?,
        None => jiff::Timestamp::now().to_zoned(crate::zone::local()),
    };
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
    let detection = crate::detect::detect_at(&text, &now);
    println!("{}", serde_json::to_string(&detection)?);
    Ok(ExitCode::SUCCESS)
}

fn parse_now(text: &str) -> Result<jiff::Zoned> {
    if let Ok(zoned) = text.parse::<jiff::Zoned>() {
        return Ok(zoned);
    }
    let ts: jiff::Timestamp = text.parse().with_context(|| {
        format!("--now {text:?} is not a time like 2025-11-28T22:00:00+01:00[Europe/Paris]")
    })?;
    Ok(ts.to_zoned(crate::zone::local()))
}
