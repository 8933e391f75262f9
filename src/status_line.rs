//! The status segment printed by `tick` into tmux's status line.

use jiff::Timestamp;

use crate::options::Config;
use crate::state::State;

/// How long after a swap the segment shows it.
const SWAP_SHOWN_FOR: i64 = 120;

/// Fill the placeholders of `@claude-failover-status-format`:
/// `{account}`, `{state}` (warnings), `{confirming}`, `{cooldown}`, `{exhausted}`, `{swap}`,
/// `{usage}`.
pub fn render(config: &Config, state: &State, now: Timestamp) -> String {
    let active = crate::failover::active(config, state);
    let mut warning = String::new();
    if state.all_exhausted_since.is_some() {
        warning.push_str("#[fg=red,bold]all accounts exhausted#[default] ");
    }
    if state.journal.is_some() {
        warning.push_str("swapping… ");
    }
    let confirming: Vec<String> = state
        .panes
        .values()
        .filter_map(|p| p.pending.as_ref())
        .filter(|p| p.polls < config.confirm_polls)
        .map(|p| format!(" ?limit {}/{}", p.polls, config.confirm_polls))
        .take(1)
        .collect();
    let cooldown = match state.cooldown_until {
        Some(t) if t > now => format!(
            " cooldown {}",
            short_duration(t.as_second() - now.as_second())
        ),
        _ => String::new(),
    };
    let mut exhausted = String::new();
    for acc in &config.accounts {
        if let Some(until) = state
            .accounts
            .get(&acc.name)
            .and_then(|a| a.exhausted_until)
            .filter(|t| *t > now)
        {
            let local = until.to_zoned(crate::zone::local());
            exhausted.push_str(&format!(" {}✗{}", acc.name, local.strftime("%H:%M")));
        }
    }
    let swap = match &state.last_swap {
        Some(s)
            if s.at
                .is_some_and(|t| now.as_second() - t.as_second() < SWAP_SHOWN_FOR) =>
        {
            format!("{}→", s.from)
        }
        _ => String::new(),
    };
    config
        .status_format
        .replace("{state}", &warning)
        .replace("{swap}", &swap)
        .replace("{account}", &active)
        .replace("{confirming}", &confirming.concat())
        .replace("{cooldown}", &cooldown)
        .replace("{exhausted}", &exhausted)
        .replace("{usage}", &usage(config, &active, now))
}

/// ` 5h 87% 7d 40%`: the active account's usage as its statusLine last reported it (read only
/// when the format asks for it).
fn usage(config: &Config, active: &str, now: Timestamp) -> String {
    if !config.status_format.contains("{usage}") {
        return String::new();
    }
    let (Some(acc), Ok(dir)) = (config.account(active), crate::state::state_dir()) else {
        return String::new();
    };
    match crate::usage::read(&dir, &acc.dir).map(|u| u.segment(now)) {
        Some(seg) if !seg.is_empty() => format!(" {seg}"),
        _ => String::new(),
    }
}

fn short_duration(secs: i64) -> String {
    if secs >= 3600 {
        format!("{}h{:02}m", secs / 3600, (secs % 3600) / 60)
    } else if secs >= 60 {
        format!("{}m", (secs + 59) / 60)
    } else {
        format!("{secs}s")
    }
}
