//! The project's parsed files, kept between builds so that a rebuild re-reads and re-parses
//! only the files that changed. The model and link graph are then assembled from the cached
//! files, which costs a fraction of parsing them (and keeps assembly in one place, the model).

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use tracebook_model::evidence::{ParsedResults, ResultInputs};
use tracebook_model::{
    CONFIG_FILE, Config, Diagnostic, Inputs, ParsedFile, Project, is_baseline_file,
    is_content_file, is_results_input, missing_config, parse_file, symlink_not_followed,
};

use crate::error::{Error, Result};
use crate::load::{Listing, list_files};

/// What changed since the last build.
#[derive(Debug, Clone)]
pub enum Changes {
    /// Not known: every file is read again (the first build, or a watcher that lost events).
    Unknown,
    /// These files or folders (absolute, or relative to the project root) were created,
    /// changed, renamed or removed; for a rename both names.
    Paths(Vec<PathBuf>),
}

/// Parsed files of one project.
#[derive(Default)]
pub(crate) struct InputCache {
    config: Option<Config>,
    config_diagnostics: Vec<Diagnostic>,
    files: BTreeMap<Arc<str>, ParsedFile>,
    baselines: BTreeMap<Arc<str>, String>,
    /// `results/**` files, parsed when read (JUnit files shared with each assembled project).
    results: BTreeMap<Arc<str>, ParsedResults>,
    /// Symbolic links under `content/`, `baselines/` and `results/`: not followed, each reported.
    links: BTreeMap<Arc<str>, ()>,
    is_loaded: bool,
    /// The content files read again or dropped since [`Self::take_reread`] was last called;
    /// `None`: all of them (a full reload).
    reread: Option<HashSet<Arc<str>>>,
}

impl InputCache {
    /// Brings the cache up to date with the files on disk; returns how many files were read.
    pub(crate) fn refresh(&mut self, root: &Path, changes: &Changes) -> Result<usize> {
        let paths = match changes {
            Changes::Paths(paths) if self.is_loaded => paths,
            _ => return self.reload(root),
        };
        let mut rels = Vec::with_capacity(paths.len());
        for path in paths {
            let rel = relative(root, path);
            // Every item is parsed against the schema: a new schema means parsing everything.
            if rel == CONFIG_FILE {
                return self.reload(root);
            }
            rels.push(rel);
        }
        let mut read = 0;
        for rel in rels {
            if rel == "content" || rel.starts_with("content/") {
                read += self.refresh_content(root, &rel)?;
            } else if rel == "baselines" || rel.starts_with("baselines/") {
                read += self.refresh_baselines(root, &rel)?;
            } else if rel == "results" || rel.starts_with("results/") {
                read += self.refresh_results(root, &rel)?;
            }
        }
        Ok(read)
    }

    /// The content files read again or dropped since the last call (`None`: all of them).
    pub(crate) fn take_reread(&mut self) -> Option<HashSet<Arc<str>>> {
        self.reread.replace(HashSet::new())
    }

    /// The project assembled from the cached files.
    pub(crate) fn project(&self, root: &Path) -> Project {
        let inputs = Inputs {
            config: self.config.clone(),
            config_diagnostics: self.config_diagnostics.clone(),
            files: self
                .files
                .values()
                .cloned()
                .chain(self.links.keys().map(symlink_not_followed))
                .collect(),
            baselines: self
                .baselines
                .iter()
                .map(|(rel, text)| (rel.clone(), text.clone()))
                .collect(),
            results: ResultInputs::from_parsed(self.results.values().cloned()),
        };
        assemble(root, inputs)
    }

    /// The project assembled from the files, without keeping them (one-off loads).
    pub(crate) fn into_project(self, root: &Path) -> Project {
        let inputs = Inputs {
            config: self.config,
            config_diagnostics: self.config_diagnostics,
            files: self
                .files
                .into_values()
                .chain(self.links.keys().map(symlink_not_followed))
                .collect(),
            baselines: self.baselines.into_iter().collect(),
            results: ResultInputs::from_parsed(self.results.into_values()),
        };
        assemble(root, inputs)
    }

    fn reload(&mut self, root: &Path) -> Result<usize> {
        let config_file: Arc<str> = Arc::from(CONFIG_FILE);
        let config_path = root.join(CONFIG_FILE);
        self.config = None;
        self.config_diagnostics.clear();
        match std::fs::read(&config_path) {
            Ok(bytes) => {
                let text = String::from_utf8_lossy(&bytes);
                (self.config, self.config_diagnostics) = Config::parse(&config_file, &text);
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                self.config_diagnostics.push(missing_config(&config_file));
            }
            Err(err) => return Err(Error::io("reading", config_path)(err)),
        }
        self.files.clear();
        self.baselines.clear();
        self.results.clear();
        self.links.clear();
        self.reread = None;
        let read = self.refresh_content(root, "content")?
            + self.refresh_baselines(root, "baselines")?
            + self.refresh_results(root, "results")?;
        self.is_loaded = true;
        Ok(read + 1)
    }

