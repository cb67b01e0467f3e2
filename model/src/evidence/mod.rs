//! Verification evidence: JUnit results read from `results/`, a verdict for every item that
//! names results, and an evidence status for the items those point at through the evidence
//! link kinds (`verifies` unless `evidence: { links: [...] }` says otherwise).
//!
//! Verdicts combine worst-first: failed, then missing, then skipped, then passed. An item's
//! status combines its own results with the own results of the items that point at it through
//! an evidence link (one level: a requirement is as good as the tests that verify it).

pub mod junit;
mod reference;
mod runs;

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;

pub use junit::{Outcome, ResultFile, RunInfo, TestCase, parse_junit};
pub use reference::ResultRef;
pub(crate) use reference::{KEYS as RESULT_KEYS, read_results};
pub(crate) use runs::KEYS as RUN_KEYS;
pub use runs::{RUN_FILE, Run, is_results_file, is_run_file, parse_run};

use crate::diagnostic::{Diagnostic, Span, codes};
use crate::project::Project;

/// The evidence status of one entry, one item, or a roll-up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// No evidence is named (analysis, inspection, or simply not verified yet).
    #[default]
    None,
    /// Every named case ran and passed.
    Passed,
    /// A named case was skipped (and none failed or is missing).
    Skipped,
    /// A named results file or case was not found.
    Missing,
    /// A named case failed.
    Failed,
}

impl Verdict {
    /// Every verdict, best first (the order of charts and legends).
    pub const ALL: [Verdict; 5] = [
        Verdict::Passed,
        Verdict::Skipped,
        Verdict::Missing,
        Verdict::Failed,
        Verdict::None,
    ];

    /// The lower-case name (`passed`).
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::None => "none",
            Verdict::Passed => "passed",
            Verdict::Skipped => "skipped",
            Verdict::Missing => "missing",
            Verdict::Failed => "failed",
        }
    }

    /// The worse of two verdicts; [`Verdict::None`] is no evidence, not bad evidence.
    pub fn worst(self, other: Verdict) -> Verdict {
        self.max(other)
    }

    fn of(outcome: &Outcome) -> Verdict {
        match outcome {
            Outcome::Passed => Verdict::Passed,
            Outcome::Failed { .. } => Verdict::Failed,
            Outcome::Skipped { .. } => Verdict::Skipped,
        }
    }
}

/// A test case that a `results:` entry matched.
#[derive(Debug, Clone, Serialize)]
pub struct CaseMatch {
    /// The results file.
    pub file: Arc<str>,
    /// Line of the `<testcase>` in it.
    pub line: u32,
    /// `classname::name`.
    pub name: String,
    /// What happened.
    pub outcome: Outcome,
    /// Seconds, when the runner wrote it.
    pub time: Option<f64>,
}

/// The verdict of one `results:` entry.
#[derive(Debug, Clone, Serialize)]
pub struct EntryVerdict {
    /// The entry as written.
    pub entry: ResultRef,
    /// Worst outcome of the matched cases; [`Verdict::Missing`] when none matched.
    pub verdict: Verdict,
    /// The matched cases.
    pub cases: Vec<CaseMatch>,
    /// Why the entry is missing, or the first failure's message.
    pub note: String,
}

/// The evidence of one item.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ItemEvidence {
    /// One verdict per `results:` entry of the item itself.
    pub entries: Vec<EntryVerdict>,
    /// The worst of `entries` ([`Verdict::None`] without entries).
    pub own: Verdict,
    /// Items pointing at this one through an evidence link whose own verdict is not `none`:
    /// (index, verdict).
    pub from: Vec<(usize, Verdict)>,
    /// `own` combined with every verdict of `from`.
    pub status: Verdict,
}

/// All evidence of a project.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    /// Results files that could be read, by path.
    pub files: Vec<Arc<ResultFile>>,
    /// Run metadata (`results/<run>/run.yaml`), by path.
    pub runs: Vec<Run>,
    /// Per item, in the order of `Project::items`.
    pub items: Vec<ItemEvidence>,
}

impl Evidence {
    /// The run whose folder holds `file`.
    pub fn run_of(&self, file: &str) -> Option<&Run> {
        let folder = file.rsplit_once('/').map_or("", |(dir, _)| dir);
        self.runs.iter().find(|run| run.folder() == folder)
    }

