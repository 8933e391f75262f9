//! Claude Code transcripts: where they live and what their newest API error was.

use std::path::{Path, PathBuf};

use anyhow::Result;
use jiff::Timestamp;

/// The newest API-error record of a transcript (`isApiErrorMessage: true`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ApiError {
    pub timestamp: Option<Timestamp>,
    /// `rate_limit`, `server_error`, ...
    pub error: Option<String>,
    /// `usage_limit_reached`, ...
    pub api_error: Option<String>,
    pub status: Option<u16>,
    pub resets_at: Option<Timestamp>,
    pub rate_limit_type: Option<String>,
    pub text: Option<String>,
}

impl ApiError {
    pub fn is_usage_limit(&self) -> bool {
        self.api_error.as_deref() == Some("usage_limit_reached")
    }
}

/// The newest API-error record of the transcript at `path`, reading from the end.
pub fn newest_api_error(_path: &Path) -> Result<Option<ApiError>> {
    Ok(None)
}

/// Claude Code's project folder name for a working directory: every character that is not an
/// ASCII letter or digit becomes `-`; names longer than 200 are cut and get a hash suffix.
pub fn slug(cwd: &str) -> String {
    // JavaScript works on UTF-16 code units: a non-BMP character is two units, two dashes.
    let units: Vec<u16> = cwd.encode_utf16().collect();
    let s: String = units
        .iter()
        .map(|&u| {
            if u < 128 && (u as u8).is_ascii_alphanumeric() {
                u as u8 as char
            } else {
                '-'
            }
        })
        .collect();
    if s.len() <= 200 {
        return s;
    }
    let mut h: i32 = 0;
    for &u in &units {
        h = (h << 5).wrapping_sub(h).wrapping_add(u as i32);
    }
    format!("{}-{}", &s[..200], to_base36((h as i64).unsigned_abs()))
}

fn to_base36(mut n: u64) -> String {
    if n == 0 {
        return "0".into();
    }
    let digits = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    while n > 0 {
        out.push(digits[(n % 36) as usize]);
        n /= 36;
    }
    out.reverse();
    String::from_utf8(out).expect("ascii")
}

pub fn transcript_path(config_dir: &Path, cwd: &str, session_id: &str) -> PathBuf {
    config_dir
        .join("projects")
        .join(slug(cwd))
        .join(format!("{session_id}.jsonl"))
}

/// A canonical UUID (8-4-4-4-12 hex digits): the only session id we ever put on a command line.
pub fn is_session_id(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slug_matches_claude_code() {
        assert_eq!(slug("/home/me/work"), "-home-me-work");
        assert_eq!(slug("/a b/ü.x"), "-a-b---x");
        let long = format!("/{}", "a".repeat(250));
        let s = slug(&long);
        assert!(s.starts_with(&format!("-{}", "a".repeat(199))));
        assert!(s.len() > 201);
    }

    #[test]
    fn session_ids_are_canonical_uuids() {
        assert!(is_session_id("cc2f0417-2ae8-48a3-a00a-f75185159949"));
        assert!(!is_session_id("cc2f0417-2ae8-48a3-a00a-f7518515994"));
        assert!(!is_session_id("$(rm -rf ~)-2ae8-48a3-a00a-f75185159949"));
        assert!(!is_session_id("cc2f0417x2ae8-48a3-a00a-f75185159949"));
    }
}
