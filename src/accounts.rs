//! Accounts: a name and a Claude Code config home (`CLAUDE_CONFIG_DIR`), in failover order.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub name: String,
    /// Absolute, `~` expanded, lexically normalised (no `.`/`..`); not resolved through links so
    /// that it matches what users wrote in `CLAUDE_CONFIG_DIR`.
    pub dir: PathBuf,
}

/// The user's home folder, from `$HOME`.
pub fn home() -> Result<PathBuf> {
    match std::env::var_os("HOME") {
        Some(h) if !h.is_empty() => Ok(PathBuf::from(h)),
        _ => bail!("HOME is not set, so `~` cannot be expanded"),
    }
}

/// Expand a leading `~` and make the path absolute (relative to the current folder), then
/// drop `.` and resolve `..` lexically.
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
        std::env::current_dir()
            .context("the current folder is unreadable, so a relative path cannot be resolved")?
            .join(path)
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

/// Parse `NAME=DIR NAME=DIR ...` (whitespace separated, failover order).
pub fn parse_list(value: &str) -> Result<Vec<Account>> {
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
        let dir = expand_path(dir)?;
        if let Some(other) = accounts.iter().find(|a| a.dir == dir) {
            bail!(
                "accounts `{}` and `{name}` share the folder {}",
                other.name,
                dir.display()
            );
        }
        accounts.push(Account {
            name: name.to_string(),
            dir,
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
        let a = parse_list("main=~/.claude  work=/srv/c/../claude-work 'sp=/a b'").unwrap();
        let names: Vec<_> = a.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["main", "work", "sp"]);
        assert_eq!(a[0].dir, PathBuf::from("/home/me/.claude"));
        assert_eq!(a[1].dir, PathBuf::from("/srv/claude-work"));
        assert_eq!(a[2].dir, PathBuf::from("/a b"));
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
            assert!(parse_list(bad).is_err(), "{bad:?}");
        }
    }
}
