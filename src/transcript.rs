//! Claude Code transcripts: where they live and what their newest API error was.

use std::borrow::Cow;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use anyhow::{Context, Result};
use jiff::Timestamp;
use serde_json::Value;

use crate::detect::Verdict;

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
    /// A subscription usage limit. 2.1.332 tags it `apiError: "usage_limit_reached"`; releases
    /// 2.0.x-2.1.197 wrote only `error: "rate_limit"` and status 429, exactly as for a server
    /// throttle, and releases up to 2.0.0 wrote no tag at all (`{"isApiErrorMessage":true,
    /// … "text":"Claude AI usage limit reached|<reset>"}`): there the message text decides, by the
    /// same strict rules as a screen.
    pub fn is_usage_limit(&self) -> bool {
        match (self.api_error.as_deref(), self.error.as_deref()) {
            (Some(tag), _) => tag == "usage_limit_reached",
            (None, Some(error)) => error == "rate_limit" && self.text_verdict() == Verdict::Quota,
            (None, None) => self.text_verdict() == Verdict::Quota,
        }
    }

    /// A 5xx / 529, a record Claude Code tagged `server_error`, or a 429 (or a record tagged
    /// `rate_limit`) that is not a usage limit (the server throttling, or an API-key rate limit):
    /// never a reason to swap. So is any record whose text reads as one, whatever its tag:
    /// releases up to 2.0.0 write none and 2.0.55 tags a 529 `error: "unknown"` (`API Error:
    /// 529 …`; `Claude AI usage limit reached|0` is a 429 without a reset time, so without the
    /// usage-limit headers).
    pub fn is_server_error(&self) -> bool {
        if self.is_usage_limit() {
            return false;
        }
        let status = self.status.unwrap_or(0);
        matches!(self.error.as_deref(), Some("server_error" | "rate_limit"))
            || status >= 500
            || status == 429
            || self.text_verdict() == Verdict::ServerError
    }

    /// What the record's text says, read as a screen.
    fn text_verdict(&self) -> Verdict {
        self.text
            .as_deref()
            .map_or(Verdict::None, |t| crate::detect::detect(t).verdict)
    }

    /// The quota kind (`session`, `weekly`, `opus`, …) of a usage-limit record: from its
    /// `rateLimitType`, else from its text; `None` for other errors.
    pub fn kind(&self) -> Option<String> {
        if !self.is_usage_limit() {
            return None;
        }
        let from_type = self
            .rate_limit_type
            .as_deref()
            .and_then(crate::detect::kind_for_rate_limit_type);
        if let Some(kind) = from_type {
            return Some(kind.to_string());
        }
        let text = self.text.as_deref().unwrap_or("");
        let found = crate::detect::detect(text);
        let kind = if found.is_quota() { found.kind } else { None };
        Some(kind.unwrap_or_else(|| "usage".into()))
    }
}

/// Bytes read per step from the end of a transcript.
const CHUNK: usize = 256 * 1024;
/// Longer lines are skipped unread: an API-error record is a few KB, while a line holding a
/// pasted file or image can be tens of MB.
const MAX_RECORD: u64 = 4 * 1024 * 1024;
/// Every API-error record holds this (Claude Code writes compact JSON); other lines almost never
/// do, even ones quoting a transcript (there the quotes are escaped), so only the lines around
/// its occurrences are parsed.
const KEY: &str = r#""isApiErrorMessage":true"#;

