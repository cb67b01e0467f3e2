//! Content diagnostics: located problems in a project's files, collected, never thrown.
//!
//! A content mistake is data (a [`Diagnostic`]); a broken environment (I/O, git) is an error of
//! the crate that met it. Display gives the one-line form of docs/format.md:
//! `content/system/SYS-014.md:7:17: error[E0203]: link derives_from targets unknown item STK-903`.

pub mod codes;

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

pub use codes::Code;

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Fails `check` and `build`.
    Error,
    /// Reported; fails only under `--deny warnings`.
    Warning,
}

impl Severity {
    /// `error` or `warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A position in a project file: path relative to the project root, 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Span {
    /// Path relative to the project root, with `/` separators.
    pub file: Arc<str>,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

impl Span {
    /// A span at `line:column` of `file`.
    pub fn new(file: &Arc<str>, line: u32, column: u32) -> Span {
        Span {
            file: Arc::clone(file),
            line,
            column,
        }
    }

    /// A span at a YAML position of `file`.
    pub fn at(file: &Arc<str>, pos: crate::yaml::Pos) -> Span {
        Span::new(file, pos.line, pos.column)
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// Another place that explains a diagnostic (the first definition of a duplicate id, say).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Related {
    /// Where.
    pub span: Span,
    /// What is there.
    pub message: String,
}

/// One problem found in the project's files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Stable code, see [`codes`].
    pub code: Code,
    /// Error or warning.
    pub severity: Severity,
    /// Where the problem is.
    pub span: Span,
    /// One line saying what is wrong.
    pub message: String,
    /// How to fix it, when we can say ("did you mean SYS-012?").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// Other places involved.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<Related>,
}

impl Diagnostic {
    /// An error at `span`.
    pub fn error(code: Code, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(code, Severity::Error, span, message)
    }

    /// A warning at `span`.
    pub fn warning(code: Code, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(code, Severity::Warning, span, message)
    }

    /// A diagnostic of the given severity.
    pub fn new(code: Code, severity: Severity, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity,
            span,
            message: message.into(),
            hint: None,
            related: vec![],
        }
    }

    /// Adds a hint.
    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = Some(hint.into());
        self
    }

    /// Adds a related place.
    #[must_use]
    pub fn with_related(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.related.push(Related {
            span,
            message: message.into(),
        });
        self
    }

    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}[{}]: {}",
            self.span, self.severity, self.code, self.message
        )
    }
}

/// Sorts diagnostics by file, line, column, then code, so output is stable.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| (&a.span, a.code, &a.message).cmp(&(&b.span, b.code, &b.message)));
}

/// Counts of errors and warnings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Number of errors.
    pub errors: usize,
    /// Number of warnings.
    pub warnings: usize,
}

/// Counts errors and warnings.
pub fn count(diagnostics: &[Diagnostic]) -> Counts {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    Counts {
        errors,
        warnings: diagnostics.len() - errors,
    }
}
