//! The interactive session: a full-screen view on a terminal (raw mode, alternate screen,
//! redrawn on every change), or plain lines when stdin is not a terminal. Input is read on a
//! thread so that turns, timers and signals are handled while waiting for keys.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::io::{IsTerminal, Read};
use std::process::ExitCode;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use jiff::Timestamp;

use super::outcome::{outcome, Clock, Mode, Reply, CANCELLED};
use super::records::{worked_for, System, Transcript, INTERRUPTED_SHOWN};
use super::screen::{self, Bottom, Item, PROMPT};
use super::session::LiveFile;
use super::{out, term, Ctx, Start};

/// How long a first Ctrl-C (or Ctrl-D) waits for the second one.
const EXIT_WINDOW: Duration = Duration::from_secs(2);
/// Longest sleep of the loop: signals are noticed within this.
const TICK: Duration = Duration::from_millis(100);

enum Event {
    Input(Vec<u8>),
    Eof,
}

enum Quit {
    /// `/exit`, Ctrl-C twice, end of input: the resume hint, exit 0.
    Normal,
    Signal(i32),
    /// The terminal went away.
    HangUp,
}

enum View {
    Tui {
        rows: usize,
        cols: usize,
    },
    /// Items already printed and the status lines last printed.
    Plain {
        shown: usize,
        status: Vec<String>,
    },
}

struct Turn {
    mode: Mode,
    prompt: String,
    started: Instant,
    deadline: Instant,
    /// Started while `sim-hold` existed, empty or holding a part of the prompt: the turn runs
    /// until that file is gone (a test decides when it ends, whatever the machine's load).
    held: bool,
}

struct App {
    ctx: Ctx,
    transcript: Transcript,
    live: LiveFile,
    items: Vec<Item>,
    bottom: Bottom,
    has_messages: bool,
    turn: Option<Turn>,
    queue: VecDeque<String>,
    last_limited: bool,
    /// A limit's automatic continue is pending (until Esc or the next turn).
    waiting_to_continue: bool,
    exit_armed: Option<Instant>,
    view: View,
    dirty: bool,
    /// A response arrived in this process (the statusLine gets `rate_limits` from then on).
    responded: bool,
}

