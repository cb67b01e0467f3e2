//! Committing one file with git2 on the branch checked out in the project's work tree.

use std::path::{Path, PathBuf};

use git2::{ErrorCode, FileMode, Oid, Repository, Signature, Status};

use super::Author;
use super::error::EditError;

/// Who commits: the server, on behalf of the author.
const COMMITTER: (&str, &str) = ("tracebook", "tracebook@localhost");
/// Longest commit subject, in characters; a longer one is cut with `…`.
const MAX_SUBJECT: usize = 200;

/// The repository and branch edits go to.
pub(super) struct Target {
    /// The work tree's folder (canonical).
    workdir: PathBuf,
    /// The project root relative to the work tree, `/`-separated with a trailing `/`.
    prefix: String,
    /// The branch name (`main`), always the one checked out.
    pub(super) branch: String,
    /// The repository's git directory (`.git`).
    pub(super) git_dir: PathBuf,
}

impl Target {
    /// The repository around `root`, which must have `branch` checked out (default: whatever
    /// HEAD names). Editing another branch than the checked-out one would write files in the
    /// work tree that its HEAD does not have, so that is refused rather than emulated.
    pub(super) fn open(root: &Path, branch: Option<&str>) -> Result<Target, EditError> {
        let repo = Repository::discover(root).map_err(|err| match err.code() {
            ErrorCode::NotFound => {
                EditError::Conflict("the project is not in a git work tree".to_owned())
            }
            _ => EditError::Git(err),
        })?;
        let workdir = repo
            .workdir()
            .ok_or_else(|| EditError::Conflict("the repository has no work tree".to_owned()))?;
        let workdir = workdir
            .canonicalize()
            .map_err(EditError::io("resolving", workdir))?;
        let root = root
            .canonicalize()
            .map_err(EditError::io("resolving", root))?;
        let rel = root
            .strip_prefix(&workdir)
            .map_err(|_| EditError::Conflict("the project is outside the work tree".to_owned()))?;
        let prefix = rel
            .components()
            .map(|c| format!("{}/", c.as_os_str().to_string_lossy()))
            .collect();
        let current = checked_out(&repo)?;
        if let Some(wanted) = branch
            && wanted != current
        {
            return Err(EditError::Conflict(format!(
                "edits go to branch {wanted}, but the work tree has {current} checked out"
            )));
        }
        Ok(Target {
            workdir,
            prefix,
            branch: current,
            git_dir: repo.path().to_path_buf(),
        })
    }

    /// Opens the repository (one handle per edit: `Repository` is not `Sync`).
    pub(super) fn repo(&self) -> Result<Repository, EditError> {
        let repo = Repository::open(&self.workdir)?;
        let current = checked_out(&repo)?;
        if current != self.branch {
            return Err(EditError::Conflict(format!(
                "the work tree switched to branch {current}; edits go to {}",
                self.branch
            )));
        }
        Ok(repo)
    }

    /// Refuses when `rel` (project-relative) differs in the index or work tree from HEAD, so an
    /// edit never commits someone's unfinished work or silently overwrites it.
    pub(super) fn ensure_clean(&self, repo: &Repository, rel: &str) -> Result<(), EditError> {
        let path = format!("{}{rel}", self.prefix);
        match repo.status_file(Path::new(&path)) {
            Ok(status) if status == Status::CURRENT => Ok(()),
            Ok(_) => Err(EditError::Conflict(format!(
                "{rel} has uncommitted changes in the work tree or index"
            ))),
            // Neither in HEAD, the index nor the work tree: a new file.
            Err(err) if err.code() == ErrorCode::NotFound => Ok(()),
            Err(err) => Err(err.into()),
        }
    }

    /// The bytes of project file `rel` at the branch's tip; `None` when it has no such file.
    pub(super) fn committed(
        &self,
        repo: &Repository,
        rel: &str,
    ) -> Result<Option<Vec<u8>>, EditError> {
        let path = format!("{}{rel}", self.prefix);
        let refname = format!("refs/heads/{}", self.branch);
        let tree = match repo.find_reference(&refname) {
            Ok(reference) => reference.peel_to_commit()?.tree()?,
            Err(err) if err.code() == ErrorCode::NotFound => return Ok(None),
            Err(err) => return Err(err.into()),
        };
        match tree.get_path(Path::new(&path)) {
            Ok(entry) => Ok(repo
                .find_blob(entry.id())
                .ok()
                .map(|blob| blob.content().to_vec())),
            Err(err) if err.code() == ErrorCode::NotFound => Ok(None),
            Err(err) => Err(err.into()),
        }
    }