    /// Items with each status, for items of `kind` (counts in [`Verdict::ALL`] order).
    pub fn counts(&self, project: &Project, kind: &str) -> [usize; 5] {
        let mut counts = [0; 5];
        for (item, evidence) in project.items.iter().zip(&self.items) {
            if item.kind == kind && item.status != crate::coverage::EXEMPT_STATUS {
                let slot = Verdict::ALL
                    .iter()
                    .position(|v| *v == evidence.status)
                    .unwrap_or(4);
                counts[slot] += 1;
            }
        }
        counts
    }
}

/// Parsed results inputs: files that parsed, and problems of those that did not.
#[derive(Debug, Default)]
pub struct ResultInputs {
    /// Parsed JUnit files (shared: a long-lived builder keeps them between builds).
    pub files: Vec<Arc<ResultFile>>,
    /// Parsed run metadata.
    pub runs: Vec<Run>,
    /// Paths of results files that exist but could not be read (reported already).
    pub unreadable: Vec<Arc<str>>,
    /// Problems found while parsing.
    pub diagnostics: Vec<Diagnostic>,
}

/// One `results/**` file, parsed: what a builder keeps per path, so that a rebuild parses only
/// the results files that changed.
#[derive(Debug, Clone)]
pub enum ParsedResults {
    /// A JUnit file.
    Junit(Arc<ResultFile>),
    /// A run's `run.yaml`.
    Run(Run),
    /// A file that could not be read: its problem, and whether it is a JUnit file (then the
    /// entries naming it are missing evidence "that could not be read").
    Unreadable(Diagnostic, bool),
}

impl ParsedResults {
    /// Parses a `results/**` file: JUnit `*.xml` or `run.yaml`; `None` for other paths.
    pub fn parse(path: &Arc<str>, bytes: &[u8]) -> Option<ParsedResults> {
        if is_results_file(path) {
            Some(match parse_junit(path, bytes) {
                Ok(file) => ParsedResults::Junit(Arc::new(file)),
                Err(d) => ParsedResults::Unreadable(d, true),
            })
        } else if is_run_file(path) {
            Some(match parse_run(path, bytes) {
                Ok(run) => ParsedResults::Run(run),
                Err(d) => ParsedResults::Unreadable(d, false),
            })
        } else {
            None
        }
    }
}

impl ResultInputs {
    /// Parses `results/**` files: JUnit `*.xml` and `run.yaml`; other paths are ignored.
    pub fn parse(files: Vec<(Arc<str>, Vec<u8>)>) -> ResultInputs {
        ResultInputs::from_parsed(
            files
                .iter()
                .filter_map(|(path, bytes)| ParsedResults::parse(path, bytes)),
        )
    }

    /// The inputs made of files parsed earlier.
    pub fn from_parsed(parsed: impl IntoIterator<Item = ParsedResults>) -> ResultInputs {
        let mut inputs = ResultInputs::default();
        for file in parsed {
            match file {
                ParsedResults::Junit(file) => inputs.files.push(file),
                ParsedResults::Run(run) => inputs.runs.push(run),
                ParsedResults::Unreadable(d, is_junit) => {
                    if is_junit {
                        inputs.unreadable.push(Arc::clone(&d.span.file));
                    }
                    inputs.diagnostics.push(d);
                }
            }
        }
        inputs.files.sort_by(|a, b| a.path.cmp(&b.path));
        inputs.runs.sort_by(|a, b| a.path.cmp(&b.path));
        inputs
    }
}

/// Case lookup by `classname::name` and by `name`, over every file, and the cases each glob
/// of the project matches.
struct CaseIndex<'a> {
    files: &'a [Arc<ResultFile>],
    by_name: HashMap<String, Vec<(usize, usize)>>,
    /// Per glob pattern used by an entry, the cases it matches (in file order). All globs are
    /// matched in one pass over the cases with one `GlobSet`: matching each glob against
    /// every case would cost globs × cases.
    by_glob: HashMap<String, Vec<(usize, usize)>>,
}

