//! Verification evidence and release readiness as pages show them: an item's `results:` with
//! their verdicts and matched cases, the items that carry its evidence, the evidence column of
//! kind pages, and the readiness page (checklist, evidence per kind, test runs).
//!
//! Results files are not published: cases are named with `file:line` as text. Messages come
//! from test output and stay text (templates escape them; nothing here is marked safe).

use serde::Serialize;
use tracebook_model::Project;
use tracebook_model::evidence::{CaseMatch, EntryVerdict, Outcome, Run, Verdict};
use tracebook_model::readiness::{Failure, Readiness, RuleOutcome};

use super::paths::{READINESS_HREF, item_href, kind_href};
use crate::chart;

/// Cases listed per `results:` entry (a glob may match thousands); the rest are counted.
const MAX_CASES: usize = 50;
/// Failures listed per readiness rule; the rest are counted (`tracebook gate` lists all).
const MAX_FAILURES: usize = 200;

/// An item's evidence: its own entries and the items whose evidence it rolls up.
#[derive(Serialize)]
pub(crate) struct ItemEvidenceCtx<'a> {
    /// The rolled-up status (`passed`, `failed`, ...).
    pub(crate) status: &'static str,
    /// The verdict of the item's own entries (`none` without entries).
    pub(crate) own: &'static str,
    pub(crate) entries: Vec<EntryCtx<'a>>,
    /// Items pointing at this one through an evidence link, with their own verdicts.
    pub(crate) from: Vec<CarrierCtx<'a>>,
}

#[derive(Serialize)]
pub(crate) struct EntryCtx<'a> {
    /// The case name or glob, as written.
    case: &'a str,
    /// The results file, when the entry names one.
    junit: Option<&'a str>,
    verdict: &'static str,
    /// Matched cases, failures first, at most [`MAX_CASES`].
    cases: Vec<CaseCtx<'a>>,
    /// Matched cases not listed.
    more_cases: usize,
    /// Why the entry is missing, or the first failure's message.
    note: &'a str,
    /// The runs the results come from, when their `run.yaml` is known.
    runs: Vec<RunRef<'a>>,
}

#[derive(Serialize)]
struct CaseCtx<'a> {
    name: &'a str,
    /// `results/ci/junit.xml:12`: text, results files are not part of the site.
    location: String,
    outcome: &'static str,
    /// The failure message or skip reason.
    message: Option<&'a str>,
    duration: Option<String>,
}

#[derive(Serialize)]
struct RunRef<'a> {
    name: &'a str,
    imported: Option<&'a str>,
    commit: Option<&'a str>,
    commit_short: Option<&'a str>,
}

/// An item that carries another's evidence.
#[derive(Serialize)]
pub(crate) struct CarrierCtx<'a> {
    id: &'a str,
    href: String,
    title: &'a str,
    verdict: &'static str,
    /// Its first entry with that verdict: the failure message or the missing note.
    note: &'a str,
}

/// Item `i`'s evidence; `None` when it has none (no entries, nothing carries any to it).
pub(crate) fn item_evidence(project: &Project, i: usize) -> Option<ItemEvidenceCtx<'_>> {
    let evidence = project.evidence.items.get(i)?;
    if evidence.entries.is_empty() && evidence.from.is_empty() {
        return None;
    }
    let from = evidence
        .from
        .iter()
        .map(|&(j, verdict)| {
            let item = &project.items[j];
            CarrierCtx {
                id: &item.id,
                href: item_href(&item.id),
                title: &item.title,
                verdict: verdict.as_str(),
                note: note_of(project, j, verdict),
            }
        })
        .collect();
    Some(ItemEvidenceCtx {
        status: evidence.status.as_str(),
        own: evidence.own.as_str(),
        entries: evidence.entries.iter().map(|e| entry(project, e)).collect(),
        from,
    })
}

/// Why item `j`'s evidence has `verdict`: the note of its first entry with that verdict (a
/// failure message, why it is missing), or the reason its first skipped case gives.
fn note_of(project: &Project, j: usize, verdict: Verdict) -> &str {
    let Some(entry) = project.evidence.items[j]
        .entries
        .iter()
        .find(|e| e.verdict == verdict)
    else {
        return "";
    };
    if !entry.note.is_empty() || verdict != Verdict::Skipped {
        return &entry.note;
    }
    entry
        .cases
        .iter()
        .find_map(|c| match &c.outcome {
            Outcome::Skipped { message } => Some(message.as_str()),
            _ => None,
        })
        .unwrap_or_default()
}

