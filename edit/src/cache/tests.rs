//! The validity rule of the read cache: what a check sees, and how stale each kind of read may
//! be. Plain folders, no git: the cache reads the work tree only.

use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use super::super::snapshot::Snapshot;
use super::super::stamp::{CheckTime, Clock};
use super::{Cache, READ_MAX_AGE, ago};
use tracebook_test_support::project::write;

const CONFIG: &str = "project: T
kinds:
  need: { prefix: STK, title: Need }
  requirement: { prefix: SYS, title: Requirement }
";

const SYS: &str = "---\nid: SYS-001\nkind: requirement\ntitle: Alarm\n---\nBody.\n";

fn project() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    write(&root, "tracebook.yaml", CONFIG);
    write(
        &root,
        "content/need/STK-001.md",
        "---\nid: STK-001\nkind: need\ntitle: Dose\n---\n",
    );
    write(&root, "content/req/SYS-001.md", SYS);
    (dir, root)
}

fn title(snapshot: &Snapshot, id: &str) -> Option<String> {
    snapshot.project().item(id).map(|item| item.title.clone())
}

fn now() -> Option<Instant> {
    Some(Instant::now())
}

#[test]
fn an_unchanged_project_is_reused_without_reassembly() {
    let (_dir, root) = project();
    let cache = Cache::new(root, Clock::system());
    let first = cache.checked_since(None).unwrap();
    let again = cache.checked_since(None).unwrap();
    assert!(std::sync::Arc::ptr_eq(&first.snapshot, &again.snapshot));
    // A full check re-reads the racy (just written) files, finds the same bytes, and keeps
    // the assembled project.
    let checked = cache.checked_since(now()).unwrap();
    assert!(checked.at > first.at);
    assert!(checked.snapshot.same_project(&first.snapshot));
}

#[test]
fn a_same_size_rewrite_right_after_a_read_is_seen() {
    let (_dir, root) = project();
    let cache = Cache::new(root.clone(), Clock::system());
    cache.checked_since(None).unwrap();
    // Same length, likely the same mtime tick: only the content comparison of racy files
    // can see it.
    write(
        &root,
        "content/req/SYS-001.md",
        &SYS.replace("Alarm", "Alert"),
    );
    let checked = cache.checked_since(now()).unwrap();
    assert_eq!(
        title(&checked.snapshot, "SYS-001").as_deref(),
        Some("Alert")
    );
}

#[test]
fn on_the_file_system_clock_a_rewrite_in_the_same_tick_is_seen() {
    let (dir, root) = project();
    let clock = Clock::with_marker(dir.path().join("clock"), &root);
    assert!(matches!(clock.now(), CheckTime::FileSystem(_)));
    let cache = Cache::new(root.clone(), clock);
    cache.checked_since(None).unwrap();
    for n in 0..20 {
        // Same size as "Alarm": only the content comparison of racy files can see it.
        let text = SYS.replace("Alarm", &format!("T{n:02}xx"));
        write(&root, "content/req/SYS-001.md", &text);
        let checked = cache.checked_since(now()).unwrap();
        let expected = format!("T{n:02}xx");
        assert_eq!(title(&checked.snapshot, "SYS-001"), Some(expected));
    }
}

#[test]
fn with_old_stamps_a_rewrite_is_seen_by_its_stamp() {
    let (_dir, root) = project();
    // Looked at as if the racy window had passed: the stamps alone decide.
    let later = CheckTime::System(SystemTime::now() + Duration::from_secs(10));
    let first = Snapshot::load(&root, None, later).unwrap();
    let same = Snapshot::load(&root, Some(&first), later).unwrap();
    assert!(same.same_project(&first));
    // Past the file system's timestamp tick, as a file written long ago would be.
    std::thread::sleep(Duration::from_millis(20));
    write(
        &root,
        "content/req/SYS-001.md",
        &SYS.replace("Alarm", "Alert"),
    );
    let after = Snapshot::load(&root, Some(&first), later).unwrap();
    assert_eq!(title(&after, "SYS-001").as_deref(), Some("Alert"));
}

