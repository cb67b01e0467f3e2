//! The edit engine behind the write API: read an item with its ETag, update it, create one,
//! mark one obsolete; every write is validated against the whole project and committed with
//! git2. No HTTP here: the routes (with authentication) map [`EditError`] to status codes.
//!
//! Writes are serialized by one async lock per [`Editor`]; under it each write re-reads the
//! project, checks the ETag, validates, writes the file atomically and commits, all inside
//! `spawn_blocking` (file system and git2 are blocking). Ids never become paths: the file comes
//! from the loaded project, and every path written is checked to be inside `ROOT/content`.

mod error;
mod etag;
mod git;
mod paths;
mod snapshot;
mod view;

pub use error::EditError;
pub use etag::ETag;
pub use view::{ItemView, NewItem, Patch};

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tracebook_model::{Item, Project, is_valid_id, render_item};

use snapshot::Snapshot;

/// The person an edit is committed for (the git author).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    /// Display name.
    pub name: String,
    /// Email address.
    pub email: String,
}

/// A commit an edit made.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Commit {
    /// Full hex id.
    pub id: String,
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
}

impl Editor {
    /// An editor for the project at `root`, committing on `branch` (default: the branch HEAD
    /// names, which must be the one checked out).
    pub fn open(root: &Path, branch: Option<&str>) -> Result<Editor, EditError> {
        let target = git::Target::open(root, branch)?;
        Ok(Editor {
            inner: Arc::new(Inner {
                root: root.to_path_buf(),
                target,
            }),
            lock: tokio::sync::Mutex::new(()),
        })
    }

    /// The branch edits are committed on.
    pub fn branch(&self) -> &str {
        &self.inner.target.branch
    }

