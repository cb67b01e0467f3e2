//! The edit engine against real temporary git repositories.

use std::path::PathBuf;
use std::sync::Arc;

use git2::Repository;
use tracebook_edit::{Author, ETag, EditError, Editor, NewItem, Patch};
use tracebook_test_support::git::commit_all;
use tracebook_test_support::project::write;

const CONFIG: &str = "project: T
kinds:
  need: { prefix: STK, title: Need }
  requirement: { prefix: SYS, title: Requirement,
                 fields: { priority: { type: enum, values: [low, high] } } }
links:
  derives_from: { from: [requirement], to: [need] }
";

const SYS: &str = "---
id: SYS-001
kind: requirement
title: Alarm # short
links:
  derives_from: [STK-001] # why
priority: high
---
The pump shall alarm.
";

struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("repo");
        write(&root, "tracebook.yaml", CONFIG);
        for n in 1..=3 {
            let text = format!("---\nid: STK-00{n}\nkind: need\ntitle: Need {n}\n---\n");
            write(&root, &format!("content/need/STK-00{n}.md"), &text);
        }
        write(&root, "content/req/SYS-001.md", SYS);
        let repo = Repository::init(&root).expect("init");
        commit_all(&repo, "initial");
        Fixture { _dir: dir, root }
    }

    fn editor(&self) -> Editor {
        Editor::open(&self.root, None).expect("editor")
    }

    fn repo(&self) -> Repository {
        Repository::open(&self.root).expect("repo")
    }

    fn head(&self) -> String {
        let repo = self.repo();
        let head = repo.head().expect("head").peel_to_commit().expect("commit");
        head.id().to_string()
    }

    fn commits(&self) -> usize {
        let repo = self.repo();
        let mut walk = repo.revwalk().expect("walk");
        walk.push_head().expect("head");
        walk.count()
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.root.join(rel)).expect("read")
    }

    /// Paths changed between HEAD~1 and HEAD.
    fn last_change(&self) -> Vec<String> {
        let repo = self.repo();
        let head = repo.head().unwrap().peel_to_commit().unwrap();
        let parent = head.parent(0).unwrap();
        let diff = repo
            .diff_tree_to_tree(
                Some(&parent.tree().unwrap()),
                Some(&head.tree().unwrap()),
                None,
            )
            .unwrap();
        diff.deltas()
            .map(|d| d.new_file().path().unwrap().display().to_string())
            .collect()
    }
}

fn ann() -> Author {
    Author {
        name: "Ann Chen".to_owned(),
        email: "ann@example.com".to_owned(),
    }
}

fn title(title: &str) -> Patch {
    Patch {
        title: Some(title.to_owned()),
        ..Patch::default()
    }
}

#[tokio::test]
async fn reads_an_item_with_a_strong_etag() {
    let fx = Fixture::new();
    let editor = fx.editor();
    let (item, etag) = editor.item("SYS-001").await.unwrap();
    assert_eq!(item.title, "Alarm");
    let links: Vec<_> = item.links.iter().map(|l| (&*l.kind, &*l.target)).collect();
    assert_eq!(links, [("derives_from", "STK-001")]);
    let fields: Vec<_> = item.fields.iter().map(|f| (&*f.name, &f.value)).collect();
    assert_eq!(fields, [("priority", &serde_json::json!("high"))]);
    assert!(
        etag.as_str().starts_with('"') && etag.as_str().len() == 18,
        "{etag}"
    );
    let (_, other) = editor.item("STK-001").await.unwrap();
    assert_ne!(etag, other);
    assert!(matches!(
        editor.item("SYS-404").await,
        Err(EditError::NotFound(_))
    ));
}

#[tokio::test]
async fn update_with_the_right_etag_commits_only_that_file_as_the_author() {
    let fx = Fixture::new();
    let editor = fx.editor();
    let before = fx.commits();
    let (_, etag) = editor.item("SYS-001").await.unwrap();
    let commit = editor
        .update("SYS-001", title("Occlusion alarm"), &etag, ann())
        .await
        .unwrap();
    assert_eq!(commit.id, fx.head());
    assert_eq!(fx.commits(), before + 1);
    assert_eq!(fx.last_change(), ["content/req/SYS-001.md"]);
    assert_eq!(
        fx.read("content/req/SYS-001.md"),
        SYS.replace("title: Alarm # short", "title: Occlusion alarm # short")
    );
    let repo = fx.repo();
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    assert_eq!(head.author().name(), Some("Ann Chen"));
    assert_eq!(head.author().email(), Some("ann@example.com"));
    assert_eq!(head.committer().name(), Some("tracebook"));
    // The work tree and index agree with the new commit.
    let statuses = repo.statuses(None).unwrap();
    assert_eq!(statuses.len(), 0);
    let (_, new_etag) = editor.item("SYS-001").await.unwrap();
    assert_ne!(new_etag, etag);
}