#[test]
fn reading_an_item_sees_its_own_file_at_once_and_other_files_within_the_max_age() {
    let (_dir, root) = project();
    let cache = Cache::new(root.clone(), Clock::system());
    let listed = cache.checked_since(ago(READ_MAX_AGE)).unwrap();
    write(
        &root,
        "content/req/SYS-001.md",
        &SYS.replace("Alarm", "Siren, loud"),
    );
    // The item's own file is checked on every read of it.
    let read = cache.for_item("SYS-001").unwrap();
    assert_eq!(title(&read, "SYS-001").as_deref(), Some("Siren, loud"));
    // Another file: a listing may lag by up to READ_MAX_AGE, a full check may not.
    write(
        &root,
        "content/need/STK-001.md",
        "---\nid: STK-001\nkind: need\ntitle: Dosage\n---\n",
    );
    let recent = cache.checked_since(Some(listed.at)).unwrap();
    assert_eq!(title(&recent.snapshot, "STK-001").as_deref(), Some("Dose"));
    let checked = cache.checked_since(now()).unwrap();
    assert_eq!(
        title(&checked.snapshot, "STK-001").as_deref(),
        Some("Dosage")
    );
}

#[test]
fn new_removed_and_replaced_files_are_seen_by_a_full_check() {
    let (_dir, root) = project();
    let cache = Cache::new(root.clone(), Clock::system());
    cache.checked_since(None).unwrap();
    write(
        &root,
        "content/need/STK-002.md",
        "---\nid: STK-002\nkind: need\ntitle: New\n---\n",
    );
    let added = cache.checked_since(now()).unwrap();
    assert_eq!(title(&added.snapshot, "STK-002").as_deref(), Some("New"));
    std::fs::remove_file(root.join("content/need/STK-002.md")).unwrap();
    let removed = cache.checked_since(now()).unwrap();
    assert_eq!(title(&removed.snapshot, "STK-002"), None);
    // An editor's save: a new file renamed over the old one.
    write(
        &root,
        "content/req/.SYS-001.md.swp",
        &SYS.replace("Alarm", "Buzzer"),
    );
    std::fs::rename(
        root.join("content/req/.SYS-001.md.swp"),
        root.join("content/req/SYS-001.md"),
    )
    .unwrap();
    let replaced = cache.checked_since(now()).unwrap();
    assert_eq!(
        title(&replaced.snapshot, "SYS-001").as_deref(),
        Some("Buzzer")
    );
}

#[test]
fn a_changed_config_reparses_every_file() {
    let (_dir, root) = project();
    let cache = Cache::new(root.clone(), Clock::system());
    let before = cache.checked_since(None).unwrap();
    assert!(before.snapshot.project().diagnostics.is_empty());
    // `requirement` is no longer a kind: SYS-001's parse must be redone to say so.
    write(
        &root,
        "tracebook.yaml",
        "project: T\nkinds:\n  need: { prefix: STK, title: Need }\n",
    );
    let after = cache.checked_since(now()).unwrap();
    let codes: Vec<String> = after
        .snapshot
        .project()
        .diagnostics
        .iter()
        .map(|d| d.code.to_string())
        .collect();
    assert!(codes.contains(&"E0205".to_owned()), "{codes:?}");
    // And a read of the item notices the config change without a full check.
    write(&root, "tracebook.yaml", CONFIG);
    let read = cache.for_item("STK-001").unwrap();
    assert!(read.project().diagnostics.is_empty());
}

#[test]
fn a_written_snapshot_is_compared_by_content_next_time() {
    let (_dir, root) = project();
    let cache = Cache::new(root.clone(), Clock::system());
    let checked = cache.checked_since(None).unwrap();
    let text = SYS.replace("Alarm", "Written");
    let after = checked
        .snapshot
        .with_file("content/req/SYS-001.md", text.clone().into_bytes());
    write(&root, "content/req/SYS-001.md", &text);
    cache.lock().install(super::Checked {
        snapshot: std::sync::Arc::new(after),
        at: checked.at,
    });
    let read = cache.for_item("SYS-001").unwrap();
    assert_eq!(title(&read, "SYS-001").as_deref(), Some("Written"));
    let again = cache.checked_since(now()).unwrap();
    assert!(again.snapshot.same_project(&read));
}
