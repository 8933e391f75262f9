//! Files that must never be half-written or readable by others.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

extern "C" {
    fn geteuid() -> u32;
    fn getuid() -> u32;
}

pub fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { geteuid() }
}

/// The real user id, which tmux puts in its socket folder's name (`tmux-<uid>`).
pub fn uid() -> u32 {
    // SAFETY: getuid has no preconditions and cannot fail.
    unsafe { getuid() }
}

/// Create `dir` (and parents) with mode 0700 if missing; refuse a folder that is not a real
/// folder owned by us, so no other user can plant or read our files.
pub fn private_dir(dir: &Path) -> Result<()> {
    if !dir.exists() {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .with_context(|| format!("could not create the folder {}", dir.display()))?;
    }
    let meta = fs::symlink_metadata(dir)
        .with_context(|| format!("could not read the folder {}", dir.display()))?;
    if !meta.is_dir() {
        bail!(
            "{} is not a folder (a link or a file sits there)",
            dir.display()
        );
    }
    if meta.uid() != euid() {
        bail!(
            "{} belongs to user id {}, not to us (uid {}): refusing to keep state there",
            dir.display(),
            meta.uid(),
            euid()
        );
    }
    if meta.mode() & 0o077 != 0 {
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
            .with_context(|| format!("could not make {} private (0700)", dir.display()))?;
    }
    Ok(())
}

/// Write `data` to `path` atomically: a temporary file beside it (0600), fsync, rename over the
/// old one, fsync the folder. A reader sees the old or the new content, never a mix; a crash
/// leaves at worst a stray temporary file.
pub fn write_atomic(path: &Path, data: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .with_context(|| format!("{} has no parent folder", path.display()))?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| -> Result<()> {
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .custom_flags(libc_o_nofollow())
            .open(&tmp)
            .with_context(|| {
                format!(
                    "could not create a temporary file beside {}",
                    path.display()
                )
            })?;
        // Errors name the target, not the temporary file: the same failure reads the same on
        // every run, so it is reported once.
        f.write_all(data).with_context(|| {
            format!("could not write a temporary file beside {}", path.display())
        })?;
        f.sync_all().with_context(|| {
            format!(
                "could not flush a temporary file beside {} to disk",
                path.display()
            )
        })?;
        // rename replaces a planted symlink itself rather than writing through it.
        fs::rename(&tmp, path).with_context(|| {
            format!(
                "could not move {} into place as {}",
                tmp.display(),
                path.display()
            )
        })?;
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Open a file for appending, created 0600, never following a planted symlink.
pub fn open_append(path: &Path) -> Result<File> {
    OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .mode(0o600)
        .custom_flags(libc_o_nofollow())
        .open(path)
        .with_context(|| format!("could not open {} for appending", path.display()))
}

/// Open (creating, 0600) a file for reading and writing without following symlinks.
pub fn open_private(path: &Path) -> Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .custom_flags(libc_o_nofollow())
        .open(path)
        .with_context(|| format!("could not open {}", path.display()))
}

/// `O_NOFOLLOW`: the value differs between Linux and the BSDs/macOS.
const fn libc_o_nofollow() -> i32 {
    if cfg!(any(target_os = "linux", target_os = "android")) {
        if cfg!(any(target_arch = "aarch64", target_arch = "arm")) {
            0o100000
        } else {
            0o400000
        }
    } else {
        0x0100
    }
}

/// A path beside `path` that does not exist yet, for keeping a damaged file aside.
pub fn aside_path(path: &Path, tag: &str) -> PathBuf {
    let stamp = jiff::Timestamp::now().as_second();
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let mut n = 0;
    loop {
        let candidate = path.with_file_name(if n == 0 {
            format!("{name}.{tag}-{stamp}")
        } else {
            format!("{name}.{tag}-{stamp}-{n}")
        });
        if !candidate.exists() {
            return candidate;
        }
        n += 1;
    }
}
