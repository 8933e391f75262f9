//! Shared-state links: every account home exposes the shared items (`projects`, `file-history`,
//! `session-env` by default) as symlinks into one shared folder, so that `claude --resume <id>`
//! under another account finds the transcript and undo history survives a swap.
//!
//! `check` only reads. `ensure` creates what is missing and, with `adopt`, moves the contents of
//! real folders into the shared folder. Adopting never loses data:
//! - it plans first: the whole item is compared with the shared side and any conflict (same
//!   name, different content or type) stops that item before anything of it moves;
//! - it moves one entry at a time in a way that never replaces an existing entry (a hard link
//!   plus unlink, a symlink copy, a directory rename, or copy + fsync across file systems), so
//!   every intermediate state is valid input for the next run, which finishes the job;
//! - it deletes an account-side file only when it is the same inode as the shared copy or a
//!   byte-by-byte comparison proved them identical, and it never follows a symlink inside the
//!   adopted folder.
//!
//! Test-only hook: `CLAUDE_FAILOVER_TEST_ADOPT_STOP_AFTER=N` makes the process abort (no
//! cleanup) right after its N-th file-system change, to prove that an interrupted run is
//! finished by the next one. Only test builds have it (debug builds, which `cargo test` makes,
//! or `--features test-hooks`); a release binary ignores the variable.

use std::ffi::OsString;
use std::fs::{self, File, Metadata};
use std::io::{self, Read};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use serde::{Serialize, Serializer};

use crate::accounts::{normalize, Account};
use crate::options::Config;
use crate::shell::quote;

/// The environment variable of the test-only interruption hook (see the module docs).
pub const STOP_AFTER_ENV: &str = "CLAUDE_FAILOVER_TEST_ADOPT_STOP_AFTER";

/// A file written to this recently is being written (a running Claude's transcript)...
const LIVE_AGE: std::time::Duration = std::time::Duration::from_secs(10);
/// ...and after its removal, a write already under way gets this long to land, so that it is
/// seen and the file put back.
const LIVE_GRACE: std::time::Duration = std::time::Duration::from_millis(100);

/// `EXDEV`: rename or link across file systems.
const EXDEV: i32 = libc::EXDEV;

/// What is wrong, machine-readable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// Nothing where the link belongs (`links ensure` creates it).
    MissingLink,
    /// The link is right but the shared folder it points to is missing (`links ensure`).
    MissingTarget,
    /// A link that points somewhere else (never changed automatically).
    WrongLink,
    /// A regular or special file where the link belongs.
    NotAFolder,
    /// A real folder where the link belongs (`links ensure --adopt`).
    RealFolder,
    /// Adopting found the same name on both sides with different content or type.
    Conflict,
    /// The shared item exists but is not a folder.
    SharedNotAFolder,
    /// The account folder and the shared folder are the same place or nested.
    Overlap,
    /// Two accounts are the same folder (through a link, or spelled differently).
    SameFolder,
    /// A file-system operation failed.
    Error,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Problem {
    pub account: String,
    pub item: String,
    pub kind: Kind,
    /// Where the link belongs; in a conflict, the account-side file.
    #[serde(serialize_with = "lossy")]
    pub path: PathBuf,
    /// The shared-side path: the link's expected target; in a conflict, the shared copy.
    #[serde(serialize_with = "lossy")]
    pub target: PathBuf,
    /// What is wrong, as a sentence.
    pub problem: String,
    /// What to do about it, as a sentence.
    pub fix: String,
}

/// Paths inside adopted folders may not be UTF-8; JSON gets them with U+FFFD rather than an
/// error.
fn lossy<S: Serializer>(path: &Path, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&path.to_string_lossy())
}

/// What `ensure` did and what remains wrong.
#[derive(Debug, Default)]
pub struct Outcome {
    /// One sentence per change made.
    pub done: Vec<String>,
    pub problems: Vec<Problem>,
}

/// Every problem of every account.
pub fn check(config: &Config) -> Vec<Problem> {
    config
        .accounts
        .iter()
        .flat_map(|a| check_account(config, a))
        .collect()
}

/// The problems of one account (empty when its links are right). Only reads.
pub fn check_account(config: &Config, account: &Account) -> Vec<Problem> {
    let mut out = account_problems(config, account);
    out.extend(slots(config, account).iter().flat_map(check_slot));
    out
}

/// What is wrong with the account folder itself: inside the shared folder (its items would be
/// the shared items' neighbours, or the shared items themselves), or the same folder as an
/// account listed before it (both would run on one subscription: a swap between them is none).
fn account_problems(config: &Config, account: &Account) -> Vec<Problem> {
    let dir = resolve(&account.dir);
    let shared = resolve(&config.shared_dir);
    let problem = |kind, problem: String, fix: String, target: &Path| Problem {
        account: account.name.clone(),
        item: String::new(),
        kind,
        path: account.dir.clone(),
        target: target.to_path_buf(),
        problem,
        fix,
    };
    let mut out = Vec::new();
    // The same folder is each item's overlap, reported with the item.
    if dir != shared && dir.starts_with(&shared) {
        out.push(problem(
            Kind::Overlap,
            format!(
                "The account folder {} is inside the shared folder {}.",
                shown(&account.dir),
                shown(&config.shared_dir)
            ),
            "Set @claude-failover-shared-dir to a folder outside every account folder, or move \
             the account folder out of it."
                .into(),
            &config.shared_dir,
        ));
    }
    let earlier = config
        .accounts
        .iter()
        .take_while(|a| a.name != account.name)
        .find(|a| resolve(&a.dir) == dir);
    if let Some(other) = earlier {
        out.push(problem(
            Kind::SameFolder,
            format!(
                "The account folder {} is the same folder as account {}'s, {}.",
                shown(&account.dir),
                other.name,
                shown(&other.dir)
            ),
            "Give every account its own folder in @claude-failover-accounts (one per \
             subscription)."
                .into(),
            &other.dir,
        ));
    }
    out
}

