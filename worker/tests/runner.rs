//! The runner and the consumer against real temporary git repositories: commits are made with
//! git2, runners build from their own clones into a temporary site folder.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use support::{Fixture, Running, page_in, tree, wait_for_async};
use tracebook_generator::{BuildInfo, Changes, SiteBuilder, SiteOptions, Theme};
use tracebook_worker::{
    BuildLog, BuildResult, Consumer, ConsumerOptions, MemoryQueue, Queue, RunOutcome, Waited,
    wait_published,
};

const WAIT: Duration = Duration::from_secs(120);

fn published(outcome: RunOutcome) -> tracebook_worker::BuildRecord {
    match outcome {
        RunOutcome::Published(record) => record,
        other => panic!("expected a published build, got {other:?}"),
    }
}

/// A full build of the source repository's work tree (at the branch tip) into `out`.
fn full_build(fx: &Fixture, out: &std::path::Path) {
    let options = SiteOptions {
        edit_links: true,
        git: true,
        full: true,
        ..SiteOptions::default()
    };
    let theme = Theme::embedded().expect("theme");
    let mut builder = SiteBuilder::new(&fx.root, out, theme, options);
    builder
        .build(&Changes::Unknown, &|| ())
        .expect("full build");
}

#[test]
fn a_commit_is_built_published_and_then_up_to_date() {
    let fx = Fixture::new();
    let first = fx.head();
    let mut runner = fx.runner("w1");

    let record = published(runner.run("main", 1));
    assert_eq!(record.commit.as_deref(), Some(first.as_str()));
    assert_eq!(record.result, BuildResult::Published);
    assert_eq!(record.worker, "w1");
    assert!(record.files_rendered > 0, "{record:?}");
    let info = BuildInfo::read(&fx.site).expect("build info");
    assert_eq!(info.commit.as_deref(), Some(first.as_str()));
    assert!(info.has_edit_links);
    assert!(!info.has_uncommitted_changes, "{info:?}");
    assert!(fx.page().contains("First title"));
    // The record in the log is the finished one.
    let log = BuildLog::of_site(&fx.site).read();
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0].id, record.id);
    assert_eq!(log[0].result, BuildResult::Published);
    assert!(!fx.beside("building").exists(), "the marker is left behind");

    // Nothing new: no build, no record.
    match runner.run("main", 1) {
        RunOutcome::UpToDate { commit } => assert_eq!(commit, first),
        other => panic!("expected up to date, got {other:?}"),
    }
    assert_eq!(BuildLog::of_site(&fx.site).read().len(), 1);

    let second = fx.commit_title("Second title");
    let record = published(runner.run("main", 3));
    assert_eq!(record.commit.as_deref(), Some(second.as_str()));
    assert_eq!(record.jobs, 3);
    // Incremental: the pages the title does not touch are kept.
    assert!(record.files_unchanged > 0, "{record:?}");
    assert_eq!(fx.published().as_deref(), Some(second.as_str()));
    let page = fx.page();
    assert!(
        page.contains("SYS-001</span> Second title</h1>")
            && page.contains("<title>Second title ")
            && !page.contains("<title>First title "),
        "{page}"
    );
    assert_eq!(BuildLog::of_site(&fx.site).read().len(), 2);

    // The incremental site equals a full build of the same commit.
    let full = fx.dir.path().join("full");
    full_build(&fx, &full);
    assert_eq!(
        tree(&fx.site),
        tree(&full),
        "incremental and full builds differ"
    );
}

