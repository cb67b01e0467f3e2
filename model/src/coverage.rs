//! Coverage rules: which items of a kind have the link a rule asks for.

use serde::Serialize;

use crate::config::Direction;
use crate::diagnostic::{Diagnostic, codes};
use crate::project::Project;

/// Status that takes an item out of coverage: obsolete items need no verification.
pub const EXEMPT_STATUS: &str = "obsolete";

/// The outcome of one rule.
#[derive(Debug, Clone, Serialize)]
pub struct RuleCoverage {
    /// Index of the rule in `config.rules`.
    pub rule: usize,
    /// Items (indexes) that satisfy the rule.
    pub covered: Vec<usize>,
    /// Items (indexes) that do not.
    pub uncovered: Vec<usize>,
}

impl RuleCoverage {
    /// Items the rule applies to.
    pub fn total(&self) -> usize {
        self.covered.len() + self.uncovered.len()
    }

    /// Covered share in whole percent (100 when nothing applies).
    pub fn percent(&self) -> u32 {
        match self.total() {
            0 => 100,
            total => u32::try_from(self.covered.len() * 100 / total).unwrap_or(100),
        }
    }
}

/// Evaluates every rule; returns coverage per rule and a diagnostic per uncovered item.
pub(crate) fn evaluate(project: &Project) -> (Vec<RuleCoverage>, Vec<Diagnostic>) {
    let mut coverage = Vec::new();
    let mut problems = Vec::new();
    for (index, rule) in project.config.rules.iter().enumerate() {
        let mut result = RuleCoverage {
            rule: index,
            covered: vec![],
            uncovered: vec![],
        };
        for (i, item) in project.items.iter().enumerate() {
            if item.kind != rule.kind || item.status == EXEMPT_STATUS {
                continue;
            }
            if is_covered(project, i, &rule.link_kind, rule.direction) {
                result.covered.push(i);
                continue;
            }
            result.uncovered.push(i);
            let (message, hint) = match rule.direction {
                Direction::Incoming => {
                    let sources = project
                        .config
                        .link_kind(&rule.link_kind)
                        .map(|l| l.from.join(" or "))
                        .unwrap_or_default();
                    (
                        format!(
                            "{} is not covered: no {} link points at it",
                            item.id, rule.link_kind
                        ),
                        format!(
                            "add a {} link to {} from a {sources}, or set its status to obsolete",
                            rule.link_kind, item.id
                        ),
                    )
                }
                Direction::Outgoing => (
                    format!(
                        "{} is not covered: it has no {} link",
                        item.id, rule.link_kind
                    ),
                    format!(
                        "add `links: {{ {}: [...] }}` to {}",
                        rule.link_kind, item.id
                    ),
                ),
            };
            let d = Diagnostic::new(
                codes::COVERAGE_RULE_VIOLATED,
                rule.severity,
                item.source.span(),
                message,
            )
            .with_hint(hint)
            .with_related(rule.span.clone(), format!("rule: {}", rule.label()));
            problems.push(d);
        }
        coverage.push(result);
    }
    (coverage, problems)
}

/// Whether item `i` has a resolved link of `link_kind` in `direction`.
pub fn is_covered(project: &Project, i: usize, link_kind: &str, direction: Direction) -> bool {
    let graph = &project.graph;
    match direction {
        Direction::Incoming => graph
            .incoming(i)
            .any(|e| graph.kind(&project.items, e) == link_kind),
        Direction::Outgoing => graph
            .outgoing(i)
            .any(|e| e.target.is_some() && graph.kind(&project.items, e) == link_kind),
    }
}

/// An item's coverage over all rules of its kind: `covered`, `uncovered`, or `n/a`.
pub fn item_coverage(project: &Project, i: usize) -> &'static str {
    let item = &project.items[i];
    let rules: Vec<_> = project
        .config
        .rules
        .iter()
        .filter(|r| r.kind == item.kind)
        .collect();
    if rules.is_empty() || item.status == EXEMPT_STATUS {
        return "n/a";
    }
    if rules
        .iter()
        .all(|r| is_covered(project, i, &r.link_kind, r.direction))
    {
        "covered"
    } else {
        "uncovered"
    }
}
