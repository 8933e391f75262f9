//! Panes: which tmux panes run Claude Code, on which account, in which session, doing what.
//!
//! One tmux call lists the options, every pane and the attached clients; the process tree of
//! each pane says whether Claude runs there; one more call captures only the Claude panes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use jiff::Timestamp;

use crate::accounts::Account;
use crate::options::{self, Config};
use crate::procs::{EnvLookup, Glance, ProcInfo, Procs};
use crate::tmux::{output, Tmux};
use crate::transcript;

/// A tmux pane as `list-panes -a` reports it.
#[derive(Clone, Debug, PartialEq)]
pub struct Pane {
    pub id: String,
    pub pid: u32,
    pub session: String,
    pub window: String,
    pub dead: bool,
}

/// One record per pane (see `tmux::output`: the session name may hold anything, a newline
/// included). Folders come from Claude's own session file or the process, not this listing.
const PANE_FIELDS: [&str; 6] = [
    "=P",
    "pane_id",
    "pane_pid",
    "window_id",
    "pane_dead",
    "session_name",
];

/// Which account a Claude process belongs to.
#[derive(Clone, Debug, PartialEq)]
pub enum Owner {
    /// One of the configured accounts, by name.
    Account(String),
    /// A config home that no configured account has (reported in `status`, never swapped).
    Unmanaged(PathBuf),
    /// The environment could not be read; the last known account (or none).
    Unknown,
}

/// A pane where Claude Code runs.
#[derive(Clone, Debug)]
pub struct ClaudePane {
    pub pane: Pane,
    pub process: ProcInfo,
    pub owner: Owner,
    pub config_dir: Option<PathBuf>,
    /// From `sessions/<pid>.json`, else the `--resume`/`--session-id` argument; always a UUID.
    pub session_id: Option<String>,
    /// The process keeps `sessions/<pid>.json` (2.1.150+); older releases do not, and fork a
    /// resumed conversation under a new id, so their `--resume` argument is not their session.
    pub has_session_file: bool,
    /// `startedAt` of the sessions file, else the process start.
    pub started_at: Option<Timestamp>,
    pub busy: bool,
    pub cwd: String,
    /// What the next poll needs to check this process with a glance (see `Seen`).
    pub seen: Option<Seen>,
}

/// A Claude process as a poll found it, kept in the state so that the next poll checks it with
/// one read of `/proc/<pid>/stat` and its session file instead of reading the pane's process
/// tree, arguments and environment again: most of an idle poll's cost at 200 panes.
///
/// Only a process that keeps its session file (2.1.150+) is kept: that file is read at every
/// poll anyway, and without it the process tree decides which process is the session's.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Seen {
    /// The pane's own process (its shell, or Claude itself), as tmux listed it.
    pub root: u32,
    pub process: ProcInfo,
    /// With the pid, the process's identity: a reused pid starts at another tick.
    pub start_ticks: u64,
    pub config_dir: PathBuf,
    /// The `@claude-failover-command` it was judged with.
    pub command: String,
}

/// How far below the pane's own process its Claude may be (shell, wrapper, Claude).
const SEEN_DEPTH: usize = 4;

impl Seen {
    fn none() -> HashMap<&'static str, &'static Seen> {
        HashMap::new()
    }

    /// What a full trace found, kept when the process keeps its session file.
    fn of(config: &Config, pane: &Pane, trace: &Trace, reads: &mut Reads) -> Option<Seen> {
        trace.file.as_ref()?;
        Some(Seen {
            root: pane.pid,
            start_ticks: reads.procs.start_ticks(trace.process.pid)?,
            process: trace.process.clone(),
            config_dir: trace.config_dir.clone()?,
            command: config.command.clone(),
        })
    }

