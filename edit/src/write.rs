//! The two writes, run on a blocking thread under the edit lock: update one item's file, create
//! one file. Each holds the cache's load lock from its check of the disk to the install of the
//! snapshot it validated, so no read can install an older one in between.

use std::sync::Arc;
use std::time::Instant;

use tracebook_model::{Project, is_valid_id, render_item};

use super::cache::{Checked, Loader};
use super::change::{self, NewItem, Patch};
use super::error::EditError;
use super::etag::ETag;
use super::recovery::Marker;
use super::snapshot::Snapshot;
use super::{Author, Commit, Inner, paths};

impl Inner {
    pub(super) fn update(
        &self,
        id: &str,
        patch: &Patch,
        if_match: &ETag,
        author: &Author,
    ) -> Result<Commit, EditError> {
        let loader = self.cache.lock();
        let checked = loader.checked_since(Some(Instant::now()))?;
        let snapshot = &checked.snapshot;
        let item = snapshot
            .project()
            .item(id)
            .ok_or_else(|| EditError::NotFound(id.to_owned()))?;
        let file = item.source.file.to_string();
        let path = paths::content_file(&self.root, &file)?;
        // The ETag is checked against the bytes on disk now, never against a cached copy, and
        // the edit is applied to those same bytes.
        let old = std::fs::read(&path).map_err(EditError::io("reading", &path))?;
        let etag = ETag::compute(id, &old);
        if etag != *if_match {
            return Err(EditError::Stale { current: etag });
        }
        if snapshot.bytes(&file) != Some(old.as_slice()) {
            // Written by someone else between the check and the read just now.
            return Err(EditError::Conflict(format!(
                "{file} is being changed on disk; try again"
            )));
        }
        let old_text = std::str::from_utf8(&old)
            .map_err(|_| EditError::BadRequest(format!("{file} is not UTF-8")))?;
        let text = tracebook_model::edit_item(&file, old_text, id, &patch.to_edit()?)
            .map_err(|err| EditError::BadRequest(err.to_string()))?;
        let repo = self.target.repo()?;
        if text == old_text {
            let head = repo.refname_to_id(&format!("refs/heads/{}", self.target.branch))?;
            return Ok(Commit {
                id: head.to_string(),
                etag,
            });
        }
        let after = snapshot.with_file(&file, text.clone().into_bytes());
        validate(snapshot, &after)?;
        self.target.ensure_clean(&repo, &file)?;
        let marker = Marker::set(&self.target, &file, text.as_bytes())?;
        if let Err(err) = paths::replace_file(&path, text.as_bytes()) {
            marker.clear();
            return Err(err);
        }
        let message = format!("Edit {id}: {}", patch_summary(patch));
        match self
            .target
            .commit(&repo, &file, text.as_bytes(), author, &message)
        {
            Ok(commit) => {
                marker.clear();
                install(&loader, &checked, after);
                Ok(Commit {
                    id: commit.to_string(),
                    etag: ETag::compute(id, text.as_bytes()),
                })
            }
            Err(err) => {
                match paths::replace_file(&path, &old) {
                    Ok(()) => marker.clear(),
                    // The marker stays: the next start restores the file.
                    Err(restore) => tracing::error!(
                        %restore,
                        file,
                        "the commit failed and the file was not restored"
                    ),
                }
                Err(err)
            }
        }
    }

    pub(super) fn create(
        &self,
        new: &NewItem,
        author: &Author,
    ) -> Result<(String, Commit), EditError> {
        let loader = self.cache.lock();
        let checked = loader.checked_since(Some(Instant::now()))?;
        let snapshot = &checked.snapshot;
        let project = snapshot.project();
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
            change::check_field_name(name)?;
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
        let after = snapshot.with_file(&file, text.clone().into_bytes());
        validate(snapshot, &after)?;
        std::fs::create_dir_all(&folder).map_err(EditError::io("creating", &folder))?;
        let path = paths::content_file(&self.root, &file)?;
        let repo = self.target.repo()?;
        self.target.ensure_clean(&repo, &file)?;
        let marker = Marker::set(&self.target, &file, text.as_bytes())?;
        if let Err(err) = paths::create_file(&path, text.as_bytes()) {
            marker.clear();
            return Err(err);
        }
        let message = format!("Create {id}: {}", new.title);
        match self
            .target
            .commit(&repo, &file, text.as_bytes(), author, &message)
        {
            Ok(commit) => {
                marker.clear();
                install(&loader, &checked, after);
                let etag = ETag::compute(&id, text.as_bytes());
                let commit = Commit {
                    id: commit.to_string(),
                    etag,
                };
                Ok((id, commit))
            }
            Err(err) => {
                if std::fs::remove_file(&path).is_ok() {
                    marker.clear();
                }
                Err(err)
            }
        }
    }
}

/// Makes the validated snapshot the cache's: it is `checked` with one file replaced by what was
/// just written, so it is as fresh as `checked` (the written file is compared by content on the
/// next check, as its stamp is unknown).
fn install(loader: &Loader<'_>, checked: &Checked, after: Snapshot) {
    loader.install(Checked {
        snapshot: Arc::new(after),
        at: checked.at,
    });
}

/// Refuses an edit that adds errors to the project.
fn validate(before: &Snapshot, after: &Snapshot) -> Result<(), EditError> {
    let added = before.added_errors(after);
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
