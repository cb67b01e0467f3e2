//! Temporary git repositories for the tests, built with git2 (commits, tags): no test depends on
//! a history it did not make. Files and commits come from tracebook-test-support.

use git2::{Repository, Signature};
pub(crate) use tracebook_test_support::git::commit_all;
pub(crate) use tracebook_test_support::project::write;

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
