//! One build at a time per site folder, across processes: an exclusive `flock` on
//! `.NAME.lock` beside the site. The kernel drops the lock when its holder dies (a killed
//! worker never leaves the site locked), and a worker that takes the lock next finds the
//! marker the dead one left (see [`crate::runner`]).

use std::fs::File;
use std::path::Path;

use rustix::fs::{FlockOperation, flock};

use crate::paths::beside;

/// Holds the site's build lock until dropped.
pub struct SiteLock {
    _file: File,
}

impl SiteLock {
    /// Waits for the lock of `site` (blocking: call from a blocking thread).
    pub fn acquire(site: &Path) -> std::io::Result<SiteLock> {
        let path = beside(site, "lock");
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)?;
        flock(&file, FlockOperation::LockExclusive)?;
        Ok(SiteLock { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_waits_for_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("public");
        let first = SiteLock::acquire(&site).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let site2 = site.clone();
        let waiter = std::thread::spawn(move || {
            let _second = SiteLock::acquire(&site2).unwrap();
            tx.send(()).unwrap();
        });
        assert!(
            rx.recv_timeout(std::time::Duration::from_millis(200))
                .is_err(),
            "the second holder got the lock while the first held it"
        );
        drop(first);
        rx.recv_timeout(std::time::Duration::from_secs(5))
            .expect("the lock was not handed over");
        waiter.join().unwrap();
    }
}
