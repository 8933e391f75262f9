//! The plugin's tmux options: one table of names, defaults and meanings, read in one tmux call.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};

use crate::accounts::{self, Account};
use crate::tmux::{output, Tmux};

pub struct Spec {
    pub name: &'static str,
    pub default: &'static str,
    /// Documentation: a unit test holds README.md's option table to this one.
    #[cfg_attr(not(test), allow(dead_code))]
    pub meaning: &'static str,
}

/// What `@claude-failover-command` is unless set.
pub const DEFAULT_COMMAND: &str = "claude";

pub const DEFAULT_STATUS_FORMAT: &str =
    "{state}CC {swap}{account}{confirming}{cooldown}{exhausted}";

/// Every option, in the order README.md documents them.
pub const OPTIONS: &[Spec] = &[
    Spec { name: "@claude-failover-accounts", default: "default=~/.claude", meaning: "whitespace-separated NAME=DIR, in failover order; ~ expands" },
    Spec { name: "@claude-failover-shared-dir", default: "~/.claude-shared", meaning: "the one shared target folder" },
    Spec { name: "@claude-failover-shared-items", default: "projects file-history session-env", meaning: "entries every account home links into the shared folder" },
    Spec { name: "@claude-failover-command", default: DEFAULT_COMMAND, meaning: "program started in panes (a path or a name on PATH)" },
    Spec { name: "@claude-failover-args", default: "", meaning: "extra arguments on every (re)launch, e.g. --dangerously-skip-permissions" },
    Spec { name: "@claude-failover-confirm-polls", default: "2", meaning: "polls in a row that must see the same limit before a swap" },
    Spec { name: "@claude-failover-confirm-gap", default: "10", meaning: "minimum seconds between two polls that count as confirmation" },
    Spec { name: "@claude-failover-cooldown", default: "600", meaning: "seconds after a swap during which no automatic swap happens" },
    Spec { name: "@claude-failover-notify", default: "", meaning: "command run detached on each swap-related event, event JSON on stdin" },
    Spec { name: "@claude-failover-sessions", default: "", meaning: "declared sessions, NAME=DIR list, started/restored by `up`" },
    Spec { name: "@claude-failover-swap-key", default: "S", meaning: "key (under the prefix) for a manual swap" },
    Spec { name: "@claude-failover-status-format", default: DEFAULT_STATUS_FORMAT, meaning: "the status segment's format: {account} {state} {swap} {confirming} {cooldown} {exhausted}" },
    Spec { name: "@claude-failover-poll-interval", default: "15", meaning: "seconds between polls while no client is attached (the run-shell chain)" },
    Spec { name: "@claude-failover-default-home-env", default: "off", meaning: "on: launch the account whose home is ~/.claude with CLAUDE_CONFIG_DIR set, as for the others (off: without it, so macOS finds the login made by plain `claude`)" },
    Spec { name: "@claude-failover-preempt", default: "", meaning: "a percent (1-100): idle panes move to the next account with headroom when the active one's 5-hour or weekly usage reaches it" },
];

/// The token of the live polling chain: set by the entry file (tmux/apply.sh) on each load, so
/// that a reload ends the chain of the one before; not a user option.
pub const CHAIN: &str = "@claude-failover-chain";

const POLL_INTERVAL: &str = "@claude-failover-poll-interval";

/// A declared session of `@claude-failover-sessions`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeclaredSession {
    pub name: String,
    pub dir: PathBuf,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub accounts: Vec<Account>,
    pub shared_dir: PathBuf,
    pub shared_items: Vec<String>,
    pub command: String,
    pub args: Vec<String>,
    pub confirm_polls: u32,
    pub confirm_gap: u64,
    pub cooldown: u64,
    pub notify: String,
    pub sessions: Vec<DeclaredSession>,
    /// Validated here; the tmux entry file binds it.
    #[allow(dead_code)]
    pub swap_key: String,
    pub status_format: String,
    /// Seconds between two links of the detached polling chain (`hook --chain`).
    pub poll_interval: u64,
    /// `@claude-failover-preempt`: the usage percent at which panes move ahead of the limit.
    pub preempt: Option<f64>,
}

/// The tmux format that prints every option's value as one record (see `tmux::output`).
pub fn format() -> String {
    let names: Vec<&str> = OPTIONS.iter().map(|spec| spec.name).collect();
    output::record(&names)
}

/// The tmux command that prints the options (to batch with other commands).
pub fn command() -> Vec<String> {
    vec!["display-message".into(), "-p".into(), format()]
}

/// Read every option in one tmux call.
pub fn read(tmux: &Tmux) -> Result<Config> {
    let out = tmux
        .run(&command())
        .context("could not read the @claude-failover-* options")?;
    parse(&out)
}

/// The polling chain's token and the seconds to its next link, read with every option in one
/// tmux call. Options that do not parse (the poll says why) keep the chain at the default
/// interval.
pub fn read_chain(tmux: &Tmux) -> Result<(Option<String>, u64)> {
    let token = vec![
        "display-message".into(),
        "-p".into(),
        output::record(&[CHAIN]),
    ];
    let out = tmux
        .query(&[command(), token])
        .context("could not read the @claude-failover-* options")?;
    parse_chain(&out)
}

