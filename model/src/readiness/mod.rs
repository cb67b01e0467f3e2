//! Release readiness: the `readiness:` rules of `tracebook.yaml`, evaluated into a checklist
//! that `tracebook gate` prints and the site's readiness page shows. Also the navigation
//! `areas:` of the site, which group kinds and pages the way the lifecycle is organised.
//!
//! Nothing here knows a kind by name: every rule names the kinds, statuses and link kinds it
//! is about.

mod config;

use serde::Serialize;

pub(crate) use config::{
    AREA_KEYS, EVIDENCE_KEYS, RULE_KEYS as READINESS_RULE_KEYS, parse_areas, parse_evidence,
    parse_readiness,
};

use crate::coverage::EXEMPT_STATUS;
use crate::diagnostic::{Severity, Span, codes};
use crate::evidence::Verdict;
use crate::project::Project;

/// Built-in pages that `areas:` may place: `pages: [readiness, coverage]`.
pub const PAGES: [&str; 6] = [
    "dashboard",
    "search",
    "coverage",
    "matrices",
    "baselines",
    "readiness",
];

/// One group of the site's navigation.
#[derive(Debug, Clone, Serialize)]
pub struct Area {
    /// Heading (`Safety assurance`).
    pub title: String,
    /// Kinds listed under it, in order.
    pub kinds: Vec<String>,
    /// Built-in pages listed under it (names from [`PAGES`]).
    pub pages: Vec<String>,
}

/// One readiness rule.
#[derive(Debug, Clone)]
pub struct ReadinessRule {
    /// What it checks.
    pub check: Check,
    /// `title:` as written, replacing the generated label.
    pub title: Option<String>,
    /// Where it is written (None for the defaults).
    pub span: Option<Span>,
}

/// What a readiness rule checks.
#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    /// No problem of severity error.
    NoErrors,
    /// No problem at all.
    NoWarnings,
    /// No item whose own evidence failed or is missing.
    EvidenceComplete,
    /// Each item of `kinds` (with one of `statuses`; any but obsolete when empty) has passing
    /// evidence, rolled up through the evidence links.
    Verified {
        /// Kinds checked.
        kinds: Vec<String>,
        /// Statuses checked.
        statuses: Vec<String>,
    },
    /// Each item of `kinds` (not obsolete) is the target of a `link` from an item whose evidence
    /// passed.
    Mitigated {
        /// Kinds checked.
        kinds: Vec<String>,
        /// The link kind of a mitigation.
        link: String,
    },
    /// No link is suspect.
    NoSuspectLinks,
    /// Every coverage rule (`rules:`) is met.
    Covered,
    /// No item of `kinds` with one of `statuses` and the given field values.
    NoItems {
        /// Kinds checked.
        kinds: Vec<String>,
        /// Statuses that count (any when empty).
        statuses: Vec<String>,
        /// Field name and the values that count.
        fields: Vec<(String, Vec<String>)>,
    },
}

impl ReadinessRule {
    /// The rules `tracebook gate` applies when `readiness:` is absent: no errors, and no
    /// verification whose evidence failed or is missing.
    pub fn defaults() -> Vec<ReadinessRule> {
        [Check::NoErrors, Check::EvidenceComplete]
            .into_iter()
            .map(|check| ReadinessRule {
                check,
                title: None,
                span: None,
            })
            .collect()
    }

    /// The checklist line: `title:` or a sentence generated from the rule.
    pub fn label(&self) -> String {
        if let Some(title) = &self.title {
            return title.clone();
        }
        match &self.check {
            Check::NoErrors => "No errors".to_owned(),
            Check::NoWarnings => "No errors or warnings".to_owned(),
            Check::EvidenceComplete => {
                "No verification whose evidence failed or is missing".to_owned()
            }
            Check::Verified { kinds, statuses } => format!(
                "Every {}{} is verified by passing evidence",
                statuses_phrase(statuses),
                kinds.join(" and every ")
            ),
            Check::Mitigated { kinds, link } => format!(
                "Every {} has a {link} link from an item whose evidence passed",
                kinds.join(" and every ")
            ),
            Check::NoSuspectLinks => "No suspect links".to_owned(),
            Check::Covered => "Every coverage rule is met".to_owned(),
            Check::NoItems {
                kinds,
                statuses,
                fields,
            } => {
                let mut label = format!("No {}", kinds.join(" or "));
                if !statuses.is_empty() {
                    label.push_str(&format!(" with status {}", statuses.join(" or ")));
                }
                for (i, (field, values)) in fields.iter().enumerate() {
                    let joiner = if i == 0 && statuses.is_empty() {
                        " with"
                    } else {
                        " and"
                    };
                    label.push_str(&format!("{joiner} {field} {}", values.join(" or ")));
                }
                label
            }
        }
    }
}

