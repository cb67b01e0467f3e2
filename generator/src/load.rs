//! Reading a project from disk: the only place the generator touches the content files.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use tracebook_model::{
    CONFIG_FILE, Config, Inputs, Project, is_baseline_file, is_content_file, missing_config,
    parse_file,
};

use crate::error::{Error, Result};

/// Loads and checks the project rooted at `root` (the folder holding `tracebook.yaml`).
/// Content files are read and parsed in parallel. I/O failures are errors; content problems
/// are in `Project::diagnostics`.
pub fn load(root: &Path) -> Result<Project> {
    let config_file: Arc<str> = Arc::from(CONFIG_FILE);
    let config_path = root.join(CONFIG_FILE);
    let mut inputs = Inputs::default();
    match std::fs::read(&config_path) {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            (inputs.config, inputs.config_diagnostics) = Config::parse(&config_file, &text);
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            inputs.config_diagnostics.push(missing_config(&config_file));
        }
        Err(err) => return Err(Error::io("reading", config_path)(err)),
    }
    let content = list_files(root, "content", is_content_file)?;
    let config = inputs.config.as_ref();
    inputs.files = content
        .par_iter()
        .map(|(rel, path)| {
            let bytes = std::fs::read(path).map_err(Error::io("reading", path))?;
            Ok(parse_file(rel, &bytes, config))
        })
        .collect::<Result<_>>()?;
    for (rel, path) in list_files(root, "baselines", is_baseline_file)? {
        let bytes = std::fs::read(&path).map_err(Error::io("reading", &path))?;
        inputs
            .baselines
            .push((rel, String::from_utf8_lossy(&bytes).into_owned()));
    }
    let mut project = Project::assemble(inputs);
    // Refs need git, which the model may not touch; checking them here makes check, build and
    // serve all report them.
    crate::git::check_baseline_refs(root, &mut project);
    Ok(project)
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
