//! Files the workers keep beside the published site (same file system, so renames are atomic).

use std::path::{Path, PathBuf};

/// `.NAME.<what>` beside `site` (`public` → `.public.lock`), as the generator names the spare
/// folder and the build state.
pub(crate) fn beside(site: &Path, what: &str) -> PathBuf {
    let name = site
        .file_name()
        .map_or_else(|| "site".into(), |n| n.to_string_lossy().into_owned());
    site.with_file_name(format!(".{name}.{what}"))
}

/// Writes `bytes` to `path` through a temporary file and a rename: readers see the old or the
/// new file, never a part.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}