fn statuses_phrase(statuses: &[String]) -> String {
    if statuses.is_empty() {
        String::new()
    } else {
        format!("{} ", statuses.join(" or "))
    }
}

/// The outcome of one rule.
#[derive(Debug, Clone, Serialize)]
pub struct RuleOutcome {
    /// The checklist line.
    pub label: String,
    /// Whether the rule holds.
    pub passed: bool,
    /// How many items (or problems) the rule looked at.
    pub checked: usize,
    /// What stops it from holding.
    pub failures: Vec<Failure>,
    /// Where the rule is written (`tracebook.yaml:40:5`), if it is.
    pub at: Option<String>,
}

/// One reason a rule does not hold.
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    /// The item concerned, if one is.
    pub id: Option<String>,
    /// Index of that item in `Project::items`.
    #[serde(skip)]
    pub item: Option<usize>,
    /// What is wrong, in one line.
    pub message: String,
    /// Where (`content/x.md:3:1`).
    pub location: Option<String>,
}

/// The readiness checklist of a project.
#[derive(Debug, Clone, Serialize)]
pub struct Readiness {
    /// Whether the rules came from `tracebook.yaml` (false: the defaults).
    pub configured: bool,
    /// One outcome per rule, in order.
    pub rules: Vec<RuleOutcome>,
}

impl Readiness {
    /// Whether every rule holds.
    pub fn ready(&self) -> bool {
        self.rules.iter().all(|r| r.passed)
    }

    /// Rules that do not hold.
    pub fn failed(&self) -> usize {
        self.rules.iter().filter(|r| !r.passed).count()
    }
}

/// Evaluates the project's readiness rules (or the defaults).
pub fn evaluate(project: &Project) -> Readiness {
    let configured = !project.config.readiness.is_empty();
    let defaults;
    let rules = if configured {
        &project.config.readiness
    } else {
        defaults = ReadinessRule::defaults();
        &defaults
    };
    Readiness {
        configured,
        rules: rules.iter().map(|rule| outcome(project, rule)).collect(),
    }
}

fn outcome(project: &Project, rule: &ReadinessRule) -> RuleOutcome {
    let (checked, failures) = match &rule.check {
        Check::NoErrors => problems(project, |d| d.severity == Severity::Error),
        Check::NoWarnings => problems(project, |_| true),
        Check::NoSuspectLinks => problems(project, |d| d.code == codes::SUSPECT_LINK),
        Check::EvidenceComplete => evidence_complete(project),
        Check::Verified { kinds, statuses } => verified(project, kinds, statuses),
        Check::Mitigated { kinds, link } => mitigated(project, kinds, link),
        Check::Covered => covered(project),
        Check::NoItems {
            kinds,
            statuses,
            fields,
        } => no_items(project, kinds, statuses, fields),
    };
    RuleOutcome {
        label: rule.label(),
        passed: failures.is_empty(),
        checked,
        failures,
        at: rule.span.as_ref().map(Span::to_string),
    }
}

fn item_failure(project: &Project, i: usize, message: String) -> Failure {
    let item = &project.items[i];
    Failure {
        id: Some(item.id.clone()),
        item: Some(i),
        message,
        location: Some(item.source.span().to_string()),
    }
}

fn problems(
    project: &Project,
    counts: impl Fn(&crate::diagnostic::Diagnostic) -> bool,
) -> (usize, Vec<Failure>) {
    let failures: Vec<Failure> = project
        .diagnostics
        .iter()
        .filter(|d| counts(d))
        .map(|d| Failure {
            id: None,
            item: None,
            message: format!("{}[{}]: {}", d.severity.as_str(), d.code, d.message),
            location: Some(d.span.to_string()),
        })
        .collect();
    // Problems are about items (or the schema): say how many items were looked at.
    (project.items.len(), failures)
}

fn evidence_complete(project: &Project) -> (usize, Vec<Failure>) {
    let mut checked = 0;
    let mut failures = Vec::new();
    for (i, evidence) in project.evidence.items.iter().enumerate() {
        if evidence.entries.is_empty() {
            continue;
        }
        checked += 1;
        if matches!(evidence.own, Verdict::Failed | Verdict::Missing) {
            let note = evidence
                .entries
                .iter()
                .find(|e| e.verdict == evidence.own)
                .map(|e| e.note.clone())
                .unwrap_or_default();
            failures.push(item_failure(
                project,
                i,
                format!("evidence {}: {note}", evidence.own.as_str()),
            ));
        }
    }
    (checked, failures)
}

