use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use jiff::Timestamp;

use crate::failover::{self, Ctx};
use crate::panes;
use crate::state::Store;
use crate::tmux::Tmux;

#[derive(clap::Args, Debug)]
pub struct Args {}

/// Never breaks the status line: always prints a segment and exits 0; errors are logged once.
pub fn run(tmux: &Tmux, _args: Args) -> Result<ExitCode> {
    let segment = match poll(tmux) {
        Ok(segment) => segment,
        Err(err) => {
            report_error(&err);
            format!("CC ⚠ {}", short(&format!("{err:#}")))
        }
    };
    // A reader that went away (tmux killed the job, `tick | head -c0`) is no error of ours.
    let _ = writeln!(std::io::stdout(), "{segment}");
    Ok(ExitCode::SUCCESS)
}

/// How long a poll waits for another invocation's lock: the status line must answer within 2 s,
/// whatever holds the lock.
const LOCK_WAIT: Duration = Duration::from_secs(1);

/// How long a swap made by a poll watches its restarted panes start: with the lock wait, the
/// segment still comes within 2 s; a pane still starting is judged at the next poll.
const TICK_RESTART_WATCH: Duration = Duration::from_millis(500);

/// One poll; returns the status segment. The whole poll runs under the lock: one read of the
/// state, and no other run can restart a pane between what we see and what we do.
pub fn poll(tmux: &Tmux) -> Result<String> {
    let store = Store::open()?;
    // Another invocation holds the lock (a long swap, a stuck process): show what is known and
    // leave the work to the next poll, which sees the panes again anyway.
    let Some(mut locked) = store.lock_within(LOCK_WAIT)? else {
        let config = crate::options::read(tmux)?;
        return Ok(crate::status_line::render(
            &config,
            &store.read(),
            Timestamp::now(),
        ));
    };
    let observed_at = Timestamp::now();
    let known = &locked.state;
    // Measured before any capture: a pane whose transcript did not grow is not captured.
    let mut sizes = crate::idle_poll::measure(known);
    let quiet = crate::idle_poll::quiet(known, &sizes);
    // Panes that ran Claude at the last poll are captured in the listing call itself; only
    // panes new since then need a second call.
    let known_ids: Vec<&str> = known
        .panes
        .iter()
        .filter(|(id, p)| p.pid.is_some() && !quiet.contains(id.as_str()))
        .map(|(id, _)| id.as_str())
        .collect();
    let seen = known
        .panes
        .iter()
        .filter_map(|(id, p)| Some((id.as_str(), p.seen.as_ref()?)))
        .collect();
    let (scan, mut captures) = panes::scan_and_capture(tmux, &known_ids, &seen)?;
    let config = scan.config()?;
    let missing: Vec<&str> = scan
        .claude
        .iter()
        .map(|c| c.pane.id.as_str())
        .filter(|id| !captures.contains_key(*id) && !quiet.contains(*id))
        .collect();
    crate::idle_poll::measure_before_capture(&scan, known, &missing, &mut sizes);
    captures.extend(panes::capture(tmux, &missing)?);
    let now = Timestamp::now();
    let ctx = Ctx {
        tmux,
        config: &config,
        now,
        restart_watch: TICK_RESTART_WATCH,
    };
    failover::tick(&ctx, &scan, &captures, observed_at, &mut locked)?;
    crate::idle_poll::remember(&mut locked.state, &scan, &sizes);
    locked.commit()?;
    Ok(crate::status_line::render(&config, &locked.state, now))
}

/// Log an error to stderr always, and to the event log only when it differs from the last one,
/// so a persistent fault does not flood the log on every status refresh.
pub fn report_error(err: &anyhow::Error) {
    let text = format!("{err:#}");
    eprintln!("claude-failover: {text}");
    // Only into a state folder that passes the ownership checks: never through a planted link.
    let Ok(store) = crate::state::Store::open() else {
        return;
    };
    let marker = store.dir.join("last-error");
    let last = crate::fsutil::read_regular(&marker, crate::fsutil::Links::Refuse, 1 << 16);
    if last.ok().as_deref() == Some(text.as_bytes()) {
        return;
    }
    let marked = crate::fsutil::write_atomic(&marker, text.as_bytes()).is_ok();
    // Without the marker (a read-only or full folder) the log itself says what was last logged.
    let last_logged = || {
        crate::events::newest(&store, |e| e["event"] == "error")
            .and_then(|e| e["error"].as_str().map(str::to_string))
    };
    if marked || last_logged().as_deref() != Some(text.as_str()) {
        crate::events::append_at(
            &store.events_path(),
            &crate::events::Event::Error { error: text },
        );
    }
}

/// The first sentence of an error, cut to fit a status line.
fn short(text: &str) -> String {
    let first = text.split(": ").next().unwrap_or(text);
    let mut s: String = first.chars().take(48).collect();
    if first.chars().count() > 48 {
        s.push('…');
    }
    // `#` would start a tmux format or style in the status line.
    s.replace('#', "##")
}