    /// The same process, still there: same pid, start and name, running (not stopped), still
    /// below the same pane process, judged with the same command, and still keeping its session
    /// file. Anything else (None) is traced again from the pane's root.
    fn recheck(&self, config: &Config, pane: &Pane, reads: &mut Reads) -> Option<Trace> {
        if self.root != pane.pid || self.command != config.command {
            return None;
        }
        let now = reads.glance(self.process.pid)?;
        if !now.running || now.start_ticks != self.start_ticks || now.name != self.process.name {
            return None;
        }
        let (mut pid, mut ppid) = (self.process.pid, now.ppid);
        let mut steps = 0;
        while pid != pane.pid && ppid != pane.pid {
            steps += 1;
            if steps >= SEEN_DEPTH || ppid <= 1 {
                return None;
            }
            (pid, ppid) = (ppid, reads.glance(ppid)?.ppid);
        }
        let file = reads.session_file(&self.config_dir, self.process.pid)?;
        Some(Trace {
            process: ProcInfo {
                ppid: now.ppid,
                ..self.process.clone()
            },
            config_dir: Some(self.config_dir.clone()),
            file: Some(file),
        })
    }
}

pub struct Scan {
    pub config: Result<Config>,
    /// How processes were read (`/proc` or `ps`), for `status`.
    pub procs_backend: crate::procs::Backend,
    pub panes: Vec<Pane>,
    pub clients: Vec<String>,
    pub claude: Vec<ClaudePane>,
}

impl Scan {
    /// The options, or the sentence saying which one is invalid.
    pub fn config(&self) -> Result<Config> {
        match &self.config {
            Ok(c) => Ok(c.clone()),
            Err(err) => anyhow::bail!("{err:#}"),
        }
    }
}

/// List options, panes and clients in one tmux call, then find Claude in each pane.
pub fn scan(tmux: &Tmux) -> Result<Scan> {
    Ok(scan_and_capture(tmux, &[], &Seen::none())?.0)
}

/// Like `scan`, and in the same tmux call capture `known` panes (those that ran Claude at the
/// last poll): in the steady state a whole poll costs one tmux client. If one of them vanished
/// tmux stops at its capture, so we list again without captures. The Claude processes `seen`
/// at the last poll are checked with a glance rather than read again.
pub fn scan_and_capture(
    tmux: &Tmux,
    known: &[&str],
    seen: &HashMap<&str, &Seen>,
) -> Result<(Scan, Captures)> {
    let pane_format = output::record(&PANE_FIELDS);
    let client_format = output::record(&["=C", "client_name"]);
    let mut commands = vec![
        options::command(),
        vec!["list-panes".into(), "-a".into(), "-F".into(), pane_format],
        vec!["list-clients".into(), "-F".into(), client_format],
    ];
    let nonce = nonce();
    let listing_only = commands.len();
    let mut chunks = capture_chunks(&nonce, known, packed_len(&commands)).into_iter();
    commands.extend(chunks.next().unwrap_or_default());
    // While the server lists, the processes seen at the last poll are looked at: the answer
    // (about 2 ms at 200 panes) and those reads (about as long) overlap.
    let mut reads = Reads::new(Procs::new());
    let (out, captured) = match tmux.query_then(&commands, || reads.look_ahead(seen)) {
        Ok(out) => (out, true),
        Err(_) if !known.is_empty() => (
            tmux.query(&commands[..listing_only])
                .context("could not list the tmux panes")?,
            false,
        ),
        Err(err) => return Err(err).context("could not list the tmux panes"),
    };
    let (config, rest) = options::parse_prefix(&out);
    let (listing, mut captures) = match rest.find(&nonce) {
        Some(i) if captured => (&rest[..i], parse_captures(&rest[i..], &nonce)),
        _ => (rest, Captures::new()),
    };
    // More panes than one command line holds: the rest, a call per command line. A chunk that
    // fails (a pane vanished) leaves its panes uncaptured; the caller captures what is missing.
    if captured {
        for chunk in chunks {
            if let Ok(text) = tmux.query(&chunk) {
                captures.extend(parse_captures(&text, &nonce));
            }
        }
    }
    let (panes, clients) = parse_listing(listing);
    let claude = match &config {
        Ok(config) => find_claude(tmux, config, &panes, seen, reads),
        Err(_) => Vec::new(),
    };
    let scan = Scan {
        procs_backend: Procs::new().backend(),
        config,
        panes,
        clients,
        claude,
    };
    Ok((scan, captures))
}