/// The newest API-error record of the transcript at `path`, reading from the end: it finds
/// `isApiErrorMessage` with a fast substring search chunk by chunk, backwards, and parses only the
/// lines around it, each at most once. A failed last turn costs one chunk, a 100 MB transcript
/// without errors one pass over its bytes, and memory stays under `CHUNK + MAX_RECORD`.
/// Malformed lines and lines over `MAX_RECORD` are skipped.
pub fn newest_api_error(path: &Path) -> Result<Option<ApiError>> {
    static FIND: LazyLock<regex::bytes::Regex> =
        LazyLock::new(|| regex::bytes::Regex::new(&regex::escape(KEY)).expect("valid regex"));
    let file = crate::fsutil::open_regular(path, crate::fsutil::Links::Follow)
        .with_context(|| format!("could not open {}", path.display()))?;
    let len = file
        .metadata()
        .with_context(|| format!("could not read the size of {}", path.display()))?
        .len();
    let reader = Reader {
        file: &file,
        path,
        len,
    };
    let mut window = Vec::new();
    // Occurrences at or after `limit` are done (or inside a line already looked at).
    let mut limit = len;
    while limit > 0 {
        let start = limit.saturating_sub(CHUNK as u64);
        // Overlap the next chunk by a key's length, for a key cut by the chunk boundary.
        let end = (limit + KEY.len() as u64 - 1).min(len);
        window.resize((end - start) as usize, 0);
        reader.read(&mut window, start)?;
        let hits: Vec<u64> = FIND
            .find_iter(&window)
            .map(|m| start + m.start() as u64)
            .collect();
        for &at in hits.iter().rev() {
            if at >= limit {
                continue;
            }
            let line_start = reader.line_start(&window, start, at)?;
            limit = line_start;
            // Most records lie inside the window; a longer line is read on its own.
            let rel = |p: u64| (p - start) as usize;
            let in_window = if line_start >= start {
                let after = window[rel(at)..].iter().position(|&b| b == b'\n');
                after.map(|i| at + i as u64)
            } else {
                None
            };
            let line: Cow<[u8]> = match in_window {
                Some(line_end) => Cow::Borrowed(&window[rel(line_start)..rel(line_end)]),
                None => {
                    let Some(line_end) = reader.line_end(at, line_start)? else {
                        continue;
                    };
                    let mut line = vec![0u8; (line_end - line_start) as usize];
                    reader.read(&mut line, line_start)?;
                    Cow::Owned(line)
                }
            };
            if let Some(found) = std::str::from_utf8(&line).ok().and_then(parse_record) {
                return Ok(Some(found));
            }
        }
        limit = limit.min(start);
    }
    Ok(None)
}

struct Reader<'a> {
    file: &'a File,
    path: &'a Path,
    len: u64,
}

impl Reader<'_> {
    fn read(&self, buf: &mut [u8], at: u64) -> Result<()> {
        self.file
            .read_exact_at(buf, at)
            .with_context(|| format!("could not read {}", self.path.display()))
    }

    /// Where the line holding byte `at` starts; `window` holds the bytes from `window_start`.
    fn line_start(&self, window: &[u8], window_start: u64, at: u64) -> Result<u64> {
        let rel = (at - window_start) as usize;
        if let Some(i) = window[..rel].iter().rposition(|&b| b == b'\n') {
            return Ok(window_start + i as u64 + 1);
        }
        // A long line: walk back block by block (these bytes are then skipped, never re-read).
        let mut block = vec![0u8; 64 * 1024];
        let mut pos = window_start;
        while pos > 0 {
            let from = pos.saturating_sub(block.len() as u64);
            let part = &mut block[..(pos - from) as usize];
            self.read(part, from)?;
            if let Some(i) = part.iter().rposition(|&b| b == b'\n') {
                return Ok(from + i as u64 + 1);
            }
            pos = from;
        }
        Ok(0)
    }

    /// Where the line holding byte `at` ends (its newline, or the end of the file); `None` when
    /// the line is longer than `MAX_RECORD`.
    fn line_end(&self, at: u64, line_start: u64) -> Result<Option<u64>> {
        let mut block = vec![0u8; 16 * 1024];
        let mut pos = at;
        while pos < self.len {
            if pos - line_start > MAX_RECORD {
                return Ok(None);
            }
            let to = (pos + block.len() as u64).min(self.len);
            let part = &mut block[..(to - pos) as usize];
            self.read(part, pos)?;
            if let Some(i) = part.iter().position(|&b| b == b'\n') {
                let end = pos + i as u64;
                return Ok((end - line_start <= MAX_RECORD).then_some(end));
            }
            pos = to;
        }
        Ok((self.len - line_start <= MAX_RECORD).then_some(self.len))
    }
}

