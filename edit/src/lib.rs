//! The edit engine behind the write API: read an item with its ETag, update it, create one,
//! mark one obsolete; every write is validated against the whole project and committed with
//! git2. No HTTP here: the routes (with authentication) map [`EditError`] to status codes.
//!
//! Reads come from a cache of the last parsed project (`cache.rs` states when it is valid), so
//! a read costs a couple of `stat`s, not a parse of the project. Writes are serialized by one
//! async lock per [`Editor`]; under it each write checks the cache against the disk, re-reads
//! the target file and checks the ETag against those bytes, validates, writes the file
//! atomically and commits, all inside `spawn_blocking` (file system and git2 are blocking). Ids
//! never become paths: the file comes from the loaded project, and every path written is
//! checked to be inside `ROOT/content`.

mod cache;
mod change;
mod error;
mod etag;
mod git;
mod paths;
mod recovery;
mod snapshot;
mod stamp;
mod write;

pub use change::{LinkTarget, NewItem, Patch};
pub use error::EditError;
pub use etag::ETag;
pub use snapshot::Snapshot;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tracebook_model::{Item, is_valid_id};

use cache::{Cache, READ_MAX_AGE, ago};
use stamp::{CheckTime, Clock};

/// The file in the git directory whose mtime tells the read cache the file system's time.
const CLOCK_MARKER: &str = "tracebook-clock";

/// The person an edit is committed for (the git author).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    /// Display name.
    pub name: String,
    /// Email address.
    pub email: String,
}

/// A commit an edit made, and the edited item's ETag after it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Commit {
    /// Full hex id.
    pub id: String,
    /// The item's ETag once the commit is made.
    pub etag: ETag,
}

/// Edits the items of one project inside a git work tree.
pub struct Editor {
    inner: Arc<Inner>,
    /// One writer at a time: the ETag check, validation, write and commit are one step.
    lock: tokio::sync::Mutex<()>,
}

struct Inner {
    root: PathBuf,
    target: git::Target,
    cache: Cache,
}

impl Editor {
    /// An editor for the project at `root`, committing on `branch` (default: the branch HEAD
    /// names, which must be the one checked out). An edit that a crash cut short between
    /// writing its file and committing it is undone first (`recovery.rs`).
    pub fn open(root: &Path, branch: Option<&str>) -> Result<Editor, EditError> {
        let target = git::Target::open(root, branch)?;
        recovery::recover(root, &target)?;
        let clock = Clock::with_marker(target.git_dir.join(CLOCK_MARKER), root);
        Ok(Editor {
            inner: Arc::new(Inner {
                root: root.to_path_buf(),
                target,
                cache: Cache::new(root.to_path_buf(), clock),
            }),
            lock: tokio::sync::Mutex::new(()),
        })
    }

    /// The branch edits are committed on.
    pub fn branch(&self) -> &str {
        &self.inner.target.branch
    }

    /// The item with `id` as it is on disk, and its ETag.
    pub async fn item(&self, id: &str) -> Result<(Item, ETag), EditError> {
        let id = checked_id(id)?;
        self.run(false, move |inner| inner.cache.for_item(&id)?.item(&id))
            .await
    }

    /// The whole project, as checked against the disk at most a quarter of a second ago (for
    /// listings; see `cache.rs`).
    pub async fn snapshot(&self) -> Result<Arc<Snapshot>, EditError> {
        self.run(false, |inner| {
            Ok(inner.cache.checked_since(ago(READ_MAX_AGE))?.snapshot)
        })
        .await
    }

    /// Applies `patch` to item `id` when `if_match` is its current ETag, and commits the file.
    /// A patch that changes nothing commits nothing and returns the branch's current commit.
    pub async fn update(
        &self,
        id: &str,
        patch: Patch,
        if_match: &ETag,
        author: Author,
    ) -> Result<Commit, EditError> {
        let id = checked_id(id)?;
        let if_match = if_match.clone();
        self.run(true, move |inner| {
            inner.update(&id, &patch, &if_match, &author)
        })
        .await
    }

    /// Marks item `id` obsolete. There is deliberately no delete: baselines, history and other
    /// items' links must keep resolving the id, and the traceability record must show that the
    /// item existed and was retired, by whom and when (the commit); `obsolete` items are exempt
    /// from coverage rules.
    pub async fn obsolete(
        &self,
        id: &str,
        if_match: &ETag,
        author: Author,
    ) -> Result<Commit, EditError> {
        let patch = Patch {
            status: Some(tracebook_model::EXEMPT_STATUS.to_owned()),
            ..Patch::default()
        };
        self.update(id, patch, if_match, author).await
    }

    /// Creates an item of `new.kind` with the next free id of the kind's prefix (highest
    /// numeric suffix + 1, zero-padded to the widest suffix in use, three digits for the first),
    /// written to `content/<kind>/<ID>.md`.
    pub async fn create(
        &self,
        new: NewItem,
        author: Author,
    ) -> Result<(String, Commit), EditError> {
        self.run(true, move |inner| inner.create(&new, &author))
            .await
    }

    /// Runs `work` on a blocking thread, under the write lock when `write`.
    async fn run<T: Send + 'static>(
        &self,
        write: bool,
        work: impl FnOnce(&Inner) -> Result<T, EditError> + Send + 'static,
    ) -> Result<T, EditError> {
        let _guard = if write {
            Some(self.lock.lock().await)
        } else {
            None
        };
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || work(&inner))
            .await
            .map_err(|err| EditError::Task(err.to_string()))?
    }
}

impl Snapshot {
    /// Reads every file of the project at `root`, with no cache (a one-off read).
    pub fn read(root: &Path) -> Result<Snapshot, EditError> {
        Snapshot::load(root, None, CheckTime::system())
    }

    /// Item `id`, and its ETag.
    pub fn item(&self, id: &str) -> Result<(Item, ETag), EditError> {
        let id = checked_id(id)?;
        let (item, etag) = find(self, &id)?;
        Ok((item.clone(), etag))
    }
}

/// Ids are checked before anything else: they never reach a path, but a bad one is a bad
/// request rather than a miss.
fn checked_id(id: &str) -> Result<String, EditError> {
    if is_valid_id(id) {
        Ok(id.to_owned())
    } else {
        Err(EditError::BadRequest(format!(
            "`{id}` is not a valid item id"
        )))
    }
}

fn find<'s>(snapshot: &'s Snapshot, id: &str) -> Result<(&'s Item, ETag), EditError> {
    let item = snapshot
        .project()
        .item(id)
        .ok_or_else(|| EditError::NotFound(id.to_owned()))?;
    let bytes = snapshot.bytes(&item.source.file).unwrap_or_default();
    Ok((item, ETag::compute(id, bytes)))
}