    /// Commits `bytes` as `rel` on top of the branch: only that path changes, whatever else is
    /// staged. Then the index entry of `rel` alone is refreshed from the work tree. `message`
    /// becomes one subject line (see [`subject_line`]), whatever user text it holds.
    pub(super) fn commit(
        &self,
        repo: &Repository,
        rel: &str,
        bytes: &[u8],
        author: &Author,
        message: &str,
    ) -> Result<Oid, EditError> {
        let path = format!("{}{rel}", self.prefix);
        let refname = format!("refs/heads/{}", self.branch);
        let parent = match repo.find_reference(&refname) {
            Ok(reference) => Some(reference.peel_to_commit()?),
            Err(err) if err.code() == ErrorCode::NotFound => None,
            Err(err) => return Err(err.into()),
        };
        let base = match &parent {
            Some(commit) => commit.tree()?,
            None => repo.find_tree(repo.treebuilder(None)?.write()?)?,
        };
        let mode = match base.get_path(Path::new(&path)) {
            Ok(entry) if entry.filemode() == i32::from(FileMode::BlobExecutable) => {
                FileMode::BlobExecutable
            }
            _ => FileMode::Blob,
        };
        let blob = repo.blob(bytes)?;
        let tree = git2::build::TreeUpdateBuilder::new()
            .upsert(&path, blob, mode)
            .create_updated(repo, &base)?;
        let tree = repo.find_tree(tree)?;
        let author = Signature::now(&author.name, &author.email)?;
        let committer = Signature::now(COMMITTER.0, COMMITTER.1)?;
        let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
        // libgit2 refuses to move the ref when its tip is no longer `parents[0]`, so a commit
        // made meanwhile by anyone else fails this one instead of being overwritten.
        let id = repo.commit(
            Some(&refname),
            &author,
            &committer,
            &subject_line(message),
            &tree,
            &parents,
        )?;
        let mut index = repo.index()?;
        let staged = index
            .add_path(Path::new(&path))
            .and_then(|()| index.write());
        if let Err(err) = staged {
            // The commit is made; only `git status` is confused until the next `git add`.
            tracing::warn!(%err, file = rel, "committed, but the index entry was not refreshed");
        }
        Ok(id)
    }
}

/// `message` as a single subject line: every line break and other control character (and
/// Unicode line and paragraph separators) becomes a space, runs of spaces one, at most
/// [`MAX_SUBJECT`] characters. User text (titles, field names) is only ever in the subject, so
/// it cannot start a body or add trailers such as `Signed-off-by:` (git reads trailers only
/// from the last paragraph after the subject).
pub(super) fn subject_line(message: &str) -> String {
    let spaced: String = message
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{85}') {
                ' '
            } else {
                c
            }
        })
        .collect();
    let line = spaced.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= MAX_SUBJECT {
        return line;
    }
    let mut cut: String = line.chars().take(MAX_SUBJECT - 1).collect();
    cut.push('…');
    cut
}

/// The branch HEAD names (also when it has no commit yet).
fn checked_out(repo: &Repository) -> Result<String, EditError> {
    let head = repo.find_reference("HEAD")?;
    head.symbolic_target()
        .and_then(|target| target.strip_prefix("refs/heads/"))
        .map(str::to_owned)
        .ok_or_else(|| EditError::Conflict("HEAD is detached; check out a branch".to_owned()))
}

#[cfg(test)]
mod tests {
    use super::subject_line;

    #[test]
    fn a_message_becomes_one_line_without_trailers() {
        let forged = "Create STK-004: Quiet\n\nSigned-off-by: Mallory <m@example.com>\r\nCo-authored-by: Eve <e@example.com>\u{2028}x\u{0}y";
        let line = subject_line(forged);
        assert_eq!(
            line,
            "Create STK-004: Quiet Signed-off-by: Mallory <m@example.com> Co-authored-by: Eve <e@example.com> x y"
        );
        let trailers = git2::message_trailers_strs(&line).expect("trailers");
        assert_eq!(trailers.len(), 0);
        let long = subject_line(&"x".repeat(500));
        assert_eq!(long.chars().count(), super::MAX_SUBJECT);
    }
}