/// One transcript line as an `ApiError`, if it is a record with `isApiErrorMessage: true`.
pub fn parse_record(line: &str) -> Option<ApiError> {
    let v: Value = serde_json::from_str(line.trim()).ok()?;
    if v.get("isApiErrorMessage")?.as_bool() != Some(true) {
        return None;
    }
    let string = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
    let info = v.pointer("/apiErrorParams/rate_limit_info");
    let resets_at = info
        .and_then(|i| i.get("resetsAt"))
        .and_then(epoch_to_timestamp);
    let content = v.pointer("/message/content");
    let text = match content {
        Some(Value::String(s)) => Some(s.clone()),
        Some(c) => string(c.pointer("/0/text")),
        None => None,
    };
    // Releases up to 2.0.0 give the reset time only in the text (`…|<epoch>`, `resets 8am`).
    let resets_at = resets_at.or_else(|| {
        let untagged = v.get("apiError").is_none() && v.get("error").is_none();
        let found = text
            .as_deref()
            .filter(|_| untagged)
            .map(crate::detect::detect);
        found.filter(|d| d.is_quota()).and_then(|d| d.resets_at)
    });
    Some(ApiError {
        timestamp: v
            .get("timestamp")
            .and_then(Value::as_str)
            .and_then(|s| s.parse().ok()),
        error: string(v.get("error")),
        api_error: string(v.get("apiError")),
        status: v
            .get("apiErrorStatus")
            .and_then(Value::as_u64)
            .and_then(|n| u16::try_from(n).ok()),
        resets_at,
        rate_limit_type: string(info.and_then(|i| i.get("rateLimitType"))),
        text,
    })
}

