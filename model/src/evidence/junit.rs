//! JUnit XML test results, as the common runners write them (pytest, cargo-nextest, CTest,
//! GoogleTest, JUnit 5 / Maven Surefire, Robot Framework's xunit output).
//!
//! Read with quick-xml's pull parser: result files can be large, and a malformed file must be
//! reported at its line and column rather than abort the whole check.

use std::sync::Arc;

use quick_xml::errors::{Error as XmlError, IllFormedError, SyntaxError};
use quick_xml::escape::resolve_xml_entity;
use quick_xml::events::attributes::AttrError;
use quick_xml::events::{BytesRef, BytesStart, BytesText, Event};
use quick_xml::{Reader, XmlVersion};
use serde::Serialize;

use crate::diagnostic::{Diagnostic, Span, codes};

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

/// Byte offsets to 1-based line and column (columns in characters).
struct LineIndex<'a> {
    text: &'a str,
    /// Byte offset where each line starts.
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    fn new(text: &'a str) -> LineIndex<'a> {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex { text, starts }
    }

    /// Line of byte `offset` (1-based), without counting columns: cheap on the one-line
    /// files some runners write.
    fn line(&self, offset: usize) -> u32 {
        to_u32(self.starts.partition_point(|&start| start <= offset).max(1))
    }

    /// Line and column of byte `offset` (clamped to the text; a position inside a character
    /// is that character's).
    fn position(&self, offset: usize) -> (u32, u32) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&start| start <= offset).max(1);
        let start = self.starts.get(line - 1).copied().unwrap_or(0);
        let column = self
            .text
            .get(start..offset)
            .map_or(0, |s| s.chars().count())
            + 1;
        (to_u32(line), to_u32(column))
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

fn not_utf8(path: &Arc<str>, bytes: &[u8], error: &std::str::Utf8Error) -> Diagnostic {
    let valid_up_to = error.valid_up_to();
    let utf16 = bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF");
    let valid = bytes
        .get(..valid_up_to)
        .and_then(|b| std::str::from_utf8(b).ok())
        .unwrap_or("");
    let (line, column) = LineIndex::new(valid).position(valid.len());
    let (message, hint) = if utf16 {
        (
            format!("{path} is not JUnit XML that tracebook reads: it is UTF-16 text, not UTF-8"),
            format!("convert it to UTF-8, or {HINT_REIMPORT}"),
        )
    } else if error.error_len().is_none() {
        (
            format!("{path} is not JUnit XML: the file ends in the middle of a character"),
            format!("the file looks truncated; {HINT_REIMPORT}"),
        )
    } else {
        let byte = bytes.get(valid_up_to).copied().unwrap_or(0);
        (
            format!("{path} is not JUnit XML: byte 0x{byte:02X} is not valid UTF-8"),
            format!(
                "JUnit files are UTF-8; a file in another encoding or a damaged file cannot be \
                 read: {HINT_REIMPORT}"
            ),
        )
    };
    Diagnostic::error(
        codes::RESULTS_MALFORMED,
        Span::new(path, line, column),
        message,
    )
    .with_hint(hint)
}

/// One element the parser is inside of.
struct Open {
    /// The tag name, as written.
    tag: String,
    /// Byte offset of its `<`.
    at: usize,
    kind: Kind,
}