    /// The item with `id` as it is on disk, and its ETag.
    pub async fn item(&self, id: &str) -> Result<(ItemView, ETag), EditError> {
        let id = checked_id(id)?;
        self.run(false, move |inner| {
            let snapshot = Snapshot::read(&inner.root)?;
            let (item, etag) = find(&snapshot, &id)?;
            Ok((ItemView::from(item), etag))
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

impl Inner {
    fn update(
        &self,
        id: &str,
        patch: &Patch,
        if_match: &ETag,
        author: &Author,
    ) -> Result<Commit, EditError> {
        let snapshot = Snapshot::read(&self.root)?;
        let (item, etag) = find(&snapshot, id)?;
        if etag != *if_match {
            return Err(EditError::Stale { current: etag });
        }
        let file = item.source.file.to_string();
        let old = snapshot.bytes(&file).unwrap_or_default();
        let old_text = std::str::from_utf8(old)
            .map_err(|_| EditError::BadRequest(format!("{file} is not UTF-8")))?;
        let text = tracebook_model::edit_item(&file, old_text, id, &patch.to_edit()?)
            .map_err(|err| EditError::BadRequest(err.to_string()))?;
        let repo = self.target.repo()?;
        if text == old_text {
            let head = repo.refname_to_id(&format!("refs/heads/{}", self.target.branch))?;
            return Ok(Commit {
                id: head.to_string(),
            });
        }
        validate(&snapshot, &file, &text)?;
        let path = paths::content_file(&self.root, &file)?;
        self.target.ensure_clean(&repo, &file)?;
        paths::replace_file(&path, text.as_bytes())?;
        let message = format!("Edit {id}: {}", patch_summary(patch));
        match self
            .target
            .commit(&repo, &file, text.as_bytes(), author, &message)
        {
            Ok(commit) => Ok(Commit {
                id: commit.to_string(),
            }),
            Err(err) => {
                if let Err(restore) = paths::replace_file(&path, old) {
                    tracing::error!(%restore, file, "the commit failed and the file was not restored");
                }
                Err(err)
            }
        }
    }

    fn create(&self, new: &NewItem, author: &Author) -> Result<(String, Commit), EditError> {
        let snapshot = Snapshot::read(&self.root)?;
        let project = &snapshot.project;
        let kind = project
            .config
            .kind(&new.kind)
            .ok_or_else(|| EditError::BadRequest(format!("unknown kind `{}`", new.kind)))?;
        // The kind names a folder: it must be a single plain path component.
        if !is_valid_id(&kind.name) {
            return Err(EditError::BadRequest(format!(
                "kind `{}` cannot name a folder",
                kind.name
            )));
        }
        let prefix = kind.prefix.as_deref().ok_or_else(|| {
            EditError::BadRequest(format!("kind `{}` has no id prefix", kind.name))
        })?;
        for (name, _) in &new.fields {
            view::check_field_name(name)?;
        }
        let folder = self.root.join("content").join(&kind.name);
        let id = next_id(project, prefix, |id| {
            folder.join(format!("{id}.md")).exists()
        });
        if !is_valid_id(&id) {
            return Err(EditError::BadRequest(format!("`{id}` is not a valid id")));
        }
        let file = format!("content/{}/{id}.md", kind.name);
        let text = render_item(&kind.name, &id, &new.title, &new.fields, &new.body)
            .map_err(|err| EditError::BadRequest(err.to_string()))?;
        validate(&snapshot, &file, &text)?;
        std::fs::create_dir_all(&folder).map_err(EditError::io("creating", &folder))?;
        let path = paths::content_file(&self.root, &file)?;
        let repo = self.target.repo()?;
        self.target.ensure_clean(&repo, &file)?;
        paths::create_file(&path, text.as_bytes())?;
        let message = format!("Create {id}: {}", new.title);
        match self
            .target
            .commit(&repo, &file, text.as_bytes(), author, &message)
        {
            Ok(commit) => Ok((
                id,
                Commit {
                    id: commit.to_string(),
                },
            )),
            Err(err) => {
                let _ = std::fs::remove_file(&path);
                Err(err)
            }
        }
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
        .project
        .item(id)
        .ok_or_else(|| EditError::NotFound(id.to_owned()))?;
    let bytes = snapshot.bytes(&item.source.file).unwrap_or_default();
    Ok((item, ETag::compute(id, bytes)))
}

/// Refuses an edit that adds errors to the project.
fn validate(snapshot: &Snapshot, file: &str, text: &str) -> Result<(), EditError> {
    let added = snapshot.added_errors(file, text);
    if added.is_empty() {
        Ok(())
    } else {
        Err(EditError::Invalid(added))
    }
}

/// The next id of `prefix`: the highest `PREFIX-<digits>` in the project + 1, as wide as the
/// widest such suffix (at least 3 digits), skipping ids whose file already exists.
fn next_id(project: &Project, prefix: &str, taken: impl Fn(&str) -> bool) -> String {
    let head = format!("{prefix}-");
    let numbers = project.items.iter().filter_map(|item| {
        let digits = item.id.strip_prefix(&head)?;
        let n: u64 = digits.parse().ok()?;
        digits
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then_some((n, digits.len()))
    });
    let (max, width) = numbers.fold((0, 3), |(max, width), (n, w)| (max.max(n), width.max(w)));
    let mut n = max + 1;
    loop {
        let id = format!("{head}{n:0width$}");
        if !taken(&id) && project.item(&id).is_none() {
            return id;
        }
        n += 1;
    }
}

/// The commit subject's tail: what the patch touched.
fn patch_summary(patch: &Patch) -> String {
    let mut parts: Vec<&str> = Vec::new();
    let named = [
        ("title", patch.title.is_some()),
        ("status", patch.status.is_some()),
        ("tags", patch.tags.is_some()),
        ("links", patch.links.is_some()),
        ("body", patch.body.is_some()),
    ];
    parts.extend(named.iter().filter(|(_, on)| *on).map(|(name, _)| *name));
    parts.extend(patch.fields.keys().map(String::as_str));
    parts.join(", ")
}
