//! The project as it is on disk, and the same project with one file's text replaced, to tell
//! which errors an edit would add.
//!
//! `tracebook_generator::load` returns an assembled project with no way to swap one file's
//! parse, so this reads the same files the same way (`tracebook.yaml`, `content/**`,
//! `baselines/*` and `results/**`, sorted, symlinks skipped as walkdir skips them) and keeps
//! each file's bytes and parse, with its [`Stamp`]. A later [`Snapshot::load`] with the previous snapshot re-reads only
//! files whose stamp does not prove them unchanged, re-parses only those whose bytes differ, and
//! re-assembles only when something differs. Baseline refs are not re-checked: an item edit
//! cannot change them.

use std::collections::HashMap;
use std::fs::Metadata;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tracebook_model::evidence::ResultInputs;
use tracebook_model::{
    CONFIG_FILE, Config, Diagnostic, Inputs, ParsedFile, Project, is_baseline_file,
    is_content_file, is_results_input, missing_config, parse_file,
};

use super::error::EditError;
use super::stamp::{CheckTime, Stamp};

/// Every project file, read and parsed, and the project assembled from them. Immutable: the
/// cache shares it behind an `Arc` and replaces it whole.
pub struct Snapshot {
    /// `tracebook.yaml` (`None`: missing).
    config: Option<Entry<ConfigParse>>,
    /// Content files, sorted by path.
    content: Vec<Entry<ParsedFile>>,
    /// Baseline and results files (`baselines/*`, then `results/**`), each sorted by path
    /// (their bytes are all we keep).
    kept_as_bytes: Vec<Entry<()>>,
    project: Arc<Project>,
}

/// One file: its stamp when last looked at, and its content (shared between snapshots while
/// the bytes stay the same).
struct Entry<T> {
    stamp: Stamp,
    data: Arc<Data<T>>,
}

impl<T> Clone for Entry<T> {
    fn clone(&self) -> Self {
        Entry {
            stamp: self.stamp,
            data: Arc::clone(&self.data),
        }
    }
}

struct Data<T> {
    /// Path relative to the root, with `/`.
    rel: Arc<str>,
    bytes: Vec<u8>,
    parsed: T,
}

struct ConfigParse {
    config: Option<Config>,
    diagnostics: Vec<Diagnostic>,
}

impl Snapshot {
    /// Reads the project at `root`. With `previous`, reuses what its stamps (or, for racy
    /// entries, its bytes) prove unchanged; a changed `tracebook.yaml` re-parses everything,
    /// since every parse depends on the schema.
    /// `start` is when the check started (see [`CheckTime`]), taken before any file is looked
    /// at.
    pub(super) fn load(
        root: &Path,
        previous: Option<&Snapshot>,
        start: CheckTime,
    ) -> Result<Snapshot, EditError> {
        let old_config = previous.and_then(|p| p.config.as_ref());
        let config = load_config(root, start, old_config)?;
        let config_kept = match (&config, old_config) {
            (Some(new), Some(old)) => Arc::ptr_eq(&new.data, &old.data),
            (None, None) => previous.is_some(),
            _ => false,
        };
        let previous = previous.filter(|_| config_kept);
        let schema = config.as_ref().and_then(|c| c.data.parsed.config.as_ref());
        let mut content = Vec::new();
        let mut kept = 0;
        for (rel, path, meta) in list_files(root, "content", is_content_file)? {
            let old = previous.and_then(|p| find(&p.content, &rel));
            let (entry, is_kept) = load_entry(rel, &path, &meta, start, old, |rel, bytes| {
                parse_file(rel, bytes, schema)
            })?;
            kept += usize::from(is_kept);
            content.push(entry);
        }
        let mut kept_as_bytes = Vec::new();
        let raw = list_files(root, "baselines", is_baseline_file)?
            .into_iter()
            .chain(list_files(root, "results", is_results_input)?);
        for (rel, path, meta) in raw {
            let old = previous.and_then(|p| find(&p.kept_as_bytes, &rel));
            let (entry, is_kept) = load_entry(rel, &path, &meta, start, old, |_, _| ())?;
            kept += usize::from(is_kept);
            kept_as_bytes.push(entry);
        }
        let project = match previous {
            Some(p) if kept == content.len() + kept_as_bytes.len() && kept == p.file_count() => {
                Arc::clone(&p.project)
            }
            _ => Arc::new(assemble(config.as_ref(), &content, &kept_as_bytes)),
        };
        Ok(Snapshot {
            config,
            content,
            kept_as_bytes,
            project,
        })
    }

