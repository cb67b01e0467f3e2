//! Files the workers keep beside the published site (same file system, so renames are atomic).
//! They are written with the generator's `write_atomically`.

use std::path::{Path, PathBuf};

/// `.NAME.<what>` beside `site` (`public` → `.public.lock`), as the generator names the spare
/// folder and the build state.
pub(crate) fn beside(site: &Path, what: &str) -> PathBuf {
    let name = site
        .file_name()
        .map_or_else(|| "site".into(), |n| n.to_string_lossy().into_owned());
    site.with_file_name(format!(".{name}.{what}"))
}
