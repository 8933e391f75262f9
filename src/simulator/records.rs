//! The session transcript (`projects/<slug>/<id>.jsonl`): records written like the real CLI's,
//! and the replay of an old transcript into screen items on `--resume`.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde_json::{json, Value};

use super::outcome::{limit_items, Reply, CANCELLED};
use super::reset::format_reset;
use super::screen::{Item, VERSION};

const INTERRUPTED: &str = "[Request interrupted by user]";
pub const INTERRUPTED_SHOWN: &str = "Interrupted \u{b7} What should Claude do instead?";

/// The transcript a session appends to; each record links to the one before (`parentUuid`).
pub struct Transcript {
    pub path: PathBuf,
    pub session_id: String,
    pub cwd: String,
    pub last_uuid: Option<String>,
}

impl Transcript {
    pub fn append_user(&mut self, text: &str) -> std::io::Result<()> {
        let uuid = super::uuid_v4();
        let rec = user_record(self.base(&uuid), text);
        self.append(rec, uuid)
    }

    pub fn append_interrupted(&mut self) -> std::io::Result<()> {
        self.append_user(INTERRUPTED)
    }

    pub fn append_reply(&mut self, reply: &Reply) -> std::io::Result<()> {
        let uuid = super::uuid_v4();
        let rec = reply_record(self.base(&uuid), reply, &super::uuid_v4());
        self.append(rec, uuid)
    }

    fn base(&self, uuid: &str) -> Base {
        Base {
            parent: self.last_uuid.clone(),
            uuid: uuid.to_string(),
            session_id: self.session_id.clone(),
            cwd: self.cwd.clone(),
            timestamp: iso_now(),
        }
    }

    fn append(&mut self, rec: Value, uuid: String) -> std::io::Result<()> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut line = rec.to_string();
        line.push('\n');
        // One write of a whole line on an O_APPEND file: readers never see half a record.
        let mut f = OpenOptions::new().create(true).append(true).open(&self.path)?;
        f.write_all(line.as_bytes())?;
        self.last_uuid = Some(uuid);
        Ok(())
    }
}

/// `2026-11-25T22:16:00.123Z`, as JavaScript's `toISOString` writes it.
pub fn iso_now() -> String {
    format!("{:.3}", Timestamp::now())
}

pub struct Base {
    pub parent: Option<String>,
    pub uuid: String,
    pub session_id: String,
    pub cwd: String,
    pub timestamp: String,
}

fn base_record(b: Base, kind: &str) -> serde_json::Map<String, Value> {
    let v = json!({
        "parentUuid": b.parent,
        "isSidechain": false,
        "userType": "external",
        "cwd": b.cwd,
        "sessionId": b.session_id,
        "version": VERSION,
        "gitBranch": "",
        "type": kind,
        "uuid": b.uuid,
        "timestamp": b.timestamp,
    });
    match v {
        Value::Object(m) => m,
        _ => serde_json::Map::new(),
    }
}

pub fn user_record(b: Base, text: &str) -> Value {
    let mut m = base_record(b, "user");
    m.insert("message".into(), json!({"role": "user", "content": text}));
    Value::Object(m)
}

