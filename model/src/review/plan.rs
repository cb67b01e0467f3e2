//! Which links `tracebook review` stamps ([`plan_review`]), and the safety net a stamped file
//! passes before anyone writes it ([`check_stamped`]): it must parse to the same items, with
//! only the planned `reviewed` stamps changed.

use std::sync::Arc;

use crate::config::Config;
use crate::item::{Item, ParsedFile, parse_file};
use crate::project::Project;
use crate::suggest::did_you_mean;

use super::Stamp;

/// The stamps for one item's outgoing links.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewPlan {
    /// The item's id.
    pub id: String,
    /// The file the item is in.
    pub file: Arc<str>,
    /// One per resolved link (of the kind asked for), each link kind and target once.
    pub stamps: Vec<Stamp>,
    /// Links left as they are because no item has their target (`check` reports them as
    /// errors): link kind and target.
    pub skipped: Vec<(String, String)>,
}

/// Why a review cannot be planned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReviewPlanError {
    /// No item has this id.
    #[error("no item {id} in the project{}", in_parens(.hint))]
    UnknownItem {
        /// The id asked for.
        id: String,
        /// "did you mean …", when an id is close.
        hint: Option<String>,
    },
    /// The item uses no link of this kind and the schema declares none.
    #[error("unknown link kind `{kind}`{}: {}", in_parens(.hint), kinds_of(.item, .kinds))]
    UnknownLinkKind {
        /// The link kind asked for.
        kind: String,
        /// The item's id.
        item: String,
        /// "did you mean …", when one of `kinds` is close.
        hint: Option<String>,
        /// The link kinds the item uses, in order of first use.
        kinds: Vec<String>,
    },
}

fn in_parens(hint: &Option<String>) -> String {
    hint.as_ref()
        .map_or_else(String::new, |h| format!(" ({h})"))
}

fn kinds_of(item: &str, kinds: &[String]) -> String {
    if kinds.is_empty() {
        format!("{item} has no links")
    } else {
        format!("{item} has links of kind {}", kinds.join(", "))
    }
}

/// The stamps that mark item `id`'s resolved outgoing links (of `link_kind`, if given) as
/// reviewed at their targets' current fingerprints.
///
/// # Errors
/// No item `id`, or a `link_kind` the item does not use and the schema does not declare.
pub fn plan_review(
    project: &Project,
    id: &str,
    link_kind: Option<&str>,
) -> Result<ReviewPlan, ReviewPlanError> {
    let index = project
        .index_of(id)
        .ok_or_else(|| ReviewPlanError::UnknownItem {
            id: id.to_owned(),
            hint: did_you_mean(id, project.items.iter().map(|i| i.id.as_str())),
        })?;
    let item = &project.items[index];
    if let Some(kind) = link_kind {
        check_link_kind(project, item, kind)?;
    }
    let mut plan = ReviewPlan {
        id: id.to_owned(),
        file: Arc::clone(&item.source.file),
        stamps: Vec::new(),
        skipped: Vec::new(),
    };
    for edge in project.graph.outgoing(index) {
        let link = &item.links[edge.link];
        if link_kind.is_some_and(|k| k != link.kind) {
            continue;
        }
        let Some(target) = edge.target else {
            plan.skipped.push((link.kind.clone(), link.target.clone()));
            continue;
        };
        let stamp = Stamp {
            link_kind: link.kind.clone(),
            target: link.target.clone(),
            fingerprint: project.items[target].fingerprint,
        };
        if !plan.stamps.contains(&stamp) {
            plan.stamps.push(stamp);
        }
    }
    Ok(plan)
}

/// `--link-kind` must be a kind the item uses or the schema declares.
fn check_link_kind(project: &Project, item: &Item, kind: &str) -> Result<(), ReviewPlanError> {
    if item.links.iter().any(|l| l.kind == kind) || project.config.link_kind(kind).is_some() {
        return Ok(());
    }
    let mut kinds: Vec<String> = Vec::new();
    for link in &item.links {
        if !kinds.contains(&link.kind) {
            kinds.push(link.kind.clone());
        }
    }
    Err(ReviewPlanError::UnknownLinkKind {
        kind: kind.to_owned(),
        item: item.id.clone(),
        hint: did_you_mean(kind, kinds.iter().map(String::as_str)),
        kinds,
    })
}