fn entry<'p>(project: &'p Project, entry: &'p EntryVerdict) -> EntryCtx<'p> {
    let mut ordered: Vec<&CaseMatch> = entry.cases.iter().collect();
    // Failures first, then skipped cases, then passed ones (stable: file order within each).
    ordered.sort_by_key(|c| match c.outcome {
        Outcome::Failed { .. } => 0,
        Outcome::Skipped { .. } => 1,
        Outcome::Passed => 2,
    });
    let more_cases = ordered.len().saturating_sub(MAX_CASES);
    let cases = ordered.into_iter().take(MAX_CASES).map(case).collect();
    // The files the entry reads: the one it names, or those of its cases.
    let mut files: Vec<&str> = match &entry.entry.junit {
        Some(junit) => vec![junit.as_str()],
        None => entry.cases.iter().map(|c| &*c.file).collect(),
    };
    files.dedup();
    let mut runs: Vec<&Run> = files
        .iter()
        .filter_map(|f| project.evidence.run_of(f))
        .collect();
    runs.sort_by(|a, b| a.path.cmp(&b.path));
    runs.dedup_by(|a, b| a.path == b.path);
    EntryCtx {
        case: &entry.entry.case,
        junit: entry.entry.junit.as_deref(),
        verdict: entry.verdict.as_str(),
        cases,
        more_cases,
        note: &entry.note,
        runs: runs.into_iter().map(run_ref).collect(),
    }
}

fn case(case: &CaseMatch) -> CaseCtx<'_> {
    let (outcome, message) = match &case.outcome {
        Outcome::Passed => ("passed", None),
        Outcome::Failed { message } => ("failed", Some(message.as_str())),
        Outcome::Skipped { message } => ("skipped", Some(message.as_str())),
    };
    CaseCtx {
        name: &case.name,
        location: format!("{}:{}", case.file, case.line),
        outcome,
        message: message.filter(|m| !m.is_empty()),
        duration: case.time.map(duration),
    }
}

fn run_ref(run: &Run) -> RunRef<'_> {
    RunRef {
        name: &run.run,
        imported: run.imported.as_deref(),
        commit: run.commit.as_deref(),
        commit_short: run.commit.as_deref().map(short),
    }
}

/// The first 8 characters of a commit id.
fn short(commit: &str) -> &str {
    commit
        .char_indices()
        .nth(8)
        .map_or(commit, |(end, _)| &commit[..end])
}

/// A test's duration for people: `3 ms`, `1.25 s`, `38.2 s`, `21 min 25 s`.
pub(crate) fn duration(seconds: f64) -> String {
    if seconds < 1.0 {
        format!("{:.0} ms", seconds * 1000.0)
    } else if seconds < 10.0 {
        format!("{seconds:.2} s")
    } else if seconds < 60.0 {
        format!("{seconds:.1} s")
    } else {
        let whole = seconds.round() as u64;
        format!("{} min {} s", whole / 60, whole % 60)
    }
}

/// Item `i`'s evidence status, for lists.
pub(crate) fn status_of(project: &Project, i: usize) -> &'static str {
    project
        .evidence
        .items
        .get(i)
        .map_or(Verdict::None, |e| e.status)
        .as_str()
}

/// The readiness checklist as the readiness page shows it.
#[derive(Serialize)]
pub(crate) struct ReadinessCtx<'a> {
    ready: bool,
    /// Whether the rules come from `readiness:` (false: the defaults).
    configured: bool,
    failed: usize,
    total: usize,
    rules: Vec<RuleCheckCtx<'a>>,
}

#[derive(Serialize)]
struct RuleCheckCtx<'a> {
    index: usize,
    label: &'a str,
    passed: bool,
    checked: usize,
    /// Where the rule is written (`tracebook.yaml:40:5`).
    at: Option<&'a str>,
    failures: Vec<FailureCtx<'a>>,
    more_failures: usize,
}

#[derive(Serialize)]
struct FailureCtx<'a> {
    id: Option<&'a str>,
    href: Option<String>,
    message: &'a str,
    location: Option<&'a str>,
}

pub(crate) fn readiness(readiness: &Readiness) -> ReadinessCtx<'_> {
    ReadinessCtx {
        ready: readiness.ready(),
        configured: readiness.configured,
        failed: readiness.failed(),
        total: readiness.rules.len(),
        rules: readiness
            .rules
            .iter()
            .enumerate()
            .map(|(index, rule)| rule_check(index, rule))
            .collect(),
    }
}