fn applies(item: &crate::item::Item, kinds: &[String], statuses: &[String]) -> bool {
    kinds.contains(&item.kind)
        && if statuses.is_empty() {
            item.status != EXEMPT_STATUS
        } else {
            statuses.contains(&item.status)
        }
}

/// Why an item's evidence status is not `passed`, in words.
fn why_not_passed(project: &Project, i: usize) -> String {
    let evidence = &project.evidence.items[i];
    let by = |verdict: Verdict| -> String {
        let ids: Vec<&str> = evidence
            .from
            .iter()
            .filter(|(_, v)| *v == verdict)
            .map(|(j, _)| project.items[*j].id.as_str())
            .collect();
        if ids.is_empty() {
            String::new()
        } else {
            format!(" ({})", ids.join(", "))
        }
    };
    match evidence.status {
        Verdict::None => "no evidence: nothing with test results verifies it".to_owned(),
        Verdict::Failed => format!("evidence failed{}", by(Verdict::Failed)),
        Verdict::Missing => format!("evidence missing{}", by(Verdict::Missing)),
        Verdict::Skipped => format!("evidence skipped{}", by(Verdict::Skipped)),
        Verdict::Passed => "evidence passed".to_owned(),
    }
}

fn verified(project: &Project, kinds: &[String], statuses: &[String]) -> (usize, Vec<Failure>) {
    let mut checked = 0;
    let mut failures = Vec::new();
    for (i, item) in project.items.iter().enumerate() {
        if !applies(item, kinds, statuses) {
            continue;
        }
        checked += 1;
        if project.evidence.items[i].status != Verdict::Passed {
            failures.push(item_failure(project, i, why_not_passed(project, i)));
        }
    }
    (checked, failures)
}

fn mitigated(project: &Project, kinds: &[String], link: &str) -> (usize, Vec<Failure>) {
    let graph = &project.graph;
    let mut checked = 0;
    let mut failures = Vec::new();
    for (i, item) in project.items.iter().enumerate() {
        if !applies(item, kinds, &[]) {
            continue;
        }
        checked += 1;
        let mitigations: Vec<usize> = graph
            .incoming(i)
            .filter(|edge| graph.kind(&project.items, edge) == link)
            .map(|edge| edge.source)
            .collect();
        if mitigations
            .iter()
            .any(|&m| project.evidence.items[m].status == Verdict::Passed)
        {
            continue;
        }
        let message = if mitigations.is_empty() {
            format!("no {link} link points at it")
        } else {
            let each: Vec<String> = mitigations
                .iter()
                .map(|&m| format!("{}: {}", project.items[m].id, why_not_passed(project, m)))
                .collect();
            format!("no mitigation is verified ({})", each.join("; "))
        };
        failures.push(item_failure(project, i, message));
    }
    (checked, failures)
}

fn covered(project: &Project) -> (usize, Vec<Failure>) {
    let mut checked = 0;
    let mut failures = Vec::new();
    for coverage in &project.coverage {
        checked += coverage.total();
        let label = project.config.rules[coverage.rule].label();
        for &i in &coverage.uncovered {
            failures.push(item_failure(project, i, format!("not covered: {label}")));
        }
    }
    (checked, failures)
}

fn no_items(
    project: &Project,
    kinds: &[String],
    statuses: &[String],
    fields: &[(String, Vec<String>)],
) -> (usize, Vec<Failure>) {
    let mut checked = 0;
    let mut failures = Vec::new();
    for (i, item) in project.items.iter().enumerate() {
        if !kinds.contains(&item.kind) {
            continue;
        }
        checked += 1;
        if !statuses.is_empty() && !statuses.contains(&item.status) {
            continue;
        }
        let matches_fields = fields.iter().all(|(name, values)| {
            item.fields
                .iter()
                .find(|f| &f.name == name)
                .and_then(|f| crate::readiness::config::field_text(&f.value))
                .is_some_and(|v| values.contains(&v))
        });
        if matches_fields {
            failures.push(item_failure(
                project,
                i,
                format!("{} is {}: {}", item.id, item.status, item.title),
            ));
        }
    }
    (checked, failures)
}

#[cfg(test)]
mod tests;
