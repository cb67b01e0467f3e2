//! The publish stamp: `.NAME.published` beside the site (`/site/.public.published`), rewritten
//! through a rename after every publish by the process that published, holding a generation
//! number and the commit. Every server sharing the site folder (replicas on one volume, or
//! hosts on one network file system) re-reads it, so an in-memory cache notices a publish made
//! by another process at its next request; a new generation is a new file (a new inode), so
//! a `stat` tells.

use std::path::{Path, PathBuf};

use tracebook_generator::write_atomically;

use crate::paths::beside;

/// What the stamp says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishStamp {
    /// 1 for the first publish into this site folder, one more for each after it.
    pub generation: u64,
    /// The commit published.
    pub commit: String,
}

/// Where the stamp of `site` is.
pub fn publish_stamp_path(site: &Path) -> PathBuf {
    beside(site, "published")
}

impl PublishStamp {
    /// The stamp of `site`, if a worker ever published there.
    pub fn read(site: &Path) -> Option<PublishStamp> {
        let text = std::fs::read_to_string(publish_stamp_path(site)).ok()?;
        let (generation, commit) = text.trim().split_once(' ')?;
        Some(PublishStamp {
            generation: generation.parse().ok()?,
            commit: commit.to_owned(),
        })
    }

    /// Records a publish of `commit` (call with the site lock held).
    pub(crate) fn bump(site: &Path, commit: &str) -> std::io::Result<PublishStamp> {
        let generation = PublishStamp::read(site).map_or(1, |stamp| stamp.generation + 1);
        let stamp = PublishStamp {
            generation,
            commit: commit.to_owned(),
        };
        let text = format!("{} {}\n", stamp.generation, stamp.commit);
        write_atomically(&publish_stamp_path(site), text.as_bytes())?;
        Ok(stamp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_publish_is_a_new_generation_in_a_new_file() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let site = dir.path().join("public");
        assert_eq!(PublishStamp::read(&site), None);
        let first = PublishStamp::bump(&site, "aaa").expect("bump");
        let inode = std::fs::metadata(publish_stamp_path(&site))
            .expect("stamp")
            .ino();
        let second = PublishStamp::bump(&site, "bbb").expect("bump");
        assert_eq!((first.generation, second.generation), (1, 2));
        assert_eq!(PublishStamp::read(&site), Some(second));
        let now = std::fs::metadata(publish_stamp_path(&site))
            .expect("stamp")
            .ino();
        assert_ne!(inode, now, "a reader's stat must see the change");
    }
}
