use std::process::ExitCode;

use anyhow::Result;

use crate::failover;
use crate::panes;
use crate::relaunch::{self, Start};
use crate::state::Store;
use crate::tmux::command::TmuxCommand;
use crate::tmux::Tmux;
use crate::transcript;

#[derive(clap::Args, Debug)]
pub struct Args {}

/// Create each declared session that is missing, in its folder, on the active account,
/// resuming the last session id known for it. Exit 0 when every declared session exists.
pub fn run(tmux: &Tmux, _args: Args) -> Result<ExitCode> {
    let store = Store::open()?;
    let state = store.read();
    let scan = panes::scan(tmux)?;
    let config = scan.config()?;
    if config.sessions.is_empty() {
        println!("no sessions are declared (set @claude-failover-sessions to NAME=DIR ...)");
        return Ok(ExitCode::SUCCESS);
    }
    let active = failover::active(&config, &state);
    let dir = config
        .account(&active)
        .map(|a| a.dir.clone())
        .expect("active is a configured account");
    let mut failed = 0;
    let mut created = Vec::new();
    for s in &config.sessions {
        if scan.panes.iter().any(|p| p.session == s.name) {
            println!("{}: already running", s.name);
            continue;
        }
        if !s.dir.is_dir() {
            eprintln!(
                "{}: folder {} does not exist; not created",
                s.name,
                s.dir.display()
            );
            failed += 1;
            continue;
        }
        let cwd = s.dir.display().to_string();
        // Resume only a conversation the active account can reach; otherwise start afresh
        // rather than launch a resume that would fail.
        let id = state
            .declared
            .get(&s.name)
            .filter(|id| transcript::transcript_path(&dir, &cwd, id).is_file())
            .cloned();
        let launch = match &id {
            Some(id) => failover::Launch::Resume(id.clone()),
            None => failover::Launch::Fresh,
        };
        let argv = failover::pane_command(&config, &dir, &launch, &[]);
        let result = tmux.send(&[TmuxCommand::new_session(&s.name, &cwd, &argv)]);
        match result {
            Ok(_) => created.push(match &id {
                Some(id) => (&s.name, format!("resuming {id} on {active}")),
                None => (&s.name, format!("new conversation on {active}")),
            }),
            Err(err) => {
                eprintln!("{}: could not create: {err:#}", s.name);
                failed += 1;
            }
        }
    }
    failed += report_starts(tmux, &created);
    Ok(ExitCode::from(if failed == 0 { 0 } else { 1 }))
}

/// Watch the Claude of each created session come up (a few seconds at most) and say how it
/// went: a session whose Claude exited at once (a conversation the account cannot reach, a bad
/// option) is a failure, with what Claude printed. Returns the number of failures.
fn report_starts(tmux: &Tmux, created: &[(&String, String)]) -> usize {
    if created.is_empty() {
        return 0;
    }
    let listed = panes::scan(tmux).map(|scan| scan.panes).unwrap_or_default();
    let pane_of = |name: &String| {
        listed
            .iter()
            .find(|p| &p.session == name)
            .map(|p| p.id.as_str())
    };
    let watched: Vec<&str> = created
        .iter()
        .filter_map(|(name, _)| pane_of(name))
        .collect();
    let came = relaunch::watch_new(tmux, &watched);
    let mut failed = 0;
    for (name, what) in created {
        let start = pane_of(name).and_then(|pane| came.iter().find(|(p, _)| p == pane));
        match start.map(|(_, start)| start) {
            Some(Start::Running) => println!("{name}: created, {what}"),
            Some(Start::Starting) => println!("{name}: created, {what} (Claude is still starting)"),
            Some(Start::Failed(why)) => {
                eprintln!("{name}: created, {what}, but {why}");
                failed += 1;
            }
            None => {
                eprintln!("{name}: created, {what}, but the session closed at once");
                failed += 1;
            }
        }
    }
    failed
}