impl<'a> CaseIndex<'a> {
    fn new<'p>(
        files: &'a [Arc<ResultFile>],
        patterns: impl Iterator<Item = &'p str>,
    ) -> CaseIndex<'a> {
        let mut by_name: HashMap<String, Vec<(usize, usize)>> = HashMap::new();
        let mut globs: Vec<&str> = patterns.collect();
        globs.sort_unstable();
        globs.dedup();
        let mut set = globset::GlobSetBuilder::new();
        let mut kept = Vec::new();
        for pattern in globs {
            // Invalid globs were reported when the item was read; they match nothing.
            if let Ok(glob) = globset::Glob::new(pattern) {
                set.add(glob);
                kept.push(pattern);
            }
        }
        let set = set.build().unwrap_or_else(|_| globset::GlobSet::empty());
        let mut by_glob: HashMap<String, Vec<(usize, usize)>> = HashMap::new();
        let mut hits = Vec::new();
        for (f, file) in files.iter().enumerate() {
            for (c, case) in file.cases.iter().enumerate() {
                let full = case.full_name();
                if !set.is_empty() {
                    hits.clear();
                    set.matches_into(full.as_str(), &mut hits);
                    let mut by_name_hits = Vec::new();
                    set.matches_into(case.name.as_str(), &mut by_name_hits);
                    hits.extend(by_name_hits);
                    hits.sort_unstable();
                    hits.dedup();
                    for &g in &hits {
                        by_glob.entry(kept[g].to_owned()).or_default().push((f, c));
                    }
                }
                if full != case.name {
                    by_name.entry(case.name.clone()).or_default().push((f, c));
                }
                by_name.entry(full).or_default().push((f, c));
            }
        }
        CaseIndex {
            files,
            by_name,
            by_glob,
        }
    }

    fn file(&self, path: &str) -> Option<usize> {
        self.files.iter().position(|f| &*f.path == path)
    }

    /// The case name closest to a misspelt one (in file `only`, or in every file). Names are
    /// compared by their last `::` segment, the test's own name: full names share long
    /// prefixes (`crate::module::`) that would make any two look alike.
    fn closest(&self, wanted: &str, only: Option<usize>) -> Option<String> {
        let last = |name: &str| name.rsplit("::").next().unwrap_or(name).to_owned();
        let names: Vec<(String, String)> = self
            .files
            .iter()
            .enumerate()
            .filter(|(f, _)| only.is_none_or(|o| o == *f))
            .flat_map(|(_, file)| file.cases.iter().map(TestCase::full_name))
            .map(|full| (last(&full), full))
            .collect();
        let close = crate::suggest::closest(&last(wanted), names.iter().map(|(l, _)| l.as_str()))?;
        names
            .iter()
            .find(|(l, _)| l == close)
            .map(|(_, full)| full.clone())
    }

    /// Cases the entry names, in file order.
    fn matches(&self, entry: &ResultRef, only: Option<usize>) -> Vec<(usize, usize)> {
        let hits = if entry.is_glob() {
            self.by_glob.get(&entry.case)
        } else {
            self.by_name.get(&entry.case)
        };
        let mut found: Vec<(usize, usize)> = hits
            .map(|hits| {
                hits.iter()
                    .copied()
                    .filter(|(f, _)| only.is_none_or(|o| o == *f))
                    .collect()
            })
            .unwrap_or_default();
        found.sort_unstable();
        found.dedup();
        found
    }
}

/// Verdicts for every item, and a diagnostic for every failed or missing entry.
pub(crate) fn evaluate(project: &Project, inputs: ResultInputs) -> (Evidence, Vec<Diagnostic>) {
    let ResultInputs {
        files,
        runs,
        unreadable,
        diagnostics: mut problems,
    } = inputs;
    let globs = project
        .items
        .iter()
        .flat_map(|item| &item.results)
        .filter(|entry| entry.is_glob())
        .map(|entry| entry.case.as_str());
    let index = CaseIndex::new(&files, globs);
    let mut items: Vec<ItemEvidence> = project
        .items
        .iter()
        .map(|item| {
            let entries: Vec<EntryVerdict> = item
                .results
                .iter()
                .map(|entry| judge(&index, &unreadable, entry))
                .collect();
            let own = entries
                .iter()
                .fold(Verdict::None, |acc, e| acc.worst(e.verdict));
            ItemEvidence {
                entries,
                own,
                from: vec![],
                status: own,
            }
        })
        .collect();
    roll_up(project, &mut items);
    for (item, evidence) in project.items.iter().zip(&items) {
        for entry in &evidence.entries {
            if let Some(d) = diagnostic(item, entry) {
                problems.push(d);
            }
        }
    }
    (Evidence { files, runs, items }, problems)
}

