//! Which repository and branch a project's site follows.

use std::path::{Path, PathBuf};

use crate::checkout::CheckoutError;
use crate::job::Job;

/// The project root, the repository holding it (as jobs name it) and the branch.
#[derive(Debug, Clone)]
pub struct Source {
    /// The project root.
    pub root: PathBuf,
    /// The repository's work tree, canonical, as jobs name it.
    pub repo: String,
    pub branch: String,
}

impl Source {
    /// The project at `root`, following `branch` (default: the branch checked out there).
    pub fn of(root: &Path, branch: Option<&str>) -> Result<Source, CheckoutError> {
        let not_a_repo = || CheckoutError::NotARepository {
            path: root.display().to_string(),
        };
        let repo = git2::Repository::discover(root).map_err(|_| not_a_repo())?;
        let workdir = repo.workdir().ok_or_else(not_a_repo)?;
        let workdir = workdir
            .canonicalize()
            .unwrap_or_else(|_| workdir.to_path_buf());
        let branch = match branch {
            Some(branch) => branch.to_owned(),
            None => repo
                .head()
                .ok()
                .filter(git2::Reference::is_branch)
                .and_then(|head| head.shorthand().map(str::to_owned))
                .ok_or(CheckoutError::Detached)?,
        };
        Ok(Source {
            root: root.to_path_buf(),
            repo: workdir.display().to_string(),
            branch,
        })
    }

    /// A job for `commit` of this branch.
    pub fn job(&self, commit: &str) -> Job {
        Job {
            repo: self.repo.clone(),
            branch: self.branch.clone(),
            commit: commit.to_owned(),
        }
    }
}
