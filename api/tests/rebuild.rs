//! The rebuild queue against real temporary git repositories: commits are made with git2, the
//! rebuilder publishes into a temp site folder.

use std::path::{Path, PathBuf};
use std::time::Duration;

use git2::{Repository, Signature};
use tracebook_api::rebuild::{Rebuilder, build_now, site_is_current};

const CONFIG: &str = "project: T
kinds:
  need: { prefix: STK, title: Need }
  requirement: { prefix: SYS, title: Requirement }
links:
  derives_from: { from: [requirement], to: [need] }
";

const WAIT: Duration = Duration::from_secs(60);

struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
    site: PathBuf,
    repo: Repository,
}

impl Fixture {
    /// A committed project whose site is built.
    fn new() -> Fixture {
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
        let repo = Repository::init(&root).expect("init");
        let fx = Fixture {
            _dir: dir,
            root,
            site,
            repo,
        };
        fx.commit_title("First title");
        build_now(&fx.root, &fx.site).expect("first build");
        fx
    }

    /// Writes SYS-001 with `title` and commits; returns the commit id.
    fn commit_title(&self, title: &str) -> String {
        let text = format!(
            "---\nid: SYS-001\nkind: requirement\ntitle: {title}\nlinks:\n  derives_from: [STK-001]\n---\nText.\n"
        );
        write(&self.root, "content/req/SYS-001.md", &text);
        self.commit(&format!("Title {title}"))
    }

    fn commit(&self, message: &str) -> String {
        let mut index = self.repo.index().expect("index");
        index
            .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
            .expect("add");
        index.write().expect("write index");
        let tree = self
            .repo
            .find_tree(index.write_tree().expect("tree"))
            .expect("find tree");
        let sig = Signature::now("Ada", "ada@example.com").expect("signature");
        let parent = self
            .repo
            .head()
            .ok()
            .map(|h| h.peel_to_commit().expect("commit"));
        let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
        let id = self
            .repo
            .commit(Some("HEAD"), &sig, &sig, message, &tree, &parents)
            .expect("commit");
        id.to_string()
    }

    fn page(&self) -> String {
        std::fs::read_to_string(self.site.join("items/SYS-001/index.html")).expect("page")
    }

    fn rebuilder(&self) -> std::sync::Arc<Rebuilder> {
        Rebuilder::start(self.root.clone(), self.site.clone(), None)
    }
}

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

/// Waits until no build is running or pending (the worker has gone back to sleep).
async fn idle(rebuilder: &Rebuilder) {
    for _ in 0..600 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let status = rebuilder.status();
        if !status.is_building && status.started == status.finished {
            return;
        }
    }
    panic!("the rebuilder did not go idle: {:?}", rebuilder.status());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_requested_commit_is_published_and_waited_for() {
    let fx = Fixture::new();
    let first = fx
        .repo
        .head()
        .expect("head")
        .target()
        .expect("id")
        .to_string();
    assert!(site_is_current(&fx.root, &fx.site));
    let rebuilder = fx.rebuilder();
    assert_eq!(
        rebuilder.status().published.as_deref(),
        Some(first.as_str())
    );

    let second = fx.commit_title("Second title");
    assert!(!site_is_current(&fx.root, &fx.site));
    rebuilder.request(&second);
    assert!(rebuilder.wait_published(&second, WAIT).await);
    let page = fx.page();
    assert!(page.contains("Second title"), "{page}");
    assert!(page.contains(&format!(r#"title="{second}""#)));
    assert!(page.contains(r#"class="edit-link" href="edit""#));
    let status = rebuilder.status();
    assert_eq!(status.published.as_deref(), Some(second.as_str()));
    assert_eq!(status.last_error, None);
    assert!(status.last_duration_ms.is_some());
    assert!(site_is_current(&fx.root, &fx.site));
    // A commit the published one descends from is in the site too.
    assert!(
        rebuilder
            .wait_published(&first, Duration::from_millis(1))
            .await
    );
    idle(&rebuilder).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_commit_keeps_the_last_good_site_and_records_why() {
    let fx = Fixture::new();
    let rebuilder = fx.rebuilder();
    let good = fx.commit_title("Good title");
    rebuilder.request(&good);
    assert!(rebuilder.wait_published(&good, WAIT).await);

    // A content error: a link to an item that does not exist.
    write(
        &fx.root,
        "content/req/SYS-002.md",
        "---\nid: SYS-002\nkind: requirement\ntitle: Broken\nlinks:\n  derives_from: [STK-404]\n---\n",
    );
    let broken = fx.commit("Link to nowhere");
    rebuilder.request(&broken);
    // Returns as soon as the failed build is recorded, well before the timeout.
    assert!(!rebuilder.wait_published(&broken, WAIT).await);
    idle(&rebuilder).await;
    let page = fx.page();
    assert!(
        page.contains("Good title") && !page.contains("Broken"),
        "{page}"
    );
    let status = rebuilder.status();
    assert_eq!(status.published.as_deref(), Some(good.as_str()));
    let failure = status.last_error.expect("the failure is recorded");
    assert_eq!(failure.commit.as_deref(), Some(broken.as_str()));
    assert!(failure.errors >= 1, "{failure:?}");
    assert!(failure.message.contains("error"), "{failure:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_requests_coalesces_into_few_builds() {
    let fx = Fixture::new();
    let rebuilder = fx.rebuilder();
    let commits: Vec<String> = (1..=20)
        .map(|n| fx.commit_title(&format!("Burst {n}")))
        .collect();
    for commit in &commits {
        rebuilder.request(commit);
    }
    let last = commits.last().expect("commits");
    assert!(rebuilder.wait_published(last, WAIT).await);
    idle(&rebuilder).await;
    assert!(fx.page().contains("Burst 20"));
    let status = rebuilder.status();
    // The first request starts a build; all others arrive while it runs and make one more.
    assert!(
        (1..=2).contains(&status.started),
        "{} builds for 20 requests",
        status.started
    );
    assert_eq!(status.started, status.finished);
}

#[test]
fn a_site_is_stale_when_the_work_tree_differs() {
    let fx = Fixture::new();
    assert!(site_is_current(&fx.root, &fx.site));
    write(
        &fx.root,
        "content/need/STK-002.md",
        "---\nid: STK-002\nkind: need\ntitle: Uncommitted\n---\n",
    );
    assert!(!site_is_current(&fx.root, &fx.site));
    assert!(!site_is_current(&fx.root, &fx.root.join("no-site")));
}
