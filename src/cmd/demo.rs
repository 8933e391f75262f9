//! The live demo: the whole loop on a throwaway tmux server (own socket, own temporary HOME,
//! simulated Claude on two simulated accounts). Nothing of the user's is touched.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Output};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde_json::Value;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Run through without waiting for you, clean up, and exit 0 when the swap and every
    /// resume worked (1 when not)
    #[arg(long)]
    pub headless: bool,
}

struct Demo {
    root: PathBuf,
    home: PathBuf,
    socket: PathBuf,
    exe: PathBuf,
    started: Instant,
    headless: bool,
}

const PANES: [(&str, &str); 3] = [
    ("project-x", "refactor the parser"),
    ("project-x", "write the changelog"),
    ("project-y", "explain the build"),
];

pub fn run(args: Args) -> Result<ExitCode> {
    let demo = Demo::new(args.headless)?;
    let result = demo.run();
    match &result {
        Ok(()) => demo.say("PASS: the limit was confirmed, the accounts swapped, and every pane resumed its own conversation"),
        Err(err) => demo.say(&format!("FAIL: {err:#}")),
    }
    if demo.headless {
        demo.cleanup();
    } else {
        println!();
        println!("The demo server is still running. Watch it with:");
        println!("  tmux -S {} attach", demo.socket.display());
        println!("End it with:");
        println!(
            "  tmux -S {} kill-server && rm -rf {}",
            demo.socket.display(),
            demo.root.display()
        );
    }
    Ok(ExitCode::from(if result.is_ok() { 0 } else { 1 }))
}

/// The simulated Claude Code, `claude-sim`, built beside this program (scripts/build.sh and
/// `cargo build --release` make both; `cargo install` and scripts/install.sh only this one).
fn simulator_beside(exe: &Path) -> Result<PathBuf> {
    let sim = exe.with_file_name("claude-sim");
    if !sim.is_file() {
        bail!(
            "the demo runs the simulated Claude Code, {}, which is not there: build it with \
             scripts/build.sh (or cargo build --release) in the plugin's folder and run that \
             folder's target/release/claude-failover demo (scripts/demo.sh does both)",
            sim.display()
        );
    }
    Ok(sim)
}

impl Demo {
    fn new(headless: bool) -> Result<Demo> {
        let exe = std::env::current_exe().context("cannot find this program's own path")?;
        let sim = simulator_beside(&exe)?;
        let root =
            std::env::temp_dir().join(format!("claude-failover-demo-{}", std::process::id()));
        let home = root.join("home");
        let bin = root.join("bin");
        std::fs::create_dir_all(&home)
            .with_context(|| format!("cannot create {}", home.display()))?;
        std::fs::create_dir_all(&bin)?;
        // The simulated Claude Code runs under the name `claude`, as the real one.
        std::os::unix::fs::symlink(&sim, bin.join("claude"))
            .context("cannot create the simulated `claude`")?;
        Ok(Demo {
            socket: root.join("tmux.sock"),
            root,
            home,
            exe,
            started: Instant::now(),
            headless,
        })
    }

    fn say(&self, what: &str) {
        println!("[{:5.1}s] {what}", self.started.elapsed().as_secs_f64());
    }

