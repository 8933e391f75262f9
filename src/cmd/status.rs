use std::process::ExitCode;

use anyhow::Result;
use jiff::Timestamp;
use serde_json::{json, Value};

use crate::failover;
use crate::panes::{self, Owner};
use crate::relaunch;
use crate::state::Store;
use crate::tmux::Tmux;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Print JSON (active, accounts, cooldown_until, last_swap, panes)
    #[arg(long)]
    pub json: bool,
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
    let accounts: Vec<Value> = config
        .accounts
        .iter()
        .map(|a| {
            let s = state.accounts.get(&a.name);
            let until = s.and_then(|s| s.exhausted_until).filter(|t| *t > now);
            let why_not = crate::takeover::why_not(&config, &state, a, now);
            let hook = crate::cmd::claude_hooks::hook_state(a, &binary);
            json!({
                "name": a.name,
                "dir": a.dir,
                "exhausted_until": until,
                "exhausted_kind": until.and(s.and_then(|s| s.exhausted_kind.clone())),
                "links_ok": crate::links::check_account(&config, a).is_empty(),
                "claude_hook": hook.0,
                "claude_hook_detail": hook.1,
                "usage": usage_json(&store, a, now),
                "logged_in": logged_in(a, why_not.as_ref()),
                "can_take_over": why_not.is_none(),
                "why_not": why_not.as_ref().map(|w| w.sentence()),
            })
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
        pane_rows.push(json!({
            "pane": cp.pane.id,
            "session": cp.pane.session,
            "account": account,
            "session_id": ps.and_then(|p| p.session_id.clone()).or_else(|| cp.session_id.clone()),
            "state": ps.map(|p| p.state.clone()).filter(|s| !s.is_empty())
                .unwrap_or_else(|| if cp.busy { "busy".into() } else { "idle".into() }),
            "pid": cp.process.pid,
            "cwd": cp.cwd,
            "config_dir": cp.config_dir,
            "unmanaged": unmanaged,
            "off_active": account.as_deref().is_some_and(|a| a != active),
            "why": ps.filter(|p| p.state == relaunch::FAILED).and_then(|p| p.restart_error.clone()),
        }));
    }
    // Panes whose restart failed run no Claude now: listed all the same, with the reason.
    for p in &scan.panes {
        let Some(ps) = state.panes.get(&p.id) else {
            continue;
        };
        if ps.state != relaunch::FAILED || scan.claude.iter().any(|c| c.pane.id == p.id) {
            continue;
        }
        pane_rows.push(json!({
            "pane": p.id,
            "session": p.session,
            "account": ps.account,
            "session_id": ps.session_id,
            "state": ps.state,
            "pid": null,
            "cwd": ps.cwd,
            "config_dir": null,
            "unmanaged": null,
            "off_active": false,
            "why": ps.restart_error,
        }));
    }
    let cooldown = state.cooldown_until.filter(|t| *t > now);
    // Whether commands that change tmux can reach it, asked only when clients cannot run the
    // server's own executable: a `tmux` of another version than the server cannot, and every
    // swap would fail.
    let tmux_client_problem = (!tmux.runs_server_exe())
        .then(|| tmux.run(&["display-message", "-p", "ok"]).err())
        .flatten()
        .map(|e| format!("{e:#}"));
    let out = json!({
        "active": active,
        "accounts": accounts,
        "cooldown_until": cooldown,
        "last_swap": state.last_swap,
        "all_exhausted": state.all_exhausted_since.is_some(),
        "blocked": blocked(&config, &state, &pane_accounts(&pane_rows, &active), now),
        "swap_in_progress": state.journal.is_some(),
        "procs": format!("{:?}", scan.procs_backend).to_lowercase(),
        "tmux_via": tmux.reads_via().0,
        "tmux_socket_problem": tmux.reads_via().1,
        "tmux_client_problem": tmux_client_problem,
        "panes": pane_rows,
    });
    if args.json {
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("active account: {active}");
    for a in out["accounts"].as_array().into_iter().flatten() {
        let mut line = format!(
            "  {} {}",
            a["name"].as_str().unwrap_or("?"),
            a["dir"].as_str().unwrap_or("?")
        );
        if let Some(u) = a["exhausted_until"].as_str() {
            line.push_str(&format!("  exhausted until {u}"));
        }
        if a["links_ok"] == json!(false) {
            line.push_str("  links NOT ok (run `claude-failover links check`)");
        }
        if a["claude_hook"] == json!(false) {
            line.push_str(&format!(
                "  hooks not installed ({}): limits or deferred restarts wait for the screen polls (`claude-failover claude-hooks install`)",
                a["claude_hook_detail"].as_str().unwrap_or("")
            ));
        }
        if let Some(u) = a["usage"]["summary"].as_str().filter(|u| !u.is_empty()) {
            line.push_str(&format!("  usage {u}"));
        }
        if let Some(why) = a["why_not"].as_str() {
            line.push_str(&format!("  cannot take over: {why}"));
        }
        println!("{line}");
    }
    if let Some(c) = cooldown {
        println!("cooldown until {c}");
    }
    if let Some(s) = &state.last_swap {
        println!(
            "last swap: {} -> {} at {} ({})",
            s.from,
            s.to,
            s.at.map(|t| t.to_string()).unwrap_or_default(),
            s.reason
        );
    }
    if state.all_exhausted_since.is_some() {
        println!(
            "WARNING: every account is exhausted; the panes stay on Claude Code's own wait \
             (it continues by itself when the limit resets)"
        );
    }
    if let Some(b) = out["blocked"].as_str() {
        println!("{b}");
    }
    if let Some(problem) = &tmux_client_problem {
        println!("WARNING: swaps cannot reach tmux: {problem}");
    }
    println!("Claude panes: {}", pane_rows.len());
    for p in &pane_rows {
        let mut line = format!(
            "  {} ({}) account={} session={} state={}",
            p["pane"].as_str().unwrap_or("?"),
            p["session"].as_str().unwrap_or("?"),
            p["account"].as_str().unwrap_or("-"),
            p["session_id"].as_str().unwrap_or("unknown"),
            p["state"].as_str().unwrap_or("?"),
        );
        if let Some(why) = p["why"].as_str() {
            line.push_str(&format!("  ({why})"));
        }
        if let Some(dir) = p["unmanaged"].as_str() {
            line.push_str(&format!("  UNMANAGED config home {dir}"));
        } else if p["off_active"] == json!(true) {
            line.push_str("  (not on the active account)");
        }
        println!("{line}");
    }
    Ok(ExitCode::SUCCESS)
}

/// The active account and the accounts Claude panes work on.
fn pane_accounts(rows: &[Value], active: &str) -> Vec<String> {
    let mut names = vec![active.to_string()];
    for r in rows {
        if let Some(a) = r["account"].as_str() {
            if !names.iter().any(|n| n == a) {
                names.push(a.to_string());
            }
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

/// An account's recorded usage: each window still current (`used_percentage`, `resets_at`),
/// when it was reported, and the segment's summary; null when nothing was reported.
fn usage_json(store: &Store, account: &crate::accounts::Account, now: Timestamp) -> Value {
    let Some(u) = crate::usage::read(&store.dir, &account.dir) else {
        return Value::Null;
    };
    let mut out = serde_json::Map::new();
    for level in u.current(now) {
        out.insert(
            level.window.key().into(),
            json!({"used_percentage": level.used_percentage, "resets_at": level.resets_at}),
        );
    }
    out.insert("seen_at".into(), json!(u.seen_at));
    out.insert("summary".into(), json!(u.segment(now)));
    Value::Object(out)
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
