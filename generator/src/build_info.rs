//! `build-info.json` at the site root: what a site was built from, so a server can tell at
//! start-up whether the site it finds is current, and people can tell which commit they read.
//! No timestamps: two builds of the same commit must be byte-identical.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::git::Head;

/// The contents of `build-info.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildInfo {
    /// Full id of the commit the site was built from; `None` outside git (or before the first
    /// commit).
    pub commit: Option<String>,
    /// The project's files differed from `commit` when the site was built.
    pub has_uncommitted_changes: bool,
    /// Item pages link to the server's edit form.
    pub has_edit_links: bool,
    /// The tracebook version that built the site.
    pub version: String,
}

impl BuildInfo {
    /// The file's name at the site root.
    pub const FILE: &'static str = "build-info.json";

    /// What a build from `head` says about itself.
    pub(crate) fn new(head: Option<&Head>, has_edit_links: bool) -> BuildInfo {
        BuildInfo {
            commit: head.map(|h| h.commit.id.clone()),
            has_uncommitted_changes: head.is_some_and(|h| h.is_dirty),
            has_edit_links,
            version: env!("CARGO_PKG_VERSION").to_owned(),
        }
    }

    /// Reads the file of the site in `site`; `None` when it is missing or not ours (a site built
    /// before the file existed, or by something else).
    pub fn read(site: &Path) -> Option<BuildInfo> {
        let text = std::fs::read_to_string(site.join(BuildInfo::FILE)).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// Whether this is the version of tracebook running now (templates change between versions).
    pub fn is_this_version(&self) -> bool {
        self.version == env!("CARGO_PKG_VERSION")
    }

    /// The file's bytes.
    pub(crate) fn to_bytes(&self) -> Result<Vec<u8>> {
        let json = serde_json::to_string_pretty(self).map_err(|err| Error::Template {
            template: BuildInfo::FILE.to_owned(),
            message: err.to_string(),
        })?;
        Ok(format!("{json}\n").into_bytes())
    }
}
