//! What one build leaves for the next: the manifests of the live site and of the spare folder,
//! kept in `.<out>.state` beside the output (not inside: the site is published as it is).
//!
//! A state only counts while the folders are the ones it describes: each manifest is stored
//! with its folder's inode number and change time (ctime, which nobody can set back), read
//! after the swap. A folder deleted, replaced, renamed or with files added or removed at its
//! top no longer matches, and the build treats it as unknown. Edits by hand deeper inside the
//! site are not noticed: `tracebook build --full` repairs them.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::output::Manifest;

/// Bumped when the meaning of a digest changes, so old states are ignored.
const FORMAT: u32 = 1;

#[derive(Serialize, Deserialize, Default)]
pub(crate) struct State {
    format: u32,
    version: String,
    pub(crate) live: Folder,
    pub(crate) spare: Folder,
}

/// One folder and its manifest.
#[derive(Serialize, Deserialize, Default)]
pub(crate) struct Folder {
    identity: (u64, i64, i64),
    pub(crate) files: Manifest,
}

impl Folder {
    pub(crate) fn of(dir: &Path, files: Manifest) -> Folder {
        Folder {
            identity: identity(dir).unwrap_or_default(),
            files,
        }
    }

    /// The manifest when `dir` is still the folder it was written for; empty otherwise.
    pub(crate) fn files_if_at(self, dir: &Path) -> Manifest {
        match identity(dir) {
            Some(id) if id == self.identity && id.0 != 0 => self.files,
            _ => Manifest::new(),
        }
    }
}

impl State {
    pub(crate) fn new(live: Folder, spare: Folder) -> State {
        State {
            format: FORMAT,
            version: env!("CARGO_PKG_VERSION").to_owned(),
            live,
            spare,
        }
    }

    /// The state in `path`, if it is there, readable and written by this version.
    pub(crate) fn read(path: &Path) -> Option<State> {
        let bytes = std::fs::read(path).ok()?;
        let state: State = serde_json::from_slice(&bytes).ok()?;
        (state.format == FORMAT && state.version == env!("CARGO_PKG_VERSION")).then_some(state)
    }

    /// Writes the state atomically. A state that cannot be written only costs the next build
    /// its head start, so errors are returned for the caller to report, not to fail the build.
    pub(crate) fn write(&self, path: &Path) -> std::io::Result<()> {
        let json = serde_json::to_vec(self).map_err(std::io::Error::other)?;
        crate::atomic_file::write_atomically(path, &json)
    }
}

/// Inode number and change time (seconds, nanoseconds) of `dir`.
#[cfg(unix)]
fn identity(dir: &Path) -> Option<(u64, i64, i64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(dir)
        .ok()
        .map(|m| (m.ino(), m.ctime(), m.ctime_nsec()))
}

#[cfg(not(unix))]
fn identity(_: &Path) -> Option<(u64, i64, i64)> {
    None
}
