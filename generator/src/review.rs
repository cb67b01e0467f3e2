//! `tracebook review ID…`: stamps link targets' fingerprints into the items' files so the links
//! are no longer suspect. The model plans the stamps and edits the text; this reads and writes.
//!
//! Every id and the link kind are checked before any file is touched; each changed file is
//! re-parsed and compared with the original (only the stamps may differ) before it replaces
//! the original atomically.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use tracebook_model::{
    Project, ReviewPlan, Stamp, StampOutcome, check_stamped, plan_review, stamp_links,
};

use crate::atomic_file::write_atomically;
use crate::error::{Error, Result, ReviewFailure};

/// What a review did, reported as it happens (a later failure leaves earlier files written).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewEvent<'a> {
    /// A link of `id` was left alone: no item has its target.
    Skipped {
        /// The item.
        id: &'a str,
        /// The link's kind.
        link_kind: &'a str,
        /// The missing target.
        target: &'a str,
    },
    /// Item `id` has no resolved links (of the kind asked for).
    NothingToReview {
        /// The item.
        id: &'a str,
    },
    /// A link of `id` is reviewed, and its file written.
    Reviewed {
        /// The item.
        id: &'a str,
        /// The link and the fingerprint stamped.
        stamp: &'a Stamp,
        /// Whether the link already carried that fingerprint.
        outcome: StampOutcome,
    },
}

/// Reviews the outgoing links of each item in `ids` (of `link_kind`, if given): stamps each
/// resolved link with its target's current fingerprint in the project at `root`, one file at
/// a time, in the order the files' first items were named. `on_event` hears what happened.
///
/// # Errors
/// An unknown id or link kind (before any file is written); a file that cannot be read,
/// stamped, checked or written (files before it stay written).
pub fn review_links(
    root: &Path,
    project: &Project,
    ids: &[String],
    link_kind: Option<&str>,
    on_event: &mut dyn FnMut(ReviewEvent<'_>),
) -> Result<()> {
    // Files in the order their first item was named; a YAML list may hold several of them.
    let mut files: Vec<(Arc<str>, Vec<ReviewPlan>)> = Vec::new();
    let mut seen = HashSet::new();
    for id in ids.iter().filter(|id| seen.insert(id.as_str())) {
        let plan = plan_review(project, id, link_kind)?;
        for (kind, target) in &plan.skipped {
            on_event(ReviewEvent::Skipped {
                id,
                link_kind: kind,
                target,
            });
        }
        if plan.stamps.is_empty() {
            on_event(ReviewEvent::NothingToReview { id });
            continue;
        }
        match files.iter_mut().find(|(f, _)| *f == plan.file) {
            Some((_, plans)) => plans.push(plan),
            None => files.push((Arc::clone(&plan.file), vec![plan])),
        }
    }
    for (file, plans) in &files {
        let outcomes = review_file(root, project, file, plans).map_err(|source| Error::Review {
            file: file.to_string(),
            source,
        })?;
        for (plan, outcomes) in plans.iter().zip(outcomes) {
            for (stamp, outcome) in plan.stamps.iter().zip(outcomes) {
                on_event(ReviewEvent::Reviewed {
                    id: &plan.id,
                    stamp,
                    outcome,
                });
            }
        }
    }
    Ok(())
}

/// Stamps the items of one file, checks the result and writes it; returns each plan's outcomes.
fn review_file(
    root: &Path,
    project: &Project,
    file: &Arc<str>,
    plans: &[ReviewPlan],
) -> Result<Vec<Vec<StampOutcome>>, ReviewFailure> {
    let path = root.join(&**file);
    let original =
        std::fs::read_to_string(&path).map_err(|err| ReviewFailure::Read(file.to_string(), err))?;
    let mut text = original.clone();
    let mut outcomes = Vec::with_capacity(plans.len());
    for plan in plans {
        let stamped = stamp_links(file, &text, &plan.id, &plan.stamps).map_err(|source| {
            ReviewFailure::Stamp {
                id: plan.id.clone(),
                source,
            }
        })?;
        if let Some(new) = stamped.text {
            text = new;
        }
        outcomes.push(stamped.outcomes);
    }
    if text != original {
        let plans: Vec<&ReviewPlan> = plans.iter().collect();
        check_stamped(&project.config, file, &original, &text, &plans)
            .map_err(ReviewFailure::Refused)?;
        write_atomically(&path, text.as_bytes())
            .map_err(|err| ReviewFailure::Write(file.to_string(), err))?;
    }
    Ok(outcomes)
}