#[tokio::test]
async fn stale_etag_is_refused_and_nothing_is_committed() {
    let fx = Fixture::new();
    let editor = fx.editor();
    let head = fx.head();
    let stale = ETag::new("\"0000000000000000\"");
    let err = editor
        .update("SYS-001", title("X"), &stale, ann())
        .await
        .unwrap_err();
    assert!(matches!(err, EditError::Stale { .. }), "{err:?}");
    assert_eq!(fx.head(), head);
    assert_eq!(fx.read("content/req/SYS-001.md"), SYS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_updates_with_one_etag_commit_once() {
    let fx = Fixture::new();
    let editor = Arc::new(fx.editor());
    let before = fx.commits();
    let (_, etag) = editor.item("SYS-001").await.unwrap();
    let tasks: Vec<_> = ["First", "Second"]
        .into_iter()
        .map(|t| {
            let (editor, etag) = (Arc::clone(&editor), etag.clone());
            tokio::spawn(async move { editor.update("SYS-001", title(t), &etag, ann()).await })
        })
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap());
    }
    let ok = results.iter().filter(|r| r.is_ok()).count();
    let stale = results
        .iter()
        .filter(|r| matches!(r, Err(EditError::Stale { .. })))
        .count();
    assert_eq!((ok, stale), (1, 1), "{results:?}");
    assert_eq!(fx.commits(), before + 1);
}

#[tokio::test]
async fn edit_adding_an_error_is_invalid_and_leaves_the_repository_untouched() {
    let fx = Fixture::new();
    let editor = fx.editor();
    let head = fx.head();
    let (_, etag) = editor.item("SYS-001").await.unwrap();
    let patch = Patch {
        links: Some([("derives_from".to_owned(), vec!["STK-999".into()])].into()),
        ..Patch::default()
    };
    let err = editor
        .update("SYS-001", patch, &etag, ann())
        .await
        .unwrap_err();
    let EditError::Invalid(diagnostics) = &err else {
        panic!("{err:?}")
    };
    assert!(
        diagnostics.iter().any(|d| d.code.to_string() == "E0203"),
        "{diagnostics:?}"
    );
    assert_eq!(fx.head(), head);
    assert_eq!(fx.read("content/req/SYS-001.md"), SYS);
    assert_eq!(fx.repo().statuses(None).unwrap().len(), 0);
}

