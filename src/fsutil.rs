//! Files that must never be half-written or readable by others.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

pub fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// The real user id, which tmux puts in its socket folder's name (`tmux-<uid>`).
pub fn uid() -> u32 {
    // SAFETY: getuid has no preconditions and cannot fail.
    unsafe { libc::getuid() }
}

/// Whether the last component of a path may be a symbolic link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Links {
    /// Files of other programs (transcripts, zone files): a link there is theirs to make.
    Follow,
    /// Our own files: a link there was planted.
    Refuse,
}

/// Open an existing file for reading, only if it is a regular file, and without ever waiting on
/// it: `O_NONBLOCK`, so a FIFO or a device planted there does not block the open, then `fstat`
/// on what was opened (no race with a swap of the path), refusing anything else. Every read of
/// a file that another program (or anyone) can put in place goes through here.
pub fn open_regular(path: &Path, links: Links) -> io::Result<File> {
    Ok(open_checked(path, links)?.0)
}

/// `open_regular`, with what `fstat` said of the file.
fn open_checked(path: &Path, links: Links) -> io::Result<(File, fs::Metadata)> {
    let mut flags = libc::O_NONBLOCK | libc::O_NOCTTY | libc::O_CLOEXEC;
    if links == Links::Refuse {
        flags |= libc::O_NOFOLLOW;
    }
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(flags)
        .open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(not_regular(path));
    }
    Ok((file, meta))
}

/// The whole of a regular file (see `open_regular`) of at most `max` bytes; a longer one is an
/// error, and never more than `max + 1` bytes are read whatever its size says.
pub fn read_regular(path: &Path, links: Links, max: u64) -> io::Result<Vec<u8>> {
    let (file, meta) = open_checked(path, links)?;
    let len = meta.len();
    let too_large = || {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{} is larger than {max} bytes", path.display()),
        )
    };
    if len > max {
        return Err(too_large());
    }
    let mut data = Vec::with_capacity(len as usize + 1);
    file.take(max + 1).read_to_end(&mut data)?;
    if data.len() as u64 > max {
        return Err(too_large());
    }
    Ok(data)
}

/// Take `file`'s exclusive lock, waiting at most `wait`: `Ok(false)` when another process still
/// holds it by then. For the status line, which must answer whatever else runs.
pub fn lock_within(file: &File, wait: Duration) -> io::Result<bool> {
    use fs2::FileExt;
    let deadline = Instant::now() + wait;
    let mut pause = Duration::from_millis(1);
    loop {
        match file.try_lock_exclusive() {
            Ok(()) => return Ok(true),
            Err(e) if e.raw_os_error() == fs2::lock_contended_error().raw_os_error() => {}
            Err(e) => return Err(e),
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(false);
        }
        std::thread::sleep(pause.min(left));
        pause = (pause * 2).min(Duration::from_millis(20));
    }
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

/// Open a file for appending, created 0600, never following a planted symlink nor waiting on
/// a planted FIFO; only a regular file is accepted.
pub fn open_append(path: &Path) -> Result<File> {
    OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .mode(0o600)
        .custom_flags(libc_o_nofollow())
        .open(path)
        .and_then(|f| regular(f, path))
        .with_context(|| format!("could not open {} for appending", path.display()))
}

/// Open (creating, 0600) a regular file for reading and writing without following symlinks or
/// waiting on a FIFO.
pub fn open_private(path: &Path) -> Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .custom_flags(libc_o_nofollow())
        .open(path)
        .and_then(|f| regular(f, path))
        .with_context(|| format!("could not open {}", path.display()))
}

fn regular(file: File, path: &Path) -> io::Result<File> {
    if file.metadata()?.is_file() {
        Ok(file)
    } else {
        Err(not_regular(path))
    }
}

fn not_regular(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{} is not a regular file", path.display()),
    )
}

/// Flags for opening our own files: never through a planted link, never waiting on a planted
/// FIFO (`O_NONBLOCK` changes nothing for a regular file).
const fn libc_o_nofollow() -> i32 {
    libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::ffi::OsStrExt;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("cf-fsutil-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        private_dir(&dir).unwrap();
        dir
    }

    fn mkfifo(path: &Path) {
        let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    }

    /// A FIFO with no writer, a device that never ends, a planted link: each is refused at once,
    /// and a regular file over the bound is refused without reading it all.
    #[test]
    fn only_regular_files_are_read_and_never_past_the_bound() {
        let dir = temp("regular");
        let fifo = dir.join("fifo");
        mkfifo(&fifo);
        let start = Instant::now();
        for links in [Links::Follow, Links::Refuse] {
            let err = read_regular(&fifo, links, 1 << 20).unwrap_err();
            assert!(err.to_string().contains("not a regular file"), "{err}");
            let err = read_regular(Path::new("/dev/zero"), links, 1 << 20).unwrap_err();
            assert!(err.to_string().contains("not a regular file"), "{err}");
        }
        assert!(start.elapsed() < Duration::from_secs(1));
        let file = dir.join("file");
        fs::write(&file, b"0123456789").unwrap();
        assert_eq!(
            read_regular(&file, Links::Refuse, 10).unwrap(),
            b"0123456789"
        );
        let err = read_regular(&file, Links::Refuse, 9).unwrap_err();
        assert!(err.to_string().contains("larger than 9 bytes"), "{err}");
        let link = dir.join("link");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        assert!(read_regular(&link, Links::Refuse, 10).is_err());
        assert_eq!(
            read_regular(&link, Links::Follow, 10).unwrap(),
            b"0123456789"
        );
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_lock_held_elsewhere_is_waited_for_only_so_long() {
        use fs2::FileExt;
        let dir = temp("lock");
        let path = dir.join("lock");
        let holder = open_private(&path).unwrap();
        holder.lock_exclusive().unwrap();
        let other = open_private(&path).unwrap();
        let start = Instant::now();
        assert!(!lock_within(&other, Duration::from_millis(200)).unwrap());
        let waited = start.elapsed();
        assert!(waited >= Duration::from_millis(200) && waited < Duration::from_secs(1));
        FileExt::unlock(&holder).unwrap();
        assert!(lock_within(&other, Duration::from_millis(200)).unwrap());
        let _ = fs::remove_dir_all(&dir);
    }
}
