//! The part of Claude Code's command line the simulator understands; every other flag is
//! accepted and ignored, as a launcher may pass any of them (`@claude-failover-args`).

/// Flags of the real CLI that take a value, so that the value is not mistaken for a prompt.
const VALUE_FLAGS: &[&str] = &[
    "--model",
    "--fallback-model",
    "--permission-mode",
    "--permission-prompt-tool",
    "--allowedTools",
    "--allowed-tools",
    "--disallowedTools",
    "--disallowed-tools",
    "--tools",
    "--output-format",
    "--input-format",
    "--max-turns",
    "--max-budget-usd",
    "--mcp-config",
    "--setting-sources",
    "--add-dir",
    "--append-system-prompt",
    "--system-prompt",
    "--agent",
    "--agents",
    "--betas",
    "--json-schema",
    "--plugin-dir",
];

#[derive(Debug, Default, PartialEq)]
pub struct Args {
    /// `--resume`/`-r`: `Some(None)` when given without a value (the real CLI opens a picker).
    pub resume: Option<Option<String>>,
    pub session_id: Option<String>,
    pub continue_last: bool,
    pub print: bool,
    /// The positional prompt (joined with spaces when several words were passed apart).
    pub prompt: Option<String>,
    pub version: bool,
    pub help: bool,
    /// `--settings <file or JSON>`: one more settings source (hooks).
    pub settings: Option<String>,
    /// `--bare`: no hooks.
    pub bare: bool,
}

pub fn parse(argv: &[String]) -> Args {
    let mut a = Args::default();
    let mut words: Vec<&str> = Vec::new();
    let mut i = 0;
    let mut options_done = false;
    while i < argv.len() {
        let arg = argv[i].as_str();
        i += 1;
        if options_done || !arg.starts_with('-') || arg == "-" {
            words.push(arg);
            continue;
        }
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v.to_string())),
            _ => (arg, None),
        };
        // The next argument is this flag's value unless it looks like another flag.
        let mut take_value = |optional: bool| -> Option<String> {
            if inline.is_some() {
                return inline.clone();
            }
            match argv.get(i) {
                Some(next) if !(optional && next.starts_with('-')) => {
                    i += 1;
                    Some(next.clone())
                }
                _ => None,
            }
        };
        match name {
            "--" => options_done = true,
            "-r" | "--resume" => a.resume = Some(take_value(true)),
            "--session-id" => a.session_id = take_value(false),
            "-c" | "--continue" => a.continue_last = true,
            "-p" | "--print" => a.print = true,
            "-v" | "--version" => a.version = true,
            "-h" | "--help" => a.help = true,
            "--settings" => a.settings = take_value(false),
            "--bare" => a.bare = true,
            n if VALUE_FLAGS.contains(&n) => {
                take_value(false);
            }
            _ => {}
        }
    }
    if !words.is_empty() {
        a.prompt = Some(words.join(" "));
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Args {
        parse(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn resume_forms() {
        let id = "cc2f0417-2ae8-48a3-a00a-f75185159949";
        assert_eq!(p(&["--resume", id]).resume, Some(Some(id.into())));
        assert_eq!(p(&["-r", id]).resume, Some(Some(id.into())));
        assert_eq!(
            p(&[&format!("--resume={id}")]).resume,
            Some(Some(id.into()))
        );
        assert_eq!(p(&["--resume"]).resume, Some(None));
        let a = p(&["--resume", "--dangerously-skip-permissions"]);
        assert_eq!(a.resume, Some(None));
        assert_eq!(a.prompt, None);
    }

    #[test]
    fn ignored_flags_do_not_swallow_or_leak_words() {
        let a = p(&[
            "--dangerously-skip-permissions",
            "--model",
            "opus",
            "-r",
            "x",
            "--verbose",
            "--permission-mode=plan",
        ]);
        assert_eq!(a.resume, Some(Some("x".into())));
        assert_eq!(a.prompt, None);
        assert!(!a.print);
    }

    #[test]
    fn print_mode_and_prompt_anywhere() {
        let a = p(&["-p", "hello", "world"]);
        assert!(a.print);
        assert_eq!(a.prompt.as_deref(), Some("hello world"));
        let a = p(&["hi", "--print", "--session-id", "abc"]);
        assert!(a.print);
        assert_eq!(a.prompt.as_deref(), Some("hi"));
        assert_eq!(a.session_id.as_deref(), Some("abc"));
        let a = p(&["-c", "--", "-p"]);
        assert!(a.continue_last);
        assert!(!a.print);
        assert_eq!(a.prompt.as_deref(), Some("-p"));
    }
}
