//! Finding Claude Code in a pane's process tree, and reading its environment, arguments,
//! working directory and start time.
//!
//! Two backends answer the same questions. `Proc` reads Linux's `/proc` and touches only the
//! processes of the tree asked about. `Ps` serves systems without `/proc` (macOS, the BSDs): one
//! `ps` snapshot of every process per `Procs`, `ps` with environments for one process at a time,
//! `lsof` for working directories. `CLAUDE_FAILOVER_PROCS=ps` forces `Ps` on Linux, so that the
//! path macOS users depend on is exercised where the tests run.
//!
//! A `Procs` is a view of one moment (one tick): what it read it keeps, so asking twice costs
//! nothing and answers the same. `refresh` forgets it all.

use std::collections::{HashMap, HashSet, VecDeque};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};

/// Environment variable that forces a backend: `ps` (anything else means the default).
pub const BACKEND_VAR: &str = "CLAUDE_FAILOVER_PROCS";

/// Longest an external command (`ps`, `lsof`) may take. They answer in milliseconds; a stuck one
/// (an NFS cwd can hang lsof) must not stall the status line.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(2);

/// Two start times this close are the same process: `ps` reports elapsed time in whole seconds
/// (so its start times wobble by one between snapshots), and the boot time that /proc start
/// times are counted from is re-derived from a clock that NTP slews.
const START_SLACK: SignedDuration = SignedDuration::from_secs(2);

/// What the npm package's path holds, in the argv of the node/bun process running it.
const PACKAGE_MARKER: &str = "@anthropic-ai/claude-code";

/// Linux keeps 15 bytes of a process name (TASK_COMM_LEN 16 with its NUL); macOS 16.
const SHORT_NAME_LEN: usize = 15;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Proc,
    Ps,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ProcInfo {
    pub pid: u32,
    pub ppid: u32,
    /// The kernel's short name (comm), a basename; cut to 15 bytes on Linux.
    pub name: String,
    /// The arguments. From `ps` they are its one `args` column split at spaces, so an argument
    /// that holds a space arrives as several.
    pub argv: Vec<String>,
    /// Wall-clock start; to second precision only from `ps`. Compare with `same_start`.
    pub started_at: Option<Timestamp>,
}

/// A process at a glance: see `Procs::glance`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Glance {
    pub ppid: u32,
    pub name: String,
    pub start_ticks: u64,
    /// Neither a zombie nor stopped.
    pub running: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EnvLookup {
    Set(String),
    Unset,
    /// The environment could not be read: another user's process, a vanished one, a zombie,
    /// or (from `ps`) one whose environment is empty, which cannot be told from unreadable.
    Unknown,
}

/// Does `a` start the same process as `b`? Unknown start times never disprove it.
pub fn same_start(a: Option<Timestamp>, b: Option<Timestamp>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.duration_since(b).abs() <= START_SLACK,
        _ => true,
    }
}

/// A process's environment as the kernel keeps it: `NAME=value` entries, each ending in a NUL.
/// Kept whole and searched when asked: a tick asks for one variable of a few processes, and
/// the environment of a shell or of Claude holds dozens.
#[derive(Clone, Debug, PartialEq)]
struct Environ(Vec<u8>);

impl Environ {
    /// None when no entry has a name (empty: a zombie, or another user's process from `ps`).
    fn new(raw: Vec<u8>) -> Option<Environ> {
        let env = Environ(raw);
        let named = env.entries().next().is_some();
        named.then_some(env)
    }

    fn entries(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.0.split(|&b| b == 0).filter_map(|item| {
            let eq = item.iter().position(|&b| b == b'=')?;
            Some((&item[..eq], &item[eq + 1..]))
        })
    }

    /// The first of duplicates, as getenv() returns.
    fn get(&self, key: &str) -> Option<String> {
        self.entries()
            .find(|(name, _)| *name == key.as_bytes())
            .map(|(_, value)| String::from_utf8_lossy(value).into_owned())
    }
}

#[derive(Clone, Debug)]
struct Entry {
    info: ProcInfo,
    zombie: bool,
    /// Stopped (Ctrl-Z, SIGSTOP): another Claude may run beside it in the same pane.
    stopped: bool,
    /// /proc only: its number of threads, when known (one means one `children` file to read).
    threads: Option<u32>,
    /// /proc only: clock ticks after boot, exact (with the pid, the process's identity).
    start_ticks: Option<u64>,
    /// `ps` only: its `args` column as printed, to cut from the front of `ps`'s
    /// environment output (whose end is the environment).
    args: String,
}

#[derive(Default)]
struct Snapshot {
    entries: HashMap<u32, Entry>,
    children: HashMap<u32, Vec<u32>>,
}

pub struct Procs {
    backend: Backend,
    /// `Proc`: each process read so far (None: gone or unreadable).
    entries: HashMap<u32, Option<Entry>>,
    /// `Proc`: children lists read so far.
    children: HashMap<u32, Vec<u32>>,
    /// `Proc`: whether the kernel has `/proc/<pid>/task/<tid>/children` (CONFIG_PROC_CHILDREN).
    children_files: Option<bool>,
    /// `Proc` without children files: parent → children, from one scan of /proc.
    ppid_scan: Option<HashMap<u32, Vec<u32>>>,
    /// `Proc`: boot time in ns since the epoch (outer None: not read yet).
    boot_ns: Option<Option<i128>>,
    /// `Ps`: the one snapshot (taken at first need).
    snapshot: Option<Snapshot>,
    envs: HashMap<u32, Option<Environ>>,
    cwds: HashMap<u32, Option<PathBuf>>,
}

impl Default for Procs {
    fn default() -> Self {
        Procs::new()
    }
}

impl Procs {
    /// `Backend::Ps` if `CLAUDE_FAILOVER_PROCS=ps` or there is no `/proc/self/stat`.
    pub fn new() -> Procs {
        let forced = std::env::var(BACKEND_VAR).ok();
        let has_proc = Path::new("/proc/self/stat").exists();
        Procs::with_backend(choose_backend(forced.as_deref(), has_proc))
    }

