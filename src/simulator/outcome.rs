//! What one turn answers, chosen by the account's `sim-mode`: the screen lines, the transcript
//! record and the print-mode text, with the real CLI's wording (docs/detection.md,
//! docs/real-claude-findings.md).

use jiff::tz::TimeZone;
use jiff::Timestamp;

use super::reset::format_reset;
use super::screen::Item;

const STATUS_HINT: &str = " If it persists, check https://status.claude.com.";
const THROTTLE: &str = "API Error: Server is temporarily limiting requests (not your usage limit) \u{b7} Number of concurrent connections has exceeded your rate limit. Please try again later or contact sales at https://www.anthropic.com/contact-sales to discuss your options for a rate limit increase.";
const SPEND_URL: &str = "https://claude.ai/settings/usage";
pub const RESEND: &str = "Resend your message to try again";
pub const THINKING: &str = "\u{273b} Thinking\u{2026} (esc to interrupt)";
const RETRYING: &str =
    "\u{273b} 500 Internal server error \u{b7} retrying in 35s \u{b7} attempt 7/10";
/// Recorded when the process exits while it waits to continue after a limit; a resumed CLI
/// redraws it.
pub const CANCELLED: &str = "Automatic continue cancelled \u{b7} Claude Code exited during the wait, so the task will not resume on its own when the usage limit resets (send a prompt after the reset to continue)";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Ok,
    Usage5h,
    Weekly,
    Opus,
    Sonnet,
    Credits,
    Spend,
    Throttle429,
    Overloaded529,
    Server500,
    Server500Retry,
    Warn90,
    Quote,
}

impl Mode {
    pub const ALL: [(&'static str, Mode); 13] = [
        ("ok", Mode::Ok),
        ("429usage5h", Mode::Usage5h),
        ("429weekly", Mode::Weekly),
        ("429opus", Mode::Opus),
        ("429sonnet", Mode::Sonnet),
        ("429credits", Mode::Credits),
        ("429spend", Mode::Spend),
        ("429plain", Mode::Throttle429),
        ("529", Mode::Overloaded529),
        ("500", Mode::Server500),
        ("500retry", Mode::Server500Retry),
        ("warn90", Mode::Warn90),
        ("quote", Mode::Quote),
    ];

    pub fn parse(s: &str) -> Option<Mode> {
        Mode::ALL.iter().find(|(n, _)| *n == s).map(|&(_, m)| m)
    }

    /// The spinner line while this turn runs.
    pub fn spinner(self) -> &'static str {
        match self {
            Mode::Server500Retry => RETRYING,
            _ => THINKING,
        }
    }
}

/// `apiErrorParams.rate_limit_info` of a usage-limit record.
#[derive(Clone, Debug, PartialEq)]
pub struct RateLimit {
    pub resets_at: i64,
    /// `five_hour`, `seven_day`, `seven_day_opus`, `seven_day_sonnet`, `overage`.
    pub kind: &'static str,
}

/// What the turn puts in the transcript (and prints in print mode).
#[derive(Clone, Debug, PartialEq)]
pub enum Reply {
    Text(String),
    ApiError {
        text: String,
        /// `rate_limit` or `server_error`.
        error: &'static str,
        /// `usage_limit_reached` for a quota, absent otherwise.
        api_error: Option<&'static str>,
        status: u16,
        /// `rate_limit_error`, `overloaded_error`, `api_error`.
        error_type: &'static str,
        rate_limit: Option<RateLimit>,
    },
}

impl Reply {
    pub fn text(&self) -> &str {
        match self {
            Reply::Text(t) | Reply::ApiError { text: t, .. } => t,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub reply: Reply,
    pub items: Vec<Item>,
    /// Footer lines until the next turn.
    pub notices: Vec<String>,
    pub placeholder: Option<&'static str>,
    pub limited: bool,
    /// The status line the transcript keeps after the reply (`Usage limit reached · set to
    /// continue automatically at 1am`).
    pub status_record: Option<String>,
}

/// The reset time and the clock the texts are written against.
pub struct Clock<'a> {
    pub reset: Timestamp,
    pub now: Timestamp,
    pub tz: &'a TimeZone,
}

impl Clock<'_> {
    fn at(&self, zone: bool) -> String {
        format_reset(self.reset, self.now, self.tz, zone)
    }
}