pub fn run(ctx: Ctx, start: Start, initial: Option<String>) -> ExitCode {
    let tui =
        std::io::stdin().is_terminal() && std::io::stdout().is_terminal() && term::enter_raw();
    term::install_signal_handlers();
    let live = LiveFile::create(
        &ctx.config_dir,
        ctx.pid,
        &start.transcript.session_id,
        &ctx.cwd,
    );
    let view = if tui {
        let (rows, cols) = term::size();
        out("\x1b[?1049h\x1b[H\x1b[2J");
        View::Tui { rows, cols }
    } else {
        out(&(banner_lines(&ctx, usize::MAX / 4).join("\n") + "\n"));
        View::Plain {
            shown: 0,
            status: Vec::new(),
        }
    };
    let mut app = App {
        ctx,
        transcript: start.transcript,
        live,
        has_messages: start.replay.messages > 0,
        items: start.replay.items,
        bottom: Bottom::default(),
        turn: None,
        queue: VecDeque::new(),
        last_limited: false,
        waiting_to_continue: false,
        exit_armed: None,
        view,
        dirty: true,
        responded: false,
    };
    super::hooks::fire(
        &app.ctx,
        &app.transcript.session_id,
        &app.transcript.path,
        super::hooks::Event::SessionStart {
            source: if app.has_messages {
                "resume"
            } else {
                "startup"
            },
        },
    );
    app.status_line();
    let rx = spawn_reader();
    if let Some(p) = initial.filter(|p| !p.trim().is_empty()) {
        app.start_turn(p);
    }
    let mut pending: Vec<u8> = Vec::new();
    let mut eof = false;
    loop {
        if let Some(sig) = term::pending_signal() {
            return app.quit(Quit::Signal(sig));
        }
        if let Some(q) = app.on_timers() {
            return app.quit(q);
        }
        if eof && app.turn.is_none() && app.queue.is_empty() {
            return app.quit(Quit::Normal);
        }
        app.render();
        match rx.recv_timeout(app.wait()) {
            Ok(Event::Input(bytes)) => {
                pending.extend(bytes);
                if let Some(q) = app.input(&mut pending) {
                    return app.quit(q);
                }
            }
            Ok(Event::Eof) | Err(RecvTimeoutError::Disconnected) => {
                if matches!(app.view, View::Tui { .. }) {
                    return app.quit(Quit::HangUp);
                }
                if !eof {
                    eof = true;
                    // A last line without its newline still counts.
                    pending.push(b'\n');
                    if let Some(q) = app.input(&mut pending) {
                        return app.quit(q);
                    }
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
        }
    }
}

fn spawn_reader() -> Receiver<Event> {
    let (tx, rx) = mpsc::channel();
    // A thread that cannot start drops `tx`: the loop then sees the end of input.
    let _ = std::thread::Builder::new()
        .name("stdin".into())
        .spawn(move || {
            let mut stdin = std::io::stdin().lock();
            let mut buf = [0u8; 4096];
            loop {
                match stdin.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        if tx.send(Event::Input(buf[..n].to_vec())).is_err() {
                            return;
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
            let _ = tx.send(Event::Eof);
        });
    rx
}

fn is_exit(text: &str) -> bool {
    text == "/exit" || text == "/quit"
}

fn banner_lines(ctx: &Ctx, width: usize) -> Vec<String> {
    let cwd = match ctx.home.as_deref() {
        Some(h) if ctx.cwd == h => "~".to_string(),
        Some(h) if ctx.cwd.starts_with(&format!("{h}/")) => format!("~{}", &ctx.cwd[h.len()..]),
        _ => ctx.cwd.clone(),
    };
    screen::banner(&cwd, width)
}

impl App {
    fn wait(&self) -> Duration {
        let now = Instant::now();
        let mut wait = TICK;
        if let Some(t) = self.turn.as_ref().filter(|t| !t.held) {
            wait = wait.min(t.deadline.saturating_duration_since(now));
        }
        if let Some(a) = self.exit_armed {
            wait = wait.min((a + EXIT_WINDOW).saturating_duration_since(now));
        }
        wait
    }

    fn on_timers(&mut self) -> Option<Quit> {
        if term::take_resized() {
            if let View::Tui { rows, cols } = &mut self.view {
                (*rows, *cols) = term::size();
                self.dirty = true;
            }
        }
        if self.turn.as_ref().is_some_and(|t| {
            Instant::now() >= t.deadline && !(t.held && self.ctx.read_setting("sim-hold").is_some())
        }) {
            self.finish_turn();
            // Shown before a queued prompt starts, or plain output would skip this answer's
            // footer lines.
            self.render();
        }
        if self.exit_armed.is_some_and(|a| a.elapsed() >= EXIT_WINDOW) {
            self.exit_armed = None;
            self.bottom.exit_hint = None;
            self.dirty = true;
        }
        match self.queue.pop_front() {
            Some(next) if self.turn.is_none() => self.submit(next),
            Some(next) => {
                self.queue.push_front(next);
                None
            }
            None => None,
        }
    }

    /// Consumes the complete keys (terminal) or lines (plain) of `pending`.
    fn input(&mut self, pending: &mut Vec<u8>) -> Option<Quit> {
        if let View::Plain { .. } = self.view {
            while let Some(pos) = pending.iter().position(|&c| c == b'\n') {
                let raw: Vec<u8> = pending.drain(..=pos).collect();
                let line = String::from_utf8_lossy(&raw);
                let line = line.trim_end_matches(['\n', '\r']).to_string();
                if let Some(q) = self.submit(line) {
                    return Some(q);
                }
            }
            return None;
        }
        let b = std::mem::take(pending);
        let mut i = 0;
        self.dirty = true;
        while i < b.len() {
            match b[i] {
                0x03 => {
                    if let Some(q) = self.ctrl_c("Press Ctrl-C again to exit") {
                        return Some(q);
                    }
                }
                0x04 if self.bottom.input.is_empty() => {
                    if let Some(q) = self.ctrl_c("Press Ctrl-D again to exit") {
                        return Some(q);
                    }
                }
                b'\r' | b'\n' => {
                    let line = std::mem::take(&mut self.bottom.input);
                    if let Some(q) = self.submit(line) {
                        return Some(q);
                    }
                }
                0x7f | 0x08 => {
                    self.bottom.input.pop();
                }
                0x15 => self.bottom.input.clear(),
                0x1b => {
                    match b.get(i + 1) {
                        // An escape sequence (arrows, function keys): skip it whole.
                        Some(b'[') | Some(b'O') => {
                            let end = b[i + 2..]
                                .iter()
                                .position(|c| (0x40..=0x7e).contains(c))
                                .map_or(b.len(), |p| i + 2 + p + 1);
                            i = end;
                            continue;
                        }
                        _ => self.escape(),
                    }
                }
                c if c < 0x20 => {}
                c => {
                    let len = match c {
                        0xc0..=0xdf => 2,
                        0xe0..=0xef => 3,
                        0xf0..=0xf7 => 4,
                        _ => 1,
                    };
                    if i + len > b.len() {
                        // The rest of this character comes with the next read.
                        pending.extend_from_slice(&b[i..]);
                        break;
                    }
                    if let Ok(s) = std::str::from_utf8(&b[i..i + len]) {
                        self.bottom.input.push_str(s);
                    }
                    i += len;
                    continue;
                }
            }
            i += 1;
        }
        None
    }

    fn submit(&mut self, line: String) -> Option<Quit> {
        let text = line.trim();
        if text.is_empty() {
            return None;
        }
        let plain = matches!(self.view, View::Plain { .. });
        if self.turn.is_some() && (plain || !is_exit(text)) {
            // The real CLI queues what is sent while a turn runs; a script's `/exit` waits
            // for the answers before it, a user's ends the session at once.
            self.queue.push_back(text.to_string());
            return None;
        }
        if is_exit(text) {
            return Some(Quit::Normal);
        }
        self.start_turn(text.to_string());
        None
    }

    fn ctrl_c(&mut self, hint: &str) -> Option<Quit> {
        if self.exit_armed.is_some_and(|a| a.elapsed() < EXIT_WINDOW) {
            return Some(Quit::Normal);
        }
        if self.turn.is_some() {
            self.interrupt();
        }
        self.bottom.input.clear();
        self.exit_armed = Some(Instant::now());
        self.bottom.exit_hint = Some(hint.to_string());
        None
    }

    fn escape(&mut self) {
        if self.turn.is_some() {
            self.interrupt();
        } else if self.waiting_to_continue {
            // "Esc to cancel" the automatic continue.
            self.waiting_to_continue = false;
            self.bottom.notices.clear();
        }
    }

    fn start_turn(&mut self, prompt: String) {
        let (mode, unknown) = self.ctx.mode();
        // Read before the session file says busy: a test that sees `busy` may change the delay
        // file for the next turn, and this one must keep its own.
        let started = Instant::now();
        let deadline = started + self.ctx.delay();
        let held = self
            .ctx
            .read_setting("sim-hold")
            .is_some_and(|h| h.is_empty() || prompt.contains(&h));
        self.items.push(Item::User(prompt.clone()));
        if let Some(name) = unknown {
            self.items.push(Item::Warning(format!(
                "claude simulator: unknown mode {name:?} in {}; answering as ok",
                self.ctx.config_dir.join("sim-mode").display()
            )));
        }
        if let Err(e) = self.transcript.append_user(&prompt) {
            self.transcript_failed(e);
        }
        self.has_messages = true;
        self.live.set_busy(true);
        self.bottom.spinner = Some(mode.spinner().to_string());
        self.bottom.busy = true;
        self.bottom.notices.clear();
        self.bottom.placeholder = None;
        self.waiting_to_continue = false;
        self.turn = Some(Turn {
            mode,
            prompt,
            started,
            deadline,
            held,
        });
        self.dirty = true;
        // Plain output shows the spinner even when the answer comes at once.
        self.render();
    }

    fn finish_turn(&mut self) {
        let Some(turn) = self.turn.take() else {
            return;
        };
        let now = Timestamp::now();
        let clock = Clock {
            reset: self.ctx.reset(now),
            now,
            tz: &self.ctx.tz,
        };
        let o = outcome(turn.mode, &turn.prompt, &clock, self.last_limited);
        self.items.extend(o.items);
        let mut written = super::hooks::after_reply(&self.ctx, &mut self.transcript, &o.reply);
        if let Some(status) = o.status_record {
            written = written.and(self.system(System::Informational(status)));
        }
        if let Reply::Text(_) = o.reply {
            let ms = u64::try_from(turn.started.elapsed().as_millis()).unwrap_or(u64::MAX);
            self.items
                .push(Item::Status(worked_for(ms, now, &self.ctx.tz)));
            written = written.and(self.system(System::TurnDuration { ms }));
        }
        if let Err(e) = written {
            self.transcript_failed(e);
        }
        self.bottom.notices = o.notices;
        self.bottom.placeholder = o.placeholder.map(str::to_string);
        self.last_limited = o.limited;
        self.waiting_to_continue = o.limited;
        self.responded = true;
        self.idle();
        self.status_line();
    }

    /// Run the account's statusLine command (if any) and show what it printed.
    fn status_line(&mut self) {
        let Some(cmd) = super::statusline::command(&self.ctx) else {
            return;
        };
        let input = super::statusline::input(
            &self.ctx,
            &self.transcript.session_id,
            &self.transcript.path.to_string_lossy(),
            self.responded,
        );
        self.bottom.status_line = super::statusline::run(&cmd, &input);
        self.dirty = true;
    }

    fn interrupt(&mut self) {
        self.turn = None;
        self.queue.clear();
        self.items.push(Item::Result(INTERRUPTED_SHOWN.to_string()));
        if let Err(e) = self.transcript.append_interrupted() {
            self.transcript_failed(e);
        }
        self.idle();
    }

    fn idle(&mut self) {
        self.bottom.spinner = None;
        self.bottom.busy = false;
        self.live.set_busy(false);
        self.dirty = true;
    }

    fn system(&mut self, record: System) -> std::io::Result<()> {
        self.transcript.append_system(&record)
    }

    fn transcript_failed(&mut self, e: std::io::Error) {
        self.items.push(Item::Warning(format!(
            "claude simulator: could not write the transcript {}: {e}",
            self.transcript.path.display()
        )));
    }

    fn render(&mut self) {
        if !self.dirty {
            return;
        }
        self.dirty = false;
        match &mut self.view {
            View::Tui { rows, cols } => {
                let (rows, cols) = (*rows, *cols);
                let mut top = banner_lines(&self.ctx, cols);
                top.extend(screen::conversation(&self.items, cols, true));
                let (bottom, cursor) = screen::bottom(&self.bottom, cols, true);
                let (lines, (r, c)) = screen::compose(&top, &bottom, cursor, rows);
                let mut s = String::from("\x1b[?25l");
                for (n, line) in lines.iter().enumerate() {
                    let _ = write!(s, "\x1b[{};1H\x1b[2K{line}", n + 1);
                }
                let _ = write!(s, "\x1b[{};{}H\x1b[?25h", r + 1, c + 1);
                out(&s);
            }
            View::Plain { shown, status } => {
                let wide = usize::MAX / 4;
                let mut s = String::new();
                for line in screen::conversation(&self.items[*shown..], wide, false) {
                    s.push_str(&line);
                    s.push('\n');
                }
                *shown = self.items.len();
                let mut now: Vec<String> = self.bottom.spinner.iter().cloned().collect();
                if let Some(p) = &self.bottom.placeholder {
                    now.push(format!("{PROMPT}{p}"));
                }
                now.extend(self.bottom.notices.iter().cloned());
                if now != *status {
                    for line in &now {
                        s.push_str(line);
                        s.push('\n');
                    }
                    *status = now;
                }
                out(&s);
            }
        }
    }

    fn quit(mut self, how: Quit) -> ExitCode {
        if let View::Tui { .. } = self.view {
            out("\x1b[?1049l\x1b[?25h");
            term::restore();
        } else {
            self.render();
        }
        self.live.remove();
        match how {
            Quit::Normal => {
                // Only a clean exit gets to say so; a killed process leaves the wait as it was.
                if self.waiting_to_continue {
                    let _ = self.system(System::Informational(CANCELLED.to_string()));
                }
                if self.has_messages {
                    let cmd = std::env::var("CLAUDE_CODE_RESUME_HINT_COMMAND")
                        .ok()
                        .filter(|c| !c.is_empty())
                        .unwrap_or_else(|| "claude".to_string());
                    out(&format!(
                        "\nResume this session with:\n{cmd} --resume {}\n",
                        self.transcript.session_id
                    ));
                }
                ExitCode::SUCCESS
            }
            Quit::Signal(sig) => ExitCode::from(u8::try_from(128 + sig).unwrap_or(255)),
            Quit::HangUp => ExitCode::from(129),
        }
    }
}
