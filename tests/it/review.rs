//! `tracebook review`: stamping reviewed fingerprints in a real git repository, checked with
//! `check` and with git's own diff of the work tree against HEAD.

use std::path::Path;

use git2::{DiffOptions, Repository};
use tracebook_model::Project;

use crate::common::*;
use crate::gitrepo::{commit_all, write};

const CONFIG: &str = "project: Review\nkinds:\n  need: { prefix: STK, title: Stakeholder need }\n  \
    requirement: { prefix: SYS, title: System requirement }\nlinks:\n  \
    derives_from: { from: [requirement], to: [need] }\n  refines: { from: [requirement], to: [need] }\n";
const NEED: &str =
    "---\nid: STK-1\nkind: need\ntitle: Alarm on occlusion\n---\nThe nurse hears an alarm.\n";
const REQ_PATH: &str = "content/reqs/SYS-1.md";

/// The requirement, with a comment, non-alphabetical key order and multi-byte text around the
/// stamps, reviewed at `derives` and `refines`.
fn requirement(derives: &str, refines: &str) -> String {
    format!(
        "---\nid: SYS-1\ntitle: Alarm latency — “30 s”\nkind: requirement\n# reviewed with the safety team\n\
         links:\n  derives_from: [{{ id: STK-1, reviewed: \"{derives}\" }}] # ü\n  refines:\n    - id: STK-1\n      \
         reviewed: '{refines}'\nstatus: draft\n---\nThe pump shall alarm within 30 s.\n"
    )
}

/// The fingerprint `check` computes for the need as written in `need`.
fn need_fingerprint(need: &str) -> String {
    let project = Project::from_memory([
        ("tracebook.yaml", CONFIG.as_bytes()),
        ("content/needs/STK-1.md", need.as_bytes()),
    ]);
    project.item("STK-1").expect("need").fingerprint.to_string()
}

/// A committed project whose requirement's stamps match the need, then a committed edit of the
/// need's body, which makes both links suspect.
fn project_with_changed_need() -> (tempfile::TempDir, Repository, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = Repository::init(dir.path()).expect("git init");
    let fp = need_fingerprint(NEED);
    write(dir.path(), "tracebook.yaml", CONFIG);
    write(dir.path(), "content/needs/STK-1.md", NEED);
    write(dir.path(), REQ_PATH, &requirement(&fp, &fp));
    commit_all(&repo, "first");
    assert!(suspect_links(dir.path()).is_empty());
    let changed = NEED.replace("hears an alarm", "hears a loud alarm");
    write(dir.path(), "content/needs/STK-1.md", &changed);
    commit_all(&repo, "louder");
    (dir, repo, fp)
}

/// The messages of `check --format json`'s E0402 diagnostics.
fn suspect_links(root: &Path) -> Vec<String> {
    let out = tracebook(&["check", root.to_str().expect("utf-8"), "--format", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    json_lines(&stdout(&out))
        .into_iter()
        .filter(|d| d["code"] == "E0402")
        .map(|d| format!("{} {}", d["file"], d["message"]))
        .collect()
}

fn review(root: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["review", "--root", root.to_str().expect("utf-8")];
    args.extend_from_slice(extra);
    tracebook(&args)
}

/// Lines git sees removed and added in the work tree against HEAD, with their files.
fn changed_lines(repo: &Repository) -> Vec<(char, String, String)> {
    let head = repo.head().expect("head").peel_to_tree().expect("tree");
    let mut opts = DiffOptions::new();
    let diff = repo
        .diff_tree_to_workdir(Some(&head), Some(&mut opts))
        .expect("diff");
    let mut lines = Vec::new();
    diff.print(git2::DiffFormat::Patch, |delta, _, line| {
        if matches!(line.origin(), '+' | '-') {
            let file = delta.new_file().path().expect("path").display().to_string();
            let text = String::from_utf8_lossy(line.content()).into_owned();
            lines.push((line.origin(), file, text));
        }
        true
    })
    .expect("diff lines");
    lines
}

#[test]
fn review_clears_suspect_links_changing_only_the_stamps() {
    let (dir, repo, old) = project_with_changed_need();
    let suspects = suspect_links(dir.path());
    assert_eq!(suspects.len(), 2, "{suspects:?}");
    assert!(
        suspects.iter().all(|s| s.contains(REQ_PATH)),
        "{suspects:?}"
    );
    let new = need_fingerprint(
        &std::fs::read_to_string(dir.path().join("content/needs/STK-1.md")).expect("read"),
    );

    let out = review(dir.path(), &["SYS-1"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!("SYS-1 derives_from STK-1: reviewed {new}\nSYS-1 refines STK-1: reviewed {new}\n")
    );
    assert!(suspect_links(dir.path()).is_empty());

    let text = std::fs::read_to_string(dir.path().join(REQ_PATH)).expect("read");
    let expected = requirement(&old, &old)
        .replace(&format!("\"{old}\""), &format!("\"{new}\""))
        .replace(&format!("'{old}'"), &format!("\"{new}\""));
    assert_eq!(text, expected);
    let derives = |fp: &str| format!("  derives_from: [{{ id: STK-1, reviewed: \"{fp}\" }}] # ü\n");
    let file = || REQ_PATH.to_owned();
    assert_eq!(
        changed_lines(&repo),
        [
            ('-', file(), derives(&old)),
            ('+', file(), derives(&new)),
            ('-', file(), format!("      reviewed: '{old}'\n")),
            ('+', file(), format!("      reviewed: \"{new}\"\n")),
        ]
    );

    let again = review(dir.path(), &["SYS-1"]);
    assert_eq!(code(&again), 0, "{}", stderr(&again));
    assert!(
        stdout(&again).contains("SYS-1 refines STK-1: already reviewed"),
        "{}",
        stdout(&again)
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join(REQ_PATH)).expect("read"),
        text
    );
}

#[test]
fn review_link_kind_stamps_only_that_kind() {
    let (dir, repo, old) = project_with_changed_need();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let perms = std::fs::Permissions::from_mode(0o640);
        std::fs::set_permissions(dir.path().join(REQ_PATH), perms).expect("chmod");
    }
    let out = review(dir.path(), &["SYS-1", "--link-kind", "refines"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("SYS-1 refines STK-1: reviewed "),
        "{}",
        stdout(&out)
    );
    assert!(!stdout(&out).contains("derives_from"), "{}", stdout(&out));
    let suspects = suspect_links(dir.path());
    assert_eq!(suspects.len(), 1, "{suspects:?}");
    assert!(suspects[0].contains("derives_from"), "{suspects:?}");
    let lines = changed_lines(&repo);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[0].2, format!("      reviewed: '{old}'\n"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join(REQ_PATH))
            .expect("stat")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o640);
    }

    let unknown = review(dir.path(), &["SYS-1", "--link-kind", "refine"]);
    assert_eq!(code(&unknown), 2);
    let err = stderr(&unknown);
    assert!(err.contains("unknown link kind `refine`"), "{err}");
    assert!(err.contains("derives_from, refines"), "{err}");
}

#[test]
fn review_unknown_id_suggests_a_close_one_and_writes_nothing() {
    let (dir, repo, _) = project_with_changed_need();
    let out = review(dir.path(), &["SYS-1", "SYS-11"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("no item SYS-11 in the project (did you mean SYS-1?)"),
        "{}",
        stderr(&out)
    );
    assert!(changed_lines(&repo).is_empty());

    let none = review(dir.path(), &["STK-1"]);
    assert_eq!(code(&none), 0, "{}", stderr(&none));
    assert_eq!(stdout(&none), "STK-1: no resolved links to review\n");
}