#[test]
fn a_broken_commit_keeps_the_last_good_site_and_records_why() {
    let fx = Fixture::new();
    let mut runner = fx.runner("w1");
    let good = fx.head();
    published(runner.run("main", 1));
    let before = tree(&fx.site);

    let broken = fx.commit_broken();
    let record = match runner.run("main", 1) {
        RunOutcome::Failed { record, retry } => {
            assert!(!retry, "broken content is not worth a retry: {record:?}");
            record
        }
        other => panic!("expected a failed build, got {other:?}"),
    };
    assert_eq!(record.commit.as_deref(), Some(broken.as_str()));
    let log = BuildLog::of_site(&fx.site).read();
    let logged = &log[0];
    assert_eq!(logged.id, record.id);
    assert_eq!(logged.result, BuildResult::Failed);
    assert_eq!(logged.commit.as_deref(), Some(broken.as_str()));
    assert!(logged.errors > 0, "{logged:?}");
    assert!(logged.message.is_some(), "{logged:?}");
    assert!(
        logged
            .diagnostics
            .iter()
            .any(|d| d.starts_with("content/req/SYS-001.md:5:6: error")),
        "no diagnostic names the file and line: {:?}",
        logged.diagnostics
    );
    let work = fx.dir.path().join("work-w1");
    assert!(
        logged
            .diagnostics
            .iter()
            .all(|d| !d.contains(&*work.to_string_lossy()) && !d.contains("checkout")),
        "a diagnostic names the worker's clone: {:?}",
        logged.diagnostics
    );
    // The previous site is untouched, byte for byte.
    assert_eq!(fx.published().as_deref(), Some(good.as_str()));
    assert!(
        tree(&fx.site) == before,
        "the failed build changed the live site"
    );
    assert!(!fx.beside("building").exists());

    // The same broken tip again: failed again (not "up to date").
    assert!(matches!(
        runner.run("main", 1),
        RunOutcome::Failed { retry: false, .. }
    ));

    let fixed = fx.commit_title("Fixed title");
    let record = published(runner.run("main", 1));
    assert_eq!(record.commit.as_deref(), Some(fixed.as_str()));
    assert_eq!(fx.published().as_deref(), Some(fixed.as_str()));
    assert!(fx.page().contains("Fixed title"));
    let full = fx.dir.path().join("full");
    full_build(&fx, &full);
    assert_eq!(
        tree(&fx.site),
        tree(&full),
        "incremental and full builds differ"
    );
}

#[test]
fn a_build_interrupted_by_a_dead_worker_is_started_afresh() {
    let fx = Fixture::new();
    let mut dead = fx.runner("dead");
    published(dead.run("main", 1));
    fx.commit_title("Second title");
    published(dead.run("main", 1));
    // Its state (saved) vouches for the spare folder, which now holds the first site.
    drop(dead);
    assert!(fx.beside("state").exists());

    // The worker died while updating the spare: its marker stays, and files in subfolders of
    // the spare were half written (replaced, so the live site's hard links are untouched;
    // the spare folder itself keeps its identity, so only the marker tells).
    let spare = fx.beside("spare");
    let live = tree(&fx.site);
    let mut tampered = Vec::new();
    for (rel, bytes) in tree(&spare) {
        let nested = rel.contains('/');
        if nested && live.iter().any(|(r, b)| *r == rel && *b == bytes) {
            let path = spare.join(&rel);
            std::fs::remove_file(&path).unwrap();
            std::fs::write(&path, "half written").unwrap();
            tampered.push(rel);
        }
    }
    assert!(!tampered.is_empty(), "no file of the spare to tamper with");
    std::fs::create_dir_all(spare.join("items/junk")).unwrap();
    std::fs::write(spare.join("items/junk/index.html"), "junk").unwrap();
    std::fs::write(fx.beside("building"), "dead 0\n").unwrap();

    let third = fx.commit_title("After the crash");
    let mut runner = fx.runner("w2");
    let record = published(runner.run("main", 1));
    assert_eq!(record.commit.as_deref(), Some(third.as_str()));
    assert_eq!(fx.published().as_deref(), Some(third.as_str()));
    assert!(fx.page().contains("After the crash"));
    assert!(!fx.beside("building").exists(), "the marker stays");
    let site = tree(&fx.site);
    let junk: Vec<_> = site
        .iter()
        .filter(|(rel, bytes)| rel.starts_with("items/junk") || bytes == b"half written")
        .map(|(rel, _)| rel)
        .collect();
    assert!(
        junk.is_empty(),
        "junk from the dead worker's spare went live: {junk:?}"
    );
    let full = fx.dir.path().join("full");
    full_build(&fx, &full);
    assert!(site == tree(&full), "the site differs from a full build");

    // The next build (the spare is now the previous site) is correct too.
    let fourth = fx.commit_title("Fourth title");
    published(runner.run("main", 1));
    assert_eq!(fx.published().as_deref(), Some(fourth.as_str()));
    std::fs::remove_dir_all(&full).unwrap();
    full_build(&fx, &full);
    assert!(
        tree(&fx.site) == tree(&full),
        "the site differs from a full build"
    );
}

