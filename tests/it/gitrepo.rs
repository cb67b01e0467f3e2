//! Temporary git repositories for the tests, built with git2 (commits, tags), as the issue asks:
//! no test depends on a history it did not make.

use std::path::Path;

use git2::{Repository, Signature};

/// Writes `text` to `root/rel`, creating folders.
pub(crate) fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

/// Stages every file (deletions included) and commits it on HEAD.
pub(crate) fn commit_all(repo: &Repository, message: &str) -> git2::Oid {
    let mut index = repo.index().expect("index");
    index
        .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
        .expect("add");
    index.update_all(["*"], None).expect("stage deletions");
    index.write().expect("write index");
    let tree = repo
        .find_tree(index.write_tree().expect("tree"))
        .expect("tree");
    let sig = Signature::now("Test", "test@example.com").expect("signature");
    let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
    repo.commit(Some("HEAD"), &sig, &sig, message, &tree, &parents)
        .expect("commit")
}

/// An annotated tag on HEAD.
pub(crate) fn tag(repo: &Repository, name: &str) {
    let head = repo
        .head()
        .expect("head")
        .peel(git2::ObjectType::Commit)
        .expect("commit");
    let sig = Signature::now("Test", "test@example.com").expect("signature");
    repo.tag(name, &head, &sig, name, false).expect("tag");
}
