//! The worker's own copy of the repository: a local clone that it fetches into and checks
//! out at the commit it builds. Building from a private checkout rather than the server's
//! work tree means a build sees exactly one commit (never a file the API is half-way through
//! writing, never uncommitted changes), any branch can be built, and several workers on one
//! machine do not disturb each other.

use std::path::{Path, PathBuf};

use git2::build::{CheckoutBuilder, RepoBuilder};
use git2::{Oid, Repository};
use tracebook_generator::Changes;
use tracebook_generator::git::CommitInfo;

/// A clone of the project's repository, checked out at the commit built last.
pub struct Checkout {
    repo: Repository,
    /// The project root relative to the repository's work tree (`""` or `docs/spec/`).
    prefix: PathBuf,
    /// The commit checked out now; `None` right after cloning.
    checked_out: Option<Oid>,
}

/// What can go wrong with the checkout.
#[derive(Debug, thiserror::Error)]
pub enum CheckoutError {
    #[error("{path} is not inside a git work tree: the worker builds commits of a repository")]
    NotARepository { path: String },
    #[error("HEAD is not on a branch: name the branch to publish (--branch)")]
    Detached,
    #[error("the branch `{branch}` does not exist in {repo}")]
    NoBranch { branch: String, repo: String },
    #[error("git: {0}")]
    Git(#[from] git2::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl Checkout {
    /// Opens the clone in `dir`, or clones the repository holding `source_root` there first.
    pub fn open(source_root: &Path, dir: &Path) -> Result<Checkout, CheckoutError> {
        let source = Repository::discover(source_root).map_err(|_| not_a_repo(source_root))?;
        let workdir = source.workdir().ok_or_else(|| not_a_repo(source_root))?;
        let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
        let prefix = canonical(source_root)
            .strip_prefix(canonical(workdir))
            .map(Path::to_path_buf)
            .map_err(|_| not_a_repo(source_root))?;
        let repo = match Repository::open(dir) {
            Ok(repo) => repo,
            Err(_) => {
                if dir.exists() {
                    std::fs::remove_dir_all(dir)?;
                }
                std::fs::create_dir_all(dir)?;
                // Through git's local transport (a pack), not a copy of the objects folder: a
                // file-by-file copy fails when a commit lands during it (seen in tests).
                RepoBuilder::new()
                    .clone_local(git2::build::CloneLocal::None)
                    .clone(&workdir.to_string_lossy(), dir)?
            }
        };
        repo.remote_set_url("origin", &workdir.to_string_lossy())?;
        Ok(Checkout {
            repo,
            prefix,
            checked_out: None,
        })
    }

    /// The project root inside the checkout.
    pub fn root(&self) -> PathBuf {
        self.workdir().join(&self.prefix)
    }

    fn workdir(&self) -> &Path {
        self.repo.workdir().expect("a clone with a work tree")
    }

    /// Fetches every branch of the source repository.
    pub fn fetch(&self) -> Result<(), CheckoutError> {
        let mut remote = self.repo.find_remote("origin")?;
        remote.fetch(&["+refs/heads/*:refs/remotes/origin/*"], None, None)?;
        Ok(())
    }

    /// The newest commit of `branch` as last fetched.
    pub fn tip(&self, branch: &str) -> Result<Oid, CheckoutError> {
        let name = format!("refs/remotes/origin/{branch}");
        match self.repo.refname_to_id(&name) {
            Ok(oid) => Ok(oid),
            Err(_) => Err(CheckoutError::NoBranch {
                branch: branch.to_owned(),
                repo: self.remote_url(),
            }),
        }
    }

    /// The commit `oid` as pages and the mirror show it.
    pub fn commit_info(&self, oid: Oid) -> Result<CommitInfo, CheckoutError> {
        Ok(CommitInfo::of(&self.repo.find_commit(oid)?))
    }

    /// Whether `descendant` is `ancestor` or has it in its history.
    pub fn includes(&self, descendant: Oid, ancestor: Oid) -> bool {
        descendant == ancestor
            || self
                .repo
                .graph_descendant_of(descendant, ancestor)
                .unwrap_or(false)
    }

    /// Checks out `oid` (detached) and says which project files changed since the commit
    /// checked out before (`Changes::Unknown` the first time).
    pub fn check_out(&mut self, oid: Oid) -> Result<Changes, CheckoutError> {
        let new_tree = self.repo.find_commit(oid)?.tree()?;
        let changes = match self.checked_out {
            Some(old) if old == oid => Changes::Paths(Vec::new()),
            Some(old) => {
                let old_tree = self.repo.find_commit(old)?.tree()?;
                let diff = self
                    .repo
                    .diff_tree_to_tree(Some(&old_tree), Some(&new_tree), None)?;
                let workdir = self.workdir().to_path_buf();
                let mut paths = Vec::new();
                for delta in diff.deltas() {
                    for file in [delta.old_file(), delta.new_file()] {
                        if let Some(path) = file.path().filter(|p| p.starts_with(&self.prefix)) {
                            paths.push(workdir.join(path));
                        }
                    }
                }
                paths.sort();
                paths.dedup();
                Changes::Paths(paths)
            }
            None => Changes::Unknown,
        };
        self.repo.set_head_detached(oid)?;
        // Force: the work tree becomes the commit, whatever an interrupted checkout left.
        self.repo
            .checkout_head(Some(CheckoutBuilder::new().force().remove_untracked(true)))?;
        self.checked_out = Some(oid);
        Ok(changes)
    }

    /// Forgets which commit is checked out: the next checkout reports unknown changes.
    pub fn forget(&mut self) {
        self.checked_out = None;
    }

    fn remote_url(&self) -> String {
        self.repo
            .find_remote("origin")
            .ok()
            .and_then(|r| r.url().map(str::to_owned))
            .unwrap_or_default()
    }
}

fn not_a_repo(path: &Path) -> CheckoutError {
    CheckoutError::NotARepository {
        path: path.display().to_string(),
    }
}
