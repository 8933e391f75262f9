//! `claude-hooks install|check|remove`: the plugin's Claude Code hooks in every account's
//! settings.json.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use serde_json::{json, Value};

use crate::accounts::Account;
use crate::claude_settings::{self as settings, Change, Found, Presence};
use crate::tmux::Tmux;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub action: Action,
}

#[derive(clap::Subcommand, Debug)]
pub enum Action {
    /// Add the StopFailure hook (matcher rate_limit) and the Stop hook to every account's settings.json, keeping
    /// everything else; a backup is kept beside each changed file
    Install {
        #[arg(long)]
        json: bool,
        /// Also wrap each account's statusLine command with `claude-failover statusline`, which
        /// records the account's usage (your command still runs and prints as before)
        #[arg(long)]
        statusline: bool,
    },
    /// Say per account what is installed and whether its Claude Code version runs it
    Check {
        #[arg(long)]
        json: bool,
    },
    /// Take out exactly what install added (a file nobody changed since is restored byte for byte)
    Remove {
        #[arg(long)]
        json: bool,
    },
}

pub fn run(tmux: &Tmux, args: Args) -> Result<ExitCode> {
    let config = crate::options::read(tmux)?;
    let binary = crate::failover::self_path();
    let (rows, json_out): (Vec<Value>, bool) = match args.action {
        Action::Install { json, statusline } => (
            config
                .accounts
                .iter()
                .map(|a| {
                    let mut row = changed(a, settings::install(a, &binary), "installed");
                    // After the hooks: remove undoes the later edit first.
                    if statusline {
                        let wrap = crate::claude_statusline::install(a, &binary);
                        with_statusline(&mut row, wrap, "wrapped");
                    }
                    row
                })
                .collect(),
            json,
        ),
        Action::Remove { json } => (
            config
                .accounts
                .iter()
                .map(|a| {
                    let unwrap = crate::claude_statusline::remove(a);
                    let mut row = changed(a, settings::remove(a), "removed");
                    with_statusline(&mut row, unwrap, "unwrapped");
                    row
                })
                .collect(),
            json,
        ),
        Action::Check { json } => (
            config.accounts.iter().map(|a| check(a, &binary)).collect(),
            json,
        ),
    };
    let ok = rows.iter().all(|r| r["ok"] == json!(true));
    if json_out {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        for r in &rows {
            println!("{}", r["line"].as_str().unwrap_or(""));
        }
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn changed(a: &Account, result: Result<Change>, done: &str) -> Value {
    let path = settings::settings_path(a);
    let (ok, what, backup, line) = match result {
        Ok(Change::Unchanged) => (
            true,
            "unchanged",
            None,
            format!("{}: {} unchanged (nothing to do)", a.name, path.display()),
        ),
        Ok(Change::Written { backup }) => {
            let b = backup.as_ref().map(|b| b.display().to_string());
            let line = match &b {
                Some(b) => format!("{}: {} {done} (backup: {b})", a.name, path.display()),
                None => format!("{}: {} {done} (new file)", a.name, path.display()),
            };
            (true, done, b, line)
        }
        Ok(Change::Restored) => (
            true,
            "restored",
            None,
            format!(
                "{}: {} {done}: the file is back as it was before install",
                a.name,
                path.display()
            ),
        ),
        Err(err) => (false, "refused", None, format!("{}: {err:#}", a.name)),
    };
    json!({
        "account": a.name, "settings": path, "ok": ok, "result": what,
        "backup": backup, "line": line,
    })
}

/// Add what happened to the statusLine to an account's row (`statusline`, its backup, the line).
fn with_statusline(row: &mut Value, result: Result<Change>, done: &str) {
    let (ok, what, backup, text) = match result {
        Ok(Change::Unchanged) => (true, "unchanged", None, None),
        Ok(Change::Written { backup }) => {
            let b = backup.map(|b| b.display().to_string());
            let text = match &b {
                Some(b) => format!("statusLine {done} (backup: {b})"),
                None => format!("statusLine {done}"),
            };
            (true, done, b, Some(text))
        }
        Ok(Change::Restored) => (true, "restored", None, Some("statusLine restored".into())),
        Err(err) => (false, "refused", None, Some(format!("statusLine: {err:#}"))),
    };
    row["statusline"] = json!(what);
    row["statusline_backup"] = json!(backup);
    if !ok {
        row["ok"] = json!(false);
    }
    if let Some(text) = text {
        let line = format!("{}; {text}", row["line"].as_str().unwrap_or(""));
        row["line"] = json!(line);
    }
}

/// One account's hook state, as `check` reports it (also used by `status` and `links check`).
pub fn hook_state(a: &Account, binary: &Path) -> (bool, String) {
    match settings::inspect(a, binary) {
        Ok(Found::Missing) => (false, "no settings.json".into()),
        Ok(Found::Read(pieces)) => {
            let mut installed = true;
            let mut parts = Vec::new();
            for (piece, presence) in pieces {
                match presence {
                    Presence::Installed => parts.push(format!("{} installed", piece.name())),
                    Presence::OtherBinary(cmd) => {
                        installed = false;
                        parts.push(format!(
                            "{} runs another binary ({cmd}); `claude-hooks install` points it here",
                            piece.name()
                        ));
                    }
                    Presence::Absent => {
                        installed = false;
                        parts.push(format!("{} missing", piece.name()));
                    }
                }
            }
            (installed, parts.join(", "))
        }
        Err(err) => (false, format!("{err:#}")),
    }
}

fn check(a: &Account, binary: &Path) -> Value {
    let (installed, what) = hook_state(a, binary);
    let seen = settings::version_seen(a);
    // The release that runs every piece.
    let since = settings::Piece::ALL
        .iter()
        .map(|p| p.since())
        .max()
        .unwrap_or(settings::STOP_FAILURE_SINCE);
    let (version, source, supported) = match &seen {
        Some((v, src)) => (Some(v.to_string()), Some(src.clone()), json!(*v >= since)),
        None => (None, None, json!("unknown")),
    };
    let support = match &seen {
        Some((v, src)) if *v >= since => format!("Claude Code {v} (seen in {src}) runs it"),
        Some((v, src)) => format!(
            "Claude Code {v} (seen in {src}) is older than {since}: it never runs the hook \
             (the screen polls still work)"
        ),
        None => format!("Claude Code version unknown here (the hook needs {since} or newer)"),
    };
    let wrap = crate::claude_statusline::inspect(a, binary);
    let (wrap_key, wrap_text) = match &wrap {
        Ok(w) => (w.key().to_string(), w.sentence()),
        Err(err) => ("unreadable".to_string(), format!("{err:#}")),
    };
    json!({
        "account": a.name,
        "settings": settings::settings_path(a),
        "statusline": wrap_key,
        "statusline_user_command": wrap.as_ref().ok().and_then(|w| match w {
            crate::claude_statusline::Wrap::Wrapped { user, .. } => user.clone(),
            crate::claude_statusline::Wrap::Unwrapped(c) => Some(c.clone()),
            crate::claude_statusline::Wrap::Absent => None,
        }),
        "installed": installed,
        "detail": what,
        "version": version,
        "version_source": source,
        "supported": supported,
        "ok": installed,
        "line": format!("{}: {what}; {support}; {wrap_text}", a.name),
    })
}
