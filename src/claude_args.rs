//! The arguments a pane's Claude was started with, so that a restart keeps them (`--model opus`,
//! `--add-dir X`, `--permission-mode plan` ...), minus the ones that select or start a
//! conversation (the restart chooses the conversation itself).
//!
//! The CLI's options are read as its option parser (commander) reads them: a flag that takes a
//! value takes the next word whatever it is, one with an optional value takes it unless it
//! starts with `-`, a list flag takes every following word up to the next `-` word; every other
//! word is the prompt.

/// Flags that take exactly one value.
const VALUE_FLAGS: &[&str] = &[
    "--model",
    "--fallback-model",
    "--permission-mode",
    "--permission-prompt-tool",
    "--output-format",
    "--input-format",
    "--max-turns",
    "--max-budget-usd",
    "--settings",
    "--setting-sources",
    "--append-system-prompt",
    "--append-system-prompt-file",
    "--system-prompt",
    "--system-prompt-file",
    "--agent",
    "--agents",
    "--json-schema",
    "--session-id",
];

/// Flags that take every following word up to the next one starting with `-`.
const LIST_FLAGS: &[&str] = &[
    "--add-dir",
    "--mcp-config",
    "--allowedTools",
    "--allowed-tools",
    "--disallowedTools",
    "--disallowed-tools",
    "--tools",
    "--betas",
    "--plugin-dir",
];

/// Flags whose value is optional.
const OPTIONAL_VALUE_FLAGS: &[&str] = &["-r", "--resume", "-d", "--debug"];

/// Flags that select or start a conversation, or leave the interactive mode: never kept.
const CONVERSATION_FLAGS: &[&str] = &[
    "-r",
    "--resume",
    "-c",
    "--continue",
    "--session-id",
    "--fork-session",
    "-p",
    "--print",
];

/// A flag and the words that belong to it, as given.
#[derive(Clone, Debug, PartialEq)]
struct Group {
    /// The flag's name (`--model` for `--model=opus` too); None for a prompt word.
    name: Option<String>,
    words: Vec<String>,
}

impl Group {
    /// The same option for a duplicate check: `--allowedTools` is `--allowed-tools`.
    fn key(&self) -> Option<String> {
        self.name.as_ref().map(|n| match n.as_str() {
            "--allowedTools" => "--allowed-tools".to_string(),
            "--disallowedTools" => "--disallowed-tools".to_string(),
            "-d" => "--debug".to_string(),
            _ => n.clone(),
        })
    }
}

fn groups(args: &[String]) -> Vec<Group> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        if arg == "--" {
            // Everything after is prompt.
            for w in &args[i..] {
                out.push(Group {
                    name: None,
                    words: vec![w.clone()],
                });
            }
            break;
        }
        if !arg.starts_with('-') || arg == "-" {
            out.push(Group {
                name: None,
                words: vec![arg.clone()],
            });
            continue;
        }
        let (name, inline) = match arg.split_once('=') {
            Some((n, _)) if n.starts_with("--") => (n.to_string(), true),
            _ => (arg.clone(), false),
        };
        let mut words = vec![arg.clone()];
        if !inline {
            let flag = name.as_str();
            if VALUE_FLAGS.contains(&flag) {
                if let Some(v) = args.get(i) {
                    words.push(v.clone());
                    i += 1;
                }
            } else if OPTIONAL_VALUE_FLAGS.contains(&flag) {
                if let Some(v) = args.get(i).filter(|v| !v.starts_with('-')) {
                    words.push(v.clone());
                    i += 1;
                }
            } else if LIST_FLAGS.contains(&flag) {
                while let Some(v) = args.get(i).filter(|v| !v.starts_with('-')) {
                    words.push(v.clone());
                    i += 1;
                }
            }
        }
        out.push(Group {
            name: Some(name),
            words,
        });
    }
    out
}

/// The arguments Claude itself got, from the process's command line: after the program, or
/// after the script when a runtime runs the CLI (`node [node options] cli.js ARGS`).
fn cli_args(argv: &[String]) -> &[String] {
    let base = |s: &str| s.rsplit('/').next().unwrap_or(s).to_string();
    let Some(first) = argv.first() else {
        return &[];
    };
    if matches!(base(first).as_str(), "node" | "nodejs" | "bun") {
        match argv.iter().skip(1).position(|a| !a.starts_with('-')) {
            Some(script) => &argv[script + 2..],
            None => &[],
        }
    } else {
        &argv[1..]
    }
}

/// The pane's own options, from its Claude process's command line, without the ones that
/// select or start a conversation and without a prompt.
pub fn own(argv: &[String]) -> Vec<String> {
    groups(cli_args(argv))
        .into_iter()
        .filter(|g| {
            g.name
                .as_deref()
                .is_some_and(|n| !CONVERSATION_FLAGS.contains(&n))
        })
        .flat_map(|g| g.words)
        .collect()
}

/// The pane's own options, then the configured ones it does not already have (the pane's own
/// choice wins: it is what the user started that pane with).
pub fn merge(own: &[String], configured: &[String]) -> Vec<String> {
    let mine: Vec<String> = groups(own).iter().filter_map(Group::key).collect();
    let mut out = own.to_vec();
    for g in groups(configured) {
        if g.key().is_some_and(|k| mine.contains(&k)) {
            continue;
        }
        out.extend(g.words);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(words: &[&str]) -> Vec<String> {
        words.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn conversation_flags_and_the_prompt_are_dropped_the_rest_kept() {
        let id = "cc2f0417-2ae8-48a3-a00a-f75185159949";
        let argv = v(&[
            "/usr/bin/claude",
            "--model",
            "opus",
            "--resume",
            id,
            "--add-dir",
            "/a",
            "/b",
            "--permission-mode=plan",
            "-c",
            "--append-system-prompt",
            "-be brief",
            "--fork-session",
            "--session-id",
            id,
            "fix the bug",
            "--verbose",
            "-r",
            "--",
            "--not-a-flag",
        ]);
        assert_eq!(
            own(&argv),
            v(&[
                "--model",
                "opus",
                "--add-dir",
                "/a",
                "/b",
                "--permission-mode=plan",
                "--append-system-prompt",
                "-be brief",
                "--verbose",
            ])
        );
    }

    #[test]
    fn a_cli_run_by_node_is_read_after_its_script() {
        let argv = v(&[
            "node",
            "--no-warnings",
            "/usr/lib/node_modules/@anthropic-ai/claude-code/cli.js",
            "--model",
            "opus",
            "hello",
        ]);
        assert_eq!(own(&argv), v(&["--model", "opus"]));
        assert_eq!(own(&v(&["claude"])), Vec::<String>::new());
        assert_eq!(own(&[]), Vec::<String>::new());
    }

    #[test]
    fn configured_flags_the_pane_already_has_are_not_repeated() {
        let own = v(&["--model", "opus", "--dangerously-skip-permissions"]);
        let configured = v(&[
            "--dangerously-skip-permissions",
            "--model=sonnet",
            "--verbose",
        ]);
        assert_eq!(
            merge(&own, &configured),
            v(&[
                "--model",
                "opus",
                "--dangerously-skip-permissions",
                "--verbose"
            ])
        );
    }
}
