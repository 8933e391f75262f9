use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use jiff::Timestamp;
use serde::Serialize;

use crate::failover;
use crate::panes::{self, Owner};
use crate::state::{PaneStatus, Store, SwapSummary};
use crate::tmux::Tmux;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Print JSON (active, accounts, cooldown_until, last_swap, panes)
    #[arg(long)]
    pub json: bool,
}

/// What `status` shows: `--json` prints it (keys in name order), the text is rendered from it.
#[derive(Serialize)]
struct Status {
    active: String,
    accounts: Vec<AccountRow>,
    cooldown_until: Option<Timestamp>,
    last_swap: Option<SwapSummary>,
    all_exhausted: bool,
    blocked: Option<String>,
    swap_in_progress: bool,
    procs: String,
    tmux_via: &'static str,
    tmux_socket_problem: Option<String>,
    tmux_client_problem: Option<String>,
    panes: Vec<PaneRow>,
}

#[derive(Serialize)]
struct AccountRow {
    name: String,
    dir: PathBuf,
    exhausted_until: Option<Timestamp>,
    exhausted_kind: Option<String>,
    links_ok: bool,
    claude_hook: bool,
    claude_hook_detail: String,
    usage: Option<UsageRow>,
    logged_in: bool,
    can_take_over: bool,
    why_not: Option<String>,
}

/// An account's recorded usage: each window still current, when it was reported, and the
/// segment's summary.
#[derive(Serialize)]
struct UsageRow {
    #[serde(flatten)]
    windows: BTreeMap<&'static str, WindowRow>,
    seen_at: Option<Timestamp>,
    summary: String,
}

#[derive(Serialize)]
struct WindowRow {
    used_percentage: f64,
    resets_at: Option<Timestamp>,
}

#[derive(Serialize)]
struct PaneRow {
    pane: String,
    session: String,
    account: Option<String>,
    session_id: Option<String>,
    state: PaneStatus,
    pid: Option<u32>,
    cwd: Option<String>,
    config_dir: Option<PathBuf>,
    unmanaged: Option<String>,
    off_active: bool,
    why: Option<String>,
}

/// Read-only: the state as saved, joined with a live look at the panes.
pub fn run(tmux: &Tmux, args: Args) -> Result<ExitCode> {
    let store = Store::open()?;
    let state = store.read();
    let scan = panes::scan(tmux)?;
    let config = scan.config()?;
    let now = Timestamp::now();
    let active = failover::active(&config, &state);
    let binary = failover::self_path();
    let accounts: Vec<AccountRow> = config
        .accounts
        .iter()
        .map(|a| {
            let s = state.accounts.get(&a.name);
            let until = s.and_then(|s| s.exhausted_until).filter(|t| *t > now);
            let why_not = crate::takeover::why_not(&config, &state, a, now);
            let hook = crate::cmd::claude_hooks::hook_state(a, &binary);
            AccountRow {
                name: a.name.clone(),
                dir: a.dir.clone(),
                exhausted_until: until,
                exhausted_kind: until.and(s.and_then(|s| s.exhausted_kind.clone())),
                links_ok: crate::links::check_account(&config, a).is_empty(),
                claude_hook: hook.0,
                claude_hook_detail: hook.1,
                usage: usage_row(&store, a, now),
                logged_in: logged_in(a, why_not.as_ref()),
                can_take_over: why_not.is_none(),
                why_not: why_not.as_ref().map(|w| w.sentence()),
            }
        })
        .collect();
    let mut pane_rows = Vec::new();
    for cp in &scan.claude {
        let ps = state.panes.get(&cp.pane.id);
        let account = failover::pane_account(cp, ps, &active);
        let unmanaged = match &cp.owner {
            Owner::Unmanaged(dir) => Some(dir.display().to_string()),
            _ => None,
        };
        let state = match ps.map(|p| &p.state) {
            Some(PaneStatus::Unseen) | None if cp.busy => PaneStatus::Busy,
            Some(PaneStatus::Unseen) | None => PaneStatus::Idle,
            Some(s) => s.clone(),
        };
        pane_rows.push(PaneRow {
            pane: cp.pane.id.clone(),
            session: cp.pane.session.clone(),
            off_active: account.as_deref().is_some_and(|a| a != active),
            account,
            session_id: ps
                .and_then(|p| p.session_id.clone())
                .or_else(|| cp.session_id.clone()),
            state,
            pid: Some(cp.process.pid),
            cwd: Some(cp.cwd.clone()),
            config_dir: cp.config_dir.clone(),
            unmanaged,
            why: ps
                .filter(|p| p.state == PaneStatus::RestartFailed)
                .and_then(|p| p.restart_error.clone()),
        });
    }
    // Panes whose restart failed run no Claude now: listed all the same, with the reason.
    for p in &scan.panes {
        let Some(ps) = state.panes.get(&p.id) else {
            continue;
        };
        if ps.state != PaneStatus::RestartFailed || scan.claude.iter().any(|c| c.pane.id == p.id) {
            continue;
        }
        pane_rows.push(PaneRow {
            pane: p.id.clone(),
            session: p.session.clone(),
            account: ps.account.clone(),
            session_id: ps.session_id.clone(),
            state: ps.state.clone(),
            pid: None,
            cwd: ps.cwd.clone(),
            config_dir: None,
            unmanaged: None,
            off_active: false,
            why: ps.restart_error.clone(),
        });
    }
    // Whether commands that change tmux can reach it, asked only when clients cannot run the
    // server's own executable: a `tmux` of another version than the server cannot, and every
    // swap would fail.
    let tmux_client_problem = (!tmux.runs_server_exe())
        .then(|| tmux.run(&["display-message", "-p", "ok"]).err())
        .flatten()
        .map(|e| format!("{e:#}"));
    let out = Status {
        blocked: blocked(&config, &state, &pane_accounts(&pane_rows, &active), now),
        active,
        accounts,
        cooldown_until: state.cooldown_until.filter(|t| *t > now),
        last_swap: state.last_swap.clone(),
        all_exhausted: state.all_exhausted_since.is_some(),
        swap_in_progress: state.journal.is_some(),
        procs: format!("{:?}", scan.procs_backend).to_lowercase(),
        tmux_via: tmux.reads_via().0,
        tmux_socket_problem: tmux.reads_via().1,
        tmux_client_problem,
        panes: pane_rows,
    };
    if args.json {
        // Through a JSON value: its keys come out in name order, as they always have.
        let value = serde_json::to_value(&out).context("encoding the status")?;
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        print!("{}", text(&out));
    }
    Ok(ExitCode::SUCCESS)
}

