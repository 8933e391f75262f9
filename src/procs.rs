//! TEMPORARY minimal /proc reader (replaced by the procs branch).
use std::path::PathBuf;

use jiff::Timestamp;

#[derive(Clone, Debug, PartialEq)]
pub struct ProcInfo {
    pub pid: u32,
    pub ppid: u32,
    pub name: String,
    pub argv: Vec<String>,
    pub started_at: Option<Timestamp>,
}

pub enum EnvLookup {
    Set(String),
    Unset,
    Unknown,
}

pub struct Procs;

impl Procs {
    pub fn new() -> Procs {
        Procs
    }

    fn info(pid: u32) -> Option<ProcInfo> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let open = stat.find('(')?;
        let close = stat.rfind(')')?;
        let name = stat[open + 1..close].to_string();
        let rest: Vec<&str> = stat[close + 2..].split(' ').collect();
        let ppid = rest.get(1)?.parse().ok()?;
        let ticks: i64 = rest.get(19)?.parse().ok()?;
        let btime: i64 = std::fs::read_to_string("/proc/stat")
            .ok()?
            .lines()
            .find_map(|l| l.strip_prefix("btime ").and_then(|v| v.trim().parse().ok()))?;
        let started_at = Timestamp::from_millisecond(btime * 1000 + ticks * 10).ok();
        let argv = std::fs::read(format!("/proc/{pid}/cmdline"))
            .ok()?
            .split(|b| *b == 0)
            .filter(|s| !s.is_empty())
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .collect();
        Some(ProcInfo {
            pid,
            ppid,
            name,
            argv,
            started_at,
        })
    }

    pub fn claude_processes(&mut self, root: u32, command: &str) -> Vec<ProcInfo> {
        let base = std::path::Path::new(command)
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut out = Vec::new();
        let mut queue = vec![root];
        while let Some(pid) = queue.first().copied() {
            queue.remove(0);
            if let Some(info) = Self::info(pid) {
                let arg0 = info
                    .argv
                    .first()
                    .map(|a| a.rsplit('/').next().unwrap_or("").to_string())
                    .unwrap_or_default();
                if info.name == "claude" || arg0 == "claude" || arg0 == base {
                    out.push(info);
                }
            }
            if let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) {
                for t in tasks.flatten() {
                    if let Ok(c) = std::fs::read_to_string(t.path().join("children")) {
                        queue.extend(c.split_whitespace().filter_map(|x| x.parse::<u32>().ok()));
                    }
                }
            }
        }
        out
    }

    pub fn env_var(&mut self, pid: u32, key: &str) -> EnvLookup {
        let Ok(env) = std::fs::read(format!("/proc/{pid}/environ")) else {
            return EnvLookup::Unknown;
        };
        let prefix = format!("{key}=");
        for kv in env.split(|b| *b == 0) {
            if let Some(v) = kv.strip_prefix(prefix.as_bytes()) {
                return EnvLookup::Set(String::from_utf8_lossy(v).into_owned());
            }
        }
        EnvLookup::Unset
    }

    pub fn cwd(&mut self, pid: u32) -> Option<PathBuf> {
        std::fs::read_link(format!("/proc/{pid}/cwd")).ok()
    }
}
