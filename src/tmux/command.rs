//! Every command this program sends to change tmux, built so that no value can become tmux
//! syntax: one constructor per command, which knows which of its arguments tmux reads as a
//! format and escapes them. Nothing else builds a changing command by hand.
//!
//! What tmux does with the words of a command line (same on 3.2a through master):
//! - `cmd_parse_from_arguments` (cmd-parse.y) ends a command at any word whose last character
//!   is `;`, unless that `;` follows a `\`, which it then drops. So a word ending in `;` is sent
//!   with a `\` before its last `;`, and reaches the command as it was.
//! - Some arguments are expanded as formats (`#{...}`, `#(...)` runs a shell command, `##` is
//!   `#`): `respawn-pane -c` and `new-session -c` (spawn.c, cmd-new-session.c), `new-session -s`
//!   and `-n`, the `run-shell` command, the `display-message` message (which is also passed
//!   through strftime, so `%` is special there). Those are sent with `#` doubled (and `%`
//!   doubled in a message), except a run of `#` before `[`: format.c copies `#[`, `##[` ...
//!   as they are (a style), so doubling it would change it. A `-t` target, a `set-environment` value without `-F` and the
//!   command words of a new pane are not expanded.

use anyhow::{Context, Result};

use super::Tmux;

/// One tmux command, its words already escaped.
#[derive(Clone, Debug, PartialEq)]
pub struct TmuxCommand(Vec<String>);

/// A literal word: tmux reads it as one word of this command, whatever it holds.
fn word(s: &str) -> String {
    match s.strip_suffix(';') {
        Some(rest) => format!("{rest}\\;"),
        None => s.to_string(),
    }
}

/// A word tmux expands as a format, escaped to expand to itself: `##` is `#`, except that a
/// run of `#` just before `[` (a style) is copied as it is, so such a run stays single.
fn format(s: &str) -> String {
    word(&escape_hashes(s, false))
}

/// A `display-message` text: passed through strftime (`%%` is `%`), expanded as a format, then
/// drawn, where `##[` shows as `#[`.
fn message(s: &str) -> String {
    word(&escape_hashes(&s.replace('%', "%%"), true))
}

/// Double every run of `#`, but keep a run followed by `[` as it is unless `styled`.
fn escape_hashes(s: &str, styled: bool) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut run = 0;
    for c in s.chars() {
        if c == '#' {
            run += 1;
            continue;
        }
        let times = if c == '[' && !styled { 1 } else { 2 };
        out.extend(std::iter::repeat_n('#', run * times));
        run = 0;
        out.push(c);
    }
    out.extend(std::iter::repeat_n('#', run * 2));
    out
}

impl TmuxCommand {
    fn new(name: &str) -> TmuxCommand {
        TmuxCommand(vec![name.to_string()])
    }

    fn flag(mut self, flag: &str) -> TmuxCommand {
        self.0.push(flag.to_string());
        self
    }

    fn literal(mut self, value: &str) -> TmuxCommand {
        self.0.push(word(value));
        self
    }

    fn expanded(mut self, value: &str) -> TmuxCommand {
        self.0.push(format(value));
        self
    }

    /// The words as tmux receives them.
    pub fn words(&self) -> &[String] {
        &self.0
    }

    /// Kill what runs in `pane` and run `argv` there (the first word is executed directly, not
    /// through a shell, when there are several), in `cwd` when given.
    pub fn respawn_pane(pane: &str, cwd: Option<&str>, argv: &[String]) -> TmuxCommand {
        let mut c = TmuxCommand::new("respawn-pane")
            .flag("-k")
            .flag("-t")
            .literal(pane);
        if let Some(cwd) = cwd {
            c = c.flag("-c").expanded(cwd);
        }
        for a in argv {
            c = c.literal(a);
        }
        c
    }

    /// A detached session `name` in `cwd` running `argv`.
    pub fn new_session(name: &str, cwd: &str, argv: &[String]) -> TmuxCommand {
        let mut c = TmuxCommand::new("new-session")
            .flag("-d")
            .flag("-s")
            .expanded(name)
            .flag("-c")
            .expanded(cwd);
        for a in argv {
            c = c.literal(a);
        }
        c
    }

    /// Show `text` on `client`'s status line, as written.
    pub fn display_message(client: &str, text: &str) -> TmuxCommand {
        let mut c = TmuxCommand::new("display-message")
            .flag("-c")
            .literal(client);
        c.0.push(message(text));
        c
    }

    /// Show `text` on the client tmux picks (the most recently active one).
    pub fn display_message_on_any_client(text: &str) -> TmuxCommand {
        let mut c = TmuxCommand::new("display-message");
        c.0.push(message(text));
        c
    }

    /// Set a variable in tmux's global environment (new panes inherit it).
    pub fn set_global_environment(name: &str, value: &str) -> TmuxCommand {
        TmuxCommand::new("set-environment")
            .flag("-g")
            .literal(name)
            .literal(value)
    }

    /// Take a variable out of tmux's global environment (new panes start without it).
    pub fn unset_global_environment(name: &str) -> TmuxCommand {
        TmuxCommand::new("set-environment")
            .flag("-g")
            .flag("-u")
            .literal(name)
    }

    /// Forget the scrollback of `pane`.
    pub fn clear_history(pane: &str) -> TmuxCommand {
        TmuxCommand::new("clear-history").flag("-t").literal(pane)
    }

    /// Run the shell command `command` in the background, not as a child of the caller.
    pub fn run_shell(command: &str) -> TmuxCommand {
        TmuxCommand::new("run-shell").flag("-b").expanded(command)
    }

    /// Run the shell command `command` in the background after `delay` seconds.
    pub fn run_shell_later(delay: u64, command: &str) -> TmuxCommand {
        TmuxCommand::new("run-shell")
            .flag("-b")
            .flag("-d")
            .literal(&delay.to_string())
            .expanded(command)
    }
}

impl Tmux {
    /// Send commands that change tmux, in one client; tmux stops at the first that fails.
    pub fn send(&self, commands: &[TmuxCommand]) -> Result<String> {
        let words: Vec<&[String]> = commands.iter().map(|c| c.words()).collect();
        self.batch(&words).context("tmux refused a command")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trailing_semicolon_is_escaped_and_nothing_else() {
        assert_eq!(word("proj;"), "proj\\;");
        assert_eq!(word(";"), "\\;");
        assert_eq!(word("a;b"), "a;b");
        assert_eq!(word("a\\;"), "a\\\\;");
        assert_eq!(word("plain"), "plain");
        assert_eq!(format("#{pane_id}#(x);"), "##{pane_id}##(x)\\;");
        assert_eq!(format("a#[b ##[c ## #"), "a#[b ##[c #### ##");
        assert_eq!(message("50% #x #["), "50%% ##x ##[");
    }
}
