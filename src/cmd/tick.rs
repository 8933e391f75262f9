use std::process::ExitCode;

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
    println!("{segment}");
    Ok(ExitCode::SUCCESS)
}

/// One poll; returns the status segment.
pub fn poll(tmux: &Tmux) -> Result<String> {
    let store = Store::open()?;
    // Everything seen from here on is as of this instant (or later): a restart that another run
    // finishes after it makes what we see stale.
    let observed_at = Timestamp::now();
    // Panes that ran Claude at the last poll are captured in the listing call itself; only
    // panes new since then need a second call.
    let known = store.read();
    // Measured before any capture: a pane whose transcript did not grow is not captured.
    let mut sizes = crate::idle_poll::measure(&known);
    let quiet = crate::idle_poll::quiet(&known, &sizes);
    let known_ids: Vec<&str> = known
        .panes
        .iter()
        .filter(|(id, p)| p.pid.is_some() && !quiet.contains(id.as_str()))
        .map(|(id, _)| id.as_str())
        .collect();
    let (scan, mut captures) = panes::scan_and_capture(tmux, &known_ids)?;
    let config = scan.config()?;
    let missing: Vec<&str> = scan
        .claude
        .iter()
        .map(|c| c.pane.id.as_str())
        .filter(|id| !captures.contains_key(*id) && !quiet.contains(*id))
        .collect();
    crate::idle_poll::measure_before_capture(&scan, &known, &missing, &mut sizes);
    captures.extend(panes::capture(tmux, &missing)?);
    let mut locked = store.lock()?;
    let now = Timestamp::now();
    let ctx = Ctx {
        tmux,
        config: &config,
        now,
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
    if std::fs::read_to_string(&marker).ok().as_deref() == Some(text.as_str()) {
        return;
    }
    let marked = crate::fsutil::write_atomic(&marker, text.as_bytes()).is_ok();
    // Without the marker (a read-only or full folder) the log itself says what was last logged.
    let last_logged = || {
        crate::events::read_all(&store)
            .ok()
            .and_then(|all| all.into_iter().rev().find(|e| e["event"] == "error"))
            .and_then(|e| e["error"].as_str().map(str::to_string))
    };
    if marked || last_logged().as_deref() != Some(text.as_str()) {
        crate::events::append_at(
            &store.events_path(),
            "error",
            serde_json::json!({ "error": text }),
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