    /// The project as these files make it.
    pub fn project(&self) -> &Project {
        &self.project
    }

    /// Whether this snapshot shares its assembled project with `other` (nothing was re-read
    /// differently between them).
    #[cfg(test)]
    pub(super) fn same_project(&self, other: &Snapshot) -> bool {
        Arc::ptr_eq(&self.project, &other.project)
    }

    /// The bytes of a content file (`rel` relative to the root).
    pub(super) fn bytes(&self, rel: &str) -> Option<&[u8]> {
        find(&self.content, rel).map(|e| e.data.bytes.as_slice())
    }

    /// Whether content file `rel` and `tracebook.yaml` still hold on disk what this snapshot
    /// holds: a `stat` each, and a read of the racy ones. Any doubt (an I/O error, a file gone)
    /// answers `false`, and the caller reloads.
    pub(super) fn is_current(&self, root: &Path, rel: &str) -> bool {
        let config_current = match &self.config {
            Some(entry) => {
                is_entry_current(entry, &root.join(CONFIG_FILE), |p| std::fs::metadata(p))
            }
            None => std::fs::metadata(root.join(CONFIG_FILE))
                .is_err_and(|err| err.kind() == std::io::ErrorKind::NotFound),
        };
        config_current
            && find(&self.content, rel).is_some_and(|entry| {
                is_entry_current(entry, &root.join(rel), |p| std::fs::symlink_metadata(p))
            })
    }

    /// This snapshot with content file `rel` holding `bytes` (a new file when absent). The new
    /// entry has an unknown stamp, so the next load compares it by content.
    pub(super) fn with_file(&self, rel: &str, bytes: Vec<u8>) -> Snapshot {
        let rel: Arc<str> = Arc::from(rel);
        let parsed = parse_file(&rel, &bytes, self.schema());
        let entry = Entry {
            stamp: Stamp::unknown(),
            data: Arc::new(Data { rel, bytes, parsed }),
        };
        let mut content = self.content.clone();
        match content.binary_search_by(|e| (*e.data.rel).cmp(&*entry.data.rel)) {
            Ok(i) => content[i] = entry,
            Err(i) => content.insert(i, entry),
        }
        let project = assemble(self.config.as_ref(), &content, &self.kept_as_bytes);
        Snapshot {
            config: self.config.clone(),
            content,
            kept_as_bytes: self.kept_as_bytes.clone(),
            project: Arc::new(project),
        }
    }

    /// The errors `after` has that this snapshot does not. Positions are left out of the
    /// comparison, since an edit moves the lines below it.
    pub(super) fn added_errors(&self, after: &Snapshot) -> Vec<Diagnostic> {
        let key = |d: &Diagnostic| (d.code, d.span.file.clone(), d.message.clone());
        let mut before: HashMap<_, usize> = HashMap::new();
        for d in self.project.diagnostics.iter().filter(|d| d.is_error()) {
            *before.entry(key(d)).or_default() += 1;
        }
        let mut added = Vec::new();
        for d in after.project.diagnostics.iter().filter(|d| d.is_error()) {
            match before.get_mut(&key(d)) {
                Some(n) if *n > 0 => *n -= 1,
                _ => added.push(d.clone()),
            }
        }
        added
    }

    fn schema(&self) -> Option<&Config> {
        self.config
            .as_ref()
            .and_then(|c| c.data.parsed.config.as_ref())
    }

    fn file_count(&self) -> usize {
        self.content.len() + self.kept_as_bytes.len()
    }
}

fn find<'a, T>(entries: &'a [Entry<T>], rel: &str) -> Option<&'a Entry<T>> {
    entries
        .binary_search_by(|e| (*e.data.rel).cmp(rel))
        .ok()
        .map(|i| &entries[i])
}

