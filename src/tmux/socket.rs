//! A tmux client without the `tmux` process: read-only batches sent straight to the server's
//! socket, the way the `tmux` binary itself sends them.
//!
//! Starting a `tmux` client costs 3-4 ms here, most of a status tick. For the read-only batches
//! a tick makes (options, `list-panes`, `list-clients`, `capture-pane`), this module connects to
//! the server's socket and speaks tmux's client protocol: imsg frames, protocol version 8
//! (tmux 3.2 and later). It sends only messages every version-8 server accepts, in the order
//! the `tmux` binary sends them, and accepts only the answers it knows.
//!
//! Anything else, be it no socket, another protocol version (the server answers `MSG_VERSION`),
//! an unknown message, a message too large or a timeout, is `Unusable`: the caller runs the
//! same read-only batch with the `tmux` binary, so nothing is lost but time.
//!
//! Only read-only commands come here. They can be run a second time without harm, which is
//! what makes the fallback safe.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// tmux's `PROTOCOL_VERSION`; a server of another version answers `MSG_VERSION` and hangs up.
const PROTOCOL_VERSION: u32 = 8;
/// imsg's largest frame, header included (`MAX_IMSGSIZE`).
const MAX_FRAME: usize = 16384;
const HEADER: usize = 16;
/// An answer larger than this is not one of ours (20 screens are about 30 KB).
const MAX_ANSWER: usize = 64 << 20;

// Message types (tmux-protocol.h).
const MSG_VERSION: u32 = 12;
const MSG_IDENTIFY_FLAGS: u32 = 100;
const MSG_IDENTIFY_TERM: u32 = 101;
const MSG_IDENTIFY_TTYNAME: u32 = 102;
const MSG_IDENTIFY_ENVIRON: u32 = 105;
const MSG_IDENTIFY_DONE: u32 = 106;
const MSG_IDENTIFY_CLIENTPID: u32 = 107;
const MSG_IDENTIFY_CWD: u32 = 108;
const MSG_COMMAND: u32 = 200;
const MSG_EXIT: u32 = 203;
const MSG_WRITE_OPEN: u32 = 303;
const MSG_WRITE: u32 = 304;
const MSG_WRITE_READY: u32 = 305;
const MSG_WRITE_CLOSE: u32 = 306;

/// `CLIENT_UTF8`: the answer may hold UTF-8, as for a `tmux` client in a UTF-8 locale.
const CLIENT_UTF8: i32 = 0x10000;

/// What the server answered: what a `tmux` client would have printed and its exit status.
#[derive(Debug, PartialEq)]
pub struct Answer {
    pub status: i32,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// Why the socket could not be used; the caller falls back to the `tmux` binary.
#[derive(Debug)]
pub struct Unusable(pub String);

/// What went wrong: the socket is not one to use (try the `tmux` binary), or the server took
/// its connection and did not answer in time (a `tmux` client would hang too).
#[derive(Debug)]
pub enum Failure {
    Unusable(Unusable),
    NoAnswer,
}

impl From<Unusable> for Failure {
    fn from(u: Unusable) -> Failure {
        Failure::Unusable(u)
    }
}

/// `$TMUX` as tmux sets it in every pane, hook and `#()` job: `SOCKET,SERVER_PID,SESSION`.
pub fn tmux_env() -> Option<(PathBuf, u32)> {
    parse_tmux_env(std::env::var_os("TMUX")?.as_bytes())
}

fn parse_tmux_env(bytes: &[u8]) -> Option<(PathBuf, u32)> {
    let (socket, rest) = split_tmux_env(bytes)?;
    let rest = std::str::from_utf8(rest?).ok()?;
    let pid = rest
        .split(',')
        .next()?
        .parse()
        .ok()
        .filter(|&p: &u32| p > 0)?;
    Some((socket, pid))
}

/// `$TMUX`'s socket (up to the first comma, as tmux reads it) and what follows the comma.
fn split_tmux_env(bytes: &[u8]) -> Option<(PathBuf, Option<&[u8]>)> {
    let end = bytes.iter().position(|&b| b == b',').unwrap_or(bytes.len());
    let socket = PathBuf::from(std::ffi::OsStr::from_bytes(&bytes[..end]));
    (end > 0).then(|| (socket, bytes.get(end + 1..)))
}

/// The socket a `tmux` client would use: `-S PATH`, else `-L NAME` in tmux's socket folder,
/// else the server of `$TMUX` (set in every pane, hook and `#()` job), else the default one.
pub fn socket_path(name: Option<&OsString>, path: Option<&PathBuf>) -> Option<PathBuf> {
    if let Some(path) = path {
        return Some(path.clone());
    }
    if name.is_none() {
        if let Some(tmux) = std::env::var_os("TMUX") {
            if let Some((socket, _)) = split_tmux_env(tmux.as_bytes()) {
                return Some(socket);
            }
        }
    }
    let label = name.cloned().unwrap_or_else(|| "default".into());
    if label.as_bytes().contains(&b'/') {
        return None;
    }
    let base = std::env::var_os("TMUX_TMPDIR")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp"));
    Some(
        base.join(format!("tmux-{}", crate::fsutil::uid()))
            .join(label),
    )
}

/// The process id of the server listening at `socket`, from the connection's peer
/// credentials. Nothing is sent: the server sees a client that hangs up at once.
#[cfg(target_os = "linux")]
pub fn peer_pid(socket: &Path) -> std::io::Result<u32> {
    use std::os::fd::AsRawFd;
    let stream = UnixStream::connect(socket)?;
    let mut cred = libc::ucred {
        pid: 0,
        uid: 0,
        gid: 0,
    };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: `cred` and `len` are valid for writes of the sizes given.
    let rc = unsafe {
        libc::getsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&mut cred as *mut libc::ucred).cast(),
            &mut len,
        )
    };
    if rc != 0 {
        return Err(std::io::Error::last_os_error());
    }
    u32::try_from(cred.pid)
        .ok()
        .filter(|&p| p > 0)
        .ok_or_else(|| std::io::Error::other("no peer process id"))
}

