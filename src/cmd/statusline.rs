//! `statusline`: the wrapper around the user's own Claude Code statusLine command. Claude runs
//! it after each turn with the session as JSON on stdin; we keep that session's `rate_limits`
//! for its account (the config home: `CLAUDE_CONFIG_DIR`, or `~/.claude` when unset), then run
//! the user's command through `sh -c` with the same stdin bytes, so its output and exit status
//! are exactly what Claude would have got from it alone.

use std::io::{Read, Write};
use std::process::{Command, ExitCode, Stdio};

use anyhow::Result;
use jiff::Timestamp;

/// The most of stdin we read to find `rate_limits` (the real input is a few KiB); anything
/// beyond is passed on to the user's command untouched but not parsed.
const MAX_INPUT: u64 = 1 << 20;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The user's own statusLine command, as one word (it is run with `sh -c`); several words
    /// are joined with spaces
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let mut input = Vec::new();
    let stdin = std::io::stdin();
    let mut lock = stdin.lock();
    let complete = match (&mut lock).take(MAX_INPUT + 1).read_to_end(&mut input) {
        Ok(_) => input.len() as u64 <= MAX_INPUT,
        Err(_) => false,
    };
    let user = args.command.join(" ");
    let child = (!user.trim().is_empty()).then(|| {
        Command::new("/bin/sh")
            .arg("-c")
            .arg(&user)
            .stdin(Stdio::piped())
            .spawn()
    });
    // The user's command reads its input while we record.
    let feeder = match child {
        Some(Ok(mut child)) => {
            let mut pipe = child.stdin.take();
            let head = input.clone();
            let feed = move || {
                if let Some(p) = pipe.as_mut() {
                    // A command that does not read its input closes the pipe: not an error.
                    if p.write_all(&head).is_ok() && !complete {
                        let _ = std::io::copy(&mut std::io::stdin().lock(), p);
                    }
                }
                drop(pipe);
            };
            // No thread (a process at its limit): the command gets no input rather than us
            // panicking.
            let feeder = std::thread::Builder::new().spawn(feed).ok();
            Some((child, feeder))
        }
        Some(Err(err)) => {
            eprintln!("claude-failover statusline: could not run `{user}`: {err}");
            None
        }
        None => None,
    };
    drop(lock);
    if complete {
        if let Err(err) = record(&input) {
            eprintln!("claude-failover statusline: {err:#}");
        }
    }
    let Some((mut child, feeder)) = feeder else {
        return Ok(ExitCode::SUCCESS);
    };
    if let Some(feeder) = feeder {
        let _ = feeder.join();
    }
    let status = child.wait()?;
    Ok(ExitCode::from(exit_code(status)))
}

/// The user's command's exit status, as a shell would report it (128 + signal when killed).
fn exit_code(status: std::process::ExitStatus) -> u8 {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(c), _) => c as u8,
        (None, Some(s)) => 128u8.wrapping_add(s as u8),
        _ => 1,
    }
}

/// Keep the input's `rate_limits` for its config home; nothing when it has none.
fn record(input: &[u8]) -> Result<()> {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(input) else {
        return Ok(());
    };
    let dir = match std::env::var_os("CLAUDE_CONFIG_DIR").filter(|d| !d.is_empty()) {
        Some(d) => crate::accounts::expand_path(&d.to_string_lossy())?,
        None => crate::accounts::home()?.join(".claude"),
    };
    let Some(usage) = crate::usage::from_statusline(&value, &dir, Timestamp::now()) else {
        return Ok(());
    };
    let dir_of_state = crate::state::state_dir()?;
    crate::fsutil::private_dir(&dir_of_state)?;
    crate::usage::record(&dir_of_state, &dir, &usage)?;
    Ok(())
}
