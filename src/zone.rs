//! Time zones without jiff's database walk.
//!
//! jiff's zone database lists every file under the zoneinfo folder the first time it is used,
//! to find names case-insensitively: about a hundred folder reads, a millisecond or more,
//! paid again by every tick since each tick is a new process. The zones a tick needs, the
//! local one and the ones Claude names in reset times (`(Europe/Paris)`), are read here
//! straight from their TZif file. Anything unusual goes to jiff: a POSIX `TZ` string, a name
//! spelled in another case, or a system without the files.

use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use jiff::tz::TimeZone;

/// The local zone, as jiff's `TimeZone::system()` finds it: `TZ` (a name, `:name`, a path or
/// a POSIX rule), else `/etc/localtime`.
pub fn local() -> TimeZone {
    let tz = std::env::var("TZ");
    let direct = match &tz {
        Ok(tz) => from_tz_variable(tz),
        Err(std::env::VarError::NotPresent) => from_localtime(),
        Err(_) => None,
    };
    // A file that is not a small regular TZif file (`TZ=/dev/zero`, a FIFO) is not handed to
    // jiff, which would read it whole or wait on it forever: UTC, as jiff does for a bad zone.
    let names_a_file = match &tz {
        Ok(tz) => tz.strip_prefix(':').unwrap_or(tz).starts_with('/'),
        Err(std::env::VarError::NotPresent) => true,
        Err(_) => false,
    };
    direct.unwrap_or_else(|| {
        if names_a_file {
            TimeZone::UTC
        } else {
            TimeZone::system()
        }
    })
}

/// `TZ` naming something other than a small regular file (`/dev/zero`, a FIFO) becomes `UTC`
/// for this process and the programs it runs: tmux clients (through the C library) would wait
/// on a FIFO or read a device without end. Called once at start, before any thread.
pub fn sanitize_tz() {
    let Some(tz) = std::env::var_os("TZ") else {
        return;
    };
    let bytes = tz.as_encoded_bytes();
    let path = bytes.strip_prefix(b":").unwrap_or(bytes);
    if !path.starts_with(b"/") {
        return;
    }
    let path = Path::new(std::ffi::OsStr::from_bytes(path));
    if crate::fsutil::read_regular(path, crate::fsutil::Links::Follow, 1 << 20).is_err() {
        std::env::set_var("TZ", "UTC");
    }
}

/// A zone by its IANA name (`Europe/Paris`), or None when there is no such zone.
pub fn named(name: &str) -> Option<TimeZone> {
    if name.eq_ignore_ascii_case("UTC") {
        return Some(TimeZone::UTC);
    }
    read_named(name).or_else(|| TimeZone::get(name).ok())
}

fn from_tz_variable(tz: &str) -> Option<TimeZone> {
    let name = tz.strip_prefix(':').unwrap_or(tz);
    if name.is_empty() || name.eq_ignore_ascii_case("UTC") {
        return Some(TimeZone::UTC);
    }
    if name.starts_with('/') {
        return read_file(Path::new(name), zone_name_of(Path::new(name)));
    }
    read_named(name)
}

fn from_localtime() -> Option<TimeZone> {
    let path = Path::new("/etc/localtime");
    let name = std::fs::read_link(path)
        .ok()
        .and_then(|target| zone_name_of(&target));
    read_file(path, name)
}

/// The TZif file of `name` in the zoneinfo folder (`$TZDIR` or `/usr/share/zoneinfo`). Only
/// plain names: no `..`, nothing absolute.
fn read_named(name: &str) -> Option<TimeZone> {
    let plain = !name.is_empty()
        && !name.starts_with('/')
        && name
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_+-/".contains(&b));
    if !plain {
        return None;
    }
    let dir = std::env::var_os("TZDIR")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/share/zoneinfo"));
    read_file(&dir.join(name), Some(name.to_string()))
}

/// The IANA name in a path such as `/usr/share/zoneinfo/Europe/Paris`.
fn zone_name_of(path: &Path) -> Option<String> {
    let text = path.to_str()?;
    let (_, name) = text.rsplit_once("zoneinfo/")?;
    Some(name.to_string())
}

fn read_file(path: &Path, name: Option<String>) -> Option<TimeZone> {
    // TZif files are a few KB; anything large is not one. `/etc/localtime` is a link.
    let data = crate::fsutil::read_regular(path, crate::fsutil::Links::Follow, 1 << 20).ok()?;
    TimeZone::tzif(name.as_deref().unwrap_or("Local"), &data).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::Timestamp;

    fn offset_at(tz: &TimeZone, ts: &str) -> i32 {
        tz.to_offset(ts.parse::<Timestamp>().unwrap()).seconds()
    }

    #[test]
    fn named_zones_read_directly_agree_with_jiff() {
        for name in [
            "Europe/Paris",
            "America/New_York",
            "Asia/Tokyo",
            "Australia/Lord_Howe",
        ] {
            let ours = named(name).unwrap();
            let jiffs = TimeZone::get(name).unwrap();
            assert_eq!(ours.iana_name(), Some(name));
            for ts in [
                "2026-01-15T12:00:00Z",
                "2026-07-15T12:00:00Z",
                "2026-03-29T01:30:00Z",
            ] {
                assert_eq!(offset_at(&ours, ts), offset_at(&jiffs, ts), "{name} {ts}");
            }
        }
    }

    #[test]
    fn odd_names_never_leave_the_zoneinfo_folder() {
        for bad in [
            "../../etc/passwd",
            "/etc/passwd",
            "Europe/../../x",
            "",
            "Europe//Paris",
        ] {
            assert!(read_named(bad).is_none(), "{bad}");
        }
        assert!(named("Not/AZone").is_none());
        // Another spelling still works, through jiff.
        assert_eq!(
            named("europe/paris").unwrap().iana_name(),
            Some("Europe/Paris")
        );
        assert_eq!(named("utc").unwrap(), TimeZone::UTC);
    }

    #[test]
    fn the_tz_variable_is_read_as_jiff_reads_it() {
        assert_eq!(from_tz_variable(""), Some(TimeZone::UTC));
        assert_eq!(from_tz_variable(":UTC"), Some(TimeZone::UTC));
        let paris = from_tz_variable(":Europe/Paris").unwrap();
        assert_eq!(paris.iana_name(), Some("Europe/Paris"));
        let by_path = from_tz_variable("/usr/share/zoneinfo/Asia/Tokyo").unwrap();
        assert_eq!(by_path.iana_name(), Some("Asia/Tokyo"));
        // A POSIX rule is left to jiff.
        assert!(from_tz_variable("EST5EDT,M3.2.0,M11.1.0").is_none());
    }
}