/// What makes a stamped file unsafe to write.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnplannedChange {
    /// The stamped file has other problems than the original (their messages).
    #[error("the stamped file reads differently ({0:?})")]
    ReadsDifferently(Vec<String>),
    /// The stamped file has more or fewer items.
    #[error("the stamped file holds a different number of items")]
    ItemCount,
    /// An item changed beyond its planned stamps.
    #[error("{id} would change: {what}")]
    Item {
        /// The item's id.
        id: String,
        /// What changed.
        what: &'static str,
    },
}

/// Checks that `stamped` (the text of `file` after stamping) parses to the same items as
/// `original`, with only the `plans`' stamps changed.
///
/// # Errors
/// The first difference beyond the planned stamps.
pub fn check_stamped(
    config: &Config,
    file: &Arc<str>,
    original: &str,
    stamped: &str,
    plans: &[&ReviewPlan],
) -> Result<(), UnplannedChange> {
    let before = parse_file(file, original.as_bytes(), Some(config));
    let after = parse_file(file, stamped.as_bytes(), Some(config));
    let problems = |p: &ParsedFile| {
        let mut v: Vec<String> = p.diagnostics.iter().map(|d| d.message.clone()).collect();
        v.sort();
        v
    };
    if problems(&before) != problems(&after) {
        return Err(UnplannedChange::ReadsDifferently(problems(&after)));
    }
    if before.items.len() != after.items.len() {
        return Err(UnplannedChange::ItemCount);
    }
    for (old, new) in before.items.iter().zip(&after.items) {
        let plan = plans.iter().find(|p| p.id == old.id).copied();
        if let Some(what) = difference(old, new, plan) {
            return Err(UnplannedChange::Item {
                id: old.id.clone(),
                what,
            });
        }
    }
    Ok(())
}

/// What differs between an item before and after stamping, beyond the planned stamps.
fn difference(old: &Item, new: &Item, plan: Option<&ReviewPlan>) -> Option<&'static str> {
    let fields = |i: &Item| -> Vec<(String, serde_json::Value)> {
        i.fields
            .iter()
            .map(|f| (f.name.clone(), f.value.clone()))
            .collect()
    };
    if (&old.id, &old.kind, &old.title, &old.status)
        != (&new.id, &new.kind, &new.title, &new.status)
    {
        return Some("id, kind, title or status");
    }
    if old.tags != new.tags || old.results != new.results || fields(old) != fields(new) {
        return Some("tags, results or fields");
    }
    if old.body != new.body {
        return Some("the body");
    }
    if old.links.len() != new.links.len() {
        return Some("the number of links");
    }
    for (a, b) in old.links.iter().zip(&new.links) {
        if (&a.kind, &a.target) != (&b.kind, &b.target) {
            return Some("a link kind or target");
        }
        let stamp = plan.and_then(|p| {
            p.stamps
                .iter()
                .find(|s| (&s.link_kind, &s.target) == (&a.kind, &a.target))
        });
        let expected = match stamp {
            Some(s) => Some(s.fingerprint.to_string()),
            None => a.reviewed.clone(),
        };
        if b.reviewed != expected {
            return Some("a reviewed stamp");
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fingerprint::Fingerprint;

    fn item(text: &str) -> Item {
        let parsed = parse_file(&Arc::from("r.md"), text.as_bytes(), None);
        parsed.items.into_iter().next().expect("one item")
    }

    #[test]
    fn verification_accepts_only_the_planned_stamps() {
        let base = "---\nid: R-2\nkind: req\ntitle: T\nlinks:\n  d: [R-1, { id: R-3, reviewed: x }]\n---\nBody\n";
        let old = item(base);
        let fingerprint = Fingerprint::parse("1234abcd").expect("hex");
        let plan = ReviewPlan {
            id: "R-2".to_owned(),
            file: Arc::from("r.md"),
            stamps: vec![Stamp {
                link_kind: "d".to_owned(),
                target: "R-1".to_owned(),
                fingerprint,
            }],
            skipped: Vec::new(),
        };
        let planned = item(&base.replace("[R-1,", "[{ id: R-1, reviewed: \"1234abcd\" },"));
        assert_eq!(difference(&old, &planned, Some(&plan)), None);
        let unplanned = item(&base.replace("reviewed: x", "reviewed: y"));
        assert_eq!(
            difference(&old, &unplanned, Some(&plan)),
            Some("a reviewed stamp")
        );
        let body = item(&base.replace("Body", "Body!"));
        assert_eq!(difference(&old, &body, None), Some("the body"));
    }
}
