//! Printing diagnostics: rustc-style for people, JSON lines, GitHub annotations and SARIF for
//! machines.

mod human;
mod machine;

pub(crate) use human::{human, summary};
pub(crate) use machine::{github, json_lines, sarif};

/// Text from pull requests or test output, for Markdown (a table cell, a list item): kept from
/// breaking the table or adding markup; newlines become spaces.
pub(crate) fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '|' | '*' | '_' | '`' | '[' | ']' | '<' | '>' | '#' | '\\'
        ) {
            out.push('\\');
        }
        out.push(if c == '\n' { ' ' } else { c });
    }
    out
}
