//! The elements being read: open tags, a test case and its result children.

use super::{BODY_MAX_BYTES, MESSAGE_MAX_CHARS, Outcome, TestCase};

/// One element the parser is inside of.
pub(super) struct Open {
    /// The tag name, as written.
    pub(super) tag: String,
    /// Byte offset of its `<`.
    pub(super) at: usize,
    pub(super) kind: Kind,
}

pub(super) enum Kind {
    /// `<testsuites>`.
    Suites,
    /// `<testsuite>` with its `name` (empty when absent).
    Suite(String),
    /// `<testcase>` being read.
    Case(Box<CaseBuilder>),
    /// `<failure>`, `<error>` or `<skipped>` directly inside a `<testcase>`.
    Result(ResultElement),
    /// Anything else (`<properties>`, `<system-out>`, `<flakyFailure>`, ...): ignored.
    Other,
}

/// A `<testcase>` whose children are being read.
pub(super) struct CaseBuilder {
    pub(super) classname: String,
    pub(super) name: String,
    pub(super) suite: String,
    pub(super) time: Option<f64>,
    pub(super) line: u32,
    /// `status` (GoogleTest, CTest).
    pub(super) status: Option<String>,
    /// `result` (GoogleTest).
    pub(super) result: Option<String>,
    /// Message of the first `<failure>` or `<error>`.
    pub(super) failed: Option<String>,
    /// Message of the first `<skipped>`.
    pub(super) skipped: Option<String>,
}

impl CaseBuilder {
    pub(super) fn finish(self) -> TestCase {
        let outcome = if let Some(message) = self.failed {
            Outcome::Failed { message }
        } else if let Some(message) = self.skipped {
            Outcome::Skipped { message }
        } else if let Some(message) = not_run(self.status.as_deref(), self.result.as_deref()) {
            Outcome::Skipped {
                message: message.to_owned(),
            }
        } else {
            Outcome::Passed
        };
        TestCase {
            classname: self.classname,
            name: self.name,
            suite: self.suite,
            outcome,
            time: self.time,
            line: self.line,
        }
    }
}

/// The skip reason of a case the runner did not run, from its attributes alone: GoogleTest's
/// `status="notrun"`/`result="suppressed"` (a `DISABLED_` test) or `result="skipped"`, CTest's
/// `status="notrun"`/`status="disabled"`.
pub(super) fn not_run(status: Option<&str>, result: Option<&str>) -> Option<&'static str> {
    match (status, result) {
        (Some("disabled"), _) => Some("disabled"),
        (Some("notrun"), _) | (_, Some("suppressed")) => Some("not run"),
        (_, Some("skipped")) => Some(""),
        _ => None,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum ResultKind {
    Failure,
    Error,
    Skipped,
}

pub(super) struct ResultElement {
    pub(super) kind: ResultKind,
    pub(super) message: Option<String>,
    pub(super) ty: Option<String>,
    /// The element's text and CDATA, up to [`BODY_MAX_BYTES`].
    pub(super) body: String,
}

impl ResultElement {
    /// Whether more body text is kept.
    pub(super) fn wants_body(&self) -> bool {
        self.body.len() < BODY_MAX_BYTES
    }

    pub(super) fn push_body(&mut self, text: &str) {
        let mut end = text
            .len()
            .min(BODY_MAX_BYTES.saturating_sub(self.body.len()));
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        self.body.push_str(text.get(..end).unwrap_or(""));
    }

    /// The one-line message of a failure, error or skip.
    pub(super) fn message(&self) -> String {
        let attribute = self.message.as_deref().filter(|m| !m.trim().is_empty());
        let body = || self.body.lines().find(|l| !l.trim().is_empty());
        let ty = || self.ty.as_deref().filter(|t| !t.trim().is_empty());
        let text = match self.kind {
            ResultKind::Skipped => attribute.or_else(body).unwrap_or(""),
            ResultKind::Failure | ResultKind::Error => {
                attribute.or_else(body).or_else(ty).unwrap_or("failed")
            }
        };
        let text = one_line(text);
        if self.kind == ResultKind::Error {
            cut(&format!("error: {text}"))
        } else {
            cut(&text)
        }
    }
}

/// Whitespace runs (newlines included) as single spaces, trimmed.
pub(super) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// At most [`MESSAGE_MAX_CHARS`] characters, the last an ellipsis when cut.
pub(super) fn cut(text: &str) -> String {
    match text.char_indices().nth(MESSAGE_MAX_CHARS) {
        None => text.to_owned(),
        Some(_) => {
            let keep: String = text.chars().take(MESSAGE_MAX_CHARS - 1).collect();
            format!("{}…", keep.trim_end())
        }
    }
}