enum Kind {
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
struct CaseBuilder {
    classname: String,
    name: String,
    suite: String,
    time: Option<f64>,
    line: u32,
    /// `status` (GoogleTest, CTest).
    status: Option<String>,
    /// `result` (GoogleTest).
    result: Option<String>,
    /// Message of the first `<failure>` or `<error>`.
    failed: Option<String>,
    /// Message of the first `<skipped>`.
    skipped: Option<String>,
}

impl CaseBuilder {
    fn finish(self) -> TestCase {
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
fn not_run(status: Option<&str>, result: Option<&str>) -> Option<&'static str> {
    match (status, result) {
        (Some("disabled"), _) => Some("disabled"),
        (Some("notrun"), _) | (_, Some("suppressed")) => Some("not run"),
        (_, Some("skipped")) => Some(""),
        _ => None,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ResultKind {
    Failure,
    Error,
    Skipped,
}

struct ResultElement {
    kind: ResultKind,
    message: Option<String>,
    ty: Option<String>,
    /// The element's text and CDATA, up to [`BODY_MAX_BYTES`].
    body: String,
}

impl ResultElement {
    /// Whether more body text is kept.
    fn wants_body(&self) -> bool {
        self.body.len() < BODY_MAX_BYTES
    }

    fn push_body(&mut self, text: &str) {
        let mut end = text
            .len()
            .min(BODY_MAX_BYTES.saturating_sub(self.body.len()));
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        self.body.push_str(text.get(..end).unwrap_or(""));
    }

    /// The one-line message of a failure, error or skip.
    fn message(&self) -> String {
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
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// At most [`MESSAGE_MAX_CHARS`] characters, the last an ellipsis when cut.
fn cut(text: &str) -> String {
    match text.char_indices().nth(MESSAGE_MAX_CHARS) {
        None => text.to_owned(),
        Some(_) => {
            let keep: String = text.chars().take(MESSAGE_MAX_CHARS - 1).collect();
            format!("{}…", keep.trim_end())
        }
    }
}

/// The parse of one file: a stack of open elements mirroring quick-xml's.
struct Parser<'a> {
    path: &'a Arc<str>,
    text: &'a str,
    lines: LineIndex<'a>,
    version: XmlVersion,
    stack: Vec<Open>,
    /// The root element has been read (and closed when the stack is empty again).
    rooted: bool,
    run: RunInfo,
    cases: Vec<TestCase>,
}

impl<'a> Parser<'a> {
    fn new(path: &'a Arc<str>, text: &'a str) -> Parser<'a> {
        Parser {
            path,
            text,
            lines: LineIndex::new(text),
            version: XmlVersion::Implicit1_0,
            stack: Vec::new(),
            rooted: false,
            run: RunInfo::default(),
            cases: Vec::new(),
        }
    }

    fn run(mut self) -> Result<ResultFile, Diagnostic> {
        if self.text.trim().is_empty() {
            return Err(self
                .error(0, format!("{} is empty: it has no test results", self.path))
                .with_hint(format!(
                    "the runner may have stopped before writing its report; {HINT_REIMPORT}"
                )));
        }
        let mut reader = Reader::from_reader(self.text.as_bytes());
        // Text is not trimmed: quick-xml splits text at entity references, and trimming each
        // piece would glue `expected: &lt;5&gt; but` into `expected:<5>but`.
        reader.config_mut().trim_text(false);
        loop {
            let before = to_usize(reader.buffer_position());
            let event = match reader.read_event() {
                Ok(event) => event,
                Err(e) => return Err(self.xml_error(&reader, &e)),
            };
            // Markup events start at the first `<` from where the reader stood (only text
            // events can come between).
            let at = self.markup_start(before);
            match event {
                Event::Start(e) => self.open(&e, at, false)?,
                Event::Empty(e) => self.open(&e, at, true)?,
                Event::End(_) => self.close(),
                Event::Text(t) => self.text(&t, before)?,
                Event::CData(c) => {
                    if let Some(Open {
                        kind: Kind::Result(result),
                        ..
                    }) = self.stack.last_mut()
                    {
                        if result.wants_body() {
                            result.push_body(&c.xml10_content());
                        }
                    } else if self.stack.is_empty() {
                        return Err(self.outside_root(at));
                    }
                }
                Event::GeneralRef(r) => {
                    if self.stack.is_empty() {
                        return Err(self.outside_root(before));
                    }
                    if let Some(Open {
                        kind: Kind::Result(result),
                        ..
                    }) = self.stack.last_mut()
                        && result.wants_body()
                    {
                        result.push_body(&resolve_reference(&r));
                    }
                }
                Event::Decl(d) => {
                    if let Ok(version) = d.xml_version() {
                        self.version = version;
                    }
                }
                Event::Comment(_) | Event::PI(_) | Event::DocType(_) => {}
                Event::Eof => break,
            }
        }
        self.finish()
    }

    fn finish(self) -> Result<ResultFile, Diagnostic> {
        let end = self.text.len();
        if let Some(open) = self.stack.last() {
            let line = self.lines.line(open.at);
            return Err(self
                .error(
                    end,
                    format!(
                        "{} is not JUnit XML: the file ends before </{}> (the <{}> of line {line} \
                         is not closed)",
                        self.path, open.tag, open.tag
                    ),
                )
                .with_hint(format!(
                    "the file looks truncated (the runner or the copy stopped early); \
                     {HINT_REIMPORT}"
                )));
        }
        if !self.rooted {
            return Err(self
                .error(
                    end,
                    format!(
                        "{} is not JUnit XML: it has no <testsuites> or <testsuite> element",
                        self.path
                    ),
                )
                .with_hint(HINT_REIMPORT));
        }
        Ok(ResultFile {
            path: Arc::clone(self.path),
            run: self.run,
            cases: self.cases,
        })
    }

    fn markup_start(&self, from: usize) -> usize {
        self.text
            .as_bytes()
            .get(from..)
            .and_then(|rest| rest.iter().position(|&b| b == b'<'))
            .map_or(from, |i| from + i)
    }

    fn error(&self, offset: usize, message: String) -> Diagnostic {
        let (line, column) = self.lines.position(offset);
        Diagnostic::error(
            codes::RESULTS_MALFORMED,
            Span::new(self.path, line, column),
            message,
        )
    }

    fn outside_root(&self, at: usize) -> Diagnostic {
        let message = if self.rooted {
            "content after the end of the root element"
        } else {
            "text before the root element"
        };
        self.error(at, format!("{} is not JUnit XML: {message}", self.path))
            .with_hint(format!(
                "a JUnit file holds one <testsuites> or <testsuite> element; {HINT_REIMPORT}"
            ))
    }

    fn xml_error(&self, reader: &Reader<&[u8]>, e: &XmlError) -> Diagnostic {
        let at = match e {
            XmlError::Syntax(_) | XmlError::IllFormed(_) => to_usize(reader.error_position()),
            _ => to_usize(reader.buffer_position()),
        };
        let what = match e {
            XmlError::IllFormed(IllFormedError::MismatchedEndTag { expected, found }) => {
                format!("expected </{expected}>, found </{found}>")
            }
            XmlError::IllFormed(IllFormedError::UnmatchedEndTag(tag)) => {
                format!("</{tag}> closes an element that is not open")
            }
            XmlError::IllFormed(IllFormedError::MissingEndTag(tag)) => {
                format!("the file ends before </{tag}>")
            }
            XmlError::IllFormed(IllFormedError::UnclosedReference) => {
                "`&` is not the start of an entity such as `&amp;` (no `;` follows)".to_owned()
            }
            XmlError::Syntax(SyntaxError::UnclosedTag) => {
                "the file ends inside a tag (`>` is missing)".to_owned()
            }
            XmlError::Syntax(
                SyntaxError::UnclosedSingleQuotedAttributeValue
                | SyntaxError::UnclosedDoubleQuotedAttributeValue,
            ) => {
                "the file ends inside an attribute value (the closing quote is missing)".to_owned()
            }
            XmlError::Syntax(SyntaxError::UnclosedComment) => {
                "the file ends inside a comment (`-->` is missing)".to_owned()
            }
            XmlError::Syntax(SyntaxError::UnclosedCData) => {
                "the file ends inside a CDATA section (`]]>` is missing)".to_owned()
            }
            XmlError::Syntax(SyntaxError::UnclosedXmlDecl | SyntaxError::UnclosedPI) => {
                "the file ends inside `<?...` (`?>` is missing)".to_owned()
            }
            XmlError::Syntax(SyntaxError::UnclosedDoctype) => {
                "the file ends inside `<!DOCTYPE` (`>` is missing)".to_owned()
            }
            XmlError::Syntax(SyntaxError::InvalidBangMarkup) => {
                "`<!` starts neither a comment, a CDATA section nor a DOCTYPE".to_owned()
            }
            other => other.to_string(),
        };
        self.error(at, format!("{} is not JUnit XML: {what}", self.path))
            .with_hint(HINT_REIMPORT)
    }

    fn text(&mut self, text: &BytesText<'_>, at: usize) -> Result<(), Diagnostic> {
        match self.stack.last_mut() {
            None => {
                let raw: &str = text;
                let content = raw.trim_start_matches([' ', '\t', '\r', '\n']);
                if content.is_empty() {
                    Ok(())
                } else {
                    Err(self.outside_root(at + (raw.len() - content.len())))
                }
            }
            Some(Open {
                kind: Kind::Result(result),
                ..
            }) => {
                if result.wants_body() {
                    result.push_body(&text.xml10_content());
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn open(&mut self, e: &BytesStart<'_>, at: usize, empty: bool) -> Result<(), Diagnostic> {
        let tag = e.name().as_ref().to_owned();
        let local = e.local_name().as_ref().to_owned();
        let kind = if self.stack.is_empty() {
            self.root(e, at, &tag, &local)?
        } else {
            self.child(e, at, &local)?
        };
        self.stack.push(Open { tag, at, kind });
        if empty {
            self.close();
        }
        Ok(())
    }

    fn root(
        &mut self,
        e: &BytesStart<'_>,
        at: usize,
        tag: &str,
        local: &str,
    ) -> Result<Kind, Diagnostic> {
        if self.rooted {
            return Err(self.outside_root(at));
        }
        self.rooted = true;
        let suites = match local {
            "testsuites" => true,
            "testsuite" => false,
            _ => {
                return Err(self
                    .error(
                        at,
                        format!(
                            "{} is not JUnit XML: its root element is <{tag}>, not <testsuites> \
                             or <testsuite>",
                            self.path
                        ),
                    )
                    .with_hint(format!(
                        "import the runner's JUnit report (pytest --junitxml, nextest's junit \
                         profile, ctest --output-junit, --gtest_output=xml, Surefire's \
                         TEST-*.xml, robot --xunit), not another report: {HINT_REIMPORT}"
                    )));
            }
        };
        let [name, timestamp, hostname] =
            self.attributes(e, at, ["name", "timestamp", "hostname"])?;
        self.run.name = name.clone().filter(|n| !n.is_empty());
        self.note_suite(timestamp, hostname);
        Ok(if suites {
            Kind::Suites
        } else {
            Kind::Suite(name.unwrap_or_default())
        })
    }

    /// Records the first suite's timestamp and host name.
    fn note_suite(&mut self, timestamp: Option<String>, hostname: Option<String>) {
        if self.run.timestamp.is_none() {
            self.run.timestamp = timestamp.filter(|t| !t.is_empty());
        }
        if self.run.hostname.is_none() {
            self.run.hostname = hostname.filter(|h| !h.is_empty());
        }
    }

    fn child(&mut self, e: &BytesStart<'_>, at: usize, local: &str) -> Result<Kind, Diagnostic> {
        let in_case = self
            .stack
            .iter()
            .rposition(|o| matches!(o.kind, Kind::Case(_)));
        match local {
            "testsuite" if in_case.is_none() => {
                let [name, timestamp, hostname] =
                    self.attributes(e, at, ["name", "timestamp", "hostname"])?;
                self.note_suite(timestamp, hostname);
                Ok(Kind::Suite(name.unwrap_or_default()))
            }
            "testcase" => {
                if let Some(outer) = in_case.and_then(|i| self.stack.get(i)) {
                    let line = self.lines.line(outer.at);
                    return Err(self
                        .error(
                            at,
                            format!(
                                "{} is not JUnit XML: a <testcase> inside the <testcase> of line \
                                 {line}",
                                self.path
                            ),
                        )
                        .with_hint(HINT_REIMPORT));
                }
                self.case(e, at).map(|case| Kind::Case(Box::new(case)))
            }
            "failure" | "error" | "skipped"
                if matches!(
                    self.stack.last(),
                    Some(Open {
                        kind: Kind::Case(_),
                        ..
                    })
                ) =>
            {
                let kind = match local {
                    "failure" => ResultKind::Failure,
                    "error" => ResultKind::Error,
                    _ => ResultKind::Skipped,
                };
                let [message, ty] = self.attributes(e, at, ["message", "type"])?;
                Ok(Kind::Result(ResultElement {
                    kind,
                    message,
                    ty,
                    body: String::new(),
                }))
            }
            _ => Ok(Kind::Other),
        }
    }

    fn case(&self, e: &BytesStart<'_>, at: usize) -> Result<CaseBuilder, Diagnostic> {
        let [classname, name, time, status, result] =
            self.attributes(e, at, ["classname", "name", "time", "status", "result"])?;
        let name = match name {
            Some(name) if !name.trim().is_empty() => name,
            missing => {
                let what = if missing.is_some() {
                    "an empty `name`"
                } else {
                    "no `name` attribute"
                };
                return Err(self
                    .error(
                        at,
                        format!("{} is not JUnit XML: a <testcase> has {what}", self.path),
                    )
                    .with_hint(format!(
                        "every test case needs a name to be referenced; {HINT_REIMPORT}"
                    )));
            }
        };
        let suite = self
            .stack
            .iter()
            .rev()
            .find_map(|o| match &o.kind {
                Kind::Suite(name) => Some(name.clone()),
                _ => None,
            })
            .unwrap_or_default();
        Ok(CaseBuilder {
            classname: classname.unwrap_or_default(),
            name,
            suite,
            time: time
                .and_then(|t| t.trim().parse::<f64>().ok())
                .filter(|t| t.is_finite()),
            line: self.lines.line(at),
            status: status.map(|s| s.trim().to_ascii_lowercase()),
            result: result.map(|r| r.trim().to_ascii_lowercase()),
            failed: None,
            skipped: None,
        })
    }

    /// The unescaped values of the attributes named `keys`.
    fn attributes<const N: usize>(
        &self,
        e: &BytesStart<'_>,
        at: usize,
        keys: [&str; N],
    ) -> Result<[Option<String>; N], Diagnostic> {
        let mut values: [Option<String>; N] = std::array::from_fn(|_| None);
        for attribute in e.attributes() {
            let attribute = attribute.map_err(|err| self.attribute_error(at, &err))?;
            let key = attribute.key.as_ref();
            if let Some(i) = keys.iter().position(|k| *k == key) {
                let value = attribute.normalized_value(self.version).map_err(|err| {
                    self.error(
                        at,
                        format!(
                            "{} is not JUnit XML: attribute `{key}` of <{}>: {err}",
                            self.path,
                            e.name().as_ref()
                        ),
                    )
                    .with_hint(HINT_REIMPORT)
                })?;
                if let Some(slot) = values.get_mut(i) {
                    *slot = Some(value.into_owned());
                }
            }
        }
        Ok(values)
    }

    fn attribute_error(&self, at: usize, err: &AttrError) -> Diagnostic {
        let (offset, what) = match err {
            AttrError::ExpectedEq(p) => (*p, "an attribute name is not followed by `=`"),
            AttrError::ExpectedValue(p) => (*p, "`=` is not followed by a value"),
            AttrError::UnquotedValue(p) => (*p, "an attribute value is not in quotes"),
            AttrError::ExpectedQuote(p, _) => (*p, "an attribute value has no closing quote"),
            AttrError::Duplicated(p, _) => (*p, "an attribute is repeated"),
        };
        // Positions count from the character after `<`.
        self.error(
            at.saturating_add(1).saturating_add(offset),
            format!("{} is not JUnit XML: {what}", self.path),
        )
        .with_hint(HINT_REIMPORT)
    }

    /// Closes the innermost element.
    fn close(&mut self) {
        let Some(open) = self.stack.pop() else {
            return;
        };
        match open.kind {
            Kind::Case(case) => self.cases.push(case.finish()),
            Kind::Result(result) => {
                if let Some(Open {
                    kind: Kind::Case(case),
                    ..
                }) = self.stack.last_mut()
                {
                    let slot = match result.kind {
                        ResultKind::Failure | ResultKind::Error => &mut case.failed,
                        ResultKind::Skipped => &mut case.skipped,
                    };
                    if slot.is_none() {
                        *slot = Some(result.message());
                    }
                }
            }
            Kind::Suites | Kind::Suite(_) | Kind::Other => {}
        }
    }
}

/// The text an entity or character reference in element text stands for; an unknown or
/// invalid reference stays as written.
fn resolve_reference(r: &BytesRef<'_>) -> String {
    if r.is_char_ref() {
        if let Ok(Some(c)) = r.resolve_char_ref() {
            return c.to_string();
        }
    } else if let Some(text) = resolve_xml_entity(r) {
        return text.to_owned();
    }
    format!("&{};", &**r)
}

#[cfg(test)]
mod tests;