/// Pane records (`P`) and client records (`C`), as `scan_and_capture` asks for them.
fn parse_listing(text: &str) -> (Vec<Pane>, Vec<String>) {
    let mut panes = Vec::new();
    let mut clients = Vec::new();
    for rec in output::parse_records(text) {
        match rec.as_slice() {
            [tag, name] if tag == "C" => clients.push(name.clone()),
            [tag, id, pid, window, dead, session] if tag == "P" => {
                let Ok(pid) = pid.parse() else { continue };
                panes.push(Pane {
                    id: id.clone(),
                    pid,
                    session: session.clone(),
                    window: window.clone(),
                    dead: dead == "1",
                });
            }
            _ => {}
        }
    }
    (panes, clients)
}

/// What one scan has read: processes, and the session files of the Claude processes among them.
/// Asking again costs nothing.
struct Reads {
    procs: Procs,
    /// By pid: the config home it was read from, and what it held.
    session_files: HashMap<u32, (PathBuf, Option<SessionFile>)>,
    glances: HashMap<u32, Option<Glance>>,
}

impl Reads {
    fn new(procs: Procs) -> Reads {
        Reads {
            procs,
            session_files: HashMap::new(),
            glances: HashMap::new(),
        }
    }

    /// Read what checking the processes `seen` at the last poll takes (see `Seen::recheck`).
    fn look_ahead(&mut self, seen: &HashMap<&str, &Seen>) {
        for s in seen.values() {
            if self.glance(s.process.pid).is_some() {
                self.session_file(&s.config_dir, s.process.pid);
            }
        }
    }

    fn glance(&mut self, pid: u32) -> Option<Glance> {
        let procs = &mut self.procs;
        self.glances
            .entry(pid)
            .or_insert_with(|| procs.glance(pid))
            .clone()
    }

    fn session_file(&mut self, config_dir: &Path, pid: u32) -> Option<SessionFile> {
        match self.session_files.get(&pid) {
            Some((dir, file)) if dir == config_dir => file.clone(),
            _ => {
                let file = read_session_file(config_dir, pid);
                let read = (config_dir.to_path_buf(), file.clone());
                self.session_files.insert(pid, read);
                file
            }
        }
    }
}

fn find_claude(
    tmux: &Tmux,
    config: &Config,
    panes: &[Pane],
    seen: &HashMap<&str, &Seen>,
    mut reads: Reads,
) -> Vec<ClaudePane> {
    panes
        .iter()
        .filter(|p| !p.dead)
        .filter_map(|pane| {
            look_at(
                config,
                pane,
                seen.get(pane.id.as_str()).copied(),
                &mut reads,
            )
        })
        .map(|mut claude| {
            // The last resort for the folder is one more tmux call.
            if claude.cwd.is_empty() {
                claude.cwd = pane_path(tmux, &claude.pane.id).unwrap_or_default();
            }
            claude
        })
        .collect()
}

/// The Claude of one pane: the process seen there at the last poll if a glance finds it
/// unchanged, else whatever a full read of the pane's tree finds.
fn look_at(
    config: &Config,
    pane: &Pane,
    known: Option<&Seen>,
    reads: &mut Reads,
) -> Option<ClaudePane> {
    if let Some(again) = known.and_then(|s| s.recheck(config, pane, reads)) {
        return Some(judge(config, pane, again, known.cloned(), reads));
    }
    let traced = trace(&config.command, pane.pid, reads)?;
    let seen = Seen::of(config, pane, &traced, reads);
    Some(judge(config, pane, traced, seen, reads))
}

