//! Shared-state links: every account home exposes the shared items as symlinks into one folder.
//! (Owned by the links work; this is the interface the rest of the program uses.)

use std::path::PathBuf;

use serde::Serialize;

use crate::accounts::Account;
use crate::options::Config;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Problem {
    pub account: String,
    pub item: String,
    pub path: PathBuf,
    /// What is wrong, as a sentence.
    pub problem: String,
    /// What to do about it, as a sentence.
    pub fix: String,
}

/// Every problem of every account.
pub fn check(config: &Config) -> Vec<Problem> {
    config
        .accounts
        .iter()
        .flat_map(|a| check_account(config, a))
        .collect()
}

/// The problems of one account (empty when its links are right).
pub fn check_account(_config: &Config, _account: &Account) -> Vec<Problem> {
    Vec::new()
}

/// Create what is missing (moving existing folders' contents when `adopt`); returns the
/// problems that remain.
pub fn ensure(config: &Config, _adopt: bool) -> Vec<Problem> {
    check(config)
}
