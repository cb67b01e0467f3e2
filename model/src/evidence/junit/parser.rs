//! The pull parse of one file: quick-xml events on a stack of open elements.

use std::sync::Arc;

use quick_xml::errors::{Error as XmlError, IllFormedError, SyntaxError};
use quick_xml::escape::resolve_xml_entity;
use quick_xml::events::attributes::AttrError;
use quick_xml::events::{BytesRef, BytesStart, BytesText, Event};
use quick_xml::{Reader, XmlVersion};

use super::elements::{CaseBuilder, Kind, Open, ResultElement, ResultKind};
use super::lines::{LineIndex, to_usize};
use super::{HINT_REIMPORT, ResultFile, RunInfo, TestCase};
use crate::diagnostic::{Diagnostic, Span, codes};

/// The parse of one file: a stack of open elements mirroring quick-xml's.
pub(super) struct Parser<'a> {
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
    pub(super) fn new(path: &'a Arc<str>, text: &'a str) -> Parser<'a> {
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

    pub(super) fn run(mut self) -> Result<ResultFile, Diagnostic> {
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