#[test]
fn two_runners_share_one_site_folder() {
    let fx = Fixture::new();
    let mut a = fx.runner("a");
    let mut b = fx.runner("b");
    published(a.run("main", 1));
    // B finds A's site current without building.
    assert!(matches!(b.run("main", 1), RunOutcome::UpToDate { .. }));
    for n in 1..=4 {
        let (runner, name) = if n % 2 == 1 {
            (&mut b, "b")
        } else {
            (&mut a, "a")
        };
        let title = format!("Round {n}");
        let commit = fx.commit_title(&title);
        let record = published(runner.run("main", 1));
        assert_eq!(record.worker, name);
        assert_eq!(record.commit.as_deref(), Some(commit.as_str()));
        assert_eq!(fx.published().as_deref(), Some(commit.as_str()));
        let page = fx.page();
        assert!(page.contains(&title), "round {n}: {page}");
        let full = fx.dir.path().join(format!("full-{n}"));
        full_build(&fx, &full);
        assert_eq!(
            tree(&fx.site),
            tree(&full),
            "round {n}: differs from a full build"
        );
        // The other runner notices the site includes the commit.
        let other = if n % 2 == 1 { &mut a } else { &mut b };
        match other.run("main", 1) {
            RunOutcome::UpToDate { commit: up } => assert_eq!(up, commit),
            other => panic!("round {n}: expected up to date, got {other:?}"),
        }
    }
    let log = BuildLog::of_site(&fx.site).read();
    assert_eq!(log.len(), 5, "{log:?}");
    assert!(log.iter().all(|r| r.result == BuildResult::Published));
}

