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

/// Files under `root/dir` whose root-relative path (with `/`) passes `keep`, sorted.
pub(crate) fn list_files(
    root: &Path,
    dir: &str,
    keep: fn(&str) -> bool,
) -> Result<Vec<(Arc<str>, PathBuf)>> {
    let top = root.join(dir);
    if !top.is_dir() {
        return Ok(Vec::new());
    }
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(&top).sort_by_file_name() {
        let entry = entry.map_err(|err| {
            let path = err.path().map_or_else(|| top.clone(), Path::to_path_buf);
            Error::Io {
                action: "listing",
                path,
                source: err.into(),
            }
        })?;
        if !entry.file_type().is_file() {
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
        if keep(&rel) {
            files.push((Arc::from(rel), entry.into_path()));
        }
    }
    Ok(files)
}
