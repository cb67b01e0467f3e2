//! Reading the project's git history with git2 (never by running `git`): the model at any ref,
//! the history of every item from one walk over the log, and baseline refs checked.
//!
//! A project may live in a sub-folder of its repository; every path here is relative to the
//! project root, as in the model.

mod cache;
mod head;
mod history;
mod snapshot;
mod steps_cache;

pub use head::{Head, head_label};
pub use history::{History, ItemEvent, ItemEventKind};
pub use snapshot::check_baseline_refs;

use std::path::{Path, PathBuf};

use git2::{ErrorCode, Oid, Repository, Tree};
use serde::Serialize;

use cache::ParseCache;

/// One commit, as pages and reports show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommitInfo {
    /// Full hex id.
    pub id: String,
    /// First 8 hex digits.
    pub short: String,
    /// Author name.
    pub author: String,
    /// Author time, seconds since the epoch (UTC).
    pub time: i64,
    /// Author date as YYYY-MM-DD (UTC).
    pub date: String,
    /// First line of the message.
    pub subject: String,
}

impl CommitInfo {
    /// The commit as pages show it.
    pub fn of(commit: &git2::Commit<'_>) -> CommitInfo {
        let id = commit.id().to_string();
        let author = commit.author();
        let time = author.when().seconds();
        CommitInfo {
            short: id[..8].to_owned(),
            id,
            author: String::from_utf8_lossy(author.name_bytes()).into_owned(),
            time,
            date: utc_date(time),
            subject: String::from_utf8_lossy(commit.summary_bytes().unwrap_or_default())
                .into_owned(),
        }
    }
}

/// What can go wrong reading git.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// A tag, branch or commit name that does not resolve to a commit.
    #[error("`{spec}` is not a tag, branch or commit of the repository at {repo}")]
    UnknownRef {
        /// What was asked for.
        spec: String,
        /// The repository's folder.
        repo: String,
    },
    /// Anything else libgit2 reports.
    #[error("git: {0}")]
    Git(#[from] git2::Error),
}

/// The repository holding a project, opened once; loads at several refs share a cache of
/// parsed files keyed by blob id, so unchanged files are parsed once per process.
pub struct Repo {
    repo: Repository,
    workdir: PathBuf,
    /// The project root relative to the work tree, with `/` and a trailing `/` (empty at the top).
    prefix: String,
    cache: ParseCache,
}

impl Repo {
    /// Opens the repository containing `root`; `None` when `root` is not inside one.
    pub fn discover(root: &Path) -> Result<Option<Repo>, GitError> {
        // libgit2 re-hashes every object it reads by default; `git` itself does not, and a
        // history walk reads tens of thousands of trees (SHA-1 was ~10% of a 10k-item build).
        // We only read, and a corrupt object still fails to parse.
        git2::opts::strict_hash_verification(false);
        let repo = match Repository::discover(root) {
            Ok(repo) => repo,
            Err(err) if err.code() == ErrorCode::NotFound => return Ok(None),
            Err(err) => return Err(err.into()),
        };
        // A bare repository has no work tree for the project to live in.
        let Some(workdir) = repo.workdir() else {
            return Ok(None);
        };
        // Canonical on both sides, so that symlinked temp folders and `..` do not hide the prefix.
        let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
        let workdir = canonical(workdir);
        let Ok(rel) = canonical(root)
            .strip_prefix(&workdir)
            .map(Path::to_path_buf)
        else {
            return Ok(None);
        };
        let prefix: String = rel
            .components()
            .map(|c| format!("{}/", c.as_os_str().to_string_lossy()))
            .collect();
        Ok(Some(Repo {
            repo,
            workdir,
            prefix,
            cache: ParseCache::default(),
        }))
    }

    /// Resolves a tag, branch, commit id or any revision git understands (`HEAD~3`) to a commit.
    pub fn resolve(&self, spec: &str) -> Result<CommitInfo, GitError> {
        self.repo
            .revparse_single(spec)
            .and_then(|object| object.peel_to_commit())
            .map(|commit| CommitInfo::of(&commit))
            .map_err(|_| GitError::UnknownRef {
                spec: spec.to_owned(),
                repo: self.workdir.display().to_string(),
            })
    }

    /// The project as it is in `commit` (the work tree is not touched or read).
    pub fn project_at(&self, commit: &CommitInfo) -> Result<tracebook_model::Project, GitError> {
        let tree = self.repo.find_commit(Oid::from_str(&commit.id)?)?.tree()?;
        snapshot::project_in_tree(self, &tree)
    }

    /// The history of every item reachable from HEAD, from one walk over the log.
    pub fn history(&self) -> Result<History, GitError> {
        history::history(self)
    }

    /// The work tree's folder (canonical).
    pub fn workdir(&self) -> &Path {
        &self.workdir
    }

    /// The project root relative to the work tree: empty, or `/`-separated with a trailing `/`.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// How many content files this `Repo` has parsed so far (cache misses), for tests and logs.
    pub fn parsed_files(&self) -> usize {
        self.cache.parsed()
    }

    /// The tree of the project root inside a commit's tree; `None` when it did not exist yet.
    fn project_tree<'r>(&'r self, tree: &Tree<'r>) -> Result<Option<Tree<'r>>, GitError> {
        if self.prefix.is_empty() {
            return Ok(Some(tree.clone()));
        }
        subtree(&self.repo, tree, self.prefix.trim_end_matches('/'))
    }
}

/// The tree at `path` below `tree`; `None` when absent or not a folder.
fn subtree<'r>(
    repo: &'r Repository,
    tree: &Tree<'r>,
    path: &str,
) -> Result<Option<Tree<'r>>, GitError> {
    match tree.get_path(Path::new(path)) {
        Ok(entry) => Ok(entry.to_object(repo)?.into_tree().ok()),
        Err(err) if err.code() == ErrorCode::NotFound => Ok(None),
        Err(err) => Err(err.into()),
    }
}

/// The blob id at `path` below `tree`, if it is a regular file.
fn blob_at(tree: &Tree<'_>, path: &str) -> Result<Option<Oid>, GitError> {
    match tree.get_path(Path::new(path)) {
        Ok(entry) if is_regular_blob(entry.filemode()) => Ok(Some(entry.id())),
        Ok(_) => Ok(None),
        Err(err) if err.code() == ErrorCode::NotFound => Ok(None),
        Err(err) => Err(err.into()),
    }
}

/// Regular files only: links are never followed (the loaders report each one instead), and
/// submodules are not content.
fn is_regular_blob(mode: i32) -> bool {
    mode == i32::from(git2::FileMode::Blob) || mode == i32::from(git2::FileMode::BlobExecutable)
}

/// Seconds since the epoch as a UTC calendar date, YYYY-MM-DD (proleptic Gregorian), using
/// Howard Hinnant's `civil_from_days`; a date crate for one line of output is not worth it.
pub fn utc_date(seconds: i64) -> String {
    let z = seconds.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::utc_date;

    #[test]
    fn formats_utc_dates() {
        assert_eq!(utc_date(0), "1970-01-01");
        assert_eq!(utc_date(86_399), "1970-01-01");
        assert_eq!(utc_date(951_782_400), "2000-02-29");
        assert_eq!(utc_date(1_798_761_599), "2026-12-31");
        assert_eq!(utc_date(-1), "1969-12-31");
    }
}