/// Create what is missing (moving existing folders' contents when `adopt`); returns the
/// problems that remain.
// The interface other commands use; `links ensure` itself wants the `Outcome`.
#[allow(dead_code)]
pub fn ensure(config: &Config, adopt: bool) -> Vec<Problem> {
    ensure_outcome(config, adopt).problems
}

/// `ensure`, also telling what it changed.
pub fn ensure_outcome(config: &Config, adopt: bool) -> Outcome {
    ensure_with(Mover::new(), config, adopt)
}

fn ensure_with(mut mover: Mover, config: &Config, adopt: bool) -> Outcome {
    let mut problems = Vec::new();
    for account in &config.accounts {
        problems.extend(account_problems(config, account));
        for slot in slots(config, account) {
            problems.extend(ensure_slot(&mut mover, &slot, adopt));
        }
    }
    Outcome {
        done: mover.done,
        problems,
    }
}

/// One account's one shared item: where the link belongs and where it must point.
struct Slot<'a> {
    account: &'a Account,
    item: &'a str,
    link: PathBuf,
    target: PathBuf,
}

fn slots<'a>(config: &'a Config, account: &'a Account) -> Vec<Slot<'a>> {
    config
        .shared_items
        .iter()
        .map(|item| Slot {
            account,
            item,
            link: account.dir.join(item),
            target: config.shared_dir.join(item),
        })
        .collect()
}

fn shown(p: &Path) -> String {
    p.display().to_string()
}

fn q(p: &Path) -> String {
    quote(&p.to_string_lossy())
}

const ENSURE: &str = "claude-failover links ensure";
const ADOPT: &str = "claude-failover links ensure --adopt";

impl Slot<'_> {
    fn problem(&self, kind: Kind, problem: String, fix: String) -> Problem {
        self.problem_at(kind, &self.link, &self.target, problem, fix)
    }

    fn problem_at(
        &self,
        kind: Kind,
        path: &Path,
        target: &Path,
        problem: String,
        fix: String,
    ) -> Problem {
        Problem {
            account: self.account.name.clone(),
            item: self.item.to_string(),
            kind,
            path: path.to_path_buf(),
            target: target.to_path_buf(),
            problem,
            fix,
        }
    }

    fn error(&self, path: &Path, doing: &str, err: &io::Error) -> Problem {
        self.problem_at(
            Kind::Error,
            path,
            &self.target,
            format!("Could not {doing} {}: {err}.", shown(path)),
            format!(
                "Check that {} is reachable and writable by you, then run `{ENSURE}` again.",
                shown(path)
            ),
        )
    }

    /// `result`'s value, or its error reported against `path` (what was being done).
    fn ok<T>(
        &self,
        result: io::Result<T>,
        path: &Path,
        doing: &str,
        out: &mut Vec<Problem>,
    ) -> Option<T> {
        result
            .map_err(|e| out.push(self.error(path, doing, &e)))
            .ok()
    }

    /// A conflict found while adopting: `path` on the account side, `target` on the shared side.
    /// (Found while applying means it appeared after the plan; the rest was still moved.)
    fn conflict(&self, path: &Path, target: &Path, why: &str, mode: Mode) -> Problem {
        let outcome = match mode {
            Mode::Plan => format!("nothing of {} was moved", shown(&self.link)),
            Mode::Apply => "it was left in place".to_string(),
        };
        self.problem_at(
            Kind::Conflict,
            path,
            target,
            format!(
                "Adopting {} stopped: {} and {} {why}; {outcome}.",
                self.item,
                shown(path),
                shown(target),
            ),
            format!(
                "Compare them (e.g. `cmp {} {}`), keep what you need in the shared copy, move the \
                 account copy out of {}, then run `{ADOPT}` again.",
                q(path),
                q(target),
                shown(&self.link)
            ),
        )
    }
}

/// What sits where the link belongs.
enum AtLink {
    Nothing,
    Link { raw: PathBuf, right: bool },
    Folder,
    File(&'static str),
}

fn at_link(slot: &Slot) -> io::Result<AtLink> {
    let meta = match fs::symlink_metadata(&slot.link) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(AtLink::Nothing),
        Err(e) => return Err(e),
    };
    let ft = meta.file_type();
    Ok(if ft.is_symlink() {
        let raw = fs::read_link(&slot.link)?;
        let right = points_to(&slot.link, &raw, &slot.target);
        AtLink::Link { raw, right }
    } else if ft.is_dir() {
        AtLink::Folder
    } else if ft.is_file() {
        AtLink::File("a regular file")
    } else {
        AtLink::File("a special file (socket, pipe or device)")
    })
}

/// What sits at the shared item.
#[derive(PartialEq)]
enum AtTarget {
    Folder,
    Nothing,
    Bad(String),
    Unknown,
}