/// Without SO_PEERCRED (nor /proc), the server's pid comes from `$TMUX` only.
#[cfg(not(target_os = "linux"))]
pub fn peer_pid(_socket: &Path) -> std::io::Result<u32> {
    Err(std::io::Error::other("no SO_PEERCRED here"))
}

/// Run `args` (commands separated by `;` words, as for the `tmux` binary) on the server at
/// `socket`, within `timeout`.
#[cfg(test)]
pub fn run(socket: &Path, args: &[OsString], timeout: Duration) -> Result<Answer, Failure> {
    run_then(socket, args, timeout, &mut || {})
}

/// Like `run`, calling `sent` once the command is on its way: what it does overlaps with the
/// server's work instead of waiting behind it.
pub fn run_then(
    socket: &Path,
    args: &[OsString],
    timeout: Duration,
    sent: &mut dyn FnMut(),
) -> Result<Answer, Failure> {
    let deadline = Instant::now() + timeout;
    let mut stream = UnixStream::connect(socket)
        .map_err(|e| Unusable(format!("could not connect to {}: {e}", socket.display())))?;
    let hello = hello(args)?;
    stream
        .set_write_timeout(Some(timeout))
        .and_then(|_| stream.write_all(&hello))
        .map_err(|e| Unusable(format!("could not send the command: {e}")))?;
    // Our own work there is not the server's time to answer.
    let working = Instant::now();
    sent();
    let deadline = deadline + working.elapsed();
    let mut conversation = Conversation::default();
    // Read straight into the end of `buf`: no second buffer to fill and copy.
    let mut buf: Vec<u8> = Vec::with_capacity(64 * 1024);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Failure::NoAnswer);
        }
        stream
            .set_read_timeout(Some(left))
            .map_err(|e| Unusable(format!("could not set a timeout: {e}")))?;
        let filled = buf.len();
        buf.resize(filled + 16 * 1024, 0);
        let read = stream.read(&mut buf[filled..]);
        buf.truncate(filled + *read.as_ref().unwrap_or(&0));
        match read {
            Ok(0) => return Err(Unusable("the server hung up before the exit".into()).into()),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return Err(Failure::NoAnswer)
            }
            Err(e) => return Err(Unusable(format!("could not read the answer: {e}")).into()),
        }
        let mut used = 0;
        while let Some((kind, data, len)) = frame(&buf[used..])? {
            used += len;
            if let Some(reply) = conversation.take(kind, data)? {
                stream
                    .write_all(&reply)
                    .map_err(|e| Unusable(format!("could not answer the server: {e}")))?;
            }
            if let Some(status) = conversation.exit {
                return Ok(Answer {
                    status,
                    stdout: conversation.stdout,
                    stderr: conversation.stderr,
                });
            }
        }
        buf.drain(..used);
        if conversation.stdout.len() + conversation.stderr.len() + buf.len() > MAX_ANSWER {
            return Err(Unusable("the answer is too large".into()).into());
        }
    }
}

