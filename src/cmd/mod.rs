//! One file a subcommand.

pub mod claude_hook;
pub mod claude_hooks;
pub mod demo;
pub mod detect;
pub mod events;
pub mod hook;
pub mod links;
pub mod status;
pub mod swap;
pub mod tick;
pub mod up;
