//! A stand-in for the Claude Code CLI, for the demo and the tests (entered when this binary is
//! run under the name `claude`). (Owned by the simulator work.)

use std::process::ExitCode;

/// True when this binary was started under the name `claude` (through a symlink).
pub fn invoked_as_claude() -> bool {
    std::env::args_os()
        .next()
        .map(std::path::PathBuf::from)
        .and_then(|p| p.file_name().map(|n| n == "claude"))
        .unwrap_or(false)
}

pub fn main() -> ExitCode {
    eprintln!("simulated claude: not implemented yet");
    ExitCode::from(2)
}