#[tokio::test]
async fn create_allocates_the_next_id_of_the_prefix() {
    let fx = Fixture::new();
    let editor = fx.editor();
    let new = NewItem {
        kind: "need".to_owned(),
        title: "Dose limits".to_owned(),
        fields: vec![],
        body: "Body.".to_owned(),
    };
    let (id, commit) = editor.create(new, ann()).await.unwrap();
    assert_eq!(id, "STK-004");
    assert_eq!(commit.id, fx.head());
    assert_eq!(fx.last_change(), ["content/need/STK-004.md"]);
    assert_eq!(
        fx.read("content/need/STK-004.md"),
        "---\nid: STK-004\nkind: need\ntitle: Dose limits\n---\nBody.\n"
    );
    let bad = NewItem {
        kind: "nope".to_owned(),
        ..NewItem::default()
    };
    assert!(matches!(
        editor.create(bad, ann()).await,
        Err(EditError::BadRequest(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_creates_get_distinct_ids() {
    let fx = Fixture::new();
    let editor = Arc::new(fx.editor());
    let before = fx.commits();
    let tasks: Vec<_> = (0..4)
        .map(|n| {
            let editor = Arc::clone(&editor);
            let new = NewItem {
                kind: "need".to_owned(),
                title: format!("Need {n}"),
                ..NewItem::default()
            };
            tokio::spawn(async move { editor.create(new, ann()).await })
        })
        .collect();
    let mut ids = Vec::new();
    for task in tasks {
        ids.push(task.await.unwrap().unwrap().0);
    }
    ids.sort();
    assert_eq!(ids, ["STK-004", "STK-005", "STK-006", "STK-007"]);
    assert_eq!(fx.commits(), before + 4);
}

#[tokio::test]
async fn obsolete_sets_the_status_instead_of_deleting() {
    let fx = Fixture::new();
    let editor = fx.editor();
    let (_, etag) = editor.item("STK-002").await.unwrap();
    editor.obsolete("STK-002", &etag, ann()).await.unwrap();
    let (item, _) = editor.item("STK-002").await.unwrap();
    assert_eq!(item.status, "obsolete");
    assert!(
        fx.read("content/need/STK-002.md")
            .contains("title: Need 2\nstatus: obsolete\n---")
    );
}

#[tokio::test]
async fn ids_that_look_like_paths_are_rejected() {
    let fx = Fixture::new();
    let editor = fx.editor();
    let etag = ETag::new("\"x\"");
    for id in [
        "../x",
        "/etc/passwd",
        "a/b",
        "..",
        "content/req/SYS-001.md",
        "",
    ] {
        let read = editor.item(id).await;
        assert!(
            matches!(read, Err(EditError::BadRequest(_))),
            "{id}: {read:?}"
        );
        let write = editor.update(id, title("x"), &etag, ann()).await;
        assert!(
            matches!(write, Err(EditError::BadRequest(_))),
            "{id}: {write:?}"
        );
    }
}

#[cfg(unix)]
#[tokio::test]
async fn writes_through_symlinks_out_of_content_are_refused() {
    let fx = Fixture::new();
    let outside = fx.root.parent().unwrap().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    // The `need` folder now leads out of the project.
    std::fs::rename(fx.root.join("content/need"), outside.join("need")).unwrap();
    std::os::unix::fs::symlink(outside.join("need"), fx.root.join("content/need")).unwrap();
    let editor = fx.editor();
    let new = NewItem {
        kind: "need".to_owned(),
        title: "Escapes".to_owned(),
        ..NewItem::default()
    };
    let head = fx.head();
    let err = editor.create(new, ann()).await.unwrap_err();
    assert!(matches!(err, EditError::BadRequest(_)), "{err:?}");
    assert_eq!(std::fs::read_dir(outside.join("need")).unwrap().count(), 3);
    assert_eq!(fx.head(), head);
}

#[tokio::test]
async fn uncommitted_changes_to_the_file_are_refused() {
    let fx = Fixture::new();
    let editor = fx.editor();
    let edited = SYS.replace("The pump", "The IP-200 pump");
    write(&fx.root, "content/req/SYS-001.md", &edited);
    let (_, etag) = editor.item("SYS-001").await.unwrap();
    let head = fx.head();
    let err = editor
        .update("SYS-001", title("X"), &etag, ann())
        .await
        .unwrap_err();
    assert!(matches!(err, EditError::Conflict(_)), "{err:?}");
    assert_eq!(fx.head(), head);
    assert_eq!(fx.read("content/req/SYS-001.md"), edited);
}

/// What a crash between writing an item file and committing it leaves: the file with the
/// edit's bytes, HEAD without them, and the edit's marker in the git directory (the file and
/// the SHA-256 of the bytes written).
fn crash_between_write_and_commit(fx: &Fixture, rel: &str, text: &str) {
    use sha2::Digest;
    write(&fx.root, rel, text);
    let digest: String = sha2::Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    std::fs::write(
        fx.root.join(".git/tracebook-edit-in-progress"),
        format!("file {rel}\nsha256 {digest}\n"),
    )
    .unwrap();
}

#[tokio::test]
async fn an_edit_cut_short_by_a_crash_is_rolled_back_when_the_editor_opens() {
    let fx = Fixture::new();
    let head = fx.head();
    crash_between_write_and_commit(
        &fx,
        "content/req/SYS-001.md",
        &SYS.replace("title: Alarm", "title: Never confirmed"),
    );
    let editor = fx.editor();
    assert_eq!(fx.read("content/req/SYS-001.md"), SYS, "restored to HEAD");
    assert!(!fx.root.join(".git/tracebook-edit-in-progress").exists());
    assert_eq!(
        fx.head(),
        head,
        "nothing committed for an edit nobody was told about"
    );
    let (item, etag) = editor.item("SYS-001").await.unwrap();
    assert_eq!(item.title, "Alarm");
    editor
        .update("SYS-001", title("Alarm within 30 s"), &etag, ann())
        .await
        .expect("the item is editable again");

    crash_between_write_and_commit(
        &fx,
        "content/need/STK-004.md",
        "---\nid: STK-004\nkind: need\ntitle: Never created\n---\n",
    );
    let _editor = fx.editor();
    assert!(
        !fx.root.join("content/need/STK-004.md").exists(),
        "a file the commit would have added is removed"
    );
}

#[tokio::test]
async fn a_file_changed_after_a_crashed_edit_is_left_as_it_is() {
    let fx = Fixture::new();
    crash_between_write_and_commit(
        &fx,
        "content/req/SYS-001.md",
        &SYS.replace("title: Alarm", "title: Never confirmed"),
    );
    // Someone then edits the file by hand: their work is not the server's to undo.
    let by_hand = SYS.replace("title: Alarm", "title: By hand");
    write(&fx.root, "content/req/SYS-001.md", &by_hand);
    let _editor = fx.editor();
    assert_eq!(fx.read("content/req/SYS-001.md"), by_hand);
}
