//! What the preview watches, and which changes it acts on.
//!
//! Watched: the project root without recursion (to see `tracebook.yaml` change and the
//! project folders appear or go), `content/`, `baselines/` and `results/` recursively when
//! they exist, and the theme folder of `--theme`. Never acted on: anything under the output
//! folder, `.tracebook/` or `.git/` (a build writes there, so reacting would loop), and the
//! scratch files editors write beside the file being saved.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use notify::event::{EventKind, ModifyKind};
use notify::{RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{
    DebounceEventHandler, DebounceEventResult, Debouncer, RecommendedCache, new_debouncer,
};

/// Events closer together than this make one batch, so one save (often several writes and a
/// rename) or a `git checkout` of many files makes one build.
const DEBOUNCE: Duration = Duration::from_millis(75);

/// The project folders under the root that hold build inputs.
const PROJECT_FOLDERS: [&str; 3] = ["content", "baselines", "results"];
/// The project file at the root.
const CONFIG_FILE: &str = tracebook_model::CONFIG_FILE;

/// Where to look.
#[derive(Debug, Clone)]
pub(crate) struct Targets {
    /// The project root, absolute.
    pub(crate) root: PathBuf,
    /// The output folder, absolute.
    pub(crate) out: PathBuf,
    /// The theme folder of `--theme`, absolute.
    pub(crate) theme: Option<PathBuf>,
}

/// What one debounced batch asks for.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    /// Project files and folders that changed.
    pub(crate) paths: Vec<PathBuf>,
    /// Events were lost (or the watcher failed): read everything again.
    pub(crate) rescan: bool,
    /// A file of the theme changed.
    pub(crate) theme: bool,
}

impl Batch {
    /// Adds `other` to this batch.
    pub(crate) fn merge(&mut self, other: Batch) {
        self.paths.extend(other.paths);
        self.rescan |= other.rescan;
        self.theme |= other.theme;
    }

    /// Whether the project needs a build.
    pub(crate) fn touches_project(&self) -> bool {
        self.rescan || !self.paths.is_empty()
    }
}

/// The running watcher.
pub(crate) struct Watch {
    debouncer: Debouncer<RecommendedWatcher, RecommendedCache>,
    targets: Targets,
    /// Project folders with a recursive watch.
    watched: HashSet<PathBuf>,
}

/// Where a changed path belongs.
#[derive(Debug, PartialEq, Eq)]
enum Place {
    Project,
    Theme,
}

impl Watch {
    /// Starts watching; every debounced batch goes to `handler` (on the debouncer's thread),
    /// to be turned into a [`Batch`] by [`Self::batch`].
    pub(crate) fn start(
        targets: Targets,
        handler: impl DebounceEventHandler,
    ) -> notify::Result<Watch> {
        let debouncer = new_debouncer(DEBOUNCE, None, handler)?;
        let mut watch = Watch {
            debouncer,
            targets,
            watched: HashSet::new(),
        };
        watch
            .debouncer
            .watch(&watch.targets.root, RecursiveMode::NonRecursive)?;
        for name in PROJECT_FOLDERS {
            let folder = watch.targets.root.join(name);
            if folder.is_dir() {
                watch.debouncer.watch(&folder, RecursiveMode::Recursive)?;
                watch.watched.insert(folder);
            }
        }
        if let Some(theme) = watch.targets.theme.clone() {
            watch.debouncer.watch(&theme, RecursiveMode::Recursive)?;
        }
        Ok(watch)
    }

    /// What a debounced batch asks for. Also starts watching project folders that appeared.
    pub(crate) fn batch(&mut self, result: DebounceEventResult) -> Batch {
        let mut batch = Batch::default();
        let events = match result {
            Ok(events) => events,
            Err(errors) => {
                for err in errors {
                    tracing::warn!(%err, "watching the project; reading everything again");
                }
                batch.rescan = true;
                return batch;
            }
        };
        for event in events {
            batch.rescan |= event.need_rescan();
            // Reads (the build's own among them) change nothing.
            if matches!(event.kind, EventKind::Access(_)) {
                continue;
            }
            let moved = matches!(
                event.kind,
                EventKind::Create(_) | EventKind::Modify(ModifyKind::Name(_))
            );
            for path in &event.paths {
                match place(&self.targets, path) {
                    Some(Place::Theme) => batch.theme = true,
                    Some(Place::Project) => {
                        if self.is_project_folder(path) && !self.rewatch(path, moved) {
                            batch.rescan = true;
                        }
                        batch.paths.push(path.clone());
                    }
                    None => {}
                }
            }
        }
        batch
    }