/// The Claude process of one pane's tree, with its config home and session file, as read.
struct Trace {
    process: ProcInfo,
    config_dir: Option<PathBuf>,
    file: Option<SessionFile>,
}

/// Find the Claude process under `root`: all the reading that judging a pane takes.
fn trace(command: &str, root: u32, reads: &mut Reads) -> Option<Trace> {
    let outermost = reads.procs.outermost_claude(root, command);
    let mut chosen: Option<Trace> = None;
    // One Claude process that writes its own session file is the CLI: what runs below it is
    // its tools, not read at all (a Claude process has a dozen threads, a file each to read).
    if let [process] = outermost.as_slice() {
        let config_dir = config_dir_of(&mut reads.procs, process.pid);
        let file = config_dir
            .as_ref()
            .and_then(|d| reads.session_file(d, process.pid));
        if file.is_some() {
            let process = process.clone();
            chosen = Some(Trace {
                process,
                config_dir,
                file,
            });
        }
    }
    // Else there are several: a wrapper (node) that starts the native CLI as its child, or a
    // Claude stopped by Ctrl-Z with another started beside it. See `pick`.
    if chosen.is_none() {
        if outermost.is_empty() {
            return None;
        }
        let traces = reads
            .procs
            .claude_processes(root, command)
            .into_iter()
            .map(|process| {
                let config_dir = config_dir_of(&mut reads.procs, process.pid);
                let file = config_dir
                    .as_ref()
                    .and_then(|d| reads.session_file(d, process.pid));
                let stopped = reads.procs.stopped(process.pid);
                (
                    Trace {
                        process,
                        config_dir,
                        file,
                    },
                    stopped,
                )
            });
        chosen = pick(traces);
    }
    let chosen = chosen?;
    // Judging falls back to the process's folder when the session file has none.
    if chosen.file.as_ref().and_then(|f| f.cwd.as_ref()).is_none() {
        reads.procs.cwd(chosen.process.pid);
    }
    Some(chosen)
}

/// The pane's Claude among several, given in tree order (outer before inner): one that runs
/// before a stopped one, then one that writes its session file (the CLI, not a wrapper), then
/// the newest (pids wrap, so not the highest pid), then the innermost.
fn pick(traces: impl Iterator<Item = (Trace, bool)>) -> Option<Trace> {
    traces
        .enumerate()
        .max_by_key(|(order, (trace, stopped))| {
            (
                !stopped,
                trace.file.is_some(),
                trace.process.started_at,
                *order,
            )
        })
        .map(|(_, (trace, _))| trace)
}

/// What the Claude process traced in one pane says: its account and session. `cwd` is empty
/// when neither Claude nor /proc tells it.
fn judge(
    config: &Config,
    pane: &Pane,
    trace: Trace,
    seen: Option<Seen>,
    reads: &mut Reads,
) -> ClaudePane {
    let Trace {
        process,
        config_dir,
        file,
    } = trace;
    let owner = match &config_dir {
        Some(dir) => owner_of(&config.accounts, dir),
        None => Owner::Unknown,
    };
    let session_id = file
        .as_ref()
        .and_then(|f| f.session_id.clone())
        .or_else(|| session_id_from_args(&process.argv));
    let cwd = file
        .as_ref()
        .and_then(|f| f.cwd.clone())
        .or_else(|| {
            reads
                .procs
                .cwd(process.pid)
                .map(|p| p.display().to_string())
        })
        .unwrap_or_default();
    ClaudePane {
        pane: pane.clone(),
        started_at: file
            .as_ref()
            .and_then(|f| f.started_at)
            .or(process.started_at),
        busy: file.as_ref().map(|f| f.busy).unwrap_or(false),
        process,
        owner,
        config_dir,
        session_id,
        has_session_file: file.is_some(),
        cwd,
        seen,
    }
}

