//! Is an account's home logged in? Only whether the login exists is looked at, never its
//! content: on Linux the file `.credentials.json` in the home, on macOS the Keychain item Claude
//! Code names after the home (`security find-generic-password -s NAME`, without `-w`/`-g`, so no
//! secret is ever printed or read).

use crate::accounts::Account;

/// What we know of an account's login.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Login {
    LoggedIn,
    /// Not logged in, and why we think so.
    LoggedOut(String),
}

/// The Keychain service name of a home: `Claude Code-credentials` for a session started without
/// `CLAUDE_CONFIG_DIR`, else with the first 8 hex digits of the SHA-256 of that exact string.
#[cfg_attr(not(any(target_os = "macos", test)), allow(dead_code))]
pub fn keychain_service(config_dir_env: Option<&str>) -> String {
    match config_dir_env {
        None => "Claude Code-credentials".to_string(),
        Some(dir) => format!(
            "Claude Code-credentials-{}",
            crate::sha256::hex_prefix(dir.as_bytes(), 8)
        ),
    }
}

/// Variables that log Claude in whatever the home holds (a token from `claude setup-token`, an
/// API key): with one of them in the environment tmux gives Claude, every home can take over.
/// Only their presence is looked at.
const LOGIN_VARIABLES: [&str; 3] = [
    "CLAUDE_CODE_OAUTH_TOKEN",
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_AUTH_TOKEN",
];

/// Is an account's home logged in?
pub fn check(account: &Account) -> Login {
    let by_env = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    if LOGIN_VARIABLES.iter().any(|name| by_env(name)) {
        return Login::LoggedIn;
    }
    check_home(account)
}

#[cfg(target_os = "macos")]
fn check_home(account: &Account) -> Login {
    let service = keychain_service(account.env.as_deref());
    let found = std::process::Command::new("/usr/bin/security")
        .args(["find-generic-password", "-s", &service])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if found {
        Login::LoggedIn
    } else {
        Login::LoggedOut(format!("no Keychain item `{service}`"))
    }
}

#[cfg(not(target_os = "macos"))]
fn check_home(account: &Account) -> Login {
    let file = account.dir.join(".credentials.json");
    // Existence only: the file is never opened.
    if std::fs::symlink_metadata(&file).is_ok() {
        Login::LoggedIn
    } else {
        Login::LoggedOut(format!("no {}", file.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keychain_names_follow_the_exact_string() {
        assert_eq!(keychain_service(None), "Claude Code-credentials");
        // printf '/Users/me/.claude-work' | sha256sum | cut -c1-8
        assert_eq!(
            keychain_service(Some("/Users/me/.claude-work")),
            "Claude Code-credentials-1e91dd84"
        );
        assert_ne!(
            keychain_service(Some("/Users/me/.claude-work/")),
            keychain_service(Some("/Users/me/.claude-work"))
        );
    }

    #[cfg(not(target_os = "macos"))]
    #[test]
    fn a_home_without_its_credentials_file_is_logged_out() {
        let dir = std::env::temp_dir().join(format!("cf-login-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let a = Account {
            name: "a".into(),
            dir: dir.clone(),
            env: Some(dir.display().to_string()),
        };
        assert!(
            matches!(check_home(&a), Login::LoggedOut(why) if why.contains(".credentials.json"))
        );
        std::fs::write(dir.join(".credentials.json"), "").unwrap();
        assert_eq!(check_home(&a), Login::LoggedIn);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