fn rule_check(index: usize, rule: &RuleOutcome) -> RuleCheckCtx<'_> {
    RuleCheckCtx {
        index,
        label: &rule.label,
        passed: rule.passed,
        checked: rule.checked,
        at: rule.at.as_deref(),
        failures: rule
            .failures
            .iter()
            .take(MAX_FAILURES)
            .map(failure)
            .collect(),
        more_failures: rule.failures.len().saturating_sub(MAX_FAILURES),
    }
}

fn failure(f: &Failure) -> FailureCtx<'_> {
    FailureCtx {
        id: f.id.as_deref(),
        // Only failures about an item of the project link to a page.
        href: f.item.and(f.id.as_deref()).map(item_href),
        message: &f.message,
        location: f.location.as_deref(),
    }
}

/// The dashboard's readiness card.
#[derive(Serialize)]
pub(crate) struct ReadinessCard {
    ready: bool,
    failed: usize,
    total: usize,
    href: &'static str,
}

pub(crate) fn readiness_card(readiness: &Readiness) -> ReadinessCard {
    ReadinessCard {
        ready: readiness.ready(),
        failed: readiness.failed(),
        total: readiness.rules.len(),
        href: READINESS_HREF,
    }
}

/// Items of one kind by evidence status.
#[derive(Serialize)]
pub(crate) struct EvidenceKindCtx<'a> {
    name: &'a str,
    title: &'a str,
    href: String,
    /// One count per verdict, in [`Verdict::ALL`] order (`none` last).
    counts: Vec<VerdictCount>,
    total: usize,
}

#[derive(Serialize)]
struct VerdictCount {
    verdict: &'static str,
    count: usize,
}

/// Kinds with at least one item whose evidence status is not `none`, with their counts.
pub(crate) fn evidence_by_kind(project: &Project) -> Vec<EvidenceKindCtx<'_>> {
    project
        .config
        .kinds
        .iter()
        .filter_map(|kind| {
            let counts = project.evidence.counts(project, &kind.name);
            let with_evidence = Verdict::ALL
                .iter()
                .zip(counts)
                .any(|(v, n)| *v != Verdict::None && n > 0);
            with_evidence.then(|| EvidenceKindCtx {
                name: &kind.name,
                title: &kind.title,
                href: kind_href(&kind.name),
                counts: Verdict::ALL
                    .iter()
                    .zip(counts)
                    .map(|(v, count)| VerdictCount {
                        verdict: v.as_str(),
                        count,
                    })
                    .collect(),
                total: counts.iter().sum(),
            })
        })
        .collect()
}

/// The stacked bars of [`evidence_by_kind`], as SVG.
pub(crate) fn evidence_chart(kinds: &[EvidenceKindCtx<'_>]) -> String {
    let rows: Vec<(&str, Vec<(&str, usize)>)> = kinds
        .iter()
        .map(|k| {
            let counts = k.counts.iter().map(|c| (c.verdict, c.count)).collect();
            (k.title, counts)
        })
        .collect();
    chart::evidence_chart(&rows)
}

/// One row of the test runs table.
#[derive(Serialize)]
pub(crate) struct RunRow<'a> {
    run: &'a str,
    path: &'a str,
    imported: Option<&'a str>,
    source: Option<&'a str>,
    commit: Option<&'a str>,
    commit_short: Option<&'a str>,
    tests: u64,
    passed: u64,
    failed: u64,
    skipped: u64,
}

pub(crate) fn runs(project: &Project) -> Vec<RunRow<'_>> {
    project
        .evidence
        .runs
        .iter()
        .map(|run| RunRow {
            run: &run.run,
            path: &run.path,
            imported: run.imported.as_deref(),
            source: run.source.as_deref(),
            commit: run.commit.as_deref(),
            commit_short: run.commit.as_deref().map(short),
            tests: run.tests,
            passed: run.passed,
            failed: run.failed,
            skipped: run.skipped,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(0.0034), "3 ms");
        assert_eq!(duration(1.254), "1.25 s");
        assert_eq!(duration(38.207), "38.2 s");
        assert_eq!(duration(1284.671), "21 min 25 s");
        assert_eq!(short("0123456789abcdef"), "01234567");
        assert_eq!(short("abc"), "abc");
    }
}