/// tmux's idea of a pane's folder: the last resort (one more tmux call) when neither Claude's
/// session file nor the process tells it.
fn pane_path(tmux: &Tmux, pane: &str) -> Option<String> {
    let format = output::record(&["pane_current_path"]);
    let out = tmux
        .query(&[["display-message", "-p", "-t", pane, &format]])
        .ok()?;
    let (mut fields, _) = output::parse_record(&out)?;
    let path = fields.pop()?;
    (!path.is_empty()).then_some(path)
}

/// The config home of a Claude process: its `CLAUDE_CONFIG_DIR`, or `~/.claude` when unset.
fn config_dir_of(procs: &mut Procs, pid: u32) -> Option<PathBuf> {
    match procs.env_var(pid, "CLAUDE_CONFIG_DIR") {
        EnvLookup::Set(dir) if !dir.is_empty() => crate::accounts::expand_path(&dir).ok(),
        EnvLookup::Set(_) | EnvLookup::Unset => {
            crate::accounts::home().ok().map(|h| h.join(".claude"))
        }
        EnvLookup::Unknown => None,
    }
}

/// Match a config home to a configured account, by spelling first, then by the real path.
pub fn owner_of(accounts: &[Account], dir: &Path) -> Owner {
    if let Some(a) = accounts.iter().find(|a| a.dir == dir) {
        return Owner::Account(a.name.clone());
    }
    if let Ok(real) = std::fs::canonicalize(dir) {
        if let Some(a) = accounts
            .iter()
            .find(|a| std::fs::canonicalize(&a.dir).ok().as_deref() == Some(real.as_path()))
        {
            return Owner::Account(a.name.clone());
        }
    }
    Owner::Unmanaged(dir.to_path_buf())
}

#[derive(Clone, Debug, Default)]
pub struct SessionFile {
    pub session_id: Option<String>,
    pub cwd: Option<String>,
    pub started_at: Option<Timestamp>,
    pub busy: bool,
}

/// `<config>/sessions/<pid>.json`, the live session file the CLI keeps per process.
pub fn read_session_file(config_dir: &Path, pid: u32) -> Option<SessionFile> {
    let path = config_dir.join("sessions").join(format!("{pid}.json"));
    let bytes = crate::fsutil::read_regular(&path, crate::fsutil::Links::Refuse, 1 << 20).ok()?;
    let fields: SessionFileFields = serde_json::from_slice(&bytes).ok()?;
    Some(SessionFile {
        session_id: fields
            .session_id
            .as_str()
            .filter(|s| transcript::is_session_id(s))
            .map(str::to_string),
        cwd: fields.cwd.as_str().map(str::to_string),
        started_at: fields
            .started_at
            .as_i64()
            .and_then(|ms| Timestamp::from_millisecond(ms).ok()),
        // `waiting` is mid-turn too (a permission prompt, a question): not to be cut off.
        busy: matches!(fields.status.as_str(), Some("busy" | "waiting")),
    })
}

/// The fields of a session file a poll uses, read in place (one per Claude pane at every poll,
/// so no map of every field). Any other field is skipped; of a repeated field the last counts;
/// anything but an object is no session file.
#[derive(Default)]
struct SessionFileFields {
    session_id: serde_json::Value,
    cwd: serde_json::Value,
    started_at: serde_json::Value,
    status: serde_json::Value,
}

#[derive(serde::Deserialize)]
#[serde(field_identifier, rename_all = "camelCase")]
enum SessionFileKey {
    SessionId,
    Cwd,
    StartedAt,
    Status,
    #[serde(other)]
    Other,
}

