//! Can an account take over? The decision `next_account` makes for each candidate, and the
//! reason shown in `status` and logged when one is passed over.

use jiff::Timestamp;

use crate::accounts::Account;
use crate::login::{self, Login};
use crate::options::Config;
use crate::state::State;
use crate::usage::{self, Level};

/// Why an account cannot take over now.
#[derive(Clone, Debug, PartialEq)]
pub enum Skip {
    /// Its usage limit was seen; until its reset.
    Exhausted(Timestamp),
    /// Its recorded usage is at or over `@claude-failover-preempt`.
    NearLimit(Level),
    /// Its shared links are wrong: its panes would not find their conversations.
    Links,
    NotLoggedIn(String),
}

impl Skip {
    pub fn sentence(&self) -> String {
        match self {
            Skip::Exhausted(t) => format!("exhausted until {t}"),
            Skip::NearLimit(l) => format!(
                "{}% of its {} usage, at or over @claude-failover-preempt{}",
                usage::percent(l.used_percentage),
                l.window.words(),
                l.resets_at
                    .map(|t| format!(" until {t}"))
                    .unwrap_or_default()
            ),
            Skip::Links => "its shared links are not right (see `links check`)".to_string(),
            Skip::NotLoggedIn(why) => format!("not logged in ({why})"),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Skip::Exhausted(_) => "exhausted",
            Skip::NearLimit(_) => "near-limit",
            Skip::Links => "links",
            Skip::NotLoggedIn(_) => "not-logged-in",
        }
    }

    /// How an `accounts-skipped` event names this account and why.
    pub fn skipped(&self, account: &str) -> crate::events::Skipped {
        crate::events::Skipped {
            account: account.to_string(),
            why: self.kind().to_string(),
            detail: self.sentence(),
        }
    }
}

/// The account's recorded usage at or over the preempt threshold (or still marked so, inside
/// the hysteresis band), if preemption is on.
pub fn near_limit(
    config: &Config,
    state: &State,
    account: &Account,
    now: Timestamp,
) -> Option<Level> {
    let threshold = config.preempt?;
    let dir = crate::state::state_dir().ok()?;
    let level = usage::read(&dir, &account.dir)?.highest(now)?;
    let marked = state
        .accounts
        .get(&account.name)
        .is_some_and(|a| a.over_threshold.is_some());
    let band = if marked {
        threshold - crate::preempt::HYSTERESIS
    } else {
        threshold
    };
    (level.used_percentage >= band).then_some(level)
}

/// Why `account` cannot take over at `now`, or `None` when it can. Cheapest checks first: the
/// login check may run a program (macOS).
pub fn why_not(config: &Config, state: &State, account: &Account, now: Timestamp) -> Option<Skip> {
    if let Some(until) = state
        .accounts
        .get(&account.name)
        .and_then(|s| s.exhausted_until)
        .filter(|t| *t > now)
    {
        return Some(Skip::Exhausted(until));
    }
    if let Some(level) = near_limit(config, state, account, now) {
        return Some(Skip::NearLimit(level));
    }
    if !crate::links::check_account(config, account).is_empty() {
        return Some(Skip::Links);
    }
    match login::check(account) {
        Login::LoggedIn => None,
        Login::LoggedOut(why) => Some(Skip::NotLoggedIn(why)),
    }
}