    pub fn with_backend(backend: Backend) -> Procs {
        Procs {
            backend,
            entries: HashMap::new(),
            children: HashMap::new(),
            children_files: None,
            ppid_scan: None,
            boot_ns: None,
            snapshot: None,
            envs: HashMap::new(),
            cwds: HashMap::new(),
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Forget everything read so far, so the next questions see the present.
    #[cfg_attr(not(test), allow(dead_code))] // part of the interface; exercised by the tests
    pub fn refresh(&mut self) {
        *self = Procs::with_backend(self.backend);
    }

    /// The processes in the tree under (and including) `root` that are Claude Code, shallowest
    /// first (pids ascending within a depth).
    ///
    /// Claude is: name or argv[0] basename equal to `claude` or to the basename of `command`, or
    /// a node/bun process running the npm package (a path containing `@anthropic-ai/claude-code`,
    /// or its `claude` bin script). Below a Claude process only its direct children that are
    /// Claude count (a wrapper starting the native binary); deeper ones are Claude's own tools
    /// (`bash -c 'claude -p …'`), not the pane's session, so they are not searched.
    pub fn claude_processes(&mut self, root: u32, command: &str) -> Vec<ProcInfo> {
        self.search(root, command, true)
    }

    /// The outermost Claude processes under `root`, without reading below them: usually the
    /// CLI itself, whose children (its tools) then cost nothing to read.
    pub fn outermost_claude(&mut self, root: u32, command: &str) -> Vec<ProcInfo> {
        self.search(root, command, false)
    }

    fn search(&mut self, root: u32, command: &str, below_claude: bool) -> Vec<ProcInfo> {
        // pid 0 is no process on Linux, and the root of everything (kernel_task) on macOS.
        if root == 0 {
            return Vec::new();
        }
        let matcher = Matcher::new(command);
        let mut found = Vec::new();
        let mut seen = HashSet::new();
        // (pid, whether its parent is Claude)
        let mut queue = VecDeque::from([(root, false)]);
        while let Some((pid, under_claude)) = queue.pop_front() {
            if !seen.insert(pid) {
                continue;
            }
            let claude = match self.entry(pid) {
                Some(e) if !e.zombie => {
                    let claude = matcher.matches(&e.info.name, &e.info.argv);
                    if claude {
                        found.push(e.info.clone());
                    }
                    claude
                }
                _ => continue,
            };
            if (under_claude && !claude) || (claude && !below_claude) {
                continue;
            }
            let mut kids = self.children_of(pid);
            kids.sort_unstable();
            queue.extend(kids.into_iter().map(|k| (k, claude)));
        }
        found
    }

    /// What this view knows of one process (None: gone, a zombie, or unreadable).
    #[cfg_attr(not(test), allow(dead_code))] // part of the interface; exercised by the tests
    pub fn info(&mut self, pid: u32) -> Option<ProcInfo> {
        self.entry(pid)
            .filter(|e| !e.zombie)
            .map(|e| e.info.clone())
    }

    /// One environment variable of a process (Unknown when it cannot be read).
    pub fn env_var(&mut self, pid: u32, key: &str) -> EnvLookup {
        if !self.envs.contains_key(&pid) {
            let env = match self.backend {
                Backend::Proc => read_proc_env(pid),
                Backend::Ps => self.ps_env(pid),
            };
            self.envs.insert(pid, env);
        }
        match self.envs.get(&pid) {
            Some(Some(env)) => match env.get(key) {
                Some(value) => EnvLookup::Set(value),
                None => EnvLookup::Unset,
            },
            _ => EnvLookup::Unknown,
        }
    }

    /// The working directory of a process; None when it cannot be told (callers fall back to
    /// tmux's `pane_current_path`).
    pub fn cwd(&mut self, pid: u32) -> Option<PathBuf> {
        if let Some(known) = self.cwds.get(&pid) {
            return known.clone();
        }
        let cwd = match self.backend {
            Backend::Proc => read_proc_cwd(pid),
            Backend::Ps => lsof_cwd(pid),
        };
        self.cwds.insert(pid, cwd.clone());
        cwd
    }

    /// Is `pid` still the same process (same start time, within a second or two)? As of this
    /// view: `refresh` first to ask again later.
    #[cfg_attr(not(test), allow(dead_code))] // part of the interface; exercised by the tests
    pub fn alive(&mut self, pid: u32, started_at: Option<Timestamp>) -> bool {
        match self.entry(pid) {
            Some(e) if !e.zombie => same_start(e.info.started_at, started_at),
            _ => false,
        }
    }

    /// Whether it is stopped (as by Ctrl-Z), as this view read it.
    pub fn stopped(&mut self, pid: u32) -> bool {
        self.entry(pid).is_some_and(|e| e.stopped)
    }

    /// Its start in clock ticks after boot, as this view read it (`/proc` only).
    pub fn start_ticks(&mut self, pid: u32) -> Option<u64> {
        self.entry(pid).and_then(|e| e.start_ticks)
    }

    /// What `/proc/<pid>/stat` alone says, read now (`/proc` only: `ps` reads every process at
    /// once anyway). Enough to tell that a process seen at an earlier poll is still that one,
    /// without reading its arguments or environment again.
    pub fn glance(&mut self, pid: u32) -> Option<Glance> {
        if self.backend != Backend::Proc {
            return None;
        }
        let stat = parse_stat(&read_proc(format!("/proc/{pid}/stat"))?)?;
        Some(Glance {
            ppid: stat.ppid,
            name: stat.comm,
            start_ticks: stat.starttime,
            // A zombie is gone; a stopped one (Ctrl-Z) may have another Claude beside it.
            running: !matches!(stat.state, 'Z' | 'X' | 'T' | 't'),
        })
    }

    fn entry(&mut self, pid: u32) -> Option<&Entry> {
        match self.backend {
            Backend::Proc => {
                if !self.entries.contains_key(&pid) {
                    let boot = self.boot_ns();
                    self.entries.insert(pid, read_proc_entry(pid, boot));
                }
                self.entries.get(&pid).and_then(Option::as_ref)
            }
            Backend::Ps => self.snapshot().entries.get(&pid),
        }
    }

    fn children_of(&mut self, pid: u32) -> Vec<u32> {
        if self.backend == Backend::Ps {
            return self
                .snapshot()
                .children
                .get(&pid)
                .cloned()
                .unwrap_or_default();
        }
        if let Some(kids) = self.children.get(&pid) {
            return kids.clone();
        }
        let files = *self.children_files.get_or_insert_with(|| {
            Path::new(&format!("/proc/self/task/{}/children", std::process::id())).exists()
        });
        let threads = self
            .entries
            .get(&pid)
            .and_then(|e| e.as_ref())
            .and_then(|e| e.threads);
        let kids = if files {
            read_proc_children(pid, threads)
        } else {
            self.ppid_scan
                .get_or_insert_with(scan_proc_parents)
                .get(&pid)
                .cloned()
                .unwrap_or_default()
        };
        self.children.insert(pid, kids.clone());
        kids
    }

    fn boot_ns(&mut self) -> Option<i128> {
        *self.boot_ns.get_or_insert_with(|| {
            let stat = String::from_utf8(read_proc("/proc/stat")?).ok()?;
            parse_btime(&stat).map(|secs| i128::from(secs) * 1_000_000_000)
        })
    }

    fn snapshot(&mut self) -> &Snapshot {
        self.snapshot.get_or_insert_with(take_snapshot)
    }

    fn ps_env(&mut self, pid: u32) -> Option<Environ> {
        let pid_arg = pid.to_string();
        let mut args: Vec<&str> = PS_ENV_FLAGS.to_vec();
        args.extend(["-o", "command=", "-p", &pid_arg]);
        let out = capture("ps", &args)?;
        // Only when the snapshot is at hand anyway: taking one just for this would double the cost.
        let printed_args = self
            .snapshot
            .as_ref()
            .and_then(|s| s.entries.get(&pid))
            .map(|e| e.args.as_str());
        parse_ps_env(out.lines().next().unwrap_or(""), printed_args)
    }
}

fn choose_backend(forced: Option<&str>, has_proc: bool) -> Backend {
    if forced.map(str::trim) == Some("ps") || !has_proc {
        Backend::Ps
    } else {
        Backend::Proc
    }
}

fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// The rules that make a process Claude Code, for one `@claude-failover-command`.
struct Matcher {
    names: Vec<String>,
}

impl Matcher {
    fn new(command: &str) -> Matcher {
        let mut names = vec!["claude".to_string()];
        let base = basename(command.trim());
        if !base.is_empty() && base != "claude" {
            names.push(base.to_string());
        }
        Matcher { names }
    }

    fn is_name(&self, word: &str) -> bool {
        !word.is_empty() && self.names.iter().any(|n| n == word)
    }

    /// A kernel name is cut short, so a long command name matches by its start.
    fn is_short_name(&self, comm: &str) -> bool {
        self.is_name(comm)
            || (comm.len() >= SHORT_NAME_LEN && self.names.iter().any(|n| n.starts_with(comm)))
    }

    fn matches(&self, name: &str, argv: &[String]) -> bool {
        let arg0 = argv.first().map_or("", |a| basename(a));
        if self.is_short_name(name) || self.is_name(arg0) {
            return true;
        }
        let runtime = |b: &str| matches!(b, "node" | "nodejs" | "bun");
        if !runtime(name) && !runtime(arg0) {
            return false;
        }
        let rest = argv.get(1..).unwrap_or_default();
        // `node /usr/local/bin/claude`: the npm bin link runs through the script's shebang.
        let script = rest.iter().find(|a| !a.starts_with('-'));
        rest.iter().any(|a| a.contains(PACKAGE_MARKER))
            || script.is_some_and(|s| self.is_name(basename(s)))
    }
}

// ---------------------------------------------------------------------------------------------
// /proc

/// What `/proc/<pid>/stat` says that we use.
#[derive(Debug, PartialEq)]
struct Stat {
    comm: String,
    state: char,
    ppid: u32,
    num_threads: u32,
    /// Clock ticks after boot.
    starttime: u64,
}

/// The name sits between parentheses and may itself hold spaces and parentheses (and bytes that
/// are not UTF-8), so the fields after it are counted from the LAST ')'. Only the fields we use
/// are read: this runs once a Claude pane at every poll.
fn parse_stat(raw: &[u8]) -> Option<Stat> {
    let open = raw.iter().position(|&b| b == b'(')?;
    let close = raw.iter().rposition(|&b| b == b')')?;
    let comm = String::from_utf8_lossy(raw.get(open + 1..close)?).into_owned();
    // Field 3 on; all ASCII when the kernel wrote it.
    let mut rest = std::str::from_utf8(&raw[close + 1..])
        .ok()?
        .split_ascii_whitespace();
    let state = rest.next()?.chars().next()?;
    let ppid = rest.next()?.parse().ok()?;
    // Field 20 (16 after field 4), then field 22.
    let num_threads = rest.nth(15)?.parse().ok()?;
    let starttime = rest.nth(1)?.parse().ok()?;
    Some(Stat {
        comm,
        state,
        ppid,
        num_threads,
        starttime,
    })
}

fn parse_btime(proc_stat: &str) -> Option<i64> {
    proc_stat
        .lines()
        .find_map(|l| l.strip_prefix("btime "))
        .and_then(|v| v.trim().parse().ok())
}

fn clock_ticks() -> i64 {
    // SAFETY: sysconf only reads a system constant; any name is allowed (unknown ones give -1).
    // c_long is i32 on 32-bit targets, where the conversion is not a no-op.
    #[allow(clippy::useless_conversion)]
    let ticks = i64::from(unsafe { libc::sysconf(libc::_SC_CLK_TCK) });
    if ticks > 0 {
        ticks
    } else {
        100
    }
}

fn read_proc_entry(pid: u32, boot_ns: Option<i128>) -> Option<Entry> {
    let raw = read_proc(format!("/proc/{pid}/stat"))?;
    let stat = parse_stat(&raw)?;
    let started_at = boot_ns.and_then(|boot| {
        let since_boot = i128::from(stat.starttime) * 1_000_000_000 / i128::from(clock_ticks());
        Timestamp::from_nanosecond(boot + since_boot).ok()
    });
    let cmdline = read_proc(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    Some(Entry {
        info: ProcInfo {
            pid,
            ppid: stat.ppid,
            name: stat.comm,
            argv: split_nul(&cmdline),
            started_at,
        },
        zombie: matches!(stat.state, 'Z' | 'X'),
        stopped: matches!(stat.state, 'T' | 't'),
        threads: Some(stat.num_threads),
        start_ticks: Some(stat.starttime),
        args: String::new(),
    })
}

/// NUL-separated strings (cmdline, environ); trailing NULs (and the padding left by programs
/// that retitle themselves) are not arguments.
fn split_nul(raw: &[u8]) -> Vec<String> {
    let end = raw.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    if end == 0 {
        return Vec::new();
    }
    raw[..end]
        .split(|&b| b == 0)
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect()
}

/// Children of every thread: a child started by a worker thread is listed under that thread.
/// A process known to have one thread has one list to read, without listing its threads.
fn read_proc_children(pid: u32, threads: Option<u32>) -> Vec<u32> {
    if threads == Some(1) {
        let mut kids: Vec<u32> = read_proc(format!("/proc/{pid}/task/{pid}/children"))
            .and_then(|b| String::from_utf8(b).ok())
            .map(|text| {
                text.split_whitespace()
                    .filter_map(|w| w.parse().ok())
                    .collect()
            })
            .unwrap_or_default();
        kids.sort_unstable();
        return kids;
    }
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    let mut kids = Vec::new();
    for task in tasks.flatten() {
        if let Some(text) =
            read_proc(task.path().join("children")).and_then(|b| String::from_utf8(b).ok())
        {
            kids.extend(
                text.split_whitespace()
                    .filter_map(|w| w.parse::<u32>().ok()),
            );
        }
    }
    kids.sort_unstable();
    kids.dedup();
    kids
}

/// Parent → children for every process, for kernels without children files.
fn scan_proc_parents() -> HashMap<u32, Vec<u32>> {
    let mut map: HashMap<u32, Vec<u32>> = HashMap::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return map;
    };
    for item in dir.flatten() {
        let Some(pid) = item
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Some(raw) = read_proc(item.path().join("stat")) else {
            continue;
        };
        if let Some(stat) = parse_stat(&raw) {
            map.entry(stat.ppid).or_default().push(pid);
        }
    }
    map
}

fn read_proc_env(pid: u32) -> Option<Environ> {
    // A zombie or exiting process reads as empty.
    Environ::new(read_proc(format!("/proc/{pid}/environ"))?)
}

fn read_proc_cwd(pid: u32) -> Option<PathBuf> {
    let path = std::fs::read_link(format!("/proc/{pid}/cwd")).ok()?;
    let deleted = path.to_string_lossy().ends_with(" (deleted)");
    (!deleted || path.is_dir()).then_some(path)
}

// ---------------------------------------------------------------------------------------------
// ps

/// Flags that make `ps` append the environment to `command`: procps takes the BSD-style `e`
/// (its `-e` selects every process), macOS spells it `-E` (its `-e` is `-A`), the BSDs `-e`.
#[cfg(target_os = "linux")]
const PS_ENV_FLAGS: &[&str] = &["eww"];
#[cfg(target_os = "macos")]
const PS_ENV_FLAGS: &[&str] = &["-E", "-ww"];
#[cfg(not(any(target_os = "linux", target_os = "macos")))]
const PS_ENV_FLAGS: &[&str] = &["-e", "-ww"];

/// Every process, from two `ps` runs: both variable-width columns (the name, a full path on
/// macOS; the arguments) must come last in their line to survive spaces. A failed run leaves
/// the snapshot empty: the tick then sees no Claude rather than hanging or guessing.
fn take_snapshot() -> Snapshot {
    let taken = Timestamp::now();
    // Run side by side: the snapshot costs one `ps` of wall time, not two.
    let table = Running::start(
        "ps",
        &[
            "-A", "-o", "pid=", "-o", "ppid=", "-o", "etime=", "-o", "stat=", "-o", "comm=",
        ],
    );
    let args = Running::start("ps", &["-A", "-ww", "-o", "pid=", "-o", "args="]);
    let table = table.and_then(Running::finish);
    let args = args.and_then(Running::finish).unwrap_or_default();
    match table {
        Some(table) => parse_snapshot(&table, &args, taken),
        None => Snapshot::default(),
    }
}

fn parse_snapshot(table: &str, args: &str, taken: Timestamp) -> Snapshot {
    let mut printed: HashMap<u32, &str> = HashMap::new();
    for line in args.lines() {
        if let Some((fields, rest)) = leading_fields(line, 1) {
            if let Ok(pid) = fields[0].parse() {
                printed.insert(pid, rest);
            }
        }
    }
    let mut snap = Snapshot::default();
    for line in table.lines() {
        let Some((f, comm)) = leading_fields(line, 4) else {
            continue;
        };
        let (Ok(pid), Ok(ppid)) = (f[0].parse::<u32>(), f[1].parse::<u32>()) else {
            continue;
        };
        let started_at = parse_etime(f[2])
            .and_then(|secs| taken.checked_sub(SignedDuration::from_secs(secs)).ok());
        let args = printed.get(&pid).copied().unwrap_or("");
        let entry = Entry {
            info: ProcInfo {
                pid,
                ppid,
                name: basename(comm).to_string(),
                argv: args
                    .split(' ')
                    .filter(|w| !w.is_empty())
                    .map(String::from)
                    .collect(),
                started_at,
            },
            zombie: f[3].starts_with('Z'),
            stopped: f[3].starts_with('T'),
            threads: None,
            start_ticks: None,
            args: args.to_string(),
        };
        if ppid != pid {
            snap.children.entry(ppid).or_default().push(pid);
        }
        snap.entries.insert(pid, entry);
    }
    snap
}

/// The first `n` blank-separated fields of a line, and the rest (trimmed) as one field.
fn leading_fields(line: &str, n: usize) -> Option<(Vec<&str>, &str)> {
    let mut fields = Vec::with_capacity(n);
    let mut rest = line;
    for _ in 0..n {
        rest = rest.trim_start();
        if rest.is_empty() {
            return None;
        }
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        fields.push(&rest[..end]);
        rest = &rest[end..];
    }
    Some((fields, rest.trim()))
}

/// `ps`'s elapsed time, `[[dd-]hh:]mm:ss`, in seconds.
fn parse_etime(text: &str) -> Option<i64> {
    let (days, clock) = match text.split_once('-') {
        Some((d, c)) => (d.parse::<i64>().ok()?, c),
        None => (0, text),
    };
    let parts = clock
        .split(':')
        .map(|p| p.parse::<i64>().ok())
        .collect::<Option<Vec<_>>>()?;
    let (h, m, s) = match parts[..] {
        [m, s] => (0, m, s),
        [h, m, s] => (h, m, s),
        _ => return None,
    };
    days.checked_mul(24)?
        .checked_add(h)?
        .checked_mul(60)?
        .checked_add(m)?
        .checked_mul(60)?
        .checked_add(s)
}

/// The environment from `ps`'s `command` column with the environment appended: the words after
/// the arguments (`printed_args`, when known), each `NAME=value` word starting a variable.
///
/// Limitation: `ps` joins everything with spaces, so a value holding a space followed by
/// something shaped like `NAME=` is cut there; a value with plain spaces (`/x y`) survives.
/// Without the printed arguments, an argument shaped `NAME=value` would read as a variable.
fn parse_ps_env(line: &str, printed_args: Option<&str>) -> Option<Environ> {
    let tail = match printed_args.and_then(|a| line.strip_prefix(a)) {
        Some(tail) if tail.is_empty() || tail.starts_with(' ') => tail,
        _ => line,
    };
    // Entries as /proc has them: a word that is not `NAME=…` continues the value before it.
    let mut raw: Vec<u8> = Vec::with_capacity(tail.len() + 1);
    for word in tail.split(' ') {
        if env_word(word).is_some() {
            if !raw.is_empty() {
                raw.push(0);
            }
            raw.extend_from_slice(word.as_bytes());
        } else if !raw.is_empty() {
            raw.push(b' ');
            raw.extend_from_slice(word.as_bytes());
        }
    }
    if !raw.is_empty() {
        raw.push(0);
    }
    Environ::new(raw)
}

/// `NAME=value` with a shell-style name (any case: `http_proxy` is common).
fn env_word(word: &str) -> Option<(&str, &str)> {
    let (key, value) = word.split_once('=')?;
    let mut chars = key.chars();
    let first = chars.next()?;
    let ok = (first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    ok.then_some((key, value))
}

fn lsof_cwd(pid: u32) -> Option<PathBuf> {
    let pid_arg = pid.to_string();
    let out = capture("lsof", &["-w", "-a", "-p", &pid_arg, "-d", "cwd", "-Fn"])?;
    let name = out.lines().find_map(|l| l.strip_prefix('n'))?;
    let raw = PathBuf::from(name);
    if raw.is_dir() {
        return Some(raw);
    }
    let unescaped = unescape_lsof(name);
    unescaped.is_dir().then_some(unescaped)
}

/// lsof prints `\\`, `\n`, `\t`, `\xNN`… for bytes it does not print as they are.
fn unescape_lsof(text: &str) -> PathBuf {
    use std::os::unix::ffi::OsStringExt;
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let (byte, used) = match (bytes[i], bytes.get(i + 1)) {
            (b'\\', Some(b'\\')) => (b'\\', 2),
            (b'\\', Some(b'n')) => (b'\n', 2),
            (b'\\', Some(b't')) => (b'\t', 2),
            (b'\\', Some(b'r')) => (b'\r', 2),
            (b'\\', Some(b'b')) => (8, 2),
            (b'\\', Some(b'f')) => (12, 2),
            (b'\\', Some(b'x')) => match text
                .get(i + 2..i + 4)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                Some(b) => (b, 4),
                None => (b'\\', 1),
            },
            (b, _) => (b, 1),
        };
        out.push(byte);
        i += used;
    }
    PathBuf::from(std::ffi::OsString::from_vec(out))
}

/// Run a command and return its stdout, or None if it cannot start, fails, or outlives
/// `COMMAND_TIMEOUT` (then it is killed).
fn capture(program: &str, args: &[&str]) -> Option<String> {
    Running::start(program, args)?.finish()
}

/// A command whose output is being collected, so that two can run at once.
struct Running {
    child: std::process::Child,
    output: mpsc::Receiver<Vec<u8>>,
    deadline: Instant,
}

impl Running {
    fn start(program: &str, args: &[&str]) -> Option<Running> {
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let Some(mut stdout) = child.stdout.take() else {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        };
        // Reading off-thread lets a large listing flow while the timeout is watched.
        let (tx, output) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = stdout.read_to_end(&mut buf);
            let _ = tx.send(buf);
        });
        Some(Running {
            child,
            output,
            deadline: Instant::now() + COMMAND_TIMEOUT,
        })
    }

    fn finish(mut self) -> Option<String> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        let out = self.output.recv_timeout(left).ok();
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) if status.success() => {
                    return out.map(|b| String::from_utf8_lossy(&b).into_owned())
                }
                Ok(Some(_)) => return None,
                Ok(None) if out.is_some() && Instant::now() < self.deadline => {
                    std::thread::sleep(Duration::from_micros(200));
                }
                _ => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    return None;
                }
            }
        }
    }
}