/// An assistant record: a model reply, or the synthetic message of an API error with the
/// error fields the real CLI adds (`isApiErrorMessage`, `apiErrorStatus`, ...).
pub fn reply_record(b: Base, reply: &Reply, message_id: &str) -> Value {
    let mut m = base_record(b, "assistant");
    match reply {
        Reply::Text(text) => {
            m.insert(
                "message".into(),
                json!({
                    "id": format!("msg_sim_{}", message_id.replace('-', "")),
                    "type": "message",
                    "role": "assistant",
                    "model": "claude-sonnet-5-5",
                    "content": [{"type": "text", "text": text}],
                    "stop_reason": "end_turn",
                    "stop_sequence": null,
                    "usage": {"input_tokens": 12, "output_tokens": text.len() / 4 + 1},
                }),
            );
            m.insert(
                "requestId".into(),
                json!(format!("req_sim_{}", message_id.replace('-', ""))),
            );
        }
        Reply::ApiError {
            text,
            error,
            api_error,
            status,
            error_type,
            rate_limit,
        } => {
            m.insert(
                "message".into(),
                json!({
                    "id": message_id,
                    "container": null,
                    "model": "<synthetic>",
                    "role": "assistant",
                    "stop_reason": "stop_sequence",
                    "stop_sequence": "",
                    "type": "message",
                    "usage": {"input_tokens": 0, "output_tokens": 0,
                              "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0},
                    "content": [{"type": "text", "text": text}],
                }),
            );
            m.insert("error".into(), json!(error));
            m.insert("isApiErrorMessage".into(), json!(true));
            if let Some(a) = api_error {
                m.insert("apiError".into(), json!(a));
            }
            if let Some(rl) = rate_limit {
                m.insert(
                    "apiErrorParams".into(),
                    json!({"rate_limit_info": {
                        "status": "rejected",
                        "resetsAt": rl.resets_at,
                        "rateLimitType": rl.kind,
                    }}),
                );
            }
            m.insert("apiErrorStatus".into(), json!(status));
            m.insert("apiErrorType".into(), json!(error_type));
        }
    }
    Value::Object(m)
}

/// An old conversation as the resumed CLI redraws it.
#[derive(Debug, Default, PartialEq)]
pub struct Replay {
    pub items: Vec<Item>,
    pub last_uuid: Option<String>,
    /// User and assistant records seen.
    pub messages: usize,
}

/// Replays transcript text; lines that are not JSON records (a torn write, junk) are skipped.
pub fn replay(text: &str, now: Timestamp, tz: &TimeZone) -> Replay {
    let mut r = Replay::default();
    // Whether the last conversational record was a usage limit, whose wait died with the
    // process that showed it.
    let mut limit_last = false;
    for line in text.lines() {
        let Ok(v) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if let Some(u) = v.get("uuid").and_then(Value::as_str) {
            r.last_uuid = Some(u.to_string());
        }
        let kind = v.get("type").and_then(Value::as_str).unwrap_or("");
        if !matches!(kind, "user" | "assistant") || v.get("isMeta") == Some(&Value::Bool(true)) {
            continue;
        }
        r.messages += 1;
        let content = v.get("message").and_then(|m| m.get("content"));
        let texts = texts_of(content);
        if kind == "user" {
            for t in texts {
                limit_last = false;
                if t.starts_with(INTERRUPTED) {
                    r.items.push(Item::Result(INTERRUPTED_SHOWN.into()));
                } else {
                    r.items.push(Item::User(t));
                }
            }
            continue;
        }
        let is_error = v.get("isApiErrorMessage") == Some(&Value::Bool(true));
        let is_limit = v.get("apiError").and_then(Value::as_str) == Some("usage_limit_reached");
        if is_error && is_limit {
            let text = texts.join("\n");
            let resets = v
                .pointer("/apiErrorParams/rate_limit_info/resetsAt")
                .and_then(Value::as_i64)
                .and_then(|s| Timestamp::from_second(s).ok());
            let when = match resets {
                Some(t) => format!("at {}", format_reset(t, now, tz, false)),
                None => "shortly".to_string(),
            };
            r.items.extend(limit_items(&text, &when, false));
            limit_last = true;
        } else {
            for t in texts {
                limit_last = false;
                r.items.push(Item::Assistant(t));
            }
        }
    }
    if limit_last {
        r.items.push(Item::Assistant(CANCELLED.into()));
    }
    r
}

/// The text blocks of a message's content (a plain string or an array of blocks); tool calls
/// and tool results are not drawn.
fn texts_of(content: Option<&Value>) -> Vec<String> {
    match content {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(blocks)) => blocks
            .iter()
            .filter(|b| b.get("type").and_then(Value::as_str) == Some("text"))
            .filter_map(|b| b.get("text").and_then(Value::as_str))
            .map(str::to_string)
            .collect(),
        _ => vec![],
    }
}