/// `tracebook.yaml` (symlinks followed, as the loader reads it), reusing `old` when unchanged.
fn load_config(
    root: &Path,
    start: CheckTime,
    old: Option<&Entry<ConfigParse>>,
) -> Result<Option<Entry<ConfigParse>>, EditError> {
    let path = root.join(CONFIG_FILE);
    let meta = match std::fs::metadata(&path) {
        Ok(meta) => meta,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(EditError::io("reading", path)(err)),
    };
    let rel: Arc<str> = Arc::from(CONFIG_FILE);
    let (entry, _) = load_entry(rel, &path, &meta, start, old, |rel, bytes| {
        let (config, diagnostics) = Config::parse(rel, &String::from_utf8_lossy(bytes));
        ConfigParse {
            config,
            diagnostics,
        }
    })?;
    Ok(Some(entry))
}

/// The entry for the file at `path`, and whether it is `old`'s content: kept without a read
/// when the stamps prove it, after a read when the bytes are equal; else read and parsed.
fn load_entry<T>(
    rel: Arc<str>,
    path: &Path,
    meta: &Metadata,
    start: CheckTime,
    old: Option<&Entry<T>>,
    parse: impl FnOnce(&Arc<str>, &[u8]) -> T,
) -> Result<(Entry<T>, bool), EditError> {
    let stamp = Stamp::of(meta, start);
    if let Some(old) = old
        && old.stamp.proves_unchanged(&stamp)
    {
        return Ok((old.clone(), true));
    }
    let bytes = std::fs::read(path).map_err(EditError::io("reading", path))?;
    if let Some(old) = old
        && old.data.bytes == bytes
    {
        let data = Arc::clone(&old.data);
        return Ok((Entry { stamp, data }, true));
    }
    let parsed = parse(&rel, &bytes);
    let data = Arc::new(Data { rel, bytes, parsed });
    Ok((Entry { stamp, data }, false))
}

/// Whether the file at `path` still holds `entry`'s bytes.
fn is_entry_current<T>(
    entry: &Entry<T>,
    path: &Path,
    stat: fn(&Path) -> std::io::Result<Metadata>,
) -> bool {
    let Ok(meta) = stat(path) else {
        return false;
    };
    if !meta.is_file() {
        return false;
    }
    // Only `entry`'s racy flag matters in the comparison, so any check time will do here.
    entry
        .stamp
        .proves_unchanged(&Stamp::of(&meta, CheckTime::system()))
        || std::fs::read(path).is_ok_and(|bytes| bytes == entry.data.bytes)
}

fn assemble(
    config: Option<&Entry<ConfigParse>>,
    content: &[Entry<ParsedFile>],
    kept_as_bytes: &[Entry<()>],
) -> Project {
    let (config, config_diagnostics) = match config {
        Some(entry) => (
            entry.data.parsed.config.clone(),
            entry.data.parsed.diagnostics.clone(),
        ),
        None => (None, vec![missing_config(&Arc::from(CONFIG_FILE))]),
    };
    let files = content
        .iter()
        .map(|e| ParsedFile {
            items: e.data.parsed.items.clone(),
            diagnostics: e.data.parsed.diagnostics.clone(),
        })
        .collect();
    let results = kept_as_bytes
        .iter()
        .filter(|e| is_results_input(&e.data.rel))
        .map(|e| (Arc::clone(&e.data.rel), e.data.bytes.clone()))
        .collect();
    let baselines = kept_as_bytes
        .iter()
        .filter(|e| is_baseline_file(&e.data.rel))
        .map(|e| {
            let text = String::from_utf8_lossy(&e.data.bytes).into_owned();
            (Arc::clone(&e.data.rel), text)
        })
        .collect();
    Project::assemble(Inputs {
        config,
        config_diagnostics,
        files,
        baselines,
        results: ResultInputs::parse(results),
    })
}

/// Regular files under `root/dir` whose root-relative path (with `/`) passes `keep`, sorted,
/// with their metadata (not following symlinks).
fn list_files(
    root: &Path,
    dir: &str,
    keep: fn(&str) -> bool,
) -> Result<Vec<(Arc<str>, PathBuf, Metadata)>, EditError> {
    let mut files: Vec<(Arc<str>, PathBuf, Metadata)> = Vec::new();
    // `read_dir` would follow `dir` itself when it is a link: links are never followed.
    if std::fs::symlink_metadata(root.join(dir)).is_ok_and(|meta| meta.file_type().is_symlink()) {
        return Ok(files);
    }
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
                let meta = entry
                    .metadata()
                    .map_err(EditError::io("reading", entry.path()))?;
                files.push((Arc::from(path), entry.path(), meta));
            }
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(files)
}
