//! Where a build writes: the spare folder beside the live site, which becomes the live site
//! when the build is done (the atomic swap of `publish.rs`).
//!
//! The spare holds the site as it was one build ago. Each file of the new site is, in order of
//! cost: already right in the spare (same digest: nothing to do), right in the live site (a
//! hard link from there), or rendered. Files never get rewritten in place: a file is unlinked
//! before its new version is created, so a hard link shared with the live site never changes
//! under a reader.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::digest::Digest;
use crate::error::{Error, Result};

/// Files of one site folder and the digests of their inputs.
pub(crate) type Manifest = HashMap<String, Digest>;

/// The folder being built and what is known about it and about the live site.
pub(crate) struct Output<'a> {
    pub(crate) dir: &'a Path,
    live_dir: &'a Path,
    spare: &'a Manifest,
    live: &'a Manifest,
    written: Mutex<Vec<(String, Digest)>>,
    counts: Counts,
}

#[derive(Default)]
struct Counts {
    rendered: AtomicUsize,
    linked: AtomicUsize,
    kept: AtomicUsize,
}

/// What a build did to each file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct FileCounts {
    /// Files rendered or generated and written.
    pub rendered: usize,
    /// Files taken from the live site (hard links).
    pub linked: usize,
    /// Files already right in the spare folder.
    pub kept: usize,
    /// Files of the previous site that the new one no longer has.
    pub removed: usize,
}

impl<'a> Output<'a> {
    /// Builds into `dir`, which holds the files of `spare`; `live_dir` holds those of `live`.
    pub(crate) fn new(
        dir: &'a Path,
        live_dir: &'a Path,
        spare: &'a Manifest,
        live: &'a Manifest,
    ) -> Output<'a> {
        Output {
            dir,
            live_dir,
            spare,
            live,
            written: Mutex::new(Vec::new()),
            counts: Counts::default(),
        }
    }

    /// Makes `rel` the file whose inputs have `digest`; `produce` is called only when neither
    /// folder has it already. Returns whether it was produced.
    pub(crate) fn put(
        &self,
        rel: &str,
        digest: Digest,
        produce: impl FnOnce() -> Result<Vec<u8>>,
    ) -> Result<bool> {
        let path = self.dir.join(rel);
        let produced = if self.spare.get(rel) == Some(&digest) {
            self.counts.kept.fetch_add(1, Ordering::Relaxed);
            false
        } else if self.live.get(rel) == Some(&digest) && self.link_from_live(rel, &path)? {
            self.counts.linked.fetch_add(1, Ordering::Relaxed);
            false
        } else {
            let bytes = produce()?;
            replace(&path, |path| std::fs::write(path, &bytes))?;
            self.counts.rendered.fetch_add(1, Ordering::Relaxed);
            true
        };
        self.written
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push((rel.to_owned(), digest));
        Ok(produced)
    }

    /// Hard-links the live site's file; false when the file system refuses (then it is
    /// rendered instead).
    fn link_from_live(&self, rel: &str, path: &Path) -> Result<bool> {
        let source = self.live_dir.join(rel);
        match replace(path, |path| std::fs::hard_link(&source, path)) {
            Ok(()) => Ok(true),
            Err(_) => Ok(false),
        }
    }

    /// Removes the spare's files that the new site does not have, and returns the new site's
    /// manifest with the counts.
    pub(crate) fn finish(self) -> Result<(Manifest, FileCounts)> {
        let written: Manifest = self
            .written
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .into_iter()
            .collect();
        let mut removed = 0;
        for rel in self.spare.keys().filter(|rel| !written.contains_key(*rel)) {
            let path = self.dir.join(rel);
            match std::fs::remove_file(&path) {
                Ok(()) => removed += 1,
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                Err(err) => return Err(Error::io("removing", &path)(err)),
            }
            remove_empty_parents(self.dir, &path);
        }
        let counts = FileCounts {
            rendered: self.counts.rendered.into_inner(),
            linked: self.counts.linked.into_inner(),
            kept: self.counts.kept.into_inner(),
            removed,
        };
        Ok((written, counts))
    }
}

/// Creates `path` with `create` after unlinking whatever is there (see the module comment).
fn replace(path: &Path, create: impl Fn(&Path) -> std::io::Result<()>) -> Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
        Err(err) => return Err(Error::io("removing", path)(err)),
    }
    match create(path) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            let parent = path.parent().unwrap_or(path);
            std::fs::create_dir_all(parent).map_err(Error::io("creating", parent))?;
            create(path).map_err(Error::io("writing", path))
        }
        Err(err) => Err(Error::io("writing", path)(err)),
    }
}

/// Removes the folders above `path` that became empty, up to `root` (a full build of the same
/// tree has no empty folders either).
fn remove_empty_parents(root: &Path, path: &Path) {
    let mut dir: Option<PathBuf> = path.parent().map(Path::to_path_buf);
    while let Some(current) = dir {
        if current == root || !current.starts_with(root) || std::fs::remove_dir(&current).is_err() {
            break;
        }
        dir = current.parent().map(Path::to_path_buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incremental::digest::of_bytes;

    #[test]
    fn files_are_kept_linked_or_written_and_links_never_change_the_live_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (spare_dir, live_dir) = (dir.path().join("spare"), dir.path().join("live"));
        std::fs::create_dir_all(live_dir.join("items")).expect("mkdir");
        std::fs::create_dir_all(spare_dir.join("old")).expect("mkdir");
        std::fs::write(live_dir.join("items/a.html"), "A").expect("write");
        std::fs::write(spare_dir.join("old/gone.html"), "G").expect("write");
        let live: Manifest = [("items/a.html".to_owned(), of_bytes(b"A"))].into();
        let spare: Manifest = [("old/gone.html".to_owned(), of_bytes(b"G"))].into();

        let out = Output::new(&spare_dir, &live_dir, &spare, &live);
        let linked = out
            .put("items/a.html", of_bytes(b"A"), || panic!("must link"))
            .expect("put");
        assert!(!linked);
        out.put("b.html", of_bytes(b"B"), || Ok(b"B".to_vec()))
            .expect("put");
        let (manifest, counts) = out.finish().expect("finish");
        assert_eq!(manifest.len(), 2);
        assert_eq!((counts.linked, counts.rendered, counts.removed), (1, 1, 1));
        assert!(!spare_dir.join("old").exists(), "empty folder removed");

        // The next build writes a new version into the folder that shares the link.
        let spare = manifest;
        let out = Output::new(&spare_dir, &live_dir, &spare, &live);
        out.put("items/a.html", of_bytes(b"A2"), || Ok(b"A2".to_vec()))
            .expect("put");
        let read = |p: &Path| std::fs::read_to_string(p).expect("read");
        assert_eq!(read(&live_dir.join("items/a.html")), "A");
        assert_eq!(read(&spare_dir.join("items/a.html")), "A2");
    }
}