/// Parse the output of `read_chain`'s call.
fn parse_chain(out: &str) -> Result<(Option<String>, u64)> {
    let (config, rest) = parse_prefix(out);
    let token = output::parse_record(rest).and_then(|(fields, _)| fields.into_iter().next());
    let interval = match config {
        Ok(c) => c.poll_interval,
        Err(_) => number(&[], POLL_INTERVAL, 1)?,
    };
    Ok((token, interval.min(3600)))
}

/// Parse the output of `command()`.
pub fn parse(output: &str) -> Result<Config> {
    parse_prefix(output).0
}

/// Like `parse` but for output that continues with other commands' lines: returns the config
/// and the rest of the output.
pub fn parse_prefix(text: &str) -> (Result<Config>, &str) {
    match output::parse_record(text) {
        Some((values, rest)) if values.len() == OPTIONS.len() => (from_values(&values), rest),
        Some((values, rest)) => (
            Err(anyhow::anyhow!(
                "tmux printed {} option fields, expected {}",
                values.len(),
                OPTIONS.len()
            )),
            rest,
        ),
        None => (
            Err(anyhow::anyhow!(
                "tmux printed no whole record of the options: {:?}",
                text.chars().take(200).collect::<String>()
            )),
            "",
        ),
    }
}

fn value<'a>(values: &'a [String], name: &str) -> &'a str {
    let i = OPTIONS
        .iter()
        .position(|s| s.name == name)
        .expect("known option");
    let v = values.get(i).map_or("", String::as_str);
    if v.trim().is_empty() {
        OPTIONS[i].default
    } else {
        v
    }
}

fn number<T>(values: &[String], name: &str, min: T) -> Result<T>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
{
    let raw = value(values, name).trim();
    let n: T = raw
        .parse()
        .map_err(|_| anyhow::anyhow!("{name} is `{raw}`, not a whole number"))?;
    if n < min {
        bail!("{name} is {n}, it must be at least {min}");
    }
    Ok(n)
}

pub fn from_values(values: &[String]) -> Result<Config> {
    let accounts_raw = value(values, "@claude-failover-accounts");
    let default_home_env = match value(values, "@claude-failover-default-home-env").trim() {
        "on" => true,
        "off" => false,
        other => bail!("@claude-failover-default-home-env is `{other}`: `on` or `off`"),
    };
    let accounts = accounts::parse_list(accounts_raw, default_home_env)
        .with_context(|| format!("@claude-failover-accounts is invalid (`{accounts_raw}`)"))?;
    let shared_raw = value(values, "@claude-failover-shared-dir").trim();
    let shared_dir = accounts::expand_path(shared_raw)
        .with_context(|| format!("@claude-failover-shared-dir is invalid (`{shared_raw}`)"))?;
    let items_raw = value(values, "@claude-failover-shared-items");
    let shared_items: Vec<String> = items_raw.split_whitespace().map(String::from).collect();
    for item in &shared_items {
        if item == "." || item == ".." || item.contains('/') {
            bail!("@claude-failover-shared-items: `{item}` must be a plain entry name (no `/`, not `.` or `..`)");
        }
    }
    let command = value(values, "@claude-failover-command").trim().to_string();
    if command.contains('\n') {
        bail!("@claude-failover-command holds a newline");
    }
    let args_raw = value(values, "@claude-failover-args");
    let args = crate::shell::split(args_raw)
        .with_context(|| format!("@claude-failover-args is invalid (`{args_raw}`)"))?;
    let sessions_raw = value(values, "@claude-failover-sessions");
    let mut sessions = Vec::new();
    for word in crate::shell::split(sessions_raw)
        .with_context(|| format!("@claude-failover-sessions is invalid (`{sessions_raw}`)"))?
    {
        let Some((name, dir)) = word.split_once('=') else {
            bail!("@claude-failover-sessions: `{word}` is not NAME=DIR");
        };
        if name.is_empty() || name.contains([':', '.']) || dir.is_empty() {
            bail!("@claude-failover-sessions: `{word}` needs a session name without `:` or `.` and a folder");
        }
        sessions.push(DeclaredSession {
            name: name.to_string(),
            dir: accounts::expand_path(dir)?,
        });
    }
    let swap_key = value(values, "@claude-failover-swap-key")
        .trim()
        .to_string();
    if swap_key.chars().any(char::is_whitespace) {
        bail!("@claude-failover-swap-key `{swap_key}` holds white space");
    }
    Ok(Config {
        accounts,
        shared_dir,
        shared_items,
        command,
        args,
        confirm_polls: number(values, "@claude-failover-confirm-polls", 1u32)?,
        confirm_gap: number(values, "@claude-failover-confirm-gap", 0u64)?,
        cooldown: number(values, "@claude-failover-cooldown", 0u64)?,
        notify: value(values, "@claude-failover-notify").trim().to_string(),
        sessions,
        swap_key,
        status_format: value(values, "@claude-failover-status-format").to_string(),
        poll_interval: number(values, POLL_INTERVAL, 1u64)?,
        preempt: preempt(values)?,
    })
}

