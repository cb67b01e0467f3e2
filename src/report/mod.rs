//! Printing diagnostics: rustc-style for people, JSON lines, GitHub annotations and SARIF for
//! machines.

mod human;
mod machine;

pub(crate) use human::{human, summary};
pub(crate) use machine::{github, json_lines, sarif};
