//! JUnit XML test results, as the common runners write them (pytest, cargo-nextest, CTest,
//! GoogleTest, JUnit 5 / Maven Surefire, Robot Framework's xunit output).
//!
//! Read with quick-xml's pull parser: result files can be large, and a malformed file must be
//! reported at its line and column rather than abort the whole check.

use std::sync::Arc;

use serde::Serialize;

use crate::diagnostic::Diagnostic;
use lines::not_utf8;
use parser::Parser;

mod elements;
mod lines;
mod parser;

/// One parsed result file.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ResultFile {
    /// Path relative to the project root (`results/ci/junit.xml`).
    pub path: Arc<str>,
    /// What the file says about its run (attributes of the outermost suite element).
    pub run: RunInfo,
    /// Every test case, in file order.
    pub cases: Vec<TestCase>,
}

/// Run metadata found in the file itself.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct RunInfo {
    /// `name` of the outermost `<testsuites>` or `<testsuite>`.
    pub name: Option<String>,
    /// `timestamp` of the outermost element that has one (ISO 8601 as written).
    pub timestamp: Option<String>,
    /// `hostname` of the first suite that has one.
    pub hostname: Option<String>,
}

/// One `<testcase>`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestCase {
    /// The `classname` attribute (empty when absent).
    pub classname: String,
    /// The `name` attribute.
    pub name: String,
    /// `name` of the innermost enclosing `<testsuite>` (empty when none).
    pub suite: String,
    /// What happened.
    pub outcome: Outcome,
    /// Seconds, from `time`.
    pub time: Option<f64>,
    /// Line of the `<testcase` tag in the file (1-based).
    pub line: u32,
}

impl TestCase {
    /// `classname::name`, or `name` alone when there is no classname.
    pub fn full_name(&self) -> String {
        if self.classname.is_empty() {
            self.name.clone()
        } else {
            format!("{}::{}", self.classname, self.name)
        }
    }
}

/// The outcome of one test case.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "lowercase")]
pub enum Outcome {
    /// Ran and passed (also: passed on a rerun after flaky failures).
    Passed,
    /// `<failure>` or `<error>`: the message attribute, or the first line of the element's text.
    Failed {
        /// One line, at most 500 characters.
        message: String,
    },
    /// `<skipped>`, or a runner's "not run" / "disabled" status.
    Skipped {
        /// The reason given, if any.
        message: String,
    },
}

/// Parses one JUnit XML file. `path` is project-relative and names the file in diagnostics.
///
/// # Errors
/// A file that is not well-formed XML, or has no `<testsuites>`/`<testsuite>` root, gives one
/// error diagnostic (code [`crate::diagnostic::codes::RESULTS_MALFORMED`]) at its line and column.
pub fn parse_junit(path: &Arc<str>, bytes: &[u8]) -> Result<ResultFile, Diagnostic> {
    // A UTF-8 byte order mark is not part of the text editors show: drop it so that columns of
    // line 1 match theirs.
    let bytes = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => return Err(not_utf8(path, bytes, &e)),
    };
    Parser::new(path, text).run()
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Longest `Failed`/`Skipped` message, in characters (the ellipsis included).
const MESSAGE_MAX_CHARS: usize = 500;

/// Text kept from a `<failure>`/`<error>`/`<skipped>` body: its first non-empty line is all
/// we use, so a long stack trace is not copied whole.
const BODY_MAX_BYTES: usize = 64 * 1024;

/// How to fix a file that cannot be read.
const HINT_REIMPORT: &str =
    "re-run the tests and import the runner's JUnit file with `tracebook results import`";

#[cfg(test)]
mod tests;