/// The status as text, one fact a line.
fn text(out: &Status) -> String {
    let mut lines = vec![format!("active account: {}", out.active)];
    for a in &out.accounts {
        let mut line = format!("  {} {}", a.name, a.dir.display());
        if let Some(u) = a.exhausted_until {
            line.push_str(&format!("  exhausted until {u}"));
        }
        if !a.links_ok {
            line.push_str("  links NOT ok (run `claude-failover links check`)");
        }
        if !a.claude_hook {
            line.push_str(&format!(
                "  hooks not installed ({}): limits or deferred restarts wait for the screen polls (`claude-failover claude-hooks install`)",
                a.claude_hook_detail
            ));
        }
        if let Some(u) = a.usage.as_ref().filter(|u| !u.summary.is_empty()) {
            line.push_str(&format!("  usage {}", u.summary));
        }
        if let Some(why) = &a.why_not {
            line.push_str(&format!("  cannot take over: {why}"));
        }
        lines.push(line);
    }
    if let Some(c) = out.cooldown_until {
        lines.push(format!("cooldown until {c}"));
    }
    if let Some(s) = &out.last_swap {
        lines.push(format!(
            "last swap: {} -> {} at {} ({})",
            s.from,
            s.to,
            s.at.map(|t| t.to_string()).unwrap_or_default(),
            s.reason
        ));
    }
    if out.all_exhausted {
        lines.push(
            "WARNING: every account is exhausted; the panes stay on Claude Code's own wait \
             (it continues by itself when the limit resets)"
                .to_string(),
        );
    }
    if let Some(b) = &out.blocked {
        lines.push(b.clone());
    }
    if let Some(problem) = &out.tmux_client_problem {
        lines.push(format!("WARNING: swaps cannot reach tmux: {problem}"));
    }
    lines.push(format!("Claude panes: {}", out.panes.len()));
    for p in &out.panes {
        let mut line = format!(
            "  {} ({}) account={} session={} state={}",
            p.pane,
            p.session,
            p.account.as_deref().unwrap_or("-"),
            p.session_id.as_deref().unwrap_or("unknown"),
            p.state,
        );
        if let Some(why) = &p.why {
            line.push_str(&format!("  ({why})"));
        }
        if let Some(dir) = &p.unmanaged {
            line.push_str(&format!("  UNMANAGED config home {dir}"));
        } else if p.off_active {
            line.push_str("  (not on the active account)");
        }
        lines.push(line);
    }
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// The active account and the accounts Claude panes work on.
fn pane_accounts(rows: &[PaneRow], active: &str) -> Vec<String> {
    let mut names = vec![active.to_string()];
    for a in rows.iter().filter_map(|r| r.account.as_deref()) {
        if !names.iter().any(|n| n == a) {
            names.push(a.to_string());
        }
    }
    names
}

/// An account in use is exhausted, another is free, and the cooldown holds the automatic swap:
/// say so, and how to swap now.
fn blocked(
    config: &crate::options::Config,
    state: &crate::state::State,
    in_use: &[String],
    now: Timestamp,
) -> Option<String> {
    let until = state.cooldown_until.filter(|t| *t > now)?;
    let stuck = in_use.iter().find(|name| {
        state
            .accounts
            .get(name.as_str())
            .and_then(|a| a.exhausted_until)
            .is_some_and(|t| t > now)
    })?;
    let next = failover::next_account(config, state, stuck, now)?;
    Some(format!(
        "BLOCKED: {stuck} is exhausted and {next} is free, but the cooldown holds the automatic \
         swap until {until}: press prefix S (or run `claude-failover swap --to {next}`) to swap now"
    ))
}

/// An account's recorded usage; none when nothing was reported.
fn usage_row(
    store: &Store,
    account: &crate::accounts::Account,
    now: Timestamp,
) -> Option<UsageRow> {
    let u = crate::usage::read(&store.dir, &account.dir)?;
    let windows = u
        .current(now)
        .into_iter()
        .map(|level| {
            let row = WindowRow {
                used_percentage: level.used_percentage,
                resets_at: level.resets_at,
            };
            (level.window.key(), row)
        })
        .collect();
    Some(UsageRow {
        windows,
        seen_at: u.seen_at,
        summary: u.segment(now),
    })
}

/// Whether the account is logged in, from `why_not` when that already looked (the check may run
/// a program on macOS).
fn logged_in(account: &crate::accounts::Account, why_not: Option<&crate::takeover::Skip>) -> bool {
    match why_not {
        None => true,
        Some(crate::takeover::Skip::NotLoggedIn(_)) => false,
        Some(_) => crate::login::check(account) == crate::login::Login::LoggedIn,
    }
}