/// The answer to `prompt` in `mode`; `again` when the previous turn already hit a limit.
pub fn outcome(mode: Mode, prompt: &str, clock: &Clock, again: bool) -> Outcome {
    let (name, kind) = match mode {
        Mode::Usage5h => ("5-hour limit", "five_hour"),
        Mode::Weekly => ("weekly limit", "seven_day"),
        Mode::Opus => ("Opus limit", "seven_day_opus"),
        Mode::Sonnet => ("Sonnet limit", "seven_day_sonnet"),
        Mode::Credits | Mode::Spend => ("", "overage"),
        Mode::Ok | Mode::Warn90 | Mode::Quote => return answer(mode, prompt, clock),
        Mode::Throttle429 => return server_error(THROTTLE.to_string(), "rate_limit", 429, "rate_limit_error"),
        Mode::Overloaded529 => {
            return server_error(
                format!("API Error: 529 Overloaded. This is a server-side issue, usually temporary \u{2014} try again in a moment.{STATUS_HINT}"),
                "server_error",
                529,
                "overloaded_error",
            )
        }
        Mode::Server500 | Mode::Server500Retry => {
            return server_error(
                format!("API Error: 500 Internal server error. This is a server-side issue, usually temporary \u{2014} try again in a moment.{STATUS_HINT}"),
                "server_error",
                500,
                "api_error",
            )
        }
    };
    let text = match mode {
        Mode::Credits => format!(
            "You're out of usage credits \u{b7} resets {}",
            clock.at(true)
        ),
        Mode::Spend => {
            format!("You've hit your monthly spend limit \u{b7} raise it at {SPEND_URL}")
        }
        _ => format!("You've hit your {name} \u{b7} resets {}", clock.at(true)),
    };
    let when = format!("at {}", clock.at(false));
    let again = if again { " again" } else { "" };
    let status = format!("Usage limit reached{again} \u{b7} set to continue automatically {when}");
    Outcome {
        items: vec![Item::Result(text.clone()), Item::Assistant(status.clone())],
        status_record: Some(status),
        notices: vec![
            format!(
                "  \u{26a0} Usage limit reached \u{b7} limit resets {}",
                clock.at(false)
            ),
            format!("    Continuing automatically {when} \u{b7} Esc to cancel"),
        ],
        reply: Reply::ApiError {
            text,
            error: "rate_limit",
            api_error: Some("usage_limit_reached"),
            status: 429,
            error_type: "rate_limit_error",
            rate_limit: Some(RateLimit {
                resets_at: clock.reset.as_second(),
                kind,
            }),
        },
        placeholder: None,
        limited: true,
    }
}

fn answer(mode: Mode, prompt: &str, clock: &Clock) -> Outcome {
    let (text, notices) = match mode {
        Mode::Quote => (
            format!(
                "The message \"You've hit your 5-hour limit \u{b7} resets {}\" means you are out of quota.",
                clock.at(false)
            ),
            vec![],
        ),
        Mode::Warn90 => (
            format!("Sim reply to: {prompt}"),
            vec![format!(
                "  You've used 90% of your 5-hour limit \u{b7} resets {}",
                clock.at(false)
            )],
        ),
        _ => (format!("Sim reply to: {prompt}"), vec![]),
    };
    Outcome {
        items: vec![Item::Assistant(text.clone())],
        reply: Reply::Text(text),
        notices,
        placeholder: None,
        limited: false,
        status_record: None,
    }
}