/// The identify messages and the command, as the `tmux` binary sends them.
fn hello(args: &[OsString]) -> Result<Vec<u8>, Unusable> {
    let mut out = Vec::with_capacity(4096);
    push(&mut out, MSG_IDENTIFY_FLAGS, &CLIENT_UTF8.to_ne_bytes())?;
    push(&mut out, MSG_IDENTIFY_TERM, &nul_terminated(b"")?)?;
    push(&mut out, MSG_IDENTIFY_TTYNAME, &nul_terminated(b"")?)?;
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    push(
        &mut out,
        MSG_IDENTIFY_CWD,
        &nul_terminated(cwd.as_os_str().as_bytes())?,
    )?;
    push(
        &mut out,
        MSG_IDENTIFY_CLIENTPID,
        &(std::process::id() as i32).to_ne_bytes(),
    )?;
    // The environment tells the server which pane a command runs in (`TMUX_PANE`), as it does
    // for a `tmux` client; entries too large for one frame are left out, as tmux does.
    for (key, value) in std::env::vars_os() {
        let mut entry = key.as_bytes().to_vec();
        entry.push(b'=');
        entry.extend_from_slice(value.as_bytes());
        if entry.contains(&0) || entry.len() + 1 > MAX_FRAME - HEADER {
            continue;
        }
        push(&mut out, MSG_IDENTIFY_ENVIRON, &nul_terminated(&entry)?)?;
    }
    push(&mut out, MSG_IDENTIFY_DONE, &[])?;
    let mut command = (args.len() as i32).to_ne_bytes().to_vec();
    for arg in args {
        command.extend_from_slice(&nul_terminated(arg.as_bytes())?);
    }
    push(&mut out, MSG_COMMAND, &command)?;
    Ok(out)
}

fn nul_terminated(bytes: &[u8]) -> Result<Vec<u8>, Unusable> {
    if bytes.contains(&0) {
        return Err(Unusable("an argument holds a NUL byte".into()));
    }
    let mut v = Vec::with_capacity(bytes.len() + 1);
    v.extend_from_slice(bytes);
    v.push(0);
    Ok(v)
}

/// Append one imsg frame: type, length, flags, peer id (the protocol version), pid, data.
fn push(out: &mut Vec<u8>, kind: u32, data: &[u8]) -> Result<(), Unusable> {
    let len = HEADER + data.len();
    if len > MAX_FRAME {
        return Err(Unusable(format!(
            "a message of {len} bytes is over tmux's limit of {MAX_FRAME}"
        )));
    }
    out.extend_from_slice(&kind.to_ne_bytes());
    out.extend_from_slice(&(len as u16).to_ne_bytes());
    out.extend_from_slice(&0u16.to_ne_bytes());
    out.extend_from_slice(&PROTOCOL_VERSION.to_ne_bytes());
    out.extend_from_slice(&u32::MAX.to_ne_bytes());
    out.extend_from_slice(data);
    Ok(())
}

/// One imsg frame: its type, its data and its whole length.
type Frame<'a> = (u32, &'a [u8], usize);

/// The first whole frame of `buf`, or None when more bytes are needed.
fn frame(buf: &[u8]) -> Result<Option<Frame<'_>>, Unusable> {
    if buf.len() < HEADER {
        return Ok(None);
    }
    let kind = u32::from_ne_bytes(buf[0..4].try_into().expect("4 bytes"));
    let len = u16::from_ne_bytes(buf[4..6].try_into().expect("2 bytes")) as usize;
    let peer = u32::from_ne_bytes(buf[8..12].try_into().expect("4 bytes"));
    if len < HEADER {
        return Err(Unusable(format!("a frame of {len} bytes")));
    }
    if kind != MSG_VERSION && peer & 0xff != PROTOCOL_VERSION {
        return Err(Unusable(format!("protocol version {}", peer & 0xff)));
    }
    if buf.len() < len {
        return Ok(None);
    }
    Ok(Some((kind, &buf[HEADER..len], len)))
}

