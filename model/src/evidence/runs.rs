//! Test runs: `results/<run>/run.yaml`, written by `tracebook results import` beside the
//! JUnit files it copied, says where and when those results came from.

use std::sync::Arc;

use serde::Serialize;

use super::junit::{Outcome, ResultFile};
use crate::diagnostic::{Diagnostic, Span, codes};
use crate::reader::Reader;
use crate::yaml::{self, Value};

/// File name of a run's metadata.
pub const RUN_FILE: &str = "run.yaml";

/// Whether a project-relative path is a JUnit results file (`results/**/*.xml`).
pub fn is_results_file(path: &str) -> bool {
    path.starts_with("results/") && path.ends_with(".xml")
}

/// Whether a project-relative path is a run's metadata (`results/**/run.yaml`).
pub fn is_run_file(path: &str) -> bool {
    path.starts_with("results/") && path.rsplit('/').next() == Some(RUN_FILE)
}

/// One imported test run.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Run {
    /// `results/<run>/run.yaml`.
    pub path: Arc<str>,
    /// The run's name (`ci`, `hil`).
    pub run: String,
    /// When it was imported (RFC 3339, UTC).
    pub imported: Option<String>,
    /// Where the files came from.
    pub source: Option<String>,
    /// The project's commit when imported, if it was in git.
    pub commit: Option<String>,
    /// JUnit files of the run, relative to its folder.
    pub files: Vec<String>,
    /// Test cases in those files, and how they ended.
    pub tests: u64,
    /// Passed cases.
    pub passed: u64,
    /// Failed cases (failures and errors).
    pub failed: u64,
    /// Skipped cases.
    pub skipped: u64,
}

impl Run {
    /// The run's folder (`results/ci`).
    pub fn folder(&self) -> &str {
        self.path.rsplit_once('/').map_or("", |(dir, _)| dir)
    }

    /// Adds `file`'s test cases to the counts.
    pub fn count(&mut self, file: &ResultFile) {
        for case in &file.cases {
            self.tests += 1;
            match case.outcome {
                Outcome::Passed => self.passed += 1,
                Outcome::Failed { .. } => self.failed += 1,
                Outcome::Skipped { .. } => self.skipped += 1,
            }
        }
    }

    /// The run as the `run.yaml` that `tracebook results import` writes (and [`parse_run`]
    /// reads back): strings quoted, a missing value as `null`.
    ///
    /// ```
    /// use tracebook_model::evidence::Run;
    ///
    /// let run = Run { run: "ci".into(), files: vec!["junit.xml".into()], tests: 2, passed: 2, ..Run::default() };
    /// assert!(run.to_yaml().contains("run: \"ci\"\nimported: null\nsource: null\ncommit: null\nfiles: [\"junit.xml\"]\ntests: 2\npassed: 2\n"));
    /// ```
    pub fn to_yaml(&self) -> String {
        let quote = |s: &str| serde_json::to_string(s).unwrap_or_default();
        let or_null = |v: &Option<String>, f: &dyn Fn(&str) -> String| {
            v.as_deref().map_or_else(|| "null".to_owned(), f)
        };
        let files: Vec<String> = self.files.iter().map(|n| quote(n)).collect();
        format!(
            "# Written by `tracebook results import`; verification items point at the files beside it.\n\
             run: {}\nimported: {}\nsource: {}\ncommit: {}\nfiles: [{}]\n\
             tests: {}\npassed: {}\nfailed: {}\nskipped: {}\n",
            quote(&self.run),
            or_null(&self.imported, &str::to_owned),
            or_null(&self.source, &quote),
            or_null(&self.commit, &quote),
            files.join(", "),
            self.tests,
            self.passed,
            self.failed,
            self.skipped,
        )
    }
}

pub(crate) const KEYS: [&str; 9] = [
    "run", "imported", "source", "commit", "files", "tests", "passed", "failed", "skipped",
];

/// Parses a `run.yaml`.
///
/// # Errors
/// Not YAML, not a mapping, or no `run:` (code E0501, at the problem's position).
pub fn parse_run(path: &Arc<str>, bytes: &[u8]) -> Result<Run, Diagnostic> {
    let text = String::from_utf8_lossy(bytes);
    let root = yaml::parse(&text, 1).map_err(|err| {
        Diagnostic::error(
            codes::RESULTS_MALFORMED,
            Span::at(path, err.pos),
            err.message,
        )
        .with_hint("fix the YAML, or import the run again with `tracebook results import`")
    })?;
    let mut r = Reader::new(path, codes::RESULTS_MALFORMED);
    let mut run = Run {
        path: Arc::clone(path),
        ..Run::default()
    };
    let mut named = false;
    for (key, value) in r.map(&root, "run.yaml") {
        let text = || value.value.scalar_text();
        match key.name.as_str() {
            "run" => {
                named = true;
                run.run = r.string(value, "run").unwrap_or_default();
            }
            "imported" => run.imported = text(),
            "source" => run.source = text(),
            "commit" => run.commit = text(),
            "files" => run.files = r.string_list(value, "files"),
            "tests" | "passed" | "failed" | "skipped" => {
                let n = match &value.value {
                    Value::Int(n, _) => u64::try_from(*n).ok(),
                    _ => None,
                };
                let Some(n) = n else {
                    r.invalid(value.pos, &format!("`{}` must be a count", key.name));
                    continue;
                };
                match key.name.as_str() {
                    "tests" => run.tests = n,
                    "passed" => run.passed = n,
                    "failed" => run.failed = n,
                    _ => run.skipped = n,
                }
            }
            _ => r.unknown_key(codes::RESULTS_MALFORMED, key, &KEYS),
        }
    }
    let mut problems = r.into_diagnostics();
    if !named {
        problems.push(
            Diagnostic::error(
                codes::RESULTS_MALFORMED,
                Span::new(path, 1, 1),
                "run.yaml has no `run:` name",
            )
            .with_hint("add `run: NAME`, or import the run again with `tracebook results import`"),
        );
    }
    match problems.into_iter().next() {
        Some(first) => Err(first),
        None => Ok(run),
    }
}