fn judge(index: &CaseIndex<'_>, unreadable: &[Arc<str>], entry: &ResultRef) -> EntryVerdict {
    let missing = |note: String| EntryVerdict {
        entry: entry.clone(),
        verdict: Verdict::Missing,
        cases: vec![],
        note,
    };
    let only = match &entry.junit {
        Some(path) => match index.file(path) {
            Some(f) => Some(f),
            None if unreadable.iter().any(|u| &**u == path) => {
                return missing(format!("{path} could not be read"));
            }
            None => return missing(format!("{path} does not exist")),
        },
        None => None,
    };
    let found = index.matches(entry, only);
    if found.is_empty() {
        let place = entry
            .junit
            .clone()
            .unwrap_or_else(|| "any results file".to_owned());
        let mut note = format!("no test case matches `{}` in {place}", entry.case);
        if !entry.is_glob()
            && let Some(close) = index.closest(&entry.case, only)
        {
            note.push_str(&format!(" (did you mean `{close}`?)"));
        }
        return missing(note);
    }
    let cases: Vec<CaseMatch> = found
        .into_iter()
        .map(|(f, c)| {
            let file = &index.files[f];
            let case = &file.cases[c];
            CaseMatch {
                file: Arc::clone(&file.path),
                line: case.line,
                name: case.full_name(),
                outcome: case.outcome.clone(),
                time: case.time,
            }
        })
        .collect();
    let verdict = cases
        .iter()
        .fold(Verdict::None, |acc, c| acc.worst(Verdict::of(&c.outcome)));
    let note = cases
        .iter()
        .find_map(|c| match &c.outcome {
            Outcome::Failed { message } => Some(format!("{}: {message}", c.name)),
            _ => None,
        })
        .unwrap_or_default();
    EntryVerdict {
        entry: entry.clone(),
        verdict,
        cases,
        note,
    }
}

/// Each item's status: its own verdict and those of the items pointing at it through an
/// evidence link kind.
fn roll_up(project: &Project, items: &mut [ItemEvidence]) {
    let links = &project.config.evidence_links;
    let graph = &project.graph;
    for target in 0..project.items.len() {
        let mut from: Vec<(usize, Verdict)> = graph
            .incoming(target)
            .filter(|edge| links.iter().any(|l| l == graph.kind(&project.items, edge)))
            .map(|edge| (edge.source, items[edge.source].own))
            .filter(|(_, verdict)| *verdict != Verdict::None)
            .collect();
        from.sort_unstable();
        from.dedup();
        let status = from
            .iter()
            .fold(items[target].own, |acc, (_, v)| acc.worst(*v));
        items[target].from = from;
        items[target].status = status;
    }
}

fn diagnostic(item: &crate::item::Item, entry: &EntryVerdict) -> Option<Diagnostic> {
    let span = Span::at(&item.source.file, entry.entry.pos);
    match entry.verdict {
        Verdict::Failed => {
            let case = entry
                .cases
                .iter()
                .find(|c| matches!(c.outcome, Outcome::Failed { .. }))?;
            Some(
                Diagnostic::warning(
                    codes::EVIDENCE_FAILED,
                    span,
                    format!("{} evidence failed: {}", item.id, entry.note),
                )
                .with_related(
                    Span::new(&case.file, case.line, 1),
                    format!("{} failed here", case.name),
                )
                .with_hint("fix the product or the test, run the tests again and import their results"),
            )
        }
        Verdict::Missing => Some(
            Diagnostic::warning(
                codes::EVIDENCE_MISSING,
                span,
                format!("{} evidence missing: {}", item.id, entry.note),
            )
            .with_hint(
                "import the test results with `tracebook results import FILE --run NAME`, or fix `junit:`/`case:`",
            ),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