/// Empty is off; else a percent from 1 to 100.
fn preempt(values: &[String]) -> Result<Option<f64>> {
    let name = "@claude-failover-preempt";
    let raw = value(values, name).trim().trim_end_matches('%');
    if raw.is_empty() {
        return Ok(None);
    }
    match raw.parse::<f64>() {
        Ok(p) if (1.0..=100.0).contains(&p) => Ok(Some(p)),
        _ => bail!("{name} is `{raw}`: a percent from 1 to 100 (or empty for off)"),
    }
}

/// A config from some named values, the others empty (their defaults).
#[cfg(test)]
pub fn from_pairs(pairs: &[(&str, &str)]) -> Result<Config> {
    let values: Vec<String> = OPTIONS
        .iter()
        .map(|spec| {
            let named = pairs.iter().find(|(name, _)| *name == spec.name);
            named.map_or_else(String::new, |(_, v)| v.to_string())
        })
        .collect();
    from_values(&values)
}

impl Config {
    pub fn account(&self, name: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_apply_to_empty_values() {
        std::env::set_var("HOME", "/home/me");
        let c = from_pairs(&[]).unwrap();
        assert_eq!(c.accounts.len(), 1);
        assert_eq!(c.accounts[0].dir, PathBuf::from("/home/me/.claude"));
        assert_eq!(c.shared_items, ["projects", "file-history", "session-env"]);
        assert_eq!(c.confirm_polls, 2);
        assert_eq!(c.cooldown, 600);
    }

    #[test]
    fn bad_values_name_the_option() {
        for (name, v) in [
            ("@claude-failover-confirm-polls", "two"),
            ("@claude-failover-confirm-polls", "0"),
            ("@claude-failover-cooldown", "-5"),
            ("@claude-failover-accounts", "broken"),
            ("@claude-failover-args", "'unterminated"),
            ("@claude-failover-shared-items", "a/b"),
            ("@claude-failover-default-home-env", "yes"),
            ("@claude-failover-preempt", "0"),
            ("@claude-failover-preempt", "101"),
            ("@claude-failover-preempt", "most"),
        ] {
            let err = format!("{:#}", from_pairs(&[(name, v)]).unwrap_err());
            assert!(err.contains(name), "{err}");
        }
    }

    #[test]
    fn readme_documents_every_option_with_its_default() {
        let readme = include_str!("../README.md");
        for spec in OPTIONS {
            let row = readme
                .lines()
                .find(|l| l.starts_with(&format!("| `{}`", spec.name)))
                .unwrap_or_else(|| panic!("README.md has no row for {}", spec.name));
            let default = if spec.default.is_empty() {
                "(empty)".to_string()
            } else {
                format!("`{}`", spec.default)
            };
            assert!(
                row.contains(&default),
                "README row of {} lacks {default}: {row}",
                spec.name
            );
            assert!(
                row.contains(spec.meaning.split(',').next().unwrap()),
                "{row}"
            );
        }
    }

    #[test]
    fn the_chain_reads_its_interval_from_the_options_or_their_default() {
        std::env::set_var("HOME", "/home/me");
        let out = |interval: &str, accounts: &str| {
            let mut fields = vec![String::new(); OPTIONS.len()];
            fields[0] = accounts.to_string();
            let i = OPTIONS
                .iter()
                .position(|s| s.name == POLL_INTERVAL)
                .unwrap();
            fields[i] = interval.to_string();
            format!("{}|\ntok\\ en|\n", fields.join(" "))
        };
        let token = Some("tok en".to_string());
        assert_eq!(parse_chain(&out("", "")).unwrap(), (token.clone(), 15));
        assert_eq!(parse_chain(&out("2", "")).unwrap(), (token.clone(), 2));
        assert_eq!(
            parse_chain(&out("99999", "")).unwrap(),
            (token.clone(), 3600)
        );
        // Options that do not parse keep the chain going, at the default interval.
        assert_eq!(parse_chain(&out("2", "broken")).unwrap(), (token, 15));
    }

    /// The entry file binds the swap key before any binary runs, so it keeps its own copy of
    /// the default: held to the table here.
    #[test]
    fn the_entry_files_swap_key_default_is_the_tables() {
        let apply = include_str!("../tmux/apply.sh");
        let spec = OPTIONS
            .iter()
            .find(|s| s.name == "@claude-failover-swap-key")
            .unwrap();
        let line = format!("\nCF_DEFAULT_KEY={}\n", spec.default);
        assert!(apply.contains(&line), "tmux/apply.sh lacks {line:?}");
    }

    #[test]
    fn parse_splits_fields_and_keeps_the_rest() {
        let mut out = String::from("a=/x\\ b=/y");
        for _ in 1..OPTIONS.len() {
            out.push(' ');
        }
        out.push_str("|\nnext line\n");
        let (c, rest) = parse_prefix(&out);
        assert_eq!(c.unwrap().accounts.len(), 2);
        assert_eq!(rest, "next line\n");
        let (c, _) = parse_prefix("a b|\n");
        assert!(format!("{:#}", c.unwrap_err()).contains("2 option fields"));
    }
}
