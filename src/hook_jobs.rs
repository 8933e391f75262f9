//! The hook's job files (`<state>/hook-jobs/<ms>-<pid>.json`): written by the short-lived
//! `claude-hook`, read and removed by the job tmux runs for it. When tmux dies (or its
//! `run-shell -b` never runs) first, the file would stay forever: each hook run that writes or
//! runs a job sweeps the ones older than `STALE`, far past any real hand-off (milliseconds).

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use anyhow::Result;
use jiff::Timestamp;

use crate::state::Store;

/// A job this old was never run and never will be.
pub const STALE: Duration = Duration::from_secs(600);
/// Folder entries looked at per sweep: a hook never lingers over a huge folder.
const SWEEP_MAX: usize = 256;

/// The jobs folder (created 0700).
pub fn dir(store: &Store) -> Result<PathBuf> {
    let dir = store.dir.join("hook-jobs");
    crate::fsutil::private_dir(&dir)?;
    Ok(dir)
}

/// A new job's file: unique per hook process.
pub fn new_path(dir: &Path, received_at: Option<Timestamp>) -> PathBuf {
    dir.join(format!(
        "{}-{}.json",
        received_at.map(|t| t.as_millisecond()).unwrap_or(0),
        std::process::id()
    ))
}

/// `<ms>-<pid>.json`, or the temporary file `write_atomic` makes for it
/// (`.<ms>-<pid>.json.<pid>.tmp`), left by a hook killed mid-write.
pub fn is_job_name(name: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let job = |s: &str| {
        s.strip_suffix(".json")
            .and_then(|s| s.split_once('-'))
            .is_some_and(|(ms, pid)| digits(ms) && digits(pid))
    };
    if let Some(tmp) = name.strip_prefix('.').and_then(|n| n.strip_suffix(".tmp")) {
        return tmp
            .rsplit_once('.')
            .is_some_and(|(job_name, pid)| digits(pid) && job(job_name));
    }
    job(name)
}

/// Remove the jobs last modified more than `STALE` before `now`: only regular files of ours
/// (by name and owner), never through a link; returns how many went.
pub fn sweep(dir: &Path, now: SystemTime) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let me = crate::fsutil::euid();
    let mut removed = 0;
    for entry in entries.take(SWEEP_MAX).flatten() {
        let name = entry.file_name();
        if !name.to_str().is_some_and(is_job_name) {
            continue;
        }
        // The entry's own metadata: a link is seen as a link, not followed.
        let Ok(meta) = entry.metadata() else {
            continue;
        };
        let stale = meta
            .modified()
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .is_some_and(|age| age > STALE);
        if meta.file_type().is_file()
            && meta.uid() == me
            && stale
            && std::fs::remove_file(entry.path()).is_ok()
        {
            removed += 1;
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_names() {
        for ok in [
            "1764660000123-4242.json",
            ".1764660000123-4242.json.4242.tmp",
        ] {
            assert!(is_job_name(ok), "{ok}");
        }
        for no in [
            "state.json",
            "1-2.json.bak",
            "a-2.json",
            "-2.json",
            "1-.json",
            ".1-2.json.tmp",
            "..1-2.json.3.tmp",
            "1-2-3.json",
        ] {
            assert!(!is_job_name(no), "{no}");
        }
    }

    #[test]
    fn only_stale_regular_job_files_go() {
        let d = std::env::temp_dir().join(format!("cf-jobs-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        let old = SystemTime::now() - STALE - Duration::from_secs(60);
        let plant = |name: &str, mtime: SystemTime| {
            let f = std::fs::File::create(d.join(name)).unwrap();
            f.set_modified(mtime).unwrap();
        };
        plant("1-2.json", old);
        plant(".1-2.json.2.tmp", old);
        plant("3-4.json", SystemTime::now());
        plant("notes.txt", old);
        std::fs::create_dir(d.join("5-6.json")).unwrap();
        // A link named like a job, to an old file elsewhere: neither goes.
        let target = d.join("target");
        plant("target", old);
        std::os::unix::fs::symlink(&target, d.join("7-8.json")).unwrap();
        assert_eq!(sweep(&d, SystemTime::now()), 2);
        let mut left: Vec<String> = std::fs::read_dir(&d)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(
            left,
            ["3-4.json", "5-6.json", "7-8.json", "notes.txt", "target"]
        );
        let _ = std::fs::remove_dir_all(&d);
    }
}
