//! The cheap idle poll: every usage limit Claude Code shows is also appended to the session's
//! transcript, so a Claude pane whose transcript did not grow since the last poll cannot show a
//! new one, and its screen is not captured (the tmux server's capture work is most of an idle
//! tick's cost). A length is only trusted when it was measured before the capture it stands for.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use crate::panes::{ClaudePane, Scan};
use crate::state::State;
use crate::transcript;

/// Pane id -> (transcript, its length), measured before the capture.
pub type Sizes = HashMap<String, (PathBuf, u64)>;

/// The length of each known Claude pane's transcript, as of now.
pub fn measure(state: &State) -> Sizes {
    state
        .panes
        .iter()
        .filter(|(_, p)| p.pid.is_some())
        .filter_map(|(id, p)| {
            let path = p.transcript.clone()?;
            let len = std::fs::metadata(&path).ok()?.len();
            Some((id.clone(), (path, len)))
        })
        .collect()
}

/// Panes that need no capture: the transcript is as long as at the last poll, and nothing about
/// the pane waits on its screen (a limit being confirmed, a deferred restart).
pub fn quiet(state: &State, sizes: &Sizes) -> HashSet<String> {
    state
        .panes
        .iter()
        .filter(|(id, p)| {
            p.pending.is_none()
                && p.restart_to.is_none()
                && !matches!(
                    p.state,
                    crate::state::PaneStatus::Confirming | crate::state::PaneStatus::Limited
                )
                && sizes.get(id.as_str()).is_some_and(|(path, len)| {
                    p.transcript.as_ref() == Some(path) && p.transcript_len == Some(*len)
                })
        })
        .map(|(id, _)| id.clone())
        .collect()
}

/// The transcript a Claude pane writes, when its session id is known.
fn transcript_of(state: &State, cp: &ClaudePane) -> Option<PathBuf> {
    let id = state
        .panes
        .get(&cp.pane.id)
        .and_then(|p| p.session_id.clone())
        .or_else(|| cp.session_id.clone())?;
    Some(transcript::transcript_path(
        cp.config_dir.as_ref()?,
        &cp.cwd,
        &id,
    ))
}

/// Measure the panes about to be captured in a second call (new since the last poll).
pub fn measure_before_capture(scan: &Scan, state: &State, panes: &[&str], sizes: &mut Sizes) {
    for cp in scan
        .claude
        .iter()
        .filter(|c| panes.contains(&c.pane.id.as_str()))
    {
        if let Some(path) = transcript_of(state, cp) {
            if let Ok(m) = std::fs::metadata(&path) {
                sizes.insert(cp.pane.id.clone(), (path, m.len()));
            }
        }
    }
}

/// After the poll: keep each pane's transcript and the length its capture stands for (none when
/// it was not measured before the capture, or the transcript changed: captured next time), and
/// its Claude process as found, for the next poll to check at a glance.
pub fn remember(state: &mut State, scan: &Scan, sizes: &Sizes) {
    for cp in &scan.claude {
        let path = transcript_of(state, cp);
        let Some(ps) = state.panes.get_mut(&cp.pane.id) else {
            continue;
        };
        ps.transcript_len = sizes
            .get(&cp.pane.id)
            .filter(|(p, _)| Some(p) == path.as_ref())
            .map(|(_, len)| *len);
        ps.transcript = path;
        ps.seen = cp.seen.clone();
    }
}
