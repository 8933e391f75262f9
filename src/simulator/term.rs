//! The terminal: raw mode through `stty` (restored on every exit path, panics included),
//! its size, and the signals that end or resize the simulator.

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::Mutex;

/// The `stty -g` settings to put back, while raw mode is on.
static SAVED: Mutex<Option<String>> = Mutex::new(None);
static SIGNAL: AtomicI32 = AtomicI32::new(0);
static RESIZED: AtomicBool = AtomicBool::new(false);

pub const SIGHUP: i32 = libc::SIGHUP;
pub const SIGINT: i32 = libc::SIGINT;
pub const SIGTERM: i32 = libc::SIGTERM;
const SIGWINCH: i32 = libc::SIGWINCH;

extern "C" fn on_signal(sig: i32) {
    // Only atomics here: anything else is not async-signal-safe.
    if sig == SIGWINCH {
        RESIZED.store(true, Ordering::SeqCst);
    } else {
        SIGNAL.store(sig, Ordering::SeqCst);
    }
}

pub fn install_signal_handlers() {
    for sig in [SIGHUP, SIGINT, SIGTERM, SIGWINCH] {
        // The process must notice a hang-up (tmux `respawn-pane -k`, a closed window) to remove
        // its live-session file, and std has no signal API.
        // SAFETY: the handler only stores to atomics, which is async-signal-safe.
        unsafe {
            libc::signal(sig, on_signal as extern "C" fn(i32) as libc::sighandler_t);
        }
    }
}

/// The terminating signal received, if any.
pub fn pending_signal() -> Option<i32> {
    match SIGNAL.load(Ordering::SeqCst) {
        0 => None,
        s => Some(s),
    }
}

/// True once after each terminal resize.
pub fn take_resized() -> bool {
    RESIZED.swap(false, Ordering::SeqCst)
}

fn stty(args: &[&str]) -> Option<String> {
    let out = Command::new("stty")
        .args(args)
        .stdin(Stdio::inherit())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Raw mode without echo on stdin's terminal; false when `stty` could not do it.
pub fn enter_raw() -> bool {
    let Some(saved) = stty(&["-g"]) else {
        return false;
    };
    if stty(&["raw", "-echo"]).is_none() {
        return false;
    }
    if let Ok(mut s) = SAVED.lock() {
        *s = Some(saved);
    }
    // Whatever goes wrong later, a panic must not leave the user's terminal raw.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        default_hook(info);
    }));
    true
}

/// Puts the saved terminal settings back (once; later calls do nothing).
pub fn restore() {
    let saved = match SAVED.lock() {
        Ok(mut s) => s.take(),
        Err(poisoned) => poisoned.into_inner().take(),
    };
    if let Some(saved) = saved {
        let _ = stty(&[&saved]);
    }
}

/// (rows, columns) of stdin's terminal; `LINES`/`COLUMNS` or 24x80 when unknown.
pub fn size() -> (usize, usize) {
    let from_stty = stty(&["size"]).and_then(|s| {
        let mut it = s.split_whitespace().map(|n| n.parse::<usize>().ok());
        Some((it.next()??, it.next()??))
    });
    match from_stty {
        Some((r, c)) if r > 0 && c > 0 => (r, c),
        _ => {
            let env = |k: &str, d: usize| {
                std::env::var(k)
                    .ok()
                    .and_then(|v| v.parse().ok())
                    .filter(|&n: &usize| n > 0)
                    .unwrap_or(d)
            };
            (env("LINES", 24), env("COLUMNS", 80))
        }
    }
}
