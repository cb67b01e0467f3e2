//! The project's past, for the site and `tracebook diff`: every baseline loaded at its ref,
//! the changes between consecutive baselines and from each baseline to the working tree, and
//! the history of every item from one walk over the log, and the commit the work tree is at.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::Path;

use tracebook_model::{Baseline, ChangeReport, Item, Project, Side};

use crate::error::Result;
use crate::git::{CommitInfo, Head, History, Repo};

/// Label of the working-tree side of a comparison.
pub const WORKING_TREE: &str = "working tree";

/// Baselines and item history of a project in a git repository.
#[derive(Debug)]
pub struct Timeline {
    /// Baselines oldest first (by commit time, then name).
    pub baselines: Vec<BaselineSnapshot>,
    /// Who changed which item when.
    pub history: History,
    /// The commit the work tree is at (`None` before the first commit): what the site says it
    /// was built from.
    pub head: Option<Head>,
}

/// One baseline with its content and the changes around it.
#[derive(Debug)]
pub struct BaselineSnapshot {
    /// The baseline file.
    pub baseline: Baseline,
    /// The commit its ref resolves to.
    pub commit: CommitInfo,
    /// Item counts per kind in the baseline, in the working tree's kind order.
    pub counts: Vec<(String, usize)>,
    /// Items in the baseline.
    pub total: usize,
    /// Changes from the previous baseline to this one (`None` for the first).
    pub since_previous: Option<ChangeReport>,
    /// Changes from this baseline to the working tree.
    pub since_this: ChangeReport,
    states: HashMap<String, u64>,
}

impl Timeline {
    /// Loads the baselines of `project` (the working tree, loaded from disk) and the history
    /// of its items. `None` when `root` is not in a git repository. Baselines whose ref does
    /// not resolve are left out: `check` reports them (E0303).
    pub fn collect(root: &Path, project: &Project) -> Result<Option<Timeline>> {
        let Some(repo) = Repo::discover(root)? else {
            return Ok(None);
        };
        let mut loaded = Vec::new();
        for baseline in &project.baselines {
            let Ok(commit) = repo.resolve(&baseline.git_ref) else {
                continue;
            };
            let snapshot = repo.project_at(&commit)?;
            loaded.push((baseline.clone(), commit, snapshot));
        }
        loaded.sort_by(|a, b| (a.1.time, &a.0.name).cmp(&(b.1.time, &b.0.name)));
        let working = Side {
            label: WORKING_TREE.to_owned(),
            commit: None,
        };
        let mut baselines: Vec<BaselineSnapshot> = Vec::with_capacity(loaded.len());
        for (i, (baseline, commit, snapshot)) in loaded.iter().enumerate() {
            let side = side_of(baseline, commit);
            let since_previous = i.checked_sub(1).map(|p| {
                let (prev, prev_commit, prev_project) = &loaded[p];
                ChangeReport::new(
                    side_of(prev, prev_commit),
                    prev_project,
                    side.clone(),
                    snapshot,
                )
            });
            let since_this = ChangeReport::new(side, snapshot, working.clone(), project);
            baselines.push(BaselineSnapshot {
                baseline: baseline.clone(),
                commit: commit.clone(),
                counts: count_by_kind(project, snapshot),
                total: snapshot.items.len(),
                since_previous,
                since_this,
                states: snapshot
                    .items
                    .iter()
                    .map(|item| (item.id.clone(), state_of(item)))
                    .collect(),
            });
        }
        let history = repo.history()?;
        let head = repo.head()?;
        Ok(Some(Timeline {
            baselines,
            history,
            head,
        }))
    }

    /// The oldest baseline from which on the item has been as it is now (content, status, tags
    /// and links) in every baseline up to now; `None` when it differs from the newest baseline
    /// (or is not in it).
    pub fn unchanged_since(&self, item: &Item) -> Option<&BaselineSnapshot> {
        let state = state_of(item);
        self.baselines
            .iter()
            .rev()
            .take_while(|b| b.states.get(&item.id) == Some(&state))
            .last()
    }
}

/// What "the same form" means for an item: its fingerprint covers the content, but a status,
/// tag or link change is a change a reviewer wants to see too (the change sets list them).
fn state_of(item: &Item) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    item.fingerprint.hash(&mut hasher);
    item.status.hash(&mut hasher);
    item.tags.hash(&mut hasher);
    for link in &item.links {
        (&link.kind, &link.target, &link.reviewed).hash(&mut hasher);
    }
    hasher.finish()
}

/// The side of a comparison for a baseline: its name, and its commit.
fn side_of(baseline: &Baseline, commit: &CommitInfo) -> Side {
    Side {
        label: baseline.name.clone(),
        commit: Some(commit.id.clone()),
    }
}

/// Counts per kind of `snapshot`, in the kind order of `current` (kinds only the snapshot has
/// come last).
fn count_by_kind(current: &Project, snapshot: &Project) -> Vec<(String, usize)> {
    let mut counts: Vec<(String, usize)> = current
        .config
        .kinds
        .iter()
        .map(|k| (k.name.clone(), 0))
        .collect();
    for item in &snapshot.items {
        match counts.iter_mut().find(|(kind, _)| *kind == item.kind) {
            Some((_, n)) => *n += 1,
            None => counts.push((item.kind.clone(), 1)),
        }
    }
    counts
}

/// Resolves one side of `tracebook diff`: a baseline name first, then any git ref.
pub fn resolve_side(repo: &Repo, project: &Project, spec: &str) -> Result<(Side, Project)> {
    let (label, git_ref) = match project.baselines.iter().find(|b| b.name == spec) {
        Some(b) => (format!("{} ({})", b.name, b.git_ref), b.git_ref.as_str()),
        None => (spec.to_owned(), spec),
    };
    let commit = repo.resolve(git_ref)?;
    let snapshot = repo.project_at(&commit)?;
    let side = Side {
        label,
        commit: Some(commit.id),
    };
    Ok((side, snapshot))
}
