//! The change report between two sides: changes, their impact, and coverage before and after.

use std::collections::HashSet;

use serde::Serialize;

use super::diff::{ChangeSet, diff};
use super::impact::{Impact, impact};
use crate::config::{Direction, Rule};
use crate::project::Project;

/// One side of a comparison, as the user named it.
#[derive(Debug, Clone, Serialize)]
pub struct Side {
    /// What the user wrote or what the page shows: `R1.0`, `v1.0`, `working tree`.
    pub label: String,
    /// The commit id it resolved to (`None` for the working tree).
    pub commit: Option<String>,
}

/// Coverage of one rule on both sides.
#[derive(Debug, Clone, Serialize)]
pub struct CoverageDelta {
    /// Kind the rule applies to.
    pub kind: String,
    /// The link the rule asks for, e.g. `needs_incoming: verifies`.
    pub rule: String,
    /// Covered / total before (`None` when the old side has no such rule).
    pub before: Option<(usize, usize)>,
    /// Covered / total after.
    pub after: (usize, usize),
}

/// Everything `tracebook diff` prints and a baseline page shows.
#[derive(Debug, Clone, Serialize)]
pub struct ChangeReport {
    /// The old side.
    pub from: Side,
    /// The new side.
    pub to: Side,
    /// Items added, removed, modified.
    pub changes: ChangeSet,
    /// Impact of each added or modified item, in the order of `changes`, computed on the new
    /// side; items with nothing downstream are left out.
    pub impact: Vec<Impact>,
    /// Coverage per rule of the new side, with the old side's figure for the same rule.
    pub coverage: Vec<CoverageDelta>,
}

impl ChangeReport {
    /// Compares `old` to `new`.
    pub fn new(from: Side, old: &Project, to: Side, new: &Project) -> ChangeReport {
        let changes = diff(old, new);
        let ids: Vec<&str> = changes
            .added
            .iter()
            .chain(changes.modified.iter().map(|c| &c.item))
            .map(|s| s.id.as_str())
            .collect();
        let impact = impact(new, &ids)
            .into_iter()
            .filter(|i| i.count() > 0 || !i.suspect.is_empty())
            .collect();
        ChangeReport {
            from,
            to,
            changes,
            impact,
            coverage: coverage(old, new),
        }
    }

    /// Items impacted by any change, each counted once.
    pub fn impacted_count(&self) -> usize {
        let ids: HashSet<&str> = self
            .impact
            .iter()
            .flat_map(|i| &i.groups)
            .flat_map(|g| &g.items)
            .map(|i| i.id.as_str())
            .collect();
        ids.len()
    }
}

/// Each rule of the new side, with the old side's figure for the rule with the same kind, link
/// kind and direction (rules are matched by meaning, not position: the list may be reordered).
fn coverage(old: &Project, new: &Project) -> Vec<CoverageDelta> {
    let figure = |project: &Project, rule: usize| {
        project
            .coverage
            .iter()
            .find(|c| c.rule == rule)
            .map(|c| (c.covered.len(), c.total()))
    };
    new.coverage
        .iter()
        .filter_map(|c| {
            let rule = new.config.rules.get(c.rule)?;
            let before = old
                .config
                .rules
                .iter()
                .position(|r| {
                    r.kind == rule.kind
                        && r.link_kind == rule.link_kind
                        && r.direction == rule.direction
                })
                .and_then(|i| figure(old, i));
            Some(CoverageDelta {
                kind: rule.kind.clone(),
                rule: requirement(rule),
                before,
                after: (c.covered.len(), c.total()),
            })
        })
        .collect()
}

/// The rule as written in `tracebook.yaml`: `needs_incoming: verifies`.
fn requirement(rule: &Rule) -> String {
    let key = match rule.direction {
        Direction::Incoming => "needs_incoming",
        Direction::Outgoing => "needs_outgoing",
    };
    format!("{key}: {}", rule.link_kind)
}
