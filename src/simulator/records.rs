//! The session transcript (`projects/<slug>/<id>.jsonl`): records written like the real CLI's,
//! and the replay of an old transcript into screen items on `--resume`.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde_json::{json, Value};

use super::outcome::Reply;
use super::screen::{Item, VERSION};

const INTERRUPTED: &str = "[Request interrupted by user]";
pub const INTERRUPTED_SHOWN: &str = "Interrupted \u{b7} What should Claude do instead?";

/// The transcript a session appends to; each record links to the one before (`parentUuid`).
pub struct Transcript {
    pub path: PathBuf,
    pub session_id: String,
    pub cwd: String,
    pub last_uuid: Option<String>,
    /// Write API-error records as releases up to 2.0.0 did: no tags, only the text.
    pub untagged: bool,
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
        let mut rec = reply_record(self.base(&uuid), reply, &super::uuid_v4());
        if self.untagged {
            if let Some(m) = rec.as_object_mut() {
                m.retain(|k, _| !(k.starts_with("apiError") || k == "error"));
            }
        }
        self.append(rec, uuid)
    }

    /// A `system` record: `informational` status lines (the auto-continue notices, which a
    /// resumed CLI redraws) or `turn_duration`.
    pub fn append_system(&mut self, system: &System) -> std::io::Result<()> {
        let uuid = super::uuid_v4();
        let rec = system_record(self.base(&uuid), system);
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
        // One write of a whole line on an O_APPEND file: lines never interleave. A reader may
        // still catch a line half copied in, as with the real CLI: readers keep to whole lines.
        let mut f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
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
        "entrypoint": "cli",
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

pub enum System {
    Informational(String),
    TurnDuration { ms: u64 },
}

pub fn system_record(b: Base, system: &System) -> Value {
    let mut m = base_record(b, "system");
    match system {
        System::Informational(text) => {
            m.insert("subtype".into(), json!("informational"));
            m.insert("content".into(), json!(text));
            m.insert("level".into(), json!("notice"));
        }
        System::TurnDuration { ms } => {
            m.insert("subtype".into(), json!("turn_duration"));
            m.insert("durationMs".into(), json!(ms));
        }
    }
    m.insert("isMeta".into(), json!(false));
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
            m.insert(
                "requestId".into(),
                json!(format!("req_sim_{}", message_id.replace('-', ""))),
            );
            m.insert("error".into(), json!(error));
            m.insert("isApiErrorMessage".into(), json!(true));
            if let Some(a) = api_error {
                m.insert("apiError".into(), json!(a));
            } else if *status == 429 {
                // A throttle, not a quota: the real record says it will pass.
                m.insert("apiErrorIsTransient".into(), json!(true));
            }
            if let Some(rl) = rate_limit {
                m.insert(
                    "apiErrorParams".into(),
                    json!({"rate_limit_info": {
                        "status": "rejected",
                        "resetsAt": rl.resets_at,
                        "rateLimitType": rl.kind,
                        "overageStatus": "rejected",
                        "overageDisabledReason": "out_of_credits",
                        "isUsingOverage": false,
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
/// Like the real CLI, an old usage limit comes back as its message (plus the upsell line the
/// resumed CLI adds) and the status lines recorded after it, e.g. `Usage limit reached · set
/// to continue automatically at 1am` and, when that process exited during the wait,
/// `Automatic continue cancelled · …`.
pub fn replay(text: &str, tz: &TimeZone) -> Replay {
    let mut r = Replay::default();
    for line in text.lines() {
        let Ok(v) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if let Some(u) = v.get("uuid").and_then(Value::as_str) {
            r.last_uuid = Some(u.to_string());
        }
        let kind = v.get("type").and_then(Value::as_str).unwrap_or("");
        if v.get("isMeta") == Some(&Value::Bool(true)) {
            continue;
        }
        if kind == "system" {
            r.items.extend(system_item(&v, tz));
            continue;
        }
        if !matches!(kind, "user" | "assistant") {
            continue;
        }
        r.messages += 1;
        let texts = texts_of(v.get("message").and_then(|m| m.get("content")));
        if kind == "user" {
            for t in texts {
                if t.starts_with(INTERRUPTED) {
                    r.items.push(Item::Result(INTERRUPTED_SHOWN.into()));
                } else {
                    r.items.push(Item::User(t));
                }
            }
        } else if v.get("apiError").and_then(Value::as_str) == Some("usage_limit_reached") {
            r.items
                .push(Item::Result(format!("{}\n{UPSELL}", texts.join("\n"))));
        } else {
            r.items.extend(texts.into_iter().map(Item::Assistant));
        }
    }
    r
}

const UPSELL: &str = "/upgrade to increase your usage limit.";

fn system_item(v: &Value, tz: &TimeZone) -> Option<Item> {
    match v.get("subtype").and_then(Value::as_str)? {
        "informational" => Some(Item::Assistant(v.get("content")?.as_str()?.to_string())),
        "turn_duration" => {
            let ms = v.get("durationMs").and_then(Value::as_u64).unwrap_or(0);
            let at: Timestamp = v.get("timestamp")?.as_str()?.parse().ok()?;
            Some(Item::Status(worked_for(ms, at, tz)))
        }
        _ => None,
    }
}

/// `Worked for 3s · done 10:47 PM`, the line under a finished turn.
pub fn worked_for(ms: u64, done: Timestamp, tz: &TimeZone) -> String {
    format!(
        "Worked for {}s \u{b7} done {}",
        ms / 1000,
        clock_time(done, tz)
    )
}

/// `10:47 PM`: JavaScript's `toLocaleTimeString("en-US", {hour, minute})`.
fn clock_time(t: Timestamp, tz: &TimeZone) -> String {
    let z = t.to_zoned(tz.clone());
    let h = match z.hour() % 12 {
        0 => 12,
        h => h,
    };
    let ampm = if z.hour() < 12 { "AM" } else { "PM" };
    format!("{h}:{:02} {ampm}", z.minute())
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
            (is_jsonl && crate::paths::is_session_id(&id)).then_some((mtime, id, path))
        })
        .max_by_key(|(mtime, _, _)| *mtime)
        .map(|(_, id, path)| (id, path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::RateLimit;

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
        let info = &v["apiErrorParams"]["rate_limit_info"];
        assert_eq!(info["status"], "rejected");
        assert_eq!(info["resetsAt"], 1_795_651_200);
        assert_eq!(info["rateLimitType"], "five_hour");
        assert!(v["requestId"].as_str().unwrap().starts_with("req_"));
        assert!(v.get("apiErrorIsTransient").is_none());
        assert_eq!(v["sessionId"], "cc2f0417-2ae8-48a3-a00a-f75185159949");
        assert_eq!(v["cwd"], "/home/me/work");
        assert_eq!(v["timestamp"], "2026-11-25T22:16:00.000Z");
        assert_eq!(
            v["message"]["content"][0]["text"],
            "You've hit your 5-hour limit \u{b7} resets 1am (Europe/Paris)"
        );
    }

    fn system(uuid: &str, text: &str) -> String {
        system_record(base(uuid, None), &System::Informational(text.into())).to_string()
    }

    #[test]
    fn replay_redraws_an_old_limit_and_tolerates_junk() {
        let tz = TimeZone::get("Europe/Paris").unwrap();
        let mut done = base("u3", Some("u2"));
        done.timestamp = "2026-11-25T21:47:10.000Z".into();
        let lines = [
            "{\"type\":\"summary\",\"summary\":\"x\"}".to_string(),
            user_record(base("u1", None), "hi").to_string(),
            reply_record(base("u2", Some("u1")), &Reply::Text("hello".into()), "m").to_string(),
            system_record(done, &System::TurnDuration { ms: 1400 }).to_string(),
            "{not json".to_string(),
            "null".to_string(),
            user_record(base("u4", Some("u3")), "more").to_string(),
            reply_record(base("u5", Some("u4")), &limit(), "m").to_string(),
            system(
                "u6",
                "Usage limit reached \u{b7} set to continue automatically at 1am",
            ),
            "{\"type\":\"user\",\"message\":{\"content\":[{\"type\":\"tool_result\"}]}}"
                .to_string(),
            system(
                "u7",
                "Automatic continue cancelled \u{b7} Claude Code exited during the wait",
            ),
            "{\"type\":\"last-prompt\",\"lastPrompt\":\"more\"}".to_string(),
        ];
        let r = replay(&lines.join("\n"), &tz);
        assert_eq!(
            r.items,
            vec![
                Item::User("hi".into()),
                Item::Assistant("hello".into()),
                Item::Status("Worked for 1s \u{b7} done 10:47 PM".into()),
                Item::User("more".into()),
                Item::Result(
                    "You've hit your 5-hour limit \u{b7} resets 1am (Europe/Paris)\n/upgrade to increase your usage limit."
                        .into()
                ),
                Item::Assistant("Usage limit reached \u{b7} set to continue automatically at 1am".into()),
                Item::Assistant("Automatic continue cancelled \u{b7} Claude Code exited during the wait".into()),
            ]
        );
        assert_eq!(r.last_uuid.as_deref(), Some("u7"));
        assert_eq!(r.messages, 5);
    }

    #[test]
    fn interrupts_show_and_nothing_comes_from_nothing() {
        let tz = TimeZone::UTC;
        let lines = [user_record(base("u2", None), INTERRUPTED).to_string()];
        let r = replay(&lines.join("\n"), &tz);
        assert_eq!(r.items, vec![Item::Result(INTERRUPTED_SHOWN.into())]);
        assert_eq!(replay("", &tz), Replay::default());
        assert_eq!(replay("\u{0}\u{ffff}[]", &tz).items, vec![]);
        assert_eq!(
            replay("{\"type\":\"system\",\"subtype\":\"turn_duration\"}", &tz).items,
            vec![]
        );
    }

    #[test]
    fn throttles_say_transient_and_system_records_carry_their_fields() {
        let throttle = Reply::ApiError {
            text: "API Error: Server is temporarily limiting requests (not your usage limit)"
                .into(),
            error: "rate_limit",
            api_error: None,
            status: 429,
            error_type: "rate_limit_error",
            rate_limit: None,
        };
        let v = reply_record(base("u", None), &throttle, "m");
        assert_eq!(v["apiErrorIsTransient"], true);
        assert!(v.get("apiError").is_none());
        assert!(v.get("apiErrorParams").is_none());
        let v: Value = serde_json::from_str(&system("u", "x")).unwrap();
        assert_eq!(v["type"], "system");
        assert_eq!(v["subtype"], "informational");
        assert_eq!(v["level"], "notice");
        assert_eq!(v["content"], "x");
        assert_eq!(v["timestamp"], "2026-11-25T22:16:00.000Z");
    }
}