fn server_error(
    text: String,
    error: &'static str,
    status: u16,
    error_type: &'static str,
) -> Outcome {
    Outcome {
        items: vec![Item::Assistant(text.clone())],
        reply: Reply::ApiError {
            text,
            error,
            api_error: None,
            status,
            error_type,
            rate_limit: None,
        },
        notices: vec![],
        placeholder: Some(RESEND),
        limited: false,
        status_record: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clock(tz: &TimeZone) -> Clock<'_> {
        Clock {
            reset: "2026-11-26T00:00:00Z".parse().unwrap(),
            now: "2026-11-25T22:16:00Z".parse().unwrap(),
            tz,
        }
    }

    #[test]
    fn every_mode_name_parses_back() {
        for (name, mode) in Mode::ALL {
            assert_eq!(Mode::parse(name), Some(mode));
        }
        assert_eq!(Mode::parse("429"), None);
    }

    #[test]
    fn five_hour_limit_is_the_real_screen_and_record() {
        let tz = TimeZone::get("Europe/Paris").unwrap();
        let o = outcome(Mode::Usage5h, "hi", &clock(&tz), false);
        assert_eq!(
            o.items,
            vec![
                Item::Result(
                    "You've hit your 5-hour limit \u{b7} resets 1am (Europe/Paris)".into()
                ),
                Item::Assistant(
                    "Usage limit reached \u{b7} set to continue automatically at 1am".into()
                ),
            ]
        );
        assert_eq!(
            o.notices,
            vec![
                "  \u{26a0} Usage limit reached \u{b7} limit resets 1am".to_string(),
                "    Continuing automatically at 1am \u{b7} Esc to cancel".to_string(),
            ]
        );
        match &o.reply {
            Reply::ApiError {
                status,
                api_error,
                rate_limit,
                ..
            } => {
                assert_eq!(*status, 429);
                assert_eq!(*api_error, Some("usage_limit_reached"));
                assert_eq!(
                    rate_limit.as_ref().unwrap(),
                    &RateLimit {
                        resets_at: 1_795_651_200,
                        kind: "five_hour"
                    }
                );
            }
            r => panic!("not an API error: {r:?}"),
        }
        assert!(o.limited);
        assert_eq!(
            o.status_record.as_deref(),
            Some("Usage limit reached \u{b7} set to continue automatically at 1am")
        );
        let again = outcome(Mode::Weekly, "hi", &clock(&tz), true);
        assert_eq!(
            again.items[1],
            Item::Assistant(
                "Usage limit reached again \u{b7} set to continue automatically at 1am".into()
            )
        );
        assert_eq!(
            again.reply.text(),
            "You've hit your weekly limit \u{b7} resets 1am (Europe/Paris)"
        );
    }

    #[test]
    fn server_errors_are_not_limits() {
        let tz = TimeZone::UTC;
        for (mode, status) in [
            (Mode::Overloaded529, 529),
            (Mode::Server500, 500),
            (Mode::Server500Retry, 500),
            (Mode::Throttle429, 429),
        ] {
            let o = outcome(mode, "hi", &clock(&tz), false);
            assert!(!o.limited);
            assert_eq!(o.placeholder, Some(RESEND));
            match o.reply {
                Reply::ApiError {
                    status: s,
                    api_error,
                    rate_limit,
                    ..
                } => {
                    assert_eq!(s, status);
                    assert_eq!(api_error, None);
                    assert_eq!(rate_limit, None);
                }
                r => panic!("{r:?}"),
            }
        }
        let o = outcome(Mode::Overloaded529, "hi", &clock(&tz), false);
        assert_eq!(o.reply.text(), "API Error: 529 Overloaded. This is a server-side issue, usually temporary \u{2014} try again in a moment. If it persists, check https://status.claude.com.");
    }

    #[test]
    fn replies_warnings_and_quotes() {
        let tz = TimeZone::UTC;
        let o = outcome(Mode::Ok, "hello", &clock(&tz), false);
        assert_eq!(o.reply, Reply::Text("Sim reply to: hello".into()));
        let o = outcome(Mode::Warn90, "hello", &clock(&tz), false);
        assert_eq!(
            o.notices,
            vec!["  You've used 90% of your 5-hour limit \u{b7} resets 12am".to_string()]
        );
        let o = outcome(Mode::Quote, "hello", &clock(&tz), false);
        assert_eq!(
            o.items,
            vec![Item::Assistant("The message \"You've hit your 5-hour limit \u{b7} resets 12am\" means you are out of quota.".into())]
        );
        assert!(!o.limited);
    }
}