    /// Drops what the cache holds at or under `rel` and reads what is there now.
    fn refresh_content(&mut self, root: &Path, rel: &str) -> Result<usize> {
        let forgotten = forget_under(&mut self.files, rel);
        if let Some(reread) = &mut self.reread {
            reread.extend(forgotten);
        }
        let found = self.files_at(root, rel, is_content_file)?;
        let config = self.config.as_ref();
        let parsed: Vec<(Arc<str>, ParsedFile)> = found
            .par_iter()
            .map(|(rel, path)| {
                let bytes = std::fs::read(path).map_err(Error::io("reading", path))?;
                Ok((rel.clone(), parse_file(rel, &bytes, config)))
            })
            .collect::<Result<_>>()?;
        let read = parsed.len();
        if let Some(reread) = &mut self.reread {
            reread.extend(parsed.iter().map(|(rel, _)| rel.clone()));
        }
        self.files.extend(parsed);
        Ok(read)
    }

    fn refresh_baselines(&mut self, root: &Path, rel: &str) -> Result<usize> {
        forget_under(&mut self.baselines, rel);
        let found = self.files_at(root, rel, is_baseline_file)?;
        for (rel, path) in &found {
            let bytes = std::fs::read(path).map_err(Error::io("reading", path))?;
            self.baselines
                .insert(rel.clone(), String::from_utf8_lossy(&bytes).into_owned());
        }
        Ok(found.len())
    }
}

impl InputCache {
    fn refresh_results(&mut self, root: &Path, rel: &str) -> Result<usize> {
        forget_under(&mut self.results, rel);
        let found = self.files_at(root, rel, is_results_input)?;
        for (rel, path) in &found {
            let bytes = std::fs::read(path).map_err(Error::io("reading", path))?;
            if let Some(parsed) = ParsedResults::parse(rel, &bytes) {
                self.results.insert(rel.clone(), parsed);
            }
        }
        Ok(found.len())
    }
}

fn assemble(root: &Path, inputs: Inputs) -> Project {
    let mut project = Project::assemble(inputs);
    // Refs need git, which the model may not touch; checking them here makes check, build and
    // serve all report them.
    crate::git::check_baseline_refs(root, &mut project);
    project
}

/// `path` relative to `root`, with `/`.
fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Drops the entries at or under `rel`; returns their keys.
fn forget_under<T>(map: &mut BTreeMap<Arc<str>, T>, rel: &str) -> Vec<Arc<str>> {
    let folder = format!("{rel}/");
    let gone: Vec<Arc<str>> = map
        .keys()
        .filter(|key| ***key == *rel || key.starts_with(&folder))
        .cloned()
        .collect();
    for key in &gone {
        map.remove(key);
    }
    gone
}

impl InputCache {
    /// The files that `keep` accepts at `rel`: the file itself, or every file under the folder.
    /// Links at or under `rel` are remembered in place of what they point to (the ones
    /// remembered there before are dropped first).
    fn files_at(
        &mut self,
        root: &Path,
        rel: &str,
        keep: fn(&str) -> bool,
    ) -> Result<Vec<(Arc<str>, PathBuf)>> {
        forget_under(&mut self.links, rel);
        let listing = files_at(root, rel, keep)?;
        self.links
            .extend(listing.links.into_iter().map(|link| (link, ())));
        Ok(listing.files)
    }
}

/// The files that `keep` accepts at `rel`, and the links found; nothing when it no longer
/// exists. No link is followed, also not one on the way to `rel` (an event for
/// `content/linked/x.md` must not read through the link `content/linked`).
fn files_at(root: &Path, rel: &str, keep: fn(&str) -> bool) -> Result<Listing> {
    let mut prefix = String::new();
    for part in rel.split('/') {
        if !prefix.is_empty() {
            prefix.push('/');
        }
        prefix.push_str(part);
        let path = root.join(&prefix);
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Ok(Listing {
                    files: Vec::new(),
                    links: vec![Arc::from(prefix.as_str())],
                });
            }
            Ok(meta) if prefix.len() < rel.len() && !meta.is_dir() => return Ok(Listing::default()),
            Ok(meta) if prefix.len() == rel.len() && meta.is_dir() => {
                return list_files(root, rel, keep);
            }
            Ok(meta) if prefix.len() == rel.len() && meta.is_file() && keep(rel) => {
                return Ok(Listing {
                    files: vec![(Arc::from(rel), path)],
                    links: Vec::new(),
                });
            }
            Ok(_) => {}
            Err(err)
                if matches!(
                    err.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                ) =>
            {
                return Ok(Listing::default());
            }
            Err(err) => return Err(Error::io("reading", path)(err)),
        }
    }
    Ok(Listing::default())
}