/// `resetsAt` is epoch seconds (docs/real-claude-findings.md, c); tolerate milliseconds and a numeric string.
fn epoch_to_timestamp(v: &Value) -> Option<Timestamp> {
    let n = match v {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    if !n.is_finite() || n <= 0.0 {
        return None;
    }
    if n > 100_000_000_000.0 {
        Timestamp::from_millisecond(n as i64).ok()
    } else {
        Timestamp::from_second(n as i64).ok()
    }
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
    #[test]
    fn older_records_are_told_apart_by_their_text() {
        // 2.1.197 wrote the same tags for a usage limit and a server throttle.
        let limit = ApiError {
            error: Some("rate_limit".into()),
            status: Some(429),
            text: Some("You've hit your session limit · resets 2am (Europe/Paris)".into()),
            ..ApiError::default()
        };
        assert!(limit.is_usage_limit());
        assert!(!limit.is_server_error());
        assert_eq!(limit.kind().as_deref(), Some("session"));
        let throttle = ApiError {
            text: Some(
                "API Error: Server is temporarily limiting requests (not your usage limit) · x"
                    .into(),
            ),
            ..limit.clone()
        };
        assert!(!throttle.is_usage_limit());
        assert!(throttle.is_server_error());
        // 2.1.332 tags it: the tag decides, whatever the text.
        let tagged = ApiError {
            api_error: Some("usage_limit_reached".into()),
            text: None,
            ..limit
        };
        assert!(tagged.is_usage_limit());
    }

    use super::*;

    /// Records as 1.0.58 wrote them (no `error`, no status: the text is all there is).
    const V1_LIMIT: &str = r#"{"parentUuid":"0d50d91d-05e9-46e5-ac27-b399a535b575","isSidechain":false,"userType":"external","cwd":"/tmp/cv-exp/work","sessionId":"90c3f5eb-3639-43cc-9edd-646a20217f2b","version":"1.0.58","gitBranch":"","type":"assistant","uuid":"e64217eb-9854-4f34-b376-9f4880025f6d","timestamp":"2026-12-02T05:43:45.686Z","message":{"id":"7c3f3afc-8a5e-4b9f-9241-350a5df66332","model":"<synthetic>","role":"assistant","stop_reason":"stop_sequence","stop_sequence":"","type":"message","usage":{"input_tokens":0,"output_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"server_tool_use":{"web_search_requests":0},"service_tier":null},"content":[{"type":"text","text":"Claude AI usage limit reached|1796198400"}]},"isApiErrorMessage":true}"#;

    #[test]
    fn untagged_records_of_older_releases_are_read_by_their_text() {
        let limit = parse_record(V1_LIMIT).unwrap();
        assert_eq!((limit.error.as_deref(), limit.status), (None, None));
        assert!(limit.is_usage_limit());
        assert!(!limit.is_server_error());
        assert_eq!(limit.kind().as_deref(), Some("usage"));
        assert_eq!(
            limit.resets_at,
            Some("2026-12-02T08:00:00Z".parse().unwrap())
        );
        // A 429 without the usage-limit headers (so without a reset): a throttle.
        let throttle = parse_record(&V1_LIMIT.replace("|1796198400", "|0")).unwrap();
        assert!(!throttle.is_usage_limit());
        assert!(throttle.is_server_error());
        assert_eq!(throttle.resets_at, None);
        // 1.0.128-2.0.0 with the headers: the status line's own words.
        for text in [
            "Spending cap reached resets 8am",
            "Session limit reached \u{2219} resets 8am",
            "Weekly limit reached \u{2219} resets Dec 2, 7pm",
        ] {
            let r =
                parse_record(&V1_LIMIT.replace("Claude AI usage limit reached|1796198400", text));
            assert!(r.unwrap().is_usage_limit(), "{text}");
        }
        let overloaded = V1_LIMIT.replace(
            "Claude AI usage limit reached|1796198400",
            r#"API Error: 529 {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"#,
        );
        let e = parse_record(&overloaded).unwrap();
        assert!(!e.is_usage_limit() && e.is_server_error());
        // Words that only quote a limit are neither.
        let prose = V1_LIMIT.replace(
            "Claude AI usage limit reached|1796198400",
            "The message said Claude AI usage limit reached",
        );
        let e = parse_record(&prose).unwrap();
        assert!(!e.is_usage_limit() && !e.is_server_error());
        // 2.0.55 tags both 429s `rate_limit`; the text tells them apart.
        let tagged = |text: &str| {
            V1_LIMIT.replace(
                r#""text":"Claude AI usage limit reached|1796198400"}]},"isApiErrorMessage":true"#,
                &format!(r#""text":"{text}"}}]}},"isApiErrorMessage":true,"error":"rate_limit""#),
            )
        };
        let e = parse_record(&tagged("Limit reached resets 8am (Europe/Paris) \u{b7} ")).unwrap();
        assert!(e.is_usage_limit());
        let e = parse_record(&tagged("API Error: Rate limit reached")).unwrap();
        assert!(!e.is_usage_limit() && e.is_server_error());
    }

    /// The transcripts real releases wrote (`tests/fixtures/<version>/transcript-*.jsonl`, made by
    /// `scripts/claude-versions.sh`): each API-error record answers the prompt above it,
    /// `Please answer CV-<mock mode>`, and must read as what that mode sent.
    #[test]
    fn real_transcripts_of_every_release() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let mut checked = std::collections::BTreeMap::new();
        for dir in std::fs::read_dir(&root).unwrap().flatten() {
            let version = dir.file_name().to_string_lossy().into_owned();
            if !dir.path().is_dir() {
                continue;
            }
            for file in std::fs::read_dir(dir.path()).unwrap().flatten() {
                let name = file.file_name().to_string_lossy().into_owned();
                if !(name.starts_with("transcript-") && name.ends_with(".jsonl")) {
                    continue;
                }
                let text = std::fs::read_to_string(file.path()).unwrap();
                let mut mode = String::new();
                for line in text.lines() {
                    let v: Value = serde_json::from_str(line).unwrap();
                    let prompt = match v.pointer("/message/content") {
                        Some(Value::String(s)) if v["type"] == "user" => Some(s.as_str()),
                        Some(c) if v["type"] == "user" => {
                            c.pointer("/0/text").and_then(Value::as_str)
                        }
                        _ => None,
                    };
                    if let Some(m) = prompt.and_then(|p| p.strip_prefix("Please answer CV-")) {
                        mode = m.to_string();
                    }
                    let Some(rec) = parse_record(line) else {
                        continue;
                    };
                    let at = format!("{version}/{name}: {mode}: {:?}", rec.text);
                    // 2.0.55 on: a 429 without the representative claim is a throttle.
                    let legacy = version.starts_with("1.") || version == "2.0.0";
                    match mode.as_str() {
                        "429reset-only" if !legacy => {
                            assert!(rec.is_server_error() && !rec.is_usage_limit(), "{at}")
                        }
                        "529" | "429plain" => {
                            assert!(rec.is_server_error() && !rec.is_usage_limit(), "{at}")
                        }
                        m if m.starts_with("429") => {
                            assert!(rec.is_usage_limit() && !rec.is_server_error(), "{at}");
                            assert!(rec.kind().is_some(), "{at}");
                        }
                        _ => panic!("an API error after a prompt in mode {at}"),
                    }
                    *checked.entry(version.clone()).or_insert(0) += 1;
                }
            }
        }
        assert!(checked.len() >= 4, "{checked:?}");
    }

    #[test]
    fn slug_matches_claude_code() {
        assert_eq!(slug("/home/me/work"), "-home-me-work");
        assert_eq!(slug("/a b/ü.x"), "-a-b---x");
        let long = format!("/{}", "a".repeat(250));
        let s = slug(&long);
        assert!(s.starts_with(&format!("-{}", "a".repeat(199))));
        assert!(s.len() > 201);
    }

    /// The same table the simulator is held to: both sides are checked against the real
    /// CLI's rule, neither against the other.
    #[test]
    fn project_folders_are_named_as_the_real_cli_names_them() {
        let table = include_str!("../tests/fixtures/project-folders.tsv");
        let mut checked = 0;
        for line in table.lines().filter(|l| !l.starts_with('#')) {
            let (cwd, folder) = line.split_once('\t').expect("cwd<TAB>folder");
            assert_eq!(slug(cwd), folder, "cwd {cwd}");
            checked += 1;
        }
        assert!(checked >= 10, "{checked} rows");
    }

    #[test]
    fn session_ids_are_canonical_uuids() {
        assert!(is_session_id("cc2f0417-2ae8-48a3-a00a-f75185159949"));
        assert!(!is_session_id("cc2f0417-2ae8-48a3-a00a-f7518515994"));
        assert!(!is_session_id("$(rm -rf ~)-2ae8-48a3-a00a-f75185159949"));
        assert!(!is_session_id("cc2f0417x2ae8-48a3-a00a-f75185159949"));
    }

    use std::io::Write;

    const LIMIT: &str = r#"{"parentUuid":"a","isSidechain":false,"type":"assistant","uuid":"b","timestamp":"2025-11-28T21:00:05.123Z","sessionId":"cc2f0417-2ae8-48a3-a00a-f75185159949","cwd":"/home/me/work","message":{"id":"m","type":"message","role":"assistant","model":"<synthetic>","content":[{"type":"text","text":"You've hit your 5-hour limit · resets 1am (Europe/Paris)"}]},"isApiErrorMessage":true,"error":"rate_limit","apiError":"usage_limit_reached","apiErrorStatus":429,"apiErrorType":"rate_limit_error","apiErrorParams":{"rate_limit_info":{"status":"rejected","resetsAt":1764374400,"rateLimitType":"five_hour"}}}"#;
    const OVERLOADED: &str = r#"{"type":"assistant","timestamp":"2025-11-28T21:10:00Z","message":{"role":"assistant","content":[{"type":"text","text":"API Error: 529 Overloaded. This is a server-side issue, usually temporary — try again in a moment."}]},"isApiErrorMessage":true,"error":"server_error","apiErrorStatus":529,"apiErrorType":"overloaded_error"}"#;
    const TURN: &str = r#"{"type":"assistant","timestamp":"2025-11-28T21:20:00Z","message":{"role":"assistant","content":[{"type":"text","text":"Hello! The words isApiErrorMessage and You've hit your limit appear here."}]}}"#;
    /// Claude reading a transcript: the record's text, quotes escaped, inside a tool result.
    const QUOTED: &str = r#"{"type":"user","timestamp":"2025-11-28T21:30:00Z","message":{"role":"user","content":[{"type":"tool_result","content":"{\"isApiErrorMessage\":true,\"apiError\":\"usage_limit_reached\",\"apiErrorStatus\":429}"}]}}"#;
    const USER: &str = r#"{"type":"user","timestamp":"2025-11-28T21:00:00Z","message":{"role":"user","content":"hi"}}"#;

    struct Temp(PathBuf);

    impl Temp {
        fn new(name: &str, body: &[u8]) -> Temp {
            let path = std::env::temp_dir()
                .join(format!("cf-transcript-{}-{name}.jsonl", std::process::id()));
            std::fs::write(&path, body).unwrap();
            Temp(path)
        }
    }

    impl Drop for Temp {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    fn newest(name: &str, lines: &[&str]) -> Option<ApiError> {
        let body = lines.join("\n") + "\n";
        let t = Temp::new(name, body.as_bytes());
        newest_api_error(&t.0).unwrap()
    }

    #[test]
    fn reads_every_field_of_a_limit_record() {
        let e = newest("limit", &[USER, LIMIT]).unwrap();
        assert_eq!(
            e.timestamp,
            Some("2025-11-28T21:00:05.123Z".parse().unwrap())
        );
        assert_eq!(e.error.as_deref(), Some("rate_limit"));
        assert_eq!(e.api_error.as_deref(), Some("usage_limit_reached"));
        assert_eq!(e.status, Some(429));
        assert_eq!(e.resets_at, Some("2025-11-29T00:00:00Z".parse().unwrap()));
        assert_eq!(e.rate_limit_type.as_deref(), Some("five_hour"));
        assert_eq!(
            e.text.as_deref(),
            Some("You've hit your 5-hour limit · resets 1am (Europe/Paris)")
        );
        assert!(e.is_usage_limit());
        assert!(!e.is_server_error());
        assert_eq!(e.kind().as_deref(), Some("session"));
    }

    #[test]
    fn the_newest_record_wins_and_ordinary_lines_are_skipped() {
        let e = newest(
            "order",
            &[USER, LIMIT, USER, OVERLOADED, TURN, QUOTED, USER],
        )
        .unwrap();
        assert_eq!(e.status, Some(529));
        assert!(e.is_server_error());
        assert!(!e.is_usage_limit());
        assert_eq!(e.kind(), None);
        let e = newest("order2", &[OVERLOADED, USER, LIMIT, TURN]).unwrap();
        assert!(e.is_usage_limit());
        assert_eq!(newest("none", &[USER, TURN]), None);
        assert_eq!(newest("empty", &[]), None);
    }

    #[test]
    fn malformed_and_unterminated_lines() {
        // Garbage, half a record, invalid UTF-8, and a last line without its newline.
        let body = format!("{LIMIT}\n{{\"isApiErrorMessage\":true,\"error\n\u{0}\u{1}garbage\n");
        let mut bytes = body.into_bytes();
        bytes.extend_from_slice(b"\xff\xfe{\"isApiErrorMessage\":true}\n");
        bytes.extend_from_slice(OVERLOADED.as_bytes());
        let t = Temp::new("malformed", &bytes);
        assert_eq!(newest_api_error(&t.0).unwrap().unwrap().status, Some(529));
        // `isApiErrorMessage: false` and CRLF endings.
        let no = LIMIT.replace("\"isApiErrorMessage\":true", "\"isApiErrorMessage\":false");
        assert_eq!(newest("false", &[&no, USER]), None);
        let t = Temp::new("crlf", format!("{LIMIT}\r\n{USER}\r\n").as_bytes());
        assert!(newest_api_error(&t.0).unwrap().unwrap().is_usage_limit());
    }

    #[test]
    fn a_missing_file_is_an_error_with_its_path() {
        let err = newest_api_error(Path::new("/nonexistent/dir/x.jsonl")).unwrap_err();
        assert!(format!("{err:#}").contains("/nonexistent/dir/x.jsonl"));
    }

    #[test]
    fn records_across_chunks_and_over_long_lines() {
        // The newest record straddles the first chunk boundary, at several alignments.
        let half = LIMIT.len() / 2;
        for pad in [0usize, 1, 7, 100, half - 2] {
            let tail = format!("{{\"f\":\"{}\"}}", "x".repeat(CHUNK - half + pad - 8));
            let body = format!("{OVERLOADED}\n{LIMIT}\n{tail}\n");
            let t = Temp::new(&format!("chunks{pad}"), body.as_bytes());
            assert!(
                newest_api_error(&t.0).unwrap().unwrap().is_usage_limit(),
                "pad {pad}"
            );
        }
        // The chunk boundary cuts the key itself, at every place.
        let k = LIMIT.find(KEY).unwrap();
        for j in 1..KEY.len() {
            let t = CHUNK + k + j - LIMIT.len() - 2;
            let tail = format!("{{\"f\":\"{}\"}}", "x".repeat(t - 8));
            let body = format!("{OVERLOADED}\n{LIMIT}\n{tail}\n");
            assert_eq!(body.len() - CHUNK, OVERLOADED.len() + 1 + k + j);
            let t = Temp::new(&format!("key{j}"), body.as_bytes());
            assert!(
                newest_api_error(&t.0).unwrap().unwrap().is_usage_limit(),
                "cut {j}"
            );
        }
        // A record longer than the cap is skipped; the older one is found.
        let huge = format!(
            "{{\"isApiErrorMessage\":true,\"apiErrorStatus\":500,\"pad\":\"{}\"}}",
            "y".repeat(MAX_RECORD as usize + 10)
        );
        let body = format!("{LIMIT}\n{huge}\n{USER}\n");
        let t = Temp::new("huge", body.as_bytes());
        assert!(newest_api_error(&t.0).unwrap().unwrap().is_usage_limit());
        // The same over-long record as the first line of the file.
        let body = format!("{huge}\n{USER}\n");
        let t = Temp::new("hugefirst", body.as_bytes());
        assert_eq!(newest_api_error(&t.0).unwrap(), None);
    }

    #[test]
    fn a_100_mb_transcript_is_read_from_the_end() {
        let path =
            std::env::temp_dir().join(format!("cf-transcript-{}-big.jsonl", std::process::id()));
        let t = Temp(path.clone());
        let mut f = std::fs::File::create(&path).unwrap();
        f.write_all(LIMIT.as_bytes()).unwrap();
        f.write_all(b"\n").unwrap();
        let block = format!("{TURN}\n{USER}\n{QUOTED}\n").repeat(2000);
        let mut written = 0;
        while written < 100 * 1024 * 1024 {
            f.write_all(block.as_bytes()).unwrap();
            written += block.len();
        }
        drop(f);
        // No error after the first line: the whole file is scanned, in bounded memory.
        let started = std::time::Instant::now();
        assert!(newest_api_error(&t.0).unwrap().unwrap().is_usage_limit());
        eprintln!(
            "100 MB scanned back to its first line in {:?}",
            started.elapsed()
        );
        // The last turn failed: one chunk from the end, whatever the size.
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        f.write_all(OVERLOADED.as_bytes()).unwrap();
        f.write_all(b"\n").unwrap();
        drop(f);
        let started = std::time::Instant::now();
        assert_eq!(newest_api_error(&t.0).unwrap().unwrap().status, Some(529));
        let fast = started.elapsed();
        eprintln!("100 MB, error on the last line: {fast:?}");
        assert!(fast < std::time::Duration::from_secs(1));
    }

    #[test]
    fn kinds_and_server_errors_from_records() {
        let weekly = LIMIT.replace("five_hour", "seven_day_opus");
        assert_eq!(
            parse_record(&weekly).unwrap().kind().as_deref(),
            Some("opus")
        );
        // No rateLimitType: the kind comes from the text.
        let text_only = LIMIT
            .replace(",\"rateLimitType\":\"five_hour\"", "")
            .replace("5-hour", "weekly");
        assert_eq!(
            parse_record(&text_only).unwrap().kind().as_deref(),
            Some("weekly")
        );
        let throttle = r#"{"isApiErrorMessage":true,"error":"rate_limit","apiErrorStatus":429,"message":{"content":"API Error: Server is temporarily limiting requests (not your usage limit)"}}"#;
        let e = parse_record(throttle).unwrap();
        assert!(e.is_server_error() && !e.is_usage_limit());
        assert_eq!(
            e.text.as_deref(),
            Some("API Error: Server is temporarily limiting requests (not your usage limit)")
        );
        let e500 = r#"{"isApiErrorMessage":true,"error":"server_error","apiErrorStatus":500}"#;
        assert!(parse_record(e500).unwrap().is_server_error());
        let auth =
            r#"{"isApiErrorMessage":true,"error":"authentication_failed","apiErrorStatus":401}"#;
        assert!(!parse_record(auth).unwrap().is_server_error());
        let ms = LIMIT.replace("1764374400", "1764374400000");
        assert_eq!(
            parse_record(&ms).unwrap().resets_at,
            Some("2025-11-29T00:00:00Z".parse().unwrap())
        );
        assert_eq!(parse_record("not json"), None);
        assert_eq!(parse_record("[1,2]"), None);
    }
}
