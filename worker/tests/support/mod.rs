//! Shared fixtures of the worker's tests: a committed project in a temporary git repository
//! (commits made with git2), a site folder beside it and runners working in their own folders.

#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use git2::Repository;
use std::sync::Arc;

pub use tracebook_test_support::project::write;
use tracebook_worker::{Consumer, Runner, RunnerOptions, Source};

pub const CONFIG: &str = tracebook_test_support::project::NEEDS_AND_REQUIREMENTS;

/// The branch the fixtures commit to.
pub const BRANCH: &str = "main";

/// The item whose title the commits change.
pub const ITEM: &str = "content/req/SYS-001.md";

pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub root: PathBuf,
    pub site: PathBuf,
    pub repo: Repository,
}

impl Fixture {
    /// A project with one commit on `main` (SYS-001 titled "First title"); nothing built.
    pub fn new() -> Fixture {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("repo");
        let site = dir.path().join("site");
        write(&root, ".gitignore", ".tracebook/\n");
        write(&root, "tracebook.yaml", CONFIG);
        write(
            &root,
            "content/need/STK-001.md",
            "---\nid: STK-001\nkind: need\ntitle: Need\n---\n",
        );
        let mut init = git2::RepositoryInitOptions::new();
        init.initial_head(BRANCH);
        let repo = Repository::init_opts(&root, &init).expect("init");
        let fx = Fixture {
            dir,
            root,
            site,
            repo,
        };
        fx.commit_title("First title");
        fx
    }

    /// Which repository and branch the site follows (as jobs name them).
    pub fn source(&self) -> Source {
        Source::of(&self.root, Some(BRANCH)).expect("source")
    }

    /// A runner working in its own folder `work-<name>` beside the site.
    pub fn runner(&self, name: &str) -> Runner {
        Runner::new(RunnerOptions {
            source_root: self.root.clone(),
            site: self.site.clone(),
            work_dir: self.dir.path().join(format!("work-{name}")),
            worker: name.to_owned(),
            steps: Vec::new(),
        })
    }

    /// Writes SYS-001 with `title` and commits; returns the commit id.
    pub fn commit_title(&self, title: &str) -> String {
        self.write(ITEM, &item_text(title));
        self.commit(&format!("Title {title}"))
    }

    /// Writes SYS-001 with broken front matter (an unclosed flow sequence on line 4) and
    /// commits; returns the commit id.
    pub fn commit_broken(&self) -> String {
        self.write(
            ITEM,
            "---\nid: SYS-001\nkind: requirement\ntitle: [Broken\nlinks:\n  derives_from: [STK-001]\n---\nText.\n",
        );
        self.commit("Break the front matter")
    }

    pub fn write(&self, rel: &str, text: &str) {
        write(&self.root, rel, text);
    }

    /// Commits the whole work tree on `main`; returns the commit id.
    pub fn commit(&self, message: &str) -> String {
        commit_all(&self.repo, message)
    }

    /// The newest commit of `main`.
    pub fn head(&self) -> String {
        self.repo
            .refname_to_id(&format!("refs/heads/{BRANCH}"))
            .expect("branch")
            .to_string()
    }

    /// The published page of SYS-001.
    pub fn page(&self) -> String {
        page_in(&self.site)
    }

    /// The commit of the published site.
    pub fn published(&self) -> Option<String> {
        tracebook_generator::BuildInfo::read(&self.site).and_then(|info| info.commit)
    }

    /// `.site.<what>` beside the site.
    pub fn beside(&self, what: &str) -> PathBuf {
        self.dir.path().join(format!(".site.{what}"))
    }
}

pub fn item_text(title: &str) -> String {
    format!(
        "---\nid: SYS-001\nkind: requirement\ntitle: {title}\nlinks:\n  derives_from: [STK-001]\n---\nText.\n"
    )
}

/// The page of SYS-001 in the site at `site`.
pub fn page_in(site: &Path) -> String {
    let path = site.join("items/SYS-001/index.html");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Commits the whole work tree of `repo` on its current branch; returns the commit id.
pub fn commit_all(repo: &Repository, message: &str) -> String {
    tracebook_test_support::git::commit_all(repo, message).to_string()
}

/// Every file under `dir` (relative path → bytes), sorted.
pub fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).expect("read_dir") {
            let entry = entry.expect("entry");
            let path = entry.path();
            if entry.file_type().expect("file type").is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(dir)
                    .expect("under dir")
                    .to_string_lossy()
                    .into_owned();
                files.push((rel, std::fs::read(&path).expect("read")));
            }
        }
    }
    files.sort();
    files
}

/// Async form of [`wait_for`] (the check must not block for long).
pub async fn wait_for_async<T>(
    what: &str,
    timeout: Duration,
    mut check: impl AsyncFnMut() -> Option<T>,
) -> T {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A consumer's loop on a task of its own, until [`Running::stop`].
pub struct Running {
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    pub fn start(consumer: &Arc<Consumer>) -> Running {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let consumer = Arc::clone(consumer);
        let task = tokio::spawn(async move {
            consumer
                .run(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Running { stop, task }
    }

    /// Stops the loop (it finishes a build in progress first) and waits for it, bounded.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        tokio::time::timeout(Duration::from_secs(60), self.task)
            .await
            .expect("the loop stops in time")
            .expect("the loop does not panic");
    }
}
