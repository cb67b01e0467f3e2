//! Reading a project from disk, once: the input cache of `incremental/inputs.rs` (which
//! long-lived builders keep) read in full and handed to the model.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tracebook_model::Project;

use crate::error::{Error, Result};
use crate::incremental::{Changes, InputCache};

/// Loads and checks the project rooted at `root` (the folder holding `tracebook.yaml`).
/// Content files are read and parsed in parallel. I/O failures are errors; content problems
/// are in `Project::diagnostics`.
pub fn load(root: &Path) -> Result<Project> {
    let mut inputs = InputCache::default();
    inputs.refresh(root, &Changes::Unknown)?;
    Ok(inputs.into_project(root))
}

/// What is under a folder of the project: regular files, and the symbolic links that were not
/// followed.
#[derive(Default)]
pub(crate) struct Listing {
    /// Files whose root-relative path (with `/`) passes the filter, sorted.
    pub(crate) files: Vec<(Arc<str>, PathBuf)>,
    /// Every link met, root-relative, sorted; nothing below one is listed.
    pub(crate) links: Vec<Arc<str>>,
}

/// Files under `root/dir` whose root-relative path (with `/`) passes `keep`, and the links found
/// there. Links are never followed (`dir` itself included): one could bring any file the
/// process can read into the site.
pub(crate) fn list_files(root: &Path, dir: &str, keep: fn(&str) -> bool) -> Result<Listing> {
    let top = root.join(dir);
    let mut listing = Listing::default();
    match std::fs::symlink_metadata(&top) {
        Ok(meta) if meta.file_type().is_symlink() => {
            listing.links.push(Arc::from(dir));
            return Ok(listing);
        }
        Ok(meta) if meta.is_dir() => {}
        _ => return Ok(listing),
    }
    for entry in walkdir::WalkDir::new(&top).sort_by_file_name() {
        let entry = entry.map_err(|err| {
            let path = err.path().map_or_else(|| top.clone(), Path::to_path_buf);
            Error::Io {
                action: "listing",
                path,
                source: err.into(),
            }
        })?;
        let is_link = entry.path_is_symlink();
        if !is_link && !entry.file_type().is_file() {
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(root) else {
            continue;
        };
        let rel: String = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        if is_link {
            listing.links.push(Arc::from(rel));
        } else if keep(&rel) {
            listing.files.push((Arc::from(rel), entry.into_path()));
        }
    }
    Ok(listing)
}