    fn env(&self, c: &mut Command) {
        let path = format!(
            "{}:{}",
            self.root.join("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        c.env("HOME", &self.home)
            .env("PATH", path)
            .env("XDG_STATE_HOME", self.root.join("state"))
            .env("XDG_CONFIG_HOME", self.root.join("config"))
            .env("CLAUDE_SIM_LOG", self.root.join("launches.jsonl"))
            .env("SHELL", "/bin/sh")
            .env_remove("TMUX")
            .env_remove("TMUX_PANE")
            .env_remove("CLAUDE_CONFIG_DIR")
            .env_remove("CLAUDE_FAILOVER_STATE_DIR");
    }

    fn tmux(&self, args: &[&str]) -> Result<String> {
        let mut c = Command::new("tmux");
        self.env(&mut c);
        let out = c
            .arg("-S")
            .arg(&self.socket)
            .args(["-f", "/dev/null"])
            .args(args)
            .output()
            .context("could not run tmux (is it installed?)")?;
        if !out.status.success() {
            bail!(
                "tmux {} failed: {}",
                args.first().unwrap_or(&""),
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn cf(&self, args: &[&str]) -> Result<Output> {
        let mut c = Command::new(&self.exe);
        self.env(&mut c);
        c.arg("-S")
            .arg(&self.socket)
            .args(args)
            .output()
            .context("could not run claude-failover")
    }

    fn account(&self, name: &str) -> PathBuf {
        self.home.join(format!(".claude-{name}"))
    }

    fn wait_screen(&self, pane: &str, needle: &str, secs: u64) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let screen = self.tmux(&["capture-pane", "-p", "-J", "-t", pane])?;
            if screen.contains(needle) {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!(
                    "pane {pane} never showed {needle:?}; it shows:\n{}",
                    screen.trim_end()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn pause(&self, secs: f64) {
        if !self.headless {
            std::thread::sleep(Duration::from_secs_f64(secs));
        }
    }

    fn type_line(&self, pane: &str, text: &str) -> Result<()> {
        self.tmux(&["send-keys", "-t", pane, "-l", text])?;
        self.tmux(&["send-keys", "-t", pane, "Enter"])?;
        Ok(())
    }

    fn events(&self, name: &str) -> Result<Vec<Value>> {
        let out = self.cf(&["events", "--json"])?;
        Ok(String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|e| e["event"] == name)
            .collect())
    }

    fn run(&self) -> Result<()> {
        self.say(&format!(
            "throwaway tmux server at {}",
            self.socket.display()
        ));
        let (a, b) = (self.account("a"), self.account("b"));
        for dir in ["project-x", "project-y"] {
            std::fs::create_dir_all(self.home.join(dir))?;
        }
        let accounts = format!("demo-a={} demo-b={}", a.display(), b.display());
        self.tmux(&[
            "new-session",
            "-d",
            "-s",
            "demo",
            "-x",
            "180",
            "-y",
            "45",
            "-c",
            &self.home.display().to_string(),
        ])?;
        // tmux 3.2a ignores -x/-y on a detached session (80x23): size it, and windows made later.
        self.tmux(&["set", "-g", "default-size", "180x45"])?;
        self.tmux(&["resize-window", "-t", "demo", "-x", "180", "-y", "45"])?;
        let tick = format!(
            "#({} -S {} tick)",
            crate::shell::quote(&self.exe.display().to_string()),
            crate::shell::quote(&self.socket.display().to_string())
        );
        for (k, v) in [
            ("@claude-failover-accounts", accounts.as_str()),
            (
                "@claude-failover-shared-dir",
                &self.home.join(".claude-shared").display().to_string(),
            ),
            ("@claude-failover-confirm-polls", "2"),
            ("@claude-failover-confirm-gap", "1"),
            ("@claude-failover-cooldown", "120"),
            ("status-right", &format!("{tick} ")),
            ("status-right-length", "80"),
            ("status-interval", "1"),
            ("escape-time", "0"),
        ] {
            self.tmux(&["set", "-g", k, v])?;
        }
        let out = self.cf(&["links", "ensure"])?;
        if !out.status.success() {
            bail!(
                "links ensure failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        // The simulated accounts are "logged in": an empty stand-in for the login file, whose
        // existence is all the plugin ever looks at (it never reads it).
        for dir in [&a, &b] {
            std::fs::write(dir.join(".credentials.json"), "")?;
        }
        self.say("two simulated accounts, demo-a and demo-b, share projects/, file-history/, session-env/");
        if !self.headless {
            self.say(&format!(
                "watch live from another terminal: tmux -S {} attach",
                self.socket.display()
            ));
            self.pause(4.0);
        }

        let first = self
            .tmux(&["display", "-p", "-t", "demo", "#{pane_id}"])?
            .trim()
            .to_string();
        let mut panes = Vec::new();
        for (i, (dir, _)) in PANES.iter().enumerate() {
            let cwd = self.home.join(dir).display().to_string();
            let env = format!("CLAUDE_CONFIG_DIR={}", a.display());
            let id = if i == 0 {
                self.tmux(&[
                    "respawn-pane",
                    "-k",
                    "-t",
                    &first,
                    "-c",
                    &cwd,
                    "-e",
                    &env,
                    "claude",
                ])?;
                first.clone()
            } else {
                self.tmux(&[
                    "split-window",
                    "-d",
                    "-P",
                    "-F",
                    "#{pane_id}",
                    "-t",
                    "demo",
                    "-c",
                    &cwd,
                    "-e",
                    &env,
                    "claude",
                ])?
                .trim()
                .to_string()
            };
            self.tmux(&["select-layout", "-t", "demo", "even-vertical"])?;
            panes.push(id);
        }
        for (pane, (dir, prompt)) in panes.iter().zip(PANES) {
            self.wait_screen(pane, "Claude Code", 15)?;
            self.type_line(pane, prompt)?;
            self.wait_screen(pane, &format!("Sim reply to: {prompt}"), 15)?;
            self.say(&format!(
                "pane {pane} ({dir}) on demo-a: \"{prompt}\" answered"
            ));
            self.pause(1.0);
        }
        self.cf(&["tick"])?;
        let before = self.status()?;
        let ids: Vec<String> = panes
            .iter()
            .map(|p| pane_field(&before, p, "session_id"))
            .collect::<Result<_>>()?;

        self.say("demo-a runs out: its next answer is the 5-hour limit");
        std::fs::write(a.join("sim-mode"), "429usage5h")?;
        self.type_line(&panes[0], "one more thing")?;
        self.wait_screen(&panes[0], "You've hit your 5-hour limit", 15)?;
        self.say(&format!(
            "pane {} shows: You've hit your 5-hour limit",
            panes[0]
        ));

        let deadline = Instant::now() + Duration::from_secs(30);
        let mut last_segment = String::new();
        while self.events("swap")?.is_empty() {
            if Instant::now() > deadline {
                bail!("no swap within 30 s; status segment: {last_segment}");
            }
            let out = self.cf(&["tick"])?;
            let segment = String::from_utf8_lossy(&out.stdout).trim().to_string();
            if segment != last_segment {
                self.say(&format!("status line: {segment}"));
                last_segment = segment;
            }
            std::thread::sleep(Duration::from_millis(1100));
        }
        let swap = &self.events("swap")?[0];
        self.say(&format!(
            "swap: {} -> {} ({})",
            swap["from"].as_str().unwrap_or("?"),
            swap["to"].as_str().unwrap_or("?"),
            swap["reason"].as_str().unwrap_or("")
        ));
        for (i, (pane, (_, prompt))) in panes.iter().zip(PANES).enumerate() {
            self.wait_screen(pane, &format!("Sim reply to: {prompt}"), 15)?;
            self.say(&format!(
                "pane {pane} resumed its own conversation ({}) on demo-b",
                ids[i]
            ));
        }
        // Let the resumed panes redraw the old limit and poll again: it must not count.
        for _ in 0..3 {
            std::thread::sleep(Duration::from_millis(700));
            self.cf(&["tick"])?;
        }
        let after = self.status()?;
        for (i, pane) in panes.iter().enumerate() {
            let account = pane_field(&after, pane, "account")?;
            let id = pane_field(&after, pane, "session_id")?;
            if account != "demo-b" || id != ids[i] {
                bail!(
                    "pane {pane} is on {account} with session {id}, expected demo-b with {}",
                    ids[i]
                );
            }
        }
        let swaps = self.events("swap")?.len();
        if swaps != 1 {
            bail!(
                "{swaps} swaps happened, expected exactly one (the redrawn limit must not count)"
            );
        }
        self.say(
            "the redrawn old limit in the resumed panes was recognised as a replay: no second swap",
        );
        let segment = self.cf(&["tick"])?;
        self.say(&format!(
            "status line: {}",
            String::from_utf8_lossy(&segment.stdout).trim()
        ));
        Ok(())
    }

    fn status(&self) -> Result<Value> {
        let out = self.cf(&["status", "--json"])?;
        serde_json::from_slice(&out.stdout).with_context(|| {
            format!(
                "status --json failed: {}",
                String::from_utf8_lossy(&out.stderr)
            )
        })
    }

    fn cleanup(&self) {
        let _ = self.tmux(&["kill-server"]);
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn pane_field(status: &Value, pane: &str, field: &str) -> Result<String> {
    status["panes"]
        .as_array()
        .and_then(|a| a.iter().find(|p| p["pane"] == pane))
        .and_then(|p| p[field].as_str())
        .map(str::to_string)
        .with_context(|| format!("status has no {field} for pane {pane}"))
}