impl<'de> serde::Deserialize<'de> for SessionFileFields {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Object;
        impl<'de> serde::de::Visitor<'de> for Object {
            type Value = SessionFileFields;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Self::Value, A::Error> {
                let mut fields = SessionFileFields::default();
                while let Some(key) = map.next_key()? {
                    let slot = match key {
                        SessionFileKey::SessionId => &mut fields.session_id,
                        SessionFileKey::Cwd => &mut fields.cwd,
                        SessionFileKey::StartedAt => &mut fields.started_at,
                        SessionFileKey::Status => &mut fields.status,
                        SessionFileKey::Other => {
                            map.next_value::<serde::de::IgnoredAny>()?;
                            continue;
                        }
                    };
                    *slot = map.next_value()?;
                }
                Ok(fields)
            }
        }
        d.deserialize_map(Object)
    }
}

/// `--resume <id>`, `-r <id>`, `--resume=<id>`, `--session-id <id>`: a valid UUID only.
pub fn session_id_from_args(argv: &[String]) -> Option<String> {
    let mut it = argv.iter().skip(1);
    while let Some(a) = it.next() {
        let value = match a.as_str() {
            "--resume" | "-r" | "--session-id" => it.next().cloned(),
            _ => a
                .strip_prefix("--resume=")
                .or_else(|| a.strip_prefix("--session-id="))
                .map(str::to_string),
        };
        if let Some(v) = value.filter(|v| transcript::is_session_id(v)) {
            return Some(v);
        }
    }
    None
}

/// The id in the exit hint `claude --resume <uuid>` nearest the bottom of a screen.
pub fn session_id_from_exit_hint(screen: &str) -> Option<String> {
    for line in screen.lines().rev() {
        let line = line.trim();
        if let Some(pos) = line.find("--resume ") {
            let id = line[pos + "--resume ".len()..].trim();
            if transcript::is_session_id(id) {
                return Some(id.to_string());
            }
        }
    }
    None
}

pub type Captures = HashMap<String, String>;

/// A marker no pane text can forge: unique to this process and instant.
fn nonce() -> String {
    format!(
        "@@claude-failover-{}-{}",
        std::process::id(),
        Timestamp::now().as_nanosecond()
    )
}

/// The bytes a command line takes in tmux's command message (each word and `;` NUL-ended).
fn packed_len(commands: &[Vec<String>]) -> usize {
    commands
        .iter()
        .map(|c| c.iter().map(|w| w.len() + 1).sum::<usize>() + 2)
        .sum()
}

/// Capture commands for `panes`, cut into command lines that tmux accepts (one message of at
/// most 16 KiB); the first line has `used` bytes taken already.
fn capture_chunks(nonce: &str, panes: &[&str], used: usize) -> Vec<Vec<Vec<String>>> {
    let mut chunks: Vec<Vec<Vec<String>>> = vec![Vec::new()];
    let mut size = used;
    for id in panes {
        let commands = capture_commands(nonce, id);
        let len = packed_len(&commands);
        let last = chunks.last_mut().expect("one chunk at least");
        if size + len > crate::tmux::MAX_COMMAND_BYTES && !last.is_empty() {
            chunks.push(Vec::new());
            size = 0;
        }
        size += len;
        chunks
            .last_mut()
            .expect("one chunk at least")
            .extend(commands);
    }
    chunks.retain(|c| !c.is_empty());
    chunks
}

/// A marker line, then the pane's visible screen (`capture-pane -p -J`).
fn capture_commands(nonce: &str, id: &str) -> Vec<Vec<String>> {
    vec![
        vec![
            "display-message".into(),
            "-p".into(),
            "-t".into(),
            id.to_string(),
            format!("{nonce} {id}"),
        ],
        vec![
            "capture-pane".into(),
            "-p".into(),
            "-J".into(),
            "-t".into(),
            id.to_string(),
        ],
    ]
}