/// The newest transcript of a project folder (what `--continue` resumes).
pub fn newest_in(dir: &Path) -> Option<(String, PathBuf)> {
    let entries = std::fs::read_dir(dir).ok()?;
    entries
        .flatten()
        .filter_map(|e| {
            let path = e.path();
            let id = path.file_stem()?.to_str()?.to_string();
            let is_jsonl = path.extension().is_some_and(|x| x == "jsonl");
            let mtime = e.metadata().ok()?.modified().ok()?;
            (is_jsonl && crate::transcript::is_session_id(&id)).then_some((mtime, id, path))
        })
        .max_by_key(|(mtime, _, _)| *mtime)
        .map(|(_, id, path)| (id, path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulator::outcome::RateLimit;

    fn base(uuid: &str, parent: Option<&str>) -> Base {
        Base {
            parent: parent.map(str::to_string),
            uuid: uuid.into(),
            session_id: "cc2f0417-2ae8-48a3-a00a-f75185159949".into(),
            cwd: "/home/me/work".into(),
            timestamp: "2026-11-25T22:16:00.000Z".into(),
        }
    }

    fn limit() -> Reply {
        Reply::ApiError {
            text: "You've hit your 5-hour limit \u{b7} resets 1am (Europe/Paris)".into(),
            error: "rate_limit",
            api_error: Some("usage_limit_reached"),
            status: 429,
            error_type: "rate_limit_error",
            rate_limit: Some(RateLimit {
                resets_at: 1_795_651_200,
                kind: "five_hour",
            }),
        }
    }

    #[test]
    fn usage_limit_record_has_the_real_fields() {
        let v = reply_record(base("u2", Some("u1")), &limit(), "m1");
        assert_eq!(v["type"], "assistant");
        assert_eq!(v["parentUuid"], "u1");
        assert_eq!(v["isApiErrorMessage"], true);
        assert_eq!(v["error"], "rate_limit");
        assert_eq!(v["apiError"], "usage_limit_reached");
        assert_eq!(v["apiErrorStatus"], 429);
        assert_eq!(v["apiErrorType"], "rate_limit_error");
        assert_eq!(
            v["apiErrorParams"]["rate_limit_info"],
            json!({"status": "rejected", "resetsAt": 1_795_651_200, "rateLimitType": "five_hour"})
        );
        assert_eq!(v["sessionId"], "cc2f0417-2ae8-48a3-a00a-f75185159949");
        assert_eq!(v["cwd"], "/home/me/work");
        assert_eq!(v["timestamp"], "2026-11-25T22:16:00.000Z");
        assert_eq!(
            v["message"]["content"][0]["text"],
            "You've hit your 5-hour limit \u{b7} resets 1am (Europe/Paris)"
        );
    }

    #[test]
    fn replay_redraws_an_old_limit_and_tolerates_junk() {
        let tz = TimeZone::get("Europe/Paris").unwrap();
        let now: Timestamp = "2026-11-25T22:00:00Z".parse().unwrap();
        let lines = [
            "{\"type\":\"summary\",\"summary\":\"x\"}".to_string(),
            user_record(base("u1", None), "hi").to_string(),
            reply_record(base("u2", Some("u1")), &Reply::Text("hello".into()), "m").to_string(),
            "{not json".to_string(),
            user_record(base("u3", Some("u2")), "more").to_string(),
            reply_record(base("u4", Some("u3")), &limit(), "m").to_string(),
            "{\"type\":\"user\",\"message\":{\"content\":[{\"type\":\"tool_result\"}]}}".to_string(),
        ];
        let r = replay(&lines.join("\n"), now, &tz);
        assert_eq!(
            r.items,
            vec![
                Item::User("hi".into()),
                Item::Assistant("hello".into()),
                Item::User("more".into()),
                Item::Result("You've hit your 5-hour limit \u{b7} resets 1am (Europe/Paris)".into()),
                Item::Assistant("Usage limit reached \u{b7} set to continue automatically at 1am".into()),
                Item::Assistant(CANCELLED.into()),
            ]
        );
        assert_eq!(r.last_uuid.as_deref(), Some("u4"));
        assert_eq!(r.messages, 5);
    }

    #[test]
    fn a_limit_followed_by_more_talk_is_not_cancelled_and_interrupts_show() {
        let tz = TimeZone::UTC;
        let now = Timestamp::now();
        let lines = [
            reply_record(base("u1", None), &limit(), "m").to_string(),
            user_record(base("u2", Some("u1")), INTERRUPTED).to_string(),
        ];
        let r = replay(&lines.join("\n"), now, &tz);
        assert_eq!(r.items.len(), 3);
        assert_eq!(r.items[2], Item::Result(INTERRUPTED_SHOWN.into()));
        assert_eq!(replay("", now, &tz), Replay::default());
        assert_eq!(replay("\u{0}\u{ffff}[]", now, &tz).items, vec![]);
    }
}
