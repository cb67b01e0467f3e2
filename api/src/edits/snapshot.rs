//! The project as it is on disk, read once per edit, and the same project with one file's text
//! replaced, to tell which errors an edit would add.
//!
//! `tracebook_generator::load` returns an assembled project with no way to swap one file's
//! parse, so this reads the same files the same way (`tracebook.yaml`, `content/**` and
//! `baselines/*`, sorted, symlinks skipped as walkdir skips them) and assembles twice from one
//! set of parses. Baseline refs are not re-checked: an item edit cannot change them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tracebook_model::{
    CONFIG_FILE, Config, Diagnostic, Inputs, ParsedFile, Project, is_baseline_file,
    is_content_file, missing_config, parse_file,
};

use super::error::EditError;

/// Every project file, read and parsed.
pub(super) struct Snapshot {
    config: Option<Config>,
    config_diagnostics: Vec<Diagnostic>,
    /// Content files: path relative to the root, bytes, parse.
    files: Vec<(Arc<str>, Vec<u8>, ParsedFile)>,
    baselines: Vec<(Arc<str>, String)>,
    /// The project as it is.
    pub(super) project: Project,
}

impl Snapshot {
    /// Reads the project at `root`.
    pub(super) fn read(root: &Path) -> Result<Snapshot, EditError> {
        let config_file: Arc<str> = Arc::from(CONFIG_FILE);
        let config_path = root.join(CONFIG_FILE);
        let (config, config_diagnostics) = match std::fs::read(&config_path) {
            Ok(bytes) => Config::parse(&config_file, &String::from_utf8_lossy(&bytes)),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                (None, vec![missing_config(&config_file)])
            }
            Err(err) => return Err(EditError::io("reading", config_path)(err)),
        };
        let mut files = Vec::new();
        for (rel, path) in list_files(root, "content", is_content_file)? {
            let bytes = std::fs::read(&path).map_err(EditError::io("reading", &path))?;
            let parsed = parse_file(&rel, &bytes, config.as_ref());
            files.push((rel, bytes, parsed));
        }
        let mut baselines = Vec::new();
        for (rel, path) in list_files(root, "baselines", is_baseline_file)? {
            let bytes = std::fs::read(&path).map_err(EditError::io("reading", &path))?;
            baselines.push((rel, String::from_utf8_lossy(&bytes).into_owned()));
        }
        let mut snapshot = Snapshot {
            config,
            config_diagnostics,
            files,
            baselines,
            project: Project::default(),
        };
        snapshot.project = snapshot.assemble(None);
        Ok(snapshot)
    }

    /// The bytes of a content file (`path` relative to the root).
    pub(super) fn bytes(&self, path: &str) -> Option<&[u8]> {
        self.files
            .iter()
            .find(|(rel, ..)| &**rel == path)
            .map(|(_, bytes, _)| bytes.as_slice())
    }

    /// The errors the project would have with `path` holding `text` (a new file when absent)
    /// that it does not have now. Positions are left out of the comparison, since an edit moves
    /// the lines below it.
    pub(super) fn added_errors(&self, path: &str, text: &str) -> Vec<Diagnostic> {
        let after = self.assemble(Some((path, text)));
        let key = |d: &Diagnostic| (d.code, d.span.file.clone(), d.message.clone());
        let mut before: HashMap<_, usize> = HashMap::new();
        for d in self.project.diagnostics.iter().filter(|d| d.is_error()) {
            *before.entry(key(d)).or_default() += 1;
        }
        let mut added = Vec::new();
        for d in after.diagnostics.into_iter().filter(Diagnostic::is_error) {
            match before.get_mut(&key(&d)) {
                Some(n) if *n > 0 => *n -= 1,
                _ => added.push(d),
            }
        }
        added
    }

    fn assemble(&self, replace: Option<(&str, &str)>) -> Project {
        let copy = |p: &ParsedFile| ParsedFile {
            items: p.items.clone(),
            diagnostics: p.diagnostics.clone(),
        };
        let mut files: Vec<ParsedFile> = Vec::with_capacity(self.files.len() + 1);
        for (rel, _, parsed) in &self.files {
            if replace.is_none_or(|(path, _)| path != &**rel) {
                files.push(copy(parsed));
            }
        }
        if let Some((path, text)) = replace {
            files.push(parse_file(
                &Arc::from(path),
                text.as_bytes(),
                self.config.as_ref(),
            ));
        }
        Project::assemble(Inputs {
            config: self.config.clone(),
            config_diagnostics: self.config_diagnostics.clone(),
            files,
            baselines: self.baselines.clone(),
        })
    }
}

/// Regular files under `root/dir` whose root-relative path (with `/`) passes `keep`, sorted.
fn list_files(
    root: &Path,
    dir: &str,
    keep: fn(&str) -> bool,
) -> Result<Vec<(Arc<str>, PathBuf)>, EditError> {
    let mut files: Vec<(Arc<str>, PathBuf)> = Vec::new();
    let mut pending = vec![(dir.to_owned(), root.join(dir))];
    while let Some((rel, folder)) = pending.pop() {
        let entries = match std::fs::read_dir(&folder) {
            Ok(entries) => entries,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => continue,
            Err(err) => return Err(EditError::io("listing", folder)(err)),
        };
        for entry in entries {
            let entry = entry.map_err(EditError::io("listing", &folder))?;
            // `file_type` does not follow symlinks: links are skipped, as the loader skips them.
            let kind = entry
                .file_type()
                .map_err(EditError::io("listing", &folder))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = format!("{rel}/{name}");
            if kind.is_dir() {
                pending.push((path, entry.path()));
            } else if kind.is_file() && keep(&path) {
                files.push((Arc::from(path), entry.path()));
            }
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(files)
}