    /// Stops watching (waits for the debouncer's thread).
    pub(crate) fn stop(self) {
        self.debouncer.stop();
    }

    fn is_project_folder(&self, path: &Path) -> bool {
        path.parent() == Some(self.targets.root.as_path())
            && path
                .file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| PROJECT_FOLDERS.contains(&name))
    }

    /// Watches a project folder that appeared (or was replaced: `moved`), and forgets one that
    /// went. Returns false when a watch could not be set up.
    fn rewatch(&mut self, folder: &Path, moved: bool) -> bool {
        if !folder.is_dir() {
            // The kernel dropped the watch with the folder; this only updates the books.
            let _ = self.debouncer.unwatch(folder);
            self.watched.remove(folder);
            return true;
        }
        if self.watched.contains(folder) && !moved {
            return true;
        }
        let _ = self.debouncer.unwatch(folder);
        match self.debouncer.watch(folder, RecursiveMode::Recursive) {
            Ok(()) => {
                self.watched.insert(folder.to_path_buf());
                true
            }
            Err(err) => {
                tracing::warn!(%err, folder = %folder.display(), "watching a project folder");
                self.watched.remove(folder);
                false
            }
        }
    }
}

/// Whether `path` matters, and to what.
fn place(targets: &Targets, path: &Path) -> Option<Place> {
    if path.starts_with(&targets.out) || is_scratch_file(path) {
        return None;
    }
    if targets
        .theme
        .as_ref()
        .is_some_and(|theme| path.starts_with(theme))
    {
        return Some(Place::Theme);
    }
    let rel = path.strip_prefix(&targets.root).ok()?;
    let mut parts = rel.components().map(|c| c.as_os_str());
    let first = parts.next()?.to_str()?;
    if rel
        .components()
        .any(|c| c.as_os_str() == ".git" || c.as_os_str() == ".tracebook")
    {
        return None;
    }
    let is_input = if parts.next().is_none() {
        first == CONFIG_FILE || PROJECT_FOLDERS.contains(&first)
    } else {
        PROJECT_FOLDERS.contains(&first)
    };
    is_input.then_some(Place::Project)
}

/// Files editors write while saving (`.x.md.swp`, `x.md~`, vim's `4913`, emacs' `.#x.md`):
/// never build inputs, and reacting to them would build twice per save.
fn is_scratch_file(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|name| name.to_str()) else {
        return false;
    };
    name.starts_with('.')
        || name.ends_with('~')
        || name == "4913"
        || [".swp", ".swx", ".swo", ".tmp"]
            .iter()
            .any(|ext| name.ends_with(ext))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets() -> Targets {
        Targets {
            root: PathBuf::from("/p"),
            out: PathBuf::from("/p/.tracebook/preview"),
            theme: Some(PathBuf::from("/themes/mine")),
        }
    }

    #[test]
    fn acts_on_project_inputs_and_the_theme() {
        let t = targets();
        for path in [
            "/p/tracebook.yaml",
            "/p/content",
            "/p/content/system/SYS-001.md",
            "/p/baselines/R1.yaml",
            "/p/results/ci.xml",
        ] {
            assert_eq!(place(&t, Path::new(path)), Some(Place::Project), "{path}");
        }
        assert_eq!(
            place(&t, Path::new("/themes/mine/templates/item.html")),
            Some(Place::Theme)
        );
    }

    #[test]
    fn ignores_outputs_git_and_scratch_files() {
        let t = Targets {
            out: PathBuf::from("/elsewhere/site"),
            ..targets()
        };
        for path in [
            "/p/.tracebook/preview/index.html",
            "/p/.tracebook/preview-spare/index.html",
            "/p/.git/index",
            "/p/content/.git/HEAD",
            "/p/public/index.html",
            "/p/README.md",
            "/p",
            "/elsewhere/site/items/SYS-001/index.html",
            "/p/content/system/.SYS-001.md.swp",
            "/p/content/system/SYS-001.md~",
            "/p/content/system/4913",
            "/themes/mine/templates/.item.html.swp",
            "/other/file.md",
        ] {
            assert_eq!(place(&t, Path::new(path)), None, "{path}");
        }
    }
}