fn parse_captures(text: &str, nonce: &str) -> Captures {
    let mut out = Captures::new();
    let mut current: Option<String> = None;
    let mut buf = String::new();
    for line in text.split_inclusive('\n') {
        if let Some(rest) = line.strip_prefix(nonce) {
            if let Some(id) = current.take() {
                out.insert(id, std::mem::take(&mut buf));
            }
            current = Some(rest.trim().to_string());
            continue;
        }
        buf.push_str(line);
    }
    if let Some(id) = current {
        out.insert(id, buf);
    }
    out
}

/// Capture the visible screen of each pane in one tmux call.
pub fn capture(tmux: &Tmux, panes: &[&str]) -> Result<Captures> {
    if panes.is_empty() {
        return Ok(Captures::new());
    }
    let nonce = nonce();
    let mut captures = Captures::new();
    for chunk in capture_chunks(&nonce, panes, 0) {
        let text = tmux
            .query(&chunk)
            .context("could not capture the Claude panes")?;
        captures.extend(parse_captures(&text, &nonce));
    }
    Ok(captures)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Which of several Claude processes in one pane is its Claude.
    #[test]
    fn the_pane_s_claude_is_the_running_newest_cli_whatever_its_pid() {
        let at = |secs: i64| Some(Timestamp::from_second(1_800_000_000 + secs).unwrap());
        let trace = |pid: u32, started_at, file: bool| Trace {
            process: ProcInfo {
                pid,
                ppid: 1,
                name: "claude".into(),
                argv: vec!["claude".into()],
                started_at,
            },
            config_dir: None,
            file: file.then_some(SessionFile {
                session_id: None,
                cwd: None,
                started_at: None,
                busy: false,
            }),
        };
        // Each process as (pid, started, writes its session file, stopped), in tree order as
        // `claude_processes` gives them (siblings by pid).
        type Process = (u32, i64, bool, bool);
        let cases: &[(&str, &[Process], Option<u32>)] = &[
            (
                "Ctrl-Z, then another Claude after the pids wrapped: the one that runs",
                &[(300, 5, true, false), (32400, 0, true, true)],
                Some(300),
            ),
            (
                "`fg` on the older one while the newer is stopped: the one that runs",
                &[(100, 0, true, false), (200, 5, true, true)],
                Some(100),
            ),
            (
                "two that run, the pids wrapped: the newest",
                &[(90, 5, true, false), (32000, 0, true, false)],
                Some(90),
            ),
            (
                "a wrapper and the CLI it started: the one that writes its session file",
                &[(10, 0, false, false), (11, 0, true, false)],
                Some(11),
            ),
            (
                "no session file at all (older releases): the innermost of the same start",
                &[(10, 0, false, false), (11, 0, false, false)],
                Some(11),
            ),
            ("none", &[], None),
        ];
        for (what, processes, want) in cases {
            let traces = processes
                .iter()
                .map(|&(pid, secs, file, stopped)| (trace(pid, at(secs), file), stopped));
            assert_eq!(pick(traces).map(|t| t.process.pid), *want, "{what}");
        }
    }

    #[test]
    fn ids_from_args_are_validated() {
        let id = "cc2f0417-2ae8-48a3-a00a-f75185159949";
        let argv = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            session_id_from_args(&argv(&["claude", "--resume", id])),
            Some(id.into())
        );
        assert_eq!(
            session_id_from_args(&argv(&["claude", "-r", id])),
            Some(id.into())
        );
        assert_eq!(
            session_id_from_args(&argv(&["claude", &format!("--resume={id}")])),
            Some(id.into())
        );
        assert_eq!(
            session_id_from_args(&argv(&["claude", "--resume", "$(rm -rf ~)"])),
            None
        );
        assert_eq!(session_id_from_args(&argv(&["claude"])), None);
    }

    #[test]
    fn listings_survive_odd_session_names() {
        // As tmux prints `#{q:...}` values (3.4-3.5a would print \037 for the \x1f).
        let text =
            "P \\%1 100 @1 0 main|\nP \\%2 200 @2 1 odd\nname\\ \\|\\ x\\;\x1f|\nC /dev/pts/3|\n";
        let (panes, clients) = parse_listing(text);
        assert_eq!(panes.len(), 2);
        assert_eq!(panes[0].id, "%1");
        assert_eq!(panes[1].session, "odd\nname | x;\x1f");
        assert!(panes[1].dead);
        assert_eq!(clients, ["/dev/pts/3"]);
    }

    #[test]
    fn captures_of_many_panes_are_cut_into_command_lines_tmux_accepts() {
        let ids: Vec<String> = (0..1000).map(|i| format!("%{i}")).collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let nonce = nonce();
        let chunks = capture_chunks(&nonce, &ids, 3000);
        assert!(chunks.len() > 2);
        assert!(packed_len(&chunks[0]) + 3000 <= crate::tmux::MAX_COMMAND_BYTES);
        for chunk in &chunks[1..] {
            assert!(packed_len(chunk) <= crate::tmux::MAX_COMMAND_BYTES);
        }
        let targets: Vec<&String> = chunks.iter().flatten().map(|c| &c[4]).collect();
        assert_eq!(targets.len(), 2000);
        assert!(capture_chunks(&nonce, &[], 0).is_empty());
    }

    #[test]
    fn session_files_read_only_the_fields_of_the_types_expected() {
        let dir = std::env::temp_dir().join(format!("cf-panes-sessions-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sessions")).unwrap();
        let read = |text: &str| {
            std::fs::write(dir.join("sessions/7.json"), text).unwrap();
            read_session_file(&dir, 7)
        };
        let id = "2105e174-1b2c-4d5e-8f90-a1b2c3d4e5f6";
        let real = format!(
            r#"{{"pid":7,"sessionId":"{id}","cwd":"/w/a \"b\" \u00e9","startedAt":1796223600123,
            "kind":"interactive","entrypoint":"cli","status":"busy","updatedAt":1,"tmux":"s:@1.%2",
            "nested":{{"a":[1,{{"b":null}}]}}}}"#
        );
        let f = read(&real).expect("a real session file");
        assert_eq!(f.session_id.as_deref(), Some(id));
        assert_eq!(f.cwd.as_deref(), Some("/w/a \"b\" é"), "escapes decoded");
        assert_eq!(
            f.started_at.map(|t| t.as_millisecond()),
            Some(1796223600123)
        );
        assert!(f.busy);
        assert!(
            read(r#"{"status":"waiting"}"#).unwrap().busy,
            "mid-turn too"
        );
        // Fields of another type read as absent, as does an id that is no UUID.
        let odd =
            read(r#"{"sessionId":"$(rm -rf ~)","cwd":7,"startedAt":1.5e12,"status":["busy"]}"#)
                .expect("the file is still read");
        assert_eq!(
            (odd.session_id, odd.cwd, odd.started_at, odd.busy),
            (None, None, None, false)
        );
        assert!(read(r#"{"startedAt":18446744073709551615}"#)
            .unwrap()
            .started_at
            .is_none());
        assert!(read("{}").is_some());
        let twice =
            format!(r#"{{"status":"busy","sessionId":"x","status":"idle","sessionId":"{id}"}}"#);
        let twice = read(&twice).unwrap();
        assert_eq!(
            (twice.session_id.as_deref(), twice.busy),
            (Some(id), false),
            "the last counts"
        );
        assert!(read("[]").is_none(), "not an object");
        assert!(read(r#"{"cwd":"/w""#).is_none(), "cut short");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn exit_hint_gives_the_id() {
        let screen =
            "\nResume this session with:\nclaude --resume cc2f0417-2ae8-48a3-a00a-f75185159949\n";
        assert_eq!(
            session_id_from_exit_hint(screen).as_deref(),
            Some("cc2f0417-2ae8-48a3-a00a-f75185159949")
        );
        assert_eq!(
            session_id_from_exit_hint("claude --resume $(rm -rf ~)\n"),
            None
        );
    }
}