/// What the server has said so far.
#[derive(Default)]
struct Conversation {
    /// Open output streams and the descriptor each writes to (1 or 2).
    streams: Vec<(i32, i32)>,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    exit: Option<i32>,
}

impl Conversation {
    /// Take one message; the reply to send, if any.
    fn take(&mut self, kind: u32, data: &[u8]) -> Result<Option<Vec<u8>>, Unusable> {
        let int = |at: usize| -> Result<i32, Unusable> {
            data.get(at..at + 4)
                .map(|b| i32::from_ne_bytes(b.try_into().expect("4 bytes")))
                .ok_or_else(|| Unusable(format!("message {kind} is too short")))
        };
        match kind {
            MSG_VERSION => Err(Unusable(
                "the server speaks another protocol version".into(),
            )),
            MSG_WRITE_OPEN => {
                // struct msg_write_open { int stream; int fd; int flags; } then a path.
                let (stream, fd) = (int(0)?, int(4)?);
                if fd != 1 && fd != 2 {
                    return Err(Unusable(format!("the server asked to write to file {fd}")));
                }
                self.streams.push((stream, fd));
                let mut reply = Vec::with_capacity(HEADER + 8);
                let mut ready = stream.to_ne_bytes().to_vec();
                ready.extend_from_slice(&0i32.to_ne_bytes());
                push(&mut reply, MSG_WRITE_READY, &ready)?;
                Ok(Some(reply))
            }
            MSG_WRITE => {
                let stream = int(0)?;
                match self.streams.iter().find(|(s, _)| *s == stream) {
                    Some((_, 1)) => self.stdout.extend_from_slice(&data[4..]),
                    Some(_) => self.stderr.extend_from_slice(&data[4..]),
                    None => return Err(Unusable(format!("output for unknown stream {stream}"))),
                }
                Ok(None)
            }
            MSG_WRITE_CLOSE => Ok(None),
            MSG_EXIT => {
                // An int (absent in some versions), then an optional message.
                self.exit = Some(if data.len() >= 4 { int(0)? } else { 0 });
                Ok(None)
            }
            other => Err(Unusable(format!("unexpected message {other}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tmux_env_names_the_socket_and_the_server_pid() {
        let parse = |s: &str| parse_tmux_env(s.as_bytes());
        assert_eq!(
            parse("/tmp/tmux-1000/default,4242,0"),
            Some((PathBuf::from("/tmp/tmux-1000/default"), 4242))
        );
        // A `#()` job's session index is -1. The path ends at the first comma, as tmux reads it.
        assert_eq!(
            parse("/tmp/a b/s,7,-1"),
            Some((PathBuf::from("/tmp/a b/s"), 7))
        );
        for bad in [
            "",
            "/tmp/s",
            "/tmp/s,",
            ",12,0",
            "/tmp/s,x,0",
            "/tmp/s,0,0",
            "/tmp/s,-3,0",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn frames_round_trip_and_respect_the_limit() {
        let mut out = Vec::new();
        push(&mut out, MSG_WRITE, b"abc").unwrap();
        let (kind, data, len) = frame(&out).unwrap().unwrap();
        assert_eq!((kind, data, len), (MSG_WRITE, &b"abc"[..], HEADER + 3));
        assert!(frame(&out[..HEADER + 2]).unwrap().is_none());
        assert!(push(&mut out, MSG_WRITE, &vec![b'x'; MAX_FRAME]).is_err());
        let big: Vec<OsString> = vec![OsString::from("x".repeat(MAX_FRAME))];
        assert!(hello(&big).is_err());
        assert!(hello(&[OsString::from("a\0b")]).is_err());
    }

    /// What every server from 3.2a to master checks of a command client's messages
    /// (server-client.c: server_client_dispatch_identify and _command; 3.2a calls fatalx on a
    /// mismatch, which ends every session): the sizes, the NUL ends, the protocol version in
    /// the peer id, and the order (identify messages, DONE, then the command).
    #[test]
    fn identify_payloads_are_what_every_server_checks() {
        let args: Vec<OsString> = ["display-message", "-p", "x", ";", "list-panes"]
            .iter()
            .map(OsString::from)
            .collect();
        let out = hello(&args).unwrap();
        let (mut at, mut kinds) = (0, Vec::new());
        while let Some((kind, data, len)) = frame(&out[at..]).unwrap() {
            let peer = u32::from_ne_bytes(out[at + 8..at + 12].try_into().unwrap());
            assert_eq!(peer & 0xff, 8, "message {kind}: protocol version");
            assert!(len <= MAX_FRAME);
            match kind {
                MSG_IDENTIFY_FLAGS | MSG_IDENTIFY_CLIENTPID => assert_eq!(data.len(), 4),
                MSG_IDENTIFY_TERM | MSG_IDENTIFY_TTYNAME | MSG_IDENTIFY_CWD
                | MSG_IDENTIFY_ENVIRON => {
                    assert!(!data.is_empty() && data.ends_with(&[0]), "message {kind}")
                }
                MSG_IDENTIFY_DONE => assert!(data.is_empty()),
                MSG_COMMAND => {
                    let argc = i32::from_ne_bytes(data[..4].try_into().unwrap());
                    assert_eq!(argc as usize, args.len());
                    assert!(data.ends_with(&[0]));
                    assert_eq!(data[4..].iter().filter(|&&b| b == 0).count(), args.len());
                }
                other => panic!("unexpected message {other}"),
            }
            kinds.push(kind);
            at += len;
        }
        assert_eq!(at, out.len());
        assert_eq!(
            kinds[..5],
            [
                MSG_IDENTIFY_FLAGS,
                MSG_IDENTIFY_TERM,
                MSG_IDENTIFY_TTYNAME,
                MSG_IDENTIFY_CWD,
                MSG_IDENTIFY_CLIENTPID
            ]
        );
        assert_eq!(&kinds[kinds.len() - 2..], [MSG_IDENTIFY_DONE, MSG_COMMAND]);
    }

    #[test]
    fn another_version_or_message_is_unusable() {
        let mut c = Conversation::default();
        assert!(c.take(MSG_VERSION, &[]).is_err());
        assert!(c.take(MSG_WRITE, &1i32.to_ne_bytes()).is_err());
        assert!(c.take(209, &[]).is_err());
        assert!(c.take(MSG_WRITE_OPEN, &[0; 4]).is_err());
        let mut open = 3i32.to_ne_bytes().to_vec();
        open.extend_from_slice(&7i32.to_ne_bytes());
        open.extend_from_slice(&0i32.to_ne_bytes());
        assert!(c.take(MSG_WRITE_OPEN, &open).is_err());
        let mut bad = Vec::new();
        push(&mut bad, MSG_WRITE, b"").unwrap();
        bad[8] = 7;
        assert!(frame(&bad).is_err());
    }

    /// A socket listening in a fresh temp folder named after `name`.
    fn listen(name: &str) -> (PathBuf, std::os::unix::net::UnixListener) {
        let dir = std::env::temp_dir().join(format!("cf-sock-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("s");
        let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
        (path, listener)
    }

    /// A fake server on a socket in a temp folder: reads the client's hello, then sends `reply`.
    fn fake_server(name: &str, reply: Vec<u8>) -> (PathBuf, std::thread::JoinHandle<Vec<u8>>) {
        let (path, listener) = listen(name);
        let handle = std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            conn.set_read_timeout(Some(Duration::from_millis(200)))
                .unwrap();
            let mut got = Vec::new();
            let mut buf = [0u8; 4096];
            while let Ok(n) = conn.read(&mut buf) {
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..n]);
                let mut at = 0;
                let mut done = false;
                while let Ok(Some((kind, _, len))) = frame(&got[at..]) {
                    at += len;
                    done |= kind == MSG_COMMAND;
                }
                if done {
                    break;
                }
            }
            conn.write_all(&reply).unwrap();
            // Stay connected, as tmux does, until the client hangs up.
            while matches!(conn.read(&mut buf), Ok(n) if n > 0) {}
            got
        });
        (path, handle)
    }

    fn msg(kind: u32, parts: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        push(&mut out, kind, &parts.concat()).unwrap();
        out
    }

    #[test]
    fn a_server_answer_becomes_output_and_status() {
        let one = 1i32.to_ne_bytes();
        let reply = [
            msg(MSG_WRITE_OPEN, &[&one, &one, &[0; 4], b"-\0"]),
            msg(MSG_WRITE, &[&one, b"hello "]),
            msg(MSG_WRITE, &[&one, b"world\n"]),
            msg(MSG_EXIT, &[&0i32.to_ne_bytes()]),
        ]
        .concat();
        let (path, server) = fake_server("ok", reply);
        let answer = run(
            &path,
            &["display".into(), "-p".into()],
            Duration::from_secs(2),
        )
        .unwrap();
        assert_eq!(answer.status, 0);
        assert_eq!(answer.stdout, b"hello world\n");
        let hello = server.join().unwrap();
        // Every frame carries protocol version 8, and the command is last.
        let (mut at, mut kinds) = (0, Vec::new());
        while let Some((kind, _, len)) = frame(&hello[at..]).unwrap() {
            kinds.push(kind);
            at += len;
        }
        assert_eq!(kinds.first(), Some(&MSG_IDENTIFY_FLAGS));
        assert_eq!(&kinds[kinds.len() - 2..], [MSG_IDENTIFY_DONE, MSG_COMMAND]);
    }

    #[test]
    fn another_protocol_or_a_hang_up_is_unusable() {
        let mut version = msg(MSG_VERSION, &[]);
        version[8] = 9;
        let (path, server) = fake_server("version", version);
        assert!(run(&path, &["list-panes".into()], Duration::from_secs(2)).is_err());
        server.join().unwrap();
        let (path, server) = fake_server("hangup", Vec::new());
        assert!(run(&path, &["list-panes".into()], Duration::from_secs(2)).is_err());
        server.join().unwrap();
        let missing = std::env::temp_dir().join("cf-sock-none/none");
        assert!(run(&missing, &["list-panes".into()], Duration::from_secs(2)).is_err());
    }

    #[test]
    fn work_done_while_the_server_answers_is_not_the_servers_time() {
        let reply = msg(MSG_EXIT, &[&0i32.to_ne_bytes()]);
        let (path, server) = fake_server("slow-work", reply);
        let mut calls = 0;
        let answer = run_then(
            &path,
            &["list-panes".into()],
            Duration::from_millis(200),
            &mut || {
                calls += 1;
                std::thread::sleep(Duration::from_millis(400));
            },
        );
        assert_eq!(answer.map(|a| a.status).ok(), Some(0));
        assert_eq!(calls, 1);
        server.join().unwrap();
    }

    #[test]
    fn a_server_that_goes_quiet_is_no_answer_not_a_reason_to_try_again() {
        let (path, listener) = listen("quiet");
        let server = std::thread::spawn(move || {
            let (conn, _) = listener.accept().unwrap();
            std::thread::sleep(Duration::from_millis(600));
            drop(conn);
        });
        let started = Instant::now();
        let result = run(&path, &["list-panes".into()], Duration::from_millis(200));
        assert!(matches!(result, Err(Failure::NoAnswer)), "{result:?}");
        assert!(started.elapsed() < Duration::from_millis(550));
        server.join().unwrap();
    }

    #[test]
    fn socket_is_chosen_as_tmux_chooses_it() {
        let named = socket_path(Some(&"x".into()), None).unwrap();
        assert!(named.ends_with(format!("tmux-{}/x", crate::fsutil::uid())));
        assert_eq!(
            socket_path(Some(&"x".into()), Some(&PathBuf::from("/s"))),
            Some(PathBuf::from("/s"))
        );
        assert_eq!(socket_path(Some(&"a/b".into()), None), None);
    }

    #[test]
    fn output_goes_to_its_stream() {
        let mut c = Conversation::default();
        for (stream, fd) in [(1i32, 1i32), (2, 2)] {
            let mut open = stream.to_ne_bytes().to_vec();
            open.extend_from_slice(&fd.to_ne_bytes());
            open.extend_from_slice(&0i32.to_ne_bytes());
            let reply = c.take(MSG_WRITE_OPEN, &open).unwrap().unwrap();
            assert_eq!(frame(&reply).unwrap().unwrap().0, MSG_WRITE_READY);
        }
        let data = |s: i32, t: &[u8]| [&s.to_ne_bytes()[..], t].concat();
        c.take(MSG_WRITE, &data(1, b"out\n")).unwrap();
        c.take(MSG_WRITE, &data(2, b"err\n")).unwrap();
        c.take(MSG_EXIT, &1i32.to_ne_bytes()).unwrap();
        assert_eq!(
            (c.stdout.as_slice(), c.stderr.as_slice()),
            (&b"out\n"[..], &b"err\n"[..])
        );
        assert_eq!(c.exit, Some(1));
    }
}
