//! The edit engine's read cache against changes made outside the server (an editor saving a
//! file, a `git pull` landing a commit), and a release-mode benchmark of the item API on the
//! demo project (`#[ignore]`d; see `bench_item_api_on_the_demo_project`).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use git2::Repository;
use tracebook_edit::{Author, ETag, EditError, Editor, Patch};
use tracebook_test_support::git::commit_all;
use tracebook_test_support::project::write;

const CONFIG: &str = tracebook_test_support::project::NEEDS_AND_REQUIREMENTS;

const SYS: &str = "---
id: SYS-001
kind: requirement
title: Alarm
links:
  derives_from: [STK-001]
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
        write(
            &root,
            "content/need/STK-001.md",
            "---\nid: STK-001\nkind: need\ntitle: Dose\n---\n",
        );
        write(&root, "content/req/SYS-001.md", SYS);
        commit_all(&Repository::init(&root).expect("init"), "initial");
        Fixture { _dir: dir, root }
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.root.join(rel)).expect("read")
    }
}

fn ann() -> Author {
    Author {
        name: "Ann".to_owned(),
        email: "ann@users.tracebook.invalid".to_owned(),
    }
}

fn title(title: &str) -> Patch {
    Patch {
        title: Some(title.to_owned()),
        ..Patch::default()
    }
}

#[tokio::test]
async fn a_commit_landing_between_read_and_write_is_412_and_nothing_is_lost() {
    let fx = Fixture::new();
    let editor = Editor::open(&fx.root, None).unwrap();
    let (_, read_etag) = editor.item("SYS-001").await.unwrap();
    // As a `git pull` would: the file changes (same size) and the branch moves, right away.
    let theirs = SYS.replace("Alarm", "Alert");
    write(&fx.root, "content/req/SYS-001.md", &theirs);
    commit_all(&Repository::open(&fx.root).unwrap(), "pulled");
    let err = editor
        .update("SYS-001", title("Mine"), &read_etag, ann())
        .await
        .unwrap_err();
    let EditError::Stale { current } = err else {
        panic!("{err:?}")
    };
    assert_eq!(current, ETag::compute("SYS-001", theirs.as_bytes()));
    assert_eq!(fx.read("content/req/SYS-001.md"), theirs);
    // The next read shows their version with the ETag the 412 gave.
    let (item, etag) = editor.item("SYS-001").await.unwrap();
    assert_eq!((item.title.as_str(), &etag), ("Alert", &current));
    editor
        .update("SYS-001", title("Mine"), &etag, ann())
        .await
        .unwrap();
    assert!(fx.read("content/req/SYS-001.md").contains("title: Mine\n"));
}

#[tokio::test]
async fn reads_see_a_saved_file_at_once_and_own_writes_everywhere() {
    let fx = Fixture::new();
    let editor = Editor::open(&fx.root, None).unwrap();
    let (_, before) = editor.item("SYS-001").await.unwrap();
    write(
        &fx.root,
        "content/req/SYS-001.md",
        &SYS.replace("Alarm", "Siren"),
    );
    let (item, etag) = editor.item("SYS-001").await.unwrap();
    assert_eq!(item.title, "Siren");
    assert_ne!(etag, before);
    // Committed by hand, then edited through the engine: the listing shows the write at once.
    commit_all(&Repository::open(&fx.root).unwrap(), "saved");
    let commit = editor
        .update("SYS-001", title("Bell"), &etag, ann())
        .await
        .unwrap();
    let snapshot = editor.snapshot().await.unwrap();
    assert_eq!(snapshot.project().item("SYS-001").unwrap().title, "Bell");
    let (_, etag) = editor.item("SYS-001").await.unwrap();
    assert_eq!(etag, commit.etag);
}

/// Copies the demo project (this repository's `tracebook.yaml`, `content/`, `baselines/`) into
/// a fresh git repository.
fn demo_project(dir: &Path) -> PathBuf {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let root = dir.join("demo");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::copy(source.join("tracebook.yaml"), root.join("tracebook.yaml")).unwrap();
    for folder in ["content", "baselines"] {
        copy_tree(&source.join(folder), &root.join(folder));
    }
    write(&root, ".gitignore", ".tracebook/\n");
    commit_all(&Repository::init(&root).unwrap(), "demo");
    root
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

/// `cargo test --release -p tracebook-api --test items_api -- --ignored --nocapture`
///
/// Reads: 4 tasks call `Editor::item` on random items for 3 s (what `GET /api/items/{id}`
/// costs besides HTTP and authentication). Writes: one client edits titles in a loop
/// (read the ETag, update, commit) for 300 commits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run in release mode by hand"]
async fn bench_item_api_on_the_demo_project() {
    let dir = tempfile::tempdir().unwrap();
    let root = demo_project(dir.path());
    let editor = std::sync::Arc::new(Editor::open(&root, None).unwrap());
    let snapshot = editor.snapshot().await.unwrap();
    let ids: Vec<String> = snapshot
        .project()
        .items
        .iter()
        .map(|i| i.id.clone())
        .collect();
    println!("demo project: {} items", ids.len());

    let started = Instant::now();
    let tasks: Vec<_> = (0..4)
        .map(|t| {
            let (editor, ids) = (editor.clone(), ids.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut n = t;
                while started.elapsed() < Duration::from_secs(3) {
                    let at = Instant::now();
                    editor.item(&ids[n % ids.len()]).await.unwrap();
                    latencies.push(at.elapsed());
                    n += 7;
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.unwrap());
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    println!(
        "reads: {:.0}/s, p50 {:?}, p99 {:?}, max {:?}",
        latencies.len() as f64 / elapsed,
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies.last().unwrap(),
    );

    let commits = 300;
    let started = Instant::now();
    let mut latencies = Vec::new();
    for n in 0..commits {
        let id = &ids[(n * 13) % ids.len()];
        let at = Instant::now();
        let (item, etag) = editor.item(id).await.unwrap();
        let patch = title(&format!("{} ({n})", item.title.split(" (").next().unwrap()));
        match editor.update(id, patch, &etag, ann()).await {
            Ok(_) => {}
            Err(EditError::Invalid(d)) => panic!("{id}: {d:?}"),
            Err(err) => panic!("{id}: {err}"),
        }
        latencies.push(at.elapsed());
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    println!(
        "writes: {:.0} commits/s, p50 {:?}, p99 {:?}",
        f64::from(commits as u32) / elapsed,
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
    );
}
