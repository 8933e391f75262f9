//! Accounts: a name and a Claude Code config home (`CLAUDE_CONFIG_DIR`), in failover order.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub name: String,
    /// Absolute, `~` expanded, lexically normalised (no `.`/`..`); not resolved through links so
    /// that it matches what users wrote in `CLAUDE_CONFIG_DIR`.
    pub dir: PathBuf,
    /// What `CLAUDE_CONFIG_DIR` is set to when Claude is launched on this account: the string
    /// the user configured with only `~` expanded (no trailing slash dropped, no link resolved),
    /// because on macOS Claude keys its Keychain login on that exact string. `None` for the
    /// default home `~/.claude`, launched without the variable (its login is the bare item).
    pub env: Option<String>,
}

impl Account {
    /// The tmux command that makes new panes start on this account.
    pub fn set_environment(&self) -> crate::tmux::command::TmuxCommand {
        use crate::tmux::command::TmuxCommand;
        match &self.env {
            Some(value) => TmuxCommand::set_global_environment("CLAUDE_CONFIG_DIR", value),
            None => TmuxCommand::unset_global_environment("CLAUDE_CONFIG_DIR"),
        }
    }
}

/// The user's home folder, from `$HOME`.
pub fn home() -> Result<PathBuf> {
    match std::env::var_os("HOME") {
        Some(h) if !h.is_empty() => Ok(PathBuf::from(h)),
        _ => bail!("HOME is not set, so `~` cannot be expanded"),
    }
}

/// Expand a leading `~` and make the path absolute, then drop `.` and resolve `..` lexically.
/// A relative path is taken from the home folder, not the current one: tmux runs us from
/// whatever folder its server started in, and every run must see the same accounts.
pub fn expand_path(raw: &str) -> Result<PathBuf> {
    let path = if raw == "~" {
        home()?
    } else if let Some(rest) = raw.strip_prefix("~/") {
        home()?.join(rest)
    } else {
        PathBuf::from(raw)
    };
    let path = if path.is_absolute() {
        path
    } else {
        home()?.join(path)
    };
    Ok(normalize(&path))
}

pub fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The `CLAUDE_CONFIG_DIR` string an account is launched with: `raw` with `~` expanded as a
/// shell would (a relative folder is taken from the home folder); `None` for `~/.claude` unless
/// `default_home_env` (`@claude-failover-default-home-env`).
fn launch_env(raw: &str, dir: &Path, default_home_env: bool) -> Result<Option<String>> {
    let home = home()?;
    if dir == home.join(".claude") && !default_home_env {
        return Ok(None);
    }
    let home = home.display().to_string();
    Ok(Some(if raw == "~" {
        home
    } else if let Some(rest) = raw.strip_prefix("~/") {
        format!("{}/{rest}", home.trim_end_matches('/'))
    } else if raw.starts_with('/') {
        raw.to_string()
    } else {
        format!("{}/{raw}", home.trim_end_matches('/'))
    }))
}

/// Parse `NAME=DIR NAME=DIR ...` (whitespace separated, failover order). `default_home_env`:
/// launch the default home `~/.claude` with `CLAUDE_CONFIG_DIR` set too.
pub fn parse_list(value: &str, default_home_env: bool) -> Result<Vec<Account>> {
    let mut accounts: Vec<Account> = Vec::new();
    for word in crate::shell::split(value)? {
        let Some((name, dir)) = word.split_once('=') else {
            bail!("`{word}` is not NAME=DIR");
        };
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            bail!("account name `{name}` must be letters, digits, `-`, `_` or `.`");
        }
        if dir.is_empty() {
            bail!("account `{name}` has an empty folder");
        }
        if accounts.iter().any(|a| a.name == name) {
            bail!("account name `{name}` is given twice");
        }
        let raw = dir;
        let dir = expand_path(dir)?;
        if let Some(other) = accounts.iter().find(|a| a.dir == dir) {
            bail!(
                "accounts `{}` and `{name}` share the folder {}",
                other.name,
                dir.display()
            );
        }
        let env = launch_env(raw, &dir, default_home_env)?;
        accounts.push(Account {
            name: name.to_string(),
            dir,
            env,
        });
    }
    if accounts.is_empty() {
        bail!("no account is given");
    }
    Ok(accounts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_accounts_in_order() {
        std::env::set_var("HOME", "/home/me");
        let a = parse_list(
            "main=~/.claude  work=/srv/c/../claude-work 'sp=/a b' rel=.claude-r",
            false,
        )
        .unwrap();
        let names: Vec<_> = a.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["main", "work", "sp", "rel"]);
        assert_eq!(a[3].dir, PathBuf::from("/home/me/.claude-r"));
        assert_eq!(a[0].dir, PathBuf::from("/home/me/.claude"));
        assert_eq!(a[1].dir, PathBuf::from("/srv/claude-work"));
        assert_eq!(a[2].dir, PathBuf::from("/a b"));
        // Launched with the string as configured; the default home without the variable.
        let envs: Vec<_> = a.iter().map(|a| a.env.as_deref()).collect();
        assert_eq!(
            envs,
            [
                None,
                Some("/srv/c/../claude-work"),
                Some("/a b"),
                Some("/home/me/.claude-r")
            ]
        );
        let b = parse_list("w=~/.claude-work/ l=/srv/link/", false).unwrap();
        assert_eq!(b[0].env.as_deref(), Some("/home/me/.claude-work/"));
        assert_eq!(b[0].dir, PathBuf::from("/home/me/.claude-work"));
        assert_eq!(b[1].env.as_deref(), Some("/srv/link/"));
        // Unless the user says the default home is launched with the variable too.
        let c = parse_list("main=~/.claude/", true).unwrap();
        assert_eq!(c[0].env.as_deref(), Some("/home/me/.claude/"));
    }

    #[test]
    fn rejects_bad_lists() {
        for bad in [
            "",
            "noequals",
            "=/x",
            "a=",
            "a=/x a=/y",
            "a=/x b=/x",
            "a b=/x",
            "x=/a 'b",
        ] {
            assert!(parse_list(bad, false).is_err(), "{bad:?}");
        }
    }
}