fn at_target(target: &Path) -> io::Result<AtTarget> {
    // Following links: the shared item may itself be a link to a folder elsewhere.
    match fs::metadata(target) {
        Ok(m) if m.is_dir() => Ok(AtTarget::Folder),
        Ok(_) => Ok(AtTarget::Bad("is a file, not a folder".into())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => match fs::read_link(target) {
            Ok(raw) => Ok(AtTarget::Bad(format!(
                "is a link to {}, which does not exist",
                shown(&raw)
            ))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(AtTarget::Nothing),
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    }
}

/// The path as the kernel would resolve it, as far as it exists: canonical when it exists,
/// otherwise its longest existing ancestor canonicalized plus the rest, lexically normalised.
fn resolve(path: &Path) -> PathBuf {
    let path = normalize(path);
    if let Ok(c) = fs::canonicalize(&path) {
        return c;
    }
    let mut rest = Vec::new();
    let mut cur = path.as_path();
    while let (Some(parent), Some(name)) = (cur.parent(), cur.file_name()) {
        rest.push(name);
        cur = parent;
        if let Ok(mut c) = fs::canonicalize(cur) {
            c.extend(rest.iter().rev());
            return c;
        }
    }
    path
}

/// Whether a link at `link` whose content is `raw` reaches `target` (any spelling).
fn points_to(link: &Path, raw: &Path, target: &Path) -> bool {
    let abs = match link.parent() {
        Some(dir) if raw.is_relative() => dir.join(raw),
        _ => raw.to_path_buf(),
    };
    resolve(&abs) == resolve(target)
}

/// The account folder and the shared folder must not be the same place or nested, or a link
/// would point at itself and adopting would compare a folder with itself.
fn overlap(slot: &Slot) -> Option<Problem> {
    let l = resolve(&slot.account.dir).join(slot.item);
    let t = resolve(&slot.target);
    (l.starts_with(&t) || t.starts_with(&l)).then(|| {
        slot.problem(
            Kind::Overlap,
            format!(
                "{} and the shared {} are the same place or one holds the other.",
                shown(&slot.link),
                shown(&slot.target)
            ),
            "Set @claude-failover-shared-dir to a folder outside every account folder.".into(),
        )
    })
}

fn entry_count(dir: &Path) -> String {
    match fs::read_dir(dir) {
        Ok(entries) => match entries.count() {
            0 => "empty".into(),
            1 => "1 entry".into(),
            n => format!("{n} entries"),
        },
        Err(_) => "unreadable".into(),
    }
}

fn check_slot(slot: &Slot) -> Vec<Problem> {
    if let Some(p) = overlap(slot) {
        return vec![p];
    }
    let mut out = Vec::new();
    let target = at_target(&slot.target).unwrap_or_else(|e| {
        out.push(slot.error(&slot.target, "read the shared folder", &e));
        AtTarget::Unknown
    });
    if let AtTarget::Bad(why) = &target {
        out.push(slot.problem(
            Kind::SharedNotAFolder,
            format!(
                "The shared {} {why}, so the link cannot lead to a folder.",
                shown(&slot.target)
            ),
            format!(
                "Move it away (e.g. `mv {} {}.bak`), then run `{ENSURE}`.",
                q(&slot.target),
                q(&slot.target)
            ),
        ));
    }
    let at = match at_link(slot) {
        Ok(at) => at,
        Err(e) => {
            out.push(slot.error(&slot.link, "read", &e));
            return out;
        }
    };
    let t = shown(&slot.target);
    match at {
        AtLink::Nothing if target == AtTarget::Nothing || target == AtTarget::Folder => {
            let problem = if fs::symlink_metadata(&slot.account.dir).is_err() {
                format!(
                    "The account folder {} does not exist yet, so the link to {t} is missing.",
                    shown(&slot.account.dir)
                )
            } else {
                format!("There is no link to {t} here yet.")
            };
            out.push(slot.problem(
                Kind::MissingLink,
                problem,
                format!("Run `{ENSURE}` to create it."),
            ));
        }
        AtLink::Nothing => {}
        AtLink::Link { right: true, .. } => {
            if target == AtTarget::Nothing {
                out.push(slot.problem(
                    Kind::MissingTarget,
                    format!("The link points to {t}, which does not exist yet."),
                    format!("Run `{ENSURE}` to create the shared folder."),
                ));
            }
        }
        AtLink::Link { raw, right: false } => out.push(slot.problem(
            Kind::WrongLink,
            format!(
                "This is a link to {}, not to {t}; it is left alone.",
                shown(&raw)
            ),
            format!(
                "If {} holds anything you need, move it into {t}; then remove the link \
                 (`rm {}`, which leaves its target untouched) and run `{ENSURE}`.",
                shown(&raw),
                q(&slot.link)
            ),
        )),
        AtLink::Folder => out.push(slot.problem(
            Kind::RealFolder,
            format!(
                "This is a real folder ({}), not a link to {t}, so the other accounts do not \
                 see its contents.",
                entry_count(&slot.link)
            ),
            format!(
                "Run `{ADOPT}` to move its contents into {t} and replace it with the link \
                 (best with no Claude session of this account running)."
            ),
        )),
        AtLink::File(what) => out.push(slot.problem(
            Kind::NotAFolder,
            format!("This is {what} where the link to {t} belongs."),
            format!(
                "Move it away (e.g. `mv {} {}.bak`), then run `{ENSURE}`.",
                q(&slot.link),
                q(&slot.link)
            ),
        )),
    }
    out
}

fn ensure_slot(mover: &mut Mover, slot: &Slot, adopt: bool) -> Vec<Problem> {
    let before = check_slot(slot);
    // Acting next to these could make things worse (e.g. a link into a file).
    let blocked = before
        .iter()
        .any(|p| matches!(p.kind, Kind::Overlap | Kind::SharedNotAFolder | Kind::Error));
    if blocked {
        return before;
    }
    let mut failed = Vec::new();
    for p in &before {
        let result = match p.kind {
            Kind::MissingLink => mover.create_link(slot),
            Kind::MissingTarget => mover.create_dir(slot, &slot.target),
            Kind::RealFolder if adopt => mover.adopt(slot),
            _ => continue,
        };
        if let Err(problems) = result {
            failed.extend(problems);
        }
    }
    if !failed.is_empty() {
        return failed;
    }
    if before.is_empty() {
        return before;
    }
    check_slot(slot)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Walk and compare only: collect every conflict, change nothing.
    Plan,
    /// Move, merge and delete proven duplicates.
    Apply,
}

/// Makes the changes, one counted step at a time.
struct Mover {
    steps: usize,
    stop_after: Option<usize>,
    done: Vec<String>,
    moved: usize,
    merged: usize,
    /// Unit tests exercise the cross-file-system path on one file system.
    force_copy: bool,
}

type Step = Result<(), Vec<Problem>>;

impl Mover {
    fn new() -> Mover {
        Mover {
            steps: 0,
            // Test builds only (debug, or the `test-hooks` feature), never a release.
            stop_after: if cfg!(any(debug_assertions, feature = "test-hooks")) {
                std::env::var(STOP_AFTER_ENV)
                    .ok()
                    .and_then(|v| v.trim().parse().ok())
            } else {
                None
            },
            done: Vec::new(),
            moved: 0,
            merged: 0,
            force_copy: false,
        }
    }

    /// `op`, which works on one file system only: the unit tests' `force_copy` makes it fail as
    /// across file systems.
    fn on_one_fs(&self, op: impl FnOnce() -> io::Result<()>) -> io::Result<()> {
        if self.force_copy {
            return Err(io::Error::from_raw_os_error(EXDEV));
        }
        op()
    }

    /// Count one file-system change; the test hook aborts here.
    fn step(&mut self) {
        self.steps += 1;
        if self.stop_after == Some(self.steps) {
            std::process::abort();
        }
    }

    fn create_dir(&mut self, slot: &Slot, dir: &Path) -> Step {
        if fs::symlink_metadata(dir).is_ok() {
            return Ok(());
        }
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| vec![slot.error(dir, "create the folder", &e)])?;
        self.step();
        self.done.push(format!("created folder {}", shown(dir)));
        Ok(())
    }

    fn create_link(&mut self, slot: &Slot) -> Step {
        self.create_dir(slot, &slot.target)?;
        self.create_dir(slot, &slot.account.dir)?;
        self.symlink(slot)
    }

    fn symlink(&mut self, slot: &Slot) -> Step {
        std::os::unix::fs::symlink(&slot.target, &slot.link)
            .map_err(|e| vec![slot.error(&slot.link, "create the link", &e)])?;
        self.step();
        sync_dir(&slot.account.dir);
        self.done.push(format!(
            "linked {} -> {}",
            shown(&slot.link),
            shown(&slot.target)
        ));
        Ok(())
    }

    fn adopt(&mut self, slot: &Slot) -> Step {
        let (l, t) = (&slot.link, &slot.target);
        if let Some(shared) = t.parent() {
            self.create_dir(slot, shared)?;
        }
        (self.moved, self.merged) = (0, 0);
        let lmeta = fs::symlink_metadata(l).map_err(|e| vec![slot.error(l, "read", &e)])?;
        let mut problems = Vec::new();
        let whole = match fs::symlink_metadata(t) {
            // Nothing shared yet: the whole folder moves, in one rename on one file system.
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                if !self.move_dir(slot, l, t, &lmeta, &mut problems) {
                    return Err(problems);
                }
                true
            }
            Err(e) => return Err(vec![slot.error(t, "read", &e)]),
            Ok(_) => {
                // Plan first: any conflict anywhere in the item stops the item untouched.
                self.merge(slot, l, t, Mode::Plan, &mut problems);
                if !problems.is_empty() {
                    return Err(problems);
                }
                if !self.merge(slot, l, t, Mode::Apply, &mut problems) {
                    return Err(problems);
                }
                if !self.remove_dir(slot, l, &mut problems) {
                    return Err(problems);
                }
                false
            }
        };
        let (moved, merged) = (self.moved, self.merged);
        self.symlink(slot)?;
        self.done.push(if whole {
            format!("adopted {}: the folder became {}", shown(l), shown(t))
        } else {
            format!(
                "adopted {}: {moved} entr{} moved into {}, {merged} identical duplicate(s) removed",
                shown(l),
                if moved == 1 { "y" } else { "ies" },
                shown(t)
            )
        });
        Ok(())
    }

    /// Merge the folder `src` (account side) into the folder `dst` (shared side). Returns
    /// whether everything of `src` was handled, so that `src` is empty (Apply) or would be.
    fn merge(
        &mut self,
        slot: &Slot,
        src: &Path,
        dst: &Path,
        mode: Mode,
        out: &mut Vec<Problem>,
    ) -> bool {
        let Some(names) = slot.ok(sorted_names(src), src, "list the folder", out) else {
            return false;
        };
        let mut clean = true;
        for name in names {
            clean &= self.merge_entry(slot, &src.join(&name), &dst.join(&name), mode, out);
        }
        if mode == Mode::Apply {
            sync_dir(dst);
            sync_dir(src);
        }
        clean
    }

    fn merge_entry(
        &mut self,
        slot: &Slot,
        s: &Path,
        d: &Path,
        mode: Mode,
        out: &mut Vec<Problem>,
    ) -> bool {
        let sm = match slot.ok(entry(s), s, "read", out) {
            Some(Some(m)) => m,
            // Gone since listed (e.g. Claude removed it): nothing left to move.
            Some(None) => return true,
            None => return false,
        };
        let dm = match slot.ok(entry(d), d, "read", out) {
            Some(Some(m)) => m,
            Some(None) => return mode == Mode::Plan || self.move_entry(slot, s, d, &sm, out),
            None => return false,
        };
        let (st, dt) = (sm.file_type(), dm.file_type());
        if same_inode(&sm, &dm) && st.is_dir() {
            out.push(slot.conflict(s, d, "are the same folder (a bind mount?)", mode));
            return false;
        }
        if st.is_dir() && dt.is_dir() {
            let clean = self.merge(slot, s, d, mode, out);
            if clean && mode == Mode::Apply {
                return self.remove_dir(slot, s, out);
            }
            return clean;
        }
        match difference(s, &sm, d, &dm) {
            Ok(None) => mode == Mode::Plan || self.remove_duplicate(slot, s, &sm, out),
            Ok(Some(why)) => {
                out.push(slot.conflict(s, d, &why, mode));
                false
            }
            Err((doing, e)) => {
                out.push(slot.error(s, doing, &e));
                false
            }
        }
    }

    /// Remove `s`, proven identical to its shared copy, unless it changed since the comparison.
    fn remove_duplicate(
        &mut self,
        slot: &Slot,
        s: &Path,
        compared: &Metadata,
        out: &mut Vec<Problem>,
    ) -> bool {
        match slot.ok(entry(s), s, "read", out) {
            Some(Some(now)) if unchanged(compared, &now) => {}
            Some(Some(_)) => {
                out.push(slot.problem_at(
                    Kind::Error,
                    s,
                    &slot.target,
                    format!(
                        "{} changed while it was being adopted; it was kept.",
                        shown(s)
                    ),
                    format!("Stop the Claude sessions of this account, then run `{ADOPT}` again."),
                ));
                return false;
            }
            Some(None) => return true,
            None => return false,
        }
        // remove_file never follows a link: it removes the link itself.
        let removed = self.changed(
            fs::remove_file(s),
            slot,
            s,
            "remove the identical duplicate",
            out,
        );
        self.merged += usize::from(removed);
        removed
    }

    fn remove_dir(&mut self, slot: &Slot, dir: &Path, out: &mut Vec<Problem>) -> bool {
        self.changed(
            fs::remove_dir(dir),
            slot,
            dir,
            "remove the emptied folder",
            out,
        )
    }

    /// One change made (a step) or its error reported against `path`.
    fn changed(
        &mut self,
        result: io::Result<()>,
        slot: &Slot,
        path: &Path,
        what: &str,
        out: &mut Vec<Problem>,
    ) -> bool {
        let done = slot.ok(result, path, what, out).is_some();
        if done {
            self.step();
        }
        done
    }

    /// Move `s` to `d`, which did not exist, without ever replacing an entry that appears at
    /// `d` meanwhile.
    fn move_entry(
        &mut self,
        slot: &Slot,
        s: &Path,
        d: &Path,
        sm: &Metadata,
        out: &mut Vec<Problem>,
    ) -> bool {
        let ft = sm.file_type();
        let moved = if ft.is_dir() {
            return self.move_dir(slot, s, d, sm, out);
        } else if ft.is_symlink() {
            self.move_symlink(slot, s, d, out)
        } else {
            self.move_file(slot, s, d, sm, out)
        };
        if moved {
            self.moved += 1;
        }
        moved
    }

    /// A folder moves by rename(2), which only replaces an empty folder (nothing lost); across
    /// file systems it is recreated and merged entry by entry.
    fn move_dir(
        &mut self,
        slot: &Slot,
        s: &Path,
        d: &Path,
        sm: &Metadata,
        out: &mut Vec<Problem>,
    ) -> bool {
        match self.on_one_fs(|| fs::rename(s, d)) {
            Ok(()) => {
                self.step();
                self.moved += 1;
                return true;
            }
            Err(e) if e.raw_os_error() == Some(EXDEV) => {}
            Err(e) => {
                out.push(slot.error(s, &format!("move to {}", shown(d)), &e));
                return false;
            }
        }
        match fs::DirBuilder::new().mode(sm.mode() & 0o777).create(d) {
            Ok(()) => self.step(),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => {
                out.push(slot.error(d, "create the folder", &e));
                return false;
            }
        }
        self.merge(slot, s, d, Mode::Apply, out) && self.remove_dir(slot, s, out)
    }

    fn move_symlink(&mut self, slot: &Slot, s: &Path, d: &Path, out: &mut Vec<Problem>) -> bool {
        let Some(raw) = slot.ok(fs::read_link(s), s, "read the link", out) else {
            return false;
        };
        // symlink(2) fails rather than replace an existing entry.
        self.changed(
            std::os::unix::fs::symlink(&raw, d),
            slot,
            d,
            "create the link",
            out,
        ) && self.changed(fs::remove_file(s), slot, s, "remove the moved link", out)
    }

    /// A file moves by hard link + unlink: link(2) never replaces an existing entry, and in
    /// between both names are the same inode, which the next run recognises as a duplicate.
    fn move_file(
        &mut self,
        slot: &Slot,
        s: &Path,
        d: &Path,
        sm: &Metadata,
        out: &mut Vec<Problem>,
    ) -> bool {
        let linked = self.on_one_fs(|| fs::hard_link(s, d));
        // A copy is a second inode: `s` may be removed only while it still holds what was copied.
        let mut copied = false;
        let result = match linked {
            Ok(()) => {
                self.step();
                Ok(())
            }
            Err(e) if e.raw_os_error() == Some(EXDEV) => {
                copied = true;
                self.copy_file(s, d, sm)
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(e),
            // A file system without hard links (or one refusing them): rename, having just
            // checked that nothing is at `d`.
            Err(_) => match fs::symlink_metadata(d) {
                Err(e) if e.kind() == io::ErrorKind::NotFound => match fs::rename(s, d) {
                    Ok(()) => {
                        self.step();
                        return true;
                    }
                    Err(e) if e.raw_os_error() == Some(EXDEV) => {
                        copied = true;
                        self.copy_file(s, d, sm)
                    }
                    Err(e) => Err(e),
                },
                Ok(_) => Err(io::Error::from(io::ErrorKind::AlreadyExists)),
                Err(e) => Err(e),
            },
        };
        if slot
            .ok(result, s, &format!("move to {}", shown(d)), out)
            .is_none()
        {
            return false;
        }
        if copied {
            return self.remove_copied(slot, s, d, sm, out);
        }
        self.changed(fs::remove_file(s), slot, s, "remove the moved file", out)
    }

    /// Remove `s` once its copy `d` is in place on another file system, only if `s` still holds
    /// exactly the copied bytes: a running Claude may have appended to it meanwhile. A file that
    /// changed is kept beside its copy and reported (the next run sees a conflict, nothing lost).
    /// The file stays open across the removal, so a write that lands between the comparison and
    /// the removal is seen too, and the file is put back.
    fn remove_copied(
        &mut self,
        slot: &Slot,
        s: &Path,
        d: &Path,
        sm: &Metadata,
        out: &mut Vec<Problem>,
    ) -> bool {
        let why = "differ: the account-side file changed while it was copied (a running Claude \
                   wrote to it); both were kept";
        let compared = open_same(s, sm).and_then(|held| {
            let before = held.metadata()?;
            let same = same_inode(&fs::symlink_metadata(s)?, &before)
                && same_content(s, &before, d, &fs::symlink_metadata(d)?)?;
            Ok((held, before, same))
        });
        let (held, before) = match compared {
            Ok((held, before, true)) => (held, before),
            Ok((_, _, false)) => {
                out.push(slot.conflict(s, d, why, Mode::Apply));
                return false;
            }
            Err(e) => {
                out.push(slot.error(s, "compare the file with its copy", &e));
                return false;
            }
        };
        if !self.changed(fs::remove_file(s), slot, s, "remove the moved file", out) {
            return false;
        }
        // A writer that opened the file just before the removal may not have written yet: a
        // file written to in the last seconds (a live transcript) gets a moment for that.
        let live = before
            .modified()
            .is_ok_and(|m| m.elapsed().map_or(true, |age| age < LIVE_AGE));
        if live {
            std::thread::sleep(LIVE_GRACE);
        }
        if held
            .metadata()
            .is_ok_and(|after| unchanged(&before, &after))
        {
            return true;
        }
        // Written between the comparison and the removal: the open file holds it all.
        match restore(&held, s, &before) {
            Ok(kept) => out.push(slot.conflict(&kept, d, why, Mode::Apply)),
            Err(e) => out.push(slot.error(s, "put back the file that changed while copied", &e)),
        }
        false
    }

    /// Copy `s` to `d` on another file system: into a temporary file beside `d`, flushed to
    /// disk with its modification time kept, then linked into place without replacing anything.
    fn copy_file(&mut self, s: &Path, d: &Path, sm: &Metadata) -> io::Result<()> {
        if !sm.is_file() {
            return Err(io::Error::other(
                "a special file cannot be moved to another file system",
            ));
        }
        let mut tmp_name = OsString::from(".");
        tmp_name.push(d.file_name().unwrap_or_default());
        tmp_name.push(".claude-failover-adopt.tmp");
        let tmp = d.with_file_name(tmp_name);
        // A leftover of an interrupted run: ours, and the source still exists.
        if fs::symlink_metadata(&tmp).is_ok() {
            fs::remove_file(&tmp)?;
        }
        let mut from = open_same(s, sm)?;
        let mut to = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(sm.mode() & 0o777)
            .open(&tmp)?;
        let copied = io::copy(&mut from, &mut to)
            .and_then(|_| to.set_modified(sm.modified()?))
            .and_then(|_| to.sync_all());
        drop(to);
        let installed = copied.and_then(|_| match fs::hard_link(&tmp, d) {
            Err(e) if e.kind() != io::ErrorKind::AlreadyExists => match fs::symlink_metadata(d) {
                Err(n) if n.kind() == io::ErrorKind::NotFound => fs::rename(&tmp, d),
                _ => Err(e),
            },
            other => other,
        });
        let _ = fs::remove_file(&tmp);
        installed?;
        if let Some(dir) = d.parent() {
            sync_dir(dir);
        }
        self.step();
        Ok(())
    }
}

/// Write the whole of the open (removed) file `held` back at `path`, or beside it when a new
/// file already took its name; returns where it went.
fn restore(held: &File, path: &Path, meta: &Metadata) -> io::Result<PathBuf> {
    let create = |p: &Path| {
        fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(meta.mode() & 0o777)
            .open(p)
    };
    let (mut to, kept) = match create(path) {
        Ok(f) => (f, path.to_path_buf()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            let aside = crate::fsutil::aside_path(path, "kept");
            (create(&aside)?, aside)
        }
        Err(e) => return Err(e),
    };
    let mut from = held;
    io::Seek::seek(&mut from, io::SeekFrom::Start(0))?;
    io::copy(&mut from, &mut to)?;
    to.sync_all()?;
    Ok(kept)
}

/// Why the account-side entry `s` and its shared counterpart `d` (not both folders) differ, or
/// None when `s` is a duplicate; an error comes with what could not be done.
fn difference(
    s: &Path,
    sm: &Metadata,
    d: &Path,
    dm: &Metadata,
) -> Result<Option<String>, (&'static str, io::Error)> {
    let (st, dt) = (sm.file_type(), dm.file_type());
    if st.is_file() && dt.is_file() {
        let same =
            same_content(s, sm, d, dm).map_err(|e| ("compare the file with its shared copy", e))?;
        let why = || {
            let (a, b) = (sm.len(), dm.len());
            format!("both exist with different content ({a} and {b} bytes)")
        };
        return Ok((!same).then(why));
    }
    if st.is_symlink() && dt.is_symlink() {
        let read = |p: &Path| fs::read_link(p).map_err(|e| ("read the link", e));
        let (a, b) = (read(s)?, read(d)?);
        let why = || {
            format!(
                "are links to different places ({} and {})",
                shown(&a),
                shown(&b)
            )
        };
        return Ok((a != b).then(why));
    }
    let (a, b) = (describe(sm), describe(dm));
    Ok(Some(format!("are of different kinds ({a} and {b})")))
}

/// What is at `path` (not following a link), or None when nothing is.
fn entry(path: &Path) -> io::Result<Option<Metadata>> {
    match fs::symlink_metadata(path) {
        Ok(m) => Ok(Some(m)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

fn sorted_names(dir: &Path) -> io::Result<Vec<OsString>> {
    let mut names = fs::read_dir(dir)?
        .map(|e| e.map(|e| e.file_name()))
        .collect::<io::Result<Vec<_>>>()?;
    names.sort();
    Ok(names)
}

fn same_inode(a: &Metadata, b: &Metadata) -> bool {
    a.dev() == b.dev() && a.ino() == b.ino()
}

fn unchanged(a: &Metadata, b: &Metadata) -> bool {
    same_inode(a, b)
        && a.len() == b.len()
        && a.mtime() == b.mtime()
        && a.mtime_nsec() == b.mtime_nsec()
}

fn describe(m: &Metadata) -> &'static str {
    let ft = m.file_type();
    if ft.is_symlink() {
        "a link"
    } else if ft.is_dir() {
        "a folder"
    } else if ft.is_file() {
        "a file"
    } else {
        "a special file"
    }
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Open `path`, making sure it is still the inode `meta` describes (not swapped for a link).
fn open_same(path: &Path, meta: &Metadata) -> io::Result<File> {
    let f = crate::fsutil::open_regular(path, crate::fsutil::Links::Refuse)?;
    if !same_inode(&f.metadata()?, meta) {
        return Err(io::Error::other("it changed while being read"));
    }
    Ok(f)
}

/// Whether two regular files hold the same bytes (the same inode trivially does).
fn same_content(a: &Path, am: &Metadata, b: &Path, bm: &Metadata) -> io::Result<bool> {
    if same_inode(am, bm) {
        return Ok(true);
    }
    if am.len() != bm.len() {
        return Ok(false);
    }
    let (mut fa, mut fb) = (open_same(a, am)?, open_same(b, bm)?);
    let (mut ba, mut bb) = (vec![0u8; 64 * 1024], vec![0u8; 64 * 1024]);
    loop {
        let na = read_full(&mut fa, &mut ba)?;
        let nb = read_full(&mut fb, &mut bb)?;
        if ba[..na] != bb[..nb] {
            return Ok(false);
        }
        if na == 0 {
            return Ok(true);
        }
    }
}

fn read_full(f: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::symlink;

    /// A fresh folder under the system temp folder, removed when dropped.
    struct Tmp(PathBuf);

    impl Tmp {
        fn new(tag: &str) -> Tmp {
            static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
            let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let dir = std::env::temp_dir()
                .join(format!("cf-links-unit-{}-{n}-{tag} é", std::process::id()));
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(&dir).unwrap();
            Tmp(dir)
        }
    }

    impl Drop for Tmp {
        fn drop(&mut self) {
            if !std::thread::panicking() {
                let _ = fs::remove_dir_all(&self.0);
            }
        }
    }

    fn config(accounts: &[(&str, &Path)], shared: &Path, items: &str) -> Config {
        let list: Vec<String> = accounts
            .iter()
            .map(|(n, d)| quote(&format!("{n}={}", d.display())))
            .collect();
        crate::options::from_pairs(&[
            ("@claude-failover-accounts", &list.join(" ")),
            ("@claude-failover-shared-dir", &shared.display().to_string()),
            ("@claude-failover-shared-items", items),
        ])
        .unwrap()
    }

    fn kinds(problems: &[Problem]) -> Vec<(String, String, Kind)> {
        problems
            .iter()
            .map(|p| (p.account.clone(), p.item.clone(), p.kind))
            .collect()
    }

    /// Every regular file and link under `dir`, by relative path: content or link target.
    fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
        let mut out = BTreeMap::new();
        let mut todo = vec![dir.to_path_buf()];
        while let Some(d) = todo.pop() {
            for e in fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                let m = fs::symlink_metadata(&p).unwrap();
                let rel = p.strip_prefix(dir).unwrap().to_path_buf();
                if m.file_type().is_symlink() {
                    let mut v = b"link:".to_vec();
                    v.extend(fs::read_link(&p).unwrap().as_os_str().as_bytes());
                    out.insert(rel, v);
                } else if m.is_dir() {
                    todo.push(p);
                } else {
                    out.insert(rel, fs::read(&p).unwrap());
                }
            }
        }
        out
    }

    fn write(path: &Path, data: &str) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, data).unwrap();
    }

    #[test]
    fn resolve_follows_existing_links_and_keeps_the_missing_rest() {
        let t = Tmp::new("resolve");
        let real = t.0.join("real");
        fs::create_dir(&real).unwrap();
        symlink(&real, t.0.join("alias")).unwrap();
        let canon = fs::canonicalize(&real).unwrap();
        assert_eq!(resolve(&t.0.join("alias")), canon);
        assert_eq!(resolve(&t.0.join("alias/x/../y/z")), canon.join("y/z"));
        assert_eq!(resolve(&t.0.join("real/./missing")), canon.join("missing"));
        assert_eq!(
            resolve(Path::new("/nonexistent-cf/a/b")),
            PathBuf::from("/nonexistent-cf/a/b")
        );
    }

    #[test]
    fn links_count_as_right_through_any_spelling() {
        let t = Tmp::new("spelling");
        let shared = t.0.join("shared");
        let acct = t.0.join("acct");
        fs::create_dir_all(shared.join("projects")).unwrap();
        fs::create_dir_all(&acct).unwrap();
        symlink(&shared, t.0.join("alias")).unwrap();
        let link = acct.join("projects");
        let target = shared.join("projects");
        for raw in [
            target.clone(),
            PathBuf::from("../shared/projects"),
            t.0.join("alias/projects"),
            t.0.join("acct/../shared/./projects"),
        ] {
            assert!(points_to(&link, &raw, &target), "{}", raw.display());
        }
        assert!(!points_to(
            &link,
            Path::new("../elsewhere/projects"),
            &target
        ));
        // A target that does not exist yet compares lexically (after its existing prefix).
        let missing = shared.join("file-history");
        assert!(points_to(
            &link,
            Path::new("../shared/x/../file-history"),
            &missing
        ));
    }

    #[test]
    fn content_comparison_is_byte_exact() {
        let t = Tmp::new("cmp");
        let (a, b, c, d) = (t.0.join("a"), t.0.join("b"), t.0.join("c"), t.0.join("d"));
        let big: String = "x".repeat(200_000);
        write(&a, &big);
        write(&b, &big);
        write(&c, &format!("{}y", &big[1..]));
        write(&d, "short");
        let m = |p: &Path| fs::symlink_metadata(p).unwrap();
        assert!(same_content(&a, &m(&a), &b, &m(&b)).unwrap());
        assert!(!same_content(&a, &m(&a), &c, &m(&c)).unwrap());
        assert!(!same_content(&a, &m(&a), &d, &m(&d)).unwrap());
        fs::hard_link(&d, t.0.join("e")).unwrap();
        assert!(same_content(&d, &m(&d), &t.0.join("e"), &m(&t.0.join("e"))).unwrap());
    }

    #[test]
    fn shared_folder_inside_an_account_is_an_overlap_and_nothing_is_done() {
        let t = Tmp::new("overlap");
        let acct = t.0.join("acct");
        write(&acct.join("projects/p/s.jsonl"), "data");
        let c = config(&[("a", &acct)], &acct, "projects");
        let before = tree(&t.0);
        let problems = ensure(&c, true);
        assert_eq!(
            kinds(&problems),
            [("a".into(), "projects".into(), Kind::Overlap)]
        );
        assert_eq!(tree(&t.0), before);
        let c = config(&[("a", &acct)], &acct.join("projects/shared"), "projects");
        assert_eq!(check(&c)[0].kind, Kind::Overlap);
    }

    #[test]
    fn ensure_creates_everything_then_check_is_clean() {
        let t = Tmp::new("create");
        let (a, b, shared) = (t.0.join("a b"), t.0.join("ü"), t.0.join("sh ared"));
        let c = config(&[("a", &a), ("b", &b)], &shared, "projects file-history");
        assert_eq!(
            kinds(&check(&c)),
            [
                ("a".into(), "projects".into(), Kind::MissingLink),
                ("a".into(), "file-history".into(), Kind::MissingLink),
                ("b".into(), "projects".into(), Kind::MissingLink),
                ("b".into(), "file-history".into(), Kind::MissingLink),
            ]
        );
        let out = ensure_outcome(&c, false);
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        assert_eq!(
            out.done.iter().filter(|d| d.starts_with("linked")).count(),
            4
        );
        assert!(check(&c).is_empty());
        for acct in [&a, &b] {
            assert_eq!(
                fs::read_link(acct.join("projects")).unwrap(),
                shared.join("projects")
            );
            assert_eq!(fs::metadata(acct).unwrap().mode() & 0o777, 0o700);
        }
        assert!(ensure_outcome(&c, true).done.is_empty());
    }

    fn adopt_fixture(t: &Tmp) -> (Config, PathBuf, PathBuf) {
        let (acct, shared) = (t.0.join("acct"), t.0.join("shared"));
        write(&acct.join("projects/-home-me/1.jsonl"), "one");
        write(&acct.join("projects/-home-me/same.jsonl"), "same");
        write(&acct.join("projects/-other/2.jsonl"), "two");
        symlink("../../outside", acct.join("projects/-home-me/lnk")).unwrap();
        let odd = std::ffi::OsStr::from_bytes(b"bad-\xff-name");
        write(&acct.join("projects").join(odd), "not utf-8 name");
        write(&shared.join("projects/-home-me/same.jsonl"), "same");
        write(&shared.join("projects/-home-me/0.jsonl"), "zero");
        (config(&[("a", &acct)], &shared, "projects"), acct, shared)
    }

    fn adopt_and_verify(force_copy: bool) {
        let t = Tmp::new("adopt");
        let (c, acct, shared) = adopt_fixture(&t);
        let mtime = fs::metadata(acct.join("projects/-other/2.jsonl"))
            .unwrap()
            .modified()
            .unwrap();
        let mut expected = tree(&shared.join("projects"));
        expected.extend(tree(&acct.join("projects")));
        let mut mover = Mover::new();
        mover.force_copy = force_copy;
        let out = ensure_with(mover, &c, true);
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        assert!(
            out.done.iter().any(|d| d.contains("1 identical duplicate")),
            "{:?}",
            out.done
        );
        assert_eq!(tree(&shared.join("projects")), expected);
        assert_eq!(
            fs::read_link(acct.join("projects")).unwrap(),
            shared.join("projects")
        );
        let moved = fs::metadata(shared.join("projects/-other/2.jsonl")).unwrap();
        assert_eq!(moved.modified().unwrap(), mtime);
        assert!(check(&c).is_empty());
        let json = serde_json::to_string(&out.problems).unwrap();
        assert_eq!(json, "[]");
    }

    #[test]
    fn adopt_merges_on_one_file_system() {
        adopt_and_verify(false);
    }

    #[test]
    fn adopt_merges_by_copy_across_file_systems() {
        adopt_and_verify(true);
    }

    #[test]
    fn a_conflict_anywhere_stops_the_whole_item_before_anything_moves() {
        let t = Tmp::new("conflict");
        let (c, acct, shared) = adopt_fixture(&t);
        write(&acct.join("projects/-other/x"), "mine");
        write(&shared.join("projects/-other/x"), "theirs");
        fs::create_dir_all(acct.join("projects/kind")).unwrap();
        write(&shared.join("projects/kind"), "a file");
        let before = tree(&t.0);
        let problems = ensure(&c, true);
        assert_eq!(tree(&t.0), before);
        let conflicts: Vec<_> = problems
            .iter()
            .filter(|p| p.kind == Kind::Conflict)
            .collect();
        assert_eq!(conflicts.len(), 2, "{problems:?}");
        assert_eq!(conflicts[0].path, acct.join("projects/-other/x"));
        assert_eq!(conflicts[0].target, shared.join("projects/-other/x"));
        assert!(conflicts[0].problem.contains("different content"));
        assert!(conflicts[1].problem.contains("different kinds"));
        // A non-UTF-8 path still serialises.
        let p = Problem {
            path: acct.join(std::ffi::OsStr::from_bytes(b"\xff")),
            ..problems[0].clone()
        };
        assert!(serde_json::to_string(&p).unwrap().contains('\u{fffd}'));
    }

    #[test]
    fn divergent_links_files_and_bad_shared_items_are_reported_untouched() {
        let t = Tmp::new("bad");
        let (a, shared) = (t.0.join("a"), t.0.join("shared"));
        fs::create_dir_all(&a).unwrap();
        fs::create_dir_all(t.0.join("elsewhere")).unwrap();
        symlink(t.0.join("elsewhere"), a.join("projects")).unwrap();
        write(&a.join("file-history"), "a file");
        write(&shared.join("session-env"), "not a folder");
        let c = config(&[("a", &a)], &shared, "projects file-history session-env");
        let before = tree(&t.0);
        let problems = ensure(&c, true);
        assert_eq!(tree(&t.0), before);
        assert_eq!(
            kinds(&problems),
            [
                ("a".into(), "projects".into(), Kind::WrongLink),
                ("a".into(), "file-history".into(), Kind::NotAFolder),
                ("a".into(), "session-env".into(), Kind::SharedNotAFolder),
            ]
        );
    }

    #[test]
    fn a_dangling_right_link_gets_its_target_created() {
        let t = Tmp::new("dangling");
        let (a, shared) = (t.0.join("a"), t.0.join("shared"));
        fs::create_dir_all(&a).unwrap();
        symlink("../shared/projects", a.join("projects")).unwrap();
        let c = config(&[("a", &a)], &shared, "projects");
        assert_eq!(check(&c)[0].kind, Kind::MissingTarget);
        assert!(ensure(&c, false).is_empty());
        assert!(shared.join("projects").is_dir());
        assert_eq!(
            fs::read_link(a.join("projects")).unwrap(),
            PathBuf::from("../shared/projects")
        );
    }
}