/// Read a /proc file whole. /proc files report a size of 0, so `fs::read` would stat the file
/// and then grow its buffer from a few bytes; one 4 KiB read covers almost all of them.
fn read_proc(path: impl AsRef<Path>) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut f = std::fs::File::open(path).ok()?;
    let mut buf = vec![0u8; 4096];
    let mut len = 0;
    loop {
        if len == buf.len() {
            buf.resize(buf.len() * 2, 0);
        }
        match f.read(&mut buf[len..]) {
            Ok(0) => break,
            Ok(n) => {
                len += n;
                // These files (stat, cmdline, environ, children) fill a read as far as they go:
                // a short one is the end, and asking again would cost a system call per file.
                if len < buf.len() {
                    break;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
    buf.truncate(len);
    Some(buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::quote;
    use std::os::unix::process::CommandExt;
    use std::process::Child;
    use std::sync::atomic::{AtomicUsize, Ordering};

    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    const UNSET: &str = "CF_PROCS_TEST_NEVER_SET";

    /// Both backends where /proc exists; only `ps` elsewhere.
    fn backends() -> Vec<Backend> {
        if Path::new("/proc/self/stat").exists() {
            vec![Backend::Proc, Backend::Ps]
        } else {
            vec![Backend::Ps]
        }
    }

    /// A throwaway folder with programs under chosen names and a working directory whose name
    /// holds a space; every process tree started from it is killed (by process group) on drop.
    struct Lab {
        root: PathBuf,
        work: PathBuf,
        children: Vec<Child>,
    }

    impl Lab {
        fn new() -> Lab {
            let n = COUNTER.fetch_add(1, Ordering::SeqCst);
            let root = std::env::temp_dir().join(format!("cf-procs-{}-{n}", std::process::id()));
            let _ = std::fs::remove_dir_all(&root);
            std::fs::create_dir_all(root.join("work dir")).unwrap();
            let root = root.canonicalize().unwrap();
            Lab {
                work: root.join("work dir"),
                root,
                children: Vec::new(),
            }
        }

        /// A symlink at `rel` (under the lab) to `target`: the process it starts has the
        /// link's name.
        fn link(&self, rel: &str, target: &str) -> String {
            let path = self.root.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::os::unix::fs::symlink(target, &path).unwrap();
            path.to_str().unwrap().to_string()
        }

        fn write(&self, rel: &str, text: &str) -> String {
            let path = self.root.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, text).unwrap();
            path.to_str().unwrap().to_string()
        }

        fn spawn(&mut self, program: &str, args: &[&str]) -> u32 {
            let child = Command::new(program)
                .args(args)
                .current_dir(&self.work)
                .env("CLAUDE_CONFIG_DIR", "/x y")
                .env("EMPTY_ONE", "")
                .env_remove(UNSET)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .process_group(0)
                .spawn()
                .unwrap();
            let pid = child.id();
            self.children.push(child);
            pid
        }

        /// `sh -c SCRIPT`; scripts end in `; :` so that sh stays the parent instead of
        /// exec-ing the last command.
        fn sh(&mut self, script: &str) -> u32 {
            self.spawn("/bin/sh", &["-c", script])
        }
    }

    impl Drop for Lab {
        fn drop(&mut self) {
            for child in &mut self.children {
                let group = format!("-{}", child.id());
                let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
                let _ = child.wait();
            }
            let _ = std::fs::remove_dir_all(&self.root);
        }
    }

    fn kill(pid: u32) {
        let status = Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
        assert!(status.unwrap().success(), "kill {pid}");
    }

    fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if f() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("timed out waiting for {what}");
    }

    /// Every process of the tree (no Claude rule), as the default backend sees it now.
    fn tree(root: u32) -> Vec<ProcInfo> {
        let mut p = Procs::new();
        let mut out = Vec::new();
        let mut queue = VecDeque::from([root]);
        while let Some(pid) = queue.pop_front() {
            if let Some(info) = p.info(pid) {
                out.push(info);
                queue.extend(p.children_of(pid));
            }
        }
        out
    }

    /// Wait until the tree holds a process for each of `argvs` (repeats: that many). A fork
    /// shows its parent's name and arguments until it execs, so counting names or pids would
    /// let a test look at a half-started tree.
    fn wait_argvs(root: u32, argvs: &[&[&str]]) {
        wait_until(&format!("{argvs:?} under {root}"), || {
            let now = tree(root);
            argvs.iter().all(|want| {
                let need = argvs.iter().filter(|w| *w == want).count();
                now.iter().filter(|i| i.argv == *want).count() == need
            })
        });
    }

    /// A /proc view that finds children by scanning every process's parent, as on kernels
    /// built without CONFIG_PROC_CHILDREN.
    fn scanning() -> Procs {
        let mut p = Procs::with_backend(Backend::Proc);
        p.children_files = Some(false);
        p
    }

    fn pids(found: &[ProcInfo]) -> Vec<u32> {
        found.iter().map(|i| i.pid).collect()
    }

    #[test]
    fn claude_under_a_shell_with_env_argv_cwd_start_and_death() {
        let mut lab = Lab::new();
        let claude = lab.link("bin/claude", "/bin/sleep");
        let before = Timestamp::now();
        let root = lab.sh(&format!("{} 30; :", quote(&claude)));
        wait_argvs(root, &[&[&claude, "30"]]);
        let after = Timestamp::now();
        let mut seen = Vec::new();
        for backend in backends() {
            let mut p = Procs::with_backend(backend);
            assert_eq!(p.backend(), backend);
            let found = p.claude_processes(root, "claude");
            assert_eq!(found.len(), 1, "{backend:?}: {found:?}");
            let c = &found[0];
            assert_eq!(c.ppid, root, "{backend:?}");
            assert_eq!(c.name, "claude", "{backend:?}");
            assert_eq!(
                c.argv,
                vec![claude.clone(), "30".to_string()],
                "{backend:?}"
            );
            let start = c.started_at.expect("a start time");
            let slack = SignedDuration::from_secs(2);
            assert!(
                start >= before - slack && start <= after + slack,
                "{backend:?}: started {start}, spawned between {before} and {after}"
            );
            assert_eq!(
                p.env_var(c.pid, "CLAUDE_CONFIG_DIR"),
                EnvLookup::Set("/x y".into()),
                "{backend:?}"
            );
            assert_eq!(
                p.env_var(c.pid, "EMPTY_ONE"),
                EnvLookup::Set(String::new()),
                "{backend:?}"
            );
            assert_eq!(p.env_var(c.pid, UNSET), EnvLookup::Unset, "{backend:?}");
            assert_eq!(p.cwd(c.pid), Some(lab.work.clone()), "{backend:?}");
            assert!(p.alive(c.pid, c.started_at), "{backend:?}");
            assert!(p.alive(c.pid, None), "{backend:?}");
            assert!(
                !p.alive(c.pid, Some(start - SignedDuration::from_secs(60))),
                "{backend:?}: another start time is another process"
            );
            // Without the snapshot, the environment is parsed from the whole line.
            let mut fresh = Procs::with_backend(backend);
            assert_eq!(
                fresh.env_var(c.pid, "CLAUDE_CONFIG_DIR"),
                EnvLookup::Set("/x y".into()),
                "{backend:?}"
            );
            seen.push(c.clone());
        }
        assert!(
            same_start(seen[0].started_at, seen.last().unwrap().started_at),
            "backends agree: {seen:?}"
        );

        let claude_pid = seen[0].pid;
        kill(claude_pid);
        for backend in backends() {
            wait_until(&format!("{backend:?} to see {claude_pid} dead"), || {
                !Procs::with_backend(backend).alive(claude_pid, seen[0].started_at)
            });
            let mut p = Procs::with_backend(backend);
            assert_eq!(p.claude_processes(root, "claude"), vec![], "{backend:?}");
            assert_eq!(
                p.env_var(claude_pid, "CLAUDE_CONFIG_DIR"),
                EnvLookup::Unknown,
                "{backend:?}"
            );
        }
    }

    #[test]
    fn npm_wrapper_and_native_child_come_shallowest_first() {
        let mut lab = Lab::new();
        let claude = lab.link("bin/claude", "/bin/sleep");
        // `node` is a shell here, so the "cli.js" it runs can start the native binary.
        let node = lab.link("bin/node", "/bin/sh");
        let cli = lab.write(
            "lib/node_modules/@anthropic-ai/claude-code/cli.js",
            &format!("{} 30; :\n", quote(&claude)),
        );
        let root = lab.sh(&format!("{} {}; :", quote(&node), quote(&cli)));
        wait_argvs(root, &[&[&claude, "30"]]);
        for backend in backends() {
            let mut p = Procs::with_backend(backend);
            let found = p.claude_processes(root, "claude");
            assert_eq!(found.len(), 2, "{backend:?}: {found:?}");
            let (wrapper, native) = (&found[0], &found[1]);
            assert_eq!(wrapper.name, "node", "{backend:?}");
            assert_eq!(wrapper.ppid, root, "{backend:?}");
            assert_eq!(wrapper.argv, vec![node.clone(), cli.clone()], "{backend:?}");
            assert_eq!(native.name, "claude", "{backend:?}");
            assert_eq!(native.ppid, wrapper.pid, "{backend:?}");
            // Rooted at the wrapper itself, both still come back.
            assert_eq!(
                p.claude_processes(wrapper.pid, "claude").len(),
                2,
                "{backend:?}"
            );
            if backend == Backend::Proc {
                assert_eq!(scanning().claude_processes(root, "claude"), found);
            }
        }
    }

    #[test]
    fn node_running_the_claude_bin_script_is_claude_but_other_node_is_not() {
        let mut lab = Lab::new();
        let node = lab.link("bin/node", "/bin/sh");
        // npm's bin link: `node /usr/local/bin/claude` once the shebang is followed.
        let script = lab.write("npm-bin/claude", "sleep 30; :\n");
        let other = lab.write("app/server.js", "sleep 30; :\n");
        let root = lab.sh(&format!(
            "{n} {s} & {n} {o} claude & wait; :",
            n = quote(&node),
            s = quote(&script),
            o = quote(&other)
        ));
        wait_argvs(
            root,
            &[
                &[&node, &script],
                &[&node, &other, "claude"],
                &["sleep", "30"],
                &["sleep", "30"],
            ],
        );
        for backend in backends() {
            let found = Procs::with_backend(backend).claude_processes(root, "claude");
            assert_eq!(found.len(), 1, "{backend:?}: {found:?}");
            assert_eq!(
                found[0].argv,
                vec![node.clone(), script.clone()],
                "{backend:?}"
            );
        }
    }

    #[test]
    fn claude_started_by_claudes_own_tools_is_not_the_session() {
        let mut lab = Lab::new();
        let claude = lab.link("bin/claude", "/bin/sleep");
        let outer = lab.link("shbin/claude", "/bin/sh");
        let session = lab.write(
            "session.sh",
            &format!(
                "{c} 30 & /bin/sh -c {inner} & wait; :\n",
                c = quote(&claude),
                inner = quote(&format!("{} 31; :", quote(&claude)))
            ),
        );
        let root = lab.sh(&format!("{} {}; :", quote(&outer), quote(&session)));
        wait_argvs(root, &[&[&claude, "30"], &[&claude, "31"]]);
        for backend in backends() {
            let found = Procs::with_backend(backend).claude_processes(root, "claude");
            assert_eq!(found.len(), 2, "{backend:?}: {found:?}");
            assert_eq!(
                found[0].argv,
                vec![outer.clone(), session.clone()],
                "{backend:?}"
            );
            assert_eq!(
                found[1].argv,
                vec![claude.clone(), "30".to_string()],
                "{backend:?}"
            );
            assert_eq!(found[1].ppid, found[0].pid, "{backend:?}");
        }
    }

    #[test]
    fn command_option_matches_by_basename_even_when_the_kernel_cuts_the_name() {
        let mut lab = Lab::new();
        let mine = lab.link("opt/x/my-claude", "/bin/sleep");
        let long = lab.link("opt/x/my-claude-wrapper-long", "/bin/sleep");
        let root = lab.sh(&format!(
            "{} 30 & {} 30 & wait; :",
            quote(&mine),
            quote(&long)
        ));
        wait_argvs(root, &[&[&mine, "30"], &[&long, "30"]]);
        for backend in backends() {
            let mut p = Procs::with_backend(backend);
            let found = p.claude_processes(root, "/opt/x/my-claude");
            assert_eq!(found.len(), 1, "{backend:?}: {found:?}");
            assert_eq!(found[0].argv[0], mine, "{backend:?}");
            let found = p.claude_processes(root, "my-claude-wrapper-long");
            assert_eq!(found.len(), 1, "{backend:?}: {found:?}");
            assert_eq!(found[0].argv[0], long, "{backend:?}");
            let name = &found[0].name;
            assert!(
                name.len() >= SHORT_NAME_LEN && "my-claude-wrapper-long".starts_with(name.as_str()),
                "{backend:?}: {name}"
            );
            assert_eq!(p.claude_processes(root, "claude"), vec![], "{backend:?}");
            assert_eq!(p.claude_processes(root, ""), vec![], "{backend:?}");
        }
    }

    #[test]
    fn plain_trees_give_nothing_and_a_claude_root_is_included() {
        let mut lab = Lab::new();
        let claude = lab.link("bin/claude", "/bin/sleep");
        let plain = lab.sh("sleep 30; :");
        wait_argvs(plain, &[&["sleep", "30"]]);
        let direct = lab.spawn(&claude, &["30"]);
        wait_argvs(direct, &[&[&claude, "30"]]);
        for backend in backends() {
            let mut p = Procs::with_backend(backend);
            assert_eq!(p.claude_processes(plain, "claude"), vec![], "{backend:?}");
            assert_eq!(
                pids(&p.claude_processes(direct, "claude")),
                vec![direct],
                "{backend:?}"
            );
            assert_eq!(p.cwd(plain), Some(lab.work.clone()), "{backend:?}");
        }
    }

    #[test]
    fn vanished_and_impossible_pids_answer_empty_and_unknown() {
        let mut done = Command::new("true").spawn().unwrap();
        let gone = done.id();
        done.wait().unwrap();
        for backend in backends() {
            for pid in [gone, 0, u32::MAX - 1] {
                let mut p = Procs::with_backend(backend);
                assert_eq!(
                    p.claude_processes(pid, "claude"),
                    vec![],
                    "{backend:?} {pid}"
                );
                assert_eq!(
                    p.env_var(pid, "PATH"),
                    EnvLookup::Unknown,
                    "{backend:?} {pid}"
                );
                assert_eq!(p.cwd(pid), None, "{backend:?} {pid}");
                assert!(!p.alive(pid, None), "{backend:?} {pid}");
                assert_eq!(p.info(pid), None, "{backend:?} {pid}");
            }
        }
    }

    #[test]
    fn refresh_sees_the_present() {
        let mut lab = Lab::new();
        let claude = lab.link("bin/claude", "/bin/sleep");
        let root = lab.sh(&format!("{} 30; :", quote(&claude)));
        wait_argvs(root, &[&[&claude, "30"]]);
        for backend in backends() {
            let mut p = Procs::with_backend(backend);
            assert_eq!(p.claude_processes(root, "claude").len(), 1, "{backend:?}");
        }
        let mut views: Vec<Procs> = backends().into_iter().map(Procs::with_backend).collect();
        for p in &mut views {
            assert_eq!(p.claude_processes(root, "claude").len(), 1);
        }
        let pid = tree(root).iter().find(|i| i.name == "claude").unwrap().pid;
        kill(pid);
        wait_until("the kill to land", || {
            tree(root).iter().all(|i| i.pid != pid)
        });
        for p in &mut views {
            // A view keeps what it read until refreshed.
            assert!(p.alive(pid, None), "{:?}", p.backend());
            p.refresh();
            assert!(!p.alive(pid, None), "{:?}", p.backend());
        }
    }

    /// A real tmux pane: Claude below the pane's shell, then as the pane process itself
    /// (respawn-pane with a plain command). Prints what one `claude_processes` costs.
    #[test]
    fn tmux_pane_tree_and_cost() {
        let lab = Lab::new();
        let claude = lab.link("bin/claude", "/bin/sleep");
        let socket = format!(
            "cf-procs-{}",
            lab.root.file_name().unwrap().to_str().unwrap()
        );
        let tmux = |args: &[&str]| -> String {
            let out = Command::new("tmux")
                .args(["-L", &socket, "-f", "/dev/null"])
                .args(args)
                .env("TMUX_TMPDIR", &lab.root)
                .env_remove("TMUX")
                .output()
                .expect("tmux runs");
            assert!(
                out.status.success(),
                "tmux {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8_lossy(&out.stdout).trim().to_string()
        };
        struct Server<F: Fn(&[&str]) -> String>(F);
        impl<F: Fn(&[&str]) -> String> Drop for Server<F> {
            fn drop(&mut self) {
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    (self.0)(&["kill-server"])
                }));
            }
        }
        let work = lab.work.to_str().unwrap();
        let script = format!("{} 300; :", quote(&claude));
        tmux(&[
            "new-session",
            "-d",
            "-s",
            "t",
            "-x",
            "80",
            "-y",
            "24",
            "-c",
            work,
            "/bin/sh",
            "-c",
            &script,
        ]);
        let server = Server(tmux);
        let pane_pid: u32 = (server.0)(&["display", "-p", "-t", "t:0.0", "#{pane_pid}"])
            .parse()
            .unwrap();
        wait_argvs(pane_pid, &[&[&claude, "300"]]);
        for backend in backends() {
            let found = Procs::with_backend(backend).claude_processes(pane_pid, "claude");
            assert_eq!(found.len(), 1, "{backend:?}: {found:?}");
            assert_eq!(found[0].ppid, pane_pid, "{backend:?}");
            let runs = 30;
            let mut times: Vec<u128> = (0..runs)
                .map(|_| {
                    let t = Instant::now();
                    let n = Procs::with_backend(backend)
                        .claude_processes(pane_pid, "claude")
                        .len();
                    assert_eq!(n, 1);
                    t.elapsed().as_micros()
                })
                .collect();
            times.sort_unstable();
            eprintln!(
                "claude_processes for a pane, {backend:?}: median {} µs, min {} µs, max {} µs ({runs} runs, fresh Procs each)",
                times[runs / 2], times[0], times[runs - 1]
            );
        }

        if backends().contains(&Backend::Proc) {
            let t = Instant::now();
            assert_eq!(scanning().claude_processes(pane_pid, "claude").len(), 1);
            eprintln!(
                "claude_processes for a pane, Proc scanning /proc (no children files): {} µs",
                t.elapsed().as_micros()
            );
        }

        (server.0)(&[
            "respawn-pane",
            "-k",
            "-t",
            "t:0.0",
            "-c",
            work,
            &claude,
            "300",
        ]);
        let pane_pid: u32 = (server.0)(&["display", "-p", "-t", "t:0.0", "#{pane_pid}"])
            .parse()
            .unwrap();
        wait_argvs(pane_pid, &[&[&claude, "300"]]);
        for backend in backends() {
            let mut p = Procs::with_backend(backend);
            assert_eq!(
                pids(&p.claude_processes(pane_pid, "claude")),
                vec![pane_pid],
                "{backend:?}"
            );
            assert_eq!(p.cwd(pane_pid), Some(lab.work.clone()), "{backend:?}");
        }
    }

    // ---- pure parsing ----

    #[test]
    fn stat_names_with_spaces_and_parens() {
        let line = "4242 (a) b (c)) S 17 4242 4242 0 -1 4194304 75 0 0 0 0 0 0 0 20 0 1 0 131275 2990080 411 18446744073709551615 1 2";
        assert_eq!(
            parse_stat(line.as_bytes()),
            Some(Stat {
                comm: "a) b (c)".into(),
                state: 'S',
                ppid: 17,
                num_threads: 1,
                starttime: 131275
            })
        );
        assert_eq!(parse_stat(b"12 (x) Z 1"), None, "too short");
        assert_eq!(parse_stat(b""), None);
        assert_eq!(parse_stat(b") 1 (x"), None, "parens reversed");
        assert_eq!(
            parse_stat(b"1 (x) S notanumber 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5"),
            None
        );
        let mut odd = b"7 (\xff\xfe) R 3 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 2 0 99 1 1".to_vec();
        odd.push(b'\n');
        assert_eq!(
            parse_stat(&odd),
            Some(Stat {
                comm: "\u{fffd}\u{fffd}".into(),
                state: 'R',
                ppid: 3,
                num_threads: 2,
                starttime: 99
            }),
            "a name that is not UTF-8"
        );
    }

    #[test]
    fn btime_line() {
        assert_eq!(
            parse_btime("cpu  1 2 3\nintr 5\nbtime 1795644939\nprocesses 9\n"),
            Some(1795644939)
        );
        assert_eq!(parse_btime("cpu 1\n"), None);
    }

    #[test]
    fn etime_forms() {
        assert_eq!(parse_etime("00:05"), Some(5));
        assert_eq!(parse_etime("12:34"), Some(754));
        assert_eq!(parse_etime("01:02:03"), Some(3723));
        assert_eq!(parse_etime("2-01:02:03"), Some(2 * 86400 + 3723));
        for bad in [
            "",
            "5",
            "a:b",
            "1:2:3:4",
            "-1:00",
            "99999999999999999-00:00:00",
            "1-2",
        ] {
            assert_eq!(parse_etime(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn environ_entries_as_the_kernel_keeps_them() {
        let env = Environ::new(b"A=1\0junk\0B=x=y\0A=2\0C=\xff\0EMPTY=\0".to_vec()).unwrap();
        assert_eq!(
            env.get("A").as_deref(),
            Some("1"),
            "the first of duplicates wins"
        );
        assert_eq!(env.get("B").as_deref(), Some("x=y"));
        assert_eq!(env.get("C").as_deref(), Some("\u{fffd}"));
        assert_eq!(env.get("EMPTY").as_deref(), Some(""));
        assert_eq!(env.get("junk"), None);
        assert_eq!(env.get(""), None);
        assert_eq!(
            Environ::new(Vec::new()),
            None,
            "a zombie's environment is empty"
        );
        assert_eq!(Environ::new(b"no-name\0".to_vec()), None);
    }

    #[test]
    fn ps_environment_words() {
        let line = "/usr/bin/claude --resume X=1 HOME=/h CLAUDE_CONFIG_DIR=/x y z http_proxy=p EMPTY= HOME=/second";
        let env = parse_ps_env(line, Some("/usr/bin/claude --resume X=1")).unwrap();
        assert_eq!(env.get("CLAUDE_CONFIG_DIR").as_deref(), Some("/x y z"));
        assert_eq!(env.get("http_proxy").as_deref(), Some("p"));
        assert_eq!(env.get("EMPTY").as_deref(), Some(""));
        assert_eq!(
            env.get("HOME").as_deref(),
            Some("/h"),
            "the first of duplicates wins"
        );
        assert_eq!(env.get("X"), None, "arguments are not environment");
        // Without the arguments an argument shaped like a variable is taken for one.
        let env = parse_ps_env(line, None).unwrap();
        assert_eq!(env.get("X").as_deref(), Some("1"));
        // Arguments that are a prefix of the line but not at a word boundary are not cut.
        let env = parse_ps_env("sleep 30 A=1", Some("sleep 3")).unwrap();
        assert_eq!(env.get("A").as_deref(), Some("1"));
        // Another user's process: ps prints the command alone.
        assert_eq!(
            parse_ps_env(
                "/usr/bin/claude --resume X=1",
                Some("/usr/bin/claude --resume X=1")
            ),
            None
        );
        assert_eq!(parse_ps_env("", None), None);
        // Double spaces inside a value survive.
        let env = parse_ps_env("c A=x  y B=2", Some("c")).unwrap();
        assert_eq!(env.get("A").as_deref(), Some("x  y"));
    }

    #[test]
    fn env_word_shapes() {
        assert_eq!(env_word("A_1=x=y"), Some(("A_1", "x=y")));
        assert_eq!(env_word("_x="), Some(("_x", "")));
        for bad in ["=x", "1A=x", "--opt=x", "a-b=x", "plain", "/p/a=b", ""] {
            assert_eq!(env_word(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn snapshot_columns_with_spaces() {
        let table = "    1     0 10-00:00:00 Ss   launchd\n  500     1    01:00 S    /Applications/My App.app/Contents/MacOS/My App\n  501   500    00:10 Z    claude\n  502   500  1:02:03 S+   claude\n garbage\n";
        let args = "  1 /sbin/launchd\n  500 /Applications/My App.app/Contents/MacOS/My App --flag\n  502 /opt/claude  --resume  abc\n";
        let taken = Timestamp::from_second(2_000_000_000).unwrap();
        let snap = parse_snapshot(table, args, taken);
        assert_eq!(snap.entries.len(), 4);
        let app = &snap.entries[&500].info;
        assert_eq!(app.name, "My App");
        assert_eq!(app.ppid, 1);
        assert_eq!(app.started_at, Some(taken - SignedDuration::from_secs(60)));
        assert!(snap.entries[&501].zombie);
        assert_eq!(
            snap.entries[&501].info.argv,
            Vec::<String>::new(),
            "no args line"
        );
        let c = &snap.entries[&502];
        assert_eq!(c.info.argv, vec!["/opt/claude", "--resume", "abc"]);
        assert_eq!(c.args, "/opt/claude  --resume  abc");
        assert_eq!(
            c.info.started_at,
            Some(taken - SignedDuration::from_secs(3723))
        );
        let mut kids = snap.children[&500].clone();
        kids.sort_unstable();
        assert_eq!(kids, vec![501, 502]);
        assert!(!snap.children.contains_key(&0) || !snap.children[&0].contains(&0));
    }

    #[test]
    fn leading_fields_keep_the_rest_whole() {
        assert_eq!(
            leading_fields("  1  2 a b ", 2),
            Some((vec!["1", "2"], "a b"))
        );
        assert_eq!(leading_fields("1", 1), Some((vec!["1"], "")));
        assert_eq!(leading_fields("1 ", 2), None);
    }

    #[test]
    fn what_counts_as_claude() {
        let argv = |words: &[&str]| words.iter().map(|w| w.to_string()).collect::<Vec<_>>();
        let m = Matcher::new("claude");
        assert!(m.matches("claude", &[]));
        assert!(m.matches(
            "MainThread",
            &argv(&["/usr/local/bin/claude", "--resume", "x"])
        ));
        assert!(m.matches(
            "node",
            &argv(&[
                "node",
                "/usr/lib/node_modules/@anthropic-ai/claude-code/cli.js"
            ])
        ));
        assert!(m.matches(
            "bun",
            &argv(&["bun", "--smol", "/x/@anthropic-ai/claude-code/cli.js"])
        ));
        assert!(m.matches(
            "node",
            &argv(&["node", "--no-warnings", "/usr/local/bin/claude"])
        ));
        assert!(!m.matches("node", &argv(&["node", "server.js", "claude"])));
        assert!(!m.matches(
            "vim",
            &argv(&["vim", "/x/@anthropic-ai/claude-code/cli.js"])
        ));
        assert!(!m.matches("sleep", &argv(&["sleep", "claude"])));
        assert!(!m.matches("claude-helper", &argv(&["claude-helper"])));
        assert!(!m.matches("", &[]));
        let m = Matcher::new(" /opt/x/my-claude-wrapper-long ");
        assert!(
            m.matches("my-claude-wrapp", &argv(&["wrapper"])),
            "Linux cuts names to 15 bytes"
        );
        assert!(
            !m.matches("my-claude", &argv(&["x"])),
            "a short name is not cut"
        );
        assert!(m.matches("claude", &[]), "claude itself still counts");
        let m = Matcher::new("/opt/x/");
        assert_eq!(m.names, vec!["claude"]);
    }

    #[test]
    fn nul_separated_lists() {
        assert_eq!(split_nul(b"a\0b c\0\0\0"), vec!["a", "b c"]);
        assert_eq!(split_nul(b"a\0\0b\0"), vec!["a", "", "b"]);
        assert_eq!(
            split_nul(b"retitled with spaces"),
            vec!["retitled with spaces"]
        );
        assert_eq!(split_nul(b"\0\0"), Vec::<String>::new());
        assert_eq!(split_nul(b""), Vec::<String>::new());
    }

    #[test]
    fn lsof_escapes() {
        assert_eq!(
            unescape_lsof(r"/a\\x41/b\x20c\nd"),
            PathBuf::from("/a\\x41/b c\nd")
        );
        assert_eq!(unescape_lsof(r"/end\x4"), PathBuf::from(r"/end\x4"));
        assert_eq!(unescape_lsof("/é"), PathBuf::from("/é"));
        assert_eq!(unescape_lsof(r"\"), PathBuf::from(r"\"));
    }

    #[test]
    fn start_times_within_slack_are_the_same_process() {
        let t = Timestamp::from_second(1_800_000_000).unwrap();
        assert!(same_start(Some(t), Some(t + SignedDuration::from_secs(2))));
        assert!(same_start(
            Some(t),
            Some(t - SignedDuration::from_millis(1500))
        ));
        assert!(!same_start(Some(t), Some(t + SignedDuration::from_secs(3))));
        assert!(same_start(None, Some(t)));
        assert!(same_start(Some(t), None));
    }

    #[test]
    fn backend_choice() {
        assert_eq!(choose_backend(None, true), Backend::Proc);
        assert_eq!(choose_backend(Some("ps"), true), Backend::Ps);
        assert_eq!(choose_backend(Some("proc"), true), Backend::Proc);
        assert_eq!(choose_backend(Some("proc"), false), Backend::Ps);
        assert_eq!(choose_backend(None, false), Backend::Ps);
    }

    #[test]
    fn commands_that_fail_or_hang_give_none() {
        assert_eq!(capture("/nonexistent/program", &[]), None);
        assert_eq!(capture("false", &[]), None);
        let t = Instant::now();
        assert_eq!(capture("sleep", &["10"]), None);
        assert!(
            t.elapsed() < COMMAND_TIMEOUT + Duration::from_secs(1),
            "{:?}",
            t.elapsed()
        );
        assert_eq!(capture("echo", &["hi"]).as_deref(), Some("hi\n"));
    }
}
