use std::process::ExitCode;

use anyhow::Result;

use crate::failover;
use crate::panes;
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
            Ok(_) => match &id {
                Some(id) => println!("{}: created, resuming {id} on {active}", s.name),
                None => println!("{}: created, new conversation on {active}", s.name),
            },
            Err(err) => {
                eprintln!("{}: could not create: {err:#}", s.name);
                failed += 1;
            }
        }
    }
    Ok(ExitCode::from(if failed == 0 { 0 } else { 1 }))
}
