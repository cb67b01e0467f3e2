//! Atomic publishing: the site is rendered into the spare folder beside the live one (see
//! [`crate::SiteBuilder`]), then the two are swapped.
//!
//! Readers see either the old site or the new one, never a mix: on Linux the swap is one
//! `renameat2(RENAME_EXCHANGE)`; elsewhere three renames leave a moment with no folder, but
//! never a half-written one.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Makes `spare` the live site `out` and leaves the previous site in `spare` (or no `spare` when
/// there was no site yet). Returns whether `spare` now holds the previous site.
pub(crate) fn swap_keeping_previous(spare: &Path, out: &Path) -> Result<bool> {
    if !out.exists() {
        std::fs::rename(spare, out).map_err(Error::io("publishing", out))?;
        return Ok(false);
    }
    if exchange(spare, out).is_ok() {
        return Ok(true);
    }
    // No atomic exchange here: a moment with no folder, never a half-written one.
    let old = sibling(out, "old");
    if old.exists() {
        std::fs::remove_dir_all(&old).map_err(Error::io("removing", &old))?;
    }
    std::fs::rename(out, &old).map_err(Error::io("publishing", out))?;
    std::fs::rename(spare, out).map_err(Error::io("publishing", out))?;
    std::fs::rename(&old, spare).map_err(Error::io("publishing", spare))?;
    Ok(true)
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(std::io::Error::from)
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

/// `.NAME.<what>` beside `out`: same file system, so renames are cheap and atomic.
pub(crate) fn sibling(out: &Path, what: &str) -> PathBuf {
    let name = out
        .file_name()
        .map_or_else(|| "site".into(), |n| n.to_string_lossy().into_owned());
    out.with_file_name(format!(".{name}.{what}"))
}
