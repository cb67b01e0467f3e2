//! The commit a site is built from: HEAD, and whether the project's files in the work tree
//! differ from it (a site built then shows more than the commit holds).

use std::path::Path;

use git2::{ErrorCode, Status, StatusOptions};
use serde::Serialize;

use super::{CommitInfo, GitError, Repo};

/// Files and folders, relative to the project root, whose changes show on the site. Other
/// files of the repository (code next to the project, `.tracebook/`) do not make a site stale.
const PROJECT_PATHS: [&str; 4] = ["content", "tracebook.yaml", "baselines", "results"];

/// HEAD of the work tree holding a project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Head {
    /// The commit HEAD points at.
    pub commit: CommitInfo,
    /// `content/`, `tracebook.yaml`, `baselines/` or `results/` differ from the commit: staged, unstaged or
    /// untracked (not ignored) changes.
    pub is_dirty: bool,
}

/// The HEAD commit of the repository holding the project at `root`, with `+dirty` when the
/// project's files differ from it (as `run.yaml` and `tracebook gate` name it); `None` outside
/// git, before the first commit, or when git cannot be read.
pub fn head_label(root: &Path) -> Option<String> {
    let head = Repo::discover(root).ok()??.head().ok()??;
    let dirty = if head.is_dirty { "+dirty" } else { "" };
    Some(format!("{}{dirty}", head.commit.id))
}

impl Repo {
    /// HEAD and whether the project's files differ from it; `None` before the first commit.
    pub fn head(&self) -> Result<Option<Head>, GitError> {
        let commit = match self.repo.head() {
            Ok(head) => head.peel_to_commit()?,
            Err(err) if matches!(err.code(), ErrorCode::UnbornBranch | ErrorCode::NotFound) => {
                return Ok(None);
            }
            Err(err) => return Err(err.into()),
        };
        Ok(Some(Head {
            commit: CommitInfo::of(&commit),
            is_dirty: self.has_project_changes()?,
        }))
    }

    /// Whether `git status` would list anything under the project's paths. libgit2 limits the
    /// scan to the pathspecs, so this costs a stat per content file, not a walk of the repository.
    fn has_project_changes(&self) -> Result<bool, GitError> {
        let mut options = StatusOptions::new();
        options
            .include_untracked(true)
            .recurse_untracked_dirs(true)
            .include_ignored(false)
            .exclude_submodules(true);
        for path in PROJECT_PATHS {
            options.pathspec(format!("{}{path}", self.prefix));
        }
        let statuses = self.repo.statuses(Some(&mut options))?;
        Ok(statuses
            .iter()
            .any(|entry| !matches!(entry.status(), Status::CURRENT | Status::IGNORED)))
    }
}