#[test]
fn cloning_and_fetching_while_commits_land_does_not_fail() {
    // The API commits while a worker clones (its first job) or fetches: neither may trip over
    // the objects being written (cloning did: "could not find
    // '.git/objects/tmp_object_git2_…' to stat").
    let fx = Fixture::new();
    let mut runner = fx.runner("w1");
    published(runner.run("main", 1));
    let done = Arc::new(AtomicBool::new(false));
    let writer = {
        let (root, done) = (fx.root.clone(), Arc::clone(&done));
        std::thread::spawn(move || {
            let repo = git2::Repository::open(&root).expect("open");
            let mut last = String::new();
            for n in 1..=100 {
                support::write(
                    &root,
                    support::ITEM,
                    &support::item_text(&format!("Race {n}")),
                );
                last = support::commit_all(&repo, &format!("Race {n}"));
            }
            done.store(true, Ordering::SeqCst);
            last
        })
    };
    let (mut fetches, mut errors) = (0, Vec::new());
    while !done.load(Ordering::SeqCst) {
        fetches += 1;
        // A fresh worker clones, then fetches; the first one fetches into its clone.
        let fresh = fx.runner(&format!("fresh-{fetches}")).tip("main");
        for result in [fresh, runner.tip("main")] {
            if let Err(err) = result {
                errors.push(err.to_string());
            }
        }
    }
    let last = writer.join().unwrap();
    assert!(
        errors.is_empty(),
        "{} of {fetches} fetches failed while commits landed: {:?}",
        errors.len(),
        &errors[..errors.len().min(3)]
    );
    assert_eq!(runner.tip("main").unwrap(), last);
    let record = published(runner.run("main", 1));
    assert_eq!(record.commit.as_deref(), Some(last.as_str()));
    assert!(fx.page().contains("Race 100"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_jobs_coalesces_into_few_builds() {
    let fx = Fixture::new();
    let source = fx.source();
    let queue = Arc::new(MemoryQueue::new());
    let consumer = Arc::new(Consumer::new(
        queue.clone(),
        fx.runner("w1"),
        ConsumerOptions::new(&source.repo, &source.branch),
    ));
    let running = Running::start(&consumer);

    let mut commits = Vec::new();
    for n in 1..=50 {
        let commit = fx.commit_title(&format!("Burst {n}"));
        queue.enqueue(&source.job(&commit)).await.unwrap();
        commits.push(commit);
    }
    let last = commits.last().unwrap();
    let waited = wait_published(&fx.root, &fx.site, last, WAIT).await;
    assert_eq!(waited, Waited::Published);
    let page = fx.page();
    assert!(page.contains("Burst 50"), "{page}");
    // Every job is answered (acknowledged) once the builds are done.
    let stats = wait_for_async("all jobs acknowledged", WAIT, async || {
        let stats = consumer.stats();
        (stats.acked == 50).then_some(stats)
    })
    .await;
    running.stop().await;

    let log = BuildLog::of_site(&fx.site).read();
    let failures: Vec<_> = log
        .iter()
        .filter(|r| r.result != BuildResult::Published)
        .collect();
    assert!(failures.is_empty(), "builds failed: {failures:#?}");
    assert!(stats.builds < 50, "{stats:?}");
    // Builds only start between batches: at most about one per build's duration of the burst.
    assert!(
        stats.builds <= 25,
        "{} builds for 50 jobs: {stats:?}",
        stats.builds
    );
    assert_eq!(stats.builds, stats.published, "{stats:?}");
    assert_eq!((stats.failed, stats.dead_lettered), (0, 0), "{stats:?}");
    assert!(queue.dead_letters().is_empty());
    assert_eq!(log.len() as u64, stats.builds, "{log:?}");
    assert!(
        log.iter().any(|r| r.jobs > 1),
        "no build answered several jobs: {log:?}"
    );
    assert_eq!(log[0].commit.as_deref(), Some(last.as_str()));
    let answered: usize = log.iter().map(|r| r.jobs).sum();
    assert!(
        answered <= 50,
        "{answered} jobs answered by builds: {log:?}"
    );
    eprintln!("{} builds answered {answered} of 50 jobs", stats.builds);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiting_for_a_commit_whose_build_failed_says_so() {
    let fx = Fixture::new();
    let good = fx.head();
    let mut runner = fx.runner("w1");
    let (runner, outcome) = tokio::task::spawn_blocking(move || {
        let outcome = runner.run("main", 1);
        (runner, outcome)
    })
    .await
    .unwrap();
    published(outcome);
    let broken = fx.commit_broken();
    let short = Duration::from_millis(300);
    // Nothing built the broken commit yet: no answer in time.
    assert_eq!(
        wait_published(&fx.root, &fx.site, &broken, short).await,
        Waited::TimedOut
    );
    let (mut runner, outcome) = tokio::task::spawn_blocking(move || {
        let mut runner = runner;
        let outcome = runner.run("main", 1);
        (runner, outcome)
    })
    .await
    .unwrap();
    assert!(
        matches!(outcome, RunOutcome::Failed { retry: false, .. }),
        "{outcome:?}"
    );

    match wait_published(&fx.root, &fx.site, &broken, WAIT).await {
        Waited::Failed(record) => {
            assert_eq!(record.commit.as_deref(), Some(broken.as_str()));
            assert_eq!(record.result, BuildResult::Failed);
        }
        other => panic!("expected Failed, got {other:?}"),
    }
    // The good commit stays published.
    assert_eq!(
        wait_published(&fx.root, &fx.site, &good, short).await,
        Waited::Published
    );
    // A newer commit no build included yet: the failure of an older one says nothing.
    let later = fx.commit_title("Later");
    assert_eq!(
        wait_published(&fx.root, &fx.site, &later, short).await,
        Waited::TimedOut
    );
    let outcome = tokio::task::spawn_blocking(move || runner.run("main", 1))
        .await
        .unwrap();
    published(outcome);
    assert_eq!(
        wait_published(&fx.root, &fx.site, &later, short).await,
        Waited::Published
    );
    // The broken commit is in the published history now.
    assert_eq!(
        wait_published(&fx.root, &fx.site, &broken, short).await,
        Waited::Published
    );
    assert!(page_in(&fx.site).contains("Later"));
}
