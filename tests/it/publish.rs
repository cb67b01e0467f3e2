//! Atomic publish: a failed build leaves the published site exactly as it was.

use crate::common::*;

#[test]
fn failed_build_leaves_previous_site_untouched() {
    let project = copy_fixture("valid/minimal");
    let root = project.path().to_str().expect("utf-8").to_owned();
    let out_dir = tempfile::tempdir().expect("tempdir");
    let out = out_dir.path().join("public");
    let out_arg = out.to_str().expect("utf-8").to_owned();
    let first = tracebook(&["build", &root, "--out", &out_arg]);
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    let before = tree_snapshot(&out);
    assert!(before.len() > 5);

    // 1. Content error: nothing is rendered or published.
    let item = project.path().join("content/needs/STK-001.md");
    let original = std::fs::read_to_string(&item).expect("read");
    std::fs::write(&item, original.replace("kind: need", "kind: nope")).expect("write");
    let failed = tracebook(&["build", &root, "--out", &out_arg]);
    assert_eq!(code(&failed), 1, "{}", stderr(&failed));
    assert!(
        stderr(&failed).contains("nothing was published"),
        "{}",
        stderr(&failed)
    );
    assert_eq!(tree_snapshot(&out), before);

    // 2. The render itself fails half-way (a theme whose item template breaks at run time).
    std::fs::write(&item, &original).expect("write");
    let theme = tempfile::tempdir().expect("tempdir");
    copy_dir(&repo_root().join("themes/default"), theme.path());
    let broken = theme.path().join("templates/item.html");
    let text = std::fs::read_to_string(&broken).expect("read");
    std::fs::write(&broken, format!("{{{{ no_such_variable.field }}}}{text}")).expect("write");
    let failed = tracebook(&[
        "build",
        &root,
        "--out",
        &out_arg,
        "--theme",
        theme.path().to_str().expect("utf-8"),
    ]);
    assert_eq!(code(&failed), 1, "{}", stderr(&failed));
    assert_eq!(tree_snapshot(&out), before);

    // No half-written folder is left beside the site (only the incremental build's state
    // file and the publication stamp), and a good build still replaces it.
    let mut siblings: Vec<String> = std::fs::read_dir(out_dir.path())
        .expect("ls")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    siblings.sort();
    assert_eq!(
        siblings,
        [".public.published", ".public.state", "public"],
        "folders left behind"
    );
    std::fs::write(&item, original.replace("title:", "title: Changed")).expect("write");
    assert_eq!(code(&tracebook(&["build", &root, "--out", &out_arg])), 0);
    assert_ne!(tree_snapshot(&out), before);
}
