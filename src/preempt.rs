//! Preemption (`@claude-failover-preempt`): move the panes of the active account to the next
//! account with headroom before the active one hits its limit, from the usage its statusLine
//! reported. Also says when an account crosses the threshold and when one is available again.

use anyhow::Result;

use crate::events::Event;
use crate::failover::{self, Ctx};
use crate::panes::Scan;
use crate::state::Locked;
use crate::usage::{self, Level};

/// An account marked over the threshold stays marked until its usage falls this many points
/// under it (or its window resets): values around the threshold cannot make panes flap.
pub const HYSTERESIS: f64 = 5.0;

/// How an account's mark changes with its current usage.
#[derive(Debug, PartialEq)]
enum Change {
    Crossed,
    Cleared,
}

fn change(marked: bool, level: Option<&Level>, threshold: f64) -> Option<Change> {
    let used = level.map(|l| l.used_percentage);
    match marked {
        false if used.is_some_and(|u| u >= threshold) => Some(Change::Crossed),
        true if used.is_none_or(|u| u < threshold - HYSTERESIS) => Some(Change::Cleared),
        _ => None,
    }
}

/// After a poll: announce accounts whose limit reset (`available`), update each account's
/// threshold mark (announcing crossings), and when the active account is marked, swap to the
/// next account that can take over. Busy panes and panes with unsent input wait for their turn
/// to end, as in every swap.
pub fn run(ctx: &Ctx, scan: &Scan, locked: &mut Locked, reset: &[String]) -> Result<()> {
    let config = ctx.config;
    let now = ctx.now;
    let events = locked.store.events_path();
    for name in reset {
        failover::announce(
            ctx,
            &scan.clients,
            &Event::Available {
                account: name.clone(),
                why: "its usage limit reset".into(),
            },
            Some(format!(
                "claude-failover: {name} is available again (its usage limit reset)"
            )),
            &events,
        );
    }
    let Some(threshold) = config.preempt else {
        for acc in locked.state.accounts.values_mut() {
            acc.over_threshold = None;
        }
        return Ok(());
    };
    for acc in &config.accounts {
        let level = usage::read(&locked.store.dir, &acc.dir).and_then(|u| u.highest(now));
        let marked = locked
            .state
            .accounts
            .get(&acc.name)
            .is_some_and(|a| a.over_threshold.is_some());
        match change(marked, level.as_ref(), threshold) {
            Some(Change::Crossed) => {
                let l = level.as_ref().expect("crossed with a level");
                locked
                    .state
                    .accounts
                    .entry(acc.name.clone())
                    .or_default()
                    .over_threshold = Some(now);
                failover::announce(
                    ctx,
                    &scan.clients,
                    &Event::UsageThreshold {
                        account: acc.name.clone(),
                        window: l.window.key().into(),
                        used_percentage: l.used_percentage,
                        threshold,
                        resets_at: l.resets_at,
                    },
                    Some(format!(
                        "claude-failover: {} is at {}% of its {} usage (preempt at {}%)",
                        acc.name,
                        usage::percent(l.used_percentage),
                        l.window.words(),
                        usage::percent(threshold)
                    )),
                    &events,
                );
            }
            Some(Change::Cleared) => {
                if let Some(a) = locked.state.accounts.get_mut(&acc.name) {
                    a.over_threshold = None;
                }
                let why = match &level {
                    None => "its usage window reset".to_string(),
                    Some(l) => format!(
                        "its usage is down to {}%",
                        usage::percent(l.used_percentage)
                    ),
                };
                failover::announce(
                    ctx,
                    &scan.clients,
                    &Event::Available {
                        account: acc.name.clone(),
                        why,
                    },
                    None,
                    &events,
                );
            }
            None => {}
        }
    }
    let active = failover::active(config, &locked.state);
    let marked = locked
        .state
        .accounts
        .get(&active)
        .is_some_and(|a| a.over_threshold.is_some());
    let in_cooldown = locked.state.cooldown_until.is_some_and(|t| t > now);
    if !marked || in_cooldown || locked.state.journal.is_some() {
        return Ok(());
    }
    // Only to an account with headroom: moving to one near its limit would gain nothing.
    let (Some(target), skipped) = failover::headroom_account(config, &locked.state, &active, now)
    else {
        return Ok(());
    };
    failover::log_skipped(&events, &active, Some(&target), &skipped);
    let level = config
        .account(&active)
        .and_then(|a| usage::read(&locked.store.dir, &a.dir))
        .and_then(|u| u.highest(now));
    let reason = match level {
        Some(l) => format!(
            "preempt: {active} at {}% of its {} usage (@claude-failover-preempt {}%)",
            usage::percent(l.used_percentage),
            l.window.words(),
            usage::percent(threshold)
        ),
        None => format!("preempt: {active} near its limit"),
    };
    failover::swap(ctx, scan, locked, &active, Some(&target), &reason, false)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::usage::Window;

    fn at(p: f64) -> Level {
        Level {
            window: Window::FiveHour,
            used_percentage: p,
            resets_at: None,
        }
    }

    #[test]
    fn the_mark_has_hysteresis() {
        assert_eq!(change(false, Some(&at(94.9)), 95.0), None);
        assert_eq!(change(false, Some(&at(95.0)), 95.0), Some(Change::Crossed));
        assert_eq!(change(true, Some(&at(97.0)), 95.0), None);
        // Just under the threshold is still inside the band: no flapping.
        assert_eq!(change(true, Some(&at(93.0)), 95.0), None);
        assert_eq!(change(true, Some(&at(89.9)), 95.0), Some(Change::Cleared));
        // The window reset: nothing current is known.
        assert_eq!(change(true, None, 95.0), Some(Change::Cleared));
        assert_eq!(change(false, None, 95.0), None);
    }
}
