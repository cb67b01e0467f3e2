//! `tracebook init`.

use crate::common::*;

#[test]
fn init_creates_a_project_that_passes_check() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("new");
    let path = root.to_str().expect("utf-8");
    assert_eq!(code(&tracebook(&["init", path])), 0);
    let out = tracebook(&["check", path, "--deny", "warnings"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("0 errors, 0 warnings"),
        "{}",
        stderr(&out)
    );
    let built = tracebook(&["build", path]);
    assert_eq!(code(&built), 0, "{}", stderr(&built));
    assert!(root.join("public/index.html").is_file());
    // A second init must not overwrite the project.
    std::fs::write(root.join("tracebook.yaml"), "project: mine\n").expect("write");
    assert_eq!(code(&tracebook(&["init", path])), 2);
    assert_eq!(
        std::fs::read_to_string(root.join("tracebook.yaml")).expect("read"),
        "project: mine\n"
    );
}
